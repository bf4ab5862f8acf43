"""Strings outside the language are rejected with clear errors and never executed."""
import numpy as np
import pytest

import exprvm

a = np.arange(3.0)


@pytest.mark.parametrize("text", [
    "__import__('os')",
    "__import__('os').system('touch /tmp/exprvm_pwned')",
    "a.shape",
    "a.__class__",
    "(lambda: 1)()",
    "[x for x in a]",
    "a[0]",
    "open('/etc/passwd')",
    "exec('1')",
    "a if a else a",
    "'text'",
    "import os",
    "a +* 2",
    "a ; ; b",
    "",
    "a @ a",
])
def test_rejected_with_clear_error(text):
    with pytest.raises((SyntaxError, TypeError, ValueError, NameError)) as info:
        exprvm.evaluate(text)
    message = str(info.value)
    assert message and len(message) < 2000


def test_call_of_unknown_function_is_a_type_error_with_caret():
    with pytest.raises(TypeError) as info:
        exprvm.evaluate("frobnicate(a)")
    assert "frobnicate" in str(info.value) and "^" in str(info.value)
    assert info.value.kind == "function"


def test_syntax_error_has_caret_line_and_position():
    with pytest.raises(SyntaxError) as info:
        exprvm.evaluate("a + (2 *")
    lines = str(info.value).splitlines()
    assert any(line.strip().startswith("^") for line in lines)
    assert info.value.kind == "syntax" and info.value.line == 1


def test_none_is_not_a_value():
    with pytest.raises(NameError) as info:
        exprvm.evaluate("a + None")
    assert "None is only allowed" in str(info.value)


def test_nothing_was_executed():
    import os
    assert not os.path.exists("/tmp/exprvm_pwned")


def test_one_megabyte_expression():
    text = "a" + " + a" * (1 << 18)
    assert len(text) > 1_000_000
    try:
        result = exprvm.evaluate(text)
    except (SyntaxError, ValueError) as error:   # a documented size limit is fine
        assert str(error)
    else:
        np.testing.assert_allclose(result, a * ((1 << 18) + 1))


def test_deep_nesting_is_rejected_without_crashing():
    for depth in (1000, 100_000):
        with pytest.raises((SyntaxError, ValueError)):
            exprvm.evaluate("(" * depth + "a" + ")" * depth)
    with pytest.raises((SyntaxError, ValueError)):
        exprvm.evaluate("-" * 100_000 + "a")


def test_unicode_and_control_characters():
    for text in ("a + \u00e9", "a\x00 + 1", "a + 1\udcff"[:-1] + "\u202e"):
        with pytest.raises((SyntaxError, NameError)):
            exprvm.evaluate(text)
