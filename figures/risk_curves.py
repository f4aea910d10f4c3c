"""The risk of soft, hard and ridge estimates of a normal mean, against the mean.

For ``z ~ N(mu, 1)``: soft thresholding's risk rises from near 0 at ``mu = 0``
to ``1 + lambda^2`` (its constant bias lambda, squared, plus the variance);
hard thresholding's risk peaks near ``mu = lambda`` and returns to 1 (no bias
for large ``|mu|``); ridge's risk ``(lambda^2 mu^2 + 1)/(1 + lambda)^2`` grows
without bound; least squares (ridge with lambda = 0) has risk 1 everywhere
(Theorem 6, :mod:`proofs.risk`; Donoho and Johnstone, *Biometrika* 81, 1994).

Every curve is evaluated from the theorem's derived risks
(``proof.extra("soft")``, ``"hard"``, ``"ridge"``), never from a formula
typed here.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

import numpy as np

from .data import FigureData, Series
from .style import Width, draw_panel, styled_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["RISK_LABELS", "risk_curves_data", "draw_risk_curves", "risk_curves"]

#: Series labels (format strings taking the penalty weights) and style keys, in drawing order.
RISK_LABELS: Mapping[str, tuple[str, str]] = MappingProxyType(
    {
        "soft": (r"soft (lasso), $\lambda = {lam:g}$", "l1"),
        "hard": (r"hard, $\lambda = {lam:g}$", "default"),
        "ridge": (r"ridge, $\lambda = {ridge_lam:g}$", "l2"),
        "ols": (r"least squares ($\lambda = 0$)", "ols"),
    }
)


def risk_curves_data(
    lam: float = 2.0,
    ridge_lam: float = 1.0,
    mu_max: float = 6.0,
    *,
    num: int = 401,
) -> FigureData:
    """Compute the risks against ``mu`` from the derived risks of Theorem 6.

    Parameters
    ----------
    lam : float
        Threshold of soft and hard thresholding, positive.
    ridge_lam : float
        Ridge's penalty weight (``z/(1 + lambda)``), positive.
    mu_max : float
        The window is ``0 <= mu <= mu_max`` (every risk is even in mu).
    num : int
        Number of grid points.

    Returns
    -------
    FigureData
        Series ``soft``, ``hard``, ``ridge`` and ``ols`` (labels from
        :data:`RISK_LABELS`) on one grid of mu.

    Examples
    --------
    >>> data = risk_curves_data(lam=2.0, ridge_lam=1.0, mu_max=4.0, num=3)
    >>> data.series[0].x.tolist()
    [0.0, 2.0, 4.0]
    >>> [round(v, 4) for v in data.series[2].y.tolist()]
    [0.25, 1.25, 4.25]
    >>> data.series[3].y.tolist()
    [1.0, 1.0, 1.0]
    """
    from derive.symbols import lam as lam_symbol
    from proofs.gaussian import normal_numeric
    from proofs.risk import mu, risk

    if not lam > 0 or not ridge_lam > 0:
        raise ValueError(f"the penalty weights must be positive, got lam={lam}, ridge_lam={ridge_lam}")
    if not mu_max > 0:
        raise ValueError(f"mu_max must be positive, got {mu_max}")
    proof = risk().proof
    grid = np.linspace(0.0, float(mu_max), num)
    weights = {"soft": float(lam), "hard": float(lam), "ridge": float(ridge_lam)}
    series = []
    for name, (label, style) in RISK_LABELS.items():
        source, weight = ("ridge", 0.0) if name == "ols" else (name, weights[name])
        values = normal_numeric(proof.extra(source), (mu, lam_symbol))(grid, weight)
        series.append(Series(label.format(lam=lam, ridge_lam=ridge_lam), grid, values, kind="line", style=style))
    return FigureData(
        title=r"Risk $\mathrm{E}(\hat\mu - \mu)^2$ for $z \sim \mathcal{N}(\mu, 1)$",
        xlabel=r"true mean $\mu$",
        ylabel="risk",
        series=tuple(series),
        xlim=(0.0, float(mu_max)),
        ylim=(0.0, 1.25 * (1 + float(lam) ** 2)),
    )


def draw_risk_curves(data: FigureData, ax: Axes | None = None) -> Axes:
    """Draw :func:`risk_curves_data` output; ``ax.lines[i]`` is ``data.series[i]``."""
    if ax is None:
        _fig, (ax,), _ = styled_figure(
            lambda axes: draw_panel(data, axes[0], legend_loc="upper left", zero_lines=False), "single"
        )
        return ax
    return draw_panel(data, ax, legend_loc="upper left", zero_lines=False)


def risk_curves(
    lam: float = 2.0,
    ridge_lam: float = 1.0,
    mu_max: float = 6.0,
    *,
    width: Width = "single",
    fontsize: float = 9,
) -> tuple[Figure, FigureData]:
    """Risk curves against the true mean: soft, hard, ridge and least squares.

    Parameters
    ----------
    lam, ridge_lam, mu_max
        See :func:`risk_curves_data`.
    width : {"single", "double"}
        Figure width.
    fontsize : float
        Base font size in points.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure (save it with :func:`figures.save.save_figure`).
    data : FigureData
        What was drawn.
    """
    data = risk_curves_data(lam, ridge_lam, mu_max)
    fig, _axes, _ = styled_figure(
        lambda axes: draw_panel(data, axes[0], legend_loc="upper left", zero_lines=False), width, fontsize
    )
    return fig, data
