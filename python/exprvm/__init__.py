"""exprvm: a drop-in for numexpr, and a NumPy-facing NN runner (exprvm.nn).

    import exprvm as ne
    ne.evaluate("where(a > 1, a * 2, -a)")      # names from the caller's frame, like numexpr

Expressions are compiled by exprvm's own parser into bytecode (never by Python's eval) and
run on NumPy arrays without copies. Everything here is the compiled core, exprvm._core,
re-exported as is (no Python wrapper between a call and the engine).
"""
from ._core import (
    MAX_THREADS,
    NumExpr,
    UndefinedVariableError,
    __version__,
    detect_number_of_cores,
    disassemble,
    evaluate,
    get_num_threads,
    ncores,
    re_evaluate,
    set_num_threads,
    use_vml,
    validate,
)
from . import _core
from .expressions import E

__all__ = [
    "E",
    "MAX_THREADS",
    "NumExpr",
    "UndefinedVariableError",
    "detect_number_of_cores",
    "disassemble",
    "evaluate",
    "get_num_threads",
    "ncores",
    "nthreads",
    "re_evaluate",
    "set_num_threads",
    "use_vml",
    "validate",
]


# Plain attributes, not a module __getattr__: CPython 3.11 does not specialise attribute reads
# of a module that has one, and every `exprvm.evaluate(...)` call would pay ~230 instructions
# for the lookup. set_num_threads keeps `nthreads` current here as in the core.
nthreads = _core.nthreads
if hasattr(_core, "nn"):  # built with the NN runner
    from . import nn
