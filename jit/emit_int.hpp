// Integer instructions of the fused loop (int32/uint32 and the narrow integers in 32-bit
// lanes, int64/uint64 in 64-bit lanes): wrap-around arithmetic and shifts, comparisons and
// min/max (signed or unsigned), bit operations, selections and the exact casts, with the interpreter's semantics (vm/kernels:
// NumPy's wrap-around, a narrowing cast keeps the low half, a widening one sign- or
// zero-extends, bool is 0/1, int -> bool is != 0; numpy::lshift/rshift). int32 and narrow
// //, % and fmod divide in float64 (exact for 32-bit operands); the 64-bit and uint32 ones,
// power, unsigned abs/sign, float -> int and the inexact or unsigned-64 int -> float casts
// stay kernel calls.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: jit/ may be included by vm/, jit/, runtime/ and code above the library"
#endif
#include <asmjit/x86.h>

#include "compiler/bytecode.hpp"

namespace exprvm::jit {

// int8/int16/uint8/uint16: held in 32-bit lanes, sign- or zero-extended (every result is
// wrapped back to the dtype's width), loaded and stored at their own width.
inline bool is_narrow_int(DType t) {
  return t == DType::Int8 || t == DType::Int16 || t == DType::UInt8 || t == DType::UInt16;
}
inline bool is_jit_int(DType t) {
  return t == DType::Int32 || t == DType::Int64 || t == DType::UInt32 || t == DType::UInt64 || is_narrow_int(t);
}
inline bool is_jit_unsigned(DType t) {
  return t == DType::UInt32 || t == DType::UInt64 || t == DType::UInt8 || t == DType::UInt16;
}
// The lane width of integer dtype t in the fused loop: 64 or 32 bits.
inline int int_lane_bits(DType t) { return itemsize(t) == 8 ? 64 : 32; }

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

// Loads `count` (1, 4 or 8) narrow integers of dtype t at m, sign- or zero-extended, into the
// 32-bit lanes of vector register id (an xmm unless count is 8); tmp: a general scratch register.
void emit_narrow_load(asmjit::x86::Assembler& a, DType t, const asmjit::x86::Mem& m, int count, int id,
                      const asmjit::x86::Gp& tmp);

// Stores the `count` (1, 4 or 8) 32-bit lanes of register id, narrow integers of dtype t (in
// its range, so the saturating packs are exact), at m at their width; s1, s2 and tmp are scratch.
void emit_narrow_store(asmjit::x86::Assembler& a, DType t, const asmjit::x86::Mem& m, int count, int id, int s1,
                       int s2, const asmjit::x86::Gp& tmp);

}  // namespace exprvm::jit
