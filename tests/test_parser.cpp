// The front end: grammar, AST building, spans, syntax errors and their caret excerpts.
#include <catch2/catch.hpp>
#include <ctime>
#include <string>

#include "compiler/ast.hpp"
#include "tests/test_helpers.hpp"

using namespace exprvm;
using testing::parse_error_of;
using testing::syntax_error_of;

namespace {

// The one bare expression of `source`, rendered fully parenthesised.
std::string rendered(std::string_view source) {
  const ParsedProgram program = parse(source);
  REQUIRE(program.statements.size() == 1);
  REQUIRE(program.statements[0].target.empty());
  return to_string(*program.statements[0].expr);
}

// The root of the one bare expression of `source`.
NodePtr root_of(std::string_view source) {
  ParsedProgram program = parse(source);
  REQUIRE(program.statements.size() == 1);
  return std::move(program.statements[0].expr);
}

std::string_view text_of(std::string_view source, Span span) {
  return source.substr(span.begin, span.end - span.begin);
}

// Timing is only meaningful in optimised builds without sanitizers; elsewhere the limit only
// catches runaway (e.g. quadratic) behaviour.
#if defined(__OPTIMIZE__) && !defined(__SANITIZE_ADDRESS__)
constexpr double kParseSecondsLimit = 0.5;
#else
constexpr double kParseSecondsLimit = 30.0;
#endif

// CPU seconds of this thread (not wall time: on a loaded machine the wall clock measured
// 1.75 s for 0.2 s of parsing, and runaway behaviour shows in CPU time just the same).
double thread_cpu_seconds() {
  timespec t{};
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
  return static_cast<double>(t.tv_sec) + 1e-9 * static_cast<double>(t.tv_nsec);
}

double seconds_to_parse(const std::string& source) {
  const double start = thread_cpu_seconds();
  try {
    parse(source);
  } catch (const Error&) {
  }
  return thread_cpu_seconds() - start;
}

}  // namespace

TEST_CASE("every binary operator maps to its Op", "[parser]") {
  const std::pair<const char*, Op> cases[] = {
      {"+", Op::ADD}, {"-", Op::SUB},  {"*", Op::MUL},     {"/", Op::DIV},     {"//", Op::FLOORDIV},
      {"%", Op::MOD}, {"**", Op::POW}, {"<<", Op::LSHIFT}, {">>", Op::RSHIFT}, {"&", Op::AND},
      {"|", Op::OR},  {"^", Op::XOR},  {"<", Op::LT},      {"<=", Op::LE},     {"==", Op::EQ},
      {"!=", Op::NE}, {">=", Op::GE},  {">", Op::GT},
  };
  for (const auto& [symbol, op] : cases) {
    const std::string source = std::string("a ") + symbol + " b";
    CAPTURE(source);
    const NodePtr root = root_of(source);
    CHECK(root->kind == NodeKind::Binary);
    CHECK(root->op == op);
    REQUIRE(root->args.size() == 2);
    CHECK(root->args[0]->name == "a");
    CHECK(root->args[1]->name == "b");
    CHECK(to_string(*root) == "(" + source + ")");
  }
}

TEST_CASE("unary operators: '-' and '~' make nodes, '+' is dropped", "[parser]") {
  NodePtr neg = root_of("-a");
  CHECK(neg->kind == NodeKind::Unary);
  CHECK(neg->op == Op::NEG);
  CHECK(neg->args[0]->name == "a");
  NodePtr invert = root_of("~a");
  CHECK(invert->kind == NodeKind::Unary);
  CHECK(invert->op == Op::INVERT);
  NodePtr plus = root_of("+a");
  CHECK(plus->kind == NodeKind::Name);
  CHECK(plus->span.begin == 0);
  CHECK(plus->span.end == 2);
  CHECK(rendered("-+-~a") == "(-(-(~a)))");
  NodePtr negative_literal = root_of("-3");
  CHECK(negative_literal->kind == NodeKind::Unary);
  CHECK(negative_literal->args[0]->literal.i == 3);
}

TEST_CASE("precedence and associativity follow Python", "[parser]") {
  const std::pair<const char*, const char*> cases[] = {
      {"a | b ^ c & d << e + f * g ** h", "(a | (b ^ (c & (d << (e + (f * (g ** h)))))))"},
      {"a ** b * c + d << e & f ^ g | h", "(((((((a ** b) * c) + d) << e) & f) ^ g) | h)"},
      {"a < b | c", "(a < (b | c))"},
      {"a | b < c", "((a | b) < c)"},
      {"a - b - c", "((a - b) - c)"},
      {"a / b / c", "((a / b) / c)"},
      {"a // b % c * d / e", "((((a // b) % c) * d) / e)"},
      {"a << b >> c", "((a << b) >> c)"},
      {"a & b & c", "((a & b) & c)"},
      {"a ^ b ^ c", "((a ^ b) ^ c)"},
      {"a | b | c", "((a | b) | c)"},
      {"-a ** 2", "(-(a ** 2))"},
      {"-2 ** 2", "(-(2 ** 2))"},
      {"a ** -b", "(a ** (-b))"},
      {"a ** -b ** c", "(a ** (-(b ** c)))"},
      {"2 ** 3 ** 2", "(2 ** (3 ** 2))"},
      {"-a * b", "((-a) * b)"},
      {"a * -b", "(a * (-b))"},
      {"~a & b", "((~a) & b)"},
      {"--a", "(-(-a))"},
      {"(a + b) * c", "((a + b) * c)"},
      {"a * (b + c)", "(a * (b + c))"},
      {"((a))", "a"},
      {"a - -b", "(a - (-b))"},
      {"a+b*c-d/e", "((a + (b * c)) - (d / e))"},
      {"(a < b) < c", "((a < b) < c)"},
      {"a == (b < c)", "(a == (b < c))"},
  };
  for (const auto& [source, expected] : cases) {
    CAPTURE(source);
    CHECK(rendered(source) == expected);
  }
}

TEST_CASE("chained comparisons become '&' of pairwise comparisons", "[parser]") {
  CHECK(rendered("a < b < c") == "((a < b) & (b < c))");
  CHECK(rendered("a < b <= c == d") == "(((a < b) & (b <= c)) & (c == d))");
  CHECK(rendered("0 < x + 1 != y >= z") == "(((0 < (x + 1)) & ((x + 1) != y)) & (y >= z))");
  // The middle operand is a copy with the original span.
  const std::string source = "a < b * 2 > c";
  const NodePtr root = root_of(source);
  REQUIRE(root->op == Op::AND);
  const Node& first_middle = *root->args[0]->args[1];
  const Node& second_middle = *root->args[1]->args[0];
  CHECK(&first_middle != &second_middle);
  CHECK(to_string(second_middle) == "(b * 2)");
  CHECK(text_of(source, second_middle.span) == "b * 2");
  CHECK(text_of(source, root->args[1]->span) == "b * 2 > c");
  CHECK(text_of(source, root->span) == source);
}

TEST_CASE("literals of every kind and their values", "[parser]") {
  SECTION("integers") {
    CHECK(root_of("0")->literal.i == 0);
    CHECK(root_of("42")->literal.kind == WeakKind::Int);
    CHECK(root_of("42")->literal.i == 42);
    CHECK(root_of("1_000_000")->literal.i == 1000000);
    CHECK(root_of("00")->literal.i == 0);
    CHECK(root_of("9223372036854775807")->literal.i == INT64_MAX);
    const NodePtr minimum = root_of("-9223372036854775808");
    CHECK(minimum->kind == NodeKind::Literal);
    CHECK(minimum->literal.i == INT64_MIN);
    CHECK(minimum->span.end == 20);
  }
  SECTION("floats") {
    const std::pair<const char*, double> cases[] = {
        {"1e-8", 1e-8}, {".5", 0.5},  {"4.0e-9", 4.0e-9}, {"3.", 3.0},   {"1E5", 1e5},
        {"1.e5", 1e5},  {"2.5", 2.5}, {"1_0.2_5", 10.25}, {"1e+3", 1e3}, {"0.0", 0.0},
    };
    for (const auto& [source, value] : cases) {
      CAPTURE(source);
      const NodePtr node = root_of(source);
      CHECK(node->kind == NodeKind::Literal);
      CHECK(node->literal.kind == WeakKind::Float);
      CHECK(node->literal.f == value);
    }
    CHECK(root_of("1e400")->literal.f == std::numeric_limits<double>::infinity());
    CHECK(root_of("1e-400")->literal.f == 0.0);
    CHECK(root_of("1e-310")->literal.f == 1e-310);
  }
  SECTION("imaginary numbers") {
    const std::pair<const char*, double> cases[] = {
        {"2j", 2.0}, {"1.5e3j", 1500.0}, {".5J", 0.5}, {"0j", 0.0}};
    for (const auto& [source, imaginary] : cases) {
      CAPTURE(source);
      const NodePtr node = root_of(source);
      CHECK(node->literal.kind == WeakKind::Complex);
      CHECK(node->literal.c == std::complex<double>(0.0, imaginary));
    }
  }
  SECTION("booleans") {
    CHECK(root_of("True")->literal.kind == WeakKind::Bool);
    CHECK(root_of("True")->literal.b);
    CHECK_FALSE(root_of("False")->literal.b);
    CHECK(root_of("Truex")->kind == NodeKind::Name);
  }
  SECTION("rendering") {
    CHECK(rendered("1e-8 + .5 + 3. + 1E5 + 1e16") ==
          "((((1e-08 + 0.5) + 3.0) + 100000.0) + 1e+16)");
    CHECK(rendered("2j + 1.5e3j + True + 7") == "(((2j + 1500j) + True) + 7)");
  }
}

TEST_CASE("literal errors", "[parser]") {
  const Error too_large = parse_error_of("x + 9223372036854775808");
  CHECK(too_large.kind() == ErrorKind::Literal);
  CHECK(std::string(too_large.what()) ==
        "integer literal is too large for int64 (maximum 9223372036854775807)\n"
        "  x + 9223372036854775808\n"
        "      ^^^^^^^^^^^^^^^^^^^");
  CHECK(parse_error_of("99999999999999999999999").kind() == ErrorKind::Literal);
  CHECK(parse_error_of("-9223372036854775809").kind() == ErrorKind::Literal);
  CHECK(parse_error_of("9223372036854775808 ** 1").kind() == ErrorKind::Literal);
  CHECK(syntax_error_of("012") ==
        "leading zeros in decimal integer literals are not permitted\n  012\n  ^^^");
  CHECK(syntax_error_of("1abc + 2") == "invalid number literal '1abc'\n  1abc + 2\n  ^^^^");
  CHECK(syntax_error_of("1.5e+x") == "invalid number literal '1.5e'\n  1.5e+x\n  ^^^^");
  CHECK(syntax_error_of("0x1F") ==
        "hexadecimal, octal and binary literals are not supported\n  0x1F\n  ^^^^");
  CHECK(syntax_error_of("1__0") == "invalid number literal '1__0'\n  1__0\n  ^^^^");
}

TEST_CASE("calls with positional and keyword arguments", "[parser]") {
  const std::string source = "sum(x * 2, axis=1)";
  const NodePtr call = root_of(source);
  CHECK(call->kind == NodeKind::Call);
  CHECK(call->name == "sum");
  REQUIRE(call->args.size() == 1);
  CHECK(to_string(*call->args[0]) == "(x * 2)");
  REQUIRE(call->keywords.size() == 1);
  CHECK(call->keywords[0].name == "axis");
  CHECK(text_of(source, call->keywords[0].span) == "axis");
  CHECK(call->keywords[0].value->literal.i == 1);
  CHECK(text_of(source, call->span) == source);

  CHECK(rendered("f()") == "f()");
  CHECK(rendered("f (a, b,)") == "f(a, b)");
  CHECK(rendered("where(a > 0, f(b), -c)") == "where((a > 0), f(b), (-c))");
  CHECK(rendered("f(a, k = b + 1, m=c)") == "f(a, k=(b + 1), m=c)");
  CHECK(rendered("f(x == 1)") == "f((x == 1))");
  CHECK(rendered("f(\n  a,\n  b\n)") == "f(a, b)");
  CHECK(rendered("__import__(os)") == "__import__(os)");
  const NodePtr axis_none = root_of("sum(a, axis=None)");
  CHECK(axis_none->keywords.at(0).value->kind == NodeKind::Name);
  CHECK(axis_none->keywords.at(0).value->name == "None");

  CHECK(syntax_error_of("f(axis=1, x)") ==
        "positional argument follows keyword argument\n  f(axis=1, x)\n            ^");
  CHECK(syntax_error_of("f(k=1, k=2)") ==
        "keyword argument 'k' is repeated\n  f(k=1, k=2)\n         ^");
  CHECK(syntax_error_of("f(k=)") == "expected an expression after '='\n  f(k=)\n      ^");
  CHECK(syntax_error_of("f(a,,b)") == "unexpected ','\n  f(a,,b)\n      ^");
  CHECK(syntax_error_of("f(for=1)") ==
        "keyword 'for' cannot be an argument name\n  f(for=1)\n    ^^^");
  CHECK(syntax_error_of("f(None=1)") ==
        "keyword 'None' cannot be an argument name\n  f(None=1)\n    ^^^^");
}

TEST_CASE("attributes .real and .imag are calls of real() and imag()", "[parser]") {
  CHECK(rendered("(a-10).real != 0.0") == "(real((a - 10)) != 0.0)");
  CHECK(rendered("a.imag") == "imag(a)");
  CHECK(rendered("-a.real**2") == "(-(real(a) ** 2))");
  CHECK(rendered("f(x).imag.real") == "real(imag(f(x)))");
  CHECK(rendered("a .real") == "real(a)");
  const std::string source = "1 + (b).imag";
  const NodePtr sum = root_of(source);
  CHECK(text_of(source, sum->args[1]->span) == "(b).imag");
  CHECK(syntax_error_of("a.realx") ==
        "only the attributes .real and .imag are allowed\n  a.realx\n   ^");
  CHECK(syntax_error_of("a.shape") ==
        "only the attributes .real and .imag are allowed\n  a.shape\n   ^");
  CHECK(syntax_error_of("a. real") == "unexpected '.'\n  a. real\n   ^");
}

TEST_CASE("programs: statements, assignments, separators", "[parser]") {
  SECTION("semicolons and newlines") {
    const ParsedProgram program = parse("a = x + 1; b = a * 2\nc=b\n\nc - 1");
    REQUIRE(program.statements.size() == 4);
    CHECK(program.statements[0].target == "a");
    CHECK(to_string(*program.statements[0].expr) == "(x + 1)");
    CHECK(program.statements[1].target == "b");
    CHECK(program.statements[2].target == "c");
    CHECK(program.statements[3].target.empty());
    CHECK(to_string(*program.statements[3].expr) == "(c - 1)");
    CHECK(program.source == "a = x + 1; b = a * 2\nc=b\n\nc - 1");
  }
  SECTION("blank statements, comments, continuations and CRLF") {
    CHECK(parse(";;a;;").statements.size() == 1);
    CHECK(parse("\n\n  a  \n\n").statements.size() == 1);
    CHECK(parse("a = 1;").statements.size() == 1);
    CHECK(parse("# setup\na = 1  # one\n# done\na").statements.size() == 2);
    CHECK(parse("a = 1 + \\\n    2").statements.size() == 1);
    CHECK(parse("a = 1\r\nb = 2\r\n").statements.size() == 2);
    CHECK(parse("a\t+\tb").statements.size() == 1);
  }
  SECTION("parentheses join lines") {
    const ParsedProgram program = parse("y = (a +\n     b # comment\n     * c)\ny");
    REQUIRE(program.statements.size() == 2);
    CHECK(to_string(*program.statements[0].expr) == "(a + (b * c))");
  }
  SECTION("'==' is a comparison, not an assignment") {
    const ParsedProgram program = parse("x == 1");
    REQUIRE(program.statements.size() == 1);
    CHECK(program.statements[0].target.empty());
    CHECK(to_string(*program.statements[0].expr) == "(x == 1)");
  }
}

TEST_CASE("spans cover the source text of every node", "[parser]") {
  const std::string source = "out = -(a + b)  *  f(c, k=2) ** 2";
  const ParsedProgram program = parse(source);
  const Statement& statement = program.statements.at(0);
  CHECK(text_of(source, statement.target_span) == "out");
  const Node& product = *statement.expr;
  CHECK(text_of(source, product.span) == "-(a + b)  *  f(c, k=2) ** 2");
  CHECK(text_of(source, product.args[0]->span) == "-(a + b)");
  CHECK(text_of(source, product.args[0]->args[0]->span) == "(a + b)");
  CHECK(text_of(source, product.args[0]->args[0]->args[1]->span) == "b");
  const Node& power = *product.args[1];
  CHECK(text_of(source, power.span) == "f(c, k=2) ** 2");
  CHECK(text_of(source, power.args[0]->span) == "f(c, k=2)");
  CHECK(text_of(source, power.args[0]->args[0]->span) == "c");
  CHECK(text_of(source, power.args[0]->keywords[0].value->span) == "2");
  CHECK(text_of(source, power.args[1]->span) == "2");

  const std::string lines = "a = 1\nb = (a\n  + 2)";
  const ParsedProgram multi = parse(lines);
  CHECK(text_of(lines, multi.statements[1].target_span) == "b");
  CHECK(text_of(lines, multi.statements[1].expr->span) == "(a\n  + 2)");
}

TEST_CASE("clone copies the whole tree", "[parser]") {
  const NodePtr original = root_of("f(a + 1, k=-b)");
  const NodePtr copy = original->clone();
  CHECK(to_string(*copy) == to_string(*original));
  CHECK(copy->args[0].get() != original->args[0].get());
  CHECK(copy->keywords[0].value.get() != original->keywords[0].value.get());
  CHECK(copy->keywords[0].span.begin == original->keywords[0].span.begin);
  CHECK(copy->span.end == original->span.end);
}

TEST_CASE("syntax errors name what was expected or found, with a caret", "[parser]") {
  const std::pair<const char*, const char*> cases[] = {
      {"a +", "expected an expression after '+'\n  a +\n     ^"},
      {"a + )", "expected an expression after '+'\n  a + )\n      ^"},
      {"-", "expected an expression after '-'\n  -\n   ^"},
      {"a ** ", "expected an expression after '**'\n  a ** \n       ^"},
      {"a <", "expected an expression after '<'\n  a <\n     ^"},
      {"a == = b", "expected an expression after '=='\n  a == = b\n       ^"},
      {"x = ", "expected an expression after '='\n  x = \n      ^"},
      {"()", "expected an expression after '('\n  ()\n   ^"},
      {"a +\nb", "expected an expression after '+'\n  a +\n     ^"},
      {"(a + b", "unbalanced parenthesis: '(' is never closed\n  (a + b\n  ^"},
      {"f(a, (b)", "unbalanced parenthesis: '(' is never closed\n  f(a, (b)\n   ^"},
      {"a + b)", "unexpected ')'\n  a + b)\n       ^"},
      {")", "unexpected ')'\n  )\n  ^"},
      {"a $ b", "unexpected character '$'\n  a $ b\n    ^"},
      {"a b", "unexpected name 'b'; is an operator missing?\n  a b\n    ^"},
      {"a 2", "unexpected number; is an operator missing?\n  a 2\n    ^"},
      {"a, b", "unexpected ','\n  a, b\n   ^"},
      {"a.b", "only the attributes .real and .imag are allowed\n  a.b\n   ^"},
      {"np.sin(a)", "only the attributes .real and .imag are allowed\n  np.sin(a)\n    ^"},
      {"a[0]", "subscripts are not allowed\n  a[0]\n   ^"},
      {"f(x)(y)", "only a plain function name can be called\n  f(x)(y)\n      ^"},
      {"(a)(b)", "only a plain function name can be called\n  (a)(b)\n     ^"},
      {"lambda x: x", "keyword 'lambda' is not allowed\n  lambda x: x\n  ^^^^^^"},
      {"import os", "keyword 'import' is not allowed\n  import os\n  ^^^^^^"},
      {"a is None", "keyword 'is' is not allowed\n  a is None\n    ^^"},
      {"a and b", "'and' is not supported; use '&'\n  a and b\n    ^^^"},
      {"a or b", "'or' is not supported; use '|'\n  a or b\n    ^^"},
      {"not a", "'not' is not supported; use '~'\n  not a\n  ^^^"},
      {"a + not b", "'not' is not supported; use '~'\n  a + not b\n      ^^^"},
      {"a if c else b",
       "conditional expressions are not supported; use where(condition, x, y)\n"
       "  a if c else b\n    ^^"},
      {"a += 1", "augmented assignment '+=' is not supported; write 'a = a + b'\n  a += 1\n    ^^"},
      {"a **= 2",
       "augmented assignment '**=' is not supported; write 'a = a ** b'\n  a **= 2\n    ^^^"},
      {"a //= 2",
       "augmented assignment '//=' is not supported; write 'a = a // b'\n  a //= 2\n    ^^^"},
      {"a <<= 2",
       "augmented assignment '<<=' is not supported; write 'a = a << b'\n  a <<= 2\n    ^^^"},
      {"a && b", "'&&' is not supported; use '&'\n  a && b\n    ^^"},
      {"a || b", "'||' is not supported; use '|'\n  a || b\n    ^^"},
      {"1 = a",
       "unexpected '='; only a plain name can be assigned to (use '==' to compare)\n  1 = a\n    "
       "^"},
      {"x = y = 1",
       "unexpected '='; only a plain name can be assigned to (use '==' to compare)\n  x = y = 1\n  "
       "      ^"},
      {"True = 1", "keyword 'True' cannot be assigned to\n  True = 1\n  ^^^^"},
      {"None = 1", "keyword 'None' cannot be assigned to\n  None = 1\n  ^^^^"},
      {"!a", "unexpected '!'; use '~' for logical not and '!=' for inequality\n  !a\n  ^"},
      {"a <> b", "expected an expression after '<'\n  a <> b\n     ^"},
      {"f('os')", "string literals are not supported\n  f('os')\n    ^"},
      {"__import__('os')", "string literals are not supported\n  __import__('os')\n             ^"},
      {"a \xc3\xb7 b", "unexpected character U+00F7\n  a \xc3\xb7 b\n    ^"},
      {"", "empty expression\n  \n  ^"},
      {" ; \n ;", "empty expression\n   ; \n  ^"},
  };
  for (const auto& [source, expected] : cases) {
    CAPTURE(source);
    CHECK(syntax_error_of(source) == expected);
  }
}

TEST_CASE("error positions in multi-line programs and with tabs", "[parser]") {
  const Error error = parse_error_of("a = 1\nb = a +\nc = 2");
  CHECK(error.has_position());
  CHECK(error.line() == 2);
  CHECK(error.column() == 8);
  CHECK(error.message() == "expected an expression after '+'");
  CHECK(std::string(error.what()) == "expected an expression after '+'\n  b = a +\n         ^");

  const Error unclosed = parse_error_of("a = 1\nb = (a +\n  2\n");
  CHECK(unclosed.line() == 2);
  CHECK(unclosed.column() == 5);
  CHECK(std::string(unclosed.what()) ==
        "unbalanced parenthesis: '(' is never closed\n  b = (a +\n      ^");

  CHECK(syntax_error_of("\ta\t$") == "unexpected character '$'\n  \ta\t$\n  \t \t^");
}

TEST_CASE("Error formatting and kind names", "[parser]") {
  const std::pair<ErrorKind, const char*> kinds[] = {
      {ErrorKind::Syntax, "syntax error"},     {ErrorKind::Name, "name error"},
      {ErrorKind::Function, "function error"}, {ErrorKind::Literal, "literal error"},
      {ErrorKind::Type, "type error"},         {ErrorKind::Reduction, "reduction error"},
      {ErrorKind::Cast, "cast error"},         {ErrorKind::Shape, "shape error"},
      {ErrorKind::Argument, "argument error"}, {ErrorKind::Internal, "internal error"},
  };
  for (const auto& [kind, name] : kinds) CHECK(error_kind_name(kind) == name);

  const Error plain(ErrorKind::Shape, "shapes (3,) and (4,) do not broadcast");
  CHECK(std::string(plain.what()) == "shapes (3,) and (4,) do not broadcast");
  CHECK_FALSE(plain.has_position());
  CHECK(plain.line() == 0);
  CHECK(plain.column() == 0);

  // Carets cover the span, clipped to the end of the span's first line.
  CHECK(caret_excerpt("abc + def", {6, 9}) == "  abc + def\n        ^^^");
  CHECK(caret_excerpt("ab\ncd + (e\nf)", {8, 13}) == "  cd + (e\n       ^^");
  CHECK(caret_excerpt("abc", {3, 3}) == "  abc\n     ^");
  CHECK(caret_excerpt("\xc3\xa9t\xc3\xa9 + x", {8, 9}) == "  \xc3\xa9t\xc3\xa9 + x\n        ^");
  const Error positioned(ErrorKind::Name, "unknown variable 'q'", "a +\nq", {4, 5});
  CHECK(std::string(positioned.what()) == "unknown variable 'q'\n  q\n  ^");
  CHECK(positioned.line() == 2);
  CHECK(positioned.column() == 1);
  CHECK(positioned.span().begin == 4);

  // A very long line is shown as a window around the span.
  const std::string long_line = std::string(500, 'a') + " $ " + std::string(500, 'b');
  const std::string excerpt = caret_excerpt(long_line, {501, 502});
  CHECK(excerpt.size() < 300);
  CHECK(excerpt.find("... $ ") == std::string::npos);
  CHECK(excerpt.find(" $ ") != std::string::npos);
  const std::size_t caret_column = excerpt.find('^') - excerpt.find('\n') - 1;
  CHECK(excerpt[caret_column] == '$');
}

TEST_CASE("hostile input fails fast and cleanly", "[parser]") {
  SECTION("deep nesting is limited") {
    CHECK(rendered(std::string(200, '(') + "x" + std::string(200, ')')) == "x");
    CHECK(parse_error_of(std::string(201, '(') + "x" + std::string(201, ')')).message() ==
          "expression nested too deeply (limit 200)");
    CHECK(parse_error_of(std::string(100000, '(')).message() ==
          "expression nested too deeply (limit 200)");
    CHECK(parse_error_of(std::string(100000, '-') + "a").message() ==
          "expression nested too deeply (limit 200)");
    std::string calls;
    for (int i = 0; i < 100000; ++i) calls += "f(";
    CHECK(parse_error_of(calls).message() == "expression nested too deeply (limit 200)");
    std::string powers;
    for (int i = 0; i < 100000; ++i) powers += "a**";
    CHECK(parse_error_of(powers + "a").message() == "expression nested too deeply (limit 200)");
  }
  SECTION("long operator chains are limited") {
    std::string sum = "a";
    for (int i = 0; i < 999; ++i) sum += "+a";
    CHECK(parse(sum).statements.size() == 1);
    const Error too_long = parse_error_of(sum + "+a");
    CHECK(too_long.message() ==
          "expression too complex (more than 1000 nested operations); split it into several "
          "statements");
  }
  SECTION("a megabyte parses or fails in well under a second") {
    const std::size_t megabyte = 1 << 20;
    std::string chain = "a";
    while (chain.size() < megabyte) chain += "+a";
    CHECK(seconds_to_parse(chain) < kParseSecondsLimit);
    std::string statements;
    while (statements.size() < megabyte) statements += "x = x + 1.5;";
    CHECK(parse(statements).statements.size() == megabyte / 12 + 1);
    CHECK(seconds_to_parse(statements) < kParseSecondsLimit);
    const std::string name(megabyte, 'n');
    CHECK(parse(name).statements[0].expr->name.size() == megabyte);
    CHECK(seconds_to_parse(std::string(megabyte, ' ') + "$") < kParseSecondsLimit);
    CHECK(seconds_to_parse(std::string(megabyte, '(')) < kParseSecondsLimit);
    CHECK(seconds_to_parse(std::string(megabyte, ')')) < kParseSecondsLimit);
    CHECK(seconds_to_parse(std::string(megabyte, '9')) < kParseSecondsLimit);
    // The caret excerpt of an error on a huge line stays short.
    CHECK(std::string(parse_error_of(std::string(megabyte, ' ') + "$").what()).size() < 400);
  }
}
