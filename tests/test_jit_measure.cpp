// Measurements of the JIT on demand (hidden from the default run: timing on a shared machine is
// no pass/fail criterion):
//   build/exprvm_tests "[.jit_compile_time]"  median of 200 compiles per program (issue 15:
//                                             at most 30 us for the Adam program)
//   build/exprvm_tests "[.jit_p2]"            issue 15's P2 programs on 1 thread: JIT on, JIT
//                                             off, and a C++ AVX2 loop calling the same vector
//                                             functions (the limit for this math)
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <type_traits>
#include <string>
#include <vector>

#include <immintrin.h>

#include "compiler/pipeline.hpp"
#include "exprvm/exprvm.hpp"
#include "jit/vector_functions.hpp"
#include "jit/jit.hpp"
#include "tests/test_helpers.hpp"
#include "vm/executor.hpp"

namespace exprvm::testing {

TEST_CASE("jit: compile time per program", "[.jit_compile_time]") {
  const vm::Isa isa = vm::active_isa();
  if (isa == vm::Isa::Sse2) return;
  const std::vector<std::string> programs = {
      "b = b + 0.1*(a - b); c = c + 0.001*(a*a - c); o = o - 0.001*b/(sqrt(c)+1e-8)",
      "tanh(where(a > 0, a, 0))", "where(a > 0, a, expm1(a))", "sin(a)**2 + cos(a)**2"};
  for (const std::string& source : programs) {
    const Signature sig = {{"a", DType::Float32}, {"b", DType::Float32}, {"c", DType::Float32}, {"o", DType::Float32}};
    const vm::Executable ex(compile_to_bytecode(source, sig));
    std::vector<vm::Kernel> kernels;
    for (const vm::ExecInstr& e : ex.main[static_cast<int>(isa)]) kernels.push_back(e.fn);
    std::vector<double> us;
    for (int i = 0; i < 200; ++i) {
      const auto start = std::chrono::steady_clock::now();
      const auto code = jit::compile(ex.code, kernels);
      us.push_back(std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count());
      REQUIRE(code != nullptr);
    }
    std::nth_element(us.begin(), us.begin() + 100, us.end());
    std::printf("jit compile %-80s median %.1f us\n", source.c_str(), us[100]);
  }
}

namespace {

// The P2 programs as fused AVX2 loops calling the engine's vector functions (the JIT's code
// without the JIT): out = tanh(max(x, 0)); where(x > 0, x, expm1(x)); sin(x)**2 + cos(x)**2
// (one call of the sin/cos pair function, as the JIT).
using VectorFnF = __m256 (*)(__m256);
using VectorFnD = __m256d (*)(__m256d);
using PairFnF = __m256 (*)(__m256, __m256*);
using PairFnD = __m256d (*)(__m256d, __m256d*);
VectorFnF vector_fn_f32(Op op) { return reinterpret_cast<VectorFnF>(jit::vector_functions_avx2().fn[int(op)][0]); }
VectorFnD vector_fn_f64(Op op) { return reinterpret_cast<VectorFnD>(jit::vector_functions_avx2().fn[int(op)][1]); }

__attribute__((target("avx2,fma"))) void same_math_loop_f32(int workload, const float* x, float* out, std::size_t n) {
  const auto tanh_fn = vector_fn_f32(Op::TANH), expm1_fn = vector_fn_f32(Op::EXPM1);
  const auto sin_cos_fn = reinterpret_cast<PairFnF>(jit::vector_functions_avx2().sin_cos_pair[0][1]);
  const __m256 zero = _mm256_setzero_ps();
  for (std::size_t i = 0; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_loadu_ps(x + i);
    __m256 r;
    if (workload == 0) {
      r = tanh_fn(_mm256_blendv_ps(zero, v, _mm256_cmp_ps(v, zero, _CMP_GT_OQ)));
    } else if (workload == 1) {
      r = _mm256_blendv_ps(expm1_fn(v), v, _mm256_cmp_ps(v, zero, _CMP_GT_OQ));
    } else {
      __m256 c;
      const __m256 s = sin_cos_fn(v, &c);
      r = _mm256_add_ps(_mm256_mul_ps(s, s), _mm256_mul_ps(c, c));
    }
    _mm256_storeu_ps(out + i, r);
  }
}

__attribute__((target("avx2,fma"))) void same_math_loop_f64(int workload, const double* x, double* out, std::size_t n) {
  const auto tanh_fn = vector_fn_f64(Op::TANH), expm1_fn = vector_fn_f64(Op::EXPM1);
  const auto sin_cos_fn = reinterpret_cast<PairFnD>(jit::vector_functions_avx2().sin_cos_pair[1][1]);
  const __m256d zero = _mm256_setzero_pd();
  for (std::size_t i = 0; i + 4 <= n; i += 4) {
    const __m256d v = _mm256_loadu_pd(x + i);
    __m256d r;
    if (workload == 0) {
      r = tanh_fn(_mm256_blendv_pd(zero, v, _mm256_cmp_pd(v, zero, _CMP_GT_OQ)));
    } else if (workload == 1) {
      r = _mm256_blendv_pd(expm1_fn(v), v, _mm256_cmp_pd(v, zero, _CMP_GT_OQ));
    } else {
      __m256d c;
      const __m256d s = sin_cos_fn(v, &c);
      r = _mm256_add_pd(_mm256_mul_pd(s, s), _mm256_mul_pd(c, c));
    }
    _mm256_storeu_pd(out + i, r);
  }
}

template <class F> double seconds_of(const F& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

TEST_CASE("jit: P2 programs against the same math in a C++ loop", "[.jit_p2]") {
  if (vm::active_isa() != vm::Isa::Avx2) return;
  const int saved_threads = exprvm::get_num_threads();
  exprvm::set_num_threads(1);
  const jit::Mode saved_mode = jit::mode();
  const char* names[] = {"tanh(where(x > 0, x, 0))", "where(x > 0, x, expm1(x))", "sin(x)**2 + cos(x)**2"};
  std::printf("%-28s %-8s %9s %11s %11s %11s %9s %9s\n", "program", "dtype", "n", "jit us", "interp us",
              "loop us", "jit/loop", "jit/int");
  for (int w = 0; w < 3; ++w) {
    for (const DType t : {DType::Float32, DType::Float64}) {
      for (const std::int64_t n : {std::int64_t(4096), std::int64_t(65536), std::int64_t(1) << 20, std::int64_t(1) << 24}) {
        TestArray x = make_array(t, {n}), out = make_array(t, {n});
        std::mt19937_64 rng(15);
        std::normal_distribution<double> normal;
        for (std::int64_t i = 0; i < n; ++i) {
          if (t == DType::Float32) static_cast<float*>(x.view.data)[i] = static_cast<float>(normal(rng));
          else static_cast<double*>(x.view.data)[i] = normal(rng);
        }
        const exprvm::Program program = exprvm::compile(names[w], {{"x", t}});
        exprvm::BoundProgram bound = program.bind(std::span(&x.view, 1), &out.view);
        jit::set_mode(jit::Mode::Always);
        bound.run();
        const int reps = static_cast<int>(std::max<std::int64_t>(1, (std::int64_t(1) << 22) / n));
        double best[3] = {1e30, 1e30, 1e30};
        for (int sample = 0; sample < 7; ++sample) {
          jit::set_mode(jit::Mode::Always);
          best[0] = std::min(best[0], seconds_of([&] { for (int r = 0; r < reps; ++r) bound.run(); }));
          jit::set_mode(jit::Mode::Off);
          best[1] = std::min(best[1], seconds_of([&] { for (int r = 0; r < reps; ++r) bound.run(); }));
          best[2] = std::min(best[2], seconds_of([&] {
            for (int r = 0; r < reps; ++r) {
              if (t == DType::Float32) same_math_loop_f32(w, static_cast<const float*>(x.view.data), static_cast<float*>(out.view.data), n);
              else same_math_loop_f64(w, static_cast<const double*>(x.view.data), static_cast<double*>(out.view.data), n);
            }
          }));
        }
        for (double& b : best) b = b / reps * 1e6;
        std::printf("%-28s %-8s %9lld %11.1f %11.1f %11.1f %9.2f %9.2f\n", names[w], std::string(dtype_name(t)).c_str(),
                    static_cast<long long>(n), best[0], best[1], best[2], best[0] / best[2], best[0] / best[1]);
      }
    }
  }
  jit::set_mode(saved_mode);
  exprvm::set_num_threads(saved_threads);
}

}  // namespace exprvm::testing
