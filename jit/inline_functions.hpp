// The cheap elementwise float functions the fused loop computes inline (a few instructions, no
// call): isnan, isfinite, isinf, signbit (bool results as lane masks), copysign, and float32's
// round_f16 (F16C: vcvtps2ph to nearest, ties to even, and back). Their bits equal the
// interpreter's kernels' (vm/kernels/compare.hpp, math.hpp, arith.hpp): masks are exact,
// copysign moves bits, and F16C rounds as float16::from_float (quiet NaNs keeping the top
// payload bits, +-Inf from 65520, subnormals and signed zeros) and widens exactly.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: jit/ may be included by vm/, jit/, runtime/ and code above the library"
#endif
#include <asmjit/x86.h>

#include "compiler/opcodes.hpp"

namespace exprvm::jit {

// Whether op on float dtype t (float32 or float64) is computed inline.
bool is_inline_function(Op op, DType t);

// Vector register `out` = the lane mask of x `predicate` y (vcmpps/vcmppd by `bits`; y a
// register or memory): all-ones lanes where it holds. A zmm `out` (512-bit plans) compares
// into k1 and spreads it into lanes (vpmovm2d/vpmovm2q): AVX-512 compares only into mask
// registers. Shared by the inline functions, the fused comparisons and the reduction's NaN mask.
void emit_compare_mask(asmjit::x86::Assembler& a, int bits, const asmjit::x86::Vec& out, const asmjit::x86::Vec& x,
                       const asmjit::Operand& y, std::uint32_t predicate);

// Emits op on lanes of `bits` (32: float32, 64: float64) of x (and y, copysign's sign source)
// into d, written last; s0 and s1 are scratch; abs_mask holds every bit but the sign bit (read
// by copysign only). d may be x or y.
void emit_inline_function(asmjit::x86::Assembler& a, Op op, int bits, const asmjit::x86::Vec& d,
                          const asmjit::x86::Vec& x, const asmjit::x86::Vec& y, const asmjit::x86::Vec& s0,
                          const asmjit::x86::Vec& s1, const asmjit::x86::Vec& abs_mask);

}  // namespace exprvm::jit
