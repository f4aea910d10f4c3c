"""The lasso, ridge and least-squares estimates as functions of the OLS estimate.

For an orthonormal design each coordinate of the estimate is a function of the
OLS coordinate ``z`` alone (Hastie, Tibshirani and Friedman, *The Elements of
Statistical Learning*, 2nd ed., Table 3.4 and Figure 3.11): the lasso soft
thresholds (every ``|z| <= lambda`` is mapped to exactly 0), ridge shrinks
proportionally (only ``z = 0`` is mapped to 0), least squares is the identity.

The curves are evaluated from the derived results
(:func:`derive.estimators.estimator` and :meth:`derive.core.Derivation.numeric`),
never from formulas typed here; the dead zone comes from the derivation's
``threshold`` and the grid contains the case boundaries (the kinks) exactly.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np
import sympy as sp

from .data import Annotation, FigureData, Series, Span, symmetric_grid, to_float
from .style import Width, draw_panel, math_label, styled_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from derive.core import Derivation

__all__ = [
    "ESTIMATOR_LABELS",
    "HEIGHTS",
    "OLS_LABEL",
    "derived_estimator",
    "parameter_values",
    "threshold_data",
    "draw_threshold_functions",
    "threshold_functions",
]

#: Legend labels of the estimators drawn, in drawing order, with their style keys.
ESTIMATOR_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "lasso": ("lasso (soft threshold)", "l1"),
        "ridge": ("ridge", "l2"),
    }
)

#: Figure heights (inches) by width: the axes are square (the OLS line is at 45 degrees).
HEIGHTS: Mapping[str, float] = MappingProxyType({"single": 3.4, "double": 4.6})

#: How conventions are named in titles.
_CONVENTION_NAMES: Mapping[str, str] = MappingProxyType({"esl": "ESL", "sklearn": "scikit-learn"})

#: The label of the least-squares (identity) line.
OLS_LABEL = "OLS / least squares"


@functools.lru_cache(maxsize=16)
def derived_estimator(name: str, convention: str = "esl") -> Derivation:
    """Return ``derive.estimators.estimator(name, convention=convention)``, cached.

    Derivations are immutable, so one derivation per (estimator, convention)
    serves every figure.
    """
    from derive.estimators import estimator

    return estimator(name, convention=convention)


def parameter_values(
    derivation: Derivation, weight: sp.Symbol, lam: float, params: Mapping[str, float] | None = None
) -> dict[sp.Symbol, float]:
    """Bind a derivation's parameters to numbers.

    Parameters
    ----------
    derivation : Derivation
        Its ``parameters`` are bound.
    weight : sympy.Symbol
        The penalty weight (``lambda``; ``alpha`` in the scikit-learn convention); gets ``lam``.
    lam : float
        The value of the penalty weight.
    params : mapping of str to float, optional
        Values of the other parameters by name (e.g. ``{"n": 100}``); names
        the derivation does not use are ignored (the caller may share one
        mapping between several derivations).

    Returns
    -------
    dict
        Each parameter symbol mapped to its value.

    Raises
    ------
    ValueError
        If a parameter has no value, or ``params`` names an unknown one.
    """
    from derive.numeric import argument_name

    params = dict(params or {})
    values: dict[sp.Symbol, float] = {}
    for p in derivation.parameters:
        if p == weight:
            values[p] = float(lam)
        elif argument_name(p) in params or p.name in params:
            values[p] = float(params.get(argument_name(p), params.get(p.name)))
        else:
            raise ValueError(f"{derivation.title!r} needs a value for {p.name!r}: pass params={{{p.name!r}: ...}}")
    return values


def _case_boundaries(derivation: Derivation, values: Mapping[sp.Symbol, float]) -> list[float]:
    """The finite ends of the regions of the derivation's cases (its kinks), as floats."""
    points: list[float] = []
    for _, region in derivation.cases:
        ends = region.args if isinstance(region, sp.FiniteSet) else (region.start, region.end)
        for end in ends:
            value = to_float(end, dict(values))
            if np.isfinite(value):
                points.append(value)
    return points


def threshold_data(
    lam: float = 1.0,
    zmax: float = 3.0,
    convention: str = "esl",
    *,
    params: Mapping[str, float] | None = None,
    num: int = 801,
    notation: Mapping[str, str] | None = None,
) -> FigureData:
    """Compute the estimates of one coefficient as functions of the OLS estimate ``z``.

    Parameters
    ----------
    lam : float
        The penalty weight (``lambda``; ``alpha`` in the scikit-learn convention), positive.
    zmax : float
        The window is ``-zmax <= z <= zmax`` (and the same for the estimate).
    convention : {"esl", "sklearn"}
        The objective's scaling (see :mod:`derive.conventions`).
    params : mapping of str to float, optional
        Other parameters of the derived results, by name (``{"n": 100}`` for
        scikit-learn's ridge, whose estimate depends on the sample size).
    num : int
        Number of evenly spaced grid points (odd); the kinks are inserted exactly.
    notation : mapping of str to str, optional
        Symbol names as in the LaTeX output (``{"beta": "w", "lambda": r"\alpha"}``), applied to the
        axis labels, the title and the annotation through :func:`figures.style.math_label`.

    Returns
    -------
    FigureData
        Series ``lasso (soft threshold)``, ``ridge`` and ``OLS / least
        squares`` on one grid; a span over the lasso's dead zone
        ``|z| <= threshold``; an annotation "exactly 0".

    Examples
    --------
    >>> data = threshold_data(lam=1.0, zmax=3.0, num=7)
    >>> data.series[0].x.tolist()
    [-3.0, -2.0, -1.0, 0.0, 1.0, 2.0, 3.0]
    >>> data.series[0].y.tolist()
    [-2.0, -1.0, 0.0, 0.0, 0.0, 1.0, 2.0]
    >>> (data.spans[0].lo, data.spans[0].hi)
    (-1.0, 1.0)
    """
    from derive.conventions import get_convention
    from derive.numeric import argument_name

    if not lam > 0:
        raise ValueError(f"the penalty weight must be positive, got {lam}")
    if not zmax > 0:
        raise ValueError(f"zmax must be positive, got {zmax}")
    conv = get_convention(convention)
    derivations = {name: derived_estimator(name, convention) for name in ESTIMATOR_LABELS}
    lam = float(lam)
    bound = {
        name: parameter_values(d, conv.scaling(name).penalty_weight, lam, params) for name, d in derivations.items()
    }
    weights = {conv.scaling(name).penalty_weight for name in derivations}
    others = {p for d in derivations.values() for p in d.parameters if p not in weights}
    accepted = {argument_name(p) for p in others} | {p.name for p in others}
    unknown = sorted(set(params or {}) - accepted)
    if unknown:
        raise ValueError(
            f"unknown parameter(s) {unknown}: the penalty weight is passed as `lam`; besides it the derived "
            f"estimates ({conv.name} convention) depend on {sorted(p.name for p in others) or 'nothing'}"
        )

    lasso = derivations["lasso"]
    threshold = to_float(lasso.extra("threshold"), bound["lasso"])
    kinks = [k for name, d in derivations.items() for k in _case_boundaries(d, bound[name])]
    grid = symmetric_grid(zmax, num, include=(threshold, -threshold, *kinks))

    series = []
    for name, (label, style) in ESTIMATOR_LABELS.items():
        d = derivations[name]
        kwargs = {argument_name(p): v for p, v in bound[name].items()}
        y = np.broadcast_to(d.numeric()(grid, **kwargs), grid.shape)
        series.append(Series(label, grid, y, kind="line", style=style))
    series.append(Series(OLS_LABEL, grid, grid, kind="line", style="ols"))

    from derive.symbols import z as z_symbol

    labels = {"notation": dict(notation)} if notation else {}

    def tex(expr: Any) -> str:
        return math_label(expr, **labels)[1:-1]

    weight = conv.scaling("lasso").penalty_weight
    weight_tex, weight_name = tex(weight), weight.name
    spans = (Span(-threshold, threshold, label="", style="dead_zone"),)
    # The quadrant z < 0 < estimate is empty (every estimate has the sign of z): the text goes there.
    annotations = (
        Annotation(
            "exactly 0\n" + rf"for $|{tex(z_symbol)}| \leq {weight_tex}$",
            xy=(-0.5 * threshold, 0.0),
            xytext=(-0.5 * threshold, 0.42 * zmax),
            ha="center",
            va="bottom",
        ),
    )
    shown = sorted({(p.name, v) for values in bound.values() for p, v in values.items()} - {(weight_name, lam)})
    settings = ", ".join(f"${tex(sp.Symbol(name))} = {v:g}$" for name, v in [(weight_name, lam), *shown])
    return FigureData(
        title=f"Orthonormal design, {settings} ({_CONVENTION_NAMES.get(conv.name, conv.name)})",
        xlabel=f"OLS estimate ${tex(z_symbol)}$",
        ylabel=f"estimate ${tex(sp.Symbol('betahat'))}$",
        series=tuple(series),
        spans=spans,
        annotations=annotations,
        xlim=(-zmax, zmax),
        ylim=(-zmax, zmax),
    )


def draw_threshold_functions(data: FigureData, ax: Axes | None = None) -> Axes:
    """Draw :func:`threshold_data` output.

    Parameters
    ----------
    data : FigureData
        From :func:`threshold_data`.
    ax : matplotlib.axes.Axes, optional
        Where to draw (with the caller's rcParams); by default a new
        single-column figure in the house style.

    Returns
    -------
    matplotlib.axes.Axes
        The axes drawn into; ``ax.lines[i]`` is ``data.series[i]``.
    """
    if ax is None:
        _fig, (ax,), _ = styled_figure(lambda axes: _draw(data, axes[0]), "single", height=HEIGHTS["single"])
        return ax
    return _draw(data, ax)


def _draw(data: FigureData, ax: Axes) -> Axes:
    # The quadrant z > 0 > estimate is empty (every estimate has the sign of z): the legend goes there.
    draw_panel(data, ax, legend_loc="lower right")
    ax.set_aspect("equal", adjustable="datalim" if data.xlim is None else "box")
    return ax


def threshold_functions(
    lam: float = 1.0,
    zmax: float = 3.0,
    convention: str = "esl",
    *,
    params: Mapping[str, float] | None = None,
    width: Width = "single",
    fontsize: float = 9,
    notation: Mapping[str, str] | None = None,
) -> tuple[Figure, FigureData]:
    """The lasso, ridge and OLS estimates against the OLS estimate ``z`` (ESL Table 3.4).

    Parameters
    ----------
    lam, zmax, convention, params, notation
        See :func:`threshold_data`.
    width : {"single", "double"}
        Figure width (one column or the page).
    fontsize : float
        Base font size in points.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure (not registered with ``pyplot``; save it with
        :func:`figures.save.save_figure`).
    data : FigureData
        What was drawn.
    """
    data = threshold_data(lam, zmax, convention, params=params, notation=notation)
    fig, _axes, _ = styled_figure(lambda axes: _draw(data, axes[0]), width, fontsize, height=HEIGHTS.get(width))
    return fig, data
