// The JIT's streaming variant (jit::Code::fn(true), Plan::streaming_stores: the outputs'
// vector stores non-temporal) and the executor's rule for taking it (RunPlan::streaming):
// which programs get one, which runs stream, and that every run, streamed or not, on 1 or 2
// threads, writes the interpreter's bytes (the variant differs in its store instructions only).
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "tests/jit_test_support.hpp"
#include "vm/fast_path.hpp"
#include "vm/threads_cost.hpp"

namespace exprvm::testing {
namespace {

// Whether jit::compile gives `source` a streaming variant, for the active ISA's kernels.
bool has_streaming_variant(const std::string& source, const Signature& sig) {
  const vm::Isa isa = vm::active_isa();
  const vm::Executable ex(compile_source(source, sig));
  std::vector<vm::Kernel> kernels;
  for (const vm::ExecInstr& e : ex.main[static_cast<int>(isa)]) kernels.push_back(e.fn);
  const std::unique_ptr<jit::Code> code = jit::compile(ex.code, kernels, nullptr, nullptr, isa);
  REQUIRE(code != nullptr);
  return code->has_streaming();
}

// 64-byte aligned storage for arrays placed at chosen byte offsets.
struct Storage {
  std::unique_ptr<std::byte, decltype(&std::free)> bytes;
  explicit Storage(std::size_t size)
      : bytes(static_cast<std::byte*>(std::aligned_alloc(64, (size + 63) / 64 * 64)), &std::free) {
    REQUIRE(bytes != nullptr);
  }
  std::byte* at(std::size_t offset) const { return bytes.get() + offset; }
};

// Fills n elements of dtype t at p from rng: values in [-4, 4), every 97th a NaN or an infinity.
void fill(std::byte* p, DType t, std::int64_t n, std::mt19937_64& rng) {
  std::uniform_real_distribution<double> value(-4.0, 4.0);
  for (std::int64_t i = 0; i < n; ++i) {
    double v = value(rng);
    if (i % 97 == 5) v = i % 2 ? std::numeric_limits<double>::infinity() : std::nan("");
    if (t == DType::Float32) reinterpret_cast<float*>(p)[i] = static_cast<float>(v);
    else reinterpret_cast<double*>(p)[i] = v;
  }
}

// Whether the executor's prepared plan for `source` on these arguments streams (RunPlan::streaming).
bool plan_streams(const std::string& source, const Signature& sig, const std::vector<Array>& args) {
  const vm::Executable ex(compile_source(source, sig));
  std::unique_ptr<std::byte, decltype(&std::free)> scratch(
      static_cast<std::byte*>(std::aligned_alloc(64, (vm::fast_scratch_bytes(ex) + 63) / 64 * 64 + 64)), &std::free);
  vm::FastFrame frame;
  OwnedArray result;
  REQUIRE(vm::prepare_fast(ex, args, nullptr, scratch.get(), frame, result));
  return frame.plan.streaming;
}

// One case: `source` over arrays of dtype t, n elements each, placed at byte `offsets` (one
// per signature name, in order) of their own storage; `streams`: what the plan must decide.
// Runs with the JIT always on (1 and 2 threads) and off must write the same bytes.
void check_case(const std::string& source, const std::vector<std::string>& names, DType t, std::int64_t n,
                const std::vector<std::size_t>& offsets, bool streams, std::uint64_t seed) {
  INFO(source << " " << dtype_name(t) << " n=" << n << " seed=" << seed);
  Signature sig;
  for (const std::string& name : names) sig.push_back({name, t});
  const Program program = compile(source, sig);
  const std::size_t bytes = static_cast<std::size_t>(n) * itemsize(t);
  std::vector<Storage> storage;
  std::vector<Array> args;
  std::mt19937_64 rng(seed);
  for (std::size_t i = 0; i < names.size(); ++i) {
    storage.emplace_back(bytes + offsets[i]);
    fill(storage.back().at(offsets[i]), t, n, rng);
    args.push_back(Array::from_raw(storage.back().at(offsets[i]), t, {n}));
  }
  CHECK(plan_streams(source, sig, args) == streams);
  const std::vector<std::vector<std::byte>> initial = [&] {
    std::vector<std::vector<std::byte>> copy;
    for (const Array& a : args) copy.push_back(element_bytes(a));
    return copy;
  }();
  auto run = [&](jit::Mode mode, int threads) {
    for (std::size_t i = 0; i < args.size(); ++i) std::memcpy(args[i].data, initial[i].data(), bytes);
    JitModeScope jit(mode);
    ThreadScope pool(threads);
    program.run(args);
    std::vector<std::vector<std::byte>> written;
    for (const Array& a : args) written.push_back(element_bytes(a));
    return written;
  };
  const auto interpreted = run(jit::Mode::Off, 1);
  for (int threads : {1, 2}) {
    INFO("threads " << threads);
    const auto compiled = run(jit::Mode::Always, threads);
    for (std::size_t i = 0; i < args.size(); ++i) REQUIRE(same_values(compiled[i], interpreted[i], t));
  }
}

}  // namespace

TEST_CASE("jit streaming: programs that store outputs get a variant; reductions, in-place updates, bool and narrow outputs do not", "[jit][streaming]") {
  if (!jit_runs_here()) return;
  const Signature f32 = {{"a", DType::Float32}, {"b", DType::Float32}, {"o", DType::Float32}};
  const Signature f64 = {{"a", DType::Float64}, {"b", DType::Float64}, {"o", DType::Float64}};
  CHECK(has_streaming_variant("2*a + 3*b", f32));
  CHECK(has_streaming_variant("o = a*b + 1; q = a - o", {{"a", DType::Float64}, {"b", DType::Float64},
                                                         {"o", DType::Float64}, {"q", DType::Float64}}));
  CHECK(has_streaming_variant("tanh(a) * 2", f64));  // (the store follows the kernel call)
  CHECK(has_streaming_variant("where(a > b, a, b)", {{"a", DType::Int32}, {"b", DType::Int32}}));
  CHECK_FALSE(has_streaming_variant("sum(a*b)", f32));
  CHECK_FALSE(has_streaming_variant("a = a - b", f32));  // (updates an input: never streams)
  CHECK_FALSE(has_streaming_variant("a > b", f32));
  CHECK_FALSE(has_streaming_variant("where(a > b, a, b)", {{"a", DType::Int8}, {"b", DType::Int8}}));
}

TEST_CASE("jit streaming: runs past the last-level cache stream, and every run gives the interpreter's bytes", "[jit][streaming]") {
  if (!jit_runs_here()) return;
  const double llc = vm::last_level_cache_bytes();
  if (llc <= 0 || llc > 512.0 * 1024 * 1024) {
    WARN("last-level cache " << llc << " bytes: not in (0, 512 MiB], streaming runs not tested");
    return;
  }
  const std::uint64_t seed = seed_base() + 50000;
  std::printf("jit streaming: EXPRVM_JIT_SEED=%llu, last-level cache %.0f bytes\n",
              static_cast<unsigned long long>(seed - 50000), llc);
  // Elements making three arrays of 4-byte (float32) or 8-byte elements 1.25x the cache, odd.
  const auto past = [&](DType t) { return static_cast<std::int64_t>(llc * 1.25 / (3.0 * itemsize(t))) | 1; };
  const std::int64_t n32 = past(DType::Float32), n64 = past(DType::Float64);
  const std::vector<std::string> abo = {"a", "b", "o"};
  const std::vector<std::string> aboq = {"a", "b", "o", "q"};
  // Streams: outputs aligned from the head on (at 0, or after a head of 15 float32 or 7
  // float64 elements) and apart from the inputs; two outputs, one read by the other's statement.
  check_case("o = 2*a + 3*b", abo, DType::Float32, n32, {0, 0, 0}, true, seed + 1);
  check_case("o = where(a > b, a, b*0.5)", abo, DType::Float64, n64, {8, 16, 24}, true, seed + 2);
  check_case("o = 2*a + 3*b", abo, DType::Float32, n32, {0, 0, 4}, true, seed + 3);
  check_case("o = a*b; q = o + a", aboq, DType::Float64, n64, {0, 0, 8, 8}, true, seed + 4);
  check_case("o = tanh(a) * b", abo, DType::Float32, n32, {0, 0, 0}, true, seed + 5);
  // Does not stream: in place, two outputs aligned differently, arrays within the cache.
  check_case("a = 2*a + 3*b", {"a", "b"}, DType::Float32, n32, {0, 0}, false, seed + 6);
  check_case("o = a + b; q = a*b + 1", aboq, DType::Float64, n64, {0, 0, 0, 16}, false, seed + 7);
  check_case("o = 2*a + 3*b", abo, DType::Float32, 100003, {0, 0, 0}, false, seed + 8);
}

}  // namespace exprvm::testing
