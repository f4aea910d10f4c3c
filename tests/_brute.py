"""Independent numerical references for the tests (no code from ``derive``).

``brute_force_prox`` minimises ``g(x) + (x - v)^2/2`` by a grid scan followed
by golden-section search with mpmath, so it shares nothing with the symbolic
derivation it is used to check.
"""

from __future__ import annotations

from collections.abc import Callable
from fractions import Fraction
from typing import Any

import mpmath

__all__ = ["DIGITS", "to_mpf", "brute_force_prox", "rel_error"]

#: Significant digits of the reference computations.
DIGITS = 50

_INVPHI = None  # set lazily at the working precision


def to_mpf(value: Any) -> mpmath.mpf:
    """Convert an int, Fraction, SymPy number or mpf to an mpf at the current precision."""
    if isinstance(value, mpmath.mpf):
        return value
    if isinstance(value, int):
        return mpmath.mpf(value)
    if isinstance(value, Fraction):
        return mpmath.mpf(value.numerator) / value.denominator
    if getattr(value, "is_infinite", False):  # SymPy oo / -oo
        return mpmath.inf if value.is_extended_positive else -mpmath.inf
    if hasattr(value, "p") and hasattr(value, "q"):  # SymPy Rational / Integer
        return mpmath.mpf(int(value.p)) / int(value.q)
    if hasattr(value, "_mpf_"):  # SymPy Float
        return mpmath.mpf(value)
    if hasattr(value, "evalf"):  # other exact SymPy numbers (sqrt(2), ...)
        return mpmath.mpf(value.evalf(mpmath.mp.dps + 10))
    return mpmath.mpf(value)


def rel_error(got: Any, want: Any) -> mpmath.mpf:
    """|got - want| / max(1, |want|): relative, but absolute near zero."""
    got, want = to_mpf(got), to_mpf(want)
    return abs(got - want) / max(mpmath.mpf(1), abs(want))


def brute_force_prox(
    g: Callable[[mpmath.mpf], Any],
    v: Any,
    lo: Any,
    hi: Any,
    *,
    digits: int = DIGITS,
    tol: Any = "1e-32",
    grid: int = 200,
) -> mpmath.mpf:
    """argmin over [lo, hi] of F(x) = g(x) + (x - v)^2/2 for convex g, to about ``tol``.

    ``g`` takes and returns mpmath numbers and may return ``+inf`` (indicator
    functions).  Infinite values are replaced by ``HUGE * (1 + (x - p)^2)``
    where ``p`` is a point with g(p) finite: since dom g is an interval, the
    extended objective is still unimodal (decreasing, then increasing), which
    is all golden-section search needs.  F is strictly convex, so there are no
    ties on its domain.

    The work is done at ``2*digits + 10`` digits: at a smooth minimum F grows
    like (x - x*)^2/2, so comparing F values resolves x only to about the
    square root of the working precision; doubling the digits keeps that
    resolution far below ``tol``.  The result is returned at ``digits`` digits.
    """
    with mpmath.workdps(2 * digits + 10):
        v, lo, hi, tol = to_mpf(v), to_mpf(lo), to_mpf(hi), mpmath.mpf(tol)
        huge = mpmath.mpf(10) ** digits

        def raw(t: mpmath.mpf) -> mpmath.mpf:
            value = g(t)
            value = mpmath.inf if value == mpmath.inf else to_mpf(value)
            return value + (t - v) ** 2 / 2

        while True:  # refine the grid until it meets dom g (a narrow box, say)
            xs = [lo + (hi - lo) * i / grid for i in range(grid + 1)]
            values = [raw(t) for t in xs]
            finite = [i for i, f in enumerate(values) if not mpmath.isinf(f)]
            if finite:
                break
            if grid > 100_000:
                raise ValueError("g is +inf at every grid point of the bracket; is dom g inside [lo, hi]?")
            grid *= 4
        best = min(finite, key=lambda i: values[i])
        anchor = xs[best]

        def objective(t: mpmath.mpf) -> mpmath.mpf:
            value = raw(t)
            if mpmath.isinf(value):
                return huge * (1 + (t - anchor) ** 2)
            return value

        # F is unimodal and F(xs[best]) <= its grid neighbours: the minimiser
        # lies between them.
        left, right = xs[max(best - 1, 0)], xs[min(best + 1, grid)]
        result = golden(objective, left, right, tol=tol)
    return +result  # rounded to the caller's precision


def golden(f: Callable[[Any], Any], left: Any, right: Any, *, tol: Any) -> Any:
    """Golden-section search for the minimum of a unimodal ``f`` on ``[left, right]``."""
    invphi = (mpmath.sqrt(5) - 1) / 2 if isinstance(left, mpmath.mpf) else (5**0.5 - 1) / 2
    c = right - invphi * (right - left)
    d = left + invphi * (right - left)
    fc, fd = f(c), f(d)
    while right - left > tol * max(1, abs(left)):
        if fc < fd:
            right, d, fd = d, c, fc
            c = right - invphi * (right - left)
            fc = f(c)
        else:
            left, c, fc = c, d, fd
            d = left + invphi * (right - left)
            fd = f(d)
    return (left + right) / 2
