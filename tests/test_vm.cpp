// The VM as a whole, through the public API: chunk boundaries, every ISA, thread counts,
// aliasing between inputs and `out`, fused multi-statement programs, the program cache and
// error atomicity. Expected values come from the oracle (tests/reference_eval.hpp).
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "tests/test_helpers.hpp"

namespace exprvm {
namespace {

using testing::TestArray;
using testing::Tolerance;

TestArray random_array(DType t, std::vector<std::int64_t> shape, std::uint64_t seed, double lo = -4, double hi = 4,
                       testing::Layout layout = testing::Layout::Contiguous) {
  std::mt19937_64 rng(seed);
  TestArray a = testing::make_array(t, shape, layout);
  std::vector<Value> values;
  for (std::int64_t i = 0; i < a.view.size(); ++i) values.push_back(testing::random_value(native_of(t), rng, lo, hi));
  if (!values.empty()) testing::fill(a.view, values);
  return a;
}

Tolerance exact() {
  Tolerance t;
  t.ignore_zero_sign = true;
  return t;
}

// Programs over float64 a, b (arrays) with their tolerance: exact ops, a transcendental, a reduction.
struct VmCase {
  std::string source;
  DType dtype;
  Tolerance tol;
};
std::vector<VmCase> vm_cases(std::int64_t n) {
  Tolerance approx;
  approx.ulps = 4;
  approx.magnitude = 1;
  Tolerance sum;
  sum.ulps = static_cast<double>(std::max<std::int64_t>(n, 1));
  sum.magnitude = 4.0 * static_cast<double>(std::max<std::int64_t>(n, 1));
  return {{"a * b + a / (b - 7.5)", DType::Float64, exact()},
          {"where(a > b, a - b, sqrt(abs(b)))", DType::Float32, exact()},
          {"a // 3 + a % b + (a << 2)", DType::Int32, exact()},
          {"sin(a) * exp(b / 4)", DType::Float32, approx},
          {"sum(a * b)", DType::Float64, sum},
          {"max(a - b)", DType::Float32, exact()},
          {"any(a > b + 3)", DType::Float64, exact()}};
}

void check_cases_at(std::int64_t n, std::uint64_t seed) {
  for (const auto& c : vm_cases(n)) {
    TestArray a = random_array(c.dtype, {n}, seed), b = random_array(c.dtype, {n}, seed + 1);
    if (c.dtype == DType::Int32) b = random_array(c.dtype, {n}, seed + 1, -9, 9);
    INFO(c.source << " on " << dtype_name(c.dtype) << "[" << n << "], isa " << active_isa());
    const auto diff = testing::engine_vs_reference(c.source, {{"a", c.dtype}, {"b", c.dtype}}, {a.view, b.view}, nullptr, c.tol);
    if (diff) FAIL_CHECK(*diff);
  }
}

TEST_CASE("chunk boundaries", "[vm][kernels]") {
  const auto b = static_cast<std::int64_t>(chunk_size());
  REQUIRE(b > 0);
  for (std::int64_t n : {std::int64_t{0}, std::int64_t{1}, b - 1, b, b + 1, 7 * b + 3}) check_cases_at(n, 100 + static_cast<std::uint64_t>(n));
}

// Restores the ISA and thread count a test changes.
struct EngineSettings {
  std::string isa = active_isa();
  int threads = get_num_threads();
  ~EngineSettings() {
    set_isa(isa);
    set_num_threads(threads);
  }
};

TEST_CASE("every available ISA matches the reference; exact ops agree bit for bit across ISAs", "[vm][kernels]") {
  EngineSettings restore;
  const auto isas = available_isas();
  REQUIRE_FALSE(isas.empty());
  const auto b = static_cast<std::int64_t>(chunk_size());
  TestArray x = random_array(DType::Float64, {3 * b + 7}, 5), y = random_array(DType::Float64, {3 * b + 7}, 6);
  std::vector<std::vector<std::byte>> results;
  for (const auto& isa : isas) {
    set_isa(isa);
    CHECK(active_isa() == isa);
    check_cases_at(2 * b + 1, 7);
    const OwnedArray r = compile("(a * b - 3) / (a + 10) + floor(a) % 2", {{"a", DType::Float64}, {"b", DType::Float64}})
                             .run(std::vector<Array>{x.view, y.view});
    results.push_back(testing::element_bytes(r.array()));
  }
  for (std::size_t i = 1; i < results.size(); ++i) {
    INFO("isa " << isas[i] << " vs " << isas[0]);
    CHECK(results[i] == results[0]);
  }
  CHECK_THROWS_AS(set_isa("no-such-isa"), Error);
}

TEST_CASE("one thread and many threads give bit-identical results", "[vm][kernels]") {
  EngineSettings restore;
  // (arrays of several MB, past any L2: parallel runs take the balanced partition, see
  // vm::parallel_ranges, whose ranges differ from run to run; the bits must not)
  const std::int64_t n = (1 << 20) + 17;
  const int many = std::max(2, detect_number_of_cores());
  for (DType t : {DType::Float32, DType::Float64}) {
    TestArray a = random_array(t, {n}, 11), b = random_array(t, {n}, 12);
    for (const std::string source : {"sin(a) * b + 1", "sum(a * b)", "mean(a)", "max(a - b)", "prod(a / a + b * 1e-4)"}) {
      const Program p = compile(source, {{"a", t}, {"b", t}});
      const std::vector<Array> args = {a.view, b.view};
      set_num_threads(1);
      const auto single = testing::element_bytes(p.run(args).array());
      set_num_threads(many);
      const auto multi = testing::element_bytes(p.run(args).array());
      INFO(source << " on " << dtype_name(t) << "[" << n << "], 1 vs " << many << " threads");
      CHECK(single == multi);
    }
  }
}

// Runs `source` with `out` aliasing the inputs, and checks out against the oracle run on
// copies of the inputs taken before (NumPy's answer).
void check_aliased_out(const std::string& source, const Signature& sig, const std::vector<Array>& args, const Array& out) {
  std::vector<TestArray> copies;
  std::vector<Array> copy_views;
  for (const auto& a : args) {
    copies.push_back(testing::copy_of(a));
    copy_views.push_back(copies.back().view);
  }
  TestArray expected_out = testing::copy_of(out);
  testing::reference_run(check(parse(source), sig, {}), copy_views, &expected_out.view);
  compile(source, sig).run(args, &out);
  const auto diff = testing::compare_arrays(expected_out.view, out, exact());
  INFO(source);
  if (diff) FAIL_CHECK(*diff);
}

TEST_CASE("out may be an input, or overlap an input shifted by one element", "[vm][kernels]") {
  const auto b = static_cast<std::int64_t>(chunk_size());
  for (std::int64_t n : {std::int64_t{5}, b + 3, 3 * b + 1}) {
    INFO("n = " << n);
    const Signature sig = {{"a", DType::Float64}, {"b", DType::Float64}};
    {  // out is a
      TestArray a = random_array(DType::Float64, {n}, 21), c = random_array(DType::Float64, {n}, 22);
      check_aliased_out("a * 2 + b - a * b", sig, {a.view, c.view}, a.view);
    }
    // out and a share one buffer of n + 1 elements, shifted by one in either direction
    for (int shift : {1, -1}) {
      TestArray buffer = random_array(DType::Float64, {n + 1}, 23), c = random_array(DType::Float64, {n}, 24);
      auto* base = static_cast<double*>(buffer.view.data);
      const Array a = Array::from_raw(shift > 0 ? base : base + 1, DType::Float64, {n});
      const Array out = Array::from_raw(shift > 0 ? base + 1 : base, DType::Float64, {n});
      INFO("out shifted by " << shift);
      check_aliased_out("a + b * a", sig, {a, c.view}, out);
    }
  }
}

TEST_CASE("the fused Adam update equals its three statements run one by one", "[vm][kernels]") {
  const auto b = static_cast<std::int64_t>(chunk_size());
  const std::int64_t n = 5 * b + 11;
  const Signature sig = {{"p", DType::Float32}, {"m", DType::Float32}, {"v", DType::Float32}, {"g", DType::Float32}};
  const std::string statements[] = {"m = m + (1 - 0.9)*(g - m)", "v = v + (1 - 0.999)*(g*g - v)",
                                    "p = p - 0.001*m/(sqrt(v) + 1e-8)"};
  std::vector<TestArray> fused, separate;
  for (std::uint64_t k = 0; k < 4; ++k) {
    fused.push_back(random_array(DType::Float32, {n}, 30 + k, k == 2 ? 0 : -1, 1));
    separate.push_back(testing::copy_of(fused.back().view));
  }
  const std::vector<Array> fused_args = {fused[0].view, fused[1].view, fused[2].view, fused[3].view};
  const std::vector<Array> separate_args = {separate[0].view, separate[1].view, separate[2].view, separate[3].view};
  const std::string program = statements[0] + "; " + statements[1] + "; " + statements[2];
  std::vector<TestArray> before;
  for (const auto& a : fused_args) before.push_back(testing::copy_of(a));
  const std::vector<Array> before_args = {before[0].view, before[1].view, before[2].view, before[3].view};
  compile(program, sig).run(fused_args);
  for (const auto& s : statements) compile(s, sig).run(separate_args);
  for (std::size_t k = 0; k < 4; ++k) {
    INFO("parameter " << sig[k].name);
    CHECK(testing::element_bytes(fused_args[k]) == testing::element_bytes(separate_args[k]));
  }
  // and both agree with the oracle (every op of the update is exact per element)
  const auto diff = testing::engine_vs_reference(program, sig, before_args, nullptr, exact());
  if (diff) FAIL_CHECK(*diff);
}

TEST_CASE("evaluate compiles once through the global cache", "[vm]") {
  TestArray a = random_array(DType::Float64, {100}, 41), b = random_array(DType::Float64, {100}, 42);
  const std::string source = "a * b + 1.25 - a";  // unique to this test
  const std::size_t misses = global_cache().misses(), hits = global_cache().hits();
  const OwnedArray first = evaluate(source, {{"a", a.view}, {"b", b.view}});
  const OwnedArray second = evaluate(source, {{"a", a.view}, {"b", b.view}});
  CHECK(global_cache().misses() == misses + 1);
  CHECK(global_cache().hits() == hits + 1);
  CHECK(testing::element_bytes(first.array()) == testing::element_bytes(second.array()));
  const auto diff = testing::engine_vs_reference(source, {{"a", DType::Float64}, {"b", DType::Float64}},
                                                 {a.view, b.view}, nullptr, exact());
  if (diff) FAIL_CHECK(*diff);
  const OwnedArray expected = compile(source, {{"a", DType::Float64}, {"b", DType::Float64}}).run(std::vector<Array>{a.view, b.view});
  CHECK(testing::element_bytes(first.array()) == testing::element_bytes(expected.array()));

  ProgramCache cache(2);
  const Signature sig = {{"a", DType::Float64}};
  cache.get("a + 1", sig);
  cache.get("a + 1", sig);
  cache.get("a + 2", sig);
  cache.get("a + 3", sig);  // evicts "a + 1"
  CHECK(cache.size() == 2);
  CHECK(cache.hits() == 1);
  cache.get("a + 1", sig);
  CHECK(cache.misses() == 4);
}

TEST_CASE("errors never touch caller buffers", "[vm]") {
  TestArray p = random_array(DType::Float32, {64}, 51), g = random_array(DType::Float32, {64}, 52);
  TestArray wrong_out = random_array(DType::Float32, {63}, 53);
  TestArray wrong_dtype = random_array(DType::Float64, {64}, 54);
  TestArray wrong_shape = random_array(DType::Float32, {65}, 55);
  const auto snapshot = [&] {
    return std::vector<std::vector<std::byte>>{testing::element_bytes(p.view), testing::element_bytes(g.view),
                                               testing::element_bytes(wrong_out.view)};
  };
  const auto before = snapshot();
  const Program program = compile("p = p - 0.5 * g; p * 2", {{"p", DType::Float32}, {"g", DType::Float32}});
  const auto expect_error = [&](ErrorKind kind, const std::vector<Array>& args, const Array* out) {
    try {
      program.run(args, out);
      FAIL_CHECK("no error");
    } catch (const Error& e) {
      CHECK(e.kind() == kind);
    }
    CHECK(snapshot() == before);
  };
  expect_error(ErrorKind::Shape, {p.view, g.view}, &wrong_out.view);
  expect_error(ErrorKind::Argument, {p.view, wrong_dtype.view}, nullptr);
  expect_error(ErrorKind::Shape, {p.view, wrong_shape.view}, nullptr);
  expect_error(ErrorKind::Argument, {p.view}, nullptr);
}

}  // namespace
}  // namespace exprvm
