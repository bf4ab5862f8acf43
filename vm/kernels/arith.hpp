// Arithmetic, bitwise and selection kernels: Impl<op>::apply on batches of the operand type.
// Bool operands are batches of 0/1 bytes (std::uint8_t). Included inside the ISA namespace
// (see common.hpp).
#pragma once

// ---- integer scalar helpers (no SIMD division, modulo, power or variable shift in xsimd 8.1)

// Python floor division; x // 0 = 0; MIN // -1 wraps to MIN.
template <class T> inline T int_floordiv(T a, T b) {
  using U = std::make_unsigned_t<T>;
  if (b == 0) return 0;
  if (b == -1) return T(U(0) - U(a));
  T q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}
// Python modulo (sign of the divisor); x % 0 = 0.
template <class T> inline T int_mod(T a, T b) {
  if (b == 0 || b == -1) return 0;
  T r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}
// C remainder (sign of the dividend); x fmod 0 = 0.
template <class T> inline T int_fmod(T a, T b) { return (b == 0 || b == -1) ? T(0) : T(a % b); }
// a ** b by squaring with wrap-around; a negative exponent gives 0 unless |a| == 1.
template <class T> inline T int_pow(T a, T b) {
  using U = std::make_unsigned_t<T>;
  if (b < 0) return a == 1 ? T(1) : a == -1 ? T((b & 1) ? -1 : 1) : T(0);
  U result = 1, base = U(a);
  for (U e = U(b); e != 0; e >>= 1) {
    if (e & 1) result *= base;
    base *= base;
  }
  return T(result);
}
template <class T> inline T int_lshift(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return (b < 0 || b >= T(8 * sizeof(T))) ? T(0) : T(U(a) << b);
}
template <class T> inline T int_rshift(T a, T b) {
  return (b < 0 || b >= T(8 * sizeof(T))) ? T(a < 0 ? -1 : 0) : T(a >> b);
}

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
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) { return a * a; }
};
template <> struct Impl<Op::SIGN> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kIsComplex<E>) {
      using T = Real<E>;
      using R = xsimd::batch<T, A>;
      const R re = xsimd::real(a), im = xsimd::imag(a);
      R s = xsimd::select(re == T(0), real_sign(im), real_sign(re));
      s = xsimd::select(is_nan(re) || is_nan(im), R(std::numeric_limits<T>::quiet_NaN()), s);
      return xsimd::batch<E, A>(s, R(T(0)));
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
    else return a * b;
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
    return lanewise(a, b, int_lshift<E>);
  }
};
template <> struct Impl<Op::RSHIFT> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    return lanewise(a, b, int_rshift<E>);
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
