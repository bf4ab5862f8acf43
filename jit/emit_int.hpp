// Integer instructions of the fused loop (int32/uint32 in 32-bit lanes, int64/uint64 in 64-bit
// lanes): wrap-around arithmetic, comparisons and min/max (signed or unsigned), bit
// operations, selections and the exact casts, with the interpreter's semantics (vm/kernels:
// NumPy's wrap-around, a narrowing cast keeps the low half, a widening one sign- or
// zero-extends, bool is 0/1, int -> bool is != 0). Division, modulo, power, shifts, unsigned
// abs/sign and the inexact or unsigned-64 int -> float casts stay kernel calls.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: jit/ may be included by vm/, jit/, runtime/ and code above the library"
#endif
#include <asmjit/x86.h>

#include "compiler/bytecode.hpp"

namespace exprvm::jit {

inline bool is_jit_int(DType t) {
  return t == DType::Int32 || t == DType::Int64 || t == DType::UInt32 || t == DType::UInt64;
}
inline bool is_jit_unsigned(DType t) { return t == DType::UInt32 || t == DType::UInt64; }

// Whether the fused loop computes op on operands of integer dtype t (is_jit_int).
bool int_op_fusable(Op op, DType t);
// Whether the fused loop converts `from` to `to` exactly as the cast kernel does, where one of
// them is an integer (the others are float/bool casts, see jit/plan.cpp).
bool int_cast_fusable(DType to, DType from);

// Vector register ids of one instruction: its result d (written by the last emitted
// instruction, so it may be an operand's register), operands x, y, z (-1: none), and three
// scratch registers; `step` elements per vector (a lane width filling 256 bits is a ymm,
// else an xmm); a general scratch register for constants.
struct IntRegs {
  int d, x, y, z;
  int s0, s1, s2;
  int step;
  asmjit::x86::Gp tmp;
};

// Emits integer op ins.op of dtype ins.dtype. WHERE's condition (x) must already be a mask of
// the dtype's lane width. Returns the result's lane bits.
int emit_int_op(asmjit::x86::Assembler& a, const Instruction& ins, const IntRegs& r);

// Emits cast ins (int_cast_fusable). A bool source (x) must already be a mask of the target's
// lane width. Returns the result's lane bits.
int emit_int_cast(asmjit::x86::Assembler& a, const Instruction& ins, const IntRegs& r);

}  // namespace exprvm::jit
