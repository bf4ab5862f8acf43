"""Float-only functions of integers and bools against NumPy: result dtype AND values.

NumPy's ufunc loops convert bool, int8 and uint8 to float16, int16 and uint16 to float32 and
wider integers to float64 (the smallest float that holds them); true division `/` of integers
is always float64. float16 is computed in float32 and rounded, as NumPy does. Values are
bit-exact where the float32 (float64) operation is correctly rounded (sqrt, /) and within a few
ULPs of the result dtype for transcendental functions. Python literals are weak (NEP 50: NumPy
1.24's np._set_promotion_state("weak") gives the reference).
"""
import contextlib

import numpy as np
import pytest

import exprvm

from conftest import assert_matches

DTYPES = ["bool", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64"]
UNARY = ["sqrt", "sin", "cos", "exp", "log", "tanh", "arctan", "log1p", "expm1"]
BINARY = ["arctan2", "hypot"]
TRANSCENDENTAL_ULPS = 2  # of the result dtype


@contextlib.contextmanager
def weak_promotion():
    """NumPy's NEP 50 rule for Python numbers while the block runs."""
    before = np._get_promotion_state()
    np._set_promotion_state("weak")
    try:
        yield
    finally:
        np._set_promotion_state(before)


def values(dtype, seed, n=301):
    """Full-range values of `dtype` (both bools), with small ones and zeros mixed in."""
    rng = np.random.default_rng(seed)
    if dtype == "bool":
        return rng.integers(0, 2, n).astype(bool)
    info = np.iinfo(dtype)
    full = rng.integers(info.min, info.max, n, dtype=dtype, endpoint=True)
    full[::3] = rng.integers(0 if info.min == 0 else -12, 12, len(full[::3])).astype(dtype)
    return full


def numpy_quiet(f, *args):
    with np.errstate(all="ignore"):
        return f(*args)


def assert_within_ulps(actual, expected, ulps):
    """Same dtype and shape; values within `ulps` ULPs of the result dtype (NaN, Inf equal)."""
    expected = np.asarray(expected)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape
    finite = np.isfinite(expected)
    np.testing.assert_array_equal(actual[~finite], expected[~finite])
    spacing = np.spacing(np.abs(expected[finite])).astype(np.float64)
    error = np.abs(actual[finite].astype(np.float64) - expected[finite].astype(np.float64))
    assert np.all(error <= ulps * spacing), np.max(error / spacing)


@pytest.mark.parametrize("dtype", DTYPES)
def test_result_dtypes_are_numpys(dtype):
    a = values(dtype, 1, 8)
    for f in UNARY + ["ceil", "floor", "trunc", "isnan", "signbit"]:
        assert exprvm.evaluate(f + "(a)").dtype == numpy_quiet(getattr(np, f), a).dtype, f
    for f in BINARY + ["copysign"]:
        assert exprvm.evaluate(f + "(a, a)").dtype == numpy_quiet(getattr(np, f), a, a).dtype, f
    # nextafter: float32 where NumPy steps in float16 (its step is not a rounded float32 one)
    assert exprvm.evaluate("nextafter(a, a)").dtype == np.result_type(
        numpy_quiet(np.nextafter, a, a).dtype, np.float32)
    assert exprvm.evaluate("a / a").dtype == numpy_quiet(np.true_divide, a, a).dtype == np.float64
    scalar = a[1]  # a NumPy scalar: strong, as an array
    assert exprvm.evaluate("sqrt(scalar)").dtype == numpy_quiet(np.sqrt, scalar).dtype


@pytest.mark.parametrize("dtype", DTYPES)
def test_sqrt_and_division_are_exact(dtype):
    a = values(dtype, 2)
    b = values(dtype, 3)
    assert_matches(exprvm.evaluate("sqrt(a)"), numpy_quiet(np.sqrt, a))
    assert_matches(exprvm.evaluate("a / b"), numpy_quiet(np.true_divide, a, b))
    # float16 rounds after each operation, as NumPy's float16 loops do
    assert_matches(exprvm.evaluate("sqrt(a) * sqrt(b)"),
                   numpy_quiet(lambda x, y: np.sqrt(x) * np.sqrt(y), a, b))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("f", UNARY[1:] + BINARY)
def test_transcendental_values(f, dtype):
    a = values(dtype, 4)
    b = values(dtype, 5)
    if f in BINARY:
        got, expected = exprvm.evaluate(f + "(a, b)"), numpy_quiet(getattr(np, f), a, b)
    else:
        got, expected = exprvm.evaluate(f + "(a)"), numpy_quiet(getattr(np, f), a)
    assert_within_ulps(got, expected, TRANSCENDENTAL_ULPS)


@pytest.mark.parametrize("left,right", [("int8", "int16"), ("uint8", "int8"), ("bool", "uint8"),
                                        ("uint16", "int8"), ("int16", "uint16"), ("bool", "int32")])
def test_mixed_integer_operands(left, right):
    a = values(left, 6)
    b = values(right, 7)
    assert_within_ulps(exprvm.evaluate("arctan2(a, b)"), np.arctan2(a, b), TRANSCENDENTAL_ULPS)
    assert_matches(exprvm.evaluate("a / b"), numpy_quiet(np.true_divide, a, b))


@pytest.mark.parametrize("dtype", ["int8", "uint8", "int16", "uint16", "bool"])
def test_weak_literals(dtype):
    a = values(dtype, 8)
    with weak_promotion():
        # an int literal adopts the array's dtype; a float literal makes float64
        for source, reference in [("sqrt(a + 1)", lambda: np.sqrt(a + 1)),
                                  ("a / 2", lambda: a / 2),
                                  ("arctan2(a, 3)", lambda: np.arctan2(a, 3)),
                                  ("sin(a * 2.5)", lambda: np.sin(a * 2.5)),
                                  ("exp(a) + 1.5", lambda: np.exp(a) + 1.5),
                                  ("sqrt(2) + a", lambda: np.sqrt(2) + a)]:
            expected = numpy_quiet(reference)
            assert_within_ulps(exprvm.evaluate(source), expected, TRANSCENDENTAL_ULPS)
    assert exprvm.evaluate("sqrt(2)").dtype == np.float64  # all literals: int64 -> float64
