"""Type stubs of exprvm (numexpr's API on the exprvm engine)."""
from typing import Any, Iterable, Literal, Mapping, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from . import dask as dask
from . import nn as nn
from . import pandas as pandas

__version__: str
ncores: int
nthreads: int
use_vml: bool
MAX_THREADS: int
E: Any  # exprvm.expressions.E: E.a * 2 builds the source "(a * 2)"

_Order = Literal["K", "A", "C", "F", "k", "a", "c", "f"]
_Casting = Literal["no", "equiv", "safe", "same_kind", "unsafe"]

class UndefinedVariableError(NameError, KeyError):
    """An expression reads a name found neither in local_dict / the caller's locals nor in
    global_dict / its globals."""
    kind: str
    line: Optional[int]
    column: Optional[int]

def evaluate(
    ex: str,
    local_dict: Optional[Mapping[str, Any]] = ...,
    global_dict: Optional[Mapping[str, Any]] = ...,
    out: Optional[np.ndarray] = ...,
    order: _Order = ...,
    casting: _Casting = ...,
    optimization: Any = ...,
    truediv: Any = ...,
    sanitize: Any = ...,
    writable: Optional[Iterable[str]] = ...,
) -> Any:
    """Evaluates `ex` (one expression, or statements separated by ';' / newlines) on NumPy
    arrays and scalars; names come from local_dict / global_dict or the caller's frame.
    Returns an ndarray (or writes `out` and returns it). writable=None lets statements assign
    any caller array; an iterable of names allows only those (() for untrusted strings): any
    other assignment to a caller array raises ValueError before anything runs."""

def validate(
    ex: str,
    local_dict: Optional[Mapping[str, Any]] = ...,
    global_dict: Optional[Mapping[str, Any]] = ...,
    out: Optional[np.ndarray] = ...,
    order: _Order = ...,
    casting: _Casting = ...,
    optimization: Any = ...,
    truediv: Any = ...,
    sanitize: Any = ...,
    writable: Optional[Iterable[str]] = ...,
) -> Optional[Exception]:
    """Checks what evaluate() would do without running it: None when it would succeed, else
    the exception it would raise. A successful validate() prepares re_evaluate()."""

def re_evaluate(
    local_dict: Optional[Mapping[str, Any]] = ...,
    global_dict: Optional[Mapping[str, Any]] = ...,
) -> Any:
    """Runs this thread's last evaluate()/validate() expression again with the same options
    and `out`, looking its names up again."""

class NumExpr:
    """An expression compiled for a fixed signature of (name, type) pairs, run with positional
    arguments in signature order."""
    def __init__(
        self,
        ex: str,
        signature: Sequence[Tuple[str, Any]] = ...,
        optimization: Any = ...,
        truediv: Any = ...,
        sanitize: Any = ...,
    ) -> None: ...
    def run(self, *args: Any, out: Optional[np.ndarray] = ..., order: _Order = ...,
            casting: _Casting = ...) -> Any:
        """Evaluates on the arguments (in signature order)."""
    def __call__(self, *args: Any, out: Optional[np.ndarray] = ..., order: _Order = ...,
                 casting: _Casting = ...) -> Any: ...
    @property
    def input_names(self) -> Tuple[str, ...]: ...
    @property
    def signature(self) -> bytes:
        """numexpr's type codes of the inputs, e.g. b'dd'."""
    @property
    def input_signature(self) -> Tuple[Tuple[str, str], ...]: ...
    @property
    def constants(self) -> Tuple[Any, ...]: ...
    @property
    def constsig(self) -> bytes: ...
    @property
    def fullsig(self) -> bytes: ...
    @property
    def program(self) -> bytes: ...
    @property
    def source(self) -> str: ...

def disassemble(nex: NumExpr) -> str:
    """The bytecode of a NumExpr object, one instruction a line."""

def set_num_threads(nthreads: int) -> int:
    """Sets the number of threads used for large arrays; returns the previous number."""

def get_num_threads() -> int:
    """Threads used for large arrays."""

def detect_number_of_cores() -> int:
    """Cores of this machine."""
