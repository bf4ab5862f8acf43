"""Every operator and function of the language x dtype x array/scalar mixes, against NumPy.

A combination NumPy rejects with TypeError must be rejected by exprvm with TypeError too."""
import math

import numpy as np
import pytest

import exprvm
from conftest import NATIVE_DTYPES, assert_matches, numpy2_sign, sample

BINARY_OPERATORS = {
    "+": np.add, "-": np.subtract, "*": np.multiply, "/": np.true_divide,
    "//": np.floor_divide, "%": np.remainder, "**": np.power, "<<": np.left_shift,
    ">>": np.right_shift, "&": np.bitwise_and, "|": np.bitwise_or, "^": np.bitwise_xor,
    "<": np.less, "<=": np.less_equal, "==": np.equal, "!=": np.not_equal,
    ">=": np.greater_equal, ">": np.greater,
}

erf = np.vectorize(math.erf, otypes=[float])
erfc = np.vectorize(math.erfc, otypes=[float])


def same_float_dtype(f):
    """A float64 reference function applied so that the result keeps a float input dtype."""
    def apply(a):
        if a.dtype.kind != "f":
            raise TypeError("real floating point only")
        return f(a).astype(a.dtype)
    return apply


UNARY_FUNCTIONS = {
    "sqrt": np.sqrt, "sin": np.sin, "cos": np.cos, "tan": np.tan, "arcsin": np.arcsin,
    "arccos": np.arccos, "arctan": np.arctan, "sinh": np.sinh, "cosh": np.cosh,
    "tanh": np.tanh, "arcsinh": np.arcsinh, "arctanh": np.arctanh, "exp": np.exp,
    "expm1": np.expm1, "log": np.log, "log1p": np.log1p, "log10": np.log10, "log2": np.log2,
    "abs": np.absolute, "ceil": np.ceil, "floor": np.floor, "round": np.round,
    "trunc": np.trunc, "sign": numpy2_sign, "signbit": np.signbit, "isnan": np.isnan,
    "isfinite": np.isfinite, "isinf": np.isinf, "real": np.real, "imag": np.imag,
    "conj": np.conj, "copy": np.copy, "ones_like": np.ones_like,
    "erf": same_float_dtype(erf), "erfc": same_float_dtype(erfc), "exp2": np.exp2,
    "cbrt": np.cbrt, "square": np.square,
}

BINARY_FUNCTIONS = {
    "arctan2": np.arctan2, "fmod": np.fmod, "hypot": np.hypot, "nextafter": np.nextafter,
    "copysign": np.copysign, "maximum": np.maximum, "minimum": np.minimum,
}

SCALARS = {"b": True, "i": 3, "f": 0.5, "c": 0.5 + 0.25j}

# Documented deviations: exprvm has no complex rounding, exp2 or ordering-based maximum.
UNSUPPORTED_BY_EXPRVM = {"exp2", "maximum", "minimum"}


def numpy_or_error(f, *args):
    """NumPy's result, or the TypeError class when NumPy rejects the dtypes."""
    try:
        with np.errstate(all="ignore"):
            return f(*args)
    except TypeError:
        return TypeError


def check(expression, reference, names):
    """exprvm's result equals NumPy's (float functions of bools are float16 in both, but
    nextafter: float32, a documented deviation)."""
    expected = numpy_or_error(reference, *names.values())
    if expression.startswith("nextafter") and np.asarray(expected).dtype == np.float16:
        expected = numpy_or_error(reference, *(np.asarray(v, np.float32) for v in names.values()))
    complex_operand = any(np.asarray(v).dtype.kind == "c" for v in names.values())
    if complex_operand and expression.split("(")[0] in UNSUPPORTED_BY_EXPRVM:
        expected = TypeError
    if expected is TypeError:
        with pytest.raises(TypeError):
            exprvm.evaluate(expression, local_dict=names)
        return
    assert_matches(exprvm.evaluate(expression, local_dict=names), expected)


@pytest.mark.parametrize("dtype", NATIVE_DTYPES)
@pytest.mark.parametrize("op", BINARY_OPERATORS)
def test_binary_operator_array_array(op, dtype):
    a, b = sample(dtype, seed=1), sample(dtype, seed=2)
    if op in ("<", "<=", ">=", ">") and np.dtype(dtype).kind == "c":
        pytest.skip("ordering of complex numbers is not defined in exprvm (NumPy sorts them)")
    check(f"a {op} b", BINARY_OPERATORS[op], {"a": a, "b": b})


@pytest.mark.parametrize("dtype", NATIVE_DTYPES)
@pytest.mark.parametrize("op", BINARY_OPERATORS)
def test_binary_operator_with_python_number(op, dtype):
    """Python numbers are weak: the array's dtype wins when the kinds agree (NEP 50)."""
    a = sample(dtype, seed=3)
    s = SCALARS[np.dtype(dtype).kind]
    if op in ("<", "<=", ">=", ">") and np.dtype(dtype).kind == "c":
        pytest.skip("ordering of complex numbers is not defined in exprvm")
    check(f"a {op} s", BINARY_OPERATORS[op], {"a": a, "s": s})
    check(f"s {op} a", BINARY_OPERATORS[op], {"s": s, "a": a})


@pytest.mark.parametrize("dtype", NATIVE_DTYPES)
@pytest.mark.parametrize("op", ["+", "*", "-", "/", "**", "<", "=="])
def test_binary_operator_with_numpy_scalar(op, dtype):
    """NumPy scalars of the array's dtype: same result as the array-array operation."""
    a = sample(dtype, seed=4)
    s = np.dtype(dtype).type(sample(dtype, n=1, seed=5)[0])
    if op == "<" and np.dtype(dtype).kind == "c":
        pytest.skip("ordering of complex numbers is not defined in exprvm")
    check(f"a {op} s", BINARY_OPERATORS[op], {"a": a, "s": s})


@pytest.mark.parametrize("dtype", NATIVE_DTYPES)
def test_unary_operators(dtype):
    a = sample(dtype, seed=6)
    check("-a", np.negative, {"a": a})
    check("~a", np.invert, {"a": a})


# Documented deviations on bool operands: abs and sign compute in int8 (NumPy: abs keeps
# bool, sign rejects bool); conj is the identity (NumPy: int8).
BOOL_DEVIATIONS = {
    "abs": lambda a: np.abs(a.astype(np.int8)),
    "sign": lambda a: np.sign(a.astype(np.int8)),
    "conj": lambda a: a.copy(),
}


@pytest.mark.parametrize("dtype", NATIVE_DTYPES)
@pytest.mark.parametrize("name", UNARY_FUNCTIONS)
def test_unary_function(name, dtype):
    a = sample(dtype, seed=7)
    if dtype == "bool" and name in BOOL_DEVIATIONS:
        assert_matches(exprvm.evaluate(f"{name}(a)"), BOOL_DEVIATIONS[name](a))
        return
    if name in ("erf", "erfc", "cbrt", "exp2", "ceil", "floor", "round", "trunc", "signbit") \
            and np.dtype(dtype).kind in "biu":
        a = a.astype(np.float64)  # exprvm computes these on floats only; NumPy too for bool
    check(f"{name}(a)", UNARY_FUNCTIONS[name], {"a": a})


@pytest.mark.parametrize("dtype", ["float32", "float64", "complex128"])
def test_arccosh(dtype):
    a = sample(dtype, seed=8)
    check("arccosh(a + 1)", lambda a: np.arccosh(a + 1), {"a": a})


@pytest.mark.parametrize("dtype", NATIVE_DTYPES)
@pytest.mark.parametrize("name", BINARY_FUNCTIONS)
def test_binary_function(name, dtype):
    a, b = sample(dtype, seed=9), sample(dtype, seed=10)
    check(f"{name}(a, b)", BINARY_FUNCTIONS[name], {"a": a, "b": b})


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_complex_function(dtype):
    a, b = sample(dtype, seed=11), sample(dtype, seed=12)
    expected = (a + 1j * b).astype(np.result_type(a.dtype, np.complex64))
    assert_matches(exprvm.evaluate("complex(a, b)"), expected)


@pytest.mark.parametrize("dtype", NATIVE_DTYPES)
def test_where(dtype):
    a, b = sample(dtype, seed=13), sample(dtype, seed=14)
    c = sample("float64", seed=15) > 0.5
    assert_matches(exprvm.evaluate("where(c, a, b)"), np.where(c, a, b))


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64"])
def test_clip(dtype):
    a = sample(dtype, seed=16)
    lo, hi = a[3], a[7]
    lo, hi = min(lo, hi), max(lo, hi)
    assert_matches(exprvm.evaluate("clip(a, lo, hi)"), np.clip(a, lo, hi))


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64", "complex128"])
@pytest.mark.parametrize("name", ["sum", "prod", "mean"])
def test_arithmetic_reductions(name, dtype):
    a = sample(dtype, n=12, seed=17).reshape(3, 4)
    numpy_reduce = getattr(np, name)
    assert_matches(exprvm.evaluate(f"{name}(a)"), numpy_reduce(a))
    for axis in (0, 1, None):
        assert_matches(exprvm.evaluate(f"{name}(a, axis={axis})"), numpy_reduce(a, axis=axis))


@pytest.mark.parametrize("dtype", ["int32", "int64", "float32", "float64"])
@pytest.mark.parametrize("name", ["min", "max"])
def test_min_max(name, dtype):
    a = sample(dtype, n=12, seed=18).reshape(3, 4)
    assert_matches(exprvm.evaluate(f"{name}(a)"), getattr(np, name)(a))
    assert_matches(exprvm.evaluate(f"{name}(a, axis=1)"), getattr(np, name)(a, axis=1))


@pytest.mark.parametrize("name", ["any", "all"])
def test_boolean_reductions(name):
    a = sample("bool", n=12, seed=19).reshape(3, 4)
    assert_matches(exprvm.evaluate(f"{name}(a)"), getattr(np, name)(a))
    assert_matches(exprvm.evaluate(f"{name}(a, axis=0)"), getattr(np, name)(a, axis=0))


@pytest.mark.parametrize("dtype", ["int8", "int16", "uint8", "uint16", "uint32"])
def test_storage_only_dtypes_are_read_without_copies(dtype):
    """Narrow integers are read in place and computed in a wider integer, like NumPy's values."""
    a = sample(dtype, seed=20)
    result = exprvm.evaluate("a * 2 + 1")
    np.testing.assert_array_equal(result, a.astype(np.int64) * 2 + 1)


def test_weak_and_strong_scalars_follow_nep50():
    x = np.linspace(0, 1, 8, dtype=np.float32)
    assert exprvm.evaluate("x * 2.0").dtype == np.float32           # Python float: weak
    assert exprvm.evaluate("x * s", local_dict={"x": x, "s": np.float64(2)}).dtype == np.float64
    assert exprvm.evaluate("x * s", local_dict={"x": x, "s": np.array(2.0)}).dtype == np.float64
    i = np.arange(4, dtype=np.int32)
    assert exprvm.evaluate("i + 1").dtype == np.int32
    assert exprvm.evaluate("i + 1.5").dtype == np.float64
