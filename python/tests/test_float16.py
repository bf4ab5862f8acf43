"""float16 storage: every operation computes in float32 and rounds to float16, as NumPy does;
results are compared with NumPy bit for bit. Generated cases print their seed."""
import numpy as np
import pytest

import exprvm

from conftest import assert_matches

SEEDS = [31, 32, 33]


def halves(n, seed, scale=100.0):
    """n float16 values: random magnitudes plus the special values."""
    rng = np.random.default_rng(seed)
    values = (rng.standard_normal(n) * scale).astype(np.float16)
    values[:8] = np.array([0.0, -0.0, np.inf, -np.inf, np.nan, 65504.0, 6e-8, -3e-5], dtype=np.float16)
    return values


def assert_same_bits(actual, expected):
    expected = np.asarray(expected)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape
    np.testing.assert_array_equal(actual.view(np.uint16), expected.view(np.uint16))


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("op", ["+", "-", "*", "/"])
def test_arithmetic_rounds_like_numpy(op, seed):
    print("seed", seed)
    a, b = halves(300, seed), halves(300, seed + 100)
    with np.errstate(all="ignore"):
        expected = eval("a " + op + " b")
    assert_same_bits(exprvm.evaluate("a " + op + " b"), expected)


@pytest.mark.parametrize("seed", SEEDS)
def test_each_operation_rounds(seed):
    print("seed", seed)
    a, b, c = halves(500, seed), halves(500, seed + 1), halves(500, seed + 2)
    with np.errstate(all="ignore"):
        expected = a * b + c  # rounded after the multiply and after the add
    assert_same_bits(exprvm.evaluate("a * b + c"), expected)
    with np.errstate(all="ignore"):
        expected = (a + b) * (a - c) / b
    assert_same_bits(exprvm.evaluate("(a + b) * (a - c) / b"), expected)


def test_promotion_with_other_dtypes():
    a = halves(50, 5)
    i8 = np.arange(50, dtype=np.int8)
    u8 = np.arange(50, dtype=np.uint8)
    i16 = np.arange(50, dtype=np.int16)
    f32 = np.linspace(-2, 2, 50, dtype=np.float32)
    with np.errstate(all="ignore"):
        assert_same_bits(exprvm.evaluate("a + i8"), a + i8)
        assert_same_bits(exprvm.evaluate("a * u8"), a * u8)
        assert_matches(exprvm.evaluate("a + i16"), a + i16)  # float32
        assert_matches(exprvm.evaluate("a + f32"), a + f32)  # float32
        assert_same_bits(exprvm.evaluate("a + 1.5"), a + np.float16(1.5))  # weak literal
        assert_same_bits(exprvm.evaluate("a * 3"), a * np.float16(3))


def test_functions_comparisons_and_where():
    a, b = halves(200, 7), halves(200, 8)
    with np.errstate(all="ignore"):
        assert_same_bits(exprvm.evaluate("sqrt(abs(a))"), np.sqrt(np.abs(a)))
        assert_matches(exprvm.evaluate("a < b"), a < b)
        assert_same_bits(exprvm.evaluate("where(a < b, a, b)"), np.where(a < b, a, b))
        assert_same_bits(exprvm.evaluate("-a"), -a)
        assert_same_bits(exprvm.evaluate("maximum(a, b)"), np.maximum(a, b))


def test_reductions_are_float16():
    a = halves(1000, 9, scale=1.0)[8:]
    assert_same_bits(exprvm.evaluate("max(a)"), np.max(a))
    assert_same_bits(exprvm.evaluate("min(a)"), np.min(a))
    total = exprvm.evaluate("sum(a)")
    assert total.dtype == np.float16
    assert abs(float(total) - float(np.sum(a.astype(np.float64)))) <= 0.01 * max(1.0, abs(float(total)))


def test_float16_output_rounds_once():
    x = np.array([1.0 + 2.0**-11, 1.0 + 3 * 2.0**-11, 65520.0, 1e-8, -2.0**-25 * 1.5, np.nan])
    out = np.empty(6, dtype=np.float16)
    exprvm.evaluate("x", out=out, casting="unsafe")
    with np.errstate(over="ignore"):
        expected = x.astype(np.float16)
    assert_same_bits(out, expected)
