"""numexpr features beyond the expression matrix: the threading environment variables and the
matrix's categories checked directly (attributes, negative integer powers, complex round and
sign)."""
import os
import subprocess
import sys

import numpy as np
import pytest

import exprvm
from conftest import numpy2_sign

THREAD_VARIABLES = ("EXPRVM_NUM_THREADS", "NUMEXPR_NUM_THREADS", "OMP_NUM_THREADS",
                    "NUMEXPR_MAX_THREADS")


def threads_at_import(**environment):
    """(nthreads, get_num_threads(), MAX_THREADS) of a fresh interpreter importing exprvm with
    exactly the given thread variables set."""
    env = {k: v for k, v in os.environ.items() if k not in THREAD_VARIABLES}
    env.update(environment)
    script = ("import exprvm; print(exprvm.nthreads, exprvm.get_num_threads(), "
              "exprvm.MAX_THREADS)")
    output = subprocess.run([sys.executable, "-c", script], env=env, check=True,
                            capture_output=True, text=True).stdout
    return tuple(int(word) for word in output.split())


@pytest.mark.parametrize("environment,threads", [
    ({}, None),  # every core
    ({"OMP_NUM_THREADS": "5"}, 5),
    ({"OMP_NUM_THREADS": "5", "NUMEXPR_NUM_THREADS": "3"}, 3),  # numexpr's own wins
    ({"NUMEXPR_MAX_THREADS": "4"}, 4),  # numexpr starts MAX_THREADS threads
    ({"NUMEXPR_MAX_THREADS": "4", "OMP_NUM_THREADS": "3"}, 3),
    ({"NUMEXPR_MAX_THREADS": "4", "NUMEXPR_NUM_THREADS": "6"}, 4),  # capped at MAX_THREADS
    ({"EXPRVM_NUM_THREADS": "2", "NUMEXPR_NUM_THREADS": "3"}, 2),  # exprvm's own first
    ({"NUMEXPR_NUM_THREADS": "many", "OMP_NUM_THREADS": "3"}, 3),  # invalid values skipped
])
def test_thread_environment_follows_numexprs_precedence(environment, threads):
    nthreads, current, max_threads = threads_at_import(**environment)
    expected = threads if threads is not None else min(exprvm.detect_number_of_cores(), 64)
    assert nthreads == current == expected
    assert max_threads == int(environment.get("NUMEXPR_MAX_THREADS", 64))


def test_init_num_threads_rereads_the_environment(restore_threads, monkeypatch):
    for variable in THREAD_VARIABLES:
        monkeypatch.delenv(variable, raising=False)
    monkeypatch.setenv("OMP_NUM_THREADS", "5")
    assert exprvm._core._init_num_threads() == 5
    monkeypatch.setenv("NUMEXPR_NUM_THREADS", "3")
    assert exprvm._core._init_num_threads() == 3
    assert exprvm.get_num_threads() == exprvm.nthreads == 3


@pytest.mark.parametrize("dtype", [np.int32, np.float64, np.complex128])
def test_real_and_imag_attributes(dtype):
    a = (np.arange(12) - 4).astype(dtype) * (1 + 2j if dtype is np.complex128 else 1)
    np.testing.assert_array_equal(exprvm.evaluate("where((a-10).real != 0.0, a, 2)"),
                                  np.where((a - 10).real != 0.0, a, 2))
    np.testing.assert_array_equal(exprvm.evaluate("a.imag * 2 + a.real"),
                                  a.imag * 2 + a.real)
    np.testing.assert_array_equal(exprvm.evaluate("-a.real**2"), -a.real ** 2)
    with pytest.raises(SyntaxError, match="only the attributes .real and .imag"):
        exprvm.evaluate("a.shape")


@pytest.mark.parametrize("dtype", [np.int8, np.int32, np.int64, np.uint16, np.bool_])
@pytest.mark.parametrize("source", ["(a+1)**-7", "(a+1) ** -1", "a**-2 + 1"])
def test_integer_power_with_a_negative_constant_raises_as_numpy(dtype, source):
    a = np.arange(1, 6).astype(dtype)
    with pytest.raises(ValueError, match="Integers to negative integer powers are not allowed"):
        exprvm.evaluate(source)
    with pytest.raises(ValueError):  # NumPy agrees (the oracle)
        eval(source, {}, {"a": a})


def test_negative_power_of_integer_literals_raises_as_numpys_power():
    # Python computes 2**-1 as 0.5; NumPy's power (and exprvm, whose literals are NumPy
    # values) does not: np.power(2, -1) raises.
    with pytest.raises(ValueError, match="negative integer powers"):
        exprvm.evaluate("2**-1")
    with pytest.raises(ValueError):
        np.power(2, -1)


def test_negative_powers_that_numpy_allows():
    a = np.arange(1, 6)
    np.testing.assert_allclose(exprvm.evaluate("(a+1)**-2.5"), (a + 1) ** -2.5)
    np.testing.assert_allclose(exprvm.evaluate("(a+1.0)**-7"), (a + 1.0) ** -7)
    np.testing.assert_array_equal(exprvm.evaluate("a**2"), a ** 2)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_round_of_complex_rounds_both_parts(dtype):
    z = (np.array([1.5, 2.5, -0.5, 0.49, -3.7]) + 1j * np.array([2.5, -1.5, 0.5, 7.51, 0])
         ).astype(dtype)
    result = exprvm.evaluate("round(z)")
    assert result.dtype == dtype
    np.testing.assert_array_equal(result, np.round(z))
    np.testing.assert_array_equal(exprvm.evaluate("round(z * 2) + 1"), np.round(z * 2) + 1)


@pytest.mark.parametrize("dtype", [np.complex64, np.complex128])
def test_sign_of_complex_is_numpy_2s(dtype):
    inf, nan = np.inf, np.nan
    z = np.array([3 - 4j, -2j, 0j, complex(-0.0, 0.0), complex(-inf, 5), complex(1, inf),
                  complex(inf, inf), complex(nan, 1), 1e-310 + 1e-310j], dtype=dtype)
    result = exprvm.evaluate("sign(z)")
    assert result.dtype == dtype
    expected = numpy2_sign(z)
    expected[[4, 5]] = [-1, 1j]  # infinite modulus: the unit along the infinite part
    expected[6] = complex(nan, nan)
    if z[8] != 0:  # subnormal parts: exact, where the oracle's subnormal |z| rounds
        expected[8] = numpy2_sign(np.array([1 + 1j], dtype))[0]
    tol = 1e-6 if dtype == np.complex64 else 1e-15
    np.testing.assert_allclose(result, expected.astype(dtype), rtol=tol, atol=tol)


def misaligned(values):
    """A writeable copy of `values` at an odd address (numexpr writes these)."""
    raw = np.zeros(values.nbytes + 1, dtype=np.uint8)[1:].view(values.dtype).reshape(values.shape)
    raw[...] = values
    assert not raw.flags.aligned
    return raw


@pytest.mark.parametrize("layout", ["misaligned", "byte-swapped", "both"])
@pytest.mark.parametrize("size", [5, 70000])  # below and above the GIL-release threshold
def test_misaligned_and_byte_swapped_out_is_written(layout, size):
    a = np.linspace(-2, 2, size)
    out = np.zeros(size, dtype=">f8" if layout != "misaligned" else "f8")
    if layout != "byte-swapped":
        out = misaligned(out)
    result = exprvm.evaluate("a * 2 + 1", out=out)
    assert result is out
    np.testing.assert_array_equal(out, a * 2 + 1)


def test_misaligned_out_that_is_also_an_input():
    values = np.arange(6.0).reshape(2, 3)
    x = misaligned(values.astype(">f4"))
    exprvm.evaluate("x * x - 1", out=x)
    np.testing.assert_array_equal(x, values.astype(np.float32) ** 2 - 1)


def test_byte_swapped_statement_targets_are_updated_in_place():
    m = np.ones(4, dtype=">f8")
    p = misaligned(np.full(4, 10.0))
    g = np.array([1.0, 2.0, 3.0, 4.0])
    exprvm.evaluate("m = m + g; p = p - m")
    np.testing.assert_array_equal(m, 1 + g)
    np.testing.assert_array_equal(p, 10 - (1 + g))
    assert m.dtype.byteorder == ">"


def test_a_failed_run_leaves_a_staged_out_untouched():
    out = misaligned(np.full(3, 7.0))
    with pytest.raises(ValueError):
        exprvm.evaluate("a + b", local_dict={"a": np.ones(3), "b": np.ones(4)}, out=out)
    np.testing.assert_array_equal(out, [7.0, 7.0, 7.0])
    assert out.flags.writeable


def test_numexpr_object_writes_a_byte_swapped_out():
    nex = exprvm.NumExpr("2*a", [("a", np.float64)])
    out = np.zeros(3, dtype=">f8")
    nex.run(np.arange(3.0), out=out)
    np.testing.assert_array_equal(out, [0.0, 2.0, 4.0])


def test_numexpr_object_attributes_are_numexprs():
    nex = exprvm.NumExpr("2*a+3.5*b", [("a", np.float64), ("b", np.int32)])
    assert nex.signature == b"di"
    assert nex.input_names == ("a", "b")
    assert nex.constants == (2.0, 3.5)
    assert nex.constsig == b"dd"
    assert nex.fullsig == b"ddidd"  # numexpr appends its temporaries' codes too
    assert nex.input_signature == (("a", "float64"), ("b", "int32"))
    assert nex.program == nex.program and b"instructions per chunk" in nex.program
    where = exprvm.NumExpr("where(x.real > 1, x*(1+2j), 3)", [("x", np.complex64)])
    assert where.signature == b"F"
    assert where.constants == (1.0, 1 + 2j, 3 + 0j)
    assert where.constsig == b"fFF"
    assert exprvm.NumExpr("b & True", [("b", np.bool_)]).constants in ((), (True,))


def test_expression_building_with_E():
    E = exprvm.E
    a, b, c = np.array([1.0, 2, 3]), np.array([4.0, 5, 6]), np.array([7.0, 8, 9])
    func = exprvm.NumExpr(2.0 * E.a + 3.0 * E.b * E.c, [("a", float), ("b", float), ("c", float)])
    np.testing.assert_array_equal(func(a, b, c), [86.0, 124.0, 168.0])
    np.testing.assert_array_equal(exprvm.NumExpr(E.a)(np.arange(100.0)), np.arange(100.0))
    expr = (E.a + 2.0 * E.b) / (1 + E.a + 4 * E.b * E.b)
    np.testing.assert_allclose(exprvm.NumExpr(expr)(a, b), (a + 2 * b) / (1 + a + 4 * b * b))
    assert exprvm.evaluate(E.x > 1, local_dict={"x": a}).tolist() == [False, True, True]
    assert str(-E.x ** 2) == "(-(x ** 2))"
    assert str(E.where(E.x < 0, -E.x, E.x.real)) == "where((x < 0), (-x), x.real)"
    with pytest.raises(TypeError):
        E.x + "y"
