"""The toolkit's own symbols, created with their assumptions.

Symbols are never created from user strings without assumptions: the parser
maps names onto the symbols defined here (ESL notation: coefficient ``beta``,
penalty weight ``lambda``, OLS coordinate ``z``; ``x`` and ``v`` are the
variable and the argument of the proximal operator).
"""

from __future__ import annotations

from types import MappingProxyType

import sympy as sp

__all__ = ["x", "xstar", "v", "z", "beta", "lam", "mu", "delta", "a", "b", "c", "DEFAULT_SYMBOLS"]

#: The penalty's variable.
x = sp.Symbol("x", real=True)
#: The minimiser in optimality conditions.
xstar = sp.Symbol("x^*", real=True)
#: The point at which the proximal operator is evaluated.
v = sp.Symbol("v", real=True)
#: The OLS coordinate z_j = x_j^T y (ESL notation).
z = sp.Symbol("z", real=True)
#: A coefficient (ESL notation).
beta = sp.Symbol("beta", real=True)
#: The penalty weight, lambda > 0.
lam = sp.Symbol("lambda", positive=True)
#: A second penalty weight (elastic net), mu > 0.
mu = sp.Symbol("mu", positive=True)
#: The Huber parameter, delta > 0.
delta = sp.Symbol("delta", positive=True)
#: Real parameters (interval endpoints, shifts).
a = sp.Symbol("a", real=True)
b = sp.Symbol("b", real=True)
c = sp.Symbol("c", real=True)

#: Names accepted by the expression parser, mapped to the symbols above.
DEFAULT_SYMBOLS = MappingProxyType(
    {
        "x": x,
        "v": v,
        "z": z,
        "beta": beta,
        "lambda": lam,
        "lam": lam,
        "mu": mu,
        "delta": delta,
        "a": a,
        "b": b,
        "c": c,
    }
)
