"""Tests of the figures: data against the derived results and against textbook formulas,
drawn axes against the data, deterministic saving, and no global matplotlib state."""

from __future__ import annotations

import dataclasses
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import matplotlib as mpl
import numpy as np
import pytest
import sympy as sp
from matplotlib.figure import Figure

from derive.conventions import alpha
from derive.errors import OptionError
from derive.symbols import lam, z
from figures import (
    FigureData,
    MultiPanelData,
    Series,
    draw_subdifferential,
    draw_threshold_functions,
    figure_style,
    save_figure,
    subdifferential_data,
    subdifferential_figure,
    threshold_data,
    threshold_functions,
)
from figures.data import same_data, symmetric_grid
from figures.style import OKABE_ITO, style_rc
from figures.threshold_functions import derived_estimator

ROOT = Path(__file__).resolve().parents[1]


def soft_threshold(values: np.ndarray, t: float) -> np.ndarray:
    """The textbook soft-thresholding operator sign(z) max(|z| - t, 0), independent of the toolkit."""
    return np.sign(values) * np.maximum(np.abs(values) - t, 0.0)


@pytest.fixture(scope="module")
def threshold() -> tuple[Figure, FigureData]:
    return threshold_functions(lam=1.0, zmax=3.0)


@pytest.fixture(scope="module")
def subdiff() -> tuple[Figure, MultiPanelData]:
    return subdifferential_figure(lam=1.0)


# -- threshold functions: data ------------------------------------------------------------------


def test_lasso_series_equals_derived_result_and_soft_threshold(threshold: tuple[Figure, FigureData]) -> None:
    _, data = threshold
    series = data.by_label("lasso (soft threshold)")
    assert series.kind == "line" and series.style == "l1"
    result = derived_estimator("lasso", "esl").result
    assert isinstance(result, sp.Piecewise)  # the symbolic result, not the compact form numeric() uses
    symbolic = np.array([float(result.subs({z: zi, lam: 1})) for zi in series.x.tolist()])
    np.testing.assert_allclose(series.y, symbolic, rtol=0, atol=1e-12)
    np.testing.assert_allclose(series.y, soft_threshold(series.x, 1.0), rtol=0, atol=1e-12)


def test_ridge_and_ols_series(threshold: tuple[Figure, FigureData]) -> None:
    _, data = threshold
    ridge = data.by_label("ridge")
    result = derived_estimator("ridge", "esl").result
    sample = slice(None, None, 25)
    symbolic = np.array([float(result.subs({z: zi, lam: 1})) for zi in ridge.x[sample].tolist()])
    np.testing.assert_allclose(ridge.y[sample], symbolic, rtol=0, atol=1e-12)
    np.testing.assert_allclose(ridge.y, ridge.x / (1.0 + 1.0), rtol=0, atol=1e-12)  # ESL Table 3.4: z/(1+lambda)
    ols = data.by_label("OLS / least squares")
    np.testing.assert_array_equal(ols.y, ols.x)
    assert [s.label for s in data.series] == ["lasso (soft threshold)", "ridge", "OLS / least squares"]


def test_grid_contains_the_kinks_exactly() -> None:
    data = threshold_data(lam=0.7, zmax=3.0)
    x = data.series[0].x
    assert 795 <= x.size <= 810
    assert np.all(np.diff(x) > 0)
    for point in (-0.7, 0.0, 0.7, -3.0, 3.0):
        assert point in x.tolist()
    np.testing.assert_array_equal(x, -x[::-1])  # symmetric
    lasso = data.series[0].y
    assert np.all(lasso[np.abs(x) <= 0.7] == 0.0)  # exactly zero on the dead zone, kinks included
    assert np.all(lasso[np.abs(x) > 0.7] != 0.0)
    ridge = data.series[1].y
    assert np.count_nonzero(ridge == 0.0) == 1  # ridge is zero only at z = 0


def test_dead_zone_band_comes_from_the_threshold() -> None:
    data = threshold_data(lam=0.7, zmax=2.0)
    (span,) = data.spans
    threshold = float(derived_estimator("lasso", "esl").extra("threshold").subs(lam, 0.7))
    assert (span.lo, span.hi) == (-threshold, threshold) == (-0.7, 0.7)
    (note,) = data.annotations
    assert "exactly 0" in note.text
    assert -0.7 <= note.xy[0] <= 0.7 and note.xy[1] == 0.0
    assert data.xlim == data.ylim == (-2.0, 2.0)
    assert r"\lambda = 0.7" in data.title


def test_series_are_evaluated_with_derivation_numeric() -> None:
    data = threshold_data(lam=1.5, zmax=4.0)
    for name, series in zip(("lasso", "ridge"), data.series, strict=False):
        expected = derived_estimator(name, "esl").numeric()(series.x, lam=1.5)
        np.testing.assert_array_equal(series.y, expected)


def test_sklearn_convention() -> None:
    data = threshold_data(lam=0.5, zmax=2.0, convention="sklearn", params={"n": 4})
    lasso, ridge = data.series[0], data.series[1]
    result = derived_estimator("lasso", "sklearn").result
    for zi, yi in zip(lasso.x[::40].tolist(), lasso.y[::40].tolist(), strict=True):
        assert abs(yi - float(result.subs({z: zi, alpha: 0.5}))) <= 1e-12
    np.testing.assert_allclose(lasso.y, soft_threshold(lasso.x, 0.5), rtol=0, atol=1e-12)
    np.testing.assert_allclose(ridge.y, 4 * ridge.x / (0.5 + 4), rtol=0, atol=1e-12)  # n z / (alpha + n)
    assert (data.spans[0].lo, data.spans[0].hi) == (-0.5, 0.5)
    assert r"\alpha = 0.5" in data.title and "n = 4" in data.title
    with pytest.raises(ValueError, match="'n'"):
        threshold_data(convention="sklearn")


@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"lam": 0.0}, ValueError),
        ({"lam": -1.0}, ValueError),
        ({"zmax": 0.0}, ValueError),
        ({"params": {"q": 1.0}}, ValueError),
        ({"convention": "nope"}, OptionError),
    ],
)
def test_threshold_data_rejects_bad_arguments(kwargs: dict, error: type[Exception]) -> None:
    with pytest.raises(error):
        threshold_data(**kwargs)


# -- subdifferential figure: data ---------------------------------------------------------------


@pytest.mark.parametrize("value", [1.0, 0.5])
def test_subdifferential_has_vertical_segment_at_zero(value: float) -> None:
    data = subdifferential_data(lam=value)
    segments = [s for s in data.panels[1].series if s.kind == "segment"]
    assert len(segments) == 1
    (segment,) = segments
    np.testing.assert_array_equal(segment.x, [0.0, 0.0])
    np.testing.assert_array_equal(segment.y, [-value, value])
    assert segment.style == "l1_set"


def test_subdifferential_graphs_match_textbook(subdiff: tuple[Figure, MultiPanelData]) -> None:
    _, data = subdiff
    left, right = data.panels
    l1_penalty, l2_penalty = left.series
    np.testing.assert_allclose(l1_penalty.y, np.abs(l1_penalty.x), rtol=0, atol=1e-12)
    np.testing.assert_allclose(l2_penalty.y, l2_penalty.x**2, rtol=0, atol=1e-12)
    assert 0.0 in l1_penalty.x.tolist()

    lines = [s for s in right.series if s.kind == "line"]
    l1_lines = [s for s in lines if s.style == "l1"]
    assert len(l1_lines) == 2  # x < 0 and x > 0, each clipped to the window
    neg, pos = l1_lines
    assert neg.x[0] == -2.0 and neg.x[-1] == 0.0 and np.all(neg.y == -1.0)
    assert pos.x[0] == 0.0 and pos.x[-1] == 2.0 and np.all(pos.y == 1.0)
    (l2_line,) = [s for s in lines if s.style == "l2"]
    np.testing.assert_allclose(l2_line.y, 2 * 1.0 * l2_line.x, rtol=0, atol=1e-12)
    assert (l2_line.x[0], l2_line.x[-1]) == (-2.0, 2.0)
    (point,) = [s for s in right.series if s.kind == "point"]
    assert (point.x.tolist(), point.y.tolist()) == ([0.0], [0.0])
    assert "whole interval" in data.title and r"[-\lambda,\lambda]" in data.title.replace(" ", "")
    assert [s.legend for s in right.series].count(True) == 2  # one legend entry per graph


def test_subdifferential_data_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        subdifferential_data(lam=0.0)
    with pytest.raises(ValueError):
        subdifferential_data(xmax=-1.0)


# -- drawing ------------------------------------------------------------------------------------


def _assert_axes_show(ax, data: FigureData) -> None:
    assert len(ax.lines) == len(data.series)
    for line, series in zip(ax.lines, data.series, strict=True):
        np.testing.assert_array_equal(line.get_xydata(), np.column_stack([series.x, series.y]))
    assert ax.get_title() == data.title
    assert ax.get_xlabel() == data.xlabel and ax.get_ylabel() == data.ylabel
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == [s.label for s in data.series if s.legend]


def test_threshold_axes_contain_the_series(threshold: tuple[Figure, FigureData]) -> None:
    fig, data = threshold
    (ax,) = fig.axes
    _assert_axes_show(ax, data)
    assert ax.get_xlim() == data.xlim and ax.get_ylim() == data.ylim
    assert type(fig.get_layout_engine()).__name__ == "PlaceHolderLayoutEngine"  # laid out, then frozen
    assert tuple(fig.get_size_inches()) == pytest.approx((3.5, 3.4))
    assert [t.get_text() for t in ax.texts] == [data.annotations[0].text]
    assert len(ax.patches) == 1  # the dead-zone band


def test_subdifferential_axes_contain_the_series(subdiff: tuple[Figure, MultiPanelData]) -> None:
    fig, data = subdiff
    assert len(fig.axes) == 2
    for ax, panel in zip(fig.axes, data.panels, strict=True):
        _assert_axes_show(ax, panel)
    assert fig.get_suptitle() == data.title
    assert tuple(fig.get_size_inches()) == pytest.approx((7.0, 2.7))
    (segment_line,) = [
        line for line, s in zip(fig.axes[1].lines, data.panels[1].series, strict=True) if s.kind == "segment"
    ]
    np.testing.assert_array_equal(segment_line.get_xydata(), [[0.0, -1.0], [0.0, 1.0]])


def test_draw_functions_use_given_axes_or_make_a_figure() -> None:
    data = threshold_data(lam=1.0)
    fig = Figure()
    ax = fig.add_subplot()
    assert draw_threshold_functions(data, ax) is ax
    _assert_axes_show(ax, data)
    own = draw_threshold_functions(data)
    assert own.figure is not fig and len(own.lines) == len(data.series)

    sub = subdifferential_data(lam=1.0)
    fig2 = Figure()
    axes = fig2.subplots(1, 2)
    drawn = draw_subdifferential(sub, list(axes))
    assert drawn[0] is axes[0] and drawn[1] is axes[1]
    assert len(draw_subdifferential(sub)) == 2
    with pytest.raises(ValueError):
        draw_subdifferential(sub, [axes[0]])


# -- saving -------------------------------------------------------------------------------------


def test_saving_is_deterministic(tmp_path: Path) -> None:
    outputs = []
    for run in ("a", "b"):
        fig, _ = threshold_functions()  # a new figure each time: the bytes depend only on the data
        fig2, _ = subdifferential_figure()
        written = save_figure(fig, tmp_path / run / "threshold", ("pdf", "png", "svg"))
        written += save_figure(fig2, tmp_path / run / "subdifferential", ("pdf", "png", "svg"))
        assert [p.suffix for p in written] == [".pdf", ".png", ".svg"] * 2
        outputs.append(written)
    for first, second in zip(*outputs, strict=True):
        assert first.parent != second.parent
        assert first.read_bytes() == second.read_bytes(), first.name
    pdf, png, svg = (p.read_bytes() for p in outputs[0][:3])
    assert b"CreationDate" not in pdf and b"(derive)" in pdf and b"Matplotlib" not in pdf
    assert b"Software" not in png
    assert b"<dc:date>" not in svg
    leftovers = [p.name for p in (tmp_path / "a").iterdir() if p.name.startswith(".")]
    assert leftovers == []


def test_saving_does_not_depend_on_save_history(tmp_path: Path, subdiff: tuple[Figure, MultiPanelData]) -> None:
    fig, _ = subdiff
    first = save_figure(fig, tmp_path / "one" / "fig", ("pdf", "png", "svg"))
    again = save_figure(fig, tmp_path / "two" / "fig", ("svg", "png", "pdf"))  # same figure, other order
    for path in first:
        assert path.read_bytes() == (tmp_path / "two" / path.name).read_bytes(), path.name
    assert sorted(p.name for p in again) == sorted(p.name for p in first)


def test_save_figure_is_atomic_and_validates(tmp_path: Path) -> None:
    fig = Figure()
    fig.add_subplot().plot([0, 1], [0, 1])
    (target,) = save_figure(fig, tmp_path / "fig", "png")
    before = target.read_bytes()

    class Boom(RuntimeError):
        pass

    def failing_savefig(handle, **kwargs):
        handle.write(b"partial")
        raise Boom

    fig.savefig = failing_savefig  # type: ignore[method-assign]
    with pytest.raises(Boom):
        save_figure(fig, tmp_path / "fig", "png")
    assert target.read_bytes() == before  # the old file survives a failed save
    assert sorted(p.name for p in tmp_path.iterdir()) == ["fig.png"]  # no temporary file left
    with pytest.raises(ValueError, match="suffix"):
        save_figure(fig, tmp_path / "fig.pdf")
    with pytest.raises(ValueError, match="unsupported format"):
        save_figure(fig, tmp_path / "fig", ("pdf", "jpeg"))
    (nested,) = save_figure(Figure(), tmp_path / "new" / "dir" / "fig.v2", ["SVG"])
    assert nested.name == "fig.v2.svg" and nested.exists()


# -- global state -------------------------------------------------------------------------------


def test_importing_and_using_figures_leaves_matplotlib_global_state_alone(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import sys
        import matplotlib
        before = matplotlib.rcParams.copy()  # not dict(): reading 'backend' would import pyplot
        import figures, figures.data, figures.style, figures.save, figures.subdifferential
        import figures.threshold_functions
        assert "matplotlib.pyplot" not in sys.modules, "importing figures imported pyplot"
        assert matplotlib.rcParams.copy() == before, "importing figures changed rcParams"
        fig, data = figures.subdifferential_figure()
        figures.save_figure(fig, {str(tmp_path / "fig")!r}, ("png", "svg"))
        assert "matplotlib.pyplot" not in sys.modules, "drawing or saving imported pyplot"
        assert matplotlib.rcParams.copy() == before, "drawing or saving changed rcParams"
        """
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    env.pop("MPLBACKEND", None)
    proc = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


def test_figure_functions_restore_rcparams(threshold: tuple[Figure, FigureData]) -> None:
    before = mpl.rcParams.copy()  # not dict(): reading 'backend' would import pyplot
    threshold_functions(lam=2.0)
    assert mpl.rcParams.copy() == before


def test_figure_style_is_scoped() -> None:
    before = mpl.rcParams.copy()  # not dict(): reading 'backend' would import pyplot
    with figure_style("double", fontsize=7) as rc:
        assert tuple(mpl.rcParams["figure.figsize"]) == (7.0, 2.7)
        assert mpl.rcParams["font.size"] == 7
        assert rc["figure.figsize"] == (7.0, 2.7)
    assert mpl.rcParams.copy() == before
    assert style_rc("single")["figure.figsize"][0] == 3.5
    colours = mpl.rcParams["axes.prop_cycle"]
    with figure_style():
        assert set(mpl.rcParams["axes.prop_cycle"].by_key()["color"]) <= set(OKABE_ITO.values())
    assert mpl.rcParams["axes.prop_cycle"] == colours
    with pytest.raises(ValueError):
        style_rc("triple")  # type: ignore[arg-type]


# -- data classes -------------------------------------------------------------------------------


def test_data_is_frozen_and_validated() -> None:
    series = Series("s", [0, 1], [2, 3])
    with pytest.raises(dataclasses.FrozenInstanceError):
        series.label = "t"  # type: ignore[misc]
    with pytest.raises(ValueError):
        series.x[0] = 5.0  # read-only array
    assert series.x.dtype == np.float64
    with pytest.raises(ValueError):
        Series("s", [0, 1], [2])
    with pytest.raises(ValueError):
        Series("s", [0, 1], [2, 3], kind="bar")  # type: ignore[arg-type]
    with pytest.raises(ValueError):
        Series("s", [0, 1, 2], [2, 3, 4], kind="segment")
    data = threshold_data(lam=1.0)
    with pytest.raises(dataclasses.FrozenInstanceError):
        data.title = "x"  # type: ignore[misc]
    assert same_data(data, threshold_data(lam=1.0))
    assert not same_data(data, threshold_data(lam=2.0))
    with pytest.raises(KeyError):
        data.by_label("nope")


def test_symmetric_grid() -> None:
    grid = symmetric_grid(2.0, 5, include=(0.3, -5.0))
    assert grid.tolist() == [-2.0, -1.0, 0.0, 0.3, 1.0, 2.0]
    with pytest.raises(ValueError):
        symmetric_grid(2.0, 4)
    with pytest.raises(ValueError):
        symmetric_grid(0.0)


def test_threshold_figure_labels_follow_the_latex_notation():
    """The same notation option renames symbols in the derivation's LaTeX and in the figure's labels."""
    from derive.estimators import estimator
    from figures import threshold_functions

    notation = {"lambda": r"\alpha", "beta": "w"}
    fig, data = threshold_functions(notation=notation)
    tex = estimator("lasso").to_latex(notation=notation)
    assert r"\hat{w}" in tex and r"\alpha" in tex
    assert data.ylabel == r"estimate $\hat{w}$" and r"\alpha = 1" in data.title
    assert r"\leq \alpha" in data.annotations[0].text and r"\lambda" not in data.title
    assert fig.axes[0].get_ylabel() == data.ylabel
    # The plotted curves do not depend on the names.
    _, plain = threshold_functions()
    assert all((s.y == t.y).all() for s, t in zip(plain.series, data.series, strict=True))
