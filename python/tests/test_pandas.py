"""exprvm.pandas: exprvm in numexpr's place for pandas (pd.eval, DataFrame.eval/query with
engine='numexpr', large-frame arithmetic). Results are compared with pandas' engine='python'
(numexpr itself is only a benchmark peer and need not be installed)."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

pd = pytest.importorskip("pandas")

import exprvm  # noqa: E402
import exprvm.pandas as exprvm_pandas  # noqa: E402
from pandas.core.computation import check, expressions  # noqa: E402

SEED = 20261130


@pytest.fixture
def enabled():
    """exprvm enabled for one test, with every call of the numexpr shim's evaluate counted."""
    exprvm_pandas.enable()
    shim = sys.modules["numexpr"]
    real_evaluate = shim.evaluate
    calls = []

    def counting_evaluate(ex, *args, **kwargs):
        calls.append(ex)
        return real_evaluate(ex, *args, **kwargs)

    shim.evaluate = counting_evaluate
    try:
        yield calls
    finally:
        shim.evaluate = real_evaluate
        exprvm_pandas.disable()


@pytest.fixture
def frame():
    print("seed", SEED)
    rng = np.random.default_rng(SEED)
    n = 50
    return pd.DataFrame({
        "f8": rng.normal(size=n),
        "f4": rng.normal(size=n).astype(np.float32),
        "i8": rng.integers(-100, 100, n),
        "i4": rng.integers(-100, 100, n).astype(np.int32),
        "u1": rng.integers(0, 255, n).astype(np.uint8),
        "b": rng.random(n) > 0.5,
        "c": rng.random(n) > 0.3,
        "café": rng.normal(size=n),
        "温 度": rng.integers(0, 40, n),
        "naïve col": rng.normal(size=n),
        "Ωmega-2": rng.integers(1, 9, n),
    })


def assert_same(result, expected, check_dtype=True, tolerance=1e-12):
    """Equal values (floats within `tolerance`, relative and absolute) and dtypes."""
    if isinstance(expected, pd.DataFrame):
        pd.testing.assert_frame_equal(result, expected, check_dtype=check_dtype,
                                      rtol=tolerance, atol=tolerance)
    else:
        pd.testing.assert_series_equal(result, expected, check_dtype=check_dtype,
                                       rtol=tolerance, atol=tolerance, check_names=False)


def test_enable_installs_a_numexpr_module_and_disable_restores_everything():
    before_module = sys.modules.get("numexpr")
    before_check = (check.NUMEXPR_INSTALLED, check.NUMEXPR_VERSION)
    before_expressions = (expressions.NUMEXPR_INSTALLED, expressions.USE_NUMEXPR,
                          expressions._evaluate, expressions._where,
                          getattr(expressions, "ne", None))
    exprvm_pandas.enable()
    exprvm_pandas.enable()  # idempotent
    try:
        assert exprvm_pandas.is_enabled()
        shim = sys.modules["numexpr"]
        assert shim.__exprvm_version__ == exprvm.__version__
        assert shim.set_num_threads is exprvm.set_num_threads
        assert check.NUMEXPR_INSTALLED and expressions.USE_NUMEXPR
        assert expressions.ne is shim
        from pandas.compat._optional import import_optional_dependency

        # pandas' own version check accepts the shim
        assert import_optional_dependency("numexpr") is shim
        assert shim.nthreads == exprvm.get_num_threads()
    finally:
        exprvm_pandas.disable()
    exprvm_pandas.disable()  # idempotent
    assert not exprvm_pandas.is_enabled()
    assert sys.modules.get("numexpr") is before_module
    assert (check.NUMEXPR_INSTALLED, check.NUMEXPR_VERSION) == before_check
    assert (expressions.NUMEXPR_INSTALLED, expressions.USE_NUMEXPR, expressions._evaluate,
            expressions._where, getattr(expressions, "ne", None)) == before_expressions


EXPRESSIONS = [
    "f8 + f4 * 2",
    "i8 * i4 - u1",
    "f8 / (i4 + 0.5)",
    "i8 % 7",
    "i8 ** 2",
    "f8 ** -1",
    "(f8 > 0) & (i8 < 10) | b",
    "f8 > 0 and not b",
    "b | c",
    "~b",
    "-b",
    "-(b & c)",
    "~(f8 > i8)",
    "~i8",
    "~i4",
    "-f4 + abs(f8)",
    "sin(f8) + cos(f4) * exp(-abs(f8))",
    "sqrt(abs(f8)) + log1p(abs(f4))",
    "arctan2(f8, f4)",
    "f8 * (f8 > 0)",
    "i8 > i4 > -50",
    "`café` * 2 + `naïve col`",
    "`温 度` + `Ωmega-2`",
    "`温 度` > 20 or `café` < 0",
]
# pandas' numexpr engine casts a unary operation's result to its UnaryOp.return_type (int64 for
# any integer), whatever the engine computed; the python engine keeps the operand's dtype.
UNARY_INTEGER = {"~i4"}


@pytest.mark.parametrize("expression", EXPRESSIONS)
def test_dataframe_eval_matches_the_python_engine(enabled, frame, expression):
    expected = frame.eval(expression, engine="python")
    result = frame.eval(expression, engine="numexpr")
    assert enabled, "exprvm was not called"
    # exprvm's float32 transcendental kernels may differ from NumPy's by an ulp or two.
    tolerance = 1e-6 if "f4" in expression else 1e-12
    assert_same(result, expected, check_dtype=expression not in UNARY_INTEGER,
                tolerance=tolerance)
    if expression in UNARY_INTEGER:
        assert result.dtype == np.int64


@pytest.mark.parametrize("condition", [
    "f8 > 0",
    "i8 > 0 and b",
    "`温 度` >= 10 & `café` < 0.5",
    "not c",
    "-b",
    "`Ωmega-2` == 3 | ~(u1 < 100)",
])
def test_query_matches_the_python_engine(enabled, frame, condition):
    expected = frame.query(condition, engine="python")
    result = frame.query(condition, engine="numexpr")
    assert enabled
    pd.testing.assert_frame_equal(result, expected)


def test_pd_eval_on_series_and_frames(enabled, frame):
    bools = frame[["b", "c"]]
    numbers = frame[["f8", "café"]]
    s = frame["b"]
    for expression in ("-bools", "~bools", "-s", "~s", "numbers * 2 - numbers",
                       "-numbers", "numbers > 0"):
        expected = pd.eval(expression, engine="python")
        result = pd.eval(expression, engine="numexpr")
        assert_same(result, expected)
    assert len(enabled) == 7


def test_local_variables_and_assignment(enabled, frame):
    threshold = 0.25
    expected = frame.query("f8 > @threshold", engine="python")
    pd.testing.assert_frame_equal(frame.query("f8 > @threshold", engine="numexpr"), expected)
    by_python = frame.copy()
    by_python.eval("g = f8 * 2 + `café`", engine="python", inplace=True)
    by_exprvm = frame.copy()
    by_exprvm.eval("g = f8 * 2 + `café`", engine="numexpr", inplace=True)
    pd.testing.assert_frame_equal(by_exprvm, by_python)


def test_large_frame_arithmetic_goes_through_exprvm(enabled):
    rng = np.random.default_rng(SEED)
    left = pd.DataFrame(rng.random((600_000, 2)), columns=["x", "y"])
    right = pd.DataFrame(rng.random((600_000, 2)), columns=["x", "y"])
    ints = pd.DataFrame(rng.integers(0, 100, (600_000, 2)), columns=["x", "y"])
    expressions.set_test_mode(True)
    try:
        cases = [
            (lambda: left + right, left.to_numpy() + right.to_numpy()),
            (lambda: left * 3.5 - right, left.to_numpy() * 3.5 - right.to_numpy()),
            (lambda: left > right, left.to_numpy() > right.to_numpy()),
            (lambda: ints * ints, ints.to_numpy() * ints.to_numpy()),
            (lambda: (left > 0.5) & (right < 0.5),
             (left.to_numpy() > 0.5) & (right.to_numpy() < 0.5)),
            (lambda: left.where(left > 0.5, right),
             np.where(left.to_numpy() > 0.5, left.to_numpy(), right.to_numpy())),
        ]
        for run, expected in cases:
            expressions.get_test_result()  # clear
            calls_before = len(enabled)
            result = run()
            used = expressions.get_test_result()
            assert used and all(used)
            assert len(enabled) > calls_before
            np.testing.assert_array_equal(result.to_numpy(), expected)
    finally:
        expressions.set_test_mode(False)


def test_unsupported_large_operations_fall_back_like_numexpr(enabled):
    # pandas catches TypeError/NotImplementedError from numexpr and falls back to NumPy.
    bools = pd.DataFrame(np.ones((600_000, 2), dtype=bool))
    result = bools + bools
    np.testing.assert_array_equal(result.to_numpy(), np.ones((600_000, 2), dtype=bool))


def test_works_when_numexpr_is_not_installed(tmp_path):
    # A fresh interpreter in which `import numexpr` fails: pandas refuses engine='numexpr'
    # until enable(), and again after disable().
    script = textwrap.dedent("""
        import sys
        sys.modules["numexpr"] = None  # import numexpr raises ImportError
        import pandas as pd
        import exprvm.pandas
        df = pd.DataFrame({"a": [1, 2, 3], "温度": [0.5, 1.5, 2.5]})
        try:
            df.eval("a + 1", engine="numexpr")
            raise SystemExit("numexpr engine worked without numexpr")
        except ImportError:
            pass
        exprvm.pandas.enable()
        print(list(df.eval("a * 2 + 温度", engine="numexpr")))
        print(len(df.query("a > 1", engine="numexpr")))
        exprvm.pandas.disable()
        assert sys.modules["numexpr"] is None
        try:
            df.eval("a + 1", engine="numexpr")
            raise SystemExit("numexpr engine still on after disable()")
        except ImportError:
            print("restored")
    """)
    completed = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                               timeout=120)
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.split("\n")[:3] == ["[2.5, 5.5, 8.5]", "2", "restored"]
