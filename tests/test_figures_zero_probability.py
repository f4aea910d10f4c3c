"""Tests of :mod:`figures.zero_probability`: the plotted data against the symbolic result of Theorem 5 and
against Monte Carlo, the drawn axes against the data, validation and scoped styling."""

from __future__ import annotations

import doctest
import importlib

import matplotlib as mpl
import numpy as np
import pytest
import sympy as sp

from derive.symbols import beta, lam
from figures import zero_probability_data, zero_probability_figure
from figures.data import same_data
from figures.zero_probability import RIDGE_LABEL, draw_zero_probability, lasso_label
from proofs.gaussian import elementary
from proofs.zero_probability import sigma, zero_probability


@pytest.fixture(scope="module")
def figure():
    return zero_probability_figure(betas=(0.0, 1.0, 2.0), sigma=1.0, lam_max=3.0)


def test_series_equal_the_symbolic_probability(figure) -> None:
    _, data = figure
    formula = elementary(zero_probability().proof.extra("sparse"), via=sp.erfc)
    for b in (0.0, 1.0, 2.0):
        series = data.by_label(lasso_label(b))
        for i in range(0, series.x.size, 37):
            want = float(sp.N(formula.subs({lam: series.x[i], beta: b, sigma: 1.0}), 20))
            assert series.y[i] == pytest.approx(want, rel=1e-12, abs=1e-15)
    ridge = data.by_label(RIDGE_LABEL)
    np.testing.assert_array_equal(ridge.y, np.zeros_like(ridge.x))


def test_monte_carlo_point(figure) -> None:
    _, data = figure
    series = data.by_label(lasso_label(1.0))
    i = int(np.argmin(np.abs(series.x - 1.5)))
    rng = np.random.default_rng(11)
    draws = rng.normal(1.0, 1.0, size=400_000)
    fraction = np.mean(np.abs(draws) <= series.x[i])  # soft thresholding is 0 exactly there
    assert abs(fraction - series.y[i]) < 5 * np.sqrt(series.y[i] * (1 - series.y[i]) / draws.size)


def test_curves_increase_from_zero(figure) -> None:
    _, data = figure
    for series in data.series[:3]:
        assert series.y[0] == 0.0 and np.all(np.diff(series.y) >= 0)


def test_axes_show_the_data(figure) -> None:
    fig, data = figure
    (ax,) = fig.axes
    for line, series in zip(ax.lines, data.series, strict=True):
        np.testing.assert_array_equal(line.get_xydata(), np.column_stack([series.x, series.y]))
    assert len({line.get_color() for line in ax.lines[:3]}) == 3  # one colour per beta
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [s.label for s in data.series]


def test_data_is_pure_and_validated() -> None:
    assert same_data(zero_probability_data(num=11), zero_probability_data(num=11))
    with pytest.raises(ValueError):
        zero_probability_data(betas=())
    with pytest.raises(ValueError):
        zero_probability_data(sigma=0.0)
    with pytest.raises(ValueError):
        zero_probability_data(lam_max=-1.0)


def test_drawing_restores_rcparams() -> None:
    before = mpl.rcParams.copy()
    ax = draw_zero_probability(zero_probability_data(num=11))
    assert len(ax.lines) == 4
    assert mpl.rcParams.copy() == before


def test_docstring_examples() -> None:
    module = importlib.import_module("figures.zero_probability")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0
