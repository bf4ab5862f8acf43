"""Byte strings as numexpr has them: comparisons between bytes arrays (NumPy 'S'), bytes values
and literals, and contains(haystack, needle), giving bool inside larger expressions; NumPy is
the oracle (Python's `in` for contains)."""
from itertools import product

import numpy as np
import pytest

import exprvm

LIST1 = [b"foo", b"bar", b"", b"  "]
LIST2 = [b"foo", b"", b"x", b" "]
SARR1 = np.array(LIST1 * 548)  # several of numexpr's blocks
SARR2 = np.array(LIST2 * 548)
COMPARISONS = ["==", "!=", "<", "<=", ">", ">="]


@pytest.mark.parametrize("op", COMPARISONS)
def test_array_array_variable_and_literal_comparisons(op):
    svar = b"doodoo"
    for source, expected in [
            (f"SARR1 {op} SARR2", eval(f"SARR1 {op} SARR2")),
            (f"SARR1 {op} svar", eval(f"SARR1 {op} svar")),
            (f"SARR1 {op} b'doodoo'", eval(f"SARR1 {op} b'doodoo'")),
            (f"b'bar' {op} SARR2", eval(f"np.asarray(b'bar') {op} SARR2"))]:
        result = exprvm.evaluate(source)
        assert result.dtype == np.bool_
        np.testing.assert_array_equal(result, expected)


def test_strings_inside_larger_expressions():
    s = np.array([b"x", b"y", b"x", b"zz"])
    a, b = np.arange(4.0), -np.arange(4.0)
    np.testing.assert_array_equal(exprvm.evaluate("where(s == b'x', a, b)"),
                                  np.where(s == b"x", a, b))
    np.testing.assert_array_equal(exprvm.evaluate("sum(where((s != b'x') & (a > 1), a, 0))"),
                                  3.0)
    np.testing.assert_array_equal(exprvm.evaluate("b'a' < s < b'z'"), (s > b"a") & (s < b"z"))
    out = np.empty(4, dtype=bool)
    assert exprvm.evaluate("contains(s, b'z') | (s == b'y')", out=out) is out
    np.testing.assert_array_equal(out, [False, True, False, True])


def test_empty_strings():
    a = np.array([b"", b"pepe"])
    b = np.array([b"pepe2", b""])
    np.testing.assert_array_equal(exprvm.evaluate("(a == b'') & (b == b'pepe2')"), [True, False])
    np.testing.assert_array_equal(exprvm.evaluate("(a == b'pepe') & (b == b'')"), [False, True])


def test_prefixes_and_null_characters_compare_as_numpy():
    for s1, s2 in [(b"foo", b"foobar"), (b"foo", b"foo\0bar"), (b"foo\0a", b"foo\0bar")]:
        assert exprvm.evaluate("s1 < s2") and exprvm.evaluate("s1 <= s2")
        assert exprvm.evaluate("~(s1 == s2)") and exprvm.evaluate("~(s1 >= s2)")
        assert exprvm.evaluate("~(s1 > s2)")
    s1, s2 = b"foo", b"foo\0\0"  # NumPy's array semantics: trailing NULs do not count
    assert exprvm.evaluate("s1 == s2")


def test_a_bare_string_is_copied_whole():
    for s in [b"\0\0\0", b"\0\0foo\0", b"foo\0b\0", b"foo\0bar\0baz\0\0"]:
        assert exprvm.evaluate("s").tobytes() == s
    sarr = SARR1
    result = exprvm.evaluate("sarr")
    np.testing.assert_array_equal(result, sarr)
    assert result is not sarr


@pytest.mark.parametrize("haystack,needle,expected", [
    ("b'abc'", "b'ab'", True),
    ("haystack", "b'ab'", [True, False, False, False, False]),
    ("b'abcd'", "haystack", [True, False, False, False, False]),
    ("b'test abc here'", "needles", [True, False, True, True, False, True]),
    ("withemptystr", "b''", [True, True, True]),
    ("b'abcd'", "withemptystr", [True, False, True]),
])
def test_contains(haystack, needle, expected):
    local_dict = {"haystack": np.array([b"abc", b"def", b"xyz", b"x11", b"za"]),
                  "needles": np.array([b"abc", b"ab c", b" abc", b" abc ", b"\tabc", b"c h"]),
                  "withemptystr": np.array([b"abc", b"def", b""])}
    result = exprvm.evaluate(f"contains({haystack}, {needle})", local_dict=local_dict)
    assert result.dtype == np.bool_
    np.testing.assert_array_equal(result, expected)


def test_contains_elementwise_matches_pythons_in():
    small = [b"It w", b"as th", b"e Whit", b"", b"abbit", b" tro", b"tting", b"owly"]
    big = [b"It wa", b"s the", b" W", b"hit", b"e ", b"Rabbit, t", b"rotting s", b"lowly"]
    pairs = list(product(small, big))
    a = np.array([p[0] for p in pairs])
    b = np.array([p[1] for p in pairs])
    np.testing.assert_array_equal(exprvm.evaluate("contains(b, a)"),
                                  [p[0] in p[1] for p in pairs])
    needle = b"a" * 40
    assert exprvm.evaluate("contains(h, needle)", local_dict={"h": b"1" + needle, "needle": needle})


@pytest.mark.parametrize("source,message", [
    ("SARR1 + SARR2", "outside a comparison"),
    ("SARR1 >= narr", "only be compared with another bytes string"),
    ("contains(SARR1, narr)", "contains\\(\\) takes bytes strings"),
    ("contains(SARR1)", "takes two arguments"),
    ("sqrt(SARR1)", "outside a comparison"),
])
def test_other_operations_on_strings_are_clear_type_errors(source, message):
    narr = np.arange(len(SARR1), dtype=np.int32)  # noqa: F841 - read by the expression
    with pytest.raises(TypeError, match=message):
        exprvm.evaluate(source)


def test_str_literals_are_syntax_errors():
    with pytest.raises(SyntaxError, match="expected an expression"):
        exprvm.evaluate("SARR1 == 'foo'")
    with pytest.raises(TypeError, match="str literals are not supported"):
        exprvm.evaluate("(SARR1 == b'foo') | (SARR2 == 'x')")


def test_errors_without_strings_are_unchanged():
    a = np.arange(3.0)  # noqa: F841 - read by the expression
    with pytest.raises(SyntaxError, match="expected an expression after"):
        exprvm.evaluate("a + ")
    with pytest.raises(TypeError, match="is not supported for complex"):
        exprvm.evaluate("a < 1j")
    with pytest.raises(exprvm.UndefinedVariableError):
        exprvm.evaluate("a + nothing_here")
