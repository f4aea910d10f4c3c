"""Independent numerical references for the shrinkage tests (no code from ``derive``).

``brute_argmin`` minimises a one-variable objective (given as an mpmath
function, possibly ``+inf`` off its domain, possibly non-convex with a jump at
0) by a grid scan followed by golden-section search around the best grid
point, at twice the requested digits.  ``coordinate_descent`` minimises a
full penalised least-squares problem ``c ||y - X b||^2 + sum_j pen_j(b_j)``
one coordinate at a time with a numeric scalar minimiser: it never uses the
orthogonality of the design, so it checks the reduction as well as the
closed form.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import mpmath
import numpy as np

try:
    from tests._brute import golden
except ImportError:  # tests/ on sys.path rather than the project root
    from _brute import golden

__all__ = ["brute_argmin", "golden", "coordinate_descent"]


def brute_argmin(
    f: Callable[[Any], Any], lo: Any, hi: Any, *, digits: int = 50, grid: int = 400, extra: tuple[Any, ...] = ()
) -> mpmath.mpf:
    """argmin of ``f`` over ``[lo, hi]`` (and the points ``extra``) to about ``10**-(digits - 10)``.

    The grid locates the basin of the global minimum; golden-section search
    refines inside the two neighbouring cells (``f`` must be unimodal there).
    Points in ``extra`` (0 for penalties with a jump there) are compared as
    they are.
    """
    with mpmath.workdps(2 * digits + 10):
        lo, hi = mpmath.mpf(lo), mpmath.mpf(hi)
        xs = [lo + (hi - lo) * i / grid for i in range(grid + 1)]
        values = [f(t) for t in xs]
        best = min(range(len(xs)), key=lambda i: values[i])
        left, right = xs[max(best - 1, 0)], xs[min(best + 1, grid)]
        refined = golden(f, left, right, tol=mpmath.mpf(10) ** -(digits - 5))
        candidates = [refined, *(mpmath.mpf(e) for e in extra)]
        winner = min(candidates, key=f)
    return +winner


def coordinate_descent(
    X: np.ndarray,
    y: np.ndarray,
    c: float,
    penalty: Callable[[int, float], float],
    *,
    bounds: tuple[float, float] = (-50.0, 50.0),
    sweeps: int = 6,
    tol: float = 1e-13,
) -> np.ndarray:
    """Minimise ``c ||y - X b||^2 + sum_j penalty(j, b_j)`` by cyclic coordinate descent.

    Each coordinate problem ``c (||x_j||^2 b^2 - 2 b rho_j) + penalty(j, b)``
    (``rho_j`` the correlation of ``x_j`` with the partial residual) is
    minimised numerically by a grid scan and golden-section search, so no
    closed form enters.  ``penalty`` may return ``inf`` off its domain.
    """
    p = X.shape[1]
    b = np.zeros(p)
    norms = (X**2).sum(axis=0)
    residual = y.astype(float).copy()
    for _ in range(sweeps):
        change = 0.0
        for j in range(p):
            partial = residual + X[:, j] * b[j]
            rho = float(X[:, j] @ partial)

            def f(t: float, j: int = j, rho: float = rho) -> float:
                return c * (norms[j] * t * t - 2 * t * rho) + penalty(j, t)

            grid = np.linspace(*bounds, 2001)
            values = np.asarray(f(grid), dtype=float)
            k = int(np.argmin(values))
            lo, hi = grid[max(k - 1, 0)], grid[min(k + 1, len(grid) - 1)]
            new = golden(f, lo, hi, tol=tol)
            if f(0.0) <= f(new):
                new = 0.0
            change = max(change, abs(new - b[j]))
            residual = partial - X[:, j] * new
            b[j] = new
        if change < 1e-11:
            break
    return b
