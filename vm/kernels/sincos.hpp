// float32 sine and cosine on AVX2 from one argument reduction, computed in float64: the
// kernels of SIN, COS and CIS (math.hpp) for |x| < kSinCosFloatLimit, where every lane gives
// the same bits whether SIN, COS or CIS asks for it (CIS is the optimizer's sin + cos of one
// operand, and the JIT's paired vector call). Larger arguments, Inf and NaN take SLEEF's
// (sleef_*_by_range). Included inside the ISA namespace (see common.hpp), used by the AVX2
// compilation only.
//
// Per lane: x widened to double (exact); q = nearest integer to x * 2/pi; r = x - q*pi/2 with
// pi/2 = P1 + P2 in two doubles by two FMAs: x - q*P1 is a multiple of 2**-53 below 1 in
// magnitude (x a float32, q*P1 a multiple of 2**-52; q = 0 leaves x), so exact, and r carries
// the one rounding of the second FMA and q * 2**-107 of the truncated pi/2. sin(r) and cos(r)
// on |r| <= pi/4 by their Taylor polynomials to r**11 and r**12 (relative error < 2**-36), then
// the quadrant q mod 4 swaps and negates them. The one rounding to float32 leaves the results
// within 0.5001 ULP: checked for every float below the limit, both signs, against glibc's
// float64 sin and cos (tests/test_sincos_float.cpp, "[.sincos_exhaustive]").
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif

// Arguments of smaller magnitude take sincos_float_avx2 (see the exactness argument above).
inline constexpr float kSinCosFloatLimit = 131072.0f;

struct SinCosFloat {
  __m256 sin, cos;
};

// sin and cos of four doubles holding float32 values of magnitude below kSinCosFloatLimit.
[[gnu::always_inline]] inline void sincos_double_lanes(__m256d x, __m256d& sin_x, __m256d& cos_x) {
  const __m256d two_over_pi = _mm256_set1_pd(0x1.45f306dc9c883p-1);
  const __m256d p1 = _mm256_set1_pd(0x1.921fb54442d18p+0), p2 = _mm256_set1_pd(0x1.1a62633145c07p-54);
  const __m256d q = _mm256_round_pd(_mm256_mul_pd(x, two_over_pi), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
  const __m256d r = _mm256_fnmadd_pd(q, p2, _mm256_fnmadd_pd(q, p1, x));
  const __m256d z = _mm256_mul_pd(r, r);
  // sin(r) = r + r**3 (-1/3! + z (1/5! - z (1/7! ...))), cos(r) = 1 + z (-1/2! + z (1/4! ...))
  __m256d s = _mm256_set1_pd(-1.0 / 39916800);
  for (double c : {1.0 / 362880, -1.0 / 5040, 1.0 / 120, -1.0 / 6}) s = _mm256_fmadd_pd(s, z, _mm256_set1_pd(c));
  s = _mm256_fmadd_pd(_mm256_mul_pd(r, z), s, r);
  __m256d c = _mm256_set1_pd(1.0 / 479001600);
  for (double k : {-1.0 / 3628800, 1.0 / 40320, -1.0 / 720, 1.0 / 24, -0.5}) c = _mm256_fmadd_pd(c, z, _mm256_set1_pd(k));
  c = _mm256_fmadd_pd(z, c, _mm256_set1_pd(1.0));
  // q's low bits: adding 1.5 * 2**52 puts q mod 2**51 (two's complement) in the low mantissa bits.
  const __m256i quadrant = _mm256_castpd_si256(_mm256_add_pd(q, _mm256_set1_pd(0x1.8p52)));
  const __m256d odd = _mm256_castsi256_pd(_mm256_slli_epi64(quadrant, 63));  // sign bit: q odd
  const __m256d sign = _mm256_set1_pd(-0.0);
  // sin(x): sin r, cos r, -sin r, -cos r for q mod 4 = 0..3; cos(x): cos r, -sin r, -cos r, sin r.
  const __m256d sin_flip = _mm256_and_pd(_mm256_castsi256_pd(_mm256_slli_epi64(quadrant, 62)), sign);
  const __m256d cos_flip =
      _mm256_and_pd(_mm256_castsi256_pd(_mm256_slli_epi64(_mm256_add_epi64(quadrant, _mm256_set1_epi64x(1)), 62)), sign);
  sin_x = _mm256_xor_pd(_mm256_blendv_pd(s, c, odd), sin_flip);
  cos_x = _mm256_xor_pd(_mm256_blendv_pd(c, s, odd), cos_flip);
}

// sin and cos of eight float32 lanes of magnitude below kSinCosFloatLimit (other lanes give
// unspecified values); sin(-0) = -0.
[[gnu::always_inline]] inline SinCosFloat sincos_float_avx2(__m256 x) {
  __m256d sin_lo, cos_lo, sin_hi, cos_hi;
  sincos_double_lanes(_mm256_cvtps_pd(_mm256_castps256_ps128(x)), sin_lo, cos_lo);
  sincos_double_lanes(_mm256_cvtps_pd(_mm256_extractf128_ps(x, 1)), sin_hi, cos_hi);
  const __m256 sin_x = _mm256_set_m128(_mm256_cvtpd_ps(sin_hi), _mm256_cvtpd_ps(sin_lo));
  const __m256 cos_x = _mm256_set_m128(_mm256_cvtpd_ps(cos_hi), _mm256_cvtpd_ps(cos_lo));
  const __m256 zero = _mm256_cmp_ps(x, _mm256_setzero_ps(), _CMP_EQ_OQ);
  return {_mm256_blendv_ps(sin_x, x, zero), cos_x};
}

// sincos_float_by_range for a batch with lanes of kSinCosFloatLimit and above (Inf, NaN): those
// by SLEEF's. Out of line, with x by value: the common call stays small and free of spills.
template <class A>
[[gnu::noinline]] std::pair<xsimd::batch<float, A>, xsimd::batch<float, A>> sincos_float_above_limit(xsimd::batch<float, A> x) {
  using R = xsimd::batch<float, A>;
  const auto below = xsimd::abs(x) < R(kSinCosFloatLimit);  // false for NaN
  const SinCosFloat both = sincos_float_avx2(x);
  const R rest = xsimd::select(below, R(0.0f), x);
  return {xsimd::select(below, R(both.sin), sleef_sin_by_range(rest)),
          xsimd::select(below, R(both.cos), sleef_cos_by_range(rest))};
}

// sin and cos of a float32 batch, each lane by its range: sincos_float_avx2 below
// kSinCosFloatLimit, SLEEF's above, for Inf and NaN. SIN, COS and CIS all take this, so a
// lane's sine (cosine) has the same bits in each.
template <class A>
[[gnu::always_inline]] inline std::pair<xsimd::batch<float, A>, xsimd::batch<float, A>> sincos_float_by_range(
    const xsimd::batch<float, A>& x) {
  using R = xsimd::batch<float, A>;
  if (!xsimd::all(xsimd::abs(x) < R(kSinCosFloatLimit))) return sincos_float_above_limit(x);
  const SinCosFloat both = sincos_float_avx2(x);
  return {R(both.sin), R(both.cos)};
}
