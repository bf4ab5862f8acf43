// The optimizer: rewrites of typed trees that keep every value bit-for-bit (constant folding,
// x**2 -> x*x, x**-1 -> 1/x, x**0.5 -> sqrt(x) (as NumPy's power does), x/2**k -> x*2**-k,
// x**1 -> x, x**0 -> 1, where(x CMP y, x, z) -> select_CMP(x, y, z)),
// plus, only with CompileOptions::allow_fma, contraction of a*b+c into one fused multiply-add.
// Common subexpressions are shared later, by lowering.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 2  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: compiler/ may be included by compiler/, vm/, runtime/ and code above the library"
#endif
#include "compiler/scalar_ops.hpp"
#include "compiler/typecheck.hpp"

namespace exprvm {

// The value of a typed Literal node: its Python literal converted to the node's dtype.
Value literal_value(const Node& literal);

void optimize(CheckedProgram& program);

}  // namespace exprvm
