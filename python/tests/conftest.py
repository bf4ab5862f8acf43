"""Shared helpers of the exprvm Python tests: NumPy is the reference for every result."""
import numpy as np
import pytest

import exprvm

NATIVE_DTYPES = ["bool", "int32", "int64", "float32", "float64", "complex128"]


def tolerance(dtype):
    """Relative tolerance for comparing a result of `dtype` with NumPy's."""
    dtype = np.dtype(dtype)
    if dtype in (np.float32, np.complex64):
        return 2e-5
    if dtype.kind in "fc":
        return 1e-12
    return 0


def assert_matches(actual, expected):
    """Same dtype, shape and values (NaNs equal) as the NumPy reference."""
    expected = np.asarray(expected)
    assert isinstance(actual, np.ndarray)
    assert actual.dtype == expected.dtype, (actual.dtype, expected.dtype)
    assert actual.shape == expected.shape
    rtol = tolerance(expected.dtype)
    if rtol:
        np.testing.assert_allclose(actual, expected, rtol=rtol, atol=rtol, equal_nan=True)
    else:
        np.testing.assert_array_equal(actual, expected)


def numpy2_sign(x):
    """NumPy 2's sign (exprvm's): x/|x| for complex (0 for 0); np.sign otherwise. The installed
    NumPy 1.x gives the sign of the real part (else of the imaginary part) for complex."""
    x = np.asarray(x)
    if x.dtype.kind != "c":
        return np.sign(x)
    magnitude = np.abs(x)
    divisor = np.where(magnitude == 0, 1, magnitude)
    with np.errstate(invalid="ignore", divide="ignore"):  # each part divided, as NumPy 2 does
        unit = (x.real / divisor + 1j * (x.imag / divisor)).astype(x.dtype)
    return np.where(magnitude == 0, 0, unit)


def sample(dtype, n=37, seed=0, low=0.1, high=0.9):
    """Deterministic test values of `dtype` in ranges every function accepts."""
    rng = np.random.default_rng(seed)
    dtype = np.dtype(dtype)
    if dtype == np.bool_:
        return rng.integers(0, 2, n).astype(bool)
    if dtype.kind in "iu":
        return rng.integers(1, 6, n).astype(dtype)
    values = rng.uniform(low, high, n)
    if dtype.kind == "c":
        values = values + 1j * rng.uniform(low, high, n)
    return values.astype(dtype)


@pytest.fixture
def restore_threads():
    """Leaves the thread count as the test found it."""
    before = exprvm.get_num_threads()
    yield
    exprvm.set_num_threads(before)
