#include "jit/inline_functions.hpp"

#include <stdexcept>

namespace exprvm::jit {

using namespace asmjit;
using namespace asmjit::x86;

bool is_inline_function(Op op, DType t) {
  if (op == Op::ROUND_F16) return t == DType::Float32;  // (float64's rounds once: a vector call)
  return op == Op::ISNAN || op == Op::ISFINITE || op == Op::ISINF || op == Op::SIGNBIT || op == Op::COPYSIGN;
}

void emit_compare_mask(Assembler& a, int bits, const Vec& out, const Vec& x, const Operand& y, std::uint32_t predicate) {
  const InstId cmp = bits == 32 ? Inst::kIdVcmpps : Inst::kIdVcmppd;
  if (!out.isZmm()) {
    a.emit(cmp, out, x, y, Imm(predicate));
    return;
  }
  a.emit(cmp, k1, x, y, Imm(predicate));
  a.emit(bits == 32 ? Inst::kIdVpmovm2d : Inst::kIdVpmovm2q, out, k1);
}

void emit_inline_function(Assembler& a, Op op, int bits, const Vec& d, const Vec& x, const Vec& y, const Vec& s0,
                          const Vec& s1, const Vec& abs_mask) {
  const InstId sub = bits == 32 ? Inst::kIdVsubps : Inst::kIdVsubpd;
  constexpr std::uint32_t kUnordered = 0x03, kOrdered = 0x07;
  auto compare = [&](const Vec& out, const Vec& v, std::uint32_t p) { emit_compare_mask(a, bits, out, v, v, p); };
  switch (op) {
    case Op::ISNAN: compare(d, x, kUnordered); break;
    case Op::ISFINITE:  // x - x is 0 for finite x, NaN for infinities and NaN
      a.emit(sub, s0, x, x);
      compare(d, s0, kOrdered);
      break;
    case Op::ISINF:  // x - x is NaN, x is not
      a.emit(sub, s0, x, x);
      compare(s0, s0, kUnordered);
      compare(s1, x, kOrdered);
      a.vandps(d, s0, s1);
      break;
    case Op::SIGNBIT:  // the sign bit spread over the lane
      if (bits == 32) {
        a.vpsrad(d, x, 31);
      } else {
        a.vpsrad(s0, x, 31);
        a.vpshufd(d, s0, 0xF5);  // each 64-bit lane: its high dword twice
      }
      break;
    case Op::COPYSIGN:
      a.vandps(s0, x, abs_mask);
      a.vandnps(s1, abs_mask, y);
      a.vorps(d, s0, s1);
      break;
    case Op::ROUND_F16: {  // imm 0: round to nearest even, whatever MXCSR says
      const Vec half = x.isZmm() ? Vec(s0.ymm()) : Vec(s0.xmm());
      a.vcvtps2ph(half, x, 0);
      a.vcvtph2ps(d, half);
      break;
    }
    default: throw std::logic_error("jit: not an inline function");
  }
}

}  // namespace exprvm::jit
