r"""Coefficient paths against lambda for an orthonormal design: the lasso's hit exactly 0, ridge's never do.

For ``X^T X = I`` each coefficient of the estimate is a function of its OLS
coordinate ``z_j`` and of ``lambda`` alone, so the path ``lambda -> beta_j(lambda)``
of one coordinate is the derived estimate evaluated at ``z_j``
(:func:`derive.estimators.estimator` and
:meth:`derive.core.Derivation.numeric`): piecewise linear for the lasso,
reaching exactly 0 and staying there once ``lambda`` reaches the value where
the derived threshold equals ``|z_j|``; proportional shrinkage ``z_j/(1 +
lambda)`` for ridge (ESL convention), which is never 0 (Hastie, Tibshirani
and Friedman, *The Elements of Statistical Learning*, 2nd ed., Figures 3.8 and
3.10, for a general design).

The lambda where a lasso path reaches 0 is *derived*: the derivation's
``threshold`` extra (the largest ``|z|`` mapped to 0, a function of the penalty
weight) is set equal to ``|z_j|`` and solved for the weight with SymPy; the
grid contains those values exactly, so each kink is a grid point.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from .data import FigureData, MultiPanelData, Series, as_readonly_array
from .style import OKABE_ITO, Width, math_label, paper_rc, styled_figure
from .threshold_functions import derived_estimator, parameter_values

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "ESTIMATORS",
    "PATH_STYLES",
    "HEIGHTS",
    "SEED",
    "default_z",
    "zero_crossings",
    "coefficient_paths_data",
    "draw_coefficient_paths",
    "coefficient_paths_figure",
]

#: The estimators drawn, one panel each, with their line styles.
ESTIMATORS: Mapping[str, str] = MappingProxyType({"lasso": "-", "ridge": (0, (5.0, 1.8))})  # type: ignore[dict-item]

#: One Okabe–Ito colour per coordinate (yellow left out: too pale on white), cycled.
_COLOURS: tuple[str, ...] = tuple(
    OKABE_ITO[k] for k in ("vermillion", "blue", "bluish_green", "orange", "reddish_purple", "sky_blue", "black")
)

#: Line2D keyword arguments per style key: ``"<estimator>:<k>"`` for coordinate k's path, ``"zero"`` for the marks.
PATH_STYLES: Mapping[str, Mapping[str, Any]] = MappingProxyType(
    {
        **{
            f"{name}:{k}": MappingProxyType({"color": colour, "linewidth": 1.3, "linestyle": dash})
            for name, dash in ESTIMATORS.items()
            for k, colour in enumerate(_COLOURS)
        },
        "zero": MappingProxyType(
            {
                "color": OKABE_ITO["black"],
                "marker": "o",
                "markersize": 3.8,
                "markerfacecolor": "white",
                "markeredgewidth": 1.0,
                "linestyle": "none",
                "zorder": 4,
            }
        ),
    }
)

#: Figure heights in inches by width.
HEIGHTS: Mapping[str, float] = MappingProxyType({"single": 3.4, "double": 2.9})

#: The seed of the default OLS coordinates.
SEED = 6


def default_z(p: int = 6, seed: int = SEED) -> np.ndarray:
    """``p`` OLS coordinates drawn from N(0, 1.5^2) with a fixed seed, rounded to two decimals.

    Examples
    --------
    >>> default_z().tolist()
    [1.58, 2.66, -3.83, -0.21, 1.52, 2.03]
    """
    if p < 1:
        raise ValueError(f"p must be positive, got {p}")
    return as_readonly_array(np.round(np.random.default_rng(seed).normal(0.0, 1.5, size=p), 2))


@functools.lru_cache(maxsize=16)
def _solved_threshold(name: str, convention: str) -> tuple[sp.Symbol, tuple[sp.Expr, ...]]:
    """Solve ``threshold(weight) = t`` for the penalty weight: the weight where ``|z| = t`` is first mapped to 0."""
    from derive.conventions import get_convention

    weight = get_convention(convention).scaling(name).penalty_weight
    threshold = sp.sympify(derived_estimator(name, convention).extra("threshold"))
    t = sp.Symbol("t", positive=True)
    if not threshold.has(weight):  # a constant threshold (ridge: 0): no weight makes |z| > 0 zero
        return t, ()
    return t, tuple(sp.solve(sp.Eq(threshold, t), weight))


def zero_crossings(
    name: str, z: Sequence[float], convention: str = "esl", *, params: Mapping[str, float] | None = None
) -> tuple[float | None, ...]:
    """The penalty weight at which each coordinate's path reaches exactly 0 (``None``: never).

    Solves the derivation's threshold ``= |z_j|`` for the weight (see the module docstring).

    Examples
    --------
    >>> zero_crossings("lasso", [0.5, -2.0])
    (0.5, 2.0)
    >>> zero_crossings("ridge", [0.5, -2.0])
    (None, None)
    """
    t, solutions = _solved_threshold(name, convention)
    others = {s: float(v) for s, v in _other_parameters(name, convention, params).items()}
    out: list[float | None] = []
    for zj in z:
        size = abs(float(zj))
        found = [float(sol.subs({t: size, **others})) for sol in solutions] if size > 0 else [0.0]
        found = [f for f in found if np.isfinite(f) and f >= 0]
        out.append(min(found) if found else None)
    return tuple(out)


def _other_parameters(name: str, convention: str, params: Mapping[str, float] | None) -> dict[sp.Symbol, float]:
    from derive.conventions import get_convention

    weight = get_convention(convention).scaling(name).penalty_weight
    values = parameter_values(derived_estimator(name, convention), weight, 1.0, params)
    return {s: v for s, v in values.items() if s != weight}


@functools.lru_cache(maxsize=256)
def _limit_at_zero(name: str, convention: str, zk: float, others: tuple[tuple[sp.Symbol, float], ...]) -> float:
    """The estimate at weight 0: the derived result's limit as the weight decreases to 0 (least squares).

    The derivation assumes a positive weight, so 0 is not substituted but approached.
    """
    from derive.conventions import get_convention

    d = derived_estimator(name, convention)
    weight = get_convention(convention).scaling(name).penalty_weight
    bound = sp.sympify(d.result).subs({d.variable: sp.nsimplify(zk), **{s: sp.nsimplify(v) for s, v in others}})
    return float(sp.limit(bound, weight, 0, dir="+"))


def coefficient_paths_data(
    z: Sequence[float] | None = None,
    *,
    lam_max: float | None = None,
    num: int = 401,
    convention: str = "esl",
    params: Mapping[str, float] | None = None,
    notation: Mapping[str, str] | None = None,
) -> MultiPanelData:
    """Compute the lasso and ridge coefficient paths against the penalty weight.

    Parameters
    ----------
    z : sequence of float, optional
        The OLS coordinates (default :func:`default_z`, six seeded values).
    lam_max : float, optional
        The weight axis is ``[0, lam_max]`` (default: 1.15 times the largest zero crossing).
    num : int
        Evenly spaced weights before the zero crossings are inserted.
    convention : str
        The objective's scaling (:mod:`derive.conventions`).
    params : mapping of str to float, optional
        Other parameters of the derived estimates, by name (``{"n": 100}`` for
        scikit-learn's ridge).
    notation : mapping of str to str, optional
        Symbol names to LaTeX, as for the derivation printer (labels).

    Returns
    -------
    MultiPanelData
        One panel per estimator of :data:`ESTIMATORS`: one line per
        coordinate (label ``z_j = ...``) on the common weight grid, then, if
        some path reaches 0, one ``point`` series of the zero crossings
        ``(weight_j, 0)``.

    Examples
    --------
    >>> data = coefficient_paths_data([1.0, -0.5], lam_max=2.0, num=5)
    >>> data.panels[0].series[0].x.tolist()
    [0.0, 0.5, 1.0, 1.5, 2.0]
    >>> data.panels[0].series[1].y.tolist()  # the lasso path of z = -0.5
    [-0.5, 0.0, 0.0, 0.0, 0.0]
    >>> data.panels[0].series[2].x.tolist()  # where the paths reach 0
    [1.0, 0.5]
    """
    from derive.conventions import get_convention
    from derive.numeric import argument_name

    values = default_z() if z is None else as_readonly_array(z)
    if values.size == 0:
        raise ValueError("no coordinates given")
    if num < 2:
        raise ValueError(f"num must be at least 2, got {num}")
    notation = dict(notation or {})
    conv = get_convention(convention)
    crossings = {name: zero_crossings(name, values.tolist(), convention, params=params) for name in ESTIMATORS}
    found = [c for cs in crossings.values() for c in cs if c is not None]
    top = float(lam_max) if lam_max is not None else 1.15 * max([*found, float(np.max(np.abs(values)))])
    if not top > 0:
        raise ValueError(f"lam_max must be positive, got {lam_max}")
    grid = as_readonly_array(np.union1d(np.linspace(0.0, top, num), [c for c in found if c <= top]))

    panels = []
    for name in ESTIMATORS:
        d = derived_estimator(name, convention)
        weight = conv.scaling(name).penalty_weight
        kernel = d.numeric()
        fixed = _other_parameters(name, convention, params)
        others = {argument_name(s): v for s, v in fixed.items()}
        series = []
        positive = grid > 0  # the derivation assumes a positive weight: at 0, its limit from the right
        for k, zk in enumerate(values.tolist()):
            y = np.empty_like(grid)
            y[positive] = np.broadcast_to(
                kernel(zk, **{argument_name(weight): grid[positive]}, **others), grid[positive].shape
            )
            y[~positive] = _limit_at_zero(name, convention, float(zk), tuple(fixed.items()))
            label = f"${math_label(d.variable, notation=notation)[1:-1]}_{{{k + 1}}} = {zk:g}$"
            series.append(Series(label, grid, y, kind="line", style=f"{name}:{k % len(_COLOURS)}"))
        hits = [c for c in crossings[name] if c is not None and c <= top]
        if hits:
            series.append(Series("reaches 0", hits, np.zeros(len(hits)), kind="point", style="zero"))
        words = "each path reaches exactly 0" if hits else "shrunk, never exactly 0"
        panels.append(
            FigureData(
                title=f"{d.title.split(' estimate')[0].removeprefix('The ')}: {words}",
                xlabel=f"penalty weight {math_label(weight, notation=notation)}",
                ylabel=f"estimate {math_label(sp.Symbol('betahat'), notation=notation)}",
                series=tuple(series),
                xlim=(0.0, top),
            )
        )
    return MultiPanelData(
        title=f"Coefficient paths, orthonormal design ({conv.name} convention)",
        panels=tuple(panels),
    )


def _draw(data: MultiPanelData, axes: list[Axes]) -> list[Axes]:
    from matplotlib.collections import LineCollection

    narrow = axes[0].figure.get_figwidth() < 5
    if len(axes) != len(data.panels):
        raise ValueError(f"{len(data.panels)} panels need {len(data.panels)} axes, got {len(axes)}")
    for panel, ax in zip(data.panels, axes, strict=True):
        ax.add_collection(
            LineCollection(
                [[(0.0, 0.0), (1.0, 0.0)]], transform=ax.get_yaxis_transform(), colors="0.8", linewidths=0.5
            ),
            autolim=False,
        )
        for series in panel.series:
            ax.plot(series.x, series.y, label=series.label, **PATH_STYLES[series.style])
        if panel.xlim is not None:
            ax.set_xlim(*panel.xlim)
        ax.set_title(panel.title.replace(": ", ":\n") if narrow else panel.title)
        ax.set_xlabel(panel.xlabel)
        ax.set_ylabel(panel.ylabel)
    shared = min(ax.get_ylim()[0] for ax in axes), max(ax.get_ylim()[1] for ax in axes)
    for ax in axes:
        ax.set_ylim(*shared)
    # The coordinates' colours are the same in every panel: one legend, below the panels.
    handles, labels = axes[0].get_legend_handles_labels()
    fig = axes[0].figure
    fig.legend(handles, labels, loc="outside lower center", ncol=3 if narrow else 7, handlelength=2.0)
    fig.suptitle(data.title)
    return axes


def draw_coefficient_paths(data: MultiPanelData, axes: Sequence[Axes] | None = None) -> list[Axes]:
    """Draw :func:`coefficient_paths_data` output; ``axes[p].lines[i]`` is ``data.panels[p].series[i]``.

    Parameters
    ----------
    data : MultiPanelData
        From :func:`coefficient_paths_data`.
    axes : sequence of Axes, optional
        One per panel; by default a new double-column figure in the house style.

    Returns
    -------
    list of matplotlib.axes.Axes
        The axes drawn into.
    """
    if axes is None:
        _fig, own, _ = styled_figure(
            lambda ax: _draw(data, ax), "double", height=HEIGHTS["double"], ncols=len(data.panels)
        )
        return own
    return _draw(data, list(axes))


def coefficient_paths_figure(
    z: Sequence[float] | None = None,
    *,
    convention: str = "esl",
    params: Mapping[str, float] | None = None,
    width: Width = "double",
    fontsize: float = 8,
    document_pt: int | None = None,
    size: str = "small",
    notation: Mapping[str, str] | None = None,
) -> tuple[Figure, MultiPanelData]:
    """The figure: lasso and ridge coefficient paths against the penalty weight, side by side.

    Parameters
    ----------
    z, convention, params, notation
        See :func:`coefficient_paths_data`.
    width : {"single", "double"}
        One journal column or the page width.
    fontsize : float
        Base font size in points (ignored when ``document_pt`` is given).
    document_pt : {10, 11, 12}, optional
        Match the text to a LaTeX document of this class option at ``size``
        (:func:`figures.style.paper_rc`).
    size : str
        The LaTeX size of the text when ``document_pt`` is given.

    Returns
    -------
    fig : matplotlib.figure.Figure
        Not registered with ``pyplot``; save with :func:`figures.save.save_figure`.
    data : MultiPanelData
        What was drawn.
    """
    if document_pt is not None:
        fontsize = paper_rc(document_pt, width=width, size=size)["font.size"]
    data = coefficient_paths_data(z, convention=convention, params=params, notation=notation)
    fig, _axes, _ = styled_figure(
        lambda axes: _draw(data, axes), width, fontsize, height=HEIGHTS[width], ncols=len(data.panels)
    )
    return fig, data
