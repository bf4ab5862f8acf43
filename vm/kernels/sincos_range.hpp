// sin and cos of float32 and float64 batches on AVX2 and AVX-512, each lane by its range: the
// engine's one-reduction kernels below their limits (sincos.hpp: 2**17 for float32;
// sincos_double.hpp: 2**20 for float64), SLEEF's above, for Inf and NaN. SIN, COS and CIS all
// take sincos_by_range (math.hpp), so a lane's sine (cosine) has the same bits in each; the
// JIT's sin/cos pair entry takes sincos_below_limit for a batch wholly below the limit.
// Included inside the ISA namespace (see common.hpp) after sincos.hpp and sincos_double.hpp.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif

template <class E> inline constexpr E kSinCosLimit = std::is_same_v<E, float> ? E(kSinCosFloatLimit) : E(kSinCosDoubleLimit);

// The engine's kernel of E's lanes (those below kSinCosLimit<E>; other lanes unspecified).
template <class E, class A>
[[gnu::always_inline]] inline std::pair<xsimd::batch<E, A>, xsimd::batch<E, A>> sincos_below_limit(const xsimd::batch<E, A>& x) {
  if constexpr (std::is_same_v<E, float>) return sincos_float_below_limit(x);
  else return sincos_double_below_limit(x);
}

// sincos_by_range for a batch with lanes of kSinCosLimit and above (Inf, NaN): those by
// SLEEF's. Out of line, with x by value: the common call stays small and free of spills.
template <class E, class A>
[[gnu::noinline]] std::pair<xsimd::batch<E, A>, xsimd::batch<E, A>> sincos_above_limit(xsimd::batch<E, A> x) {
  using R = xsimd::batch<E, A>;
  const auto below = xsimd::abs(x) < R(kSinCosLimit<E>);  // false for NaN
  const auto both = sincos_below_limit(xsimd::select(below, x, R(E(0))));
  const R rest = xsimd::select(below, R(E(0)), x);
  return {xsimd::select(below, both.first, sleef_sin_by_range(rest)),
          xsimd::select(below, both.second, sleef_cos_by_range(rest))};
}

template <class E, class A>
[[gnu::always_inline]] inline std::pair<xsimd::batch<E, A>, xsimd::batch<E, A>> sincos_by_range(const xsimd::batch<E, A>& x) {
  using R = xsimd::batch<E, A>;
  if (!xsimd::all(xsimd::abs(x) < R(kSinCosLimit<E>))) return sincos_above_limit(x);
  return sincos_below_limit(x);
}
