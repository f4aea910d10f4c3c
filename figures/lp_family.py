"""The proximal operator of ``lambda |x|^p`` against v for several p: no dead zone, a dead zone, a jump.

Theorem 3 (:mod:`proofs.lp_family`) in one picture: for p > 1 the prox is
smooth and 0 only at v = 0; at p = 1 it soft thresholds (a dead zone
``[-lambda, lambda]``); for 0 < p < 1 it is 0 on a dead zone and then *jumps*
to a nonzero value at the derived threshold ``tau(p, lambda)``; at p = 0 (the
L0 penalty ``lambda 1{x != 0}``) it hard thresholds at ``sqrt(2 lambda)``.

Every curve is evaluated from a derived prox (:func:`proofs.lp_family.lp_prox`),
case by case: each case of the derivation through its numeric kernel
(:func:`derive.numeric.numeric_function`) on the grid points of its region;
each line is broken at the derived jumps (the derivation's ``jumps``: location,
value before, value after), and the two minimisers at each jump are marked.
Nothing is typed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from .data import FigureData, Series, symmetric_grid, to_float
from .style import OKABE_ITO, Width, draw_panel, styled_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from derive.core import Derivation

__all__ = [
    "EXPONENTS",
    "HEIGHTS",
    "IDENTITY_LABEL",
    "curve_label",
    "jump_label",
    "lp_family_data",
    "draw_lp_family",
    "lp_family_figure",
]

#: The exponents drawn by default, from smooth to hard thresholding.
EXPONENTS: tuple[sp.Rational, ...] = tuple(sp.Rational(e) for e in ("2", "3/2", "1", "2/3", "1/2", "0"))

#: Figure heights (inches) by width: the axes are square.
HEIGHTS: Mapping[str, float] = MappingProxyType({"single": 3.5, "double": 4.8})

#: Label of the 45-degree reference line.
IDENTITY_LABEL = r"$v$ (no penalty)"

#: Line looks by exponent (colour and dash differ, so the figure also reads in greyscale).
_LOOKS: Mapping[sp.Rational, Mapping[str, Any]] = MappingProxyType(
    {
        sp.Rational(2): MappingProxyType({"color": OKABE_ITO["blue"], "linestyle": (0, (5.0, 1.8))}),
        sp.Rational(3, 2): MappingProxyType({"color": OKABE_ITO["sky_blue"], "linestyle": (0, (6.0, 1.5, 1.5, 1.5))}),
        sp.Rational(1): MappingProxyType({"color": OKABE_ITO["vermillion"], "linestyle": "-"}),
        sp.Rational(2, 3): MappingProxyType({"color": OKABE_ITO["reddish_purple"], "linestyle": (0, (2.0, 1.2))}),
        sp.Rational(1, 2): MappingProxyType({"color": OKABE_ITO["bluish_green"], "linestyle": "-"}),
        sp.Rational(0): MappingProxyType({"color": OKABE_ITO["orange"], "linestyle": (0, (1.0, 1.0))}),
    }
)
_FALLBACK = (OKABE_ITO["black"], OKABE_ITO["yellow"], "0.4")


def curve_label(exponent: Any) -> str:
    """The legend label of the curve for one exponent (``$p = 1/2$``; p = 0 is called hard thresholding)."""
    e = sp.Rational(exponent)
    return r"$p = 0$ (hard)" if e == 0 else f"$p = {e}$"


def jump_label(exponent: Any) -> str:
    """The label of the jump markers of one exponent (not shown in the legend)."""
    return f"jumps, {curve_label(exponent)}"


def _by_cases(derivation: Derivation, grid: np.ndarray, values: dict[sp.Symbol, float]) -> np.ndarray:
    """The derived prox on ``grid``, case by case: each case's own formula (a numeric kernel of
    :func:`derive.numeric.numeric_function`) on the grid points of its region.

    A set-valued case (the two minimisers at a jump) leaves its point as NaN; :func:`_break_at` replaces it by the
    two one-sided values.  Evaluating case by case also keeps the dead zone exactly 0.
    """
    from derive.numeric import argument_name, numeric_function

    arguments = (derivation.variable, *derivation.parameters)
    kwargs = {argument_name(s): values[s] for s in derivation.parameters}
    y = np.full(grid.shape, np.nan)
    for value, region in derivation.cases:
        if isinstance(value, sp.Set):
            continue
        if isinstance(region, sp.FiniteSet):
            inside = np.isin(grid, [to_float(point, values) for point in region.args])
        else:
            lo, hi = to_float(region.start, values), to_float(region.end, values)
            inside = ((grid > lo) | ((grid == lo) & (not region.left_open))) & (
                (grid < hi) | ((grid == hi) & (not region.right_open))
            )
        if inside.any():
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                y[inside] = np.broadcast_to(
                    numeric_function(value, arguments)(grid[inside], **kwargs), grid[inside].shape
                )
    return y


def _jumps(derivation: Derivation, values: dict[sp.Symbol, float]) -> list[tuple[float, float, float]]:
    """``(location, value before, value after)`` of each derived jump, mirrored to v < 0 (the prox is odd)."""
    found: list[tuple[float, float, float]] = []
    for at, low, high in dict(derivation.extras).get("jumps", ()):
        t, lo, hi = (to_float(e, values) for e in (at, low, high))
        found += [(t, lo, hi), (-t, -hi, -lo)]
    return sorted(found)


def _break_at(x: np.ndarray, y: np.ndarray, jumps: Sequence[tuple[float, float, float]]) -> tuple[Any, Any]:
    """Replace the grid point at each jump by (location, value before), a NaN, (location, value after)."""
    xs, ys = list(x), list(y)
    for at, before, after in sorted(jumps, reverse=True):
        k = int(np.searchsorted(np.asarray(xs), at, side="left"))
        if k < len(xs) and xs[k] == at:
            del xs[k], ys[k]
        xs[k:k] = [at, at, at]
        ys[k:k] = [before, np.nan, after]
    return np.asarray(xs), np.asarray(ys)


def lp_family_data(
    lam: float = 1.0,
    vmax: float = 3.0,
    exponents: Sequence[Any] = EXPONENTS,
    *,
    num: int = 601,
) -> FigureData:
    """Compute ``prox_g(v)`` for ``g(x) = lam |x|^p`` against v, one series per exponent, from the derived proxes.

    Parameters
    ----------
    lam : float
        The penalty weight lambda, positive.
    vmax : float
        The window is ``-vmax <= v <= vmax`` (and the same for the prox).
    exponents : sequence of int, fractions.Fraction or sympy.Rational
        Between 1 and 6 exact exponents ``p >= 0`` (0 is the L0 penalty).
    num : int
        Evenly spaced grid points (odd); the derived jump locations are inserted exactly.

    Returns
    -------
    FigureData
        For each exponent, in order, a line series (label :func:`curve_label`; a NaN breaks it at each jump,
        where the points ``(tau, value before)`` and ``(tau, value after)`` are both on the line); then, for
        each exponent whose prox jumps, a point series (label :func:`jump_label`) with the two minimisers at
        ``v = -tau`` and ``v = tau``; last the identity line (:data:`IDENTITY_LABEL`).

    Examples
    --------
    >>> data = lp_family_data(exponents=(1, sp.Rational(1, 2)), num=7)
    >>> [s.label for s in data.series]
    ['$p = 1$', '$p = 1/2$', 'jumps, $p = 1/2$', '$v$ (no penalty)']
    >>> data.series[0].x.tolist()
    [-3.0, -2.0, -1.5, -1.0, 0.0, 1.0, 1.5, 2.0, 3.0]
    >>> data.series[0].y.tolist()
    [-2.0, -1.0, -0.5, 0.0, 0.0, 0.0, 0.5, 1.0, 2.0]
    >>> data.series[2].x.tolist(), data.series[2].y.tolist()
    ([-1.5, -1.5, 1.5, 1.5], [-1.0, 0.0, 0.0, 1.0])
    >>> [round(float(y), 4) for y in data.series[1].y[8:]]
    [0.0, nan, 1.0, 1.6054, 2.6955]
    """
    from derive.symbols import lam as lam_symbol
    from proofs.lp_family import lp_prox

    if not lam > 0:
        raise ValueError(f"the penalty weight must be positive, got {lam}")
    if not vmax > 0:
        raise ValueError(f"vmax must be positive, got {vmax}")
    chosen = list(dict.fromkeys(exponents))
    if not 1 <= len(chosen) <= 6:
        raise ValueError(f"give between 1 and 6 exponents, got {len(chosen)}")
    derivations = [lp_prox(e) for e in chosen]  # validates each exponent (exact, >= 0)
    exact = [sp.Rational(e) for e in chosen]
    values = {lam_symbol: float(lam)}
    jumps = [_jumps(d, values) for d in derivations]
    grid = symmetric_grid(vmax, num, include=[at for found in jumps for at, _, _ in found])
    curves, markers = [], []
    for e, d, found in zip(exact, derivations, jumps, strict=True):
        y = _by_cases(d, grid, values)
        missing = set(grid[np.isnan(y)].tolist()) - {at for at, _, _ in found}
        if missing:
            raise ValueError(f"the cases of {d.title!r} leave v = {sorted(missing)} without a value")
        x_line, y_line = _break_at(grid, y, found)
        curves.append(Series(curve_label(e), x_line, y_line, kind="line"))
        if found:
            xs = [at for at, _, _ in found for _ in (0, 1)]
            ys = [value for _, before, after in found for value in (before, after)]
            markers.append(Series(jump_label(e), xs, ys, kind="point", legend=False))
    identity = Series(IDENTITY_LABEL, grid, grid, kind="line", style="ols")
    return FigureData(
        title=rf"$\mathrm{{prox}}$ of $\lambda|x|^p$, $\lambda = {float(lam):g}$: no zeros for $p > 1$, a jump for "
        r"$p < 1$",
        xlabel=r"$v$",
        ylabel=r"$\mathrm{prox}_{\lambda|\cdot|^p}(v)$",
        series=(*curves, *markers, identity),
        xlim=(-vmax, vmax),
        ylim=(-vmax, vmax),
    )


def _exponent_of(label: str) -> sp.Rational | None:
    return next((e for e in _LOOKS if label == curve_label(e)), None)


def draw_lp_family(data: FigureData, ax: Axes | None = None) -> Axes:
    """Draw :func:`lp_family_data` output; ``ax.lines[i]`` is ``data.series[i]``.

    Parameters
    ----------
    data : FigureData
        From :func:`lp_family_data`.
    ax : matplotlib.axes.Axes, optional
        Where to draw; by default a new single-column figure in the house style.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into.
    """
    if ax is None:
        _fig, (ax,), _ = styled_figure(lambda axes: _draw(data, axes[0]), "single", height=HEIGHTS["single"])
        return ax
    return _draw(data, ax)


def _draw(data: FigureData, ax: Axes) -> Axes:
    draw_panel(data, ax, legend_loc=None)
    spare = iter(_FALLBACK)
    colours: dict[str, Any] = {}  # jump label -> the colour of its curve (curves come before markers)
    for line, series in zip(ax.lines, data.series, strict=True):
        if series.style == "ols":
            continue
        if series.kind == "point":
            line.set(color=colours.get(series.label, "0.4"), marker="o", markersize=3.5, markerfacecolor="white")
            line.set(markeredgewidth=1.1, zorder=4)
            continue
        e = _exponent_of(series.label)
        look = dict(_LOOKS[e]) if e is not None else {"color": next(spare, "0.4"), "linestyle": "-"}
        line.set(linewidth=1.4, **look)
        colours[f"jumps, {series.label}"] = look["color"]
    ax.set_aspect("equal", adjustable="box")
    # The quadrant v > 0 > prox is empty (the prox has the sign of v): the legend goes there.
    ax.legend(loc="lower right")
    return ax


def lp_family_figure(
    lam: float = 1.0,
    vmax: float = 3.0,
    exponents: Sequence[Any] = EXPONENTS,
    *,
    width: Width = "single",
    fontsize: float = 9,
) -> tuple[Figure, FigureData]:
    """The prox of ``lambda |x|^p`` against v for p = 2, 3/2, 1, 2/3, 1/2 and 0 (Theorem 3).

    Parameters
    ----------
    lam, vmax, exponents
        See :func:`lp_family_data`.
    width : {"single", "double"}
        Figure width.
    fontsize : float
        Base font size in points.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure (not registered with ``pyplot``; save it with :func:`figures.save.save_figure`).
    data : FigureData
        What was drawn.
    """
    data = lp_family_data(lam, vmax, exponents)
    fig, _axes, _ = styled_figure(lambda axes: _draw(data, axes[0]), width, fontsize, height=HEIGHTS.get(width))
    return fig, data
