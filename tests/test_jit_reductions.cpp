// The JIT's fused reductions (jit/emit_reduce.hpp) against the interpreter: the same bytecode
// run by two Executables, one interpreted and one compiled on its first run, must give the
// same result bytes for SUM/PROD/MIN/MAX/mean, whole-array and per axis, every tail length,
// chunk and block boundaries, with 1 and 2 threads (the partition does not depend on the
// thread count). Random seeds are printed; EXPRVM_JIT_SEED overrides them.
#include <catch2/catch.hpp>

#include <cstdio>
#include <string>
#include <vector>

#include "jit/plan.hpp"
#include "tests/jit_test_support.hpp"

namespace exprvm::testing {
namespace {

// Random values in [-3, 3] with an edge value (NaN, infinities, signed zeros, extremes) at
// about one element in `edge_every` (0: none), so that most sums stay finite.
void fill_values(const Array& a, std::mt19937_64& rng, int edge_every) {
  const std::vector<Value> edges = edge_values(a.dtype);
  for (std::int64_t i = 0; i < a.size(); ++i)
    set_element(a, i, edge_every && rng() % edge_every == 0 ? edges[rng() % edges.size()]
                                                            : random_value(a.dtype, rng, -3, 3));
}

struct Outcome {
  std::vector<std::byte> result;  // the result's bytes
  bool jit = false;               // the run used compiled code
  bool reduces = false;           // ... which folded the reduction itself
};

// One run of `bc` over `args` with the JIT mode m and `threads` threads.
Outcome run_once(const Bytecode& bc, const std::vector<Array>& args, jit::Mode m, int threads) {
  JitModeScope mode(m);
  ThreadScope pool(threads);
  const vm::Executable ex(bc);
  const OwnedArray result = vm::execute(ex, args, nullptr);
  Outcome o;
  o.result = element_bytes(result.array());
  o.jit = ex.jit.code() != nullptr;
  o.reduces = o.jit && ex.jit.code()->reduces();
  return o;
}

// `source` over operands named a, b, c of dtype t and `shape`, interpreted and compiled,
// each with every thread count of `threads`: all results must be the same bytes. `fused`:
// the compiled code must fold the reduction itself (where the JIT runs).
void check_reduction(const std::string& source, DType t, const std::vector<std::int64_t>& shape,
                     std::uint64_t seed, int edge_every, bool fused, std::initializer_list<int> threads = {1}) {
  const Signature sig = {{"a", t}, {"b", t}, {"c", t}};
  const Bytecode bc = compile_source(source, sig);
  std::mt19937_64 rng(seed);
  std::vector<TestArray> arrays;
  std::vector<Array> args;
  for (int i = 0; i < 3; ++i) {
    arrays.push_back(make_array(t, shape));
    fill_values(arrays.back().view, rng, edge_every);
    args.push_back(arrays.back().view);
  }
  const DType result_dtype = bc.reduction ? bc.reduction->dtype : t;
  const Outcome reference = run_once(bc, args, jit::Mode::Off, 1);
  for (int n : threads) {
    INFO("threads " << n);
    const Outcome interpreted = run_once(bc, args, jit::Mode::Off, n);
    REQUIRE(same_values(reference.result, interpreted.result, result_dtype));
    const Outcome compiled = run_once(bc, args, jit::Mode::Always, n);
    if (fused && jit_runs_here() && vm::active_isa() == vm::Isa::Avx2) REQUIRE(compiled.reduces);
    REQUIRE(same_values(reference.result, compiled.result, result_dtype));
  }
}

}  // namespace

TEST_CASE("jit reductions: every op and float dtype, every tail length, bit-identical", "[jit][jit_reduce]") {
  const std::uint64_t seed = seed_base();
  std::printf("jit reductions: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed));
  const std::vector<std::string> programs = {"sum(a*b)", "prod(a/b + 1)", "min(a - b)", "max(a*b)",
                                             "mean(a*b + c)", "sum(where(a > b, a, c))", "max(minimum(a, b))",
                                             "sum(a*b - c*(a > 0))", "sum(tanh(a) * b)", "max(exp(a) + sin(b))",  // vector calls in the loop
                                             // register pressure: 4 uniforms hoisted, 3-operand ops
                                             "sum(clip(a*1.5 + 2.5, b - 3.5, c*4.5) + where(a > 5.5, b, 6.5) * 7.5)"};
  std::uint64_t k = 0;
  for (const DType t : {DType::Float32, DType::Float64}) {
    for (const std::string& p : programs) {
      for (std::int64_t n = 1; n <= 70; ++n) {
        INFO(p << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_reduction(p, t, {n}, seed + k++, n % 3 == 0 ? 8 : 0, true);
      }
    }
  }
}

TEST_CASE("jit reductions: chunk and block boundaries, axes, 1 and 2 threads", "[jit][jit_reduce]") {
  const std::uint64_t seed = seed_base() + 10000;
  std::printf("jit reduction partitions: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 10000));
  std::uint64_t k = 0;
  for (const DType t : {DType::Float32, DType::Float64}) {
    for (const char* p : {"sum(a*b)", "min(a*b)", "max(a - b)", "prod(a*0.001 + 1)", "mean(a*b)"}) {
      for (std::int64_t n : {1023, 1024, 1025, 4095, 4096 + 31, 64 * 1024 + 5, 65 * 1024 + 3}) {
        INFO(p << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_reduction(p, t, {n}, seed + k++, n % 2 ? 2000 : 0, true, {1, 2});
      }
    }
    // Past the parallel threshold: several blocks of whole chunks on two threads.
    for (const char* p : {"sum(a*b)", "max(a*b + c)"}) {
      INFO(p << " " << dtype_name(t) << " n=300007 seed=" << seed + k);
      check_reduction(p, t, {300007}, seed + k++, 0, true, {1, 2});
    }
    for (const char* p : {"sum(a*b, axis=0)", "sum(a*b, axis=1)", "max(a - b, axis=1)", "mean(a*c, axis=0)"}) {
      INFO(p << " " << dtype_name(t) << " seed=" << seed + k);
      check_reduction(p, t, {37, 1100}, seed + k++, 0, true, {1, 2});
    }
  }
}

TEST_CASE("jit reductions: NaN, infinities and signed zeros fold as the interpreter's", "[jit][jit_reduce]") {
  const std::uint64_t seed = seed_base() + 20000;
  std::printf("jit reduction edges: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 20000));
  std::uint64_t k = 0;
  for (const DType t : {DType::Float32, DType::Float64}) {
    for (const char* p : {"sum(a*b)", "min(a + b)", "max(a + b)", "prod(a)", "min(-a)", "max(a*0)"}) {
      for (std::int64_t n : {1, 5, 9, 33, 100, 1500}) {
        INFO(p << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_reduction(p, t, {n}, seed + k++, 3, std::string(p) != "prod(a)");
      }
    }
  }
}

TEST_CASE("jit reductions: any and all folded in the loop, every tail, chunk and axis", "[jit][jit_reduce]") {
  const std::uint64_t seed = seed_base() + 25000;
  std::printf("jit any/all: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 25000));
  std::uint64_t k = 0;
  // Mostly-true and mostly-false sources (and NaN compared), masks of 32-bit lanes (float32)
  // and 64-bit lanes (float64); 32-bit lanes in xmm are tests/test_jit_integers.cpp's.
  const std::vector<std::string> programs = {"any(a > 2.9)", "all(a > -2.9)", "any(a > b)", "all(a != b)",
                                             "all(a == a)", "any(a != a)", "any((a > 2.5) & (b < -2.5))",
                                             "all((a > -2.9) | (c > 2.9))", "any(sin(a) > 0.999)"};
  for (const DType t : {DType::Float32, DType::Float64}) {
    for (const std::string& p : programs) {
      for (std::int64_t n : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 70, 1023, 1024, 1025, 4096 + 31, 300007}) {
        INFO(p << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_reduction(p, t, {n}, seed + k++, n % 3 == 0 ? 8 : 0, true, {1, 2});
      }
    }
    for (const char* p : {"any(a > 2.99, axis=0)", "all(a > -2.99, axis=1)", "any(a > b, axis=1)"}) {
      INFO(p << " " << dtype_name(t) << " seed=" << seed + k);
      check_reduction(p, t, {37, 1100}, seed + k++, 0, true, {1, 2});
    }
  }
  // int32/int64 comparisons and shifts feeding the fold.
  for (const DType t : {DType::Int32, DType::Int64}) {
    for (const char* p : {"any(a > b)", "all(a >= -3)", "any((a << 2) > 11)", "all((a >> 1) <= 1)"}) {
      for (std::int64_t n : {1, 5, 9, 70, 1025}) {
        INFO(p << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_reduction(p, t, {n}, seed + k++, 0, true);
      }
    }
  }
}

TEST_CASE("jit reductions: what stays folded by the executor", "[jit][jit_reduce]") {
  const Signature f32 = {{"a", DType::Float32}, {"b", DType::Float32}};
  REQUIRE(jit::make_plan(compile_source("sum(a*b)", f32), {}, true).fused_reduction);
  REQUIRE(!jit::make_plan(compile_source("sum(a*b)", f32), {}, false).fused_reduction);  // not AVX2's order
  // Sums of bools (an integer sum of a cast) and of vector calls keep the executor's fold.
  check_reduction("sum(a > b)", DType::Float32, {1000}, 5, 0, false);
  check_reduction("sum(tanh(a))", DType::Float32, {1000}, 6, 0, false);
}

}  // namespace exprvm::testing
