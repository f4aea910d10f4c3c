"""Tests of :mod:`figures.risk_curves`: the plotted risks against the symbolic results of Theorem 6 and against
numerical integration, the drawn axes against the data, validation and scoped styling."""

from __future__ import annotations

import doctest
import importlib

import matplotlib as mpl
import mpmath
import numpy as np
import pytest
import sympy as sp

from derive.symbols import lam
from figures import risk_curves, risk_curves_data
from figures.data import same_data
from figures.risk_curves import RISK_LABELS, draw_risk_curves
from proofs.gaussian import elementary
from proofs.risk import mu, risk


@pytest.fixture(scope="module")
def figure():
    return risk_curves(lam=2.0, ridge_lam=1.0, mu_max=6.0)


def _labels(lam_value: float, ridge_lam: float) -> dict[str, str]:
    return {name: label.format(lam=lam_value, ridge_lam=ridge_lam) for name, (label, _) in RISK_LABELS.items()}


def test_series_equal_the_symbolic_risks(figure) -> None:
    _, data = figure
    proof = risk().proof
    labels = _labels(2.0, 1.0)
    for name, weight in (("soft", 2.0), ("hard", 2.0), ("ridge", 1.0)):
        series = data.by_label(labels[name])
        formula = elementary(proof.extra(name), via=sp.erfc)
        for i in range(0, series.x.size, 50):
            want = float(sp.N(formula.subs({lam: weight, mu: series.x[i]}), 20))
            assert series.y[i] == pytest.approx(want, rel=1e-10)
    np.testing.assert_allclose(data.by_label(labels["ols"]).y, 1.0, rtol=0, atol=1e-15)


def test_soft_risk_against_quadrature(figure) -> None:
    _, data = figure
    series = data.by_label(_labels(2.0, 1.0)["soft"])
    for i in (0, 133, 400):
        m = series.x[i]
        with mpmath.workdps(25):

            def loss(u, m=m):
                soft = mpmath.sign(u) * max(abs(u) - 2, 0)
                return (soft - m) ** 2 * mpmath.exp(-((u - m) ** 2) / 2) / mpmath.sqrt(2 * mpmath.pi)

            want = mpmath.quad(loss, [-mpmath.inf, -2, 2, m, mpmath.inf] if m > 2 else [-mpmath.inf, -2, 2, mpmath.inf])
        assert series.y[i] == pytest.approx(float(want), rel=1e-9)


def test_limits_visible_in_the_data(figure) -> None:
    _, data = figure
    labels = _labels(2.0, 1.0)
    soft, hard = data.by_label(labels["soft"]).y, data.by_label(labels["hard"]).y
    assert soft[-1] == pytest.approx(1 + 2.0**2, rel=1e-3)  # constant bias lambda: risk -> 1 + lambda^2
    assert hard[-1] == pytest.approx(1.0, rel=1e-2)  # no bias for large mu
    assert soft[0] < 0.1 < hard[0]


def test_axes_show_the_data(figure) -> None:
    fig, data = figure
    (ax,) = fig.axes
    for line, series in zip(ax.lines, data.series, strict=True):
        np.testing.assert_array_equal(line.get_xydata(), np.column_stack([series.x, series.y]))


def test_data_is_pure_and_validated() -> None:
    assert same_data(risk_curves_data(num=11), risk_curves_data(num=11))
    with pytest.raises(ValueError):
        risk_curves_data(lam=0.0)
    with pytest.raises(ValueError):
        risk_curves_data(mu_max=0.0)


def test_drawing_restores_rcparams() -> None:
    before = mpl.rcParams.copy()
    ax = draw_risk_curves(risk_curves_data(num=11))
    assert len(ax.lines) == 4
    assert mpl.rcParams.copy() == before


def test_docstring_examples() -> None:
    module = importlib.import_module("figures.risk_curves")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0
