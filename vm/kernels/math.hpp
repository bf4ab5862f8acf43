// Transcendental, rounding and division-family kernels. Each real function comes from the
// vector math that tools/ulp measured best for it (README, "Accuracy": within 2 ULP over the
// whole domain, then the fastest): SLEEF (sleef.hpp) for sin cos tan arctan2 exp2 erf erfc
// pow and float32 exp arcsin arctan, float64 log log2 log10 tanh (on SSE2 libm per lane for
// erf, erfc and pow); the engine's own kernels for float64 exp, expm1 and float32 sin and cos
// on AVX2 (sincos.hpp, below 2**17; SLEEF's above); xsimd 8.1 for the
// rest, wrapped where it misses C's results. fmod (and so float // and %) is libm per lane:
// xsimd's a - trunc(a/b)*b loses digits for large quotients. Complex operands take libm (complex.hpp). Included inside the ISA namespace (see
// common.hpp).
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif

// Kernels that are a single xsimd function of their operand(s).
#define EXPRVM_XSIMD_UNARY(NAME, fn)                                               \
  template <> struct Impl<Op::NAME> {                                              \
    template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {   \
      if constexpr (kIsComplex<E> && kComplexByLibm<Op::NAME>)                     \
        return complex_by_libm<Op::NAME>(a);                                       \
      else                                                                         \
        return xsimd::fn(a);                                                       \
    }                                                                              \
  };
#define EXPRVM_XSIMD_BINARY(NAME, fn)                                                                 \
  template <> struct Impl<Op::NAME> {                                                                 \
    template <class E, class A>                                                                       \
    static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) { return xsimd::fn(a, b); } \
  };

EXPRVM_XSIMD_UNARY(SQRT, sqrt)
EXPRVM_XSIMD_UNARY(ARCCOS, acos)
EXPRVM_XSIMD_UNARY(ARCSINH, asinh)
EXPRVM_XSIMD_UNARY(ARCTANH, atanh)
EXPRVM_XSIMD_BINARY(COPYSIGN, copysign)
#undef EXPRVM_XSIMD_UNARY
#undef EXPRVM_XSIMD_BINARY

// SLEEF 3.5's sin, cos and tan pick their argument reduction per VECTOR: past the fast range
// of |x| (125 float32; 15, then 1e14 float64) in any lane, every lane takes the slower one,
// rounded differently. An element's result would then depend on its neighbours: on the array's
// alignment, the chunking, and the JIT's grouping. So the lanes are split by range (NaN and
// infinities with the largest): each range present is computed in one call with the lanes of
// the other ranges replaced by a value of its own range, and every element's result is a
// function of the element alone (tests/test_lane_independence.cpp). The common vector, all in
// the fast range, takes one call as before.
template <class E, class A, class F>
inline xsimd::batch<E, A> sleef_trig_by_range(const xsimd::batch<E, A>& x, F sleef_fn) {
  using R = xsimd::batch<E, A>;
  constexpr std::array<E, 2> limits = std::is_same_v<E, float> ? std::array<E, 2>{E(125), E(125)}
                                                               : std::array<E, 2>{E(15), E(1e14)};
  const R magnitude = xsimd::abs(x);
  const auto fast = magnitude < limits[0];  // false for NaN
  if (xsimd::all(fast)) return sleef_fn(x);
  R result = sleef_fn(xsimd::select(fast, x, R(E(0))));
  const auto middle = !fast && magnitude < limits[1];
  if (xsimd::any(middle)) result = xsimd::select(middle, sleef_fn(xsimd::select(middle, x, R(limits[0]))), result);
  const auto top = !(magnitude < limits[1]);
  if (xsimd::any(top)) result = xsimd::select(top, sleef_fn(xsimd::select(top, x, R(limits[1]))), result);
  return result;
}
template <class E, class A> inline auto sleef_sin_by_range(const xsimd::batch<E, A>& x) {
  return sleef_trig_by_range(x, [](const auto& v) { return sleef_sin(v); });
}
template <class E, class A> inline auto sleef_cos_by_range(const xsimd::batch<E, A>& x) {
  return sleef_trig_by_range(x, [](const auto& v) { return sleef_cos(v); });
}
template <class E, class A> inline auto sleef_tan_by_range(const xsimd::batch<E, A>& x) {
  return sleef_trig_by_range(x, [](const auto& v) { return sleef_tan(v); });
}
#if defined(__AVX2__) && defined(__FMA__)
#include "vm/kernels/sincos.hpp"
#include "vm/kernels/sincos_double.hpp"
#include "vm/kernels/sincos_range.hpp"
#endif

// sin and cos: on AVX2 and AVX-512 the engine's one-reduction kernels (float32: sincos.hpp,
// float64: sincos_double.hpp; by range: sincos_range.hpp), else SLEEF's.
template <class E, class A> inline constexpr bool kSinCosByOwnKernel =
    (std::is_same_v<E, float> || std::is_same_v<E, double>) && (kIsAvx2<A> || kIsAvx512<A>);
template <class E, class A> inline auto sin_of(const xsimd::batch<E, A>& x) {
  if constexpr (kSinCosByOwnKernel<E, A>) return sincos_by_range(x).first;
  else return sleef_sin_by_range(x);
}
template <class E, class A> inline auto cos_of(const xsimd::batch<E, A>& x) {
  if constexpr (kSinCosByOwnKernel<E, A>) return sincos_by_range(x).second;
  else return sleef_cos_by_range(x);
}

// float64 tanh: xsimd's, exactly +-1 from 0x1.30fc1931f09cap+4 (19.0615...) on, the first
// double whose tanh rounds to +-1 (where xsimd's can give 1 - 2**-53). SLEEF's took 3.5-4.4x
// as long on AVX2 and AVX-512 (8.3 and 10.2 ns per element on a Sapphire Rapids guest).
// xsimd 8.1's tanh (xsimd_generic_trigo.hpp) step by step, with the saturation applied to its
// |x| >= 0.625 branch before the sign goes on: one comparison and one selection, where
// selecting on the finished tanh took four more operations (abs, copysign's two, the select);
// the same bits, and 1.7-2 % less time on AVX-512 (a fused loop, 4096 and 65536 elements).
template <class A> inline auto tanh_saturated(const xsimd::batch<double, A>& self) {
  using R = xsimd::batch<double, A>;
  const R one(1.0);
  const R x = xsimd::abs(self);
  const auto small = x < R(5.0) / R(8.0);
  const R sign = xsimd::bitofsign(self);
  R z = one;
  if (xsimd::any(small)) {
    z = xsimd::kernel::detail::tanh_kernel<R>::tanh(x);
    if (xsimd::all(small)) return z ^ sign;
  }
  const R r = xsimd::fma(R(-2.0), one / (one + xsimd::exp(x + x)), one);
  return xsimd::select(small, z, xsimd::select(x >= R(0x1.30fc1931f09cap+4), one, r)) ^ sign;
}

// Kernels given by one function for float32 and one for float64 (SLEEF's, see sleef.hpp, or
// xsimd's); complex operands take libm.
#define EXPRVM_BY_DTYPE(NAME, float_fn, double_fn)                                \
  template <> struct Impl<Op::NAME> {                                            \
    template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) { \
      if constexpr (kIsComplex<E>) return complex_by_libm<Op::NAME>(a);         \
      else if constexpr (std::is_same_v<E, float>) return float_fn(a);           \
      else return double_fn(a);                                                  \
    }                                                                            \
  };
EXPRVM_BY_DTYPE(SIN, sin_of, sin_of)
EXPRVM_BY_DTYPE(COS, cos_of, cos_of)
EXPRVM_BY_DTYPE(TAN, sleef_tan_by_range, sleef_tan_by_range)
EXPRVM_BY_DTYPE(ARCSIN, sleef_asin, xsimd::asin)
EXPRVM_BY_DTYPE(ARCTAN, sleef_atan, xsimd::atan)
EXPRVM_BY_DTYPE(TANH, xsimd::tanh, tanh_saturated)
EXPRVM_BY_DTYPE(EXP2, sleef_exp2, sleef_exp2)  // xsimd's overflows early, flushes subnormals
EXPRVM_BY_DTYPE(LOG, xsimd::log, sleef_log)     // float64: xsimd's is wrong for subnormals
EXPRVM_BY_DTYPE(LOG2, xsimd::log2, sleef_log2)
EXPRVM_BY_DTYPE(LOG10, xsimd::log10, sleef_log10)
#undef EXPRVM_BY_DTYPE

// On SSE2, libm per lane for erf, erfc and pow: SLEEF's sse2 variants took 1.4x to 10x as long
// there (erfc float64: 246 against 24 ns per element) and glibc's are within 1 ULP too.
template <class A> inline constexpr bool kLibmBeatsSleef = !kIsAvx2<A> && !kIsAvx512<A>;

// erf and erfc: SLEEF's (xsimd's are thousands of ULP off, erfc near 3), libm's on SSE2.
template <> struct Impl<Op::ERF> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (!kLibmBeatsSleef<A>) return sleef_erf(a);
    else if constexpr (std::is_same_v<E, float>) return lanewise(a, [](float x) { return __builtin_erff(x); });
    else return lanewise(a, [](double x) { return __builtin_erf(x); });
  }
};
template <> struct Impl<Op::ERFC> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (!kLibmBeatsSleef<A>) return sleef_erfc(a);
    else if constexpr (std::is_same_v<E, float>) return lanewise(a, [](float x) { return __builtin_erfcf(x); });
    else return lanewise(a, [](double x) { return __builtin_erfc(x); });
  }
};

// log1p: xsimd's, keeping the sign of a zero (xsimd's log1p(-0) is +0; C's is -0).
template <> struct Impl<Op::LOG1P> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kIsComplex<E>) return complex_by_libm<Op::LOG1P>(a);
    else return xsimd::select(a == E(0), a, xsimd::log1p(a));
  }
};

// cos and sin in one pass: the functions of COS and SIN, so the bits equal theirs (float32 on
// AVX2 and AVX-512 from one argument reduction, sincos.hpp; float64 likewise, sincos_double.hpp).
template <> struct Impl<Op::CIS> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kSinCosByOwnKernel<E, A>) {
      const auto both = sincos_by_range(a);
      return xsimd::batch<std::complex<E>, A>(both.second, both.first);
    } else {
      return xsimd::batch<std::complex<E>, A>(sleef_cos_by_range(a), sleef_sin_by_range(a));
    }
  }
};

// sinh and cosh: xsimd's, but past `large` (700 / 64) exp(|x|) / 2, where xsimd's were up to
// 2.7 ULP off (to the overflow at 710.48 / 89.42). There |x| lies in [512, 1024) / [64, 128),
// whose values are multiples of 2**-43 / 2**-17; ln2_on_grid is ln 2 rounded to that grid, so
// |x| - ln2_on_grid is exact and exp(|x|) / 2 = exp(|x| - ln2_on_grid) * correction, with
// correction = exp(ln2_on_grid - ln 2) rounded. NaN takes that path too (sleef_exp keeps it).
template <class E> struct HyperbolicEdge;
template <> struct HyperbolicEdge<double> {
  static constexpr double large = 700, ln2_on_grid = 0x1.62e42fefa3800p-1, correction = 0x1.ffffffffffe11p-1;
};
template <> struct HyperbolicEdge<float> {
  static constexpr float large = 64, ln2_on_grid = 0x1.62e4p-1f, correction = float(0x1.ffffd0105e9f8p-1);
};
template <bool odd> struct Hyperbolic {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kIsComplex<E>) {
      return complex_by_libm<odd ? Op::SINH : Op::COSH>(a);
    } else {
      using C = HyperbolicEdge<E>;
      const auto magnitude = xsimd::abs(a);
      const auto large = !(magnitude <= C::large);  // NaN too: xsimd's float64 exp would convert
      const auto inside = xsimd::select(large, xsimd::batch<E, A>(E(0)), a);  // it to int64 (UB)
      const xsimd::batch<E, A> r = odd ? xsimd::sinh(inside) : xsimd::cosh(inside);
      if (!xsimd::any(large)) return r;
      const auto half_exp = sleef_exp(magnitude - C::ln2_on_grid) * C::correction;
      return xsimd::select(large, odd ? xsimd::copysign(half_exp, a) : half_exp, r);
    }
  }
};
template <> struct Impl<Op::SINH> : Hyperbolic<true> {};
template <> struct Impl<Op::COSH> : Hyperbolic<false> {};

// Exact C fmod per lane (libm), for float batches.
template <class T, class A>
inline xsimd::batch<T, A> exact_fmod(const xsimd::batch<T, A>& a, const xsimd::batch<T, A>& b) {
  if constexpr (std::is_same_v<T, float>) return lanewise(a, b, [](float x, float y) { return __builtin_fmodf(x, y); });
  else return lanewise(a, b, [](double x, double y) { return __builtin_fmod(x, y); });
}

// Rounding of float64 lanes without a conversion to integers, for SSE2: xsimd 8.1 emulates
// floor/ceil/trunc/nearbyint of doubles there by converting each lane to int64 in C++, which
// is undefined beyond int64's range (UBSan; found by fuzz/fuzz_differential) even though it
// keeps the input for |x| >= 2**52. Here |x| + 2**52 - 2**52 rounds |x| to an integer
// (nearest, ties to even); lanes with |x| >= 2**52 (integers already), Inf and NaN pass through.
enum class Rounding { Floor, Ceil, Trunc, Nearest };
template <Rounding mode, class A>
inline xsimd::batch<double, A> round_double(const xsimd::batch<double, A>& x) {
  using R = xsimd::batch<double, A>;
  const R two52(4503599627370496.0), one(1.0);
  const R ax = xsimd::abs(x);
  R r = (ax + two52) - two52;
  if constexpr (mode == Rounding::Trunc) r = xsimd::select(r > ax, r - one, r);
  r = xsimd::copysign(r, x);  // -0 for x in (-1, -0]
  if constexpr (mode == Rounding::Floor) r = xsimd::select(r > x, r - one, r);
  if constexpr (mode == Rounding::Ceil) r = xsimd::select(r < x, r + one, r);
  r = xsimd::copysign(r, x);  // ceil of x in (-1, -0] is -0 (-1 + 1 gave +0)
  return xsimd::select(ax < two52, r, x);
}

// floor of a float batch (float64 on SSE2 through round_double).
template <class T, class A>
inline xsimd::batch<T, A> floor_of(const xsimd::batch<T, A>& x) {
  if constexpr (std::is_same_v<T, double> && !kIsAvx2<A> && !kIsAvx512<A>) return round_double<Rounding::Floor>(x);
  else return xsimd::floor(x);
}

// NumPy's npy_divmod for floats: returns the floor quotient and sets mod to the Python
// remainder (sign of b). b == 0 gives a / b and fmod(a, 0) = NaN.
template <class T, class A>
inline xsimd::batch<T, A> float_divmod(const xsimd::batch<T, A>& a, const xsimd::batch<T, A>& b, xsimd::batch<T, A>& mod) {
  using R = xsimd::batch<T, A>;
  const R zero(T(0)), one(T(1));
  mod = exact_fmod(a, b);
  R div = (a - mod) / b;
  const auto fix = not_equal(mod, zero) && mask_xor(b < zero, mod < zero);
  mod = xsimd::select(fix, mod + b, mod);
  div = xsimd::select(fix, div - one, div);
  mod = xsimd::select(mod == zero, xsimd::copysign(zero, b), mod);
  R floordiv = floor_of(div);
  floordiv = xsimd::select(div - floordiv > R(T(0.5)), floordiv + one, floordiv);
  const R quotient = a / b;
  floordiv = xsimd::select(div == zero, xsimd::copysign(zero, quotient), floordiv);
  return xsimd::select(b == zero, quotient, floordiv);
}

template <> struct Impl<Op::FLOORDIV> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    if constexpr (kIsInt<E>) {
      return lanewise(a, b, numpy::floordiv<E>);
    } else {
      xsimd::batch<E, A> mod;
      return float_divmod(a, b, mod);
    }
  }
};
template <> struct Impl<Op::MOD> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    if constexpr (kIsInt<E>) {
      return lanewise(a, b, numpy::mod<E>);
    } else {
      xsimd::batch<E, A> mod;
      float_divmod(a, b, mod);
      return mod;
    }
  }
};
template <> struct Impl<Op::FMOD> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    if constexpr (kIsInt<E>) return lanewise(a, b, numpy::int_fmod<E>);
    else return exact_fmod(a, b);
  }
};
// pow: SLEEF's (1 ULP) where its result is a normal number; elsewhere (overflow, where
// SLEEF's comes early, e.g. pow(DBL_MAX, 1) = Inf; subnormal and zero results; NaN), and on
// SSE2 everywhere, libm's pow per lane, which also gives C's special cases.
template <> struct Impl<Op::POW> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    if constexpr (kIsInt<E>) {
      return lanewise(a, b, numpy::int_pow<E>);
    } else if constexpr (kIsComplex<E>) {
      return complex_pow(a, b);
    } else {
      const auto by_libm = [&] {
        if constexpr (std::is_same_v<E, float>) return lanewise(a, b, [](float x, float y) { return __builtin_powf(x, y); });
        else return lanewise(a, b, [](double x, double y) { return __builtin_pow(x, y); });
      };
      if constexpr (kLibmBeatsSleef<A>) {
        return by_libm();
      } else {
        const xsimd::batch<E, A> r = sleef_pow(a, b);
        const auto not_normal = !(xsimd::abs(r) >= std::numeric_limits<E>::min()) || xsimd::isinf(r);
        if (!xsimd::any(not_normal)) return r;
        return xsimd::select(not_normal, by_libm(), r);
      }
    }
  }
};

// ---- xsimd 8.1 functions wrapped to fix their edge cases (C99/glibc results)

// exp(x) for float64 on every ISA: xsimd 8.1's converts lane by lane where the CPU has no
// double <-> int64 conversion (SSE2, AVX2), and on AVX-512 returned inf from x = 709.7069
// (exp is 1.67e308 there; ulp_quick's bound check). x = k ln2 + r with
// |r| <= ln2/2, exp(r) by its degree-13 Taylor polynomial (< 1 ULP), 2**k built in the
// exponent bits; k is pulled into the normal range (and the result rescaled by one exact
// multiplication) near overflow and for subnormal results.
template <class A> inline xsimd::batch<double, A> exp_by_reduction(const xsimd::batch<double, A>& x) {
  using R = xsimd::batch<double, A>;
  using I = xsimd::batch<std::int64_t, A>;
  const R shifter(0x1.8p52);  // adding it rounds to an integer kept in the low mantissa bits
  const R k = xsimd::fma(x, R(0x1.71547652b82fep+0), shifter) - shifter;
  R r = xsimd::fnma(k, R(0x1.62e42fefa3800p-1), x);  // ln2 split: k * hi is exact
  r = xsimd::fnma(k, R(0x1.ef35793c76730p-45), r);
  constexpr double inverse_factorials[] = {1.6059043836821613e-10, 2.08767569878681e-09, 2.505210838544172e-08,
                                           2.755731922398589e-07,  2.7557319223985893e-06, 2.48015873015873e-05,
                                           0.0001984126984126984,  0.001388888888888889,   0.008333333333333333,
                                           0.041666666666666664,   0.16666666666666666,    0.5, 1.0, 1.0};
  R p(inverse_factorials[0]);
  for (int i = 1; i < 14; ++i) p = xsimd::fma(p, r, R(inverse_factorials[i]));
  const auto tiny = k < -1000.0, huge = k > 1000.0;
  const R k_in_range = k + xsimd::select(tiny, R(54.0), xsimd::select(huge, R(-1.0), R(0.0)));
  const I k_int = xsimd::bitwise_cast<I>(k_in_range + shifter) - xsimd::bitwise_cast<I>(shifter);
  const R two_to_k = xsimd::bitwise_cast<R>((k_int + I(std::int64_t(1023))) << 52);
  R result = p * two_to_k * xsimd::select(tiny, R(0x1p-54), xsimd::select(huge, R(2.0), R(1.0)));
  result = xsimd::select(x > 709.782712893384, R(std::numeric_limits<double>::infinity()), result);
  result = xsimd::select(x < -745.2, R(0.0), result);
  return xsimd::select(is_nan(x), x, result);
}

// The constants of expm1_by_reduction per float type: the Taylor coefficients of
// (expm1(r) - r) / r**2, highest degree first (degree 8 for float32, 13 for float64: < 0.5 /
// < 0.1 ULP for |r| <= ln2/2), where x is clamped below (the result is -1 there), and where
// the caller switches to exp because 2**k would overflow.
template <class E> struct Expm1Constants;
template <> struct Expm1Constants<float> {
  using Int = std::int32_t;
  static constexpr float coefficients[] = {1.0f / 40320, 1.0f / 5040, 1.0f / 720, 1.0f / 120,
                                           1.0f / 24,    1.0f / 6,    0.5f};
  static constexpr float low = -30.0f, shifter = 0x1.8p23f, log2e = 0x1.715476p+0f;
  static constexpr float ln2_hi = 0x1.63p-1f, ln2_lo = -0x1.bd0106p-13f;  // k * hi exact
  static constexpr Int bias = 127, mantissa_bits = 23;
  static constexpr float top = 87.0f;  // by_reduction is exact up to top
};
template <> struct Expm1Constants<double> {
  using Int = std::int64_t;
  static constexpr double coefficients[] = {
      1.6059043836821613e-10, 2.08767569878681e-09, 2.505210838544172e-08, 2.755731922398589e-07,
      2.7557319223985893e-06, 2.48015873015873e-05, 0.0001984126984126984, 0.001388888888888889,
      0.008333333333333333,   0.041666666666666664, 0.16666666666666666,   0.5};
  static constexpr double low = -40.0, shifter = 0x1.8p52, log2e = 0x1.71547652b82fep+0;
  static constexpr double ln2_hi = 0x1.62e42fefa3800p-1, ln2_lo = 0x1.ef35793c76730p-45;
  static constexpr Int bias = 1023, mantissa_bits = 52;
  static constexpr double top = 700.0;
};

// The polynomial c[begin] x**(count-1) + ... + c[begin+count-1] by Estrin's scheme: its high
// part times x**half plus its low part (the last `half` coefficients, half a power of two),
// each the same way: a dependency chain of about 2 log2(count) FMAs instead of Horner's
// count - 1 (the JIT calls a kernel per vector, and a long chain there left the core little to
// overlap with the loop's memory traffic at large n). x2, x4, x8: x**2, x**4, x**8.
template <std::size_t begin, std::size_t count, class R, class E, std::size_t N>
inline R estrin(const R& x, const R& x2, const R& x4, const R& x8, const E (&c)[N]) {
  static_assert(begin + count <= N && count <= 16);
  if constexpr (count == 1) {
    return R(c[begin]);
  } else {
    constexpr std::size_t half = count > 8 ? 8 : count > 4 ? 4 : count > 2 ? 2 : 1;  // below count
    const R& power = half == 1 ? x : half == 2 ? x2 : half == 4 ? x4 : x8;
    return xsimd::fma(estrin<begin, count - half>(x, x2, x4, x8, c), power,
                      estrin<begin + count - half, half>(x, x2, x4, x8, c));
  }
}

// expm1(x) without the division of xsimd 8.1's: x = k ln2 + r with |r| <= ln2/2, expm1(r) by
// its Taylor polynomial (Estrin), then expm1(x) = 2**k expm1(r) + (2**k - 1) where both terms
// are exact and only their sum rounds. For x <= Expm1Constants<E>::top (the caller handles
// larger x). FMAs where the ISA has them (SSE2's are a multiply and an add).
template <class E, class A> inline xsimd::batch<E, A> expm1_by_reduction(const xsimd::batch<E, A>& x) {
  using C = Expm1Constants<E>;
  using R = xsimd::batch<E, A>;
  using I = xsimd::batch<typename C::Int, A>;
  const R clamped = xsimd::select(x < R(C::low), R(C::low), x);  // NaN stays NaN
  const R shifter(C::shifter);  // adding it rounds to an integer kept in the low mantissa bits
  const R k = xsimd::fma(clamped, R(C::log2e), shifter) - shifter;
  const R r = xsimd::fnma(k, R(C::ln2_lo), xsimd::fnma(k, R(C::ln2_hi), clamped));
  const R r2 = r * r, r4 = r2 * r2;
  const R p = estrin<0, std::size(C::coefficients)>(r, r2, r4, r4 * r4, C::coefficients);
  const R expm1_r = xsimd::fma(r2, p, r);
  const I k_int = xsimd::bitwise_cast<I>(k + shifter) - xsimd::bitwise_cast<I>(shifter);
  const R two_to_k = xsimd::bitwise_cast<R>((k_int + I(C::bias)) << C::mantissa_bits);
  const R result = xsimd::fma(two_to_k, expm1_r, two_to_k - R(E(1)));
  return xsimd::select(x == R(E(0)), x, result);  // expm1(-0) = -0
}

// exp: float32 SLEEF's (xsimd's flushes below -87.3, overflows above 88.4, and its fix-up
// exp(a/2)**2 was 2.7 ULP off there).
template <> struct Impl<Op::EXP> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kIsComplex<E>) {
      return complex_by_libm<Op::EXP>(a);
    } else if constexpr (std::is_same_v<E, float>) {
      return sleef_exp(a);
    } else {  // (also on AVX-512: xsimd 8.1's overflowed from 709.7, below log(DBL_MAX))
      return exp_by_reduction(a);
    }
  }
};
// expm1 over the full range: above Expm1Constants<E>::top (87 for float32, 700 for float64),
// expm1(a) rounds to exp(a), SLEEF's (h * (h + 2) with h = expm1(a/2) was 2.6 ULP off).
template <> struct Impl<Op::EXPM1> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kIsComplex<E>) {
      return complex_by_libm<Op::EXPM1>(a);
    } else {
      const auto outside = a > Expm1Constants<E>::top;
      if (!xsimd::any(outside)) return expm1_by_reduction(a);  // the common case
      return xsimd::select(outside, sleef_exp(a), expm1_by_reduction(a));
    }
  }
};

// xsimd's float64 cube root is wrong for subnormals: scale those by 2**54.
template <class T, class A, class F>
inline xsimd::batch<T, A> on_scaled_subnormals(const xsimd::batch<T, A>& a, F fn, T undo_shift, bool multiply) {
  if constexpr (std::is_same_v<T, double>) {
    const auto tiny = xsimd::abs(a) < std::numeric_limits<double>::min() && a != 0.0;
    const auto r = fn(xsimd::select(tiny, a * 0x1p54, a));
    return xsimd::select(tiny, multiply ? r * undo_shift : r - undo_shift, r);
  } else {
    return fn(a);
  }
}
#define EXPRVM_SCALED_SUBNORMALS(NAME, fn, undo, multiply)                                      \
  template <> struct Impl<Op::NAME> {                                                            \
    template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {                 \
      if constexpr (kIsComplex<E>) return complex_by_libm<Op::NAME>(a);                          \
      else return on_scaled_subnormals(a, [](const auto& x) { return xsimd::fn(x); }, E(undo), multiply); \
    }                                                                                            \
  };
EXPRVM_SCALED_SUBNORMALS(CBRT, cbrt, 0x1p-18, true)
#undef EXPRVM_SCALED_SUBNORMALS

// acosh: NaN below 1 (xsimd returns numbers for large negative inputs).
template <> struct Impl<Op::ARCCOSH> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {
    if constexpr (kIsComplex<E>) {
      return complex_by_libm<Op::ARCCOSH>(a);
    } else {
      return xsimd::select(a < E(1), xsimd::batch<E, A>(std::numeric_limits<E>::quiet_NaN()), xsimd::acosh(a));
    }
  }
};
template <> struct Impl<Op::ARCTAN2> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& y, const xsimd::batch<E, A>& x) {
    return sleef_atan2(y, x);
  }
};
template <> struct Impl<Op::HYPOT> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    return stable_hypot(a, b);
  }
};
// nextafter by stepping the bit pattern: away from zero when b is farther out, else toward it.
template <> struct Impl<Op::NEXTAFTER> {
  template <class E, class A> static auto apply(const xsimd::batch<E, A>& a, const xsimd::batch<E, A>& b) {
    using R = xsimd::batch<E, A>;
    using I = xsimd::as_integer_t<R>;
    using IE = typename I::value_type;
    const auto away = xsimd::bool_cast(mask_xor(b > a, a < E(0)));
    const I step = xsimd::select(away, I(IE(1)), I(IE(-1)));
    R r = xsimd::bitwise_cast<R>(xsimd::bitwise_cast<I>(a) + step);
    r = xsimd::select(a == E(0), xsimd::copysign(R(std::numeric_limits<E>::denorm_min()), b), r);
    r = xsimd::select(a == b, b, r);
    return xsimd::select(is_nan(a) || is_nan(b), a + b, r);
  }
};

// Rounding keeps the sign of its input (ceil(-0.5) = -0); xsimd's SSE2 emulation of
// floor/ceil/trunc/nearbyint returns +0 there, and for float64 converts to int64 (see
// round_double).
#define EXPRVM_ROUNDING(NAME, fn, mode)                                            \
  template <> struct Impl<Op::NAME> {                                              \
    template <class E, class A> static auto apply(const xsimd::batch<E, A>& a) {   \
      if constexpr (kIsAvx2<A> || kIsAvx512<A>) return xsimd::fn(a);               \
      else if constexpr (std::is_same_v<E, double>) return round_double<mode>(a);  \
      else return xsimd::copysign(xsimd::fn(a), a);                                \
    }                                                                              \
  };
EXPRVM_ROUNDING(CEIL, ceil, Rounding::Ceil)
EXPRVM_ROUNDING(FLOOR, floor, Rounding::Floor)
EXPRVM_ROUNDING(ROUND, nearbyint, Rounding::Nearest)  // half to even in the default rounding mode
EXPRVM_ROUNDING(TRUNC, trunc, Rounding::Trunc)
#undef EXPRVM_ROUNDING
