"""evaluate(..., writable=): strings from an untrusted source cannot write caller arrays."""
import numpy as np
import pytest

import exprvm


def test_writable_empty_refuses_and_leaves_the_array_untouched():
    a = np.arange(5.0)
    with pytest.raises(ValueError) as info:
        exprvm.evaluate("a = a * 0", local_dict={"a": a}, writable=())
    assert "assigns to 'a'" in str(info.value) and "^" in str(info.value)
    assert info.value.kind == "argument"
    np.testing.assert_array_equal(a, np.arange(5.0))


def test_frame_and_global_arrays_are_protected_too():
    b = np.ones(3)
    with pytest.raises(ValueError):
        exprvm.evaluate("b = 2", writable=[])
    np.testing.assert_array_equal(b, 1.0)


def test_nothing_runs_when_a_later_statement_is_refused():
    a, b = np.zeros(3), np.ones(3)
    with pytest.raises(ValueError):
        exprvm.evaluate("a = a + 7; b = a", local_dict={"a": a, "b": b}, writable={"a"})
    np.testing.assert_array_equal(a, 0.0)
    np.testing.assert_array_equal(b, 1.0)


def test_listed_names_may_be_written_and_temporaries_are_free():
    a, b = np.zeros(3), np.arange(3.0)
    exprvm.evaluate("t = b * 2; a = t + 1", local_dict={"a": a, "b": b}, writable=("a",))
    np.testing.assert_array_equal(a, [1, 3, 5])
    result = exprvm.evaluate("t = b + 1; t * 2", local_dict={"b": b}, writable=())
    np.testing.assert_array_equal(result, [2, 4, 6])


def test_default_none_keeps_numexpr_behaviour():
    a = np.arange(3.0)
    exprvm.evaluate("a = a * 0", local_dict={"a": a}, writable=None)
    np.testing.assert_array_equal(a, 0.0)


def test_re_evaluate_keeps_the_restriction():
    a = np.arange(3.0)
    assert exprvm.validate("a + 1", local_dict={"a": a}, writable=()) is None
    np.testing.assert_array_equal(exprvm.re_evaluate(local_dict={"a": a}), [1, 2, 3])
    error = exprvm.validate("a = 1", local_dict={"a": a}, writable=())
    assert isinstance(error, ValueError)
    np.testing.assert_array_equal(a, [0, 1, 2])


@pytest.mark.parametrize("bad", ["a", b"a", 3, [1]])
def test_writable_must_be_an_iterable_of_names(bad):
    a = np.arange(3.0)
    with pytest.raises(TypeError):
        exprvm.evaluate("a + 1", local_dict={"a": a}, writable=bad)
