"""Numeric proximal operators for every kind of prox derivation.

:meth:`derive.core.Derivation.numeric` evaluates a closed-form result.  A prox
derivation may also contain

* cases with **no closed form** (the honest stop of :func:`derive.prox.prox`):
  the case is a ``ConditionSet`` of the optimality equation
  ``x - v + g'(x) = 0``, whose left side is strictly increasing with slope at
  least 1 on its piece (g convex).  It is solved by **Newton's method** with
  the derivative SymPy derives (one generated kernel for ``phi/phi'``), each
  element stopping when its step is within 4 ulps; elements Newton leaves
  unconverged go to **safeguarded bisection**: with x0 a point of the piece,
  the root lies within ``|phi(x0)|`` of x0 (slope >= 1), which brackets it;
* **ties** (the global route of :mod:`derive.nonconvex`): the result is
  set-valued at the jumps; the extra ``selection`` (the smaller minimiser at a
  tie) is evaluated instead;
* **implicit thresholds** ``tau(parameters)`` (no closed form for where the
  minimiser jumps): each is the image ``phi(x_tau)`` of the root of an
  increasing equation on an interval, found by vectorised bisection for every
  parameter value (once per parameter value, not per element of ``v``).

Ties, Lambert W and closed forms go through the generated ufunc code of
:func:`derive.numeric.numeric_function` (thresholds in ``|v|``, costly
branches evaluated on their elements only, Lambert W as the Wright omega).

All of this is vectorised with NumPy and broadcasts like a ufunc over ``v``
and the parameters.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import numpy as np
import sympy as sp

from .core import Derivation
from .numeric import _is_dask, _map_blocks, argument_name

__all__ = ["numeric_prox", "bisect_increasing", "lambert_w"]

#: Most halvings of a bracket (float64 needs about 60 from a bracket of width 1e3).
ITERATIONS = 200
#: Most Newton steps before the remaining elements are bisected.
NEWTON_STEPS = 40


def bisect_increasing(f: Callable[[np.ndarray], np.ndarray], lo: Any, hi: Any) -> np.ndarray:
    """Elementwise root of an increasing ``f`` with ``f(lo) <= 0 <= f(hi)``, by bisection.

    Stops when every bracket is at most 4 ulps wide (tested every 8 halvings) or after :data:`ITERATIONS`
    halvings.  A NaN bracket counts as converged and gives NaN.  All brackets halve together, so only the
    lower ends move (``lo += (f(mid) < 0) * half``, in place): per halving, the call of ``f`` and four passes.

    Examples
    --------
    >>> import numpy as np
    >>> bisect_increasing(lambda t: t**3 - 2, np.zeros(1), np.full(1, 2.0))
    array([1.25992105])
    >>> bisect_increasing(lambda t: t - 1, np.array([np.nan, 0.0]), np.array([np.nan, 2.0]))
    array([nan,  1.])
    """
    lo = np.array(lo, dtype=float, copy=True)
    with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
        half = np.asarray(hi, dtype=float) - lo  # every bracket halves each step: only lo and the width change
        mid, step = np.empty_like(lo), np.empty_like(lo)
        for i in range(ITERATIONS):
            if i % 8 == 0 and not np.any(half > 4 * np.spacing(np.abs(lo) + half)):
                break  # NaN brackets compare False: they count as converged
            half *= 0.5
            np.add(lo, half, out=mid)
            below = f(mid) < 0
            np.multiply(below, half, out=step)
            lo += step
        return lo + half / 2


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
    """See :func:`_root_solver` (which compiles once what this evaluates)."""
    return _root_solver(value, args)(arrays)


@functools.lru_cache(maxsize=64)
def _root_solver(value: sp.ConditionSet, args: tuple[sp.Symbol, ...]) -> Callable[[list[Any]], np.ndarray]:
    """The unique root of the (increasing, slope >= 1) equation of a ConditionSet, elementwise.

    **Newton's method** on ``phi(x) = x - v + g'(x)`` with the derivative ``phi'`` derived by SymPy,
    both in one generated kernel (common subexpressions such as ``tanh(x)`` computed once), from
    ``v`` clipped into the piece; it stops when every step is within 4 ulps of its iterate.  Elements
    where Newton has not converged after :data:`NEWTON_STEPS` steps (or left the piece) are finished
    by **safeguarded bisection**: the root lies within ``|phi(x)|`` of any x (slope >= 1), which
    brackets it.  At ``v = +inf`` (``-inf``) the root is the limit, the upper (lower) end of the piece.
    """
    from .numeric import _compile

    symbol, condition, base = value.args
    phi_expr = _cheapest(condition.lhs - condition.rhs)
    unknown = sp.Dummy("x_root", real=True)  # a Python name for the unknown (its own may be ``x^*``)
    phi_expr, symbol = phi_expr.xreplace({symbol: unknown}), unknown
    step = _compile(phi_expr / sp.diff(phi_expr, symbol), (symbol, *args)).kernel
    phi = _lambdify(phi_expr, (symbol, *args))
    start = base.start if base.start is not sp.S.NegativeInfinity else None
    end = base.end if base.end is not sp.S.Infinity else None
    low_of = _lambdify(sp.sympify(start), args) if start is not None else None
    high_of = _lambdify(sp.sympify(end), args) if end is not None else None
    return functools.partial(_newton, step, phi, low_of, high_of)


def _newton(
    step: Callable[..., Any], phi: Callable[..., Any], low_of: Any, high_of: Any, arrays: list[Any]
) -> np.ndarray:
    """Newton's method from ``v`` clipped into the piece; bisection for the elements it leaves unconverged."""
    v = arrays[0]
    low = low_of(*arrays) if low_of is not None else None
    high = high_of(*arrays) if high_of is not None else None
    tolerance = 4 * np.finfo(v.dtype).eps
    with np.errstate(all="ignore"):
        x = np.clip(v, low, high) if (low is not None or high is not None) else np.array(v, copy=True)
        done = False
        for _ in range(NEWTON_STEPS):
            s = step(x, *arrays)
            active = np.abs(s) > tolerance * np.abs(x)  # NaN steps count as done: checked below
            if not active.any():
                done = True
                break
            # an element stops moving once its own step is within 4 ulps: the result does not depend
            # on the other elements (the same for any chunking of the input)
            np.subtract(x, s, out=x, where=active)
        if not done or low is not None or high is not None or np.isnan(x).any():
            lost = ~(np.abs(s) <= tolerance * np.abs(x))
            if low is not None:
                lost |= x < low
            if high is not None:
                lost |= x > high
            lost &= ~np.isnan(v)
        else:
            lost = None
        if lost is not None and lost.any():
            x[lost] = _bisect_piece(phi, [np.broadcast_to(a, x.shape)[lost] for a in arrays], low, high, lost)
        if not np.isfinite(v).all():
            x = np.where(np.isposinf(v), np.inf if high is None else high, x)
            x = np.where(np.isneginf(v), -np.inf if low is None else low, x)
    return x


def _bisect_piece(phi: Callable[..., Any], arrays: list[np.ndarray], low: Any, high: Any, where: np.ndarray) -> Any:
    """Safeguarded bisection for the elements ``where`` (arrays already taken there): bracket ``x0 +- |phi(x0)|``."""
    v = arrays[0].astype(float)
    low = None if low is None else np.broadcast_to(low, where.shape)[where]
    high = None if high is None else np.broadcast_to(high, where.shape)[where]
    with np.errstate(all="ignore"):
        if low is not None and high is not None:
            x0 = (low + high) / 2
        elif low is not None:
            x0 = low + 1.0
        elif high is not None:
            x0 = high - 1.0
        else:
            x0 = np.zeros_like(v)
        near = np.clip(v, low, high) if (low is not None or high is not None) else v
        at_near = phi(near, *arrays)
        usable = np.isfinite(at_near)
        x0 = np.where(usable, near, x0)
        radius = np.abs(np.where(usable, at_near, phi(x0, *arrays))) * (1 + 1e-12) + 1e-300
        lo, hi = x0 - radius, x0 + radius
        if low is not None:
            lo = np.maximum(lo, low)
        if high is not None:
            hi = np.minimum(hi, high)
        root = bisect_increasing(lambda t: phi(t, *arrays), lo, hi)
        return np.where(radius <= 1e-300, x0, root)


def _cheapest(expr: sp.Expr) -> sp.Expr:
    """``expr`` or its SymPy simplification (an identity), whichever has fewer operations.

    ``sinh(x)/cosh(x)`` becomes ``tanh(x)``: one ufunc call instead of three, and no ``inf/inf = nan`` for
    ``|x| > 710``, where sinh and cosh overflow.
    """
    simpler = sp.simplify(expr)
    return simpler if sp.count_ops(simpler) < sp.count_ops(expr) else expr


@functools.lru_cache(maxsize=64)
def _implicit_functions(implicit: Any, args: tuple[sp.Symbol, ...]) -> tuple[Callable[..., Any], ...]:
    """The equation, ``phi`` and the interval's ends of an implicit threshold, lambdified once (not per call)."""
    equation = _lambdify(implicit.equation, (implicit.x, *args))
    phi = _lambdify(implicit.phi, (implicit.x, *args))
    start = _lambdify(implicit.interval.start, args)
    end = None if implicit.interval.end is sp.S.Infinity else _lambdify(implicit.interval.end, args)
    return equation, phi, start, end


def _implicit_values(implicit: Any, args: tuple[sp.Symbol, ...], arrays: list[np.ndarray]) -> np.ndarray:
    """tau = phi(x_tau), x_tau the root of the increasing equation on its interval, elementwise."""
    equation, phi, start_of, end_of = _implicit_functions(implicit, args)
    shape = np.broadcast(*arrays).shape
    start = np.broadcast_to(np.asarray(start_of(*arrays), dtype=float), shape)
    if end_of is None:
        hi = start + 1.0
        for _ in range(2000):
            with np.errstate(all="ignore"):
                short = equation(hi, *arrays) < 0
            if not np.any(short):
                break
            hi = np.where(short, start + 2 * (hi - start), hi)
    else:
        hi = np.broadcast_to(np.asarray(end_of(*arrays), dtype=float), shape)
    lo = start + (hi - start) * 1e-12
    root = bisect_increasing(lambda t: equation(t, *arrays), lo, hi)
    with np.errstate(all="ignore"):
        return phi(root, *arrays)


def numeric_prox(d: Derivation) -> Callable[..., Any]:
    """A vectorised NumPy prox ``f(v, *parameters)`` from any prox derivation.

    Parameters are positional in the order of ``d.parameters`` or by keyword
    (``lam`` for ``lambda``), as for :meth:`~derive.core.Derivation.numeric`;
    they broadcast against ``v`` like ufunc arguments and are checked against
    their symbols' assumptions (``lam=-1`` raises :class:`~derive.errors.WeightError`).

    Closed-form results go through :meth:`~derive.core.Derivation.numeric`
    (ufuncs only: any NumPy-like array flows through).  Results with a root or
    an implicit threshold are computed by bisection, which needs concrete
    values (it tests convergence): a **Dask** array (anything with
    ``map_blocks`` and ``__dask_graph__``) is evaluated lazily block by block
    with ``dask.array.map_blocks`` after broadcasting the arguments, and the
    result is a Dask array; other inputs are converted with
    ``numpy.asarray`` (unavoidable there).  NaN in any argument gives NaN;
    ``v = +-inf`` gives the limit of the prox (``+-inf``, or the end of the
    domain for a bounded one), as NumPy's own ufuncs do for their limits.

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from derive.prox import prox
    >>> from derive.symbols import x, v
    >>> f = numeric_prox(prox(sp.log(sp.cosh(x)), x, v))   # no closed form: bisection
    >>> xs = f(np.array([-3.0, 0.0, 2.0]))
    >>> np.allclose(xs + np.tanh(xs), [-3.0, 0.0, 2.0])
    True
    >>> f(np.array([np.nan, np.inf, -np.inf]))
    array([ nan,  inf, -inf])
    """
    from .numeric import _compile, bind_arguments
    from .validate import parameter_checker

    extras = dict(d.extras)
    expr = extras.get("selection", extras.get("compact", d.result))
    args = (d.variable, *d.parameters)
    names = [argument_name(a) for a in args]
    implicit = tuple(extras.get("implicit", ()))
    unsolved = sorted(expr.atoms(sp.ConditionSet), key=sp.default_sort_key)
    if not implicit and not unsolved:  # closed forms, Lambert W and selections: generated ufunc code
        return d.numeric()
    # distinct names: they become the generated kernel's arguments (a branch and its mirror are two roots)
    placeholders = {imp.symbol: sp.Dummy(f"tau{i}") for i, imp in enumerate(implicit)}
    placeholders.update({cs: sp.Dummy(f"root{i}") for i, cs in enumerate(unsolved)})
    body = expr.xreplace(placeholders)
    direct = body in placeholders.values()  # the result is the root itself (log cosh)
    kernel = None if direct else _compile(body, (*args, *placeholders.values())).kernel
    check_parameters = parameter_checker(args[1:], names[1:], range(1, len(args)))

    def on_arrays(*values: Any) -> np.ndarray:
        extra = []
        if unsolved:
            arrays = _broadcast(values)
        if implicit:  # thresholds depend on the parameters only: solved once per parameter value
            shape = np.broadcast_shapes(*(np.shape(p) for p in values[1:]))
            params = [np.zeros(shape), *(np.broadcast_to(np.asarray(p, dtype=float), shape) for p in values[1:])]
        for key in placeholders:
            if isinstance(key, sp.ConditionSet):
                extra.append(_solve_condition_set(key, args, arrays))
            else:
                imp = next(i for i in implicit if i.symbol == key)
                tau = _implicit_values(imp, args, params)
                extra.append(float(tau) if np.ndim(tau) == 0 else tau)  # a Python float: float32 stays float32
        if direct:
            out = extra[0]
        else:
            with np.errstate(all="ignore"):
                out = kernel(*values, *extra)
        out = np.asarray(out)
        return out if out.ndim else out[()]

    def evaluate(*values: Any, **named: Any) -> Any:
        values = bind_arguments(names, values, named)
        if check_parameters is not None:
            check_parameters(values)
        if any(_is_dask(value) for value in values):
            return _map_blocks(on_arrays, values)
        return on_arrays(*values)

    evaluate.__name__ = "numeric_prox"
    evaluate.__doc__ = f"prox from {d.title!r} at ({', '.join(names)})."
    return evaluate


def _broadcast(values: tuple[Any, ...]) -> list[Any]:
    """``v`` as a float array of the broadcast shape; 0-d parameters as Python floats (float32 stays float32)."""
    dtype = np.result_type(np.asarray(values[0]), 1.0)
    arrays = [np.asarray(value, dtype=dtype if i == 0 else float) for i, value in enumerate(values)]
    shape = np.broadcast(*arrays).shape
    return [np.array(np.broadcast_to(arrays[0], shape))] + [
        float(a) if a.ndim == 0 else np.broadcast_to(a, shape) for a in arrays[1:]
    ]
