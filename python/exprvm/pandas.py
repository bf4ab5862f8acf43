"""exprvm in numexpr's place for pandas.

    import exprvm.pandas
    exprvm.pandas.enable()        # pd.eval / DataFrame.eval / query (engine='numexpr') and
                                  # large-frame arithmetic now run on exprvm
    exprvm.pandas.disable()       # back to what pandas had before (real numexpr or none)

pandas finds numexpr in three places: `pandas.core.computation.check` (NUMEXPR_INSTALLED,
NUMEXPR_VERSION, decided once at import), `pandas.core.computation.expressions` (its `ne`
module and USE_NUMEXPR, for `df + df` and comparisons on frames of more than 10^6 elements) and
`pandas.core.computation.engines.NumExprEngine`, which runs `import numexpr` on every
evaluation. enable() installs a module object named `numexpr` (exprvm's numexpr API with the
version pandas requires) as `sys.modules["numexpr"]` and points the first two at it;
disable() restores all three exactly as they were. Neither needs real numexpr to be installed.
"""
from __future__ import annotations

import ast
import sys
import types

import numpy as np

import exprvm

__all__ = ["enable", "disable", "is_enabled", "numexpr_module"]

# The numexpr functions pandas (and numexpr users) call, exprvm's own; evaluate is
# _evaluate_for_pandas below.
_NUMEXPR_API = (
    "NumExpr",
    "detect_number_of_cores",
    "disassemble",
    "get_num_threads",
    "ncores",
    "re_evaluate",
    "set_num_threads",
    "use_vml",
    "validate",
)
# The numexpr version the shim reports when pandas does not name a minimum.
_FALLBACK_NUMEXPR_VERSION = "2.8.4"

_saved_state: dict | None = None


def _sample_of(value):
    """A one-element stand-in with `value`'s dtype (0-d for 0-d values), or a Python scalar as
    it is, so that a sub-expression's dtype can be found without touching the data."""
    if isinstance(value, (bool, int, float, complex)):
        return value
    array = np.asarray(value)
    return np.ones(() if array.ndim == 0 else (1,), dtype=array.dtype)


def _bool_negations_inverted(source, local_dict, global_dict):
    """`source` with each unary minus of a bool operand written as `~`, or None when there is
    none. pandas negates bool data as logical not (Series.__neg__ on bool is operator.inv) and
    its numexpr engine sends `-(a)`, which NumPy (and exprvm) refuse for bool."""
    try:
        tree = ast.parse(source, mode="eval")
    except SyntaxError:
        return None
    samples = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id not in samples:
            for scope in (local_dict, global_dict):
                if scope is not None and node.id in scope:
                    samples[node.id] = _sample_of(scope[node.id])
                    break

    class BoolNegation(ast.NodeTransformer):
        changed = False

        def visit_UnaryOp(self, node):  # noqa: N802 - ast.NodeTransformer's naming
            self.generic_visit(node)
            if not isinstance(node.op, ast.USub):
                return node
            try:
                operand = exprvm.evaluate(ast.unparse(node.operand), local_dict=samples)
            except Exception:  # noqa: BLE001 - any failure: leave this negation as it is
                return node
            if np.asarray(operand).dtype != np.bool_:
                return node
            self.changed = True
            return ast.copy_location(ast.UnaryOp(op=ast.Invert(), operand=node.operand), node)

    transformer = BoolNegation()
    tree = transformer.visit(tree)
    return ast.unparse(tree) if transformer.changed else None


def _evaluate_for_pandas(ex, local_dict=None, global_dict=None, out=None, order="K",
                         casting="safe", **kwargs):
    """numexpr.evaluate as pandas needs it: exprvm.evaluate, except that a unary minus of bool
    data means logical not, as in pandas (tried only when exprvm refuses the expression)."""
    if local_dict is None:
        caller = sys._getframe(1)
        local_dict = caller.f_locals
        if global_dict is None:
            global_dict = caller.f_globals
    try:
        return exprvm.evaluate(ex, local_dict=local_dict, global_dict=global_dict, out=out,
                               order=order, casting=casting, **kwargs)
    except TypeError:
        rewritten = _bool_negations_inverted(ex, local_dict, global_dict)
        if rewritten is None:
            raise
    return exprvm.evaluate(rewritten, local_dict=local_dict, global_dict=global_dict, out=out,
                           order=order, casting=casting, **kwargs)


class _NumexprModule(types.ModuleType):
    """`numexpr` as pandas imports it: exprvm's functions, pandas' minimum numexpr version as
    __version__, and `nthreads` following exprvm.set_num_threads."""

    def __getattr__(self, name):
        if name == "nthreads":
            return exprvm.nthreads
        raise AttributeError(f"module 'numexpr' (exprvm) has no attribute '{name}'")


def _required_numexpr_version() -> str:
    """The minimum numexpr version of pandas.compat._optional, else the fallback."""
    try:
        from pandas.compat._optional import VERSIONS
    except ImportError:
        return _FALLBACK_NUMEXPR_VERSION
    return VERSIONS.get("numexpr", _FALLBACK_NUMEXPR_VERSION)


def numexpr_module() -> types.ModuleType:
    """A new module object that stands in for numexpr (what enable() installs)."""
    module = _NumexprModule("numexpr", "exprvm standing in for numexpr (exprvm.pandas.enable)")
    for name in _NUMEXPR_API:
        setattr(module, name, getattr(exprvm, name))
    module.evaluate = _evaluate_for_pandas
    module.__version__ = _required_numexpr_version()
    module.__exprvm_version__ = exprvm.__version__
    module.__file__ = exprvm.__file__
    return module


# The pandas module attributes enable() changes, by module.
_CHECK_ATTRIBUTES = ("NUMEXPR_INSTALLED", "NUMEXPR_VERSION")
_EXPRESSIONS_ATTRIBUTES = ("NUMEXPR_INSTALLED", "USE_NUMEXPR", "_evaluate", "_where", "ne")
_MISSING = object()


def _pandas_modules():
    from pandas.core.computation import check, expressions

    return check, expressions


def enable() -> None:
    """Makes pandas use exprvm wherever it would use numexpr. Calling it again does nothing."""
    global _saved_state
    if _saved_state is not None:
        return
    check, expressions = _pandas_modules()
    from pandas import get_option

    _saved_state = {
        "sys.modules": sys.modules.get("numexpr", _MISSING),
        "check": {name: getattr(check, name, _MISSING) for name in _CHECK_ATTRIBUTES},
        "expressions": {name: getattr(expressions, name, _MISSING)
                        for name in _EXPRESSIONS_ATTRIBUTES},
    }
    shim = numexpr_module()
    sys.modules["numexpr"] = shim
    check.NUMEXPR_INSTALLED = True
    check.NUMEXPR_VERSION = shim.__version__
    expressions.NUMEXPR_INSTALLED = True
    expressions.ne = shim
    # set_use_numexpr only switches on when NUMEXPR_INSTALLED, which it now is.
    expressions.set_use_numexpr(get_option("compute.use_numexpr"))


def disable() -> None:
    """Restores pandas' numexpr state as it was before enable(). Does nothing when not
    enabled."""
    global _saved_state
    if _saved_state is None:
        return
    check, expressions = _pandas_modules()
    previous = _saved_state["sys.modules"]
    if previous is _MISSING:
        sys.modules.pop("numexpr", None)
    else:
        sys.modules["numexpr"] = previous
    for module, key in ((check, "check"), (expressions, "expressions")):
        for name, value in _saved_state[key].items():
            if value is _MISSING:
                if hasattr(module, name):
                    delattr(module, name)
            else:
                setattr(module, name, value)
    _saved_state = None


def is_enabled() -> bool:
    """Whether enable() is in effect."""
    return _saved_state is not None
