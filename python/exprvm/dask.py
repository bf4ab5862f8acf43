"""exprvm over dask.array: one expression, evaluated block by block on a cluster.

    import dask.array as da, exprvm.dask
    x = da.random.random(2**26, chunks=2**22); y = da.ones_like(x)
    r = exprvm.dask.evaluate("tanh(where(x > 0.5, x, 0)) * y")     # a dask array, lazily
    s = exprvm.dask.evaluate("sum(x * y)")                         # a 0-d dask array
    m, v, p = exprvm.dask.evaluate("m = 0.9*m + 0.1*g; v = 0.999*v + 0.001*g*g; "
                                   "p = p - 0.001*m/(sqrt(v) + 1e-8)")

* The program is checked and typed once, on the client, by exprvm itself
  (`_core._analyze_names` for the names and their roles, an evaluation on one-element samples
  of the inputs' dtypes for the result dtypes), so errors surface when the graph is built.
* Elementwise programs become ONE `blockwise` layer (with `meta`): broadcasting and
  differently chunked inputs are handled as dask's elementwise operations handle them
  (`unify_chunks`). Each task carries the source and the signature (names and dtypes), so
  keys are deterministic (`tokenize`), and calls `exprvm.evaluate`, which compiles once per
  worker process through exprvm's program cache.
* Multi-statement programs return one dask array per output: the assigned names the caller
  supplies (in order of first appearance; their values give the shape and dtype and are not
  modified), then the result, if the last statement is a bare expression. Assigned names the
  caller does not supply are temporaries, as in `exprvm.evaluate`.
* Reductions (`sum prod min max any all mean`, with or without `axis`) are
  `dask.array.reduction` trees: the elementwise argument is the blockwise layer above (dask
  fuses it with the chunk step), and chunk, combine and aggregate are exprvm's reduction of
  that block or of the partial results. sum/prod/min/max/any/all of integers and bools are
  identical for every chunking (integer sums and products wrap modulo 2**64, which is
  associative); `mean` of integers divides an exact int64 total, so it is chunking-independent
  too. Float sums, products and means depend on the chunking (and on dask's tree) by rounding
  only: partial sums are added in a different order than one exprvm call would add them.
* Each task runs exprvm with `threads` threads (default 1), so dask's workers and threads are
  the parallelism and exprvm does not oversubscribe the cores. exprvm's thread count is
  process-wide: a task sets it in the process that runs it (the client's, for dask's
  threaded scheduler).
"""
from __future__ import annotations

import ast
import functools
import sys
from numbers import Number

import numpy as np

import exprvm
from exprvm import _core

__all__ = ["evaluate"]

REDUCTIONS = ("sum", "prod", "min", "max", "any", "all", "mean")


def _set_task_threads(threads):
    if threads is not None and exprvm.get_num_threads() != threads:
        exprvm.set_num_threads(threads)


def _run_block(*blocks, source, signature, constants, outputs, has_result, threads):
    """One task of the elementwise layer: `source` on one block of each array input (named
    and typed by `signature`), Python/NumPy scalars in `constants`. Returns the result, or the
    tuple of `outputs` (copies of their blocks, written in place) and then the result."""
    _set_task_threads(threads)
    local_dict = dict(constants)
    for (name, dtype), block in zip(signature, blocks):
        block = np.asarray(block)
        if block.dtype.str != dtype:
            raise TypeError(f"exprvm.dask: block of '{name}' has dtype {block.dtype}, "
                            f"not the signature's {np.dtype(dtype)}")
        local_dict[name] = np.array(block, copy=True) if name in outputs else block
    result = exprvm.evaluate(source, local_dict=local_dict)
    if not outputs:
        return result
    values = tuple(local_dict[name] for name in outputs)
    return values + (result,) if has_result else values


def _select(block, index):
    return block[index]


def _reduce_block(x, axis, keepdims, function, threads, computing_meta=False):
    """chunk/combine/aggregate of sum prod min max any all: exprvm's `function` of `x` over
    `axis` (dask's normalized tuple: one axis, or all of them)."""
    if computing_meta:
        return x
    _set_task_threads(threads)
    x = np.asarray(x)
    if len(axis) == x.ndim:
        result = np.asarray(exprvm.evaluate(f"{function}(x)", local_dict={"x": x}))
        return result.reshape((1,) * x.ndim) if keepdims else result
    (k,) = axis
    result = np.asarray(exprvm.evaluate(f"{function}(x, axis={k})", local_dict={"x": x}))
    return np.expand_dims(result, k) if keepdims else result


def _mean_chunk(x, axis, keepdims, threads, computing_meta=False):
    """mean's partial state of one block: its element count and exprvm's sum (int64 for
    integers and bools, so integer means do not depend on the chunking)."""
    if computing_meta:
        return x
    x = np.asarray(x)
    total = _reduce_block(x, axis, True, "sum", threads)
    count = np.full(total.shape, int(np.prod([x.shape[k] for k in axis])), dtype=np.int64)
    return {"n": count, "total": total}


def _mean_merge(pairs, axis, keepdims, threads, computing_meta=False):
    """Adds mean's partial states (a nested list, as dask passes with concatenate=False)."""
    from dask.array.core import _concatenate2
    from dask.utils import deepmap

    if computing_meta:
        return pairs
    if not isinstance(pairs, list):
        pairs = [pairs]
    counts = _concatenate2(deepmap(lambda pair: pair["n"], pairs), axes=axis)
    totals = _concatenate2(deepmap(lambda pair: pair["total"], pairs), axes=axis)
    return {"n": _reduce_block(counts, axis, keepdims, "sum", threads),
            "total": _reduce_block(totals, axis, keepdims, "sum", threads)}


def _mean_aggregate(pairs, axis, keepdims, threads, dtype, computing_meta=False):
    if computing_meta:
        return pairs
    merged = _mean_merge(pairs, axis, keepdims, threads)
    with np.errstate(divide="ignore", invalid="ignore"):
        quotient = np.true_divide(merged["total"], merged["n"])
    return np.asarray(quotient).astype(dtype, copy=False)


def _caller_scopes(local_dict, global_dict, depth):
    """numexpr's lookup: local_dict defaults to the caller's locals, global_dict to its
    globals (`depth` frames above this function's caller)."""
    frame = sys._getframe(depth + 1)
    return (frame.f_locals if local_dict is None else local_dict,
            frame.f_globals if global_dict is None else global_dict)


def _lookup(name, local_dict, global_dict):
    if name in local_dict:
        return local_dict[name]
    if name in global_dict:
        return global_dict[name]
    raise exprvm.UndefinedVariableError(f"name '{name}' is not defined")


def _sample(value):
    """A one-element stand-in with `value`'s dtype and number of dimensions."""
    if isinstance(value, Number) and not isinstance(value, np.generic):
        return value
    return np.ones((1,) * np.ndim(value), dtype=value.dtype)


def _split_reduction(source):
    """(elementwise source, reduction name, axis) of a program whose result is a reduction:
    the reduction call replaced by its (parenthesized) argument."""
    tree = ast.parse(source)
    call = tree.body[-1].value
    if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
            and call.func.id in REDUCTIONS):
        raise ValueError("exprvm.dask: the reduction must be the outermost operation of the "
                         "result")
    axis = None
    if len(call.args) > 1:
        axis = ast.literal_eval(call.args[1])
    for keyword in call.keywords:
        if keyword.arg == "axis":
            axis = ast.literal_eval(keyword.value)
    encoded = source.encode("utf-8")
    line_starts = [0]
    for line in encoded.split(b"\n")[:-1]:
        line_starts.append(line_starts[-1] + len(line) + 1)

    def offset(line, column):  # ast's columns are UTF-8 byte offsets
        return line_starts[line - 1] + column

    argument = call.args[0]
    inner = encoded[offset(argument.lineno, argument.col_offset):
                    offset(argument.end_lineno, argument.end_col_offset)]
    elementwise = (encoded[:offset(call.lineno, call.col_offset)] + b"(" + inner + b")" +
                   encoded[offset(call.end_lineno, call.end_col_offset):])
    return elementwise.decode("utf-8"), call.func.id, axis


class _Plan:
    """What the client knows of a program before building the graph."""

    def __init__(self, source, local_dict, global_dict):
        import dask.array as da

        names, self.has_result, self.is_reduction = _core._analyze_names(source)
        self.arrays = {}     # name -> dask array (NumPy arrays are wrapped, one chunk)
        self.constants = {}  # name -> Python or NumPy scalar
        self.outputs = []    # supplied names the program assigns
        samples = {}
        for name, role in names:
            if role == "target" and name not in local_dict and name not in global_dict:
                continue  # a temporary of the program
            value = _lookup(name, local_dict, global_dict)
            if role != "input":
                self.outputs.append(name)
            if isinstance(value, (Number, np.generic)) or (
                    isinstance(value, np.ndarray) and value.ndim == 0):
                if role != "input":
                    raise TypeError(f"exprvm.dask: '{name}' is assigned, so it must be an "
                                    "array, not a scalar")
                self.constants[name] = value
            else:
                self.arrays[name] = da.asarray(value)
                value = self.arrays[name]
            samples[name] = _sample(value)
        self.shape = np.broadcast_shapes(*(a.shape for a in self.arrays.values()))
        for name in self.outputs:
            if self.arrays[name].shape != self.shape:
                raise ValueError(f"exprvm.dask: output '{name}' has shape "
                                 f"{self.arrays[name].shape}, not the broadcast shape "
                                 f"{self.shape}")
        # exprvm itself checks and types the program, on one-element samples.
        result = exprvm.evaluate(source, local_dict=samples)
        self.result_dtype = np.asarray(result).dtype if self.has_result else None
        self.signature = tuple((name, array.dtype.str) for name, array in self.arrays.items())


def _elementwise(source, plan, threads, name_prefix):
    """The one blockwise layer of an elementwise program: a dask array, or a tuple of them
    (outputs, then the result)."""
    import dask.array as da
    from dask.base import tokenize

    ndim = len(plan.shape)
    out_ind = tuple(range(ndim))[::-1]
    args = []
    for array in plan.arrays.values():
        args += [array, tuple(range(array.ndim))[::-1]]
    constants = tuple(sorted(plan.constants.items()))
    outputs = tuple(plan.outputs)
    token = tokenize(source, plan.signature, constants, outputs, threads,
                     *plan.arrays.values())
    name = f"{name_prefix}-{token}"
    kwargs = dict(source=source, signature=plan.signature, constants=constants,
                  outputs=outputs, has_result=plan.has_result, threads=threads)
    if not outputs:
        meta = np.empty((0,) * ndim, dtype=plan.result_dtype)
        return da.blockwise(_run_block, out_ind, *args, name=name, meta=meta, **kwargs)
    joint = da.blockwise(_run_block, out_ind, *args, name=name,
                         meta=np.empty((0,) * ndim, dtype=object), **kwargs)
    dtypes = [plan.arrays[n].dtype for n in outputs]
    if plan.has_result:
        dtypes.append(plan.result_dtype)
    return tuple(
        joint.map_blocks(_select, i, dtype=dtype, meta=np.empty((0,) * ndim, dtype=dtype),
                         name=f"{name_prefix}-{i}-{tokenize(name)}")
        for i, dtype in enumerate(dtypes))


def evaluate(source, local_dict=None, global_dict=None, *, threads=1, split_every=None):
    """Evaluates exprvm program `source` over dask arrays, lazily.

    Names are looked up in `local_dict` / `global_dict`, else in the caller's frame (as
    exprvm.evaluate and numexpr do); dask arrays, NumPy arrays (wrapped as one chunk) and
    scalars may be mixed. Returns a dask array, or a tuple of them for a program that assigns
    supplied arrays (those, in order of first appearance, then the result if it has one).
    `threads` is exprvm's thread count inside each task (default 1: dask provides the
    parallelism); `split_every` is passed to dask.array.reduction.
    """
    import dask.array as da
    from dask.base import tokenize

    local_dict, global_dict = _caller_scopes(local_dict, global_dict, 1)
    plan = _Plan(source, local_dict, global_dict)
    if not plan.arrays:
        raise ValueError("exprvm.dask.evaluate needs at least one array among its names")
    if not plan.is_reduction:
        return _elementwise(source, plan, threads, "exprvm")
    if plan.outputs:
        raise NotImplementedError("exprvm.dask: a program with a reduction may not also "
                                  f"assign its inputs ({', '.join(plan.outputs)})")

    elementwise_source, function, axis = _split_reduction(source)
    statements = ast.parse(elementwise_source).body
    argument = statements[-1].value
    if len(statements) == 1 and isinstance(argument, ast.Name) and argument.id in plan.arrays:
        block_input = plan.arrays[argument.id]  # sum(x): no elementwise layer
    else:
        inner_plan = _Plan(elementwise_source, {**global_dict, **local_dict}, {})
        block_input = _elementwise(elementwise_source, inner_plan, threads, "exprvm")
    dtype = plan.result_dtype
    result_ndim = 0 if axis is None else block_input.ndim - 1
    meta = np.empty((0,) * result_ndim, dtype=dtype)
    name = f"exprvm-{function}-{tokenize(source, plan.signature, axis, split_every, block_input)}"
    if function == "mean":
        return da.reduction(
            block_input, functools.partial(_mean_chunk, threads=threads),
            functools.partial(_mean_aggregate, threads=threads, dtype=dtype),
            combine=functools.partial(_mean_merge, threads=threads), axis=axis,
            keepdims=False, dtype=dtype, split_every=split_every, name=name,
            concatenate=False, meta=meta)
    step = functools.partial(_reduce_block, function=function, threads=threads)
    return da.reduction(block_input, step, step, combine=step, axis=axis, keepdims=False,
                        dtype=dtype, split_every=split_every, name=name, meta=meta)
