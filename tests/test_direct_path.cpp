// The executor's single-range path (vm/executor_direct.hpp) and prepared frames for large
// contiguous runs (vm/fast_path.hpp): a bound program must give the general path's bytes
// whether its runs take the JIT's single range, the interpreter's chunks, or the thread pool,
// switching between them run after run on one binding, and the single range must not touch
// a byte past the caller's buffers (staged bindings keep their staging registers).
#include <catch2/catch.hpp>

#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "tests/jit_test_support.hpp"

namespace exprvm::testing {
namespace {

constexpr std::int64_t kGuard = 64;  // elements after each buffer that no run may touch
constexpr float kGuardValue = 12345.5f;

// float32 buffers of n elements followed by kGuard guard elements, filled from `seed`.
struct GuardedBuffers {
  std::vector<std::vector<float>> data;
  GuardedBuffers(int count, std::int64_t n, std::uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<float> value(-2.0f, 2.0f);
    for (int i = 0; i < count; ++i) {
      data.emplace_back(static_cast<std::size_t>(n + kGuard), kGuardValue);
      for (std::int64_t k = 0; k < n; ++k) data.back()[k] = i == 3 ? std::abs(value(rng)) : value(rng);
    }
  }
  std::vector<Array> views(std::int64_t n) {
    std::vector<Array> v;
    for (auto& d : data) v.push_back(Array::from_raw(d.data(), DType::Float32, {n}));
    return v;
  }
  bool guards_intact(std::int64_t n) const {
    for (const auto& d : data)
      for (std::int64_t k = n; k < n + kGuard; ++k)
        if (d[k] != kGuardValue) return false;
    return true;
  }
};

// Strided copies of `args` (the general path's runs).
std::vector<TestArray> strided_copies(const std::vector<Array>& args) {
  std::vector<TestArray> copies;
  for (const Array& a : args) {
    copies.push_back(make_array(a.dtype, {a.size()}, Layout::Strided));
    for (std::int64_t i = 0; i < a.size(); ++i)
      std::memcpy(element_pointer(copies.back().view, i), element_pointer(a, i), itemsize(a.dtype));
  }
  return copies;
}

std::vector<std::byte> all_bytes(const std::vector<Array>& args, const OwnedArray& result) {
  std::vector<std::byte> bytes;
  for (const Array& a : args) {
    const auto b = element_bytes(a);
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  if (!result.empty()) {
    const auto b = element_bytes(result.array());
    bytes.insert(bytes.end(), b.begin(), b.end());
  }
  return bytes;
}

// The programs: in-place elementwise, a scalar (prologue) argument, temporaries, reductions.
const Signature kSig = {{"p", DType::Float32}, {"g", DType::Float32}, {"m", DType::Float32}, {"v", DType::Float32}};
const char* const kPrograms[] = {
    "p = p - g",
    "m = m + 0.1 * (g - m); v = v + 0.001 * (g*g - v); p = p - 0.001 * m / (sqrt(v) + 1e-8)",
    "sum(p*g)", "mean(p - g*v)", "max(p*g + m)", "min(abs(p) + v)", "p*g + m*v - 1.5"};

// Runs `source` bound to guarded buffers of n elements `runs` times, each run with the JIT mode
// and thread count of its turn, against the general path on strided copies run alike: every
// run's outputs and result must be the same bytes, and no guard may change.
void check_binding(const char* source, std::int64_t n, std::uint64_t seed) {
  INFO(source << " n=" << n << " seed=" << seed);
  const Program program = compile(source, kSig);
  GuardedBuffers buffers(4, n, seed);
  const std::vector<Array> args = buffers.views(n);
  std::vector<TestArray> copies = strided_copies(args);
  std::vector<Array> general_args;
  for (const TestArray& c : copies) general_args.push_back(c.view);
  BoundProgram bound = program.bind(args);
  const struct { jit::Mode mode; int threads; } turns[] = {
      {jit::Mode::Always, 1}, {jit::Mode::Off, 1}, {jit::Mode::Always, 2},
      {jit::Mode::Off, 2}, {jit::Mode::Always, 1}, {jit::Mode::Off, 1}};
  for (const auto& turn : turns) {
    INFO("jit " << (turn.mode == jit::Mode::Off ? "off" : "always") << ", threads " << turn.threads);
    JitModeScope mode(turn.mode);
    ThreadScope pool(turn.threads);
    const OwnedArray& fast = bound.run();
    const OwnedArray general = program.run(general_args);
    REQUIRE(all_bytes(args, fast) == all_bytes(general_args, general));
    REQUIRE(buffers.guards_intact(n));
  }
}

}  // namespace

TEST_CASE("bound programs: the single range, the chunk loop and the thread pool give the same bytes", "[jit][direct]") {
  const std::uint64_t seed = seed_base() + 30000;
  std::printf("direct path: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 30000));
  std::uint64_t k = 0;
  // Staged (n < 256, not whole batches), whole batches, an aligned head, several reduction
  // blocks, and prepared frames past the parallel threshold (one chunk per block and several).
  for (std::int64_t n : {1, 3, 13, 64, 255, 1000, 1031, 4096 + 5, 40000, 70001})
    for (const char* source : kPrograms) check_binding(source, n, seed + k++);
}

}  // namespace exprvm::testing
