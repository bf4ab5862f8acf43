// Many threads at once on shared state: one Program, the global cache and a small cache that
// evicts, BoundPrograms (one per thread), and set_num_threads while runs are in flight. The
// results must be exact; .ci/run also runs these under ThreadSanitizer ("[concurrency]").
#include <catch2/catch.hpp>

#include <atomic>
#include <cstdint>
#include <string>
#include <thread>
#include <vector>

#include <exprvm/exprvm.hpp>
#include "vm/executor.hpp"

namespace exprvm {
namespace {

constexpr int kThreads = 4;

// Runs body(thread index) on kThreads threads and joins them.
template <class Body>
void on_threads(const Body& body) {
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) threads.emplace_back([&body, t] { body(t); });
  for (auto& thread : threads) thread.join();
}

// n values i * scale + offset.
std::vector<double> ramp(std::size_t n, double scale, double offset) {
  std::vector<double> v(n);
  for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<double>(i) * scale + offset;
  return v;
}

// A size the cost model runs on the thread pool when a program repeats (vm/threads_cost.hpp):
// a * b + 1 over float64 from its second run in a row on a thread.
constexpr std::size_t kParallelSized = (std::size_t{1} << 17) + 3;

TEST_CASE("threads share one Program, small and parallel-sized runs", "[concurrency]") {
  const int saved = set_num_threads(2);
  const Program p = compile("a * b + 1", {{"a", DType::Float64}, {"b", DType::Float64}});
  std::atomic<int> wrong{0};
  on_threads([&](int t) {
    for (std::size_t n : {std::size_t{100}, kParallelSized}) {
      std::vector<double> a = ramp(n, 1, t), b = ramp(n, 0.5, 0), out(n);
      const Array args[] = {Array::from(a), Array::from(b)};
      Array out_view = Array::from(out);
      for (int i = 0; i < 5; ++i) {
        p.run(args, &out_view);
        for (std::size_t k = 0; k < n; ++k)
          if (out[k] != a[k] * b[k] + 1) ++wrong;
        const OwnedArray r = p.run(args);  // allocated result
        if (r.at<double>(n - 1) != a[n - 1] * b[n - 1] + 1) ++wrong;
      }
    }
  });
  CHECK(wrong == 0);
  set_num_threads(saved);
}

TEST_CASE("threads share the global cache and an evicting cache", "[concurrency]") {
  ProgramCache small(3);
  std::atomic<int> wrong{0};
  on_threads([&](int t) {
    std::vector<double> a = ramp(64, 1, t);
    for (int i = 0; i < 40; ++i) {
      const std::string source = "a * " + std::to_string(i % 7) + " + " + std::to_string(t);
      const OwnedArray r = evaluate(source, {{"a", Array::from(a)}});
      if (r.at<double>(5) != a[5] * (i % 7) + t) ++wrong;
      const Program p = small.get(source, {{"a", DType::Float64}});
      const Array args[] = {Array::from(a)};
      if (p.run(args).at<double>(7) != a[7] * (i % 7) + t) ++wrong;
    }
  });
  CHECK(wrong == 0);
  CHECK(small.size() <= 3);
  CHECK(small.hits() + small.misses() == kThreads * 40);
}

TEST_CASE("BoundPrograms of one Program, one per thread", "[concurrency]") {
  const Program p = compile("x = x + g", {{"x", DType::Float32}, {"g", DType::Float32}});
  std::atomic<int> wrong{0};
  on_threads([&](int t) {
    std::vector<float> x(1000, 0.0f), g(1000, static_cast<float>(t + 1));
    const Array args[] = {Array::from(x), Array::from(g)};
    BoundProgram bound = p.bind(args);
    for (int i = 0; i < 50; ++i) bound.run();
    for (float v : x)
      if (v != 50.0f * static_cast<float>(t + 1)) ++wrong;
  });
  CHECK(wrong == 0);
}

TEST_CASE("set_num_threads while other threads evaluate", "[concurrency]") {
  const int saved = get_num_threads();
  const std::size_t n = kParallelSized + 2;
  std::vector<double> expected_sums;
  for (int t = 0; t < kThreads; ++t) {
    std::vector<double> a = ramp(n, 0.25, t);
    expected_sums.push_back(evaluate("sum(a * 2)", {{"a", Array::from(a)}}).at<double>(0));
  }
  std::atomic<bool> done{false};
  std::atomic<int> wrong{0};
  std::thread switcher([&] {
    for (int i = 0; !done; ++i) set_num_threads(1 + i % 3);
  });
  on_threads([&](int t) {
    std::vector<double> a = ramp(n, 0.25, t);
    for (int i = 0; i < 10; ++i) {
      const OwnedArray r = evaluate("sum(a * 2)", {{"a", Array::from(a)}});
      const OwnedArray e = evaluate("a - 1", {{"a", Array::from(a)}});
      if (e.at<double>(n - 1) != a[n - 1] - 1) ++wrong;
      if (r.at<double>(0) != expected_sums[t]) ++wrong;  // any thread count: the same bits
    }
  });
  done = true;
  switcher.join();
  CHECK(wrong == 0);
  set_num_threads(saved);
}

}  // namespace
}  // namespace exprvm
