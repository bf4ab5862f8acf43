"""Byte strings in expressions, as numexpr has them: comparisons (== != < <= > >=) between
bytes arrays (NumPy 'S'), bytes values and bytes literals (b'abc'), and contains(haystack,
needle), each giving bool, usable inside larger expressions (where(s == b'x', a, b)).

exprvm's engine has no bytes dtype (its registers have one width per dtype); evaluate() calls
`fallback` when it rejects an expression, and this module lowers the string operations: it
parses the text with Python's `ast` (never eval), computes each comparison or contains() of
bytes operands with NumPy, and evaluates the rest, with those results as bool arrays, on
exprvm. Strings are allowed only as operands of these operations (or as the whole
expression, which gives a copy); anything else is a TypeError, as numexpr's
NotImplementedError names a missing opcode.
"""
import ast
import operator
import re
import sys

import numpy as np

from . import _core

_COMPARISONS = {ast.Eq: operator.eq, ast.NotEq: operator.ne, ast.Lt: operator.lt,
                ast.LtE: operator.le, ast.Gt: operator.gt, ast.GtE: operator.ge}
_BYTES_LITERAL = re.compile(r"(?<![A-Za-z0-9_])[bB]['\"]")
# evaluate()'s error for a bytes array or value it cannot bind (its dtype is NumPy's |S<n>)
_BYTES_ARGUMENT = re.compile(r"has dtype \|S\d+, which exprvm does not support")
_contains = np.frompyfunc(lambda haystack, needle: needle in haystack, 2, 1)


def _is_bytes(value):
    return isinstance(value, (bytes, np.bytes_)) or (
        isinstance(value, np.ndarray) and value.dtype.kind == "S")


class _Lowering(ast.NodeTransformer):
    """Replaces string comparisons and contains() calls by names of their bool results."""

    def __init__(self, values):
        self.values = values  # name -> value; results are added as __exprvm_strN
        self.count = 0

    def operand(self, node):
        """The bytes array of a string operand, or None when `node` is not one."""
        if isinstance(node, ast.Constant) and isinstance(node.value, (bytes, str)):
            if isinstance(node.value, str):
                raise TypeError("str literals are not supported; use bytes (b'...')")
            return np.asarray(node.value)
        if isinstance(node, ast.Name) and _is_bytes(self.values.get(node.id)):
            return np.asarray(self.values[node.id])
        return None

    def result(self, value):
        name = "__exprvm_str%d" % self.count
        self.count += 1
        self.values[name] = np.asarray(value, dtype=bool)
        return ast.Name(id=name, ctx=ast.Load())

    def visit_Compare(self, node):
        operands = [node.left] + node.comparators
        strings = [self.operand(o) for o in operands]
        if all(s is None for s in strings):
            return self.generic_visit(node)
        if any(s is None for s in strings):
            raise TypeError("a bytes string can only be compared with another bytes string: "
                            + ast.unparse(node))
        value = True
        for op, left, right in zip(node.ops, strings, strings[1:]):
            if type(op) not in _COMPARISONS:
                raise TypeError("'%s' is not supported for bytes strings" % ast.unparse(node))
            value = np.logical_and(value, _COMPARISONS[type(op)](left, right))
        return self.result(value)

    def visit_Call(self, node):
        if not (isinstance(node.func, ast.Name) and node.func.id == "contains"):
            return self.generic_visit(node)
        if len(node.args) != 2 or node.keywords:
            raise TypeError("contains() takes two arguments: contains(haystack, needle)")
        haystack, needle = (self.operand(a) for a in node.args)
        if haystack is None or needle is None:
            raise TypeError("contains() takes bytes strings: " + ast.unparse(node))
        return self.result(np.asarray(_contains(haystack, needle), dtype=bool))

    def visit_Name(self, node):
        if _is_bytes(self.values.get(node.id)):
            raise TypeError("bytes string '%s' is used outside a comparison or contains() "
                            "(only == != < <= > >= and contains() take strings)" % node.id)
        return node

    def visit_Constant(self, node):
        if isinstance(node.value, bytes):
            raise TypeError("bytes literal %r is used outside a comparison or contains()"
                            % node.value)
        if isinstance(node.value, str):
            raise TypeError("str literals are not supported; use bytes (b'...')")
        return node


def _names(tree):
    return {n.id for n in ast.walk(tree) if isinstance(n, ast.Name)}


def _lookup(names, local_dict, global_dict, frame):
    """The values of `names` found as evaluate() finds them (local_dict, then global_dict;
    each defaulting to the caller frame's)."""
    local_dict = frame.f_locals if local_dict is None else local_dict
    global_dict = frame.f_globals if global_dict is None else global_dict
    values = {}
    for name in names:
        if name in local_dict:
            values[name] = local_dict[name]
        elif name in global_dict:
            values[name] = global_dict[name]
    return values


def fallback(error, ex, local_dict, global_dict, out, order, casting, optimization, truediv,
             sanitize):
    """Called by evaluate() with the exception it raised: evaluates `ex` with its string
    operations lowered when it has any, else raises `error` again."""
    frame = sys._getframe(1)  # evaluate() is a C function: this is its caller
    if not (_BYTES_LITERAL.search(ex) or (isinstance(error, TypeError)
                                          and _BYTES_ARGUMENT.search(str(error)))):
        raise error
    try:
        tree = ast.parse(ex.strip())
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        raise error from None
    values = _lookup(_names(tree), local_dict, global_dict, frame)
    if not _BYTES_LITERAL.search(ex) and not any(_is_bytes(v) for v in values.values()):
        raise error
    body = tree.body
    if len(body) == 1 and isinstance(body[0], ast.Expr):
        whole = body[0].value
        if isinstance(whole, ast.Constant) and isinstance(whole.value, bytes):
            return np.array(whole.value)
        if isinstance(whole, ast.Name) and _is_bytes(values.get(whole.id)):
            return np.array(values[whole.id])
    lowering = _Lowering(values)
    source = ast.unparse(lowering.visit(tree))
    return _core.evaluate(source, local_dict=values, global_dict={}, out=out,
                          order="K" if order is None else order,
                          casting="same_kind" if casting is None else casting,
                          optimization="aggressive" if optimization is None else optimization,
                          truediv="auto" if truediv is None else truediv, sanitize=sanitize)
