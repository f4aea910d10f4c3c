"""Numeric proximal operators for every kind of prox derivation.

:meth:`derive.core.Derivation.numeric` evaluates a closed-form result.  A prox
derivation may also contain

* cases with **no closed form** (the honest stop of :func:`derive.prox.prox`):
  the case is a ``ConditionSet`` of the optimality equation
  ``x - v + g'(x) = 0``, whose left side is strictly increasing with slope at
  least 1 on its piece (g convex).  It is solved by **safeguarded bisection**:
  with x0 a point of the piece, the root lies within ``|phi(x0)|`` of x0
  (slope >= 1), which brackets it; the bracket is intersected with the piece
  and halved until it is a few ulps wide;
* **ties** (the global route of :mod:`derive.nonconvex`): the result is
  set-valued at the jumps; the extra ``selection`` (the smaller minimiser at a
  tie) is evaluated instead;
* **implicit thresholds** ``tau(parameters)`` (no closed form for where the
  minimiser jumps): each is the image ``phi(x_tau)`` of the root of an
  increasing equation on an interval, found by vectorised bisection for every
  parameter value.

All of this is vectorised with NumPy and broadcasts like a ufunc over ``v``
and the parameters.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from .core import Derivation
from .numeric import argument_name

__all__ = ["numeric_prox", "bisect_increasing", "lambert_w"]

#: Most halvings of a bracket (float64 needs about 60 from a bracket of width 1e3).
ITERATIONS = 200


def bisect_increasing(f: Callable[[np.ndarray], np.ndarray], lo: Any, hi: Any) -> np.ndarray:
    """Elementwise root of an increasing ``f`` with ``f(lo) <= 0 <= f(hi)``, by bisection.

    Stops when every bracket is at most 4 ulps wide or after :data:`ITERATIONS` halvings.

    Examples
    --------
    >>> import numpy as np
    >>> bisect_increasing(lambda t: t**3 - 2, np.zeros(1), np.full(1, 2.0))
    array([1.25992105])
    """
    lo, hi = np.array(lo, dtype=float, copy=True), np.array(hi, dtype=float, copy=True)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        for _ in range(ITERATIONS):
            mid = (lo + hi) / 2
            if np.all(hi - lo <= 4 * np.spacing(np.maximum(np.abs(lo), np.abs(hi)))):
                break
            below = f(mid) < 0
            lo = np.where(below, mid, lo)
            hi = np.where(below, hi, mid)
    return (lo + hi) / 2


def lambert_w(z: Any) -> np.ndarray:
    """The principal branch W0 of the Lambert W function for real z >= -1/e, vectorised (Halley's method).

    Examples
    --------
    >>> import numpy as np
    >>> w = lambert_w(np.array([0.0, 1.0, 1e6]))
    >>> np.allclose(w * np.exp(w), [0.0, 1.0, 1e6])
    True
    """
    z = np.asarray(z, dtype=float)
    with np.errstate(all="ignore"):
        w = np.where(z < 1, np.log1p(np.maximum(z, -0.35)), np.log(z) - np.log(np.log(z) + 1))
        w = np.where(z < -0.3, -1 + np.sqrt(2 * (1 + np.e * z)), w)
        for _ in range(50):
            e = np.exp(w)
            f = w * e - z
            step = f / (e * (w + 1) - (w + 2) * f / (2 * w + 2))
            step = np.where(np.isfinite(step), step, 0.0)
            w = w - step
            if np.all(np.abs(step) <= 1e-15 * np.maximum(1, np.abs(w))):
                break
    return np.where(z == 0, 0.0, w)


def _lambdify(expr: sp.Expr, symbols: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    return sp.lambdify(symbols, expr, modules=[{"LambertW": lambert_w}, "numpy"])


def _solve_condition_set(value: sp.ConditionSet, args: tuple[sp.Symbol, ...], arrays: list[np.ndarray]) -> np.ndarray:
    """The unique root of the (increasing, slope >= 1) equation of a ConditionSet, elementwise."""
    symbol, condition, base = value.args
    phi = _lambdify(condition.lhs - condition.rhs, (symbol, *args))
    shape = np.broadcast(*arrays).shape
    start = base.start if base.start is not sp.S.NegativeInfinity else None
    end = base.end if base.end is not sp.S.Infinity else None
    low = _lambdify(sp.sympify(start), args)(*arrays) if start is not None else None
    high = _lambdify(sp.sympify(end), args)(*arrays) if end is not None else None
    if low is not None and high is not None:
        x0 = (np.asarray(low, dtype=float) + np.asarray(high, dtype=float)) / 2
    elif low is not None:
        x0 = np.asarray(low, dtype=float) + 1
    elif high is not None:
        x0 = np.asarray(high, dtype=float) - 1
    else:
        x0 = np.zeros(shape)
    x0 = np.broadcast_to(x0, shape).astype(float)
    with np.errstate(all="ignore"):
        radius = np.abs(phi(x0, *arrays)) * (1 + 1e-12) + 1e-300
    lo, hi = x0 - radius, x0 + radius
    if low is not None:
        lo = np.maximum(lo, low)
    if high is not None:
        hi = np.minimum(hi, high)
    return bisect_increasing(lambda t: phi(t, *arrays), lo, hi)


def _implicit_values(implicit: Any, args: tuple[sp.Symbol, ...], arrays: list[np.ndarray]) -> np.ndarray:
    """tau = phi(x_tau), x_tau the root of the increasing equation on its interval, elementwise."""
    equation = _lambdify(implicit.equation, (implicit.x, *args))
    phi = _lambdify(implicit.phi, (implicit.x, *args))
    shape = np.broadcast(*arrays).shape
    start = np.broadcast_to(np.asarray(_lambdify(implicit.interval.start, args)(*arrays), dtype=float), shape)
    if implicit.interval.end is sp.S.Infinity:
        hi = start + 1.0
        for _ in range(2000):
            with np.errstate(all="ignore"):
                short = equation(hi, *arrays) < 0
            if not np.any(short):
                break
            hi = np.where(short, start + 2 * (hi - start), hi)
    else:
        hi = np.broadcast_to(np.asarray(_lambdify(implicit.interval.end, args)(*arrays), dtype=float), shape)
    lo = start + (hi - start) * 1e-12
    root = bisect_increasing(lambda t: equation(t, *arrays), lo, hi)
    with np.errstate(all="ignore"):
        return phi(root, *arrays)


def numeric_prox(d: Derivation) -> Callable[..., np.ndarray]:
    """A vectorised NumPy prox ``f(v, *parameters)`` from any prox derivation.

    Parameters are positional in the order of ``d.parameters`` or by keyword
    (``lam`` for ``lambda``), as for :meth:`~derive.core.Derivation.numeric`.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from derive.prox import prox
    >>> from derive.symbols import x, v
    >>> f = numeric_prox(prox(sp.log(sp.cosh(x)), x, v))   # no closed form: bisection
    >>> xs = f(np.array([-3.0, 0.0, 2.0]))
    >>> np.allclose(xs + np.tanh(xs), [-3.0, 0.0, 2.0])
    True
    """
    extras = dict(d.extras)
    expr = extras.get("selection", extras.get("compact", d.result))
    args = (d.variable, *d.parameters)
    names = [argument_name(a) for a in args]
    implicit = tuple(extras.get("implicit", ()))
    unsolved = sorted(expr.atoms(sp.ConditionSet), key=sp.default_sort_key)
    if not implicit and not unsolved and not expr.has(sp.LambertW) and "selection" not in extras:
        return d.numeric()
    placeholders = {imp.symbol: sp.Dummy("tau") for imp in implicit}
    placeholders.update({cs: sp.Dummy("root") for cs in unsolved})
    body = expr.xreplace(placeholders)
    kernel = _lambdify(body, (*args, *placeholders.values()))

    def evaluate(*values: Any, **named: Any) -> np.ndarray:
        arrays = _bind(names, values, named)
        extra = []
        for key in placeholders:
            if isinstance(key, sp.ConditionSet):
                extra.append(_solve_condition_set(key, args, arrays))
            else:
                imp = next(i for i in implicit if i.symbol == key)
                extra.append(_implicit_values(imp, args, arrays))
        with np.errstate(all="ignore"):
            return np.asarray(kernel(*arrays, *extra), dtype=float)

    evaluate.__name__ = "numeric_prox"
    evaluate.__doc__ = f"prox from {d.title!r} at ({', '.join(names)})."
    return evaluate


def _bind(names: list[str], values: tuple[Any, ...], named: dict[str, Any]) -> list[np.ndarray]:
    from .numeric import bind_arguments

    arrays = [np.asarray(value, dtype=float) for value in bind_arguments(names, values, named)]
    shape = np.broadcast(*arrays).shape
    return [np.broadcast_to(a, shape) for a in arrays]
