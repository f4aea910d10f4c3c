"""Tests of :mod:`figures.lp_family`: the plotted curves against the derived proxes (symbolic results evaluated at
50 digits) and against brute-force global minimisation, the jump markers against the derived thresholds and the
published formula, the drawn axes against the data, validation, scoped styling and deterministic saving."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import matplotlib as mpl
import mpmath
import numpy as np
import pytest
import sympy as sp

from derive.errors import ValidationError
from derive.symbols import lam, v
from figures.lp_family import (
    EXPONENTS,
    IDENTITY_LABEL,
    curve_label,
    draw_lp_family,
    jump_label,
    lp_family_data,
    lp_family_figure,
)
from figures.save import save_figure
from proofs.lp_family import jump_threshold, lp_prox

try:
    from tests._argmin import brute_argmin
except ImportError:  # tests/ on sys.path rather than the project root
    from _argmin import brute_argmin


def published_threshold(exponent: float, weight: float) -> float:
    """Marjanovic and Solo, IEEE Trans. Signal Process. 60(11), 2012: the jump threshold of the l_q thresholding
    rule for (1/2)(x - v)^2 + weight |x|^q, 0 < q < 1 (typed here, independent of the toolkit)."""
    return (2 - exponent) * (2 * (1 - exponent)) ** ((exponent - 1) / (2 - exponent)) * weight ** (1 / (2 - exponent))


@pytest.fixture(scope="module")
def figure():
    return lp_family_figure(lam=1.0, vmax=3.0)


def _samples(series, step: int = 29) -> list[int]:
    """Indices of finite points off the jumps (where the prox is set-valued)."""
    jumps = {x for x, y in zip(series.x, series.y, strict=True) if np.isnan(y)}
    return [i for i in range(0, series.x.size, step) if np.isfinite(series.y[i]) and series.x[i] not in jumps]


def test_series_equal_the_symbolic_prox(figure) -> None:
    _, data = figure
    for e in EXPONENTS:
        series = data.by_label(curve_label(e))
        result = lp_prox(e).result
        for i in _samples(series):
            want = sp.N(result.subs({v: sp.Float(series.x[i], 30), lam: 1}), 30)
            assert series.y[i] == pytest.approx(float(want), rel=1e-12, abs=1e-14), (e, series.x[i])


@pytest.mark.parametrize("exponent", ["2", "3/2", "1", "2/3", "1/2", "0"])
def test_series_against_brute_force(figure, exponent: str) -> None:
    """Global minimisation of |x|^p + (x - v)^2/2 by grid scan and golden section (0 compared separately)."""
    _, data = figure
    e = sp.Rational(exponent)
    series = data.by_label(curve_label(e))
    power = mpmath.mpf(e.p) / e.q
    for i in _samples(series, step=97):
        at = mpmath.mpf(float(series.x[i]))

        def objective(t, at=at):
            penalty = (1 if t != 0 else 0) if e == 0 else abs(t) ** power
            return penalty + (t - at) ** 2 / 2

        with mpmath.workdps(30):
            best = brute_argmin(objective, -5, 5, digits=20, grid=2000, extra=(0,))
        assert series.y[i] == pytest.approx(float(best), abs=1e-8), (exponent, float(at))


def test_jump_points_are_the_derived_thresholds(figure) -> None:
    _, data = figure
    for e in (sp.Rational(2, 3), sp.Rational(1, 2)):
        jump, tau = (float(value.subs(lam, 1)) for value in jump_threshold().at(e))
        assert tau == pytest.approx(published_threshold(float(e), 1.0), rel=1e-14)
        markers = data.by_label(jump_label(e))
        np.testing.assert_allclose(markers.x, [-tau, -tau, tau, tau], rtol=1e-15)
        np.testing.assert_allclose(markers.y, [-jump, 0.0, 0.0, jump], rtol=1e-15, atol=1e-300)
        line = data.by_label(curve_label(e))
        k = int(np.flatnonzero(np.isnan(line.y) & (line.x > 0))[0])
        assert line.x[k - 1] == line.x[k] == line.x[k + 1] == markers.x[-1]  # the line breaks exactly at tau
        assert (line.y[k - 1], line.y[k + 1]) == (0.0, markers.y[-1])
    hard = data.by_label(jump_label(0))
    np.testing.assert_allclose(hard.x, [-np.sqrt(2), -np.sqrt(2), np.sqrt(2), np.sqrt(2)], rtol=1e-15)
    assert float(lp_prox(0).extra("threshold").subs(lam, 1)) == pytest.approx(np.sqrt(2), rel=1e-15)


def test_thresholds_scale_with_lambda() -> None:
    data = lp_family_data(lam=2.0, exponents=(sp.Rational(1, 2),), num=11)
    markers = data.by_label(jump_label(sp.Rational(1, 2)))
    assert markers.x[-1] == pytest.approx(published_threshold(0.5, 2.0), rel=1e-14)  # 1.5 * 2^(2/3)


def test_no_dead_zone_above_one_and_soft_threshold_at_one(figure) -> None:
    _, data = figure
    for e in (sp.Rational(2), sp.Rational(3, 2)):
        series = data.by_label(curve_label(e))
        off = series.x != 0
        assert np.all(series.y[off] != 0) and np.all(np.sign(series.y) == np.sign(series.x))
        assert not np.isnan(series.y).any()  # continuous: no jump
    soft = data.by_label(curve_label(1))
    assert set(soft.x[soft.y == 0]) == set(soft.x[np.abs(soft.x) <= 1.0])


def test_axes_show_the_data(figure) -> None:
    fig, data = figure
    (ax,) = fig.axes
    assert len(ax.lines) == len(data.series)
    for line, series in zip(ax.lines, data.series, strict=True):
        np.testing.assert_array_equal(line.get_xydata(), np.column_stack([series.x, series.y]))
    assert [t.get_text() for t in ax.get_legend().get_texts()] == [s.label for s in data.series if s.legend]
    curves = [line for line, s in zip(ax.lines, data.series, strict=True) if s.kind == "line" and s.style != "ols"]
    assert len({line.get_color() for line in curves}) == len(curves)  # one colour per exponent
    for e in (sp.Rational(2, 3), sp.Rational(1, 2), sp.Rational(0)):  # markers in the colour of their curve
        i, j = (
            next(k for k, s in enumerate(data.series) if s.label == label) for label in (curve_label(e), jump_label(e))
        )
        assert ax.lines[i].get_color() == ax.lines[j].get_color()
    assert data.series[-1].label == IDENTITY_LABEL


def test_data_is_pure_and_validated() -> None:
    first, second = lp_family_data(num=21), lp_family_data(num=21)
    for a, b in zip(first.series, second.series, strict=True):  # same_data compares NaN (a break) as unequal
        np.testing.assert_array_equal(np.column_stack([a.x, a.y]), np.column_stack([b.x, b.y]))
        assert (a.label, a.kind, a.style, a.legend) == (b.label, b.kind, b.style, b.legend)
    assert first.title == second.title and first.xlim == second.xlim
    with pytest.raises(ValueError, match="positive"):
        lp_family_data(lam=0.0)
    with pytest.raises(ValueError, match="vmax"):
        lp_family_data(vmax=-1.0)
    with pytest.raises(ValueError, match="between 1 and 6"):
        lp_family_data(exponents=())
    with pytest.raises(ValidationError, match="float"):
        lp_family_data(exponents=(0.5,))


def test_drawing_restores_rcparams() -> None:
    before = mpl.rcParams.copy()
    ax = draw_lp_family(lp_family_data(num=21))
    assert len(ax.lines) == len(EXPONENTS) + 3 + 1  # curves, three jump markers, the identity
    assert mpl.rcParams.copy() == before


def test_saving_is_deterministic(tmp_path: Path) -> None:
    outputs = []
    for run in ("a", "b"):
        fig, _ = lp_family_figure()
        outputs.append(save_figure(fig, tmp_path / run / "lp_family", ("pdf", "png", "svg")))
    for first, second in zip(*outputs, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_docstring_examples() -> None:
    module = importlib.import_module("figures.lp_family")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
