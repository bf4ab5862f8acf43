// compiler/functions.def enumerated: every function row compiles with its arity to its opcode
// or lowering rule and rejects other arities; every operator row parses to its op at its
// precedence level; the README's function and operator lists match the table.
#include <catch2/catch.hpp>

#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "compiler/functions.hpp"
#include "tests/test_helpers.hpp"

namespace exprvm {
namespace {

// The dtype a row's operands are given: float64 when its opcode takes it, else complex128.
DType operand_dtype(Op op) { return op_accepts(op, DType::Float64) ? DType::Float64 : DType::Complex128; }

std::string unoptimized_listing(const std::string& source, DType x_dtype) {
  return compile(source, {{"x", x_dtype}}, CompileOptions{.optimize = false}).disassemble();
}

// "name(x, x, ...)" with `count` operands and then `extra` (e.g. ", axis=0").
std::string call_of(std::string_view name, int count, const std::string& extra = "") {
  std::string source = std::string(name) + "(";
  for (int i = 0; i < count; ++i) source += i ? ", x" : "x";
  return source + extra + ")";
}

using testing::syntax_error_of;

// The Error compiling `source` (x: float64) throws; fails the test when it compiles.
Error compile_error(const std::string& source) {
  return testing::error_thrown_by([&] { compile(source, {{"x", DType::Float64}}); }, source);
}

TEST_CASE("every function of the table compiles to its opcode or lowering rule", "[functions][table]") {
  for (const FunctionInfo& f : kFunctions) {
    INFO("function " << f.name);
    REQUIRE(find_function(f.name) == &f);
    const std::string spelling(op_info(f.op).spelling);
    if (f.kind == FunctionKind::Reduction) {
      REQUIRE(f.arity == 1);
      CHECK(op_info(f.op).form == OpForm::Reduce);
      CHECK(reduction_name(f.op, f.rule == LoweringRule::Mean) == f.name);
      const DType t = f.op == Op::ANY || f.op == Op::ALL ? DType::Bool : DType::Float64;
      for (const std::string extra : {"", ", 0", ", axis=None", ", axis=-1"}) {
        const std::string listing = unoptimized_listing(call_of(f.name, 1, extra), t);
        CHECK_THAT(listing, Catch::Contains("     " + std::string(f.name) + "."));
      }
      continue;
    }
    CHECK(op_info(f.op).form == OpForm::Elementwise);
    CHECK(op_info(f.op).arity == f.arity);
    const std::string source = call_of(f.name, f.arity);
    switch (f.rule) {
      case LoweringRule::Direct:
        CHECK_THAT(unoptimized_listing(source, operand_dtype(f.op)), Catch::Contains(" " + spelling + "."));
        break;
      case LoweringRule::RealPart:
      case LoweringRule::Conjugate:  // the op for complex operands, the operand itself for real ones
        CHECK_THAT(unoptimized_listing(source, DType::Complex128), Catch::Contains(" " + spelling + "."));
        CHECK(unoptimized_listing(source, DType::Float64) == unoptimized_listing("x", DType::Float64));
        break;
      case LoweringRule::ImaginaryPart:  // zeros for real operands
        CHECK_THAT(unoptimized_listing(source, DType::Complex128), Catch::Contains(" " + spelling + "."));
        CHECK_THAT(unoptimized_listing(source, DType::Float64), !Catch::Contains(" " + spelling + "."));
        break;
      case LoweringRule::Identity:
        CHECK(unoptimized_listing(source, DType::Float64) == unoptimized_listing("x", DType::Float64));
        break;
      case LoweringRule::Mean: FAIL("Mean is a reduction's rule"); break;
    }
  }
}

TEST_CASE("every function of the table rejects other arities and stray keywords", "[functions][table]") {
  for (const FunctionInfo& f : kFunctions) {
    INFO("function " << f.name);
    const int most = f.kind == FunctionKind::Reduction ? f.arity + 1 : f.arity;  // + the axis
    for (const int count : {f.arity - 1, most + 1}) {
      const Error error = compile_error(call_of(f.name, count));
      CHECK(error.kind() == ErrorKind::Function);
      CHECK_THAT(error.what(), Catch::Contains("function '" + std::string(f.name) + "' takes " +
                                               std::to_string(f.arity) + " argument"));
    }
    const std::string keyword = f.kind == FunctionKind::Reduction ? ", keepdims=1" : ", axis=0";
    const Error error = compile_error(call_of(f.name, f.arity, keyword));
    CHECK(error.kind() == ErrorKind::Function);
  }
  CHECK(find_function("nosuchfunction") == nullptr);
  CHECK(compile_error("nosuchfunction(x)").kind() == ErrorKind::Function);
}

// The one bare expression of `source`, rendered fully parenthesised.
std::string rendered(const std::string& source) { return to_string(*parse(source).statements.at(0).expr); }

TEST_CASE("every operator of the table parses to its op at its precedence level", "[parser][table]") {
  for (const BinaryOperatorInfo& b : kBinaryOperators) {
    INFO("operator " << b.spelling);
    const std::string s(b.spelling);
    REQUIRE(binary_operator(b.spelling) == &b);
    REQUIRE(binary_operator_of(b.op) == &b);
    const NodePtr root = std::move(parse("a " + s + " b").statements.at(0).expr);
    CHECK(root->kind == NodeKind::Binary);
    CHECK(root->op == b.op);
    CHECK(operator_symbol(b.op) == b.spelling);
    CHECK(rendered("a" + s + "b") == "(a " + s + " b)");
    if (b.augmentable)
      CHECK_THAT(syntax_error_of("a " + s + "= b"), Catch::Contains("augmented assignment"));
    // Against every other operator: the higher level binds tighter, equal levels associate
    // left (Power right; comparisons chain).
    for (const BinaryOperatorInfo& other : kBinaryOperators) {
      const std::string o(other.spelling);
      if (b.level == Precedence::Comparison && other.level == Precedence::Comparison) continue;
      const bool right = b.level == Precedence::Power && other.level == Precedence::Power;
      const bool left_first = !right && b.level >= other.level;
      INFO("followed by " << o);
      CHECK(rendered("a " + s + " b " + o + " c") ==
            (left_first ? "((a " + s + " b) " + o + " c)" : "(a " + s + " (b " + o + " c))"));
    }
  }
  for (const UnaryOperatorInfo& u : kUnaryOperators) {
    INFO("unary operator " << u.spelling);
    REQUIRE(unary_operator(u.spelling) == &u);
    const std::string s(u.spelling);
    const NodePtr root = std::move(parse(s + "a").statements.at(0).expr);
    if (u.op == Op::COPY) {
      CHECK(root->kind == NodeKind::Name);
    } else {
      CHECK(root->kind == NodeKind::Unary);
      CHECK(root->op == u.op);
      CHECK(rendered(s + "a") == "(" + s + "a)");
    }
  }
}

// The README's paragraph that starts with `heading` (up to the next blank line).
std::string readme_paragraph(const std::string& heading) {
  std::ifstream readme(EXPRVM_SOURCE_DIR "/README.md");
  REQUIRE(readme);
  std::string line, paragraph;
  bool inside = false;
  while (std::getline(readme, line)) {
    if (!inside && line.rfind(heading, 0) == 0) inside = true;
    if (inside && line.empty()) break;
    if (inside) paragraph += line + "\n";
  }
  INFO("README paragraph " << heading);
  REQUIRE(!paragraph.empty());
  return paragraph;
}

// The space-separated words of the `code` spans of `text`; with `names_only`, only of spans
// that are lists of identifiers (not "clip(x, lo, hi)" or "axis=None").
std::set<std::string> code_words(const std::string& text, bool names_only) {
  std::set<std::string> words;
  for (std::size_t open = text.find('`'); open != std::string::npos; open = text.find('`', open + 1)) {
    const std::size_t close = text.find('`', open + 1);
    REQUIRE(close != std::string::npos);
    const std::string span = text.substr(open + 1, close - open - 1);
    open = close;
    if (names_only && span.find_first_not_of("abcdefghijklmnopqrstuvwxyz0123456789_ \n") != std::string::npos)
      continue;
    std::istringstream in(span);
    for (std::string word; in >> word;) words.insert(word);
  }
  return words;
}

TEST_CASE("the README lists exactly the table's functions, and every operator", "[functions][table]") {
  std::set<std::string> table;
  for (const FunctionInfo& f : kFunctions) table.insert(std::string(f.name));
  std::set<std::string> listed = code_words(readme_paragraph("**Functions**"), true);
  listed.merge(code_words(readme_paragraph("**Reductions**"), true));
  CHECK(listed == table);

  const std::set<std::string> operators = code_words(readme_paragraph("**Operators**"), false);
  for (const BinaryOperatorInfo& b : kBinaryOperators) CHECK(operators.count(std::string(b.spelling)) == 1);
  for (const UnaryOperatorInfo& u : kUnaryOperators) CHECK(operators.count(std::string(u.spelling)) == 1);
}

}  // namespace
}  // namespace exprvm
