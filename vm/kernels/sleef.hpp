// SLEEF 3.5 (libsleef) on xsimd batches: sleef_<fn>(x) calls SLEEF's "u10" function (within
// 1.0 ULP over the whole domain; sin, cos and tan with full-range argument reduction) for this
// translation unit's instruction set. math.hpp picks, per function and dtype, between these,
// xsimd 8.1's and the engine's own kernels by tools/ulp's measurements (README, "Accuracy").
//
// AVX2 and AVX-512 call SLEEF's FMA variants (avx2, avx512f), SSE2 its sse2 variant: the
// variants without FMA (avx, avx512fnofma), which would give SSE2's bits on every ISA, took
// 1.3x to 2.8x as long in tools/ulp --speed. Included inside the ISA namespace (see
// common.hpp); <sleef.h> itself is included by vm/kernel_table_isa.cpp outside it.
#pragma once
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 3  // layers: core 1 <- compiler 2 <- vm 3 <- runtime 4
#error "upward include: vm/ may be included by vm/, runtime/ and code above the library"
#endif

// SLEEF's name of function `stem` with accuracy `ulp` (u10, u15) for this translation unit's
// instruction set: double lanes (D), float lanes (F).
#if defined(EXPRVM_ISA_SSE2)
#define EXPRVM_SLEEF_D(stem, ulp) Sleef_##stem##d2_##ulp##sse2
#define EXPRVM_SLEEF_F(stem, ulp) Sleef_##stem##f4_##ulp##sse2
#elif defined(EXPRVM_ISA_AVX2)
#define EXPRVM_SLEEF_D(stem, ulp) Sleef_##stem##d4_##ulp##avx2
#define EXPRVM_SLEEF_F(stem, ulp) Sleef_##stem##f8_##ulp##avx2
#else
#define EXPRVM_SLEEF_D(stem, ulp) Sleef_##stem##d8_##ulp##avx512f
#define EXPRVM_SLEEF_F(stem, ulp) Sleef_##stem##f16_##ulp##avx512f
#endif

#define EXPRVM_SLEEF_FUNCTION1(stem, ulp)                                                           \
  template <class E, class A> inline xsimd::batch<E, A> sleef_##stem(const xsimd::batch<E, A>& x) { \
    if constexpr (std::is_same_v<E, double>) return xsimd::batch<E, A>(EXPRVM_SLEEF_D(stem, ulp)(x)); \
    else return xsimd::batch<E, A>(EXPRVM_SLEEF_F(stem, ulp)(x));                                     \
  }
#define EXPRVM_SLEEF_FUNCTION2(stem, ulp)                                                            \
  template <class E, class A>                                                                         \
  inline xsimd::batch<E, A> sleef_##stem(const xsimd::batch<E, A>& x, const xsimd::batch<E, A>& y) {  \
    if constexpr (std::is_same_v<E, double>) return xsimd::batch<E, A>(EXPRVM_SLEEF_D(stem, ulp)(x, y)); \
    else return xsimd::batch<E, A>(EXPRVM_SLEEF_F(stem, ulp)(x, y));                                   \
  }
EXPRVM_SLEEF_FUNCTION1(sin, u10)
EXPRVM_SLEEF_FUNCTION1(cos, u10)
EXPRVM_SLEEF_FUNCTION1(tan, u10)
EXPRVM_SLEEF_FUNCTION1(asin, u10)
EXPRVM_SLEEF_FUNCTION1(atan, u10)
EXPRVM_SLEEF_FUNCTION1(tanh, u10)
EXPRVM_SLEEF_FUNCTION1(exp, u10)
EXPRVM_SLEEF_FUNCTION1(exp2, u10)
EXPRVM_SLEEF_FUNCTION1(log, u10)
EXPRVM_SLEEF_FUNCTION1(log2, u10)
EXPRVM_SLEEF_FUNCTION1(log10, u10)
EXPRVM_SLEEF_FUNCTION1(erf, u10)
EXPRVM_SLEEF_FUNCTION1(erfc, u15)
EXPRVM_SLEEF_FUNCTION2(atan2, u10)
EXPRVM_SLEEF_FUNCTION2(pow, u10)
#undef EXPRVM_SLEEF_FUNCTION1
#undef EXPRVM_SLEEF_FUNCTION2
#undef EXPRVM_SLEEF_D
#undef EXPRVM_SLEEF_F
