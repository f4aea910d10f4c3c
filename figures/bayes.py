"""Priors, MAP estimates and the posterior mean: the sparsity belongs to the MAP.

Left panel: the Laplace prior ``exp(-|beta|/b)/(2b)`` (a kink at 0) and a
Gaussian prior ``N(0, tau^2)`` (smooth at 0).  Right panel, against the
observation ``z ~ N(beta, sigma^2)``: the MAP estimate under the Laplace prior
(soft thresholding at ``sigma^2/b``, exactly 0 on a whole interval), the
posterior mean under the same prior (0 only at ``z = 0``) and the MAP estimate
under the Gaussian prior (proportional shrinkage), with the identity for
reference (Theorem 8, :mod:`proofs.bayes`).

Every curve is evaluated from the theorem's derived results (its extras
``prior``, ``gaussian_prior``, ``map``, ``posterior_mean``, ``ridge_map``),
never from a formula typed here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from .data import FigureData, MultiPanelData, Series, Span, symmetric_grid, to_float
from .style import Width, draw_panel, styled_figure

if TYPE_CHECKING:  # pragma: no cover
    from collections.abc import Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = [
    "LAPLACE_LABEL",
    "GAUSS_LABEL",
    "MAP_LABEL",
    "MEAN_LABEL",
    "RIDGE_LABEL",
    "IDENTITY_LABEL",
    "bayes_data",
    "draw_bayes",
    "bayes_figure",
]

LAPLACE_LABEL = r"Laplace prior, scale $b$"
GAUSS_LABEL = r"Gaussian prior, s.d. $\tau$"
MAP_LABEL = "MAP, Laplace prior (lasso)"
MEAN_LABEL = "posterior mean, Laplace prior"
RIDGE_LABEL = "MAP, Gaussian prior (ridge)"
IDENTITY_LABEL = r"$\hat\beta = z$"


def bayes_data(
    sigma: float = 1.0,
    b: float = 1.0,
    tau: float | None = None,
    zmax: float = 4.0,
    *,
    num: int = 801,
) -> MultiPanelData:
    """Compute the priors and the estimates from Theorem 8.

    Parameters
    ----------
    sigma : float
        The noise standard deviation, positive.
    b : float
        The Laplace prior's scale, positive (the MAP threshold is ``sigma^2/b``).
    tau : float, optional
        The Gaussian prior's standard deviation; default ``sqrt(2) b`` (the
        Laplace prior's standard deviation).
    zmax : float
        The windows are ``|beta| <= zmax`` and ``|z| <= zmax``.
    num : int
        Number of grid points (odd); the MAP threshold is inserted exactly.

    Returns
    -------
    MultiPanelData
        Panel 0: the two prior densities against beta.  Panel 1: the MAP
        estimates, the posterior mean and the identity against z, with the
        MAP's dead zone as a span.

    Examples
    --------
    >>> data = bayes_data(num=9)
    >>> estimates = data.panels[1]
    >>> [round(v, 3) for v in estimates.by_label("MAP, Laplace prior (lasso)").y.tolist()]
    [-3.0, -2.0, -1.0, 0.0, 0.0, 0.0, 1.0, 2.0, 3.0]
    >>> [round(v, 3) for v in estimates.by_label("posterior mean, Laplace prior").y.tolist()][3:6]
    [-0.503, 0.0, 0.503]
    """
    from derive.symbols import beta, z
    from proofs.bayes import b as b_symbol
    from proofs.bayes import bayes
    from proofs.bayes import sigma as sigma_symbol
    from proofs.bayes import tau as tau_symbol
    from proofs.gaussian import normal_numeric

    tau = float(np.sqrt(2.0) * b) if tau is None else float(tau)
    for name, value in (("sigma", sigma), ("b", b), ("tau", tau), ("zmax", zmax)):
        if not value > 0:
            raise ValueError(f"{name} must be positive, got {value}")
    proof = bayes().proof
    values = (float(sigma), float(b), tau)
    parameters = (sigma_symbol, b_symbol, tau_symbol)

    def evaluate(name: str, variable: object, grid: np.ndarray) -> np.ndarray:
        return normal_numeric(proof.extra(name), (variable, *parameters))(grid, *values)

    # The derived lambda for the Laplace prior: the MAP's threshold, inserted in the grid so the kinks are sharp.
    threshold = to_float(proof.result[0], dict(zip(parameters, values, strict=True)))
    betas = symmetric_grid(zmax, num)
    zs = symmetric_grid(zmax, num, include=(threshold, -threshold))
    priors = FigureData(
        title="Priors",
        xlabel=r"coefficient $\beta$",
        ylabel="prior density",
        series=(
            Series(LAPLACE_LABEL, betas, evaluate("prior", beta, betas), style="l1"),
            Series(GAUSS_LABEL, betas, evaluate("gaussian_prior", beta, betas), style="l2"),
        ),
        xlim=(-zmax, zmax),
    )
    estimates = FigureData(
        title=rf"Estimates, $\sigma = {sigma:g}$, $b = {b:g}$, $\tau = {tau:.3g}$",
        xlabel=r"observation $z$",
        ylabel=r"estimate of $\beta$",
        series=(
            Series(MAP_LABEL, zs, evaluate("map", z, zs), style="l1"),
            Series(MEAN_LABEL, zs, evaluate("posterior_mean", z, zs), style="default"),
            Series(RIDGE_LABEL, zs, evaluate("ridge_map", z, zs), style="l2"),
            Series(IDENTITY_LABEL, zs, zs, style="ols"),
        ),
        spans=(Span(-threshold, threshold, style="dead_zone"),),
        xlim=(-zmax, zmax),
        ylim=(-zmax, zmax),
    )
    return MultiPanelData(
        title="The lasso is the MAP under a Laplace prior; the posterior mean is never exactly 0",
        panels=(priors, estimates),
    )


def draw_bayes(data: MultiPanelData, ax: Sequence[Axes] | None = None) -> list[Axes]:
    """Draw :func:`bayes_data` output; ``axes[p].lines[i]`` is ``data.panels[p].series[i]``."""
    if ax is None:
        _fig, axes, _ = styled_figure(lambda axes: _draw(data, axes), "double", nrows=1, ncols=len(data.panels))
        return axes
    axes = list(ax)
    if len(axes) != len(data.panels):
        raise ValueError(f"{len(data.panels)} panels need {len(data.panels)} axes, got {len(axes)}")
    return _draw(data, axes)


def _draw(data: MultiPanelData, axes: list[Axes]) -> list[Axes]:
    left, right = axes
    draw_panel(data.panels[0], left, legend_loc="upper right")
    # Every estimate has the sign of z: the quadrant z > 0 > estimate is empty, the legend goes there.
    draw_panel(data.panels[1], right, legend_loc="lower right")
    left.figure.suptitle(data.title)
    return axes


def bayes_figure(
    sigma: float = 1.0,
    b: float = 1.0,
    tau: float | None = None,
    zmax: float = 4.0,
    *,
    width: Width = "double",
    fontsize: float = 9,
) -> tuple[Figure, MultiPanelData]:
    """Priors (left) and the MAP estimates and posterior mean against z (right).

    Parameters
    ----------
    sigma, b, tau, zmax
        See :func:`bayes_data`.
    width : {"single", "double"}
        Figure width.
    fontsize : float
        Base font size in points.

    Returns
    -------
    fig : matplotlib.figure.Figure
        The figure (save it with :func:`figures.save.save_figure`).
    data : MultiPanelData
        What was drawn.
    """
    data = bayes_data(sigma, b, tau, zmax)
    fig, _axes, _ = styled_figure(lambda axes: _draw(data, axes), width, fontsize, nrows=1, ncols=len(data.panels))
    return fig, data
