// The JIT's fused reductions (jit/emit_reduce.hpp) against the interpreter: the same bytecode
// run by two Executables, one interpreted and one compiled on its first run, must give the
// same result bytes for SUM/PROD/MIN/MAX/mean, whole-array and per axis, every tail length,
// chunk and block boundaries, with 1 and 2 threads (the partition does not depend on the
// thread count). Random seeds are printed; EXPRVM_JIT_SEED overrides them.
#include <catch2/catch.hpp>

#include <cstdio>
#include <optional>
#include <string>
#include <vector>

#include "compiler/lower.hpp"
#include "compiler/optimize.hpp"
#include "jit/jit.hpp"
#include "jit/plan.hpp"
#include "tests/test_helpers.hpp"
#include "vm/executor.hpp"
#include "vm/threads.hpp"

namespace exprvm::testing {
namespace {

struct JitModeScope {
  explicit JitModeScope(jit::Mode m) : saved(jit::mode()) { jit::set_mode(m); }
  ~JitModeScope() { jit::set_mode(saved); }
  jit::Mode saved;
};

struct ThreadScope {
  explicit ThreadScope(int n) : saved(vm::threads()) { vm::set_threads(n); }
  ~ThreadScope() { vm::set_threads(saved); }
  int saved;
};

bool jit_runs_here() {
  return vm::active_isa() != vm::Isa::Sse2 && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

Bytecode compile_source(const std::string& source, const Signature& sig) {
  CheckedProgram checked = check(parse(source), sig, {});
  optimize(checked);
  return lower(checked);
}

std::uint64_t seed_base() {
  const char* s = std::getenv("EXPRVM_JIT_SEED");
  return s ? std::stoull(s) : 1515;
}

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

// Whether two results are the same bytes (any NaN equal to any NaN: payloads are not a
// property of the program, see tests/test_jit.cpp).
bool same_values(const std::vector<std::byte>& x, const std::vector<std::byte>& y, DType t) {
  if (x.size() != y.size()) return false;
  const std::size_t size = itemsize(t);
  for (std::size_t i = 0; i < x.size(); i += size) {
    if (std::memcmp(&x[i], &y[i], size) == 0) continue;
    double p = 0, q = 0;
    if (t == DType::Float32) {
      float f, g;
      std::memcpy(&f, &x[i], 4), std::memcpy(&g, &y[i], 4);
      p = f, q = g;
    } else if (t == DType::Float64) {
      std::memcpy(&p, &x[i], 8), std::memcpy(&q, &y[i], 8);
    } else {
      return false;
    }
    if (!(std::isnan(p) && std::isnan(q))) return false;
  }
  return true;
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
                                             "sum(a*b - c*(a > 0))", "sum(tanh(a) * b)",
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

TEST_CASE("jit reductions: what stays folded by the executor", "[jit][jit_reduce]") {
  const Signature f32 = {{"a", DType::Float32}, {"b", DType::Float32}};
  REQUIRE(jit::make_plan(compile_source("sum(a*b)", f32), true).fused_reduction);
  REQUIRE(!jit::make_plan(compile_source("sum(a*b)", f32), false).fused_reduction);  // not AVX2's order
  // ANY/ALL and integer sums keep the executor's fold.
  REQUIRE(!jit::make_plan(compile_source("any(a > b)", f32), true).fused_reduction);
  check_reduction("sum(a > b)", DType::Float32, {1000}, 5, 0, false);
  check_reduction("sum(tanh(a))", DType::Float32, {1000}, 6, 0, false);
}

}  // namespace exprvm::testing

// ------------------------------------------------------------------ integers in the loop

namespace exprvm::testing {
namespace {

// `source` over i, j, k (integer dtype t; j_dtype for j when given), x (float32) and y (float64) of n elements, values
// mostly in [-1000, 1000] with an edge value (0, +-1, the extremes) at about one in three:
// interpreted and compiled must write the same result bytes. `fused`: the compiled code must
// exist (where the JIT runs).
void check_integers(const std::string& source, DType t, std::int64_t n, std::uint64_t seed, bool fused = true,
                    std::optional<DType> j_dtype = std::nullopt) {
  const Signature sig = {{"i", t}, {"j", j_dtype.value_or(t)}, {"k", t}, {"x", DType::Float32}, {"y", DType::Float64}};
  const Bytecode bc = compile_source(source, sig);
  std::mt19937_64 rng(seed);
  std::vector<TestArray> arrays;
  std::vector<Array> args;
  for (const Param& p : sig) {
    arrays.push_back(make_array(p.dtype, {n}));
    const std::vector<Value> edges = edge_values(p.dtype);
    for (std::int64_t e = 0; e < n; ++e)
      set_element(arrays.back().view, e, rng() % 3 == 0 ? edges[rng() % edges.size()] : random_value(p.dtype, rng, -1000, 1000));
    args.push_back(arrays.back().view);
  }
  std::vector<std::byte> results[2];
  DType result_dtype = t;
  for (int engine = 0; engine < 2; ++engine) {
    JitModeScope mode(engine ? jit::Mode::Always : jit::Mode::Off);
    const vm::Executable ex(bc);
    const OwnedArray result = vm::execute(ex, args, nullptr);
    results[engine] = element_bytes(result.array());
    result_dtype = result.array().dtype;
    if (engine == 1 && fused && jit_runs_here()) REQUIRE(ex.jit.code() != nullptr);
  }
  REQUIRE(same_values(results[0], results[1], result_dtype));
}

}  // namespace

TEST_CASE("jit integers: int32/int64 ops wrap around as the interpreter's, every tail", "[jit][jit_int]") {
  const std::uint64_t seed = seed_base() + 30000;
  std::printf("jit integers: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 30000));
  const std::vector<std::string> ops = {
      "i + j", "i - j", "i * j", "-i", "abs(i)", "i*i", "sign(i)", "maximum(i, j)", "minimum(i, j)",
      "clip(i, j, k)", "i & j", "i | j", "i ^ j", "~i", "i < j", "i <= j", "i == j", "i != j", "i >= j",
      "i > j", "where(i > j, i, k)", "where(i < 0, i, 0)", "where(i <= j, k, i)", "where(i >= 7, i, k)",
      "i * 3 + j * k - 7", "(i > j) & (k != 0)", "(i > j) + i", "i + x", "i * y", "where(i > 0, x, y)",
      "(i + j) * 0.5 > x", "i & (j > 0)"};
  std::uint64_t k = 0;
  for (const DType t : {DType::Int32, DType::Int64}) {
    for (const std::string& op : ops) {
      for (std::int64_t n : {1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 33, 70, 1023, 1025, 3000}) {
        INFO(op << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_integers(op, t, n, seed + k++);
      }
    }
  }
}

TEST_CASE("jit integers: uint32/uint64 wrap around and compare unsigned as the interpreter's", "[jit][jit_int]") {
  const std::uint64_t seed = seed_base() + 60000;
  std::printf("jit unsigned: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 60000));
  // (abs and sign of unsigned integers stay kernel calls)
  const std::vector<std::string> ops = {
      "i + j", "i - j", "i * j", "-i", "i*i", "maximum(i, j)", "minimum(i, j)", "clip(i, j, k)", "i & j", "i | j",
      "i ^ j", "~i", "i < j", "i <= j", "i == j", "i != j", "i >= j", "i > j", "where(i > j, i, k)",
      "where(i <= j, k, i)", "where(i >= 7, i, k)", "i * 3 + j * k - 7", "(i > j) & (k != 0)", "(i > j) + i",
      "i * y", "where(i < j, x, y)"};
  std::uint64_t k = 0;
  for (const DType t : {DType::UInt32, DType::UInt64}) {
    for (const std::string& op : ops) {
      for (std::int64_t n : {1, 3, 4, 5, 8, 9, 17, 70, 1025}) {
        INFO(op << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_integers(op, t, n, seed + k++);
      }
    }
  }
  // Casts between the signed and unsigned integers (same bits, low halves, sign or zero
  // extension) and uint32 -> float64.
  for (const char* op : {"i + j", "where(i > 0, j, i)", "i * 1.5 + j", "maximum(i, j)"}) {
    for (const DType t : {DType::UInt32, DType::Int32, DType::UInt64, DType::Int64}) {
      for (const DType u : {DType::UInt32, DType::Int32, DType::UInt64, DType::Int64}) {
        INFO(op << " i " << dtype_name(t) << " j " << dtype_name(u) << " seed=" << seed + k);
        check_integers(op, t, 77, seed + k++, false, u);
      }
    }
  }
}

TEST_CASE("jit integers: sum, prod, min, max and mean folded in the loop", "[jit][jit_int][jit_reduce]") {
  const std::uint64_t seed = seed_base() + 50000;
  std::printf("jit integer reductions: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 50000));
  std::uint64_t k = 0;
  for (const DType t : {DType::Int32, DType::Int64}) {
    for (const char* op : {"sum(i*j)", "sum(i)", "prod(i | 1)", "min(i - j)", "max(i * j)", "mean(i + j)",
                           "sum(where(i > j, i, k))"}) {
      const Signature sig = {{"i", t}, {"j", t}, {"k", t}, {"x", DType::Float32}, {"y", DType::Float64}};
      const bool has_code = std::string(op) != "sum(i)" || t == DType::Int32;  // (int32: a cast to int64)
      if (has_code) REQUIRE(jit::make_plan(compile_source(op, sig), true).fused_reduction);
      for (std::int64_t n : {1, 3, 4, 5, 8, 9, 31, 33, 70, 1023, 1024, 1025, 5000, 300007}) {
        INFO(op << " " << dtype_name(t) << " n=" << n << " seed=" << seed + k);
        check_integers(op, t, n, seed + k++, has_code);
      }
    }
  }
}

TEST_CASE("jit integers: casts between int32, int64, floats and bool", "[jit][jit_int]") {
  const std::uint64_t seed = seed_base() + 40000;
  std::printf("jit integer casts: EXPRVM_JIT_SEED=%llu\n", static_cast<unsigned long long>(seed - 40000));
  std::uint64_t k = 0;
  // int -> float32/float64 (int64's every value, extremes included), bool -> int, int -> bool,
  // and with j int64 beside int32 i and k: int32 -> int64.
  for (const char* op : {"i + j", "i + x", "j + y", "i + y", "j * 1.0", "(i > 0) + j", "where(j, i, k)",
                         "(i != 0) == (j != 0)", "j + (x > 0)", "where(i > k, j, i)", "maximum(i, j) * x"}) {
    for (std::int64_t n : {1, 3, 4, 5, 8, 9, 17, 70, 1025}) {
      INFO(op << " n=" << n << " seed=" << seed + k);
      check_integers(op, DType::Int64, n, seed + k++);
      check_integers(op, DType::Int32, n, seed + k++);
      check_integers(op, DType::Int32, n, seed + k++, true, DType::Int64);
    }
  }
}

}  // namespace exprvm::testing
