// Untrusted strings: the writable control (check_writable, evaluate(..., writable), the C API's
// exprvm_check_writable) and the documented resource limits (README, "Untrusted strings"),
// each a clear Error before anything runs.
#include <catch2/catch.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <exprvm/exprvm.h>
#include <exprvm/exprvm.hpp>

#include "tests/test_helpers.hpp"

namespace exprvm {
namespace {

using testing::error_thrown_by;

TEST_CASE("writable=() refuses every assignment to a caller array before running", "[untrusted]") {
  std::vector<double> a = {1, 2, 3};
  const std::vector<std::string_view> none;
  const Error e = error_thrown_by([&] { evaluate("a = a * 0", {{"a", Array::from(a)}}, nullptr, {}, none); });
  CHECK(e.kind() == ErrorKind::Argument);
  CHECK(e.message() == "the program assigns to 'a', which the caller did not make writable (writable: none)");
  CHECK(e.column() == 1);  // the caret is under the assignment's target
  CHECK(a == std::vector<double>{1, 2, 3});

  // a later statement's assignment is found too, and nothing of the program ran
  std::vector<double> b = {5, 6, 7};
  const Error later = error_thrown_by([&] {
    evaluate("t = a + 1; b = t", {{"a", Array::from(a)}, {"b", Array::from(b)}}, nullptr, {}, none);
  });
  CHECK(later.column() == 12);
  CHECK(b == std::vector<double>{5, 6, 7});
}

TEST_CASE("writable lists the arrays a program may write; temporaries are free", "[untrusted]") {
  std::vector<double> a = {1, 2, 3}, b = {0, 0, 0};
  const std::vector<std::string_view> only_b = {"b"};
  evaluate("t = a * 2; b = t + 1", {{"a", Array::from(a)}, {"b", Array::from(b)}}, nullptr, {}, only_b);
  CHECK(b == std::vector<double>{3, 5, 7});
  const Error e = error_thrown_by([&] {
    evaluate("a = b", {{"a", Array::from(a)}, {"b", Array::from(b)}}, nullptr, {}, only_b);
  });
  CHECK(e.message() == "the program assigns to 'a', which the caller did not make writable (writable: 'b')");
  // a pure expression needs nothing writable; `out` is the caller's own choice
  std::vector<double> out(3);
  Array out_view = Array::from(out);
  evaluate("a + b", {{"a", Array::from(a)}, {"b", Array::from(b)}}, &out_view, {}, {});
  CHECK(out == std::vector<double>{4, 7, 10});
  // without a writable list (the other overloads) every write is allowed, as before
  evaluate("a = a * 0", {{"a", Array::from(a)}});
  CHECK(a == std::vector<double>{0, 0, 0});
}

TEST_CASE("check_writable on a compiled program, and the C API's exprvm_check_writable", "[untrusted]") {
  const Program p = compile("x = x + y; y = 2 * y", {{"x", DType::Float32}, {"y", DType::Float32}});
  const std::vector<std::string_view> both = {"y", "x"}, only_x = {"x"};
  CHECK_NOTHROW(check_writable(p, both));
  CHECK(error_thrown_by([&] { check_writable(p, only_x); }).message().find("'y'") != std::string::npos);

  const exprvm_param params[] = {{"x", EXPRVM_FLOAT32, 0}, {"y", EXPRVM_FLOAT32, 0}};
  exprvm_error* err = nullptr;
  exprvm_program* program = exprvm_compile("x = x + y; y = 2 * y", params, 2, &err);
  REQUIRE(program);
  const char* names[] = {"x", "y"};
  CHECK(exprvm_check_writable(program, names, 2, &err) == 0);
  CHECK(err == nullptr);
  CHECK(exprvm_check_writable(program, names, 1, &err) == -1);
  CHECK(exprvm_error_kind(err) == EXPRVM_ERROR_ARGUMENT);
  CHECK(std::string(exprvm_error_message(err)).find("assigns to 'y'") != std::string::npos);
  CHECK(exprvm_error_column(err) == 12);
  exprvm_error_free(err);
  CHECK(exprvm_check_writable(program, nullptr, 0, &err) == -1);
  exprvm_error_free(err);
  CHECK(exprvm_check_writable(program, nullptr, 1, &err) == -1);
  CHECK(std::string(exprvm_error_message(err)) == "exprvm_check_writable: names is NULL");
  exprvm_error_free(err);
  const char* with_null[] = {"x", nullptr};
  CHECK(exprvm_check_writable(program, with_null, 2, &err) == -1);
  CHECK(std::string(exprvm_error_message(err)) == "exprvm_check_writable: names[1] is NULL");
  exprvm_error_free(err);
  CHECK(exprvm_check_writable(nullptr, names, 2, &err) == -1);
  exprvm_error_free(err);
  exprvm_program_free(program);
}

TEST_CASE("resource limits are clear errors", "[untrusted]") {
  const Signature sig = {{"a", DType::Float64}};
  SECTION("source length: 16 MiB") {
    const std::string too_long = "a" + std::string((std::size_t{1} << 24), ' ');
    const Error e = error_thrown_by([&] { compile(too_long, sig); });
    CHECK(e.kind() == ErrorKind::Syntax);
    CHECK(e.message() == "expression too long (16777217 bytes; the limit is 16777216)");
  }
  SECTION("statements: 2**20") {
    std::string source;
    for (int i = 0; i <= (1 << 20); ++i) source += "a;";
    const Error e = error_thrown_by([&] { compile(source, sig); });
    CHECK(e.kind() == ErrorKind::Syntax);
    CHECK(e.message() == "too many statements (limit 1048576)");
  }
  SECTION("nesting: 200 brackets, 1000 operations deep") {
    CHECK(error_thrown_by([&] { compile(std::string(201, '(') + "a" + std::string(201, ')'), sig); }).message() ==
          "expression nested too deeply (limit 200)");
    std::string chain = "a";
    for (int i = 0; i < 1000; ++i) chain += "+a";
    CHECK(error_thrown_by([&] { compile(chain, sig); }).kind() == ErrorKind::Syntax);
  }
  SECTION("registers: 65535") {
    // independent temporaries that all stay live until the last statement
    std::string source;
    for (int i = 0; i < 70000; ++i) source += "t" + std::to_string(i) + " = a + " + std::to_string(i) + ";";
    source += "t0";
    for (int i = 1; i < 70000; i += 997) source += " + t" + std::to_string(i);
    const Error e = error_thrown_by([&] { compile(source, sig); });
    CHECK(e.kind() == ErrorKind::Syntax);
    CHECK(e.message().find("more than 65535 registers") != std::string::npos);
  }
  SECTION("memory: a result beyond 2**46 bytes is a Shape error, not an overflow") {
    double one = 1;
    const std::int64_t huge = std::int64_t{1} << 31;
    const std::int64_t shape_a[] = {huge, 1}, shape_b[] = {1, huge}, zero[] = {0, 0};
    const Array a = Array::strided(&one, DType::Float64, shape_a, zero);
    const Array b = Array::strided(&one, DType::Float64, shape_b, zero);
    const Program p = compile("a + b", {{"a", DType::Float64}, {"b", DType::Float64}});
    const Array args[] = {a, b};
    const Error e = error_thrown_by([&] { p.run(args); });
    CHECK(e.kind() == ErrorKind::Shape);
    CHECK(e.message() == "result too large: shape (2147483648, 2147483648) of float64 needs more than "
                         "70368744177664 bytes");
  }
}

}  // namespace
}  // namespace exprvm
