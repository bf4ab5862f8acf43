// What the JIT does with each instruction of a program's chunk code: fuse it into a vector
// loop, or call the interpreter's kernel for it over the whole chunk. The plan is a pure
// function of the Bytecode (no assembler), so it is testable and listable on its own.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: jit/ may be included by vm/, jit/, runtime/ and code above the library"
#endif
#include <span>
#include <vector>

#include "compiler/bytecode.hpp"
#include "vm/kernel.hpp"

namespace exprvm::jit {

// Whether the fused loop computes `ins` itself (float32/float64 arithmetic, comparisons,
// selections, rounding, float casts, bool logic, the inline functions; integer wrap-around
// arithmetic and shifts of every width, 32-bit division, comparisons, min/max, bit operations,
// selections and exact casts, see jit/emit_int.hpp; every operand of those dtypes or bool).
// The other float functions join the loop as vector calls when make_plan is given the kernels
// (see Plan::vector_call) and are cheap or share a sin/cos pair's call (see called_per_chunk);
// everything else (the other functions, 64-bit and uint32 division, integer power, float -> int
// casts, complex) is a whole-chunk kernel call.
bool is_fusable(const Bytecode& bc, const Instruction& ins);

// A function whose AVX2 kernel costs at least this many copies per element (vm/threads_costs.def)
// is called once over the chunk (its kernel's own loop, constants in registers, operand and
// result through L1-resident chunk buffers) rather than once per vector from the fused loop.
// Per vector, the call's saves and restores and the entry's constant reloads cost more than
// the chunk buffers' stores and loads (tanh of ReLU, float32, callgrind: 77 instructions per
// vector, 15 in the loop and 62 in the entry, against 66: 7 in the loop, 57 in the kernel, 1.4
// in the executor; the xsimd loop 55), and a longer loop body lets fewer iterations of the
// function's long dependency chains overlap in the out-of-order window. Below (sign, about
// 1.3 copies) the vector call stays, a trade-off: called per chunk, four programs with sign took
// 0.47-0.89x the time in cache (4096 and 65536 elements, float32 and float64) but 0.80-1.44x
// at 2^20 (above 1 in 6 of 8), where the loops are bound by memory.
inline constexpr double kChunkCallCopies = 4;
// Whether `ins`, a function with a vector entry, is called per chunk (see kChunkCallCopies).
bool called_per_chunk(const Instruction& ins);

struct Segment {
  bool fused;      // a vector loop over the chunk, or one kernel call per instruction
  int begin, end;  // instruction indices [begin, end) of Bytecode::code
};

// What a fused loop does with the stash slot (one vector in the vector-call frame) for an
// instruction (see jit/vector_calls.hpp, pair_sin_cos_calls).
enum class Stash : char {
  None,
  Write,  // its call computes sin and cos of its operand and stores its pair's part
  Read,   // the pair's other part: loaded from the stash instead of a call
};

struct Plan {
  std::vector<Segment> segments;  // consecutive, covering every instruction in order
  int fused_instructions = 0;
  // The width of the fused loops' vector registers: 256 (AVX2's ymm) or 512 (AVX-512's zmm).
  int vector_bits = 256;
  // Elements per vector iteration: vector_bits / 32 (32-bit lanes filling a register) unless a
  // fused instruction touches a 64-bit register, then vector_bits / 64 (64-bit lanes filling
  // one, 32-bit lanes in its lower half).
  int step = 8;
  // Per instruction of a fused segment: its result must reach its register's memory (an
  // Output or Result, the reduction's source, or read by another segment); stored once, when
  // computed. Other results live only in vector registers (spilled to the register's chunk
  // buffer when the register file runs out).
  std::vector<char> store_result;
  // Per instruction: the vector function (jit/vector_calls.hpp) a fused loop calls for it, or
  // null (computed inline, or not fused: a whole-chunk kernel call, see called_per_chunk); and
  // how many instructions are such calls.
  std::vector<const void*> vector_call;
  int vector_calls = 0;
  // Per instruction: a sin and cos of one operand share one call (see pair_sin_cos_calls): the
  // first (Stash::Write) calls, the second (Stash::Read, not counted in vector_calls) loads.
  std::vector<Stash> stash;
  // The whole-array or axis reduction is folded inside the last fused loop (see
  // jit/emit_reduce.hpp): its source is the last instruction's result, never stored.
  bool fused_reduction = false;
  // Set by jit::compile for a Code's streaming variant (see Code::fn): a vector store of a
  // 4- or 8-byte Output or Result that no later segment reads is non-temporal (vmovntps,
  // vmovntpd: the line goes to memory without being read first), then an sfence before the
  // function returns. Such stores need every call's outputs aligned to the vector width.
  bool streaming_stores = false;
};

// Programs of nothing but int8/uint8 arithmetic and bit operations get one kernel-call segment
// (the interpreter's byte kernels are faster, see jit/plan.cpp).
// kernels (optional): the interpreter's kernel per instruction; instructions with a vector
// function for their kernel (see vector_function) join the fused loops as vector calls.
// fuse_reduction: the caller's ISA folds reductions in batches of vector_bits (the order the
// generated loop reproduces), so the reduction may be fused when its op and dtype allow.
// vector_bits: 256, or 512 for AVX-512 code (which only covers_wide plans may use).
Plan make_plan(const Bytecode& bc, std::span<const vm::Kernel> kernels = {}, bool fuse_reduction = false,
               int vector_bits = 256);

// Whether the 512-bit emitter takes every fused instruction of plan (a make_plan(..., 512)):
// float32/float64 arithmetic, comparisons, selections, min/max, rounding, FMA, the inline
// functions, bool logic and the float <-> float/bool casts, with no vector calls. Integer
// lanes have AVX2 encodings only (jit/emit_int.cpp), so programs with integer registers
// keep the 256-bit plan on AVX-512 CPUs.
bool covers_wide(const Bytecode& bc, const Plan& plan);

// Whether bc's reduction can be folded in plan's last fused loop: SUM, PROD, MIN or MAX of
// float32/float64/int32/int64 whose source, of the accumulator's dtype, is the last instruction's
// result, with one batch of the accumulator's dtype per vector iteration; or ANY/ALL of the
// last instruction's bool result. A 512-bit plan fuses the float ones only.
bool reduction_fusable(const Bytecode& bc, const Plan& plan);

}  // namespace exprvm::jit
