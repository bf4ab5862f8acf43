// The free-name analysis every host uses (exprvm::analyze_names / free_names): the CLI binds
// random arrays to free_names, the Python module looks the names up in the caller's frame.
// python/tests/test_api.py checks the Python module against the same cases.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <exprvm/exprvm.hpp>

namespace exprvm {
namespace {

struct Case {
  const char* source;
  std::vector<std::string> free;  // in order of first appearance
};

// Keep in sync with FREE_NAME_CASES in python/tests/test_api.py.
const std::vector<Case> kCases = {
    {"a + b * a", {"a", "b"}},
    {"sin(x) + cos(y)", {"x", "y"}},              // function names are not names
    {"sum(a, axis=0)", {"a"}},                     // keyword values are constants
    {"sum(a * b, axis=None)", {"a", "b"}},         // None is not a name
    {"where(c > 0, True, False) | (c > 1)", {"c"}},  // True/False are literals
    {"t = a * 2; t + b", {"a", "b"}},              // t is only assigned, then read
    {"m = m + g; p = p - m", {"m", "g", "p"}},     // read then assigned: still supplied
    {"x = 1; y = x + z; y", {"z"}},
};

TEST_CASE("free names: functions, keyword values, None and literals are not names", "[names]") {
  for (const Case& c : kCases) {
    INFO(c.source);
    CHECK(free_names(c.source) == c.free);
  }
}

TEST_CASE("free names: a keyword's value is never looked up", "[names]") {
  // Not a valid program (axis takes a constant), but the analysis does not make `k` a name
  // the caller must supply: the type checker reports the axis instead.
  CHECK(free_names("sum(a, axis=k)") == std::vector<std::string>{"a"});
}

TEST_CASE("analyze_names: roles, first uses and the result", "[names]") {
  const std::string source = "m = m + g; t = m * 2; p = t + q";
  const SourceNames names = analyze_names(source);
  REQUIRE(names.names.size() == 5);
  const std::vector<std::pair<std::string, NameRole>> expected = {
      {"m", NameRole::InputTarget}, {"g", NameRole::Input}, {"t", NameRole::Target},
      {"q", NameRole::Input},       {"p", NameRole::Target}};
  for (std::size_t i = 0; i < expected.size(); ++i) {
    CHECK(names.names[i].name == expected[i].first);
    CHECK(names.names[i].role == expected[i].second);
    const Span s = names.names[i].first_use;
    CHECK(source.substr(s.begin, s.end - s.begin) == expected[i].first);
  }
  CHECK_FALSE(names.has_result);

  const SourceNames reduction = analyze_names("mean(a + 1)");
  CHECK(reduction.has_result);
  CHECK(reduction.result_is_reduction);
  const SourceNames elementwise = analyze_names("a + 1");
  CHECK(elementwise.has_result);
  CHECK_FALSE(elementwise.result_is_reduction);
}

TEST_CASE("analyze_names: text that does not parse is a syntax error", "[names]") {
  try {
    analyze_names("a +");
    FAIL("no error");
  } catch (const Error& e) {
    CHECK(e.kind() == ErrorKind::Syntax);
  }
}

}  // namespace
}  // namespace exprvm
