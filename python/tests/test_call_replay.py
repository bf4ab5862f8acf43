"""evaluate()'s replay of a bound program (python/repeat_run.*): a call that passes the buffers
its program variant was bound to runs the binding without binding again. Every case here
changes something the binding depends on after a few replayed calls, and the answer must
still be NumPy's (or the error of the general path)."""
import numpy as np
import pytest

import exprvm

REPEATS = 4  # the second call binds, later ones replay


def test_dtype_changed_in_place_keeps_numpy_answers():
    p = np.arange(6.0)
    for _ in range(REPEATS):
        exprvm.evaluate("p + 1", out=p)
    p.dtype = np.int64  # same buffer, shape and strides; other dtype
    expected = p + 1
    for _ in range(REPEATS):
        exprvm.evaluate("p + 1", out=p)
        np.testing.assert_array_equal(p, expected)
        expected = p + 1


def test_byte_order_changed_in_place_is_staged():
    a = np.arange(5.0)
    out = np.empty(5)
    for _ in range(REPEATS):
        exprvm.evaluate("a * 2", out=out)
    a.dtype = a.dtype.newbyteorder()  # the same bytes, read swapped
    for _ in range(REPEATS):
        exprvm.evaluate("a * 2", out=out)
        np.testing.assert_array_equal(out, a * 2)
    out.dtype = out.dtype.newbyteorder()  # a swapped out is written through a staged copy
    for _ in range(REPEATS):
        exprvm.evaluate("a * 2", out=out)
        np.testing.assert_array_equal(out, a * 2)


def test_scalar_kinds_of_one_type_code_are_told_apart():
    # A 0-d array and a NumPy scalar are both strong float64 scalars: the first is read from
    # its own buffer, the second from the binding's copy of its value.
    x = np.arange(4.0)
    out = np.empty(4)
    for s in [np.array(2.0)] * REPEATS + [np.float64(v) for v in (3.0, 4.0, 5.0)] + \
             [np.array(6.0)] * REPEATS:
        exprvm.evaluate("x * s", out=out)
        np.testing.assert_array_equal(out, x * s)


def test_weak_and_strong_scalars_are_told_apart():
    # Weak Python numbers and strong NumPy scalars compile to other variants (float32 * 2.0 is
    # float32, float32 * float64(3.0) float64); each value must reach its run. The values are
    # exact in float32, so every variant gives the same numbers.
    x = np.arange(4, dtype=np.float32)
    out = np.empty(4, np.float32)
    for s in (2.0, 2.0, 2.0, np.float64(3.0), np.float64(3.0), np.float64(5.0), 4, 4, True,
              1.5, np.float32(7.0), np.float32(8.0)):
        exprvm.evaluate("x * s", out=out)
        np.testing.assert_array_equal(out, x * np.float32(s))


def test_swapped_and_replaced_arguments():
    a, b = np.arange(4.0), np.full(4, 10.0)
    out = np.empty(4)
    for _ in range(REPEATS):
        exprvm.evaluate("a - b", out=out)
    a, b = b, a
    exprvm.evaluate("a - b", out=out)
    np.testing.assert_array_equal(out, a - b)
    d = {"a": a, "b": b}
    for _ in range(REPEATS):
        exprvm.evaluate("a - b", local_dict=d, out=out)
    d["b"] = np.ones(4)
    exprvm.evaluate("a - b", local_dict=d, out=out)
    np.testing.assert_array_equal(out, a - 1)


def test_a_temporary_target_that_becomes_a_caller_array():
    a = np.arange(3.0)
    out = np.empty(3)
    for _ in range(REPEATS):
        exprvm.evaluate("t = a * 2; t + 1", out=out)  # t: a temporary of the program
    np.testing.assert_array_equal(out, a * 2 + 1)
    t = np.zeros(3)
    exprvm.evaluate("t = a * 2; t + 1", out=out)  # t: the caller's array, written in place
    np.testing.assert_array_equal(t, a * 2)
    np.testing.assert_array_equal(out, a * 2 + 1)


def test_undefined_and_unsupported_values_after_replays():
    x = np.arange(3.0)
    out = np.empty(3)
    for _ in range(REPEATS):
        exprvm.evaluate("x + 1", out=out)
    del x
    with pytest.raises(NameError, match="'x' is not defined"):
        exprvm.evaluate("x + 1", out=out)
    x = np.arange(3, dtype=np.longdouble)
    with pytest.raises(TypeError, match="longdouble|float128"):
        exprvm.evaluate("x + 1", out=out)
    x = 2 ** 70
    with pytest.raises(OverflowError):
        exprvm.evaluate("x + 1", out=out)
    x = [1.0, 2.0, 3.0]  # converted by NumPy every call
    exprvm.evaluate("x + 1", out=out)
    np.testing.assert_array_equal(out, [2.0, 3.0, 4.0])


def test_options_are_checked_on_replayed_calls():
    a = np.zeros(4)
    for _ in range(REPEATS):
        exprvm.evaluate("a = a + 1")
    np.testing.assert_array_equal(a, np.full(4, REPEATS))
    with pytest.raises(ValueError, match="writable"):
        exprvm.evaluate("a = a + 1", writable=())
    np.testing.assert_array_equal(a, np.full(4, REPEATS))
    out = np.empty(4, np.float32)
    with pytest.raises(TypeError):  # float64 into float32 under 'safe'
        exprvm.evaluate("a * 2", out=out, casting="safe")
    for _ in range(REPEATS):
        exprvm.evaluate("a * 2", out=out, casting="same_kind")
    with pytest.raises(TypeError):
        exprvm.evaluate("a * 2", out=out, casting="safe")
    with pytest.raises(ValueError, match="no result expression"):
        exprvm.evaluate("a = a + 1", out=out)


def test_re_evaluate_follows_replayed_calls():
    p, g = np.full(4, 10.0), np.ones(4)
    q = np.zeros(4)
    for _ in range(REPEATS):
        exprvm.evaluate("p - g", out=p)
    exprvm.re_evaluate()
    np.testing.assert_array_equal(p, np.full(4, 10.0 - REPEATS - 1))
    exprvm.evaluate("p - g", out=q)
    for _ in range(REPEATS):
        exprvm.re_evaluate()
    np.testing.assert_array_equal(q, p - g)
    np.testing.assert_array_equal(p, np.full(4, 10.0 - REPEATS - 1))
    for _ in range(REPEATS):
        exprvm.evaluate("p - g", out=p)
    exprvm.re_evaluate()  # out=p again, as the last evaluate() said
    np.testing.assert_array_equal(p, np.full(4, 10.0 - 2 * REPEATS - 2))


def test_the_package_keeps_module_attribute_reads_specialisable():
    # CPython 3.11 does not specialise attribute reads of a module with a __getattr__, which
    # made every `exprvm.evaluate(...)` pay a generic lookup (~230 instructions).
    assert "__getattr__" not in vars(exprvm)
    assert exprvm.nn is not None  # loaded with the package
    old = exprvm.set_num_threads(1)
    try:
        assert exprvm.nthreads == 1 == exprvm._core.nthreads
    finally:
        exprvm.set_num_threads(old)
    assert exprvm.nthreads == old
