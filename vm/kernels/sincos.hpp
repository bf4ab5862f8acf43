// float32 sine and cosine on AVX2 and AVX-512 from one argument reduction, in float32 arithmetic: the
// kernels of SIN, COS and CIS (math.hpp) for |x| < kSinCosFloatLimit, where every lane gives
// the same bits whether SIN, COS or CIS asks for it (CIS is the optimizer's sin + cos of one
// operand, and the JIT's paired vector call). Larger arguments, Inf and NaN take SLEEF's
// (sincos_range.hpp). Included inside the ISA namespace (see common.hpp), used by the AVX2
// and AVX-512 compilations (the same steps on 8 or 16 lanes).
//
// Per lane, 2**-12 <= |x| < 2**17 (below, sin x rounds to x and cos x to 1): q = nearest
// integer to x c, c = 2/pi in float32, from one FMA with 1.5 * 2**23 (exact while |x c| <
// 2**22; its low mantissa bits are q's), so |x - q pi/2| <= (0.5 + 2**17 |c - 2/pi|) pi/2 <
// 0.7908. r = x - q pi/2 as r_hi + r_lo, with pi/2 = P1 + P2 + P3 in float32 (P1 = pi/2
// rounded; P1 + P2 + P3 is 1.1e-23 off):
// * r1 = x - q P1 by one FMA is exact: q != 0 makes |x| > 0.78, so x and q P1 are multiples
//   of 2**-24, and |r1| <= 0.7908 + |q| |pi/2 - P1| < 0.8 (|q| <= 83444) is below 1;
// * r_hi = r1 - p with p = q P2 rounded, and r1 - r_hi is exact (Fast2Sum's first step: r1 is
//   a multiple of ulp(p) <= 2**-32, as |p| < 2**-8, which suffices even where |r1| < |p|);
// * r_lo = ((r1 - r_hi) - q P2) - q P3 by two FMAs: the first rounds the exact error of r_hi
//   against r1 - q P2, so r_lo carries two roundings of a term below ulp(r_hi)/2 + 2**-31.7.
// The float closest to a multiple of pi/2 below 2**17 is 252.898209, 4.19e-9 (2**-27.8) away,
// so r_hi + r_lo is within 2**-27 relative of x - q pi/2 everywhere. With z = r_hi**2 rounded:
// sin r = r_hi + (r_hi z S(z) + r_lo (1 - z/2)) and cos r = w + ((1 - w) - z/2 + z**2 C(z) -
// (r_hi r_lo + (r_hi**2 - z)/2)) with w = 1 - z/2 rounded ((1 - w) - z/2 by Fast2Sum and
// r_hi**2 - z by an FMA are exact), so each ends in one rounding of a sum whose smaller term is
// within about 2**-23 relative; S and C are float32 minimax polynomials on |r| <= 0.7908
// (weighted Lawson fits in float64, each coefficient rounded to float32 and the rest refitted;
// relative error 2**-32.5 for sin, 2**-32.8 for cos). The quadrant q mod 4 swaps and negates
// them. Every float below the limit, both signs, is within 0.72 ULP of glibc's float64 sin and
// cos (tests/test_sincos_float.cpp, "[.sincos_exhaustive]").
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif

// Arguments of smaller magnitude take sincos_float_below_limit (see the exactness argument above).
inline constexpr float kSinCosFloatLimit = 131072.0f;

// The ISA's fused multiply-adds on a float32 or float64 batch, each rounded once: x y + z,
// z - x y and x y - z. Intrinsics, because xsimd 8.1's fma, fnma and fms round twice on
// AVX-512 (its generic x * y + z), and the sin/cos reductions need them exact.
template <class R> struct FusedOps;
template <class E, class A> struct FusedOps<xsimd::batch<E, A>> {
  using R = xsimd::batch<E, A>;
  static R fma(const R& x, const R& y, const R& z) {
    if constexpr (kIsAvx512<A> && std::is_same_v<E, float>) return _mm512_fmadd_ps(x, y, z);
    else if constexpr (kIsAvx512<A>) return _mm512_fmadd_pd(x, y, z);
    else if constexpr (std::is_same_v<E, float>) return _mm256_fmadd_ps(x, y, z);
    else return _mm256_fmadd_pd(x, y, z);
  }
  static R fnma(const R& x, const R& y, const R& z) {
    if constexpr (kIsAvx512<A> && std::is_same_v<E, float>) return _mm512_fnmadd_ps(x, y, z);
    else if constexpr (kIsAvx512<A>) return _mm512_fnmadd_pd(x, y, z);
    else if constexpr (std::is_same_v<E, float>) return _mm256_fnmadd_ps(x, y, z);
    else return _mm256_fnmadd_pd(x, y, z);
  }
  static R fms(const R& x, const R& y, const R& z) {
    if constexpr (kIsAvx512<A> && std::is_same_v<E, float>) return _mm512_fmsub_ps(x, y, z);
    else if constexpr (kIsAvx512<A>) return _mm512_fmsub_pd(x, y, z);
    else if constexpr (std::is_same_v<E, float>) return _mm256_fmsub_ps(x, y, z);
    else return _mm256_fmsub_pd(x, y, z);
  }
};

// sin x and cos x from sin r and cos r of the reduced argument r = x - q pi/2, by q mod 4
// (q in the low bits of `shifted`, the shifter's sum): sin x is sin r, cos r, -sin r, -cos r
// for q mod 4 = 0..3, and cos x is cos r, -sin r, -cos r, sin r.
template <class R>
[[gnu::always_inline]] inline std::pair<R, R> by_quadrant(const R& shifted, const R& sin_r, const R& cos_r) {
  using E = typename R::value_type;
  using I = xsimd::batch<std::conditional_t<std::is_same_v<E, float>, std::int32_t, std::int64_t>, typename R::arch_type>;
  const I quadrant = xsimd::bitwise_cast<I>(shifted);
  const R odd = xsimd::bitwise_cast<R>(I(0) - (quadrant & I(1)));  // all-ones lanes where q is odd
  const R sign(E(-0.0));
  const R sin_flip = xsimd::bitwise_cast<R>(quadrant << (8 * sizeof(E) - 2)) & sign;  // bit 1 of q
  const R cos_flip = sin_flip ^ (odd & sign);                                          // bit 1 of q + 1
  return {((sin_r & ~odd) | (cos_r & odd)) ^ sin_flip, ((cos_r & ~odd) | (sin_r & odd)) ^ cos_flip};
}

// sin and cos of the float32 lanes of x (AVX2's 8, AVX-512's 16) of magnitude below
// kSinCosFloatLimit (other lanes give unspecified values); sin(-0) = -0. The same operations
// on either width (FusedOps), so a lane's bits do not depend on the ISA.
template <class A>
[[gnu::always_inline]] inline std::pair<xsimd::batch<float, A>, xsimd::batch<float, A>> sincos_float_below_limit(
    const xsimd::batch<float, A>& x_in) {
  using R = xsimd::batch<float, A>;
  using Fused = FusedOps<R>;
  // Below 2**-12, sin x rounds to x and cos x to 1; such lanes compute with x = 0 instead, so
  // no step makes a subnormal (slow on some CPUs), and keep x as their sine (sin(-0) = -0).
  const auto tiny = xsimd::abs(x_in) < R(0x1p-12f);
  const R x = xsimd::select(tiny, R(0.0f), x_in);
  const R shifter(0x1.8p23f);
  const R shifted = Fused::fma(x, R(0x1.45f306p-1f), shifter);  // 1.5 * 2**23 + q
  const R q = shifted - shifter;
  const R p2(-0x1.777a5cp-25f);
  const R r1 = Fused::fnma(q, R(0x1.921fb6p0f), x);
  const R r_hi = r1 - q * p2;
  const R r_lo = Fused::fnma(q, R(-0x1.ee59dap-50f), Fused::fnma(q, p2, r1 - r_hi));
  const R z = r_hi * r_hi;
  const R half_z = z * R(0.5f);
  const R one(1.0f);
  // sin r = r_hi + (r_hi z S(z) + r_lo (1 - z/2))
  R s(0x1.7b5852p-19f);
  for (float k : {-0x1.a056a2p-13f, 0x1.111172p-7f, -0x1.555556p-3f}) s = Fused::fma(s, z, R(k));
  const R sin_r = r_hi + Fused::fma(r_hi * z, s, Fused::fnma(r_lo, half_z, r_lo));
  // cos r = w + ((1 - w) - z/2 - (r_hi r_lo + (r_hi**2 - z)/2) + z**2 C(z)), w = 1 - z/2 rounded
  R c(0x1.99e23ap-16f);
  for (float k : {-0x1.6c0c1cp-10f, 0x1.55554ap-5f}) c = Fused::fma(c, z, R(k));
  const R w = one - half_z;
  const R z_error = Fused::fma(r_hi, r_lo, Fused::fms(r_hi, r_hi, z) * R(0.5f));
  const R w_error = (one - w) - half_z;
  const R cos_r = w + Fused::fma(z * z, c, w_error - z_error);
  const auto [sin_x, cos_x] = by_quadrant(shifted, sin_r, cos_r);
  return {xsimd::select(tiny, x_in, sin_x), cos_x};
}
