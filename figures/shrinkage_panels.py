"""One panel per shrinkage estimator: the estimate against the OLS coordinate z, next to the 45-degree line.

The multi-estimator version of the book's figure for Table 3.4 (Hastie,
Tibshirani and Friedman, *The Elements of Statistical Learning*, 2nd ed.,
Figure 3.11's companion), for every row of
:func:`derive.shrinkage_table.shrinkage_table`.  Each curve is evaluated from
the derived result (:meth:`derive.core.Derivation.numeric`; for an estimate
that is set-valued at its jump, the derivation's single-valued ``selection``
through the same numeric machinery); the grid contains the case boundaries
exactly, the line is broken at the derived jumps, and the shaded band is the
derived zero set.  The group lasso's panel shows the norm ``||beta_g||``
against ``||z_g||``.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from .data import FigureData, MultiPanelData, Series, Span, symmetric_grid, to_float
from .style import Width, draw_panel, styled_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from derive.core import Derivation

__all__ = [
    "PANEL_VALUES",
    "OLS_LABEL",
    "panel_parameters",
    "shrinkage_panels_data",
    "draw_shrinkage_panels",
    "shrinkage_panels",
]

#: Parameter values drawn, per estimator (by the symbols' names); ``lambda`` etc. not listed default to 1.
PANEL_VALUES: Mapping[str, Mapping[str, float]] = MappingProxyType(
    {
        "best_subset": MappingProxyType({"t_M": 1.5}),
        "elastic_net": MappingProxyType({"lambda1": 2.0, "lambda2": 0.5}),
        "elastic_net_corrected": MappingProxyType({"lambda1": 2.0, "lambda2": 0.5}),
        "adaptive_lasso": MappingProxyType({"gamma": 1.0}),
        "scad": MappingProxyType({"a": 3.7}),
        "mcp": MappingProxyType({"gamma": 3.0}),
        "elastic_net:sklearn": MappingProxyType({"l1_ratio": 0.5}),
        "elastic_net_corrected:sklearn": MappingProxyType({"l1_ratio": 0.5}),
        "elastic_net:glmnet": MappingProxyType({"alpha": 0.5}),
        "elastic_net_corrected:glmnet": MappingProxyType({"alpha": 0.5}),
    }
)

#: The label of the 45-degree (least-squares) line.
OLS_LABEL = "OLS (45-degree line)"


def panel_parameters(
    name: str, derivation: Derivation, convention: str, n_value: float = 100.0
) -> dict[sp.Symbol, float]:
    """The parameter values of a panel: :data:`PANEL_VALUES`, else 1 (``n`` gets ``n_value``)."""
    given = {**PANEL_VALUES.get(name, {}), **PANEL_VALUES.get(f"{name}:{convention}", {})}
    symbols = set(derivation.parameters) | set(sp.sympify(derivation.extra("threshold")).free_symbols)
    selection = dict(derivation.extras).get("selection")
    if selection is not None:
        symbols |= selection.free_symbols - {derivation.variable}
    values: dict[sp.Symbol, float] = {}
    for p in sorted(symbols - {derivation.variable}, key=lambda s: s.name):
        values[p] = float(given.get(p.name, n_value if p.name == "n" else 1.0))
    return values


def _evaluator(derivation: Derivation) -> Any:
    """``f(variable, *parameters)`` from the derived result (or its selection where the result is set-valued)."""
    from derive.numeric import numeric_function

    selection = dict(derivation.extras).get("selection")
    if selection is None:
        return derivation.numeric(), derivation.parameters
    parameters = tuple(sorted(selection.free_symbols - {derivation.variable}, key=lambda s: s.name))
    return numeric_function(selection, (derivation.variable, *parameters)), parameters


def _by_cases(derivation: Derivation, grid: np.ndarray, y: np.ndarray, values: dict) -> None:
    """Overwrite ``y`` case by case (each case's own formula on its region): exact zeros in the dead zone,
    whatever form the whole result is evaluated in."""
    from derive.numeric import numeric_function

    for value, region in derivation.cases:
        if isinstance(value, sp.Set) or not isinstance(region, sp.Interval):
            continue  # a tie (set-valued) at one point: keep the selection's value
        lo, hi = to_float(region.start, values), to_float(region.end, values)
        inside = ((grid > lo) | ((grid == lo) & (not region.left_open))) & (
            (grid < hi) | ((grid == hi) & (not region.right_open))
        )
        if not inside.any():
            continue
        expr = sp.sympify(value).subs(values)
        if expr.free_symbols - {derivation.variable}:
            raise ValueError(f"{value} still has free parameters after substituting {values}")
        case = numeric_function(expr, (derivation.variable,)) if expr.has(derivation.variable) else None
        y[inside] = float(expr) if case is None else np.broadcast_to(case(grid[inside]), grid[inside].shape)


def _boundaries(derivation: Derivation, values: dict) -> list[float]:
    points: list[float] = []
    for _, region in derivation.cases:
        ends = region.args if isinstance(region, sp.FiniteSet) else (region.start, region.end)
        for end in ends:
            value = to_float(end, values)
            if np.isfinite(value):
                points.append(value)
    return points


def _jump_points(row: Any, values: dict) -> list[tuple[float, float, float]]:
    """``(location, left limit, right limit)`` at each jump: the derived threshold and limits (odd estimates
    jump at -t as well, with the limits mirrored)."""
    if row.continuous is not False:
        return []
    t = to_float(row.threshold, values)
    left, right = to_float(row.left, values), to_float(row.right, values)
    found = [(t, left, right)]
    if row.name not in ("positive_lasso", "group_lasso"):
        found.append((-t, -right, -left))
    return sorted(found)


def _break_at(
    x: np.ndarray, y: np.ndarray, jumps: Sequence[tuple[float, float, float]]
) -> tuple[np.ndarray, np.ndarray]:
    """Replace the grid point at each jump by (location, left limit), a NaN, (location, right limit)."""
    xs, ys = list(x), list(y)
    for at, left, right in sorted(jumps, reverse=True):
        k = int(np.searchsorted(np.asarray(xs), at, side="left"))
        if k < len(xs) and xs[k] == at:
            del xs[k], ys[k]
        xs[k:k] = [at, at, at]
        ys[k:k] = [left, np.nan, right]
    return np.asarray(xs), np.asarray(ys)


@functools.lru_cache(maxsize=8)
def _table(convention: str, names: tuple[str, ...] | None) -> Any:
    from derive.shrinkage_table import shrinkage_table

    return shrinkage_table(convention, names=names)


def shrinkage_panels_data(
    convention: str = "esl",
    *,
    names: tuple[str, ...] | None = None,
    zmax: float = 4.0,
    num: int = 801,
) -> MultiPanelData:
    """Compute each estimator's estimate against z, from the derivations of the shrinkage table.

    Parameters
    ----------
    convention : str
        A convention of :mod:`derive.conventions`.
    names : tuple of str, optional
        The estimators (default: every row of the table).
    zmax : float
        The window ``-zmax <= z <= zmax`` (``0 <= ||z_g|| <= zmax`` for the group lasso).
    num : int
        Grid points (odd); the case boundaries are inserted exactly.

    Returns
    -------
    MultiPanelData
        One panel per estimator: series 0 is the estimate (broken by a NaN at
        a jump), series 1 the 45-degree line; a span over the derived zero set.
    """
    if not zmax > 0:
        raise ValueError(f"zmax must be positive, got {zmax}")
    table = _table(convention, names)
    panels = []
    for row in table.rows:
        deriv = row.estimator
        values = panel_parameters(row.name, deriv, convention)
        f, parameters = _evaluator(deriv)
        include = _boundaries(deriv, values)
        grid = symmetric_grid(zmax, num, include=include)
        if deriv.variable.is_nonnegative:  # the group lasso: a norm
            grid = grid[grid >= 0]
        kwargs = {}
        from derive.numeric import argument_name

        for p in parameters:
            kwargs[argument_name(p)] = values[p]
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            y = np.asarray(np.broadcast_to(f(grid, **kwargs), grid.shape), dtype=float).copy()
            _by_cases(deriv, grid, y, values)
        x, y = _break_at(grid, y, _jump_points(row, values))
        style = "l2" if to_float(row.threshold, values) == 0 else "l1"
        series = (
            Series(row.label, x, y, kind="line", style=style),
            Series(OLS_LABEL, grid, grid, kind="line", style="ols"),
        )
        zero = deriv.extra("zero_set")
        spans: tuple[Span, ...] = ()
        if isinstance(zero, sp.Interval) and zero.measure != 0:
            lo = max(to_float(zero.start, values), -zmax if not deriv.variable.is_nonnegative else 0.0)
            hi = min(to_float(zero.end, values), zmax)
            spans = (Span(lo, hi, style="dead_zone"),)
        shown = ", ".join(f"${sp.latex(p)} = {v:g}$" for p, v in values.items())
        xlabel = r"$\|z_g\|$" if deriv.variable.is_nonnegative else r"$z$"
        ylabel = r"$\|\hat\beta_g\|$" if deriv.variable.is_nonnegative else r"$\hat\beta$"
        lo = 0.0 if deriv.variable.is_nonnegative else -zmax
        panels.append(
            FigureData(
                title=f"{row.label.replace(' (', chr(10) + '(')}\n{shown}",
                xlabel=xlabel,
                ylabel=ylabel,
                series=series,
                spans=spans,
                xlim=(lo, zmax),
                ylim=(lo, zmax),
            )
        )
    return MultiPanelData(
        title=f"Shrinkage estimators for an orthonormal design ({convention} convention)", panels=tuple(panels)
    )


def _grid_shape(count: int, columns: int = 4) -> tuple[int, int]:
    return (count + columns - 1) // columns, min(columns, count)


def draw_shrinkage_panels(data: MultiPanelData, axes: Sequence[Axes] | None = None) -> list[Axes]:
    """Draw :func:`shrinkage_panels_data` output; ``axes[p].lines[i]`` is ``data.panels[p].series[i]``.

    Returns the axes of the panels (spare axes of the grid are switched off).
    """
    if axes is None:
        rows, cols = _grid_shape(len(data.panels))
        _fig, _axes, drawn = styled_figure(
            lambda axes: _draw(data, axes), "double", 7, height=1.9 * rows, nrows=rows, ncols=cols
        )
        return drawn
    return _draw(data, list(axes))


def _draw(data: MultiPanelData, axes: list[Axes]) -> list[Axes]:
    if len(axes) < len(data.panels):
        raise ValueError(f"{len(data.panels)} panels need at least as many axes, got {len(axes)}")
    for panel, ax in zip(data.panels, axes, strict=False):
        draw_panel(panel, ax, legend_loc=None)
        ax.set_aspect("equal", adjustable="box")
    for ax in axes[len(data.panels) :]:
        ax.set_axis_off()
    axes[0].figure.suptitle(data.title)
    return axes[: len(data.panels)]


def shrinkage_panels(
    convention: str = "esl",
    *,
    names: tuple[str, ...] | None = None,
    zmax: float = 4.0,
    width: Width = "double",
    fontsize: float = 7,
) -> tuple[Figure, MultiPanelData]:
    """The figure: one panel per estimator (estimate against z, the 45-degree line, the zero set shaded).

    Returns
    -------
    fig : matplotlib.figure.Figure
        Not registered with ``pyplot``; save with :func:`figures.save.save_figure`.
    data : MultiPanelData
        What was drawn.
    """
    data = shrinkage_panels_data(convention, names=names, zmax=zmax)
    rows, cols = _grid_shape(len(data.panels))
    fig, _axes, _ = styled_figure(
        lambda axes: _draw(data, axes), width, fontsize, height=1.9 * rows, nrows=rows, ncols=cols
    )
    return fig, data
