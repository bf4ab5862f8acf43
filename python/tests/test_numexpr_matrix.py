"""numexpr 2.14's `test_expressions` matrix, run against exprvm with NumPy as the oracle.

The matrix is generated as numexpr's own test builds it (numexpr/tests/test_numexpr.py):
every expression of its sections x test_scalar (0: all arrays, 1: `a` a NumPy scalar, 2: `b`
one) x dtype (int twice, float32, float64, complex) x optimization ('none', 'moderate',
'aggressive'), minus the combinations numexpr skips (complex comparisons and functions NumPy
does not define for complex; `(a+1) ** -1` on int scalars). NumPy evaluates the same source
with Python's `eval`; exprvm must give an equal result (numexpr's `equal`: NaN and inf counts
for floats, `allclose` otherwise) or raise the exception type NumPy raises.

numexpr is not imported (it is only a benchmark peer). Where the installed NumPy (1.x) differs
from NumPy 2, which numexpr 2.14 and exprvm follow, the oracle uses NumPy 2's definition:
`sign` of complex is x/|x| (0 for 0), and `round` is np.round (NumPy 1.x arrays lack
`__round__`). `MATRIX` has 5,928 cases, the count numexpr 2.14's matrix has.
"""
import warnings

import numpy as np
import pytest

import exprvm
from conftest import numpy2_sign


# The names the oracle's eval sees: numexpr's test imports these from NumPy.
ORACLE_GLOBALS = {
    name: getattr(np, name)
    for name in ("copy", "ones_like", "where", "sqrt", "sin", "cos", "tan", "arcsin", "arccos",
                 "arctan", "arctan2", "sinh", "cosh", "tanh", "arcsinh", "arccosh", "arctanh",
                 "log", "log1p", "log10", "log2", "exp", "expm1", "conj", "ceil", "floor",
                 "trunc", "fmod", "hypot", "copysign", "nextafter", "maximum", "minimum",
                 "signbit", "isnan", "isfinite", "isinf")
}
ORACLE_GLOBALS.update(round=np.round, sign=numpy2_sign)

SECTIONS = [
    ("MISC", ["b*c+d*e", "2*a+3*b", "-a", "sinh(a)", "2*a + (cos(3)+5)*sinh(cos(b))",
              "2*a + arctan2(a, b)", "arcsin(0.5)", "where(a != 0.0, 2, a)",
              "where(a > 10, b < a, b > a)", "where((a-10).real != 0.0, a, 2)",
              "0.25 * (a < 5) + 0.33 * (a >= 5)", "cos(1+1)", "1+1", "1", "cos(a2)"]),
    ("OPERATIONS", [template % op for op in list("+-*/%") + ["**"]
                    for template in ("(a+1) %s (b+3)", "3 %s (b+3)", "(a+1) %s 4",
                                     "2 %s (b+3)", "(a+1) %s 2", "(a+1) %s -1",
                                     "(a+1) %s 0.5", "(a+1) %s 0")]),
    ("COMPARISONS", [template % op for op in ["<", "<=", "==", ">=", ">", "!="]
                     for template in ("a/2+5 %s b", "a/2+5 %s 7", "7 %s b", "7.0 %s 5")]),
    ("1_ARG_FUNCS", ["a + %s(b+c)" % func for func in [
        "copy", "ones_like", "sqrt", "sin", "cos", "tan", "arcsin", "arccos", "arctan", "sinh",
        "cosh", "tanh", "arcsinh", "arccosh", "arctanh", "log", "log1p", "log10", "exp",
        "expm1", "abs", "conj", "ceil", "floor", "log2", "round", "sign", "trunc"]]),
    ("2_ARG_FUNCS", [template % func for func in ["arctan2", "fmod", "hypot", "copysign",
                                                   "nextafter"]
                     for template in ("a + %s(b+c, d+1)", "a + %s(b+c, 1)",
                                      "a + %s(1, d+1)")]),
    ("POW_TESTS", ["(a+1)**%s" % n
                   for n in (-7, -2.5, -1.5, -1.3, -.5, 0, 0.0, 1, 2.3, 2.5, 3)]),
]

# Functions NumPy does not define for complex (numexpr skips these for complex, and so the
# comparisons and '%').
COMPLEX_SKIPS = ("<", ">", "%", "arctan2", "fmod", "floor", "ceil", "trunc", "hypot",
                 "copysign", "nextafter")
DTYPES = (int, int, np.float32, np.float64, complex)
OPTIMIZATIONS = ("none", "moderate", "aggressive")


def matrix():
    """The (expr, test_scalar, dtype, optimization) cases, in numexpr's order."""
    cases = []
    for test_scalar in (0, 1, 2):
        for dtype in DTYPES:
            for optimization in OPTIMIZATIONS:
                for _, expressions in SECTIONS:
                    for expr in expressions:
                        if dtype is complex and any(s in expr for s in COMPLEX_SKIPS):
                            continue
                        if dtype is int and test_scalar and expr == "(a+1) ** -1":
                            continue
                        cases.append((expr, test_scalar, dtype, optimization))
    return cases


MATRIX = matrix()


def operands(test_scalar, dtype):
    """numexpr's operands: a (even numbers), a2 (zeros, 100x100), b (fractions), c, d, e."""
    size = 100
    a = np.arange(2 * size, dtype=dtype)[::2]
    a2 = np.zeros([size, size], dtype=dtype)
    b = np.arange(size, dtype=dtype) / size
    c = np.arange(size, dtype=dtype)
    d = np.arange(size, dtype=dtype)
    e = np.arange(size, dtype=dtype)
    if dtype is complex:
        a = a.real
        for var in (a2, b, c, d, e):
            var += 1j
            var *= 1 + 1j
    if test_scalar == 1:
        a = a[size // 2]
    if test_scalar == 2:
        b = b[size // 2]
    return {"a": a, "a2": a2, "b": b, "c": c, "d": d, "e": e, "x": None}


def equal(expected, actual):
    """numexpr's `equal` (exact=False): equal arrays, or the same NaN / inf counts for floats,
    or allclose (atol 1e-5 for float32, 1e-8 otherwise)."""
    if np.array_equal(expected, actual):
        return True
    if hasattr(expected, "dtype") and expected.dtype in ["f4", "f8"]:
        nans = np.isnan(expected).sum()
        if nans > 0:
            return nans == np.isnan(actual).sum()
        infs = np.isinf(expected).sum()
        if infs > 0:
            return infs == np.isinf(actual).sum()
    atol = 1e-5 if hasattr(expected, "dtype") and expected.dtype == "f4" else 1e-8
    return (np.shape(expected) == np.shape(actual)
            and np.allclose(np.ravel(expected), np.ravel(actual), atol=atol))


def test_matrix_size_is_numexpr_2_14s():
    assert len(MATRIX) == 5928


@pytest.mark.parametrize("expr,test_scalar,dtype,optimization", MATRIX)
def test_expressions(expr, test_scalar, dtype, optimization):
    local_dict = operands(test_scalar, dtype)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            expected = eval(expr, dict(ORACLE_GLOBALS), dict(local_dict))  # the oracle only
            numpy_error = None
        except Exception as error:  # noqa: BLE001 - NumPy's exception is the expectation
            expected, numpy_error = None, error
        if numpy_error is not None:
            with pytest.raises(type(numpy_error)):
                exprvm.evaluate(expr, local_dict=local_dict, optimization=optimization)
            return
        actual = exprvm.evaluate(expr, local_dict=local_dict, optimization=optimization)
    assert equal(expected, actual), (expr, test_scalar, dtype, optimization, expected, actual)
