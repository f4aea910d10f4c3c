"""Tests of :mod:`figures.coefficient_paths`: the plotted paths against the symbolic results, the zero
crossings against |z_j|, the lasso paths against scikit-learn's ``lasso_path`` on an orthonormal design, ridge
against scikit-learn's ``Ridge``, the drawn axes against the data, deterministic saving and scoped styling."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest
import sympy as sp

from derive.conventions import alpha, convert, n
from derive.symbols import lam, z
from figures.coefficient_paths import (
    coefficient_paths_data,
    coefficient_paths_figure,
    default_z,
    draw_coefficient_paths,
    zero_crossings,
)
from figures.save import save_figure
from figures.threshold_functions import derived_estimator

SAMPLE = slice(None, None, 23)


@pytest.fixture(scope="module")
def figure():
    return coefficient_paths_figure()


@pytest.fixture(scope="module")
def data(figure):
    return figure[1]


def _orthonormal_design(zs: np.ndarray, rows: int = 40, seed: int = 3) -> tuple[np.ndarray, np.ndarray]:
    """X with X^T X = I (QR of a Gaussian matrix) and y whose OLS coordinates X^T y are ``zs``."""
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(rows, zs.size + 1)))
    design, orthogonal = q[:, :-1], q[:, -1]
    return design, design @ zs + 0.7 * orthogonal  # a residual orthogonal to the columns keeps X^T y = z


def test_default_z_is_seeded() -> None:
    first, again = default_z(), default_z()
    assert first.tolist() == again.tolist() and first.size == 6
    assert np.all(first != 0)


def test_paths_equal_the_symbolic_results(data) -> None:
    zs = default_z()
    for panel, name in zip(data.panels, ("lasso", "ridge"), strict=True):
        result = derived_estimator(name, "esl").result
        lines = [s for s in panel.series if s.kind == "line"]
        assert len(lines) == zs.size
        for zj, series in zip(zs.tolist(), lines, strict=True):
            for lj, yj in zip(series.x[SAMPLE].tolist(), series.y[SAMPLE].tolist(), strict=True):
                if lj == 0.0:  # the derivation assumes lambda > 0: the plotted value is the limit, least squares
                    assert yj == zj
                    continue
                exact = result.subs({z: sp.Float(zj, 30), lam: sp.Float(lj, 30)}).evalf(30)
                assert abs(yj - float(exact)) <= 1e-12, (name, zj, lj)


def test_paths_against_textbook_formulas(data) -> None:
    """ESL Table 3.4: lasso sign(z)(|z| - lambda)_+, ridge z/(1 + lambda)."""
    zs = default_z()
    lasso, ridge = (p.series[: zs.size] for p in data.panels)
    for zj, a, b in zip(zs.tolist(), lasso, ridge, strict=True):
        np.testing.assert_allclose(a.y, np.sign(zj) * np.maximum(abs(zj) - a.x, 0.0), rtol=0, atol=1e-12)
        np.testing.assert_allclose(b.y, zj / (1.0 + b.x), rtol=0, atol=1e-12)


def test_a_wrong_path_fails_the_check(data) -> None:
    """Mutation: a soft threshold at lambda/2 (the unhalved-loss convention) differs from the plotted path."""
    zj, series = default_z()[0], data.panels[0].series[0]
    wrong = np.sign(zj) * np.maximum(abs(zj) - series.x / 2, 0.0)
    assert np.max(np.abs(wrong - series.y)) > 0.1


def test_lasso_paths_reach_zero_at_abs_z_and_ridge_never(data) -> None:
    zs = default_z()
    crossings = data.panels[0].by_label("reaches 0")
    assert crossings.x.tolist() == np.abs(zs).tolist() and np.all(crossings.y == 0.0)
    assert zero_crossings("lasso", zs.tolist()) == tuple(np.abs(zs).tolist())
    for zj, series in zip(zs.tolist(), data.panels[0].series, strict=False):
        assert abs(zj) in series.x.tolist()  # the kink is a grid point
        assert np.all(series.y[series.x >= abs(zj)] == 0.0)  # exactly zero from there on
        assert np.all(series.y[series.x < abs(zj)] != 0.0)
    ridge = data.panels[1]
    assert all(s.kind == "line" for s in ridge.series)  # no zero crossings marked
    assert zero_crossings("ridge", zs.tolist()) == (None,) * zs.size
    assert all(np.all(s.y != 0.0) for s in ridge.series)


def test_lasso_paths_match_sklearn_lasso_path(data) -> None:
    from sklearn.linear_model import lasso_path

    zs = default_z()
    design, y = _orthonormal_design(zs)
    np.testing.assert_allclose(design.T @ design, np.eye(zs.size), atol=1e-12)
    rows = design.shape[0]
    # The derived map between the conventions: alpha_sklearn = lambda_esl / n for the same data.
    (rule,) = convert("lasso", "esl", "sklearn").result
    (lam_esl,) = [s for s in rule.rhs.free_symbols if s != n]
    weights = data.panels[0].series[0].x
    positive = weights[weights > 0]
    alphas = np.array([float(rule.rhs.subs({lam_esl: w, n: rows})) for w in positive])
    used, coefs, _ = lasso_path(design, y, alphas=alphas[::-1], tol=1e-14, max_iter=100_000)
    np.testing.assert_array_equal(used, alphas[::-1])  # scikit-learn runs from the largest alpha down
    coefs = coefs[:, ::-1]
    lines = data.panels[0].series[: zs.size]
    for j, series in enumerate(lines):
        np.testing.assert_allclose(coefs[j], series.y[weights > 0], rtol=0, atol=1e-8)
    assert not np.allclose(coefs[0], np.sign(zs[0]) * np.maximum(abs(zs[0]) - positive / 2, 0.0), atol=1e-8)


def test_ridge_paths_match_sklearn_ridge(data) -> None:
    from sklearn.linear_model import Ridge

    zs = default_z()
    design, y = _orthonormal_design(zs)
    lines = data.panels[1].series
    for w in (0.5, 1.7, 3.0):  # ESL's ridge ||y - Xb||^2 + lambda||b||^2 is scikit-learn's Ridge(alpha=lambda)
        index = int(np.argmin(np.abs(lines[0].x - w)))
        at = lines[0].x[index]
        fitted = Ridge(alpha=at, fit_intercept=False, solver="cholesky").fit(design, y).coef_
        np.testing.assert_allclose(fitted, [s.y[index] for s in lines], rtol=0, atol=1e-10)


def test_sklearn_convention() -> None:
    data = coefficient_paths_data([1.0, -0.4], convention="sklearn", params={"n": 4}, num=9)
    lasso, ridge = data.panels
    assert lasso.by_label("reaches 0").x.tolist() == [1.0, 0.4]
    result = derived_estimator("ridge", "sklearn").result
    for series, zj in zip(ridge.series, (1.0, -0.4), strict=True):
        for a, yv in zip(series.x[1:].tolist(), series.y[1:].tolist(), strict=True):
            assert abs(yv - float(result.subs({z: zj, alpha: a, n: 4}))) <= 1e-12
    assert r"\alpha" in lasso.xlabel
    with pytest.raises(ValueError, match="'n'"):
        coefficient_paths_data([1.0], convention="sklearn")


def test_validation_and_notation() -> None:
    with pytest.raises(ValueError):
        coefficient_paths_data([])
    with pytest.raises(ValueError):
        coefficient_paths_data([1.0], num=1)
    with pytest.raises(ValueError):
        coefficient_paths_data([1.0], lam_max=-1.0)
    with pytest.raises(ValueError):
        default_z(0)
    data = coefficient_paths_data([1.0], num=5, notation={"lambda": r"\alpha", "beta": "w", "z": "u"})
    assert data.panels[0].xlabel == r"penalty weight $\alpha$"
    assert data.panels[0].ylabel == r"estimate $\hat{w}$"
    assert data.panels[0].series[0].label == "$u_{1} = 1$"


# -- drawing and saving --------------------------------------------------------------------------


def test_axes_show_the_data(figure) -> None:
    fig, data = figure
    assert len(fig.axes) == 2
    for ax, panel in zip(fig.axes, data.panels, strict=True):
        assert len(ax.lines) == len(panel.series)
        for line, series in zip(ax.lines, panel.series, strict=True):
            np.testing.assert_array_equal(line.get_xydata(), np.column_stack([series.x, series.y]))
        assert ax.get_title() == panel.title and ax.get_xlim() == panel.xlim
    assert fig.axes[0].get_ylim() == fig.axes[1].get_ylim()  # one scale for both panels
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [s.label for s in data.panels[0].series]
    assert tuple(fig.get_size_inches()) == pytest.approx((7.0, 2.9))


def test_paper_styles_and_given_axes() -> None:
    fig, _ = coefficient_paths_figure(width="single", document_pt=12, size="footnotesize")
    assert tuple(fig.get_size_inches()) == pytest.approx((3.5, 3.4))
    assert fig.axes[0].xaxis.label.get_fontsize() == 10.0  # \footnotesize of a 12pt document
    from matplotlib.figure import Figure

    data = coefficient_paths_data([1.0, 2.0], num=11)
    axes = list(Figure().subplots(1, 2))
    assert draw_coefficient_paths(data, axes) == axes
    with pytest.raises(ValueError):
        draw_coefficient_paths(data, axes[:1])


def test_saving_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    written = []
    for run in ("a", "b"):
        fig, _ = coefficient_paths_figure()
        written.append(save_figure(fig, tmp_path / run / "paths", ("svg", "pdf")))
    for first, second in zip(*written, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_drawing_restores_rcparams() -> None:
    before = mpl.rcParams.copy()
    draw_coefficient_paths(coefficient_paths_data(num=21))
    assert mpl.rcParams.copy() == before


def test_docstring_examples() -> None:
    module = importlib.import_module("figures.coefficient_paths")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
