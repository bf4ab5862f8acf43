"""numexpr-style expression building: `E.a * 2 + E.b` makes the source text "((a * 2) + b)".

An `Expression` is a `str` (its source, fully parenthesised), so it goes wherever a source
string goes: `NumExpr(2.0 * E.a + 3.0 * E.b * E.c, signature)`, `evaluate(E.x > 0)`. Operators
build new expressions; Python numbers become literals (their repr). Nothing is evaluated here.
"""
import numbers


def _source(value):
    """The source text of an operand: an Expression as is, a Python number as its literal."""
    if isinstance(value, Expression):
        return str.__str__(value)
    if isinstance(value, (bool, numbers.Number)) and not isinstance(value, str):
        return repr(value) if not isinstance(value, complex) else "(%r)" % value
    raise TypeError("cannot use %r in an expression" % (value,))


def _binary(symbol):
    def apply(self, other):
        return Expression("(%s %s %s)" % (_source(self), symbol, _source(other)))

    def reflected(self, other):
        return Expression("(%s %s %s)" % (_source(other), symbol, _source(self)))

    return apply, reflected


class Expression(str):
    """The source text of an expression, with Python's operators building larger ones."""

    __slots__ = ()
    __hash__ = str.__hash__

    __add__, __radd__ = _binary("+")
    __sub__, __rsub__ = _binary("-")
    __mul__, __rmul__ = _binary("*")
    __truediv__, __rtruediv__ = _binary("/")
    __floordiv__, __rfloordiv__ = _binary("//")
    __mod__, __rmod__ = _binary("%")
    __pow__, __rpow__ = _binary("**")
    __and__, __rand__ = _binary("&")
    __or__, __ror__ = _binary("|")
    __xor__, __rxor__ = _binary("^")
    __lshift__, __rlshift__ = _binary("<<")
    __rshift__, __rrshift__ = _binary(">>")
    __lt__ = _binary("<")[0]
    __le__ = _binary("<=")[0]
    __eq__ = _binary("==")[0]
    __ne__ = _binary("!=")[0]
    __gt__ = _binary(">")[0]
    __ge__ = _binary(">=")[0]

    def __neg__(self):
        return Expression("(-%s)" % _source(self))

    def __pos__(self):
        return self

    def __invert__(self):
        return Expression("(~%s)" % _source(self))

    def __abs__(self):
        return Expression("abs(%s)" % _source(self))

    def __getattr__(self, name):
        """`.real` and `.imag`, as in the language."""
        if name in ("real", "imag"):
            return Expression("%s.%s" % (_source(self), name))
        raise AttributeError(name)

    def __call__(self, *args):
        """`E.sin(E.x)`: a call of the function this expression names."""
        return Expression("%s(%s)" % (_source(self), ", ".join(_source(a) for a in args)))

    def __repr__(self):
        return "E<%s>" % str.__str__(self)


class _Names:
    """`E.name` is the variable `name`."""

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return Expression(name)


E = _Names()
