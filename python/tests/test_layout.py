"""Arrays of every layout cross without copies; out, aliasing, casting and order."""
import numpy as np
import pytest

import exprvm
from conftest import assert_matches, sample


def test_issue_example():
    a = np.arange(5.)
    np.testing.assert_array_equal(exprvm.evaluate("a*2+1"), [1., 3., 5., 7., 9.])


def test_broadcasting():
    a = sample("float64", n=12).reshape(3, 4)
    row = sample("float64", n=4, seed=1)
    col = sample("float64", n=3, seed=2).reshape(3, 1)
    assert_matches(exprvm.evaluate("a * row + col"), a * row + col)
    assert_matches(exprvm.evaluate("row + col"), row + col)
    with pytest.raises(ValueError):
        exprvm.evaluate("a + b", local_dict={"a": a, "b": np.ones(5)})


def test_strided_and_negative_strided_views():
    base = sample("float32", n=200).reshape(10, 20)
    a = base[::2, 3::3]
    b = base[::-2, ::-3][:, :6]
    assert not a.flags.c_contiguous
    assert_matches(exprvm.evaluate("a - 2*b"), a - 2 * b)
    t = base.T
    assert_matches(exprvm.evaluate("t * t"), t * t)


def test_zero_stride_broadcast_view():
    a = np.broadcast_to(np.arange(3.0), (4, 3))
    assert_matches(exprvm.evaluate("a + 1"), a + 1)


def test_zero_d_inputs_and_results():
    x = np.array(2.5)
    result = exprvm.evaluate("x * 2")
    assert isinstance(result, np.ndarray) and result.shape == () and result == 5.0
    assert exprvm.evaluate("2 * 3").shape == ()
    assert exprvm.evaluate("sum(y)", local_dict={"y": np.arange(4.0)}).shape == ()


def test_empty_arrays():
    e = np.zeros((0, 3), dtype=np.float32)
    assert_matches(exprvm.evaluate("e * 2 + 1"), e * 2 + 1)


def test_result_owns_no_copy_of_inputs():
    a = np.arange(6.0)
    r = exprvm.evaluate("a + 0")
    r[0] = 100.0
    assert a[0] == 0.0


def test_out_in_place_returns_out():
    p = sample("float32", n=1728)
    g = sample("float32", n=1728, seed=1)
    expected = p - g
    result = exprvm.evaluate("p - g", out=p)
    assert result is p
    assert_matches(p, expected)


def test_out_that_is_a_strided_view():
    base = np.zeros((6, 8))
    a = sample("float64", n=24).reshape(6, 4)
    exprvm.evaluate("a * 3", out=base[:, ::2])
    np.testing.assert_allclose(base[:, ::2], a * 3)
    assert (base[:, 1::2] == 0).all()


def test_partially_overlapping_out_reads_the_original_values():
    a = np.arange(100.0)
    expected = a[:-1] * 2 + 1
    exprvm.evaluate("x * 2 + 1", local_dict={"x": a[:-1]}, out=a[1:])
    np.testing.assert_array_equal(a[1:], expected)
    b = np.arange(100.0)
    expected = b[::-1] + b
    exprvm.evaluate("r + b", local_dict={"r": b[::-1], "b": b}, out=b)
    np.testing.assert_array_equal(b, expected)


@pytest.mark.parametrize("casting,out_dtype,allowed", [
    ("no", np.float64, True), ("no", np.float32, False),
    ("equiv", np.float64, True), ("equiv", np.float32, False),
    ("safe", np.complex128, True), ("safe", np.float32, False),
    ("same_kind", np.float32, True), ("same_kind", np.int64, False),
    ("unsafe", np.int64, True),
])
def test_casting_rules_for_out(casting, out_dtype, allowed):
    a = np.linspace(0, 10, 11)
    out = np.zeros(11, dtype=out_dtype)
    if allowed:
        exprvm.evaluate("a * 2", out=out, casting=casting)
        np.testing.assert_array_equal(out, (a * 2).astype(out_dtype))
    else:
        with pytest.raises(TypeError):
            exprvm.evaluate("a * 2", out=out, casting=casting)
        assert (out == 0).all()


def test_out_with_wrong_shape_is_a_value_error():
    a = np.arange(3.0)
    with pytest.raises(ValueError):
        exprvm.evaluate("a * 2", out=np.zeros(4))


def test_read_only_out_is_rejected():
    a = np.arange(3.0)
    out = np.zeros(3)
    out.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        exprvm.evaluate("a * 2", out=out)


@pytest.mark.parametrize("order", ["C", "F", "K", "A"])
def test_order_of_allocated_results(order):
    f = np.asfortranarray(sample("float64", n=12).reshape(3, 4))
    r = exprvm.evaluate("f * 2", order=order)
    np.testing.assert_array_equal(r, f * 2)
    expect_fortran = order in ("F", "K", "A")
    assert r.flags.f_contiguous == expect_fortran
    assert r.flags.c_contiguous == (not expect_fortran)


@pytest.mark.parametrize("dtype", ["object", "U3", "longdouble"])
def test_unsupported_dtypes_are_named_in_the_error(dtype):
    bad = np.zeros(3, dtype=dtype)
    with pytest.raises(TypeError, match=r"variable 'bad' has dtype .*not support"):
        exprvm.evaluate("bad + 1")


def test_byte_swapped_and_misaligned_inputs():
    swapped = np.arange(5.0).astype(">f8")
    assert_matches(exprvm.evaluate("swapped * 2"), np.arange(5.0) * 2)
    raw = np.zeros(8 * 5 + 1, dtype=np.uint8)[1:].view(np.float64)
    raw[:] = np.arange(5.0)
    assert not raw.flags.aligned
    assert_matches(exprvm.evaluate("raw + 1"), np.arange(5.0) + 1)


def test_python_lists_are_converted():
    assert_matches(exprvm.evaluate("x * 2", local_dict={"x": [1.0, 2.0]}), np.array([2.0, 4.0]))


def test_large_arrays_match_numpy():
    a = sample("float32", n=1 << 20)
    b = sample("float32", n=1 << 20, seed=1)
    assert_matches(exprvm.evaluate("tanh(where(a > 0.5, a, b)) * 2"),
                   np.tanh(np.where(a > 0.5, a, b)) * np.float32(2))
