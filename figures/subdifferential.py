"""The penalties ``lambda|x|`` and ``lambda x^2`` and their subdifferentials.

Left panel: the penalties.  Right panel: the subdifferentials as set-valued
graphs, drawn from the cases of :func:`derive.subgradient.subdifferential`:
on each open interval where ``g`` is differentiable the line ``{g'(x)}``
(clipped to the window), at each kink ``k`` a vertical segment
``{k} x [g'(k-), g'(k+)]``.  For ``lambda|x|`` the graph has a vertical
segment at 0 from ``-lambda`` to ``lambda``: every value in it is a
subgradient at 0, which is why the lasso can stop at exactly 0.  For
``lambda x^2`` the subdifferential at 0 is ``{0}`` only.
"""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from .data import Annotation, FigureData, MultiPanelData, Series, symmetric_grid, to_float
from .style import Width, draw_panel, styled_figure

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from derive.core import Derivation

__all__ = [
    "PENALTIES",
    "derived_subdifferential",
    "set_tex",
    "subdifferential_data",
    "draw_subdifferential",
    "subdifferential_figure",
]


def _penalties() -> tuple[tuple[sp.Expr, str, str, str], ...]:
    from derive.symbols import lam, x

    return (
        (lam * sp.Abs(x), r"\lambda|x|", "l1", "l1_set"),
        (lam * x**2, r"\lambda x^2", "l2", "l2_point"),
    )


#: The penalties drawn: (expression in ``derive.symbols.x`` and ``lam``, math-text label,
#: style of its graph, style of its set-valued part / value at 0).
PENALTIES = _penalties()


@functools.lru_cache(maxsize=16)
def derived_subdifferential(g: sp.Expr) -> Derivation:
    """Return ``derive.subgradient.subdifferential(g, x)``, cached (derivations are immutable)."""
    from derive.subgradient import subdifferential
    from derive.symbols import x

    return subdifferential(g, x)


def set_tex(value: sp.Set) -> str:
    """Math text (matplotlib's TeX subset) for an interval or a finite set.

    Examples
    --------
    >>> from derive.symbols import lam
    >>> set_tex(sp.Interval(-lam, lam))
    '[- \\\\lambda, \\\\lambda]'
    >>> set_tex(sp.FiniteSet(0))
    '\\\\{0\\\\}'
    """
    if isinstance(value, sp.Interval):
        left = "(" if value.left_open else "["
        right = ")" if value.right_open else "]"
        return f"{left}{sp.latex(value.start)}, {sp.latex(value.end)}{right}"
    if isinstance(value, sp.FiniteSet):
        return r"\{" + ", ".join(sp.latex(p) for p in value.args) + r"\}"
    return sp.latex(value)


def _single(value: sp.Set) -> sp.Expr:
    if not (isinstance(value, sp.FiniteSet) and len(value.args) == 1):
        raise TypeError(f"expected the subdifferential {{g'(x)}} on a smooth piece, got {value}")
    return value.args[0]


def _graph_series(
    d: Derivation,
    name: str,
    style: str,
    set_style: str,
    values: dict[sp.Symbol, float],
    grid: np.ndarray,
    xmax: float,
) -> list[Series]:
    """The set-valued graph of a subdifferential from its derivation's cases."""
    from derive.numeric import argument_name, numeric_function

    kwargs = {argument_name(p): v for p, v in values.items()}
    out: list[Series] = []
    first = True
    for value, region in d.cases:
        if isinstance(region, sp.FiniteSet):  # a kink: the whole interval [g'(k-), g'(k+)]
            (k,) = region.args
            k_value = to_float(k, values)
            if abs(k_value) > xmax or not isinstance(value, sp.Interval):
                continue
            lo, hi = to_float(value.start, values), to_float(value.end, values)
            label = rf"$\partial({name})({sp.latex(k)}) = {set_tex(value)}$"
            out.append(Series(label, (k_value, k_value), (lo, hi), kind="segment", style=set_style, legend=False))
            continue
        start, end = to_float(region.start, values), to_float(region.end, values)
        lo, hi = max(start, -xmax), min(end, xmax)
        if lo >= hi:
            continue
        # The closure of the piece: the open ends join the kinks' segments.
        xs = grid[(grid >= lo) & (grid <= hi)]
        derivative = numeric_function(_single(value), (d.variable, *d.parameters))
        ys = np.broadcast_to(np.asarray(derivative(xs, **kwargs), dtype=float), xs.shape)
        out.append(Series(rf"$\partial({name})$", xs, ys, kind="line", style=style, legend=first))
        first = False
    return out


def subdifferential_data(lam: float = 1.0, xmax: float = 2.0, *, num: int = 801) -> MultiPanelData:
    """Compute the two panels: the penalties and their subdifferentials.

    Parameters
    ----------
    lam : float
        The penalty weight, positive.
    xmax : float
        The window is ``-xmax <= x <= xmax``.
    num : int
        Number of evenly spaced grid points (odd); kinks are inserted exactly.

    Returns
    -------
    MultiPanelData
        ``panels[0]``: the penalties ``lambda|x|`` and ``lambda x^2``;
        ``panels[1]``: the subdifferential graphs, with a ``"segment"`` series
        for each kink and a ``"point"`` series for a single-valued
        subdifferential at 0.

    Examples
    --------
    >>> data = subdifferential_data(lam=1.0, num=9)
    >>> [(s.kind, s.x.tolist(), s.y.tolist()) for s in data.panels[1].series if s.kind == "segment"]
    [('segment', [0.0, 0.0], [-1.0, 1.0])]
    """
    from derive.numeric import numeric_function
    from derive.symbols import lam as lam_symbol
    from derive.symbols import x

    if not lam > 0:
        raise ValueError(f"the penalty weight must be positive, got {lam}")
    if not xmax > 0:
        raise ValueError(f"xmax must be positive, got {xmax}")
    values = {lam_symbol: float(lam)}
    derivations = [derived_subdifferential(g) for g, *_ in PENALTIES]
    kinks = [
        to_float(k, values)
        for d in derivations
        for _, region in d.cases
        if isinstance(region, sp.FiniteSet)
        for k in region.args
    ]
    grid = symmetric_grid(xmax, num, include=kinks)

    penalty_series = []
    for g, name, style, _ in PENALTIES:
        y = np.broadcast_to(numeric_function(g, (x, lam_symbol))(grid, lam=lam), grid.shape)
        penalty_series.append(Series(f"${name}$", grid, y, kind="line", style=style))

    graph_series: list[Series] = []
    at_zeros: list[tuple[str, sp.Set, str]] = []
    for d, (_, name, style, set_style) in zip(derivations, PENALTIES, strict=True):
        graph_series.extend(_graph_series(d, name, style, set_style, values, grid, xmax))
        at_zeros.append((name, d.extra("at_zero"), set_style))

    # Subgradients have the sign of x (both penalties are even, convex, minimal at 0), so the
    # quadrants x < 0 < y and x > 0 > y are empty: the labels of the values at 0 go there.
    reach = max(float(np.max(np.abs(s.y))) for s in graph_series)
    title = ""
    annotations: list[Annotation] = []
    for name, at_zero, set_style in at_zeros:
        text = rf"$\partial({name})(0) = {set_tex(at_zero)}$"
        if isinstance(at_zero, sp.Interval) and at_zero.measure != 0:
            title = title or rf"$\partial({name})$ at 0 is the whole interval ${set_tex(at_zero)}$"
            lo, hi = to_float(at_zero.start, values), to_float(at_zero.end, values)
            annotations.append(
                Annotation(text, xy=(0.0, lo + 0.8 * (hi - lo)), xytext=(-0.5 * xmax, 0.4 * reach), va="bottom")
            )
        elif isinstance(at_zero, sp.FiniteSet) and len(at_zero.args) == 1:
            point = to_float(at_zero.args[0], values)
            graph_series.append(Series(text, (0.0,), (point,), kind="point", style=set_style, legend=False))
            annotations.append(Annotation(text, xy=(0.0, point), xytext=(0.5 * xmax, -0.55 * reach), va="top"))

    window = (-float(xmax), float(xmax))
    left = FigureData(
        title=rf"penalties, $\lambda = {lam:g}$",
        xlabel=r"$x$",
        ylabel=r"$g(x)$",
        series=tuple(penalty_series),
        xlim=window,
    )
    right = FigureData(
        title=r"subdifferentials",
        xlabel=r"$x$",
        ylabel=r"$\partial g(x)$",
        series=tuple(graph_series),
        annotations=tuple(annotations),
        xlim=window,
    )
    return MultiPanelData(title=title or "subdifferentials of the penalties", panels=(left, right))


def draw_subdifferential(data: MultiPanelData, ax: Sequence[Axes] | None = None) -> list[Axes]:
    """Draw :func:`subdifferential_data` output.

    Parameters
    ----------
    data : MultiPanelData
        From :func:`subdifferential_data`.
    ax : sequence of two matplotlib.axes.Axes, optional
        Where to draw the panels (with the caller's rcParams); by default a
        new page-width figure in the house style.

    Returns
    -------
    list of matplotlib.axes.Axes
        The axes; ``axes[p].lines[i]`` is ``data.panels[p].series[i]``.
    """
    if ax is None:
        _fig, axes, _ = styled_figure(lambda axes: _draw(data, axes), "double", nrows=1, ncols=len(data.panels))
        return axes
    axes = list(ax)
    if len(axes) != len(data.panels):
        raise ValueError(f"{len(data.panels)} panels need {len(data.panels)} axes, got {len(axes)}")
    return _draw(data, axes)


def _draw(data: MultiPanelData, axes: list[Axes]) -> list[Axes]:
    left, right = axes
    draw_panel(data.panels[0], left, legend_loc="upper center")
    draw_panel(data.panels[1], right, legend_loc="upper left")
    left.figure.suptitle(data.title)
    return axes


def subdifferential_figure(
    lam: float = 1.0, xmax: float = 2.0, *, width: Width = "double", fontsize: float = 9, **kwargs: Any
) -> tuple[Figure, MultiPanelData]:
    """The penalties and their subdifferentials, side by side.

    Parameters
    ----------
    lam, xmax
        See :func:`subdifferential_data`.
    width : {"single", "double"}
        Figure width (one column or the page).
    fontsize : float
        Base font size in points.
    **kwargs
        Passed to :func:`subdifferential_data` (``num``).

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure (not registered with ``pyplot``).
    data : MultiPanelData
        What was drawn.
    """
    data = subdifferential_data(lam, xmax, **kwargs)
    fig, _axes, _ = styled_figure(lambda axes: _draw(data, axes), width, fontsize, nrows=1, ncols=len(data.panels))
    return fig, data
