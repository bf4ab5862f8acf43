"""The narrow and unsigned integer dtypes against NumPy: result dtype AND values.

exprvm follows NEP 50 for Python literals (uint8_array + 1 stays uint8), which NumPy 1.24
implements behind np._set_promotion_state("weak"); the references below are computed with
typed NumPy scalars of the array's dtype where NumPy's legacy rule would differ.
Generated cases print their seed (pytest shows it in the test id and on failure).
"""
import numpy as np
import pytest

import exprvm

from conftest import assert_matches

INTEGER_DTYPES = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64"]
NEW_DTYPES = ["int8", "int16", "uint8", "uint16", "uint32", "uint64"]
SEEDS = [11, 12, 13]


def random_integers(dtype, n, seed, full_range=True):
    """n values of `dtype`: the full range (wrap-around) or small ones."""
    rng = np.random.default_rng(seed)
    info = np.iinfo(dtype)
    if full_range:
        return rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    low = 0 if info.min == 0 else -20
    return rng.integers(low, 20, n).astype(dtype)


def numpy_quiet(f, *args):
    with np.errstate(all="ignore"):
        return f(*args)


def test_uint8_wraps_around():
    a = np.array([200, 255, 0, 17], dtype=np.uint8)
    b = np.array([100, 1, 1, 250], dtype=np.uint8)
    assert_matches(exprvm.evaluate("a + b"), a + b)
    assert_matches(exprvm.evaluate("a - b"), numpy_quiet(np.subtract, a, b))
    assert_matches(exprvm.evaluate("a * b"), a * b)
    assert_matches(exprvm.evaluate("-a"), -a)


@pytest.mark.parametrize("dtype", NEW_DTYPES)
def test_python_literal_keeps_the_array_dtype(dtype):
    a = random_integers(dtype, 50, 3, full_range=False)
    one = np.array(1, dtype=dtype)[()]
    assert_matches(exprvm.evaluate("a + 1"), a + one)
    assert_matches(exprvm.evaluate("a * 3"), a * np.array(3, dtype=dtype)[()])
    assert_matches(exprvm.evaluate("a + 1.5"), a + 1.5)  # a float literal: float64


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
@pytest.mark.parametrize("op", ["+", "-", "*", "//", "%", "&", "|", "^", "<", "<=", "==", "!=", ">=", ">"])
def test_binary_operators(op, dtype, seed):
    print("seed", seed)
    a = random_integers(dtype, 257, seed)
    b = random_integers(dtype, 257, seed + 100)
    b[::7] = 0  # x // 0 and x % 0 give 0
    expected = numpy_quiet(lambda x, y: eval("x " + op + " y"), a, b)
    if op in ("//", "%"):
        expected = np.where(b == 0, np.zeros((), dtype), expected).astype(expected.dtype)
    assert_matches(exprvm.evaluate("a " + op + " b"), expected)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_power_and_shifts(dtype, seed):
    print("seed", seed)
    a = random_integers(dtype, 257, seed)
    small = random_integers(dtype, 257, seed + 1, full_range=False)
    count = np.abs(small.astype(np.int64)).astype(dtype)  # 0..20: in and out of range
    assert_matches(exprvm.evaluate("a ** count"), a ** count)
    bits = np.dtype(dtype).itemsize * 8
    in_range = np.where(count < bits, count, np.zeros((), dtype)).astype(dtype)
    assert_matches(exprvm.evaluate("a << in_range"), a << in_range)
    assert_matches(exprvm.evaluate("a >> in_range"), a >> in_range)
    # shift counts >= bits: NumPy shifts everything out (>> keeps the sign of signed values)
    assert_matches(exprvm.evaluate("a >> count"), np.right_shift(a, count))
    assert_matches(exprvm.evaluate("a << count"), np.left_shift(a, count))


@pytest.mark.parametrize("dtype", NEW_DTYPES)
def test_unary_and_functions(dtype):
    a = random_integers(dtype, 300, 5)
    assert_matches(exprvm.evaluate("-a"), numpy_quiet(np.negative, a))
    assert_matches(exprvm.evaluate("~a"), ~a)
    assert_matches(exprvm.evaluate("abs(a)"), numpy_quiet(np.abs, a))
    b = random_integers(dtype, 300, 6)
    assert_matches(exprvm.evaluate("where(a > b, a, b)"), np.where(a > b, a, b))
    assert_matches(exprvm.evaluate("maximum(a, b)"), np.maximum(a, b))
    assert_matches(exprvm.evaluate("minimum(a, b)"), np.minimum(a, b))


@pytest.mark.parametrize("dtype", NEW_DTYPES)
def test_min_max_sum_reductions(dtype):
    a = random_integers(dtype, 1001, 9)
    assert_matches(exprvm.evaluate("min(a)"), np.min(a))
    assert_matches(exprvm.evaluate("max(a)"), np.max(a))
    # NumPy sums and multiplies narrow signed integers in int64 and unsigned ones in uint64
    assert_matches(exprvm.evaluate("sum(a)"), np.sum(a))
    small = random_integers(dtype, 30, 10, full_range=False)
    assert_matches(exprvm.evaluate("prod(small)"), np.prod(small))
    two_d = a[:1000].reshape(10, 100)
    assert_matches(exprvm.evaluate("sum(two_d, axis=1)"), np.sum(two_d, axis=1))


MIXED_PAIRS = [("uint8", "int8"), ("uint16", "int16"), ("uint32", "int32"), ("uint64", "int64"),
               ("uint8", "int64"), ("int8", "int16"), ("uint8", "uint32"), ("int16", "float32"),
               ("int32", "float32"), ("uint64", "float32"), ("uint8", "complex64"), ("bool", "uint16")]


@pytest.mark.parametrize("left,right", MIXED_PAIRS)
def test_mixed_promotion(left, right):
    rng = np.random.default_rng(21)
    a = (rng.integers(0, 100, 64) if left != "bool" else rng.integers(0, 2, 64)).astype(left)
    b = rng.integers(-50, 50, 64).astype(right) if np.dtype(right).kind != "u" else rng.integers(0, 100, 64).astype(right)
    for op in ("+", "*", "<", "-"):
        if (op == "-" and left == "bool") or (op == "<" and np.dtype(right).kind == "c"):
            continue
        expected = eval("a " + op + " b")
        assert_matches(exprvm.evaluate("a " + op + " b"), expected)


def test_uint64_plus_int64_is_float64():
    a = np.array([2**63 + 5, 1, 0], dtype=np.uint64)
    b = np.array([-1, 2, -3], dtype=np.int64)
    result = exprvm.evaluate("a + b")
    assert result.dtype == np.float64
    assert_matches(result, a + b)


def test_large_uint64_values_survive():
    a = np.array([2**64 - 1, 2**63, 12345], dtype=np.uint64)
    assert_matches(exprvm.evaluate("a + 0"), a)
    assert_matches(exprvm.evaluate("a // 3"), a // np.uint64(3))
    assert_matches(exprvm.evaluate("a >> 60"), a >> np.uint64(60))
    assert_matches(exprvm.evaluate("a > 9223372036854775807"), a > np.uint64(2**63 - 1))


@pytest.mark.parametrize("dtype", NEW_DTYPES)
def test_casts_into_out_and_from_floats(dtype):
    x = np.array([0.0, 1.9, -1.9, 100.5, 3.0])
    if np.dtype(dtype).kind == "u":
        x = np.abs(x)
    out = np.empty(5, dtype=dtype)
    exprvm.evaluate("x * 1", out=out, casting="unsafe")
    np.testing.assert_array_equal(out, x.astype(dtype))
    ints = random_integers(dtype, 40, 4)
    for target in ("float32", "float64", "int64", "uint8", "bool"):
        out = np.empty(40, dtype=target)
        exprvm.evaluate("ints", out=out, casting="unsafe")
        np.testing.assert_array_equal(out, ints.astype(target))
