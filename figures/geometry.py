"""The two-dimensional geometry: where the solution has a zero coordinate, for the L1 and the L2 constraint.

Three panels, orthonormal design, OLS point ``z = (z_1, z_2)``:

1. constrained form ``||b||_1 <= t``: the four vertex cones (shaded) are the
   OLS points whose solution sits at a vertex, i.e. has a zero coordinate;
   an example ``z`` in a cone, its solution and the least-squares contour
   through it;
2. constrained form ``||b||_2 <= t``: a zero coordinate only on the axes (no
   area); the same example ``z`` and its solution;
3. penalised form at fixed ``lambda``: the two strips where a coordinate of
   the lasso estimate is 0, with the disc of radius R whose shaded area is
   given by Theorem 7.

Everything comes from the derived results: the regions are the relations in
the theorem's extras (:func:`proofs.geometry.geometry`), evaluated on a grid;
the balls are the theorem's constraint sets; the constrained solutions are the
derived lasso and ridge estimates at the lambda where the constraint is active
(the t <-> lambda map, solved numerically by bisection); the contours are the
least-squares part of the derived objective.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from .data import Annotation, FigureData, Series, as_readonly_array
from .style import OKABE_ITO, Width, draw_panel, styled_figure

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Callable, Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "Region",
    "GeometryPanel",
    "GeometryData",
    "REGION_STYLES",
    "geometry_data",
    "draw_geometry",
    "geometry_figure",
    "constrained_solution",
]

#: Figure height in inches (square panels with their legends below).
HEIGHT = 3.2

#: ``contourf`` keyword arguments for each region style key.
REGION_STYLES = MappingProxyType(
    {
        "l1": MappingProxyType({"colors": [OKABE_ITO["vermillion"]], "alpha": 0.22}),
        "l2": MappingProxyType({"colors": [OKABE_ITO["blue"]], "alpha": 0.22}),
    }
)


@dataclass(frozen=True, eq=False)
class Region:
    """A shaded region: a boolean mask on a grid.

    Parameters
    ----------
    label : str
        What the region is.
    x, y : array_like
        The grid's coordinates (one-dimensional).
    inside : array_like
        Booleans of shape ``(y.size, x.size)``: the grid points in the region.
    style : str
        A key of :data:`REGION_STYLES`.
    """

    label: str
    x: np.ndarray
    y: np.ndarray
    inside: np.ndarray
    style: str = "l1"

    def __post_init__(self) -> None:
        x, y = as_readonly_array(self.x), as_readonly_array(self.y)
        inside = np.array(self.inside, dtype=bool)
        if inside.shape != (y.size, x.size):
            raise ValueError(f"region {self.label!r}: mask of shape {inside.shape}, grid {y.size} x {x.size}")
        if self.style not in REGION_STYLES:
            raise ValueError(f"region {self.label!r}: unknown style {self.style!r}")
        inside.setflags(write=False)
        object.__setattr__(self, "x", x)
        object.__setattr__(self, "y", y)
        object.__setattr__(self, "inside", inside)


@dataclass(frozen=True)
class GeometryPanel:
    """One axes: its lines and labels (:class:`~figures.data.FigureData`) and its shaded regions."""

    figure: FigureData
    regions: tuple[Region, ...] = ()


@dataclass(frozen=True)
class GeometryData:
    """The panels of :func:`geometry_figure`, left to right, under one title."""

    title: str
    panels: tuple[GeometryPanel, ...]


def _boolean(expr: Any, symbols: Sequence[Any]) -> Callable[..., np.ndarray]:
    import sympy as sp

    names = [sp.Symbol(f"arg{i}", real=True) for i in range(len(symbols))]
    body = sp.sympify(expr).xreplace(dict(zip(symbols, names, strict=True)))
    return sp.lambdify(names, body, modules="numpy")


def _level_lines(x: np.ndarray, values: np.ndarray, level: float) -> list[np.ndarray]:
    import contourpy

    return list(contourpy.contour_generator(x, x, values).lines(level))


def _boundary(relation: Any, symbols: Sequence[Any], grid: np.ndarray, label: str, style: str) -> list[Series]:
    """The boundary of a relation ``lhs <= rhs`` as the zero level of ``lhs - rhs`` on the grid."""
    X, Y = np.meshgrid(grid, grid)
    values = _boolean(relation.lhs - relation.rhs, symbols)(X, Y)
    return [
        Series(label, line[:, 0], line[:, 1], style=style, legend=i == 0)
        for i, line in enumerate(_level_lines(grid, np.broadcast_to(values, X.shape), 0.0))
    ]


def constrained_solution(name: str, point: Sequence[float], radius: float) -> np.ndarray:
    """The solution of ``min ||z - b||^2`` subject to the ``name`` constraint of radius ``radius``.

    ``"lasso"``: the L1 ball; ``"ridge"``: the L2 ball.  Inside the ball the
    solution is z.  Otherwise it is the derived penalised estimate
    (:func:`derive.estimators.estimator`) at the lambda where the constraint
    is active: lambda is found by bisection so that the estimate's norm is
    ``radius`` (the norm decreases in lambda).

    Examples
    --------
    >>> constrained_solution("lasso", (1.9, 0.4), 1.0).round(12).tolist()
    [1.0, 0.0]
    >>> constrained_solution("ridge", (3.0, 4.0), 1.0).round(12).tolist()
    [0.6, 0.8]
    """
    from derive.estimators import estimator

    order = {"lasso": 1, "ridge": 2}[name]
    estimate = estimator(name).numeric()
    z = np.asarray(point, dtype=float)
    if np.linalg.norm(z, order) <= radius:
        return z.copy()

    def norm(weight: float) -> float:
        return float(np.linalg.norm(estimate(z, lam=weight), order))

    lo, hi = 0.0, 1.0
    while norm(hi) > radius:
        hi *= 2.0
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if norm(mid) > radius else (lo, mid)
    return np.asarray(estimate(z, lam=hi), dtype=float)


def geometry_data(
    t: float = 1.0,
    lam: float = 0.5,
    radius: float = 2.0,
    example: tuple[float, float] = (1.9, 0.45),
    window: float = 2.4,
    *,
    num: int = 401,
) -> GeometryData:
    """Compute the three panels from Theorem 7's derived regions and the derived estimates.

    Parameters
    ----------
    t : float
        The constraint radius (panels 1 and 2), positive.
    lam : float
        The penalty weight (panel 3), positive.
    radius : float
        The disc in which the shaded area of panel 3 is measured.
    example : tuple of float
        The OLS point shown in panels 1 and 2.
    window : float
        Each panel shows ``[-window, window]^2``.
    num : int
        Grid points per axis for the regions and contours.

    Returns
    -------
    GeometryData
        Three :class:`GeometryPanel` objects.
    """
    import sympy as sp

    from derive.estimators import estimator
    from derive.numeric import numeric_function
    from derive.symbols import beta, z
    from derive.symbols import lam as lam_symbol
    from proofs.geometry import R, geometry, z1, z2
    from proofs.geometry import t as t_symbol

    for name, value in (("t", t), ("lam", lam), ("radius", radius), ("window", window)):
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value}")
    proof = geometry().proof
    grid = np.linspace(-float(window), float(window), num)
    X, Y = np.meshgrid(grid, grid)
    plane = (z1, z2)

    def mask(name: str, values: dict) -> np.ndarray:
        return np.broadcast_to(_boolean(proof.extra(name).subs(values), plane)(X, Y), X.shape)

    # The least-squares part of the derived per-coordinate objective, summed over the two coordinates.
    part = estimator("lasso").objective.subs(lam_symbol, 0)
    b1, b2 = sp.Symbol("b_1", real=True), sp.Symbol("b_2", real=True)
    loss = part.subs({beta: b1, z: z1}) + part.subs({beta: b2, z: z2})
    loss_at = numeric_function(loss, (b1, b2, z1, z2))
    point = np.asarray(example, dtype=float)

    panels = []
    for name, ball, style, title in (
        ("lasso", "l1_ball", "l1", r"$\|b\|_1 \leq t$: solution at a vertex"),
        ("ridge", "l2_ball", "l2", r"$\|b\|_2 \leq t$: no vertices"),
    ):
        solution = constrained_solution(name, point, t)
        level = float(loss_at(solution[0], solution[1], point[0], point[1]))
        contour = _level_lines(grid, np.broadcast_to(loss_at(X, Y, point[0], point[1]), X.shape), level)
        series = [
            *_boundary(proof.extra(ball).subs(t_symbol, t), plane, grid, f"constraint, $t = {t:g}$", style),
            *[
                Series("least-squares contour", line[:, 0], line[:, 1], style="ols", legend=i == 0)
                for i, line in enumerate(contour)
            ],
            Series(r"OLS point $z$", point[:1], point[1:], kind="point", style="default"),
            Series(r"solution $b^*$", solution[:1], solution[1:], kind="point", style="l2_point"),
        ]
        regions: tuple[Region, ...] = ()
        if name == "lasso":
            regions = (Region("vertex cones", grid, grid, mask("vertex_cones", {t_symbol: t}), style="l1"),)
        else:  # a zero coordinate only on the axes: lines, no area
            series.append(Series("axes: zero coordinate", [-window, window], [0.0, 0.0], style="l2"))
            series.append(Series("axes", [0.0, 0.0], [-window, window], style="l2", legend=False))
        figure = FigureData(
            title=title,
            xlabel=r"$z_1$, $b_1$",
            ylabel=r"$z_2$, $b_2$",
            series=tuple(series),
            xlim=(-window, window),
            ylim=(-window, window),
        )
        panels.append(GeometryPanel(figure, regions))

    area = float(sp.N(proof.extra("strip_area").subs({R: radius, lam_symbol: lam})))
    circle = sp.Le(z1**2 + z2**2, R**2).subs(R, radius)
    strips = FigureData(
        title=rf"penalised, $\lambda = {lam:g}$: strips",
        xlabel=r"$z_1$",
        ylabel=r"$z_2$",
        series=tuple(_boundary(circle, plane, grid, f"disc, $R = {radius:g}$", "default")),
        annotations=(
            Annotation(
                f"shaded area in the disc: {area:.3f}",
                xy=(0.98 * window, -0.97 * window),
                ha="right",
                va="bottom",
            ),
        ),
        xlim=(-window, window),
        ylim=(-window, window),
    )
    panels.append(GeometryPanel(strips, (Region("strips", grid, grid, mask("strips", {lam_symbol: lam})),)))
    return GeometryData(
        title="Where the solution has a zero coordinate: regions of positive area for L1, lines for L2",
        panels=tuple(panels),
    )


def draw_geometry(data: GeometryData, ax: Sequence[Axes] | None = None) -> list[Axes]:
    """Draw :func:`geometry_data` output; ``axes[p].lines[i]`` is ``data.panels[p].figure.series[i]``."""
    if ax is None:
        _fig, axes, _ = styled_figure(
            lambda axes: _draw(data, axes), "double", height=HEIGHT, nrows=1, ncols=len(data.panels)
        )
        return axes
    axes = list(ax)
    if len(axes) != len(data.panels):
        raise ValueError(f"{len(data.panels)} panels need {len(data.panels)} axes, got {len(axes)}")
    return _draw(data, axes)


def _draw(data: GeometryData, axes: list[Axes]) -> list[Axes]:
    for ax, panel in zip(axes, data.panels, strict=True):
        for region in panel.regions:
            inside = region.inside.astype(float)
            ax.contourf(region.x, region.y, inside, levels=[0.5, 1.5], **REGION_STYLES[region.style])
        draw_panel(panel.figure, ax, legend_loc=None)
        ax.set_aspect("equal", adjustable="box")
        # Below the axes: the panels are full to their edges.
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, handlelength=1.8, columnspacing=1.0)
    axes[0].figure.suptitle(data.title)
    return axes


def geometry_figure(
    t: float = 1.0,
    lam: float = 0.5,
    radius: float = 2.0,
    *,
    width: Width = "double",
    fontsize: float = 8,
) -> tuple[Figure, GeometryData]:
    """The geometry of sparsity in two dimensions (Theorem 7): vertex cones, no vertices, strips.

    Parameters
    ----------
    t, lam, radius
        See :func:`geometry_data`.
    width : {"single", "double"}
        Figure width.
    fontsize : float
        Base font size in points.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure (save it with :func:`figures.save.save_figure`).
    data : GeometryData
        What was drawn.
    """
    data = geometry_data(t, lam, radius)
    fig, _axes, _ = styled_figure(
        lambda axes: _draw(data, axes), width, fontsize, height=HEIGHT, nrows=1, ncols=len(data.panels)
    )
    return fig, data
