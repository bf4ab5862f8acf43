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
    check_exact("t = where(((a & a) <= (a & a)), ((a ** -1) ** a), a); a", {{"a", DType::Bool}}, {a});
    check_exact("t = a + 1; u = t * 2; a", {{"a", DType::Bool}}, {a});
  }
}

}  // namespace
}  // namespace exprvm
