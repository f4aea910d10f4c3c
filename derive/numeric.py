"""Vectorised NumPy functions generated from derived results.

``lambdify`` prints ``Max``/``Min`` as ``numpy.amax`` over a tuple (which fails
for an array and a scalar) and ``Piecewise`` as ``numpy.select`` (every branch
evaluated, warnings for the unused ones).  The printer here maps binary
``Max``/``Min`` to the ufuncs ``numpy.maximum``/``numpy.minimum`` and
``Piecewise`` to nested ``numpy.where``; evaluation runs under
``numpy.errstate`` so unused branches cannot warn.  Results that have an
equivalent closed form without ``Piecewise`` (``sign(v)*max(|v| - lambda, 0)``)
are evaluated through that form (see :meth:`derive.core.Derivation.numeric`).
"""

from __future__ import annotations

import functools
import keyword
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import sympy as sp
from sympy.printing.numpy import NumPyPrinter

__all__ = ["numeric_function", "argument_name"]


class _KernelPrinter(NumPyPrinter):
    """NumPy printer with ufunc Max/Min and nested-where Piecewise."""

    def _nary(self, func: str, args: Sequence[sp.Basic]) -> str:
        printed = [self._print(a) for a in args]
        out = printed[0]
        for item in printed[1:]:
            out = f"{func}({out}, {item})"
        return out

    def _print_Max(self, expr: sp.Max) -> str:
        return self._nary("numpy.maximum", expr.args)

    def _print_Min(self, expr: sp.Min) -> str:
        return self._nary("numpy.minimum", expr.args)

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        out = "numpy.nan"
        for value, cond in reversed(expr.args):
            if cond is sp.true:
                out = self._print(value)
            else:
                out = f"numpy.where({self._print(cond)}, {self._print(value)}, {out})"
        return out


def argument_name(symbol: sp.Symbol) -> str:
    """The Python name of a symbol's argument (``lambda`` becomes ``lam``)."""
    name = symbol.name
    if name == "lambda" or keyword.iskeyword(name):
        return "lam" if name == "lambda" else f"{name}_"
    return name


@functools.lru_cache(maxsize=256)
def _compile(expr: sp.Basic, args: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    dummies = [sp.Dummy(argument_name(a)) for a in args]
    body = sp.sympify(expr).xreplace(dict(zip(args, dummies, strict=True)))
    return sp.lambdify(dummies, body, modules=[{"numpy": np}, "numpy"], printer=_KernelPrinter)


def numeric_function(expr: sp.Basic, args: Sequence[sp.Symbol]) -> Callable[..., Any]:
    """Return ``f(*args)`` evaluating ``expr`` with NumPy broadcasting.

    Arguments may be given positionally or by keyword (``lam`` for ``lambda``).

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from derive.symbols import v, lam
    >>> f = numeric_function(sp.sign(v)*sp.Max(sp.Abs(v) - lam, 0), (v, lam))
    >>> f(np.array([-2.0, 0.5, 3.0]), lam=1.0)
    array([-1.,  0.,  2.])
    """
    args = tuple(args)
    kernel = _compile(sp.sympify(expr), args)
    names = [argument_name(a) for a in args]

    def evaluate(*values: Any, **named: Any) -> Any:
        if len(values) > len(names):
            raise TypeError(f"expected at most {len(names)} arguments ({', '.join(names)}), got {len(values)}")
        bound = dict(zip(names, values, strict=False))
        for key, value in named.items():
            if key not in names:
                raise TypeError(f"unknown argument {key!r}; expected {', '.join(names)}")
            if key in bound:
                raise TypeError(f"argument {key!r} given twice")
            bound[key] = value
        missing = [n for n in names if n not in bound]
        if missing:
            raise TypeError(f"missing argument(s): {', '.join(missing)}")
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return kernel(*[bound[n] for n in names])

    evaluate.__name__ = "derived_kernel"
    evaluate.__doc__ = f"Evaluate {sp.sstr(expr)} at ({', '.join(names)})."
    return evaluate
