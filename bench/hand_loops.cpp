// The hand-written loops of hand_loops.hpp, for the instruction set this compilation targets.
// bench/CMakeLists.txt compiles this file once per ISA (the library's flags for that ISA, plus
// -fno-math-errno so std::sqrt vectorizes as the library's kernels do) and names the table
// function through EXPRVM_BENCH_HAND_TABLE and EXPRVM_BENCH_HAND_ISA. Everything else stays in
// an anonymous namespace so the per-ISA copies cannot collide.
#include "bench/hand_loops.hpp"

#include <cmath>
#include <cstring>

#ifndef EXPRVM_BENCH_HAND_TABLE
#error "compile with -DEXPRVM_BENCH_HAND_TABLE=hand_loops_<isa> -DEXPRVM_BENCH_HAND_ISA=\"<isa>\""
#endif

namespace exprvm_bench {
namespace {

// Bytes of the widest vector register this compilation may use.
#if defined(__AVX512F__)
constexpr std::size_t kVectorBytes = 64;
#elif defined(__AVX__)
constexpr std::size_t kVectorBytes = 32;
#else
constexpr std::size_t kVectorBytes = 16;
#endif

template <class T>
T* at(void* const* arrays, int index) {
  return static_cast<T*>(arrays[index]);
}

// ---- the loops; array order is the workload's inputs, then its out buffer

template <class T>
void sgd_loop(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  T* p = at<T>(arrays, 0);
  const T* g = at<T>(arrays, 1);
  for (std::size_t i = begin; i < end; ++i) p[i] = p[i] - g[i];
}

// Adam inputs: p, g, m, v.
template <class T>
void adam_m_loop(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  const T* g = at<T>(arrays, 1);
  T* m = at<T>(arrays, 2);
  const T beta1c = T(1 - 0.9);
  for (std::size_t i = begin; i < end; ++i) m[i] = m[i] + beta1c * (g[i] - m[i]);
}

template <class T>
void adam_v_loop(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  const T* g = at<T>(arrays, 1);
  T* v = at<T>(arrays, 3);
  const T beta2c = T(1 - 0.999);
  for (std::size_t i = begin; i < end; ++i) v[i] = v[i] + beta2c * (g[i] * g[i] - v[i]);
}

template <class T>
void adam_p_loop(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  T* p = at<T>(arrays, 0);
  const T* m = at<T>(arrays, 2);
  const T* v = at<T>(arrays, 3);
  const T lr = T(0.001), eps = T(1e-8);
  for (std::size_t i = begin; i < end; ++i) p[i] = p[i] - lr * m[i] / (std::sqrt(v[i]) + eps);
}

template <class T>
void adam_fused_loop(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  T* p = at<T>(arrays, 0);
  const T* g = at<T>(arrays, 1);
  T* m = at<T>(arrays, 2);
  T* v = at<T>(arrays, 3);
  const T beta1c = T(1 - 0.9), beta2c = T(1 - 0.999), lr = T(0.001), eps = T(1e-8);
  for (std::size_t i = begin; i < end; ++i) {
    const T mi = m[i] + beta1c * (g[i] - m[i]);
    const T vi = v[i] + beta2c * (g[i] * g[i] - v[i]);
    m[i] = mi;
    v[i] = vi;
    p[i] = p[i] - lr * mi / (std::sqrt(vi) + eps);
  }
}

template <class T>
void relu_loop(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  const T* d = at<T>(arrays, 0);
  T* out = at<T>(arrays, 1);
  for (std::size_t i = begin; i < end; ++i) out[i] = d[i] > T(0) ? d[i] : T(0);
}

template <class T>
void tanh_relu_loop(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  const T* d = at<T>(arrays, 0);
  T* out = at<T>(arrays, 1);
  for (std::size_t i = begin; i < end; ++i) out[i] = std::tanh(d[i] > T(0) ? d[i] : T(0));
}

template <class T>
void elu_loop(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  const T* x = at<T>(arrays, 0);
  T* out = at<T>(arrays, 1);
  for (std::size_t i = begin; i < end; ++i) out[i] = x[i] > T(0) ? x[i] : std::expm1(x[i]);
}

template <class T>
void mul_add_loop(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  const T* a = at<T>(arrays, 0);
  const T* b = at<T>(arrays, 1);
  const T* c = at<T>(arrays, 2);
  T* out = at<T>(arrays, 3);
  for (std::size_t i = begin; i < end; ++i) out[i] = a[i] * b[i] + c[i];
}

template <class T>
void lincomb_loop(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  const T* a = at<T>(arrays, 0);
  const T* b = at<T>(arrays, 1);
  T* out = at<T>(arrays, 2);
  for (std::size_t i = begin; i < end; ++i) out[i] = T(2) * a[i] + T(3) * b[i];
}

template <class T>
void sincos_loop(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  const T* a = at<T>(arrays, 0);
  T* out = at<T>(arrays, 1);
  for (std::size_t i = begin; i < end; ++i) {
    const T s = std::sin(a[i]), c = std::cos(a[i]);
    out[i] = s * s + c * c;
  }
}

template <class T>
void compare_loop(void* const* arrays, std::size_t begin, std::size_t end, void*) {
  const T* a = at<T>(arrays, 0);
  const T* b = at<T>(arrays, 1);
  bool* out = at<bool>(arrays, 2);
  for (std::size_t i = begin; i < end; ++i) out[i] = a[i] * b[i] - T(4.1) * a[i] > T(2.5) * b[i];
}

// sum(a*b) in four independent vector-register partial sums (GCC vector extension, as wide
// as this compilation's ISA). Plain scalar code does not vectorize a reduction without
// reassociation flags, and the VM's reduction kernels take this freedom too.
template <class T>
void dot_loop(void* const* arrays, std::size_t begin, std::size_t end, void* partial) {
  typedef T Vec __attribute__((vector_size(kVectorBytes)));
  constexpr std::size_t kWidth = sizeof(Vec) / sizeof(T), kVectors = 4;
  const T* a = at<T>(arrays, 0);
  const T* b = at<T>(arrays, 1);
  Vec sums[kVectors] = {};
  std::size_t i = begin;
  for (; i + kVectors * kWidth <= end; i += kVectors * kWidth)
    for (std::size_t k = 0; k < kVectors; ++k) {
      Vec x, y;
      std::memcpy(&x, a + i + k * kWidth, sizeof x);
      std::memcpy(&y, b + i + k * kWidth, sizeof y);
      sums[k] += x * y;
    }
  for (std::size_t k = 1; k < kVectors; ++k) sums[0] += sums[k];
  T total = 0;
  for (; i < end; ++i) total += a[i] * b[i];
  for (std::size_t j = 0; j < kWidth; ++j) total += sums[0][j];
  *static_cast<T*>(partial) += total;
}

}  // namespace

const HandLoops& EXPRVM_BENCH_HAND_TABLE() {
  static const HandLoops loops = {
      EXPRVM_BENCH_HAND_ISA,
      {{"sgd", {{{sgd_loop<float>}, {sgd_loop<double>}}}},
       {"adam3",
        {{{adam_m_loop<float>, adam_v_loop<float>, adam_p_loop<float>},
          {adam_m_loop<double>, adam_v_loop<double>, adam_p_loop<double>}}}},
       {"adam_fused", {{{adam_fused_loop<float>}, {adam_fused_loop<double>}}}},
       {"relu", {{{relu_loop<float>}, {relu_loop<double>}}}},
       {"tanh_relu", {{{tanh_relu_loop<float>}, {tanh_relu_loop<double>}}}},
       {"elu", {{{elu_loop<float>}, {elu_loop<double>}}}},
       {"mul_add", {{{mul_add_loop<float>}, {mul_add_loop<double>}}}},
       {"lincomb", {{{lincomb_loop<float>}, {lincomb_loop<double>}}}},
       {"sincos", {{{sincos_loop<float>}, {sincos_loop<double>}}}},
       {"compare", {{{compare_loop<float>}, {compare_loop<double>}}}},
       {"dot", {{{dot_loop<float>}, {dot_loop<double>}}}}}};
  return loops;
}

}  // namespace exprvm_bench
