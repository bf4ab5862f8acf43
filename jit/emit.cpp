// The chunk function's code: a fixed frame (callee-saved registers, len in rbx, the register
// file in rbp, the reduction's accumulator and stride on the stack, see jit/emit_reduce.hpp),
// then each segment of the plan in order. A fused segment loads the memory bases
// of its registers into general registers, broadcasts its uniforms and constants into vector
// registers once, and runs a vector loop of plan.step elements and a one-element tail loop
// over the same instruction sequence (the loop that folds a reduction is jit/emit_reduce's).
// Values live in ymm0..ymm12 (float32 and int32 in 32-bit lanes, float64 and int64 in 64-bit
// lanes, bool as an all-ones/all-zeros lane mask); ymm13..ymm15 are scratch
// inside one instruction. When the registers run out the value used farthest ahead is
// evicted, stored first to its register's chunk buffer if it is not in memory yet.
#include "jit/emit.hpp"

#include "jit/emit_int.hpp"
#include "jit/emit_reduce.hpp"
#include "vm/executor.hpp"

#include <array>
#include <bitset>
#include <limits>
#include <string>
#include <vector>

#include "jit/inline_functions.hpp"
#include "jit/vector_calls.hpp"

namespace exprvm::jit {
namespace {

using namespace asmjit;
using namespace asmjit::x86;

constexpr int kValueRegs = 13;  // ymm0..ymm12 hold values
constexpr int kMaxHoisted = 6;  // uniforms and constants kept in registers through a loop
constexpr int kS0 = 13, kS1 = 14, kS2 = 15;  // scratch within one instruction
constexpr int kNever = std::numeric_limits<int>::max();

// len, the register file, the element index, the vector loop's end, scratch (an address, a
// value), and the registers that hold a segment's memory bases.
const Gp kLen = rbx, kRegs = rbp, kIndex = rax, kVectorEnd = r9, kAddr = r11, kTmp = r10;
const Gp kBases[] = {r12, r13, r14, r15, rdi, rsi, rdx, rcx, r8};
constexpr int kBaseCount = sizeof(kBases) / sizeof(kBases[0]);

// vcmpps/vcmppd predicates: ordered (false on NaN) except NE, as the kernels' operators.
constexpr std::uint32_t kEq = 0x00, kLt = 0x11, kLe = 0x12, kUnord = 0x03, kNeq = 0x04,
                        kGe = 0x1D, kGt = 0x1E;

struct ConstantPool {
  Label one32, one64, sign32, sign64, abs32, abs64;
};

bool reads(const Instruction& ins, Reg r) { return ins.a == r || ins.b == r || ins.c == r; }

// The dtype whose loads, stores and broadcasts move a value of dtype t (same element size).
DType storage(DType t) {
  if (t == DType::Int32 || t == DType::UInt32) return DType::Float32;
  return t == DType::Int64 || t == DType::UInt64 ? DType::Float64 : t;
}

bool is_uniform(RegKind k) { return k == RegKind::Const || k == RegKind::Scalar || k == RegKind::Uniform; }

std::uint32_t predicate(Op op) {
  switch (op) {
    case Op::LT: case Op::SELECT_LT: return kLt;
    case Op::LE: case Op::SELECT_LE: return kLe;
    case Op::GE: case Op::SELECT_GE: return kGe;
    case Op::GT: case Op::SELECT_GT: return kGt;
    case Op::EQ: return kEq;
    default: return kNeq;
  }
}

class SegmentEmitter {
 public:
  SegmentEmitter(Assembler& a, const Bytecode& bc, const Plan& plan, const Segment& seg,
                 const ConstantPool& pool)
      : a_(a), bc_(bc), plan_(plan), seg_(seg), pool_(pool),
        base_of_(bc.regs.size(), -1), hoisted_(bc.regs.size(), -1) {}

  // Emits the segment; returns whether its code touched a chunk buffer (a Temp register's
  // memory: a value from or for another segment, or a spill).
  bool emit() {
    assign_bases_and_hoist();
    if (reduces()) {
      emit_reduction_loop(a_, *bc_.reduction, plan_.step, static_cast<int>(vm::kChunk), value_regs_,
                          {kLen, kIndex, kVectorEnd, kAddr},
                          [&](bool vector, int disp) {
                            disp_ = disp;
                            body(vector);
                            disp_ = 0;
                            return SourceValue{last_result_, lane_bits(bc_.reduction->source) * plan_.step / 8};
                          });
      return touched_temps_;
    }
    const int step = plan_.step;
    Label vector_loop = a_.newLabel(), tail = a_.newLabel(), tail_loop = a_.newLabel(),
          done = a_.newLabel();
    a_.mov(kVectorEnd, kLen);
    a_.and_(kVectorEnd, -step);
    a_.xor_(kIndex.r32(), kIndex.r32());
    a_.test(kVectorEnd, kVectorEnd);
    a_.jz(tail);
    a_.align(AlignMode::kCode, 16);
    a_.bind(vector_loop);
    body(true);
    a_.add(kIndex, step);
    a_.cmp(kIndex, kVectorEnd);
    a_.jb(vector_loop);
    a_.bind(tail);
    a_.cmp(kIndex, kLen);
    a_.jae(done);
    a_.bind(tail_loop);
    body(false);
    a_.inc(kIndex);
    a_.cmp(kIndex, kLen);
    a_.jb(tail_loop);
    a_.bind(done);
    return touched_temps_;
  }

 private:
  DType dtype(Reg r) const { return bc_.regs[r].dtype; }
  // This segment's loop folds the program's reduction (the plan's last segment).
  bool reduces() const { return plan_.fused_reduction && seg_.end == static_cast<int>(bc_.code.size()); }

  // The first kBaseCount registers whose memory the segment reads (before defining them) or
  // writes get a base register; its first kMaxHoisted uniforms a vector register for the
  // whole segment.
  void assign_bases_and_hoist() {
    int bases = 0, hoisted = 0;
    std::vector<char> defined(bc_.regs.size(), 0);
    auto in_memory = [&](Reg r) {
      if (bases == kBaseCount || base_of_[r] >= 0) return;
      base_of_[r] = bases;
      a_.mov(kBases[bases++], qword_ptr(kRegs, 8 * r));
    };
    for (int k = seg_.begin; k < seg_.end; ++k) {
      const Instruction& ins = bc_.code[k];
      for (Reg r : {ins.a, ins.b, ins.c}) {
        if (r == kNoReg || defined[r] || hoisted_[r] >= 0) continue;
        if (!is_uniform(bc_.regs[r].kind)) {
          in_memory(r);
        } else if (hoisted < kMaxHoisted - (reduces() ? 2 : 0)) {  // (4 value registers left)
          hoisted_[r] = kValueRegs - 1 - hoisted++;
          broadcast(r, hoisted_[r]);
        }
      }
      defined[ins.dst] = 1;
      if (plan_.store_result[k]) in_memory(ins.dst);
    }
    value_regs_ = kValueRegs - hoisted - (reduces() ? kReductionRegs : 0);
    bases_used_ = bases;
  }

  // The vector register of `id` for values of `bits`-bit lanes: ymm when step lanes fill it.
  Vec vec(int id, int bits) const {
    return bits * plan_.step == 256 ? Vec(ymm(id)) : Vec(xmm(id));
  }
  int lane_bits(Reg r) const {
    if (is_narrow_int(dtype(r))) return 32;
    const DType t = storage(dtype(r));
    if (t == DType::Float64) return 64;
    if (t == DType::Float32) return 32;
    return wide_mask_[r] ? 64 : 32;
  }
  // Element `index` of register r's memory (`size` bytes read or written; 0: from the operand).
  Mem at(Reg r, int shift, std::uint32_t size) {
    if (bc_.regs[r].kind == RegKind::Temp) touched_temps_ = true;
    Gp base = kAddr;
    if (base_of_[r] >= 0) base = kBases[base_of_[r]];
    else a_.mov(kAddr, qword_ptr(kRegs, 8 * r));
    return ptr(base, kIndex, shift, disp_ << shift, size);
  }

  // Register r's value (a uniform: element 0) broadcast into vector register id.
  void broadcast(Reg r, int id) {
    a_.mov(kAddr, qword_ptr(kRegs, 8 * r));
    if (is_narrow_int(dtype(r))) {
      emit_narrow_load(a_, dtype(r), ptr(kAddr, 0, static_cast<std::uint32_t>(itemsize(dtype(r)))), 1, id, kTmp);
      a_.vpbroadcastd(vec(id, 32), xmm(id));
      return;
    }
    switch (storage(dtype(r))) {
      case DType::Float32: a_.vbroadcastss(vec(id, 32), dword_ptr(kAddr)); break;
      case DType::Float64: a_.vbroadcastsd(ymm(id), qword_ptr(kAddr)); break;
      default:
        a_.movzx(kTmp.r32(), byte_ptr(kAddr));
        a_.neg(kTmp.r32());
        a_.vmovd(xmm(id), kTmp.r32());
        a_.vpbroadcastd(vec(id, 32), xmm(id));
    }
  }

  // The element (or vector of elements) of narrow integer r at the index.
  Mem narrow_at(Reg r) {
    const auto size = static_cast<std::uint32_t>(itemsize(dtype(r)));
    return at(r, size == 2 ? 1 : 0, vector_ ? plan_.step * size : size);
  }

  void load(Reg r, int id) {
    if (is_uniform(bc_.regs[r].kind)) return broadcast(r, id);
    if (is_narrow_int(dtype(r))) return emit_narrow_load(a_, dtype(r), narrow_at(r), vector_ ? plan_.step : 1, id, kTmp);
    const bool v = vector_;
    switch (storage(dtype(r))) {
      case DType::Float32:
        v ? a_.vmovups(vec(id, 32), at(r, 2, 0)) : a_.vmovss(xmm(id), at(r, 2, 4));
        break;
      case DType::Float64:
        v ? a_.vmovupd(ymm(id), at(r, 3, 0)) : a_.vmovsd(xmm(id), at(r, 3, 8));
        break;
      default:  // bool bytes 0/1 -> 0 - x: all-ones or zero 32-bit lanes
        if (v) {
          a_.vpmovzxbd(vec(id, 32), at(r, 0, static_cast<std::uint32_t>(plan_.step)));
          a_.vpxor(xmm(kS0), xmm(kS0), xmm(kS0));
          a_.vpsubd(vec(id, 32), vec(kS0, 32), vec(id, 32));
        } else {
          a_.movzx(kTmp.r32(), at(r, 0, 1));
          a_.neg(kTmp.r32());
          a_.vmovd(xmm(id), kTmp.r32());
        }
        wide_mask_[r] = 0;
    }
  }

  void store(Reg r, int id) {
    if (is_narrow_int(dtype(r)))
      return emit_narrow_store(a_, dtype(r), narrow_at(r), vector_ ? plan_.step : 1, id, kS1, kS2, kTmp);
    const bool v = vector_;
    switch (storage(dtype(r))) {
      case DType::Float32:
        v ? a_.vmovups(at(r, 2, 0), vec(id, 32)) : a_.vmovss(at(r, 2, 4), xmm(id));
        break;
      case DType::Float64:
        v ? a_.vmovupd(at(r, 3, 0), ymm(id)) : a_.vmovsd(at(r, 3, 8), xmm(id));
        break;
      default: {  // mask -> bytes 0/1
        const int m = with_bits(r, id, 32, kS0);
        if (!v) {
          a_.vmovd(kTmp.r32(), xmm(m));
          a_.and_(kTmp.r32(), 1);
          a_.mov(at(r, 0, 1), kTmp.r8());
          break;
        }
        a_.vpsrld(vec(kS1, 32), vec(m, 32), 31);
        if (plan_.step == 8) {
          a_.vextracti128(xmm(kS2), ymm(kS1), 1);
          a_.vpackusdw(xmm(kS1), xmm(kS1), xmm(kS2));
        } else {
          a_.vpackusdw(xmm(kS1), xmm(kS1), xmm(kS1));
        }
        a_.vpackuswb(xmm(kS1), xmm(kS1), xmm(kS1));
        if (plan_.step == 8) a_.vmovq(at(r, 0, 8), xmm(kS1));
        else a_.vmovd(at(r, 0, 4), xmm(kS1));
      }
    }
  }

  // The vector register holding bool r (in `id`) as a mask of `bits`-bit lanes: id itself, or
  // `scratch` converted. Non-bool registers are returned as they are.
  int with_bits(Reg r, int id, int bits, int scratch) {
    if (dtype(r) != DType::Bool || lane_bits(r) == bits) return id;
    if (bits == 64) {
      a_.vpmovsxdq(ymm(scratch), xmm(id));
    } else {
      a_.vextracti128(xmm(scratch), ymm(id), 1);
      a_.vshufps(xmm(scratch), xmm(id), xmm(scratch), 0x88);
    }
    return scratch;
  }

  // The next instruction of the segment after k that reads r (kNever: none before r is
  // redefined or the segment ends).
  int next_use(Reg r, int k) const {
    for (int j = k + 1; j < seg_.end; ++j) {
      if (reads(bc_.code[j], r) && plan_.stash[j] != Stash::Read) return j;
      if (bc_.code[j].dst == r) return kNever;
    }
    return kNever;
  }

  void release(Reg r) {
    held_[vec_of_[r]] = kNoReg;
    vec_of_[r] = -1;
  }

  // A free value register for instruction k, evicting the value used farthest ahead (not one
  // of `locked`) when none is free.
  int allocate(int k, const std::bitset<16>& locked) {
    int victim = -1, farthest = -1;
    for (int id = 0; id < value_regs_; ++id) {
      if (locked[id]) continue;
      if (held_[id] == kNoReg) return id;
      const int use = next_use(held_[id], k);
      if (use > farthest) farthest = use, victim = id;
    }
    const Reg r = held_[victim];
    if (unsaved_[r]) store(r, victim);  // into its chunk buffer (a Temp's)
    unsaved_[r] = 0;
    release(r);
    return victim;
  }

  int ensure(Reg r, int k, const std::bitset<16>& locked) {
    if (hoisted_[r] >= 0) return hoisted_[r];
    if (vec_of_[r] >= 0) return vec_of_[r];
    const int id = allocate(k, locked);
    load(r, id);
    held_[id] = r;
    vec_of_[r] = id;
    unsaved_[r] = 0;
    return id;
  }

  void body(bool vector) {
    vector_ = vector;
    vec_of_.assign(bc_.regs.size(), -1);
    wide_mask_.assign(bc_.regs.size(), 0);
    unsaved_.assign(bc_.regs.size(), 0);
    held_.fill(kNoReg);
    for (int k = seg_.begin; k < seg_.end; ++k) instruction(k);
  }

  void instruction(int k) {
    const Instruction& ins = bc_.code[k];
    const Reg operands[3] = {ins.a, ins.b, ins.c};
    int id[3] = {-1, -1, -1};
    std::bitset<16> locked;
    for (int i = 0; i < 3; ++i) {
      if (operands[i] == kNoReg || plan_.stash[k] == Stash::Read) continue;  // (the stash has the result)
      if (i == 1 && second_from_memory(ins, k)) continue;  // compute() reads memory_b_
      id[i] = ensure(operands[i], k, locked);
      locked.set(id[i]);
    }
    for (int i = 0; i < 3; ++i) {  // operands dying here free their registers for the result
      const Reg r = operands[i];
      if (r == kNoReg || hoisted_[r] >= 0 || vec_of_[r] < 0 || next_use(r, k) != kNever) continue;
      locked.reset(vec_of_[r]);
      release(r);
    }
    if (vec_of_[ins.dst] >= 0) {
      locked.reset(vec_of_[ins.dst]);
      release(ins.dst);
    }
    const int d = allocate(k, locked);
    int bits;
    if (plan_.stash[k] == Stash::Read) {
      if (a_.logger()) a_.commentf("; %s from its pair's call", std::string(op_info(ins.op).spelling).c_str());
      emit_stash_load(a_, d);
      bits = ins.dtype == DType::Float32 ? 32 : 64;
    } else {
      bits = plan_.vector_call[k] ? call(ins, k, d, id) : compute(ins, d, id[0], id[1], id[2]);
    }
    held_[d] = ins.dst;
    vec_of_[ins.dst] = d;
    wide_mask_[ins.dst] = bits == 64;
    unsaved_[ins.dst] = 1;
    if (plan_.store_result[k]) {
      store(ins.dst, d);
      unsaved_[ins.dst] = 0;
    }
    if (next_use(ins.dst, k) == kNever) release(ins.dst);
    last_result_ = d;
  }

  // ins by its vector function into d, keeping every value still needed, every hoisted
  // uniform and the loop's general registers across the call; returns the result's lane bits.
  int call(const Instruction& ins, int k, int d, const int* id) {
    Gp live_gps[kBaseCount + 2] = {kIndex, kVectorEnd};
    for (int i = 0; i < bases_used_; ++i) live_gps[2 + i] = kBases[i];
    VectorCall c{plan_.vector_call[k], ins.b == kNoReg ? 1 : 2, {id[0], id[1]}, d, {}, live_gps, 2 + bases_used_,
                 plan_.stash[k] == Stash::Write};
    for (int v = 0; v < kValueRegs; ++v)
      if (v != d && (held_[v] != kNoReg || v >= value_regs_)) c.live_vectors.set(v);
    if (a_.logger())
      a_.commentf("; vector call: %s.%s%s", std::string(op_info(ins.op).spelling).c_str(),
                  std::string(dtype_name(ins.dtype)).c_str(), c.writes_stash ? " (with its sin/cos pair)" : "");
    emit_vector_call(a_, c, kAddr);
    return ins.dtype == DType::Float32 ? 32 : 64;
  }

  // Whether ins's second operand is read straight from memory (sets memory_b_): a vector
  // body's float arithmetic or comparison whose second operand is an array value in memory,
  // in no vector register and read by no later instruction of the segment. One load fewer
  // per vector: the loops are bound by loads and front-end slots.
  bool second_from_memory(const Instruction& ins, int k) {
    switch (ins.op) {
      case Op::ADD: case Op::SUB: case Op::MUL: case Op::DIV:
      case Op::LT: case Op::LE: case Op::EQ: case Op::NE: case Op::GE: case Op::GT: break;
      default: return false;
    }
    const Reg b = ins.b;
    if (!vector_ || !is_float_dtype(ins.dtype) || dtype(b) != ins.dtype || b == ins.a ||
        is_uniform(bc_.regs[b].kind) || base_of_[b] < 0 || hoisted_[b] >= 0 || vec_of_[b] >= 0 ||
        next_use(b, k) != kNever)  // (a base register: kAddr may change before compute())
      return false;
    memory_b_ = at(b, ins.dtype == DType::Float32 ? 2 : 3, 0);
    return true;
  }
  static bool is_float_dtype(DType t) { return t == DType::Float32 || t == DType::Float64; }

  // out = NumPy's maximum/minimum of x and y: vmaxps(x, y) is x > y ? x : y (y when either is
  // NaN), then x where x is NaN. Writes `out` last, using scratch t0 and t1.
  void min_max(bool max, bool f32, int bits, int out, int x, int y, int t0, int t1) {
    auto V = [&](int i) { return vec(i, bits); };
    a_.emit(max ? (f32 ? Inst::kIdVmaxps : Inst::kIdVmaxpd) : (f32 ? Inst::kIdVminps : Inst::kIdVminpd),
            V(t0), V(x), V(y));
    a_.emit(f32 ? Inst::kIdVcmpps : Inst::kIdVcmppd, V(t1), V(x), V(x), Imm(kUnord));
    a_.vblendvps(V(out), V(t0), V(x), V(t1));
  }

  // Emits ins with operands in vector registers x, y, z into d (written by the last emitted
  // instruction, so d may be an operand's register); returns the result's lane bits.
  int compute(const Instruction& ins, int d, int x, int y, int z) {
    if (ins.op == Op::CAST) return cast(ins, d, x);
    if (ins.dtype == DType::Bool) return logic(ins, d, x, y, z);
    if (is_jit_int(ins.dtype)) {
      const int bits = int_lane_bits(ins.dtype);
      const int m = ins.op == Op::WHERE ? with_bits(ins.a, x, bits, kS0) : x;  // (WHERE uses no scratch)
      return emit_int_op(a_, ins, {d, m, y, z, kS0, kS1, kS2, plan_.step, kTmp});
    }
    const bool f32 = ins.dtype == DType::Float32;
    const int bits = f32 ? 32 : 64;
    auto V = [&](int i) { return vec(i, bits); };
    auto Y = [&]() -> Operand { return y >= 0 ? Operand(V(y)) : Operand(memory_b_); };  // (second_from_memory)
    auto pick = [&](InstId ps, InstId pd) { return f32 ? ps : pd; };
    auto constant = [&](const Label& l32, const Label& l64) {
      if (f32) a_.vbroadcastss(V(kS0), dword_ptr(l32));
      else a_.vbroadcastsd(ymm(kS0), qword_ptr(l64));
    };
    switch (ins.op) {
      case Op::COPY: a_.vmovaps(V(d), V(x)); break;
      case Op::NEG: constant(pool_.sign32, pool_.sign64); a_.vxorps(V(d), V(x), V(kS0)); break;
      case Op::ABS: constant(pool_.abs32, pool_.abs64); a_.vandps(V(d), V(x), V(kS0)); break;
      case Op::SQUARE: a_.emit(pick(Inst::kIdVmulps, Inst::kIdVmulpd), V(d), V(x), V(x)); break;
      case Op::SQRT: a_.emit(pick(Inst::kIdVsqrtps, Inst::kIdVsqrtpd), V(d), V(x)); break;
      case Op::ROUND: case Op::FLOOR: case Op::CEIL: case Op::TRUNC: {
        const int mode = ins.op == Op::ROUND ? 0 : ins.op == Op::FLOOR ? 1 : ins.op == Op::CEIL ? 2 : 3;
        a_.emit(pick(Inst::kIdVroundps, Inst::kIdVroundpd), V(d), V(x), Imm(8 | mode));
        break;
      }
      case Op::ADD: a_.emit(pick(Inst::kIdVaddps, Inst::kIdVaddpd), V(d), V(x), Y()); break;
      case Op::SUB: a_.emit(pick(Inst::kIdVsubps, Inst::kIdVsubpd), V(d), V(x), Y()); break;
      case Op::MUL: a_.emit(pick(Inst::kIdVmulps, Inst::kIdVmulpd), V(d), V(x), Y()); break;
      case Op::DIV: a_.emit(pick(Inst::kIdVdivps, Inst::kIdVdivpd), V(d), V(x), Y()); break;
      case Op::MAXIMUM: case Op::MINIMUM:
        min_max(ins.op == Op::MAXIMUM, f32, bits, d, x, y, kS0, kS1);
        break;
      case Op::CLIP:
        min_max(true, f32, bits, kS2, x, y, kS0, kS1);
        min_max(false, f32, bits, d, kS2, z, kS0, kS1);
        break;
      case Op::FMA:
        a_.vmovaps(V(kS0), V(z));
        a_.emit(pick(Inst::kIdVfmadd231ps, Inst::kIdVfmadd231pd), V(kS0), V(x), V(y));
        a_.vmovaps(V(d), V(kS0));
        break;
      case Op::LT: case Op::LE: case Op::EQ: case Op::NE: case Op::GE: case Op::GT:
        a_.emit(pick(Inst::kIdVcmpps, Inst::kIdVcmppd), V(d), V(x), Y(), Imm(predicate(ins.op)));
        break;
      case Op::SELECT_LT: case Op::SELECT_LE: case Op::SELECT_GE: case Op::SELECT_GT:
        a_.emit(pick(Inst::kIdVcmpps, Inst::kIdVcmppd), V(kS0), V(x), V(y), Imm(predicate(ins.op)));
        a_.vblendvps(V(d), V(z), V(x), V(kS0));
        break;
      case Op::WHERE: {
        const int m = with_bits(ins.a, x, bits, kS0);
        a_.vblendvps(V(d), V(z), V(y), V(m));
        break;
      }
      default:
        if (!is_inline_function(ins.op, ins.dtype)) throw std::logic_error("jit: not a fusable float op");
        if (ins.op == Op::COPYSIGN) constant(pool_.abs32, pool_.abs64);
        emit_inline_function(a_, ins.op, bits, V(d), V(x), y >= 0 ? V(y) : V(x), V(kS1), V(kS2), V(kS0));
    }
    return bits;
  }

  // Bool instructions on masks; the result has the lane width of operand a (b's for WHERE).
  int logic(const Instruction& ins, int d, int x, int y, int z) {
    const int bits = lane_bits(ins.op == Op::WHERE ? ins.b : ins.a);
    auto V = [&](int i) { return vec(i, bits); };
    auto same = [&](Reg r, int id, int scratch) { return with_bits(r, id, bits, scratch); };
    switch (ins.op) {
      case Op::COPY: a_.vmovaps(V(d), V(x)); break;
      case Op::INVERT:
        a_.vpcmpeqd(V(kS0), V(kS0), V(kS0));
        a_.vxorps(V(d), V(x), V(kS0));
        break;
      case Op::ADD: case Op::OR: case Op::MAXIMUM: a_.vorps(V(d), V(x), V(same(ins.b, y, kS0))); break;
      case Op::MUL: case Op::AND: case Op::MINIMUM: a_.vandps(V(d), V(x), V(same(ins.b, y, kS0))); break;
      case Op::XOR: case Op::NE: a_.vxorps(V(d), V(x), V(same(ins.b, y, kS0))); break;
      case Op::EQ:
        a_.vxorps(V(kS1), V(x), V(same(ins.b, y, kS0)));
        a_.vpcmpeqd(V(kS2), V(kS2), V(kS2));
        a_.vxorps(V(d), V(kS1), V(kS2));
        break;
      case Op::WHERE:
        a_.vblendvps(V(d), V(same(ins.c, z, kS1)), V(y), V(same(ins.a, x, kS0)));
        break;
      default: throw std::logic_error("jit: not a fusable bool op");
    }
    return bits;
  }

  int cast(const Instruction& ins, int d, int x) {
    const DType to = ins.dtype, from = ins.src;
    if (is_jit_int(to) || is_jit_int(from)) {
      const int m = from == DType::Bool ? with_bits(ins.a, x, int_lane_bits(to), kS0) : x;  // (no scratch)
      return emit_int_cast(a_, ins, {d, m, -1, -1, kS0, kS1, kS2, plan_.step, kTmp});
    }
    if (to == DType::Float32 && from == DType::Float64) {
      a_.vcvtpd2ps(xmm(d), ymm(x));
      return 32;
    }
    if (to == DType::Float64 && from == DType::Float32) {
      a_.vcvtps2pd(ymm(d), xmm(x));
      return 64;
    }
    if (to == DType::Bool) {  // x != 0, NaN included
      const int bits = from == DType::Float32 ? 32 : 64;
      a_.vxorps(xmm(kS0), xmm(kS0), xmm(kS0));
      a_.emit(bits == 32 ? Inst::kIdVcmpps : Inst::kIdVcmppd, vec(d, bits), vec(x, bits), vec(kS0, bits), Imm(kNeq));
      return bits;
    }
    const int bits = to == DType::Float32 ? 32 : 64;  // bool -> 1.0 or 0.0
    const int m = with_bits(ins.a, x, bits, kS0);
    if (bits == 32) a_.vbroadcastss(vec(kS1, 32), dword_ptr(pool_.one32));
    else a_.vbroadcastsd(ymm(kS1), qword_ptr(pool_.one64));
    a_.vandps(vec(d, bits), vec(m, bits), vec(kS1, bits));
    return bits;
  }

  Assembler& a_;
  const Bytecode& bc_;
  const Plan& plan_;
  const Segment seg_;
  const ConstantPool& pool_;
  std::vector<int> base_of_;  // per register: its index in kBases, or -1 (loaded per access)
  std::vector<int> hoisted_;  // per register: the vector register it stays in, or -1
  int value_regs_ = kValueRegs;
  int bases_used_ = 0;  // kBases[0..bases_used_) hold memory bases through the segment
  bool vector_ = true;  // emitting the vector body, or the one-element tail
  Mem memory_b_;        // the second operand's memory (second_from_memory)
  int disp_ = 0;        // elements added to the index in every access (an unrolled body)
  int last_result_ = -1;  // the vector register of the last instruction's result
  bool touched_temps_ = false;
  // The body's state, per register: the vector register holding it (-1: none), a bool held
  // as 64-bit lanes, a value not yet in memory; per vector register: the register it holds.
  std::vector<int> vec_of_;
  std::vector<char> wide_mask_, unsaved_;
  std::array<Reg, 16> held_{};
};

// Each instruction of a call segment: kernel(len, regs[d], regs[a], regs[b], regs[c]).
void emit_calls(Assembler& a, const Bytecode& bc, const Segment& seg, std::span<const vm::Kernel> kernels) {
  const auto none = static_cast<Reg>(bc.regs.size());
  auto slot = [&](Reg r) { return qword_ptr(kRegs, 8 * (r == kNoReg ? none : r)); };
  for (int k = seg.begin; k < seg.end; ++k) {
    const Instruction& ins = bc.code[k];
    a.vzeroupper();
    a.mov(rdi, kLen);
    a.mov(rsi, slot(ins.dst));
    a.mov(rdx, slot(ins.a));
    a.mov(rcx, slot(ins.b));
    a.mov(r8, slot(ins.c));
    a.mov(rax, reinterpret_cast<std::uint64_t>(kernels[k]));
    a.call(rax);
  }
}

}  // namespace

bool emit_chunk_function(Assembler& a, const Bytecode& bc, const Plan& plan,
                         std::span<const vm::Kernel> kernels) {
  bool any_length = true;
  ConstantPool pool{a.newLabel(), a.newLabel(), a.newLabel(), a.newLabel(), a.newLabel(), a.newLabel()};
  const Gp saved[] = {rbx, rbp, r12, r13, r14, r15};
  for (const Gp& g : saved) a.push(g);
  a.sub(rsp, 8 + kFrameBytes);  // 16-byte aligned for calls
  a.mov(kLen, rdi);
  a.mov(kRegs, rsi);
  static_assert(kCallFrameBase >= kFrameBytes, "the call frame keeps the reduction's slots at [rsp]");
  if (plan.vector_calls > 0) enter_call_frame(a, kIndex);
  a.mov(qword_ptr(rsp), rdx);  // the reduction's accumulator and its stride
  a.mov(qword_ptr(rsp, kAccStrideSlot), rcx);
  for (const Segment& seg : plan.segments) {
    if (a.logger())
      a.commentf("; %s instructions %d..%d", seg.fused ? "fused loop:" : "whole-chunk kernel calls:", seg.begin, seg.end - 1);
    if (seg.fused) {
      any_length &= !SegmentEmitter(a, bc, plan, seg, pool).emit();
    } else {
      emit_calls(a, bc, seg, kernels);
      any_length = false;
    }
  }
  a.vzeroupper();
  if (plan.vector_calls > 0) leave_call_frame(a);
  a.add(rsp, 8 + kFrameBytes);
  for (int i = 5; i >= 0; --i) a.pop(saved[i]);
  a.ret();
  a.align(AlignMode::kData, 8);
  auto word32 = [&](const Label& l, std::uint32_t v) { a.bind(l); a.embedUInt32(v); };
  auto word64 = [&](const Label& l, std::uint64_t v) { a.bind(l); a.embedUInt64(v); };
  word64(pool.one64, 0x3ff0000000000000ull);
  word64(pool.sign64, 0x8000000000000000ull);
  word64(pool.abs64, 0x7fffffffffffffffull);
  word32(pool.one32, 0x3f800000u);
  word32(pool.sign32, 0x80000000u);
  word32(pool.abs32, 0x7fffffffu);
  return any_length;
}

}  // namespace exprvm::jit
