// float64 sine and cosine on AVX2 and AVX-512 from one argument reduction: the kernels of SIN,
// COS and CIS (math.hpp) for |x| < kSinCosDoubleLimit, where every lane gives the same bits
// whether SIN, COS or CIS asks for it (and on AVX2 and AVX-512 alike). Larger arguments, Inf
// and NaN take SLEEF's (sincos_range.hpp), as every lane does on SSE2. Included inside the
// ISA namespace (see common.hpp) after sincos.hpp.
//
// The polynomials are fdlibm's (Sun, as in musl and FreeBSD's msun: __kernel_sin(y0, y1, 1)
// and musl's __cos(y0, y1), each within 1 ULP of y0 + y1 on |y| <= pi/4). Per lane:
// * below 2**-27, sin x rounds to x and cos x to 1 (the lane computes with x = 0 and keeps x);
// * q = nearest integer to x 2/pi (one FMA with the 1.5 * 2**52 shifter), |q| < 2**20;
// * pi/2 = C1 + C2 + C3, each C the rounding of the rest (159 bits). r1 = x - q C1 by one FMA is
//   exact: q != 0 makes |x| > 0.78, so x and q C1 are multiples of 2**-53, and |r1| < 1;
// * r1 - q C2 as r_hi + the exact errors of its product (FMA) and sum (TwoSum), minus q C3:
//   the reduced argument keeps about 150 bits of pi/2 whether or not x - q pi/2 cancels;
// * y0 + y1 = r_hi + r_lo normalized (Fast2Sum); q mod 4 swaps and negates sin and cos.
// `exprvm_ulp --functions sin,cos` measures them against MPFR, including the doubles nearest
// to k pi/2 for k up to 2**21.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif

// Arguments of smaller magnitude take sincos_double_below_limit (|q| < 2**20, see above).
inline constexpr double kSinCosDoubleLimit = 1048576.0;

// The error of s = a + b rounded: a + b - s exactly (Knuth's TwoSum, for any order of magnitude).
template <class R> [[gnu::always_inline]] inline R two_sum_error(const R& a, const R& b, const R& s) {
  const R b_part = s - a;
  return (a - (s - b_part)) + (b - b_part);
}

// sin and cos of the float64 lanes of x (AVX2's 4, AVX-512's 8) of magnitude below
// kSinCosDoubleLimit (other lanes give unspecified values); sin(-0) = -0. The same operations
// on either width (FusedOps, sincos.hpp), so a lane's bits are the same on AVX2 and AVX-512.
template <class A>
[[gnu::always_inline]] inline std::pair<xsimd::batch<double, A>, xsimd::batch<double, A>> sincos_double_below_limit(
    const xsimd::batch<double, A>& x_in) {
  using R = xsimd::batch<double, A>;
  using Fused = FusedOps<R>;
  const auto tiny = xsimd::abs(x_in) < R(0x1p-27);
  const R x = xsimd::select(tiny, R(0.0), x_in);
  const R shifter(0x1.8p52);
  const R shifted = Fused::fma(x, R(0x1.45f306dc9c883p-1), shifter);  // 1.5 * 2**52 + q
  const R q = shifted - shifter;
  const R r1 = Fused::fnma(q, R(0x1.921fb54442d18p+0), x);  // C1, exact
  const R p = q * R(0x1.1a62633145c07p-54);                  // C2
  const R p_error = Fused::fms(q, R(0x1.1a62633145c07p-54), p);
  const R r_hi = r1 - p;
  const R r_lo = Fused::fnma(q, R(-0x1.f1976b7ed8fbcp-110), two_sum_error(r1, -p, r_hi) - p_error);  // C3
  const R y0 = r_hi + r_lo;
  const R y1 = (r_hi - y0) + r_lo;
  // fdlibm's __kernel_sin(y0, y1, 1) and musl's __cos(y0, y1), the polynomials by Horner with FMAs
  const R z = y0 * y0;
  R s_r(1.58969099521155010221e-10);
  for (double k : {-2.50507602534068634195e-08, 2.75573137070700676789e-06, -1.98412698298579493134e-04,
                   8.33333333332248946124e-03})
    s_r = Fused::fma(s_r, z, R(k));
  const R v = z * y0;
  const R half(0.5);
  const R sin_r = y0 - ((z * Fused::fnma(v, s_r, half * y1) - y1) - v * R(-1.66666666666666324348e-01));
  R c_r(-1.13596475577881948265e-11);
  for (double k : {2.08757232129817482790e-09, -2.75573143513906633035e-07, 2.48015872894767294178e-05,
                   -1.38888888888741095749e-03, 4.16666666666666019037e-02})
    c_r = Fused::fma(c_r, z, R(k));
  c_r = c_r * z;
  const R half_z = half * z;
  const R one(1.0);
  const R c_w = one - half_z;
  const R cos_r = c_w + (((one - c_w) - half_z) + Fused::fms(z, c_r, y0 * y1));
  const auto [sin_x, cos_x] = by_quadrant(shifted, sin_r, cos_r);
  return {xsimd::select(tiny, x_in, sin_x), xsimd::select(tiny, one, cos_x)};
}
