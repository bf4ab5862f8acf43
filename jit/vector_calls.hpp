// Calling the vector functions (jit/vector_functions.hpp) from a fused loop.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: jit/ may be included by vm/, jit/, runtime/ and code above the library"
#endif
#include <asmjit/x86.h>

#include <bitset>
#include <vector>

#include "compiler/bytecode.hpp"
#include "jit/plan.hpp"
#include "jit/vector_functions.hpp"
#include "vm/kernel.hpp"

namespace exprvm::jit {

// The vector function the fused loop may call for `ins` in place of `interpreter_kernel` (the
// kernel the interpreter runs for it): non-null only when that kernel is the AVX2 table's, so
// both compute with the same code; ins's operands must be registers of its float dtype and its
// result of that dtype or bool.
const void* vector_function(const Bytecode& bc, const Instruction& ins, vm::Kernel interpreter_kernel);

// Replaces each CIS (cos + i sin in one pass, complex) whose result is read only by REAL and
// IMAG, so that no complex chunk is written and read back:
// * where the CIS's kernel is the AVX2 table's and the readers come soon enough that its
//   operand still holds its value, they become COS and SIN of the operand, which compute the
//   same bits (vm/kernels/math.hpp), and the CIS goes: the two become vector calls;
// * where it is another ISA table's (AVX-512: no vector calls), the CIS becomes one call of that
//   table's sin_cos_split kernel (the same bits) writing sin into the IMAG's register and cos
//   into the REAL's (its c), and the readers go, when those registers are temps free between.
// kernels (one per instruction) is updated alike. Returns whether it changed anything.
bool split_cis(Bytecode& bc, std::vector<vm::Kernel>& kernels);

// Pairs each float SIN or COS vector call with a later one of the other op on the same operand
// in the same fused segment (segment_of, per instruction), when no instruction between them may
// overwrite the operand and the pairs do not overlap: the first becomes one call of the pair
// function (sin and cos from one argument reduction, CIS's kernel, so the same bits), marked
// Stash::Write, the second Stash::Read. vector_call and stash hold one entry per instruction.
void pair_sin_cos_calls(const Bytecode& bc, const std::vector<int>& segment_of,
                        std::vector<const void*>& vector_call, std::vector<Stash>& stash);

// Whether the CPU runs the generated code and the vector entry points (AVX2 and FMA).
bool cpu_has_avx2_fma();
// Whether it also runs the 512-bit plans' code (AVX-512 F, DQ, BW and VL).
bool cpu_has_avx512();

// Bytes of stack the chunk function reserves, 32-byte aligned, when it makes vector calls: a
// save slot per vector register and per caller-saved general register, and the stash.
inline constexpr int kCallFrameBytes = 16 * 32 + 16 * 8 + 32;
// The call frame's slots start this far above its rsp: the bytes below are the fused
// reduction's slots ([rsp + 0, kFrameBytes) of jit/emit_reduce.hpp), which stay at [rsp]
// whether or not the function makes vector calls.
inline constexpr int kCallFrameBase = 96;

// One call of a vector function from the loop body: operands in vector registers args[0..arity),
// the result wanted in vector register `result` (not among `live_vectors`). live_vectors and
// live_gps (general registers, caller-saved ones only are saved) keep their contents.
struct VectorCall {
  const void* fn;
  int arity;
  int args[2];
  int result;
  std::bitset<16> live_vectors;
  const asmjit::x86::Gp* live_gps;
  int live_gp_count;
  bool writes_stash = false;  // fn is a sin/cos pair function: rdi = the stash slot
};

// Emits the call: saves live registers in the frame at rsp, moves the operands into ymm0/ymm1,
// calls through `scratch` (a general register not live), moves ymm0 into `result` and restores.
void emit_vector_call(asmjit::x86::Assembler& a, const VectorCall& call, const asmjit::x86::Gp& scratch);

// Emits the load of the stash slot (written by the pair's Stash::Write call) into vector register id.
void emit_stash_load(asmjit::x86::Assembler& a, int id);

// The frame of kCallFrameBase + kCallFrameBytes at a 32-byte aligned rsp, entered after the function's pushes
// (rsp 16-byte aligned) and left before its pops; `scratch` is clobbered on entry.
void enter_call_frame(asmjit::x86::Assembler& a, const asmjit::x86::Gp& scratch);
void leave_call_frame(asmjit::x86::Assembler& a);

}  // namespace exprvm::jit
