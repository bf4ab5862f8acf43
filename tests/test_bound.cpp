// BoundProgram and the small-run fast path (staged runs under 64 elements, stack-folded
// reductions): every path must give the bytes the general executor gives, which the tests
// force with strided copies of the same data.
#include <catch2/catch.hpp>

#include <random>
#include <string>
#include <vector>

#include "tests/test_helpers.hpp"
#include "vm/kernel.hpp"

namespace exprvm {
namespace {

using testing::Layout;
using testing::TestArray;

TestArray random_array(DType t, std::int64_t n, std::uint64_t seed, Layout layout = Layout::Contiguous) {
  std::mt19937_64 rng(seed);
  TestArray a = testing::make_array(t, {n}, layout);
  std::vector<Value> values;
  for (std::int64_t i = 0; i < n; ++i) values.push_back(testing::random_value(native_of(t), rng, -4, 4));
  if (n) testing::fill(a.view, values);
  return a;
}

// A strided array holding the same elements as `a` (so runs on it take the general path).
TestArray strided_copy(const Array& a) {
  TestArray s = testing::make_array(a.dtype, {a.size()}, Layout::Strided);
  for (std::int64_t i = 0; i < a.size(); ++i)
    std::memcpy(testing::element_pointer(s.view, i), testing::element_pointer(a, i), itemsize(a.dtype));
  return s;
}

const std::int64_t kSizes[] = {1, 2, 5, 15, 16, 17, 63, 64, 65, 1000, 1024, 1500, 5000};

}  // namespace

TEST_CASE("fast-path runs (staged, chunked, reductions) equal the general path bit for bit", "[vm][kernels]") {
  const std::vector<std::pair<std::string, DType>> programs = {
      {"a * b + a / (b - 7.5)", DType::Float64}, {"sqrt(abs(a)) - b * 3", DType::Float32},
      {"a * b - 4.1 * a > 2.5 * b", DType::Float32}, {"a // 3 + a % (b + 9)", DType::Int32},
      {"where(a > 0, a, expm1(a))", DType::Float32}, {"sum(a * b)", DType::Float64},
      {"sum(a * b)", DType::Float32}, {"prod(a / 4 + 1)", DType::Float64}, {"min(a - b)", DType::Float32},
      {"max(a)", DType::Int32}, {"mean(a + b)", DType::Float64}, {"any(a > b + 3)", DType::Float64},
      {"all(a > -3.9)", DType::Float32}, {"sum(a)", DType::Int32}};
  for (const auto& [source, t] : programs) {
    const Program p = compile(source, {{"a", t}, {"b", t}});
    for (std::int64_t n : kSizes) {
      INFO(source << " on " << dtype_name(t) << "[" << n << "]");
      TestArray a = random_array(t, n, 11 + n), b = random_array(t, n, 12 + n);
      TestArray as = strided_copy(a.view), bs = strided_copy(b.view);
      const OwnedArray fast = p.run(std::vector<Array>{a.view, b.view});
      const OwnedArray general = p.run(std::vector<Array>{as.view, bs.view});
      CHECK(testing::element_bytes(fast.array()) == testing::element_bytes(general.array()));
      BoundProgram bound = p.bind(std::vector<Array>{a.view, b.view});
      CHECK(testing::element_bytes(bound.run().array()) == testing::element_bytes(general.array()));
    }
  }
}

TEST_CASE("a bound program updates its buffers in place run after run", "[vm]") {
  const Program adam = compile("m = m + 0.1 * (g - m); v = v + 0.001 * (g * g - v); p = p - lr * m / (sqrt(v) + 1e-8)",
                               {{"p", DType::Float32}, {"g", DType::Float32}, {"m", DType::Float32},
                                {"v", DType::Float32}, {"lr", DType::Float32, true}});
  for (std::int64_t n : {std::int64_t{1}, std::int64_t{30}, std::int64_t{1728}, std::int64_t{1} << 16}) {
    INFO("n = " << n);
    std::vector<float> p(n, 1.0f), g(n), m(n, 0.0f), v(n, 0.0f);
    for (std::int64_t i = 0; i < n; ++i) g[i] = 0.01f * static_cast<float>(i % 7) - 0.03f;
    std::vector<float> p2 = p, m2 = m, v2 = v;
    float lr = 0.001f;
    const Array args[] = {Array::from(p), Array::from(g), Array::from(m), Array::from(v), Array::scalar(lr)};
    BoundProgram bound = adam.bind(args);
    for (int step = 0; step < 3; ++step) {
      lr = 0.001f * static_cast<float>(step + 1);  // scalars are read afresh on every run
      g[0] += 0.5f;                                // so are the contents of the buffers
      CHECK(bound.run().empty());
      const Array args2[] = {Array::from(p2), Array::from(g), Array::from(m2), Array::from(v2), Array::scalar(lr)};
      adam.run(args2);
    }
    CHECK(p == p2);
    CHECK(m == m2);
    CHECK(v == v2);
  }
}

TEST_CASE("a bound program's result array is allocated once, or is the bound out", "[vm]") {
  const Program p = compile("a * 2", {{"a", DType::Float64}});
  std::vector<double> a = {1, 2, 3};
  const Array args[] = {Array::from(a)};
  BoundProgram bound = p.bind(args);
  const void* first = bound.run().array().data;
  a[1] = 10;
  const OwnedArray& again = bound.run();
  CHECK(again.array().data == first);
  CHECK(again.at<double>(1) == 20.0);

  std::vector<double> out(3, 0.0);
  const Array out_view = Array::from(out);
  BoundProgram into = p.bind(args, &out_view);
  CHECK(into.run().array().data == out.data());
  CHECK(out == std::vector<double>{2, 20, 6});
}

TEST_CASE("a bound program that runs the general path also reuses one result array", "[vm]") {
  const Program p = compile("a * 2 + b", {{"a", DType::Float64}, {"b", DType::Float64}});
  for (std::int64_t n : {std::int64_t{8}, std::int64_t{40000}}) {
    INFO("n = " << n);
    std::vector<double> a(n, 1.0), b(n == 8 ? 1 : n, 0.5);  // n = 8: b broadcast
    const Array args[] = {Array::from(a), Array::from(b)};
    BoundProgram bound = p.bind(args);
    const void* first = bound.run().array().data;
    a.back() = 3.0;
    const OwnedArray& again = bound.run();
    CHECK(again.array().data == first);
    CHECK(again.at<double>(n - 1) == 6.5);
  }
}

TEST_CASE("a local keeps a parameter's old value after the parameter is assigned, on every path", "[vm]") {
  const Program p = compile("t = p; p = p + 1; t", {{"p", DType::Float64}});
  for (std::int64_t n : {std::int64_t{3}, std::int64_t{8}, std::int64_t{40000}}) {
    for (Layout layout : {Layout::Contiguous, Layout::Strided}) {
      INFO("n = " << n << (layout == Layout::Strided ? ", strided" : ""));
      TestArray x = testing::make_array(DType::Float64, {n}, layout);
      for (std::int64_t i = 0; i < n; ++i) testing::set_element(x.view, i, Value::of(double(i)));
      const OwnedArray r = p.run(std::vector<Array>{x.view});
      CHECK(r.at<double>(n - 1) == double(n - 1));
      CHECK(testing::get_element(x.view, n - 1).get<double>() == double(n));
      for (std::int64_t i = 0; i < n; ++i) testing::set_element(x.view, i, Value::of(double(i)));
      BoundProgram bound = p.bind(std::vector<Array>{x.view});
      CHECK(bound.run().at<double>(n - 1) == double(n - 1));
    }
  }
}

TEST_CASE("a reduction's out may not overlap an output parameter, on every path", "[vm]") {
  const Program p = compile("p = p * 2; sum(p)", {{"p", DType::Float64}});
  for (std::int64_t n : {std::int64_t{4}, std::int64_t{40000}}) {
    INFO("n = " << n);
    std::vector<double> x(n, 1.0);
    const Array args[] = {Array::from(x)};
    const Array out = Array::from_raw(x.data(), DType::Float64, {});
    CHECK_THROWS_AS(p.run(args, &out), Error);
    CHECK_THROWS_AS(p.bind(args, &out), Error);
    CHECK(x == std::vector<double>(n, 1.0));
  }
}

TEST_CASE("bind validates like run and writes nothing; broadcast and aliased binds run the general path", "[vm]") {
  const Program p = compile("a = a + b", {{"a", DType::Float32}, {"b", DType::Float32}});
  std::vector<float> a(8, 1.0f), b(8, 2.0f);
  std::vector<double> wrong(8, 2.0);
  Array bad[] = {Array::from(a), Array::from(wrong)};
  CHECK_THROWS_AS(p.bind(bad), Error);
  bad[1] = Array::from(b);
  bad[1].shape[0] = 5;
  CHECK_THROWS_AS(p.bind(bad), Error);
  CHECK(a == std::vector<float>(8, 1.0f));

  std::vector<float> row = {10.0f};
  const Array broadcast[] = {Array::from(a), Array::from(row)};
  BoundProgram bound = p.bind(broadcast);
  CHECK(a == std::vector<float>(8, 1.0f));
  bound.run();
  bound.run();
  CHECK(a == std::vector<float>(8, 21.0f));

  // b is a shifted by one element: the general path copies b before a is written.
  std::vector<float> buffer = {0, 1, 2, 3, 4, 5, 6, 7, 8};
  Array shifted[] = {Array::from_raw(buffer.data(), DType::Float32, {8}),
                     Array::from_raw(buffer.data() + 1, DType::Float32, {8})};
  BoundProgram overlapping = p.bind(shifted);
  overlapping.run();
  CHECK(buffer == std::vector<float>{1, 3, 5, 7, 9, 11, 13, 15, 8});
}

// From its second run a bound program takes run_plan's kept decision, and a float SUM or
// PROD with at most one kernel vector of chunk partials folds them inline
// (vm::run_few_partials): the general path's bits at every run, across that limit (8 and 4
// chunks of float32 and float64 on AVX2, 16 and 8 on AVX-512).
TEST_CASE("a bound reduction run again and again gives the general path's bits", "[vm]") {
  const std::vector<std::string> sources = {"sum(a * b)", "prod(a / 4 + 1)", "mean(a + b)", "sum(a)", "max(a - b)"};
  for (const DType t : {DType::Float32, DType::Float64})
    for (const std::string& source : sources) {
      const Program p = compile(source, {{"a", t}, {"b", t}});
      for (std::int64_t n : {1, 7, 1000, 1024, 1025, 4096, 4097, 8192, 8193, 16384, 16385, 20000}) {
        TestArray a = random_array(t, n, 31 + n), b = random_array(t, n, 32 + n);
        TestArray as = strided_copy(a.view), bs = strided_copy(b.view);
        const std::vector<std::byte> general = testing::element_bytes(p.run(std::vector<Array>{as.view, bs.view}).array());
        BoundProgram bound = p.bind(std::vector<Array>{a.view, b.view});
        for (int run = 0; run < 20; ++run) {  // past the JIT's tiering (16 runs)
          INFO(source << " on " << dtype_name(t) << "[" << n << "], run " << run);
          CHECK(testing::element_bytes(bound.run().array()) == general);
        }
      }
    }
}

// A bound run keeps run_plan's decision (the JIT code, the ISA, serial) for its next runs
// only while no setting changed (vm::settings_epoch): after set_isa it must run on the new
// ISA, whose reduction partition gives other bits for float32 data like this.
TEST_CASE("a bound program follows set_isa between its runs", "[vm]") {
  const std::vector<std::string> isas = available_isas();
  if (isas.size() < 2) return;  // (every x86-64 CPU has SSE2 and more: AVX2 at least here)
  const std::string saved = active_isa();
  const std::int64_t n = 5000;
  TestArray a = random_array(DType::Float32, n, 21), b = random_array(DType::Float32, n, 22);
  const std::vector<Array> args = {a.view, b.view};
  const Signature sig = {{"a", DType::Float32}, {"b", DType::Float32}};
  std::vector<std::vector<std::byte>> per_isa;
  for (const std::string& isa : isas) {  // each ISA's bits, from a fresh program
    set_isa(isa);
    per_isa.push_back(testing::element_bytes(compile("sum(a * b)", sig).run(args).array()));
  }
  REQUIRE(per_isa.front() != per_isa.back());  // the data tells the ISAs apart
  const Program p = compile("sum(a * b)", sig);
  BoundProgram bound = p.bind(args);
  for (int round = 0; round < 2; ++round)
    for (std::size_t k = 0; k < isas.size(); ++k) {
      set_isa(isas[k]);
      for (int run = 0; run < 20; ++run) {  // past the JIT's tiering, then from the kept decision
        INFO(isas[k] << ", round " << round << ", run " << run);
        CHECK(testing::element_bytes(bound.run().array()) == per_isa[k]);
      }
    }
  set_isa(saved);
}

// set_jit (the public form of jit::set_mode): returns the previous mode, rejects a value that is
// not a JitMode, and bumps vm::settings_epoch only when the mode changes, so that a bound run
// drops its kept decision (the JIT code) exactly then; the bound program gives the general
// path's bytes in every mode, switched between its runs.
TEST_CASE("set_jit switches the JIT mode; a bound program follows it between its runs", "[vm][jit]") {
  const JitMode saved = jit_mode();
  CHECK(set_jit(JitMode::Off) == saved);
  CHECK(jit_mode() == JitMode::Off);
  const std::uint64_t epoch = vm::settings_epoch.load();
  CHECK(set_jit(JitMode::Off) == JitMode::Off);
  CHECK(vm::settings_epoch.load() == epoch);  // unchanged: bound runs keep their decision
  CHECK(set_jit(JitMode::Always) == JitMode::Off);
  CHECK(vm::settings_epoch.load() != epoch);  // changed: they re-decide
  CHECK_THROWS_AS(set_jit(static_cast<JitMode>(3)), Error);
  CHECK(jit_mode() == JitMode::Always);

  const std::int64_t n = 5000;
  TestArray a = random_array(DType::Float32, n, 31), b = random_array(DType::Float32, n, 32);
  TestArray as = strided_copy(a.view), bs = strided_copy(b.view);
  for (const char* source : {"sum(a * b)", "a * b - 1.5"}) {
    const Program p = compile(source, {{"a", DType::Float32}, {"b", DType::Float32}});
    const std::vector<std::byte> general = testing::element_bytes(p.run(std::vector<Array>{as.view, bs.view}).array());
    BoundProgram bound = p.bind(std::vector<Array>{a.view, b.view});
    for (JitMode mode : {JitMode::Tiered, JitMode::Off, JitMode::Always, JitMode::Off, JitMode::Tiered}) {
      set_jit(mode);
      for (int run = 0; run < 20; ++run) {  // past the JIT's tiering, then from the kept decision
        INFO(source << ", mode " << static_cast<int>(mode) << ", run " << run);
        CHECK(testing::element_bytes(bound.run().array()) == general);
      }
    }
  }
  set_jit(saved);
}

}  // namespace exprvm
