r"""Penalties and their unit balls: why the L1 ball has corners on the axes and the L2 ball has none.

Two panels:

1. the penalty curves ``g(x)`` of the lasso ``|x|``, ridge ``x^2``, the bridge
   ``|x|^(1/2)``, the elastic net, SCAD and MCP;
2. the unit balls ``{b in R^2 : g(b_1) + g(b_2) <= 1}`` of the separable
   penalties ``g(b_1) + g(b_2)`` for L1 (a diamond), L2 (a disc), L1/2 (a
   star) and the elastic net (rounded between the axes, pointed on them).

Every curve is evaluated from the penalty expressions of the catalogue
(:data:`derive.catalogue.CATALOGUE`), the same SymPy expressions the toolkit
derives its proximal operators from; no formula is typed here.  The boundary
of a ball is computed along rays: in the direction ``u = (cos t, sin t)`` the
boundary point is ``r u`` where ``h(r) = g(r u_1) + g(r u_2) = 1``, solved by
bisection (``h`` increases in ``r`` because each penalty increases in
``|x|``, checked on the bracket).  The corners are read off the derived
penalty structure (:func:`derive.penalties.analyse`): where ``g`` is not
differentiable at 0 (a kink, ``0`` in the interior of ``[g'(0-), g'(0+)]``),
the ball's boundary has a corner on each axis -- the geometric face of the
lasso's sparsity (Hastie, Tibshirani and Wainwright, *Statistical Learning
with Sparsity*, 2015, Figure 4.2; ESL Figure 3.12).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from .data import FigureData, MultiPanelData, Series, symmetric_grid, to_float
from .style import OKABE_ITO, Width, math_label, paper_rc, styled_figure

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "PenaltySpec",
    "PENALTIES",
    "UNIT_BALL_STYLES",
    "HEIGHTS",
    "penalty_function",
    "unit_ball_boundary",
    "unit_balls_data",
    "draw_unit_balls",
    "unit_balls_figure",
]


@dataclass(frozen=True, slots=True)
class PenaltySpec:
    """One penalty of the figure: a catalogue entry, its parameter values and how it is drawn.

    Parameters
    ----------
    entry : str
        A name of :data:`derive.catalogue.CATALOGUE`.
    name : str
        What the legend calls it (followed by the penalty's formula).
    values : tuple of (str, float)
        Parameter values by the symbols' names (``("lambda", 1.0)``).
    style : str
        A key of :data:`UNIT_BALL_STYLES`.
    ball : bool
        Whether its unit ball is drawn (right panel).
    formula : bool
        Whether the legend shows the formula (a ``Piecewise`` is too long: the
        parameter values are shown instead).
    """

    entry: str
    name: str
    values: tuple[tuple[str, float], ...]
    style: str
    ball: bool = True
    formula: bool = True


#: The penalties drawn, in drawing order.  The weights make ``g(1) = 1`` for the balls (the elastic net
#: ``|x|/2 + x^2/2`` is Zou and Hastie's mixture ``alpha |x| + (1 - alpha) x^2`` at ``alpha = 1/2``).
PENALTIES: tuple[PenaltySpec, ...] = (
    PenaltySpec("abs", "L1", (("lambda", 1.0),), "l1"),
    PenaltySpec("square", "L2", (("lambda", 1.0),), "l2"),
    PenaltySpec("bridge-1/2", "L1/2", (("lambda", 1.0),), "lp"),
    PenaltySpec("elastic-net", "elastic net", (("lambda", 0.5), ("mu", 1.0)), "enet"),
    PenaltySpec("scad", "SCAD", (("lambda", 1.0), ("a", 3.7)), "scad", ball=False, formula=False),
    PenaltySpec("mcp", "MCP", (("lambda", 1.0), ("gamma", 3.0)), "mcp", ball=False, formula=False),
)

#: Line2D keyword arguments per style key (Okabe–Ito colours; line styles differ too, for greyscale).
UNIT_BALL_STYLES: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        "l1": MappingProxyType({"color": OKABE_ITO["vermillion"], "linewidth": 1.6, "linestyle": "-", "zorder": 3}),
        "l2": MappingProxyType({"color": OKABE_ITO["blue"], "linewidth": 1.6, "linestyle": (0, (5.0, 1.8))}),
        "lp": MappingProxyType({"color": OKABE_ITO["reddish_purple"], "linewidth": 1.4, "linestyle": "-."}),
        "enet": MappingProxyType({"color": OKABE_ITO["bluish_green"], "linewidth": 1.4, "linestyle": (0, (1.2, 1.2))}),
        "scad": MappingProxyType(
            {"color": OKABE_ITO["orange"], "linewidth": 1.2, "linestyle": (0, (6.0, 1.5, 1.2, 1.5))}
        ),
        "mcp": MappingProxyType({"color": OKABE_ITO["sky_blue"], "linewidth": 1.2, "linestyle": (0, (3.0, 1.2))}),
        "corner": MappingProxyType(
            {"color": OKABE_ITO["black"], "marker": "o", "markersize": 3.2, "linestyle": "none", "zorder": 4}
        ),
    }
)

#: Figure heights in inches by width (two square panels side by side).
HEIGHTS: Mapping[str, float] = MappingProxyType({"single": 3.3, "double": 3.5})


@functools.lru_cache(maxsize=32)
def _structure(entry_name: str) -> Any:
    from derive.catalogue import entry
    from derive.penalties import analyse
    from derive.symbols import x

    e = entry(entry_name)
    return analyse(e.penalty, x, assumptions=e.context)


def _bound(spec: PenaltySpec) -> tuple[sp.Expr, dict[sp.Symbol, float]]:
    """The catalogue expression and its parameters bound to ``spec.values`` (an unknown name raises)."""
    from derive.catalogue import entry
    from derive.symbols import x

    penalty = entry(spec.entry).penalty
    given = dict(spec.values)
    symbols = sorted(penalty.free_symbols - {x}, key=lambda s: s.name)
    missing = [s.name for s in symbols if s.name not in given]
    unknown = sorted(set(given) - {s.name for s in symbols})
    if missing or unknown:
        raise ValueError(
            f"penalty {spec.entry!r} ({penalty}) needs values for {[s.name for s in symbols]}; "
            f"missing {missing}, unknown {unknown}"
        )
    return penalty, {s: float(given[s.name]) for s in symbols}


def penalty_function(spec: PenaltySpec) -> Callable[[np.ndarray], np.ndarray]:
    """A vectorised ``g(x)`` evaluated from the catalogue's penalty expression at ``spec.values``.

    Examples
    --------
    >>> g = penalty_function(PENALTIES[3])  # the elastic net |x|/2 + x^2/2
    >>> g(np.array([-2.0, 0.0, 1.0])).tolist()
    [3.0, 0.0, 1.0]
    """
    from derive.numeric import argument_name, numeric_function
    from derive.symbols import x

    penalty, values = _bound(spec)
    kernel = numeric_function(penalty, (x, *values))
    named = {argument_name(s): v for s, v in values.items()}

    def g(points: np.ndarray) -> np.ndarray:
        points = np.asarray(points, dtype=float)
        return np.broadcast_to(kernel(points, **named), points.shape).astype(float)

    return g


def _directions(num: int) -> np.ndarray:
    """``num`` unit vectors around the circle, counter-clockwise from (1, 0), exact on the axes."""
    if num < 8 or num % 4:
        raise ValueError(f"the number of boundary points must be a multiple of 4, at least 8; got {num}")
    angles = 2 * np.pi * np.arange(num) / num
    u = np.column_stack((np.cos(angles), np.sin(angles)))
    quarter = num // 4
    u[::quarter] = [(1.0, 0.0), (0.0, 1.0), (-1.0, 0.0), (0.0, -1.0)]
    return u


def unit_ball_boundary(
    g: Callable[[np.ndarray], np.ndarray], num: int = 720, *, level: float = 1.0, iterations: int = 200
) -> np.ndarray:
    """The boundary of ``{b : g(b_1) + g(b_2) <= level}`` along ``num`` rays, as a closed polygon.

    Parameters
    ----------
    g : callable
        A vectorised penalty with ``g(0) = 0``, increasing in ``|x|``.
    num : int
        Rays (a multiple of 4: the four axis directions are rays, so the points
        on the axes are boundary points exactly).
    level : float
        The level (1 for the unit ball).
    iterations : int
        Bisection steps (each halves the bracket of every radius).

    Returns
    -------
    numpy.ndarray
        Shape ``(num + 1, 2)``: the boundary points counter-clockwise from the
        positive first axis, the first point repeated at the end.

    Raises
    ------
    ValueError
        If ``g(0) != 0`` or the level is not reached along some ray (a bounded penalty).

    Examples
    --------
    >>> boundary = unit_ball_boundary(np.abs, num=8)
    >>> boundary[[0, 2, 4, 6]].round(12).tolist()
    [[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]]
    >>> round(float(np.abs(boundary[1]).sum()), 12)  # on the diagonal: |b1| + |b2| = 1
    1.0
    """
    if not level > 0:
        raise ValueError(f"the level must be positive, got {level}")
    if float(g(np.zeros(1))[0]) != 0.0:
        raise ValueError("the penalty must vanish at 0 for its unit ball to contain the origin")
    u = _directions(num)

    def h(r: np.ndarray) -> np.ndarray:
        return g(r * u[:, 0]) + g(r * u[:, 1])

    lo = np.zeros(num)
    hi = np.ones(num)
    for _ in range(64):
        short = h(hi) < level
        if not short.any():
            break
        lo, hi = np.where(short, hi, lo), np.where(short, 2 * hi, hi)
    else:
        raise ValueError(f"the penalty stays below {level} along some ray: its unit ball is unbounded")
    for _ in range(iterations):
        mid = (lo + hi) / 2
        below = h(mid) < level
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    r = (lo + hi) / 2
    points = r[:, None] * u
    return np.vstack((points, points[:1]))


def _label(spec: PenaltySpec, penalty: sp.Expr, values: dict[sp.Symbol, float], notation: Mapping[str, str]) -> str:
    if spec.formula:
        bound = penalty.subs({s: sp.nsimplify(v) for s, v in values.items()})
        return f"{spec.name}: {math_label(bound, notation=dict(notation))}"
    shown = ", ".join(
        f"{math_label(s, notation=dict(notation))[:-1]} = {v:g}$" for s, v in values.items() if s.name != "lambda"
    )
    return f"{spec.name} ({shown})"


def unit_balls_data(
    penalties: Sequence[PenaltySpec] = PENALTIES,
    *,
    xmax: float = 2.0,
    num: int = 801,
    rays: int = 720,
    notation: Mapping[str, str] | None = None,
) -> MultiPanelData:
    """Compute the penalty curves and the unit balls from the catalogue's penalty expressions.

    Parameters
    ----------
    penalties : sequence of PenaltySpec
        What to draw (default :data:`PENALTIES`).
    xmax : float
        The curves are drawn on ``[-xmax, xmax]``.
    num : int
        Grid points of the curves (odd); the breakpoints of each penalty are inserted exactly.
    rays : int
        Boundary points of each ball (a multiple of 4).
    notation : mapping of str to str, optional
        Symbol names to LaTeX (``{"x": "w"}``), as for the derivation printer.

    Returns
    -------
    MultiPanelData
        Panel 0: one series per penalty, ``g`` on the grid.  Panel 1: one
        closed boundary per penalty with ``ball=True`` (series label =
        the penalty's label), followed by one ``point`` series ``corners of
        <name>`` per penalty with a kink at 0: its boundary points on the axes.

    Examples
    --------
    >>> data = unit_balls_data(num=5, rays=8)
    >>> [s.label.split(":")[0] for s in data.panels[1].series]
    ['L1', 'L2', 'L1/2', 'elastic net', 'corners of L1', 'corners of L1/2', 'corners of elastic net']
    >>> data.panels[0].series[0].y.tolist()  # |x| on [-2, 2]
    [2.0, 1.0, 0.0, 1.0, 2.0]
    """
    from derive.symbols import x

    if not xmax > 0:
        raise ValueError(f"xmax must be positive, got {xmax}")
    notation = dict(notation or {})
    curves: list[Series] = []
    balls: list[Series] = []
    corners: list[Series] = []
    for spec in penalties:
        if spec.style not in UNIT_BALL_STYLES:
            raise ValueError(f"penalty {spec.entry!r}: unknown style {spec.style!r}")
        penalty, values = _bound(spec)
        structure = _structure(spec.entry)
        label = _label(spec, penalty, values, notation)
        breaks = [to_float(k.point, values) for k in structure.breakpoints]
        grid = symmetric_grid(xmax, num, include=[p for p in breaks if np.isfinite(p)])
        g = penalty_function(spec)
        curves.append(Series(label, grid, g(grid), kind="line", style=spec.style))
        if not spec.ball:
            continue
        boundary = unit_ball_boundary(g, rays)
        balls.append(Series(label, boundary[:, 0], boundary[:, 1], kind="line", style=spec.style))
        if structure.differentiable_at(sp.Integer(0)) is False:  # a kink at 0: corners on the axes
            on_axes = boundary[: rays : rays // 4]
            corners.append(
                Series(f"corners of {spec.name}", on_axes[:, 0], on_axes[:, 1], kind="point", style="corner")
            )
    variable = math_label(x, notation=notation)
    first, second = (math_label(sp.Symbol(f"b_{i}"), notation=notation) for i in (1, 2))
    return MultiPanelData(
        title="Penalties and their unit balls: a kink at 0 puts corners on the axes",
        panels=(
            FigureData(
                title="penalties",
                xlabel=variable,
                ylabel=f"$g({variable[1:-1]})$",
                series=tuple(curves),
                xlim=(-xmax, xmax),
                ylim=(0.0, xmax),
            ),
            FigureData(
                title=rf"unit balls $g({first[1:-1]}) + g({second[1:-1]}) \leq 1$",
                xlabel=first,
                ylabel=second,
                series=(*balls, *corners),
                xlim=(-1.25, 1.25),
                ylim=(-1.25, 1.25),
            ),
        ),
    )


def _draw_panel(data: FigureData, ax: Axes) -> Axes:
    from matplotlib.collections import LineCollection

    for segments, transform in (
        ([[(0.0, 0.0), (1.0, 0.0)]], ax.get_yaxis_transform()),
        ([[(0.0, 0.0), (0.0, 1.0)]], ax.get_xaxis_transform()),
    ):
        ax.add_collection(
            LineCollection(segments, transform=transform, colors="0.8", linewidths=0.5, zorder=0.8), autolim=False
        )
    for series in data.series:
        label = series.label if series.legend and series.kind != "point" else "_nolegend_"
        ax.plot(series.x, series.y, label=label, **UNIT_BALL_STYLES[series.style])
    if data.xlim is not None:
        ax.set_xlim(*data.xlim)
    if data.ylim is not None:
        ax.set_ylim(*data.ylim)
    ax.set_title(data.title)
    ax.set_xlabel(data.xlabel)
    ax.set_ylabel(data.ylabel)
    return ax


def _draw(data: MultiPanelData, axes: list[Axes]) -> list[Axes]:
    if len(axes) != len(data.panels):
        raise ValueError(f"{len(data.panels)} panels need {len(data.panels)} axes, got {len(axes)}")
    curves, balls = data.panels
    _draw_panel(curves, axes[0])
    _draw_panel(balls, axes[1])
    axes[1].set_aspect("equal", adjustable="box")
    fig = axes[0].figure
    fig.suptitle(data.title)
    # One legend for both panels (the balls repeat the curves' styles), below them: the panels are full.
    narrow = fig.get_figwidth() < 5
    handles, labels = axes[0].get_legend_handles_labels()
    fig.legend(
        handles, labels, loc="outside lower center", ncol=2 if narrow else 3, handlelength=2.6, columnspacing=1.2
    )
    return axes


def draw_unit_balls(data: MultiPanelData, axes: Sequence[Axes] | None = None) -> list[Axes]:
    """Draw :func:`unit_balls_data` output; ``axes[p].lines[i]`` is ``data.panels[p].series[i]``.

    Parameters
    ----------
    data : MultiPanelData
        From :func:`unit_balls_data`.
    axes : sequence of two Axes, optional
        Where to draw; by default a new double-column figure in the house style.

    Returns
    -------
    list of matplotlib.axes.Axes
        The two axes drawn into.
    """
    if axes is None:
        _fig, own, _ = styled_figure(lambda ax: _draw(data, ax), "double", height=HEIGHTS["double"], ncols=2)
        return own
    return _draw(data, list(axes))


def unit_balls_figure(
    *,
    width: Width = "double",
    fontsize: float = 8,
    document_pt: int | None = None,
    size: str = "small",
    notation: Mapping[str, str] | None = None,
) -> tuple[Figure, MultiPanelData]:
    """The figure: penalty curves (left) and unit balls (right).

    Parameters
    ----------
    width : {"single", "double"}
        One journal column or the page width.
    fontsize : float
        Base font size in points (ignored when ``document_pt`` is given).
    document_pt : {10, 11, 12}, optional
        Match the text to a LaTeX document of this class option at ``size``
        (:func:`figures.style.paper_rc`).
    size : str
        The LaTeX size of the text when ``document_pt`` is given.
    notation : mapping of str to str, optional
        Symbol names to LaTeX, as for the derivation printer.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Not registered with ``pyplot``; save with :func:`figures.save.save_figure`.
    data : MultiPanelData
        What was drawn.
    """
    if document_pt is not None:
        fontsize = paper_rc(document_pt, width=width, size=size)["font.size"]
    data = unit_balls_data(notation=notation)
    fig, _axes, _ = styled_figure(lambda axes: _draw(data, axes), width, fontsize, height=HEIGHTS[width], ncols=2)
    return fig, data
