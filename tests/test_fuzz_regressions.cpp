// Inputs the libFuzzer harnesses of fuzz/ found (README, "Fuzzing"), each run by the engine
// against the oracle. Under the ASan+UBSan build of .ci/run they also check what the
// sanitizers reported.
#include <catch2/catch.hpp>

#include "tests/test_helpers.hpp"

namespace exprvm {
namespace {

using testing::Layout;

// Engine against oracle, exact (the sign of a zero aside).
void check_exact(const std::string& source, const Signature& signature, const std::vector<testing::TestArray>& arrays) {
  std::vector<Array> args;
  for (const auto& a : arrays) args.push_back(a.view);
  testing::Tolerance exact;
  exact.ignore_zero_sign = true;
  const auto diff = testing::engine_vs_reference(source, signature, args, nullptr, exact);
  INFO(source);
  CHECK(!diff);
}

TEST_CASE("fuzz_differential: a dead temporary's register (index -1) is not laid out", "[fuzz]") {
  // fast_path.cpp computed scratch + (-1) * kRegisterBytes for the unused `t` (UBSan: pointer
  // overflow); the general path's register files did the same.
  for (const std::vector<std::int64_t>& shape : {std::vector<std::int64_t>{}, std::vector<std::int64_t>{70000}}) {
    testing::TestArray a = testing::make_array(DType::Bool, shape, Layout::Contiguous);
    testing::fill(a.view, {Value::of(true), Value::of(false)});
    check_exact("t = where(((a & a) <= (a & a)), ((a + a) ** a), a); a", {{"a", DType::Bool}}, {a});
    check_exact("t = a + 1; u = t * 2; a", {{"a", DType::Bool}}, {a});
  }
}

TEST_CASE("fuzz_differential: float64 rounding beyond int64's range on every ISA", "[fuzz]") {
  // xsimd 8.1's SSE2 floor/ceil/trunc/nearbyint of doubles converted lanes to int64 in C++
  // (UBSan: 3e+38 is outside the range of 'long'); the kernels now round without it.
  const std::string saved = active_isa();
  testing::TestArray a = testing::make_array(DType::Float64, {12});
  testing::TestArray b = testing::make_array(DType::Float64, {12});
  const double values[] = {3e38, -3e38, 1e300, -9.3e18, 9.3e18, 4503599627370495.5, -4503599627370495.5,
                           -0.5, 0.5, 2.5, -2.5, -0.0};
  std::vector<Value> av, bv;
  for (double v : values) av.push_back(Value::of(v)), bv.push_back(Value::of(v == 0 ? 1.0 : 1e-300 * v));
  testing::fill(a.view, av);
  testing::fill(b.view, bv);
  for (const std::string& isa : available_isas()) {
    set_isa(isa);
    INFO(isa);
    for (const char* source : {"floor(a)", "ceil(a)", "trunc(a)", "round(a)", "a // b", "a % b", "b // 3e-310"})
      check_exact(source, {{"a", DType::Float64}, {"b", DType::Float64}}, {a, b});
  }
  set_isa(saved);
}

TEST_CASE("fuzz_differential: float64 sinh and cosh of NaN, infinities and huge values on every ISA", "[fuzz]") {
  // xsimd 8.1's float64 sinh/cosh (its exp) converted NaN or 7e307 to int64 in C++ on SSE2 and
  // AVX2 (UBSan: nan is outside the range of 'long'); such lanes now bypass xsimd.
  const std::string saved = active_isa();
  testing::TestArray a = testing::make_array(DType::Float64, {10});
  std::vector<Value> values;
  for (double v : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(), 7.2e307, -1e308, 710.0, -709.5, 700.5, 1.5, -0.0})
    values.push_back(Value::of(v));
  testing::fill(a.view, values);
  testing::Tolerance close;  // approximate functions: within the ULP bound, NaN and inf exactly
  close.ulps = 2;
  for (const std::string& isa : available_isas()) {
    set_isa(isa);
    INFO(isa);
    for (const char* source : {"sinh(a)", "cosh(a)"}) {
      std::vector<Array> args{a.view};
      const auto diff = testing::engine_vs_reference(source, {{"a", DType::Float64}}, args, nullptr, close);
      INFO(source);
      CHECK(!diff);
    }
  }
  set_isa(saved);
}

}  // namespace
}  // namespace exprvm
