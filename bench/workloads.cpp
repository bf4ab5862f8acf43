// Workload table and the plain fused C++ loops ("hand"), compiled with the library's flags.
#include "bench/workloads.hpp"

#include <cmath>
#include <cstring>
#include <stdexcept>

namespace exprvm_bench {
namespace {

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

// sum(a*b) in four independent SSE-register partial sums (GCC vector extension; baseline
// SSE2 like every plain loop). Plain scalar code does not vectorize a reduction without
// reassociation flags, and the VM's reduction kernels take this freedom too.
template <class T>
void dot_loop(void* const* arrays, std::size_t begin, std::size_t end, void* partial) {
  typedef T Vec __attribute__((vector_size(16)));
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
  T total = 0;
  for (; i < end; ++i) total += a[i] * b[i];
  for (std::size_t k = 0; k < kVectors; ++k)
    for (std::size_t j = 0; j < kWidth; ++j) total += sums[k][j];
  *static_cast<T*>(partial) += total;
}

#define EXPRVM_BENCH_BOTH(loop) \
  { loop<float> }, { loop<double> }

std::vector<Workload> make_workloads() {
  const std::vector<Input> adam_inputs = {
      {"p", Init::Normal}, {"g", Init::SmallNormal}, {"m", Init::Normal}, {"v", Init::Uniform01}};
  const std::string adam_m = "m = m + (1 - 0.9) * (g - m)";
  const std::string adam_v = "v = v + (1 - 0.999) * (g * g - v)";
  const std::string adam_p = "p = p - 0.001 * m / (sqrt(v) + 1e-8)";
  std::vector<Workload> w;
  w.push_back({"sgd", {"p = p - g"}, {{"p", Init::Normal}, {"g", Init::SmallNormal}},
               Output::InPlace, 2, 1, true, false, {EXPRVM_BENCH_BOTH(sgd_loop)}});
  w.push_back({"adam3", {adam_m, adam_v, adam_p}, adam_inputs, Output::InPlace, 7, 3, false,
               false,
               {{adam_m_loop<float>, adam_v_loop<float>, adam_p_loop<float>},
                {adam_m_loop<double>, adam_v_loop<double>, adam_p_loop<double>}}});
  w.push_back({"adam_fused", {adam_m + "; " + adam_v + "; " + adam_p}, adam_inputs,
               Output::InPlace, 4, 3, true, false, {EXPRVM_BENCH_BOTH(adam_fused_loop)}});
  w.push_back({"relu", {"where(d > 0, d, 0)"}, {{"d", Init::Normal}}, Output::Array, 1, 1,
               false, false, {EXPRVM_BENCH_BOTH(relu_loop)}});
  w.push_back({"tanh_relu", {"tanh(where(d > 0, d, 0))"}, {{"d", Init::Normal}},
               Output::Array, 1, 1, false, true, {EXPRVM_BENCH_BOTH(tanh_relu_loop)}});
  w.push_back({"elu", {"where(x > 0, x, expm1(x))"}, {{"x", Init::Normal}}, Output::Array, 1,
               1, false, true, {EXPRVM_BENCH_BOTH(elu_loop)}});
  w.push_back({"mul_add", {"a*b+c"},
               {{"a", Init::Normal}, {"b", Init::Normal}, {"c", Init::Normal}}, Output::Array,
               3, 1, true, false, {EXPRVM_BENCH_BOTH(mul_add_loop)}});
  w.push_back({"lincomb", {"2*a+3*b"}, {{"a", Init::Normal}, {"b", Init::Normal}},
               Output::Array, 2, 1, false, false, {EXPRVM_BENCH_BOTH(lincomb_loop)}});
  w.push_back({"sincos", {"sin(a)**2 + cos(a)**2"}, {{"a", Init::Normal}}, Output::Array, 1,
               1, false, true, {EXPRVM_BENCH_BOTH(sincos_loop)}});
  w.push_back({"compare", {"a*b-4.1*a > 2.5*b"}, {{"a", Init::Normal}, {"b", Init::Normal}},
               Output::Bool, 2, 1, false, false, {EXPRVM_BENCH_BOTH(compare_loop)}});
  w.push_back({"dot", {"sum(a*b)"}, {{"a", Init::Normal}, {"b", Init::Normal}}, Output::Scalar,
               2, 0, false, false, {EXPRVM_BENCH_BOTH(dot_loop)}});
  return w;
}

#undef EXPRVM_BENCH_BOTH

}  // namespace

std::string Workload::description() const {
  std::string text;
  for (const std::string& program : programs) {
    if (!text.empty()) text += " ; ";
    text += program;
  }
  return text;
}

const std::vector<Workload>& all_workloads() {
  static const std::vector<Workload> workloads = make_workloads();
  return workloads;
}

int dtype_slot(exprvm::DType dtype) {
  if (dtype == exprvm::DType::Float32) return 0;
  if (dtype == exprvm::DType::Float64) return 1;
  throw std::invalid_argument("benchmark workloads exist for float32 and float64 only");
}

double bytes_per_element(const Workload& w, exprvm::DType dtype) {
  const double item = dtype == exprvm::DType::Float32 ? 4.0 : 8.0;
  const double written = w.output == Output::Bool ? 1.0 : item;
  return w.elements_read * item + w.elements_written * written;
}

}  // namespace exprvm_bench
