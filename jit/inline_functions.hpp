// The cheap elementwise float functions the fused loop computes inline (a few instructions, no
// call): isnan, isfinite, isinf, signbit (bool results as lane masks) and copysign. Their bits
// equal the interpreter's kernels' (vm/kernels/compare.hpp, math.hpp): masks are exact, and
// copysign moves bits.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: jit/ may be included by vm/, jit/, runtime/ and code above the library"
#endif
#include <asmjit/x86.h>

#include "compiler/opcodes.hpp"

namespace exprvm::jit {

bool is_inline_function(Op op);

// Emits op on lanes of `bits` (32: float32, 64: float64) of x (and y, copysign's sign source)
// into d, written last; s0 and s1 are scratch; abs_mask holds every bit but the sign bit (read
// by copysign only). d may be x or y.
void emit_inline_function(asmjit::x86::Assembler& a, Op op, int bits, const asmjit::x86::Vec& d,
                          const asmjit::x86::Vec& x, const asmjit::x86::Vec& y, const asmjit::x86::Vec& s0,
                          const asmjit::x86::Vec& s1, const asmjit::x86::Vec& abs_mask);

}  // namespace exprvm::jit
