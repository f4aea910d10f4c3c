"""The probability that the lasso estimate is exactly zero, against the penalty weight.

With ``z ~ N(beta, sigma^2)`` (orthonormal design, Gaussian noise) the lasso
estimate is 0 exactly when ``|z| <= lambda``, with probability
``Phi((lambda - beta)/sigma) - Phi((-lambda - beta)/sigma)``; ridge is 0 with
probability 0 for every lambda (Theorem 5, :mod:`proofs.zero_probability`).

The curves are evaluated from the theorem's derived probabilities
(``proof.extra("sparse")`` and ``proof.extra("dense")``), never from a
formula typed here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import numpy as np

from .data import FigureData, Series
from .style import OKABE_ITO, Width, draw_panel, styled_figure

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["RIDGE_LABEL", "lasso_label", "zero_probability_data", "draw_zero_probability", "zero_probability_figure"]

#: Legend label of the ridge curve (the same for every beta).
RIDGE_LABEL = r"ridge, every $\beta$"

#: Line styles of the lasso curves, one per beta in order (colour and dash differ, so greyscale reads too).
_LASSO_LOOKS: tuple[Mapping[str, Any], ...] = (
    MappingProxyType({"color": OKABE_ITO["vermillion"], "linestyle": "-"}),
    MappingProxyType({"color": OKABE_ITO["orange"], "linestyle": (0, (6.0, 2.0))}),
    MappingProxyType({"color": OKABE_ITO["reddish_purple"], "linestyle": (0, (2.0, 1.5))}),
    MappingProxyType({"color": OKABE_ITO["bluish_green"], "linestyle": (0, (6.0, 1.5, 1.5, 1.5))}),
)


def lasso_label(beta: float) -> str:
    """The legend label of the lasso curve for one value of beta."""
    return rf"lasso, $\beta = {beta:g}$"


def zero_probability_data(
    betas: Sequence[float] = (0.0, 1.0, 2.0),
    sigma: float = 1.0,
    lam_max: float = 3.0,
    *,
    num: int = 301,
) -> FigureData:
    """Compute ``P(estimate = 0)`` against ``lambda`` for several ``beta``, from Theorem 5.

    Parameters
    ----------
    betas : sequence of float
        The true coefficients, one lasso curve each (at most four).
    sigma : float
        The noise standard deviation, positive.
    lam_max : float
        The window is ``0 <= lambda <= lam_max``.
    num : int
        Number of grid points.

    Returns
    -------
    FigureData
        One series per beta (label :func:`lasso_label`), then the ridge series
        (:data:`RIDGE_LABEL`, identically 0), all on one grid of lambda.

    Examples
    --------
    >>> data = zero_probability_data(betas=(0.0,), lam_max=2.0, num=3)
    >>> data.series[0].x.tolist()
    [0.0, 1.0, 2.0]
    >>> [round(v, 4) for v in data.series[0].y.tolist()]
    [0.0, 0.6827, 0.9545]
    >>> data.series[1].y.tolist()
    [0.0, 0.0, 0.0]
    """
    from derive.symbols import beta, lam
    from proofs.gaussian import normal_numeric
    from proofs.zero_probability import sigma as sigma_symbol
    from proofs.zero_probability import zero_probability

    betas = tuple(float(b) for b in betas)
    if not 1 <= len(betas) <= len(_LASSO_LOOKS):
        raise ValueError(f"give between 1 and {len(_LASSO_LOOKS)} values of beta, got {len(betas)}")
    if not sigma > 0:
        raise ValueError(f"sigma must be positive, got {sigma}")
    if not lam_max > 0:
        raise ValueError(f"lam_max must be positive, got {lam_max}")
    proof = zero_probability().proof
    arguments = (lam, beta, sigma_symbol)
    sparse = normal_numeric(proof.extra("sparse"), arguments)
    dense = normal_numeric(proof.extra("dense"), arguments)
    grid = np.linspace(0.0, float(lam_max), num)
    series = [Series(lasso_label(b), grid, sparse(grid, b, float(sigma)), kind="line", style="l1") for b in betas]
    series.append(Series(RIDGE_LABEL, grid, dense(grid, betas[0], float(sigma)), kind="line", style="l2"))
    return FigureData(
        title=rf"$z \sim \mathcal{{N}}(\beta, \sigma^2)$, $\sigma = {sigma:g}$: how often the estimate is exactly 0",
        xlabel=r"penalty weight $\lambda$",
        ylabel=r"$\mathrm{P}(\hat\beta = 0)$",
        series=tuple(series),
        xlim=(0.0, float(lam_max)),
        ylim=(-0.02, 1.02),
    )


def draw_zero_probability(data: FigureData, ax: Axes | None = None) -> Axes:
    """Draw :func:`zero_probability_data` output; ``ax.lines[i]`` is ``data.series[i]``.

    The lasso curves share the L1 style and get one colour and dash pattern each.
    """
    if ax is None:
        _fig, (ax,), _ = styled_figure(lambda axes: _draw(data, axes[0]), "single")
        return ax
    return _draw(data, ax)


def _draw(data: FigureData, ax: Axes) -> Axes:
    draw_panel(data, ax, legend_loc=None, zero_lines=False)
    lasso = [i for i, s in enumerate(data.series) if s.style == "l1"]
    for look, i in zip(_LASSO_LOOKS, lasso, strict=False):
        ax.lines[i].set(**look)
    ax.legend(loc="upper left")
    return ax


def zero_probability_figure(
    betas: Sequence[float] = (0.0, 1.0, 2.0),
    sigma: float = 1.0,
    lam_max: float = 3.0,
    *,
    width: Width = "single",
    fontsize: float = 9,
) -> tuple[Figure, FigureData]:
    """``P(estimate = 0)`` against lambda: positive and increasing for the lasso, 0 for ridge.

    Parameters
    ----------
    betas, sigma, lam_max
        See :func:`zero_probability_data`.
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
    data = zero_probability_data(betas, sigma, lam_max)
    fig, _axes, _ = styled_figure(lambda axes: _draw(data, axes[0]), width, fontsize)
    return fig, data
