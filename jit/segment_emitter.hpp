// The fused segment's emitter, shared by jit/emit.cpp (its loops, register allocation, loads,
// stores and vector calls) and jit/emit_compute.cpp (the instruction selection of its float
// and bool operations). Internal to jit/emit*.cpp. Values live in ymm0..ymm12 (kValueRegs),
// the last kMaxHoisted of them possibly holding uniforms for the whole loop; ymm13..ymm15 are
// scratch inside one instruction.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: jit/ may be included by vm/, jit/, runtime/ and code above the library"
#endif
#include <asmjit/x86.h>

#include <array>
#include <bitset>
#include <cstdint>
#include <limits>
#include <vector>

#include "compiler/bytecode.hpp"
#include "jit/emit_int.hpp"
#include "jit/plan.hpp"

namespace exprvm::jit {

inline constexpr int kValueRegs = 13;  // ymm0..ymm12 hold values
inline constexpr int kMaxHoisted = 6;  // uniforms and constants kept in registers through a loop
inline constexpr int kS0 = 13, kS1 = 14, kS2 = 15;  // scratch within one instruction
inline constexpr int kNever = std::numeric_limits<int>::max();

// len, the register file, the element index, the vector loop's end, scratch (an address, a
// value), and the registers that hold a segment's memory bases.
inline const asmjit::x86::Gp kLen = asmjit::x86::rbx, kRegs = asmjit::x86::rbp, kIndex = asmjit::x86::rax,
                             kVectorEnd = asmjit::x86::r9, kAddr = asmjit::x86::r11, kTmp = asmjit::x86::r10;
inline const asmjit::x86::Gp kBases[] = {asmjit::x86::r12, asmjit::x86::r13, asmjit::x86::r14,
                                         asmjit::x86::r15, asmjit::x86::rdi, asmjit::x86::rsi,
                                         asmjit::x86::rdx, asmjit::x86::rcx, asmjit::x86::r8};
inline constexpr int kBaseCount = sizeof(kBases) / sizeof(kBases[0]);
inline constexpr int kCalleeSavedBases = 4;  // kBases[0..4): r12..r15, kept by the functions called

// The chunk function's constants (labels of its data, emitted after the code).
struct ConstantPool {
  asmjit::Label one32, one64, sign32, sign64, abs32, abs64;
  asmjit::Label byte_ones;  // 16 bytes of 1 (512-bit plans' bool stores)
};

// The dtype whose loads, stores and broadcasts move a value of dtype t (same element size).
inline DType storage(DType t) {
  if (t == DType::Int32 || t == DType::UInt32) return DType::Float32;
  return t == DType::Int64 || t == DType::UInt64 ? DType::Float64 : t;
}

inline bool is_uniform(RegKind k) { return k == RegKind::Const || k == RegKind::Scalar || k == RegKind::Uniform; }

// Emits one fused segment of the plan (its loop, or the reduction's, over [0, len)).
class SegmentEmitter {
 public:
  SegmentEmitter(asmjit::x86::Assembler& a, const Bytecode& bc, const Plan& plan, const Segment& seg,
                 const ConstantPool& pool)
      : a_(a), bc_(bc), plan_(plan), seg_(seg), pool_(pool),
        base_of_(bc.regs.size(), -1), hoisted_(bc.regs.size(), -1) {}

  // Emits the segment; returns whether its code touched a chunk buffer (a Temp register's
  // memory: a value from or for another segment, or a spill).
  bool emit();
  // Whether it made a non-temporal store (see Plan::streaming_stores).
  bool streamed() const { return streamed_; }

 private:
  DType dtype(Reg r) const { return bc_.regs[r].dtype; }
  // This segment's loop folds the program's reduction (the plan's last segment).
  bool reduces() const { return plan_.fused_reduction && seg_.end == static_cast<int>(bc_.code.size()); }

  // The first kBaseCount registers whose memory the segment reads (before defining them) or
  // writes get a base register; its first kMaxHoisted uniforms a vector register for the
  // whole segment.
  void assign_bases_and_hoist();

  // The vector register of `id` for values of `bits`-bit lanes: the one step lanes fill (zmm,
  // ymm or xmm).
  asmjit::x86::Vec vec(int id, int bits) const {
    const int width = bits * plan_.step;
    if (width == 512) return asmjit::x86::zmm(id);
    return width == 256 ? asmjit::x86::Vec(asmjit::x86::ymm(id)) : asmjit::x86::Vec(asmjit::x86::xmm(id));
  }
  // Values of `bits`-bit lanes fill a zmm: comparisons write mask registers (k1), selections
  // read them (AVX-512 has no vector-mask forms for zmm).
  bool in_zmm(int bits) const { return bits * plan_.step == 512; }
  int lane_bits(Reg r) const {
    if (is_narrow_int(dtype(r))) return 32;
    const DType t = storage(dtype(r));
    if (t == DType::Float64) return 64;
    if (t == DType::Float32) return 32;
    return wide_mask_[r] ? 64 : 32;
  }
  // Element `index` of register r's memory (`size` bytes read or written; 0: from the operand).
  asmjit::x86::Mem at(Reg r, int shift, std::uint32_t size);

  // Register r's value (a uniform: element 0) broadcast into vector register id.
  void broadcast(Reg r, int id);

  // The element (or vector of elements) of narrow integer r at the index.
  asmjit::x86::Mem narrow_at(Reg r);

  // Register r's element (vector) at the index into vector register id; a uniform broadcast.
  void load(Reg r, int id);
  // Vector register id into register r's memory at the index.
  void store(Reg r, int id);
  // Whether a vector store of r is non-temporal: plan.streaming_stores, r an Output or Result
  // of 4- or 8-byte elements, and no instruction after this segment reads it back.
  bool streams(Reg r) const;

  // Bool r's 0/1 bytes at the index (512-bit plans): from k1 when mask_in_k1_, else from the
  // lane mask in vector register id, through k1 and a zero-masked load of byte_ones.
  void store_mask_bytes(Reg r, int id);

  // The vector register holding bool r (in `id`) as a mask of `bits`-bit lanes: id itself, or
  // `scratch` converted. Non-bool registers are returned as they are.
  int with_bits(Reg r, int id, int bits, int scratch);

  // The next instruction of the segment after k that reads r (kNever: none before r is
  // redefined or the segment ends).
  int next_use(Reg r, int k) const;

  void release(Reg r) {
    held_[vec_of_[r]] = kNoReg;
    vec_of_[r] = -1;
  }

  // A free value register for instruction k, evicting the value used farthest ahead (not one
  // of `locked`) when none is free.
  int allocate(int k, const std::bitset<16>& locked);

  // The vector register holding r for instruction k, loading it into a free one if needed.
  int ensure(Reg r, int k, const std::bitset<16>& locked);
  // One body (vector: plan.step elements, else one) of the segment's instructions.
  void body(bool vector);
  // Instruction k: its operands into registers, then computed, called or read from the stash.
  void instruction(int k);

  // ins by its vector function into d, keeping every value still needed, every hoisted
  // uniform and the loop's general registers across the call; returns the result's lane bits.
  // The loop index and end cross it in callee-saved base registers the segment leaves unused
  // (register moves: the next vector's addresses do not wait on a store and reload of the
  // index), else in the frame.
  int call(const Instruction& ins, int k, int d, const int* id);

  // Whether ins's second operand is read straight from memory (sets memory_b_): a vector
  // body's float arithmetic or comparison whose second operand is an array value in memory,
  // in no vector register and read by no later instruction of the segment. One load fewer
  // per vector: the loops are bound by loads and front-end slots.
  bool second_from_memory(const Instruction& ins, int k);
  static bool is_float_dtype(DType t) { return t == DType::Float32 || t == DType::Float64; }

  // Vector register d = the lane mask of x `predicate` y (vcmpps/vcmppd by `bits`; y may be
  // memory): all-ones lanes where it holds. In zmm, when the instruction's result is only
  // stored (result_only_stored_), the mask stays in k1 for store() (mask_in_k1_) instead.
  void compare(int bits, int d, int x, const asmjit::Operand& y, std::uint32_t predicate);
  // Vector register d = mask ? if_true : if_false, lane by lane (mask: a lane mask of `bits`).
  void blend(int bits, int d, int if_false, int if_true, int mask);
  // Every bit of vector register id set (`bits`: the width vec() gives it).
  void all_ones(int id, int bits);

  // out = NumPy's maximum/minimum of x and y: vmaxps(x, y) is x > y ? x : y (y when either is
  // NaN), then x where x is NaN. Writes `out` last, using scratch t0 and t1.
  void min_max(bool max, bool f32, int bits, int out, int x, int y, int t0, int t1);

  // Emits ins with operands in vector registers x, y, z into d (written by the last emitted
  // instruction, so d may be an operand's register); returns the result's lane bits.
  int compute(const Instruction& ins, int d, int x, int y, int z);

  // Bool instructions on masks; the result has the lane width of operand a (b's for WHERE).
  int logic(const Instruction& ins, int d, int x, int y, int z);

  // Casts between float, bool and (emit_int) integer lanes.
  int cast(const Instruction& ins, int d, int x);

  asmjit::x86::Assembler& a_;
  const Bytecode& bc_;
  const Plan& plan_;
  const Segment seg_;
  const ConstantPool& pool_;
  std::vector<int> base_of_;  // per register: its index in kBases, or -1 (loaded per access)
  std::vector<int> hoisted_;  // per register: the vector register it stays in, or -1
  int value_regs_ = kValueRegs;
  int bases_used_ = 0;  // kBases[0..bases_used_) hold memory bases through the segment
  bool vector_ = true;  // emitting the vector body, or the one-element tail
  asmjit::x86::Mem memory_b_;        // the second operand's memory (second_from_memory)
  int disp_ = 0;        // elements added to the index in every access (an unrolled body)
  int last_result_ = -1;  // the vector register of the last instruction's result
  bool result_only_stored_ = false;  // the current instruction's bool result: stored, never read
  bool mask_in_k1_ = false;          // its value is k1's mask, not its vector register's
  bool touched_temps_ = false;
  bool streamed_ = false;
  // The body's state, per register: the vector register holding it (-1: none), a bool held
  // as 64-bit lanes, a value not yet in memory; per vector register: the register it holds.
  std::vector<int> vec_of_;
  std::vector<char> wide_mask_, unsaved_;
  std::array<Reg, 16> held_{};
};

}  // namespace exprvm::jit
