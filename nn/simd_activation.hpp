// The fused dense kernels' activations on AVX2 registers (nn/dense_kernel.cpp,
// nn/packed_dense.cpp): include only from files whose callers checked the CPU for AVX2 + FMA.
// Everything here carries the AVX2/FMA target attribute and is inlined into its caller.
#pragma once
#include <cstdint>

#include <immintrin.h>

#include "nn/activation.hpp"

#define EXPRVM_AVX2 __attribute__((target("avx2,fma"), always_inline)) inline
#define EXPRVM_AVX2_ENTRY __attribute__((target("avx2,fma")))

namespace exprvm::nn::simd {

constexpr int kLanes = 8;  // floats per __m256

// Whether the CPU runs this header's code (AVX2 and FMA).
inline bool cpu_has_avx2_fma() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  return has;
}

// The kernel instantiated for `activation` (one of linear, relu, elu: the kernel over
// Linear, Relu or Elu below), or null when the CPU lacks AVX2+FMA or the activation has no
// AVX2 form here.
template <class Kernel>
Kernel kernel_for(Activation activation, Kernel linear, Kernel relu, Kernel elu) {
  if (!cpu_has_avx2_fma()) return nullptr;
  switch (activation) {
    case Activation::Linear: return linear;
    case Activation::Relu: return relu;
    case Activation::Elu: return elu;
    default: return nullptr;
  }
}

struct Linear {
  EXPRVM_AVX2 static __m256 apply(__m256 z) { return z; }
};

// maximum(z, 0) as NumPy and the engine: a NaN z stays NaN (vmaxps returns its second
// operand when either is NaN).
struct Relu {
  EXPRVM_AVX2 static __m256 apply(__m256 z) { return _mm256_max_ps(_mm256_setzero_ps(), z); }
};

// where(z > 0, z, expm1(z)) by the engine's float32 expm1 reduction (vm/kernels/math.hpp:
// z = k ln2 + r with |r| <= ln2/2, expm1(r) by its degree-8 Taylor polynomial, then
// 2**k expm1(r) + (2**k - 1)) with its steps fused into FMAs and the polynomial by Estrin's
// scheme: 20 operations instead of 35 and a shorter dependency chain. Each FMA rounds once
// where the engine rounds twice, so values agree with the exprvm program within float32
// rounding.
struct Elu {
  EXPRVM_AVX2 static __m256 apply(__m256 z) {
    const __m256 shifter = _mm256_set1_ps(0x1.8p23f);  // adding it rounds to an integer
    const __m256 clamped = _mm256_max_ps(_mm256_set1_ps(-30.0f), z);  // NaN stays NaN
    const __m256 shifted = _mm256_fmadd_ps(clamped, _mm256_set1_ps(0x1.715476p+0f), shifter);
    const __m256 k = _mm256_sub_ps(shifted, shifter);
    __m256 r = _mm256_fnmadd_ps(k, _mm256_set1_ps(0x1.63p-1f), clamped);
    r = _mm256_fnmadd_ps(k, _mm256_set1_ps(-0x1.bd0106p-13f), r);
    // p = 1/2 + r/6 + ... + r**6/8! by Estrin's scheme (depth 4 instead of Horner's 6).
    const __m256 r2 = _mm256_mul_ps(r, r);
    const __m256 p01 = _mm256_fmadd_ps(_mm256_set1_ps(1.0f / 6), r, _mm256_set1_ps(0.5f));
    const __m256 p23 = _mm256_fmadd_ps(_mm256_set1_ps(1.0f / 120), r, _mm256_set1_ps(1.0f / 24));
    const __m256 p45 = _mm256_fmadd_ps(_mm256_set1_ps(1.0f / 5040), r, _mm256_set1_ps(1.0f / 720));
    const __m256 p46 = _mm256_fmadd_ps(_mm256_set1_ps(1.0f / 40320), r2, p45);
    const __m256 p03 = _mm256_fmadd_ps(p23, r2, p01);
    const __m256 p = _mm256_fmadd_ps(p46, _mm256_mul_ps(r2, r2), p03);
    const __m256 expm1_r = _mm256_fmadd_ps(r2, p, r);
    // The integer k sits in shifted's low mantissa bits; shifted's other bits shift out.
    const __m256 two_to_k = _mm256_castsi256_ps(_mm256_add_epi32(
        _mm256_slli_epi32(_mm256_castps_si256(shifted), 23), _mm256_set1_epi32(127 << 23)));
    const __m256 expm1 =
        _mm256_fmadd_ps(two_to_k, expm1_r, _mm256_sub_ps(two_to_k, _mm256_set1_ps(1.0f)));
    return _mm256_blendv_ps(z, expm1, z);  // expm1 where z's sign bit is set
  }
};

// Lanes [0, count) of a vector, as the mask of maskload/maskstore.
EXPRVM_AVX2 __m256i lane_mask(std::int64_t count) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(count)),
                            _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

}  // namespace exprvm::nn::simd
