// The optimizer's compare-and-select fusion: where(x CMP y, x, z) compiles to one
// select_CMP instruction when the where's true branch is structurally the compare's left
// operand, and never changes a value: every result is checked bit for bit against the
// unoptimized program on edge values (NaN, +-0, +-Inf, subnormals, integer limits, ties).
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <vector>

#include "tests/test_helpers.hpp"

namespace exprvm {
namespace {

using testing::TestArray;

Signature xyz(DType t) { return {{"x", t}, {"y", t}, {"z", t}}; }

std::string disassembly(const std::string& source, const Signature& sig) {
  return compile(source, sig).disassemble();
}

bool has_fused_select(const std::string& disasm) { return disasm.find("select_") != std::string::npos; }
bool has_where(const std::string& disasm) { return disasm.find("where") != std::string::npos; }

// x, y over every pair of edge values of t (ties on the diagonal), z over the edge values in
// another order.
std::vector<TestArray> edge_pair_operands(DType t) {
  const std::vector<Value> edges = testing::edge_values(t);
  const auto n = static_cast<std::int64_t>(edges.size() * edges.size());
  std::vector<TestArray> arrays;
  for (int k = 0; k < 3; ++k) arrays.push_back(testing::make_array(t, {n}));
  for (std::int64_t i = 0; i < n; ++i) {
    const auto e = static_cast<std::int64_t>(edges.size());
    testing::set_element(arrays[0].view, i, edges[static_cast<std::size_t>(i / e)]);
    testing::set_element(arrays[1].view, i, edges[static_cast<std::size_t>(i % e)]);
    testing::set_element(arrays[2].view, i, edges[static_cast<std::size_t>((7 * i + 3) % e)]);
  }
  return arrays;
}

// Runs `source` optimized and unoptimized on the edge operands and requires identical bytes.
void check_same_as_unoptimized(const std::string& source, DType t) {
  INFO(source << " on " << dtype_name(t));
  const std::vector<TestArray> operands = edge_pair_operands(t);
  const std::vector<Array> args = {operands[0].view, operands[1].view, operands[2].view};
  const OwnedArray optimized = compile(source, xyz(t)).run(args);
  const OwnedArray plain = compile(source, xyz(t), CompileOptions{.optimize = false}).run(args);
  REQUIRE(optimized.array().dtype == plain.array().dtype);
  const auto got = testing::element_bytes(optimized.array());
  const auto expected = testing::element_bytes(plain.array());
  REQUIRE(got.size() == expected.size());
  const std::size_t item = itemsize(plain.array().dtype);
  for (std::size_t i = 0; i < got.size(); i += item) {
    const auto k = static_cast<std::int64_t>(i / item);
    INFO("element " << k << ": x=" << testing::get_element(args[0], k).to_string()
                    << " y=" << testing::get_element(args[1], k).to_string()
                    << " z=" << testing::get_element(args[2], k).to_string()
                    << " optimized=" << testing::get_element(optimized.array(), k).to_string()
                    << " unoptimized=" << testing::get_element(plain.array(), k).to_string());
    REQUIRE(std::equal(got.begin() + i, got.begin() + i + item, expected.begin() + i));
  }
}

const std::vector<std::string> kFused = {
    "where(x < y, x, z)",         "where(x <= y, x, z)",       "where(x >= y, x, z)",
    "where(x > y, x, z)",         "where(x > 0, x, 0)",        "where(x > y, x, -z)",
    "where(x + y <= z, x + y, z)", "where(2 > x, 2, z)",       "where(x >= y, x, where(y < z, y, x))",
};

const std::vector<std::string> kNotFused = {
    "where(x > y, y, z)",  "where(x > y, x + 1, z)",          "where(x == y, x, z)",
    "where(x != y, x, z)", "where(x + y > z, y + x, z)",      "where(x > 2, 3, z)",
};

TEST_CASE("where(x CMP y, x, z) fuses into one select instruction", "[optimizer]") {
  for (DType t : {DType::Float32, DType::Float64, DType::Int32, DType::Int64}) {
    for (const std::string& source : kFused) {
      const std::string disasm = disassembly(source, xyz(t));
      INFO(source << " on " << dtype_name(t) << ":\n" << disasm);
      CHECK(has_fused_select(disasm));
      CHECK_FALSE(has_where(disasm));
    }
  }
  const std::string relu = disassembly("where(x > 0, x, 0)", {{"x", DType::Float32}});
  INFO(relu);
  CHECK(relu.find("select_gt") != std::string::npos);
  CHECK(relu.find(" gt") == std::string::npos);
  CHECK(has_fused_select(disassembly("where(x > 0, x, expm1(x))", {{"x", DType::Float64}})));
}

TEST_CASE("where is kept when the true branch is not the compare's left operand", "[optimizer]") {
  for (DType t : {DType::Float32, DType::Int64}) {
    for (const std::string& source : kNotFused) {
      const std::string disasm = disassembly(source, xyz(t));
      INFO(source << " on " << dtype_name(t) << ":\n" << disasm);
      CHECK_FALSE(has_fused_select(disasm));
      CHECK(has_where(disasm));
    }
  }
  SECTION("the compare runs in another dtype than the where") {
    const std::string disasm =
        disassembly("where(x > y, x, z)", {{"x", DType::Int32}, {"y", DType::Float64}, {"z", DType::Int32}});
    INFO(disasm);
    CHECK_FALSE(has_fused_select(disasm));
  }
  SECTION("bool operands have no select") {
    CHECK_FALSE(has_fused_select(disassembly("where(x > y, x, z)", xyz(DType::Bool))));
  }
  SECTION("unoptimized programs keep the where") {
    const std::string disasm =
        compile("where(x > y, x, z)", xyz(DType::Float32), CompileOptions{.optimize = false}).disassemble();
    CHECK_FALSE(has_fused_select(disasm));
  }
}

TEST_CASE("fused selects give the unoptimized program's bits on edge values", "[optimizer]") {
  for (DType t : {DType::Float32, DType::Float64, DType::Int32, DType::Int64}) {
    for (const std::string& source : kFused) check_same_as_unoptimized(source, t);
    for (const std::string& source : kNotFused) check_same_as_unoptimized(source, t);
  }
  check_same_as_unoptimized("where(x > 0, x, expm1(x))", DType::Float32);
  check_same_as_unoptimized("where(x > 0, x, expm1(x))", DType::Float64);
}

TEST_CASE("sin(x) and cos(x) of one x share one cis instruction, with the same bits", "[optimizer]") {
  for (DType t : {DType::Float32, DType::Float64}) {
    const std::string disasm = disassembly("sin(x)**2 + cos(x)**2 + sin(y)", xyz(t));
    INFO(disasm);
    CHECK(disasm.find("cis") != std::string::npos);
    CHECK(disasm.find(" cos") == std::string::npos);
    CHECK(disasm.find(" sin.") != std::string::npos);  // sin(y) has no cos(y): kept
    check_same_as_unoptimized("sin(x)**2 + cos(x)**2", t);
    check_same_as_unoptimized("a = sin(x) * y; b = cos(x) - z; a + b", t);
  }
  const std::string lone = disassembly("sin(x) + cos(y)", xyz(DType::Float32));
  INFO(lone);
  CHECK(lone.find("cis") == std::string::npos);
}

TEST_CASE("constant compares still fold before fusion", "[optimizer]") {
  const std::string folded = disassembly("where(3 > 2, 3, 1) + x", {{"x", DType::Int64}});
  INFO(folded);
  CHECK_FALSE(has_fused_select(folded));
  CHECK_FALSE(has_where(folded));
  std::vector<double> x = {-1.0, 5.0};
  const OwnedArray r =
      compile("where(3.0 > 2.0, 3.0, x)", {{"x", DType::Float64}}).run(std::vector<Array>{Array::from(x)});
  CHECK(r.data<double>()[0] == 3.0);
  CHECK(r.data<double>()[1] == 3.0);
}

}  // namespace
}  // namespace exprvm
