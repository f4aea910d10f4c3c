"""Tests of :mod:`figures.bayes`: the plotted priors, MAP estimates and posterior mean against the symbolic
results of Theorem 8 and against numerical integration, the drawn axes, validation and scoped styling."""

from __future__ import annotations

import doctest
import importlib

import matplotlib as mpl
import mpmath
import numpy as np
import pytest
import sympy as sp

from derive.symbols import beta, z
from figures import bayes_data, bayes_figure
from figures.bayes import GAUSS_LABEL, LAPLACE_LABEL, MAP_LABEL, MEAN_LABEL, RIDGE_LABEL, draw_bayes
from figures.data import same_data
from proofs.bayes import b, bayes, sigma, tau
from proofs.gaussian import elementary


@pytest.fixture(scope="module")
def figure():
    return bayes_figure(sigma=1.0, b=1.0, tau=1.5)


def test_series_equal_the_symbolic_results(figure) -> None:
    _, data = figure
    proof = bayes().proof
    values = {sigma: 1.0, b: 1.0, tau: 1.5}
    priors, estimates = data.panels
    for label, name, variable, panel in (
        (LAPLACE_LABEL, "prior", beta, priors),
        (GAUSS_LABEL, "gaussian_prior", beta, priors),
        (MAP_LABEL, "map", z, estimates),
        (MEAN_LABEL, "posterior_mean", z, estimates),
        (RIDGE_LABEL, "ridge_map", z, estimates),
    ):
        series = panel.by_label(label)
        formula = elementary(proof.extra(name), via=sp.erfc).subs(values)
        for i in range(0, series.x.size, 61):
            want = float(sp.N(formula.subs(variable, series.x[i]), 20))
            assert series.y[i] == pytest.approx(want, rel=1e-10, abs=1e-14), (label, series.x[i])


def test_posterior_mean_against_quadrature_and_dead_zone(figure) -> None:
    _, data = figure
    estimates = data.panels[1]
    mean, map_ = estimates.by_label(MEAN_LABEL), estimates.by_label(MAP_LABEL)
    for i in (50, 350, 420, 700):
        zz = mean.x[i]
        with mpmath.workdps(25):

            def f(t, zz=zz):
                return mpmath.exp(-((zz - t) ** 2) / 2 - abs(t))

            nodes = [-mpmath.inf, *sorted({0.0, float(zz)}), mpmath.inf]  # the kink and the peak, in order
            want = mpmath.quad(lambda t, f=f: t * f(t), nodes) / mpmath.quad(f, nodes)
        assert mean.y[i] == pytest.approx(float(want), rel=1e-9)
    inside = np.abs(map_.x) <= 1.0  # the MAP threshold sigma^2/b = 1
    assert np.all(map_.y[inside] == 0.0) and np.all(map_.y[~inside] != 0.0)
    assert np.count_nonzero(mean.y == 0.0) == 1  # only at z = 0
    (span,) = estimates.spans
    assert (span.lo, span.hi) == (-1.0, 1.0)


def test_axes_show_the_data(figure) -> None:
    fig, data = figure
    assert len(fig.axes) == 2
    for ax, panel in zip(fig.axes, data.panels, strict=True):
        for line, series in zip(ax.lines, panel.series, strict=True):
            np.testing.assert_array_equal(line.get_xydata(), np.column_stack([series.x, series.y]))


def test_default_tau_and_validation() -> None:
    data = bayes_data(num=11)
    assert "1.41" in data.panels[1].title
    assert same_data(data, bayes_data(num=11))
    with pytest.raises(ValueError):
        bayes_data(b=0.0)


def test_drawing_restores_rcparams() -> None:
    before = mpl.rcParams.copy()
    axes = draw_bayes(bayes_data(num=11))
    assert [len(ax.lines) for ax in axes] == [2, 4]
    assert mpl.rcParams.copy() == before


def test_docstring_examples() -> None:
    module = importlib.import_module("figures.bayes")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0
