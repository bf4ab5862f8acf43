// Unicode identifiers: Python's XID_Start/XID_Continue names in UTF-8, their errors (with the
// caret and column counted in characters), and free-name analysis and evaluation through them.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "compiler/ast.hpp"
#include "compiler/identifier_chars.hpp"
#include "exprvm/exprvm.hpp"
#include "tests/test_helpers.hpp"

using namespace exprvm;
using testing::parse_error_of;

TEST_CASE("UTF-8 decoding is strict", "[parser][unicode]") {
  CHECK(decode_utf8("a", 0).code_point == U'a');
  CHECK(decode_utf8("\xc3\xa9", 0).code_point == 0xE9);
  CHECK(decode_utf8("\xe6\xb8\xa9", 0).length == 3);
  CHECK(decode_utf8("\xf0\x9d\x90\x80", 0).code_point == 0x1D400);
  for (const char* invalid : {"\x80", "\xc3", "\xc0\xaf", "\xe0\x80\xaf", "\xed\xa0\x80",
                              "\xf4\x90\x80\x80", "\xff", "\xc3("}) {
    CAPTURE(invalid);
    CHECK(decode_utf8(invalid, 0).length == 0);
  }
}

TEST_CASE("identifier characters follow Python's str.isidentifier", "[parser][unicode]") {
  CHECK(is_identifier_start(U'_'));
  CHECK(is_identifier_start(0xE9));     // é
  CHECK(is_identifier_start(0x6E29));   // 温 (CJK)
  CHECK(is_identifier_start(0x03B1));   // α
  CHECK(is_identifier_start(0x0434));   // д
  CHECK_FALSE(is_identifier_start(U'1'));
  CHECK_FALSE(is_identifier_start(0x0301));  // combining acute: continues only
  CHECK(is_identifier_continue(0x0301));
  CHECK(is_identifier_continue(0x0663));  // Arabic-Indic digit three
  CHECK_FALSE(is_identifier_start(0x0663));
  CHECK_FALSE(is_identifier_continue(0x20AC));  // €
  CHECK_FALSE(is_identifier_continue(0x00A0));  // no-break space
  CHECK_FALSE(is_identifier_continue(0x00F7));  // ÷
  CHECK(code_point_name(0x20AC) == "U+20AC");
  CHECK(code_point_name(0x1D400) == "U+1D400");
}

TEST_CASE("non-ASCII names parse, assign and are free names", "[parser][unicode]") {
  const ParsedProgram program = parse("température = α * Δt + 温度\nvíz2 = température");
  REQUIRE(program.statements.size() == 2);
  CHECK(program.statements[0].target == "température");
  CHECK(to_string(*program.statements[0].expr) == "((α * Δt) + 温度)");
  CHECK(program.statements[1].target == "víz2");
  CHECK(free_names("_x\u0301 + x_é1 + f\u00e9e(1)") ==
        std::vector<std::string>{"_x\u0301", "x_é1"});
  CHECK(to_string(*parse("True1 + Trueé").statements[0].expr) == "(True1 + Trueé)");
}

TEST_CASE("non-ASCII names evaluate", "[parser][unicode]") {
  std::vector<double> a{1, 2, 3}, b{10, 20, 30};
  const OwnedArray r = evaluate("α * 2 + 温度", {{"α", Array::from(a)}, {"温度", Array::from(b)}});
  CHECK(r.at<double>(2) == 36.0);
}

TEST_CASE("invalid characters get specific errors with the caret under the character",
          "[parser][unicode]") {
  const std::pair<const char*, const char*> cases[] = {
      {"a + \xe2\x82\xac", "unexpected character U+20AC\n  a + \xe2\x82\xac\n      ^"},
      {"é + a\xe2\x82\xac" "b",
       "character U+20AC cannot be part of a name\n  é + a\xe2\x82\xac" "b\n       ^"},
      {"é + a\xe2\x82\xac", "unexpected character U+20AC\n  é + a\xe2\x82\xac\n       ^"},
      {"a + \xcc\x81" "b",
       "character U+0301 '\xcc\x81' cannot start a name\n  a + \xcc\x81" "b\n      ^"},
      {"温度 + \xd9\xa3", "character U+0663 '\xd9\xa3' cannot start a name\n  温度 + \xd9\xa3\n       ^"},
      {"é\xc2\xa0+ 1", "unexpected character U+00A0\n  é\xc2\xa0+ 1\n   ^"},
      {"é + \xff", "invalid UTF-8: unexpected byte 0xFF\n  é + \xff\n      ^"},
      {"a\x01", "unexpected control character U+0001\n  a\x01\n   ^"},
      {"1é", "invalid number literal '1é'\n  1é\n  ^^"},
  };
  for (const auto& [source, expected] : cases) {
    CAPTURE(source);
    const Error error = parse_error_of(source);
    CHECK(error.kind() == ErrorKind::Syntax);
    CHECK(std::string(error.what()) == expected);
  }
  // The column counts characters: 'é' and '温' are one column each.
  CHECK(parse_error_of("é + a\xe2\x82\xac").column() == 6);
  CHECK(parse_error_of("x = 1\n温度 + \xd9\xa3").column() == 6);
  CHECK(parse_error_of("x = 1\n温度 + \xd9\xa3").line() == 2);
}
