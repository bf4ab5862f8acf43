// Arithmetic, bitwise and selection kernels: Impl<op>::apply on batches of the operand type.
// Bool operands are batches of 0/1 bytes (std::uint8_t). Included inside the ISA namespace
// (see common.hpp).
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif

// Integer division, modulo, power and variable shifts have no SIMD instruction in xsimd
// 8.1: they run lane by lane on core/numpy_scalar.hpp's definitions.

// ---- one operand

template <> struct Impl<Op::COPY> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) { return a; }
};
template <> struct Impl<Op::NEG> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kIsComplex<E>) return xsimd::batch<E, A>(negate(xsimd::real(a)), negate(xsimd::imag(a)));
    else return negate(a);
  }
};
template <> struct Impl<Op::INVERT> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kIsBool<E>) return a ^ xsimd::batch<E, A>(1);
    else return ~a;
  }
};
template <> struct Impl<Op::ABS> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kIsInt<E>) return xsimd::select(a < E(0), -a, a);  // wraps at MIN
    else if constexpr (kIsComplex<E>) return stable_hypot(xsimd::real(a), xsimd::imag(a));
    else return xsimd::abs(a);
  }
};
template <> struct Impl<Op::SQUARE> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kIsComplex<E>) return a * a;
    else return wrapping_mul(a, a);
  }
};
template <> struct Impl<Op::SIGN> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kIsComplex<E>) {
      // NumPy 2: z/|z|; 0 for 0; NaN (both parts) when |z| is NaN; for an infinite part the
      // unit along it (NaN when both parts are infinite).
      using T = Real<E>;
      using R = xsimd::batch<T, A>;
      const R re = xsimd::real(a), im = xsimd::imag(a);
      const R modulus = stable_hypot(re, im);
      // finite parts are first divided by the larger magnitude, so no |z| overflows
      const R larger = xsimd::max(xsimd::abs(re), xsimd::abs(im));
      const R scale = xsimd::select(larger == T(0), R(T(1)), larger);
      const R re_s = re / scale, im_s = im / scale, modulus_s = stable_hypot(re_s, im_s);
      const R zero(T(0)), nan(std::numeric_limits<T>::quiet_NaN());
      const auto re_inf = xsimd::isinf(re), im_inf = xsimd::isinf(im);
      const R unit_re = xsimd::select(re_inf, xsimd::select(im_inf, nan, real_sign(re)), zero);
      const R unit_im = xsimd::select(re_inf, xsimd::select(im_inf, nan, zero), real_sign(im));
      const auto infinite = re_inf || im_inf, vanishing = modulus == T(0);
      const auto undefined = is_nan(modulus);
      R out_re = xsimd::select(infinite, unit_re, xsimd::select(vanishing, zero, re_s / modulus_s));
      R out_im = xsimd::select(infinite, unit_im, xsimd::select(vanishing, zero, im_s / modulus_s));
      out_re = xsimd::select(undefined, nan, out_re);
      out_im = xsimd::select(undefined, nan, out_im);
      return xsimd::batch<E, A>(out_re, out_im);
    } else {
      return real_sign(a);
    }
  }
  // -1, 0 (for both zeros) or 1; NaN stays NaN.
  template <class T, class A> static xsimd::batch<T, A> real_sign(const xsimd::batch<T, A>& a) {
    using R = xsimd::batch<T, A>;
    const R zero_or_nan = kIsFloat<T> ? xsimd::select(a == T(0), R(T(0)), a) : R(T(0));
    return xsimd::select(a > T(0), R(T(1)), xsimd::select(a < T(0), R(T(-1)), zero_or_nan));
  }
};
template <> struct Impl<Op::REAL> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) { return xsimd::real(a); }
};
template <> struct Impl<Op::IMAG> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) { return xsimd::imag(a); }
};
template <> struct Impl<Op::CONJ> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    return xsimd::batch<E, A>(xsimd::real(a), negate(xsimd::imag(a)));
  }
};
template <> struct Impl<Op::ONES_LIKE> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>&) {
    return xsimd::batch<E, A>(E(Real<E>(1)));
  }
};

// float16 results are computed in float32 (or float64) and rounded here, lane by lane.
template <> struct Impl<Op::ROUND_F16> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    return lanewise(a, [](E x) { return numpy::round_to_float16(x); });
  }
};

// ---- two operands

template <> struct Impl<Op::ADD> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    if constexpr (kIsBool<E>) return a | b;
    else return a + b;
  }
};
template <> struct Impl<Op::SUB> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) { return a - b; }
};
template <> struct Impl<Op::MUL> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    if constexpr (kIsBool<E>) return a & b;
    else if constexpr (kIsComplex<E>) return a * b;
    else return wrapping_mul(a, b);
  }
};
template <> struct Impl<Op::DIV> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    if constexpr (kIsComplex<E>) return smith_divide(a, b);
    else return a / b;
  }
};
template <> struct Impl<Op::LSHIFT> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    return lanewise(a, b, numpy::lshift<E>);
  }
};
template <> struct Impl<Op::RSHIFT> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    return lanewise(a, b, numpy::rshift<E>);
  }
};
template <> struct Impl<Op::AND> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) { return a & b; }
};
template <> struct Impl<Op::OR> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) { return a | b; }
};
template <> struct Impl<Op::XOR> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) { return a ^ b; }
};
// NumPy's maximum: a if a > b or a is NaN, else b (so NaN in either propagates).
template <> struct Impl<Op::MAXIMUM> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    if constexpr (kIsBool<E>) return a | b;
    else if constexpr (kIsInt<E>) return xsimd::max(a, b);
    else return xsimd::select((a > b) || is_nan(a), a, b);
  }
};
template <> struct Impl<Op::MINIMUM> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    if constexpr (kIsBool<E>) return a & b;
    else if constexpr (kIsInt<E>) return xsimd::min(a, b);
    else return xsimd::select((a < b) || is_nan(a), a, b);
  }
};
template <> struct Impl<Op::COMPLEX> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    return xsimd::batch<std::complex<E>, A>(a, b);
  }
};

// ---- three operands

// WHERE's condition arrives as a mask (the step loads its bool bytes, see ElementwiseStep).
template <> struct Impl<Op::WHERE> {
  template <class E, class A>
  static auto apply(const xsimd::batch_bool<Real<E>, A>& cond, const xsimd::batch<E, A>& b, const xsimd::batch<E, A>& c) {
    return xsimd::select(cond, b, c);
  }
};
template <> struct Impl<Op::CLIP> {
  template <class E, class A>
  static auto apply(const xsimd::batch<E, A>& x, const xsimd::batch<E, A>& lo, const xsimd::batch<E, A>& hi) {
    return Impl<Op::MINIMUM>::apply(Impl<Op::MAXIMUM>::apply(x, lo), hi);
  }
};
template <> struct Impl<Op::FMA> {
  template <class E, class A>
  static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b, const xsimd::batch<E, A>& c) {
    if constexpr (kIsAvx512<A>) {  // xsimd 8.1's avx512 fma multiplies and adds separately
      if constexpr (std::is_same_v<E, float>) return xsimd::batch<E, A>(_mm512_fmadd_ps(a, b, c));
      else return xsimd::batch<E, A>(_mm512_fmadd_pd(a, b, c));
    } else if constexpr (kIsAvx2<A>) {
      return xsimd::fma(a, b, c);
    } else {  // SSE2 has no fused multiply-add (xsimd would round twice): libm's fma per lane
      constexpr std::size_t n = xsimd::batch<E, A>::size;
      alignas(64) E x[n], y[n], z[n];
      a.store_aligned(x);
      b.store_aligned(y);
      c.store_aligned(z);
      for (std::size_t i = 0; i < n; ++i) x[i] = std::is_same_v<E, float> ? __builtin_fmaf(x[i], y[i], z[i]) : __builtin_fma(x[i], y[i], z[i]);
      return xsimd::batch<E, A>::load_aligned(x);
    }
  }
};
