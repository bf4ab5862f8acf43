// Functions the generated loop calls on one vector: the interpreter's own AVX2+FMA kernels of
// the elementwise float functions (transcendental and the other heavy ones: exp, expm1, log,
// tanh, sin, cos, pow, arctan2, fmod, ...), compiled once more per (op, dtype) as a function of
// one register, so the fused loop calls exactly the code the interpreter runs per vector and
// JIT results stay bit-identical. Calling convention (SysV x86-64, every ymm caller-saved):
// operands in ymm0 (and ymm1), 8 float32 or 4 float64 lanes; the result in ymm0, a float
// vector of the same dtype or, for a bool result (isnan, signbit, ...), a lane mask
// (all-ones / all-zeros lanes of the operand's width).
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: jit/ may be included by vm/, jit/, runtime/ and code above the library"
#endif
#include "compiler/opcodes.hpp"

namespace exprvm::jit {

// Per op and float dtype ([0] float32, [1] float64): its vector function, or null (not an
// elementwise float function of one or two operands with a float or bool result).
struct VectorFunctionTable {
  const void* fn[kOpCount][2] = {};
  // sin and cos of one operand in one call (the kernel of CIS, so each part has SIN's or COS's
  // bits): [dtype][0] returns cos and stores sin, [dtype][1] returns sin and stores cos, at the
  // 32-byte aligned address in rdi (the second, pointer operand).
  const void* sin_cos_pair[2][2] = {};
};
// The AVX2+FMA entry points; defined by the AVX2 compilation of vm/kernel_table_isa.cpp
// (vm/kernels/vector_entry.hpp).
const VectorFunctionTable& vector_functions_avx2();

}  // namespace exprvm::jit
