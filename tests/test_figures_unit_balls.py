"""Tests of :mod:`figures.unit_balls`: the curves against the catalogue's expressions and textbook formulas,
the ball boundaries against the defining equation g(b1) + g(b2) = 1, the corners on the axes (L1, L1/2, elastic
net) and their absence (L2), the drawn axes against the data, deterministic saving and scoped styling."""

from __future__ import annotations

import doctest
import importlib
from pathlib import Path

import matplotlib as mpl
import mpmath
import numpy as np
import pytest
import sympy as sp

from derive.catalogue import entry
from derive.symbols import x
from figures.save import save_figure
from figures.unit_balls import (
    PENALTIES,
    PenaltySpec,
    draw_unit_balls,
    penalty_function,
    unit_ball_boundary,
    unit_balls_data,
    unit_balls_figure,
)

BALLS = [spec for spec in PENALTIES if spec.ball]


@pytest.fixture(scope="module")
def figure():
    return unit_balls_figure()


@pytest.fixture(scope="module")
def data(figure):
    return figure[1]


def _symbolic(spec: PenaltySpec):
    """The catalogue penalty at the spec's values, evaluated by mpmath at 30 digits (not the figure's NumPy kernel)."""
    penalty = entry(spec.entry).penalty
    bound = penalty.subs({s: sp.nsimplify(dict(spec.values)[s.name]) for s in penalty.free_symbols - {x}})
    f = sp.lambdify(x, bound, modules="mpmath")

    def g(value: float) -> mpmath.mpf:
        with mpmath.workdps(30):
            return f(mpmath.mpf(value))

    return g


def _interior_angle(points: np.ndarray, k: int) -> float:
    """The angle (degrees) at vertex k of a closed polygon (last point = first) between the chords to its neighbours."""
    ring = points[:-1]
    before, after = ring[k - 1] - ring[k], ring[(k + 1) % len(ring)] - ring[k]
    cosine = np.dot(before, after) / (np.linalg.norm(before) * np.linalg.norm(after))
    return float(np.degrees(np.arccos(np.clip(cosine, -1.0, 1.0))))


# -- the curves ----------------------------------------------------------------------------------


def test_curves_equal_the_catalogue_expressions(data) -> None:
    curves = data.panels[0].series
    assert len(curves) == len(PENALTIES)
    for spec, series in zip(PENALTIES, curves, strict=True):
        assert series.label.startswith(spec.name)
        g = _symbolic(spec)
        for xi, yi in zip(series.x.tolist(), series.y.tolist(), strict=True):
            assert abs(yi - float(g(xi))) <= 1e-12, (spec.entry, xi)


def test_curves_against_textbook_formulas(data) -> None:
    curves = {s.label.split(":")[0].split(" (")[0]: s for s in data.panels[0].series}
    grid = curves["L1"].x
    np.testing.assert_allclose(curves["L1"].y, np.abs(grid), atol=1e-14)
    np.testing.assert_allclose(curves["L2"].y, grid**2, atol=1e-14)
    np.testing.assert_allclose(curves["L1/2"].y, np.sqrt(np.abs(grid)), atol=1e-14)
    np.testing.assert_allclose(curves["elastic net"].y, 0.5 * np.abs(grid) + 0.5 * grid**2, atol=1e-14)
    # SCAD (Fan and Li 2001, eq. (2.7)) with lambda = 1, a = 3.7, and MCP (Zhang 2010, eq. (2.1)) with gamma = 3.
    t, a, gam = np.abs(curves["SCAD"].x), 3.7, 3.0
    scad = np.where(t <= 1, t, np.where(t <= a, (2 * a * t - t**2 - 1) / (2 * (a - 1)), (a + 1) / 2))
    np.testing.assert_allclose(curves["SCAD"].y, scad, atol=1e-12)
    t = np.abs(curves["MCP"].x)
    np.testing.assert_allclose(curves["MCP"].y, np.where(t <= gam, t - t**2 / (2 * gam), gam / 2), atol=1e-12)
    # The breakpoints of SCAD (+-1 = lambda) are grid points, so the plotted kinks are sharp.
    assert {-1.0, 0.0, 1.0} <= set(curves["SCAD"].x.tolist())


# -- the balls -----------------------------------------------------------------------------------


def test_boundary_points_satisfy_the_defining_equation(data) -> None:
    boundaries = data.panels[1].series[: len(BALLS)]
    for spec, series in zip(BALLS, boundaries, strict=True):
        g = _symbolic(spec)
        assert series.x.size == 721 and (series.x[0], series.y[0]) == (series.x[-1], series.y[-1])  # closed
        for b1, b2 in zip(series.x.tolist(), series.y.tolist(), strict=True):
            assert abs(float(g(b1) + g(b2)) - 1.0) <= 1e-12, (spec.entry, b1, b2)


def test_boundaries_against_textbook_balls(data) -> None:
    ball = {s.label.split(":")[0]: s for s in data.panels[1].series}
    l1, l2, half = ball["L1"], ball["L2"], ball["L1/2"]
    np.testing.assert_allclose(np.abs(l1.x) + np.abs(l1.y), 1.0, atol=1e-13)  # the diamond
    np.testing.assert_allclose(np.hypot(l2.x, l2.y), 1.0, atol=1e-13)  # the disc
    np.testing.assert_allclose(np.sqrt(np.abs(half.x)) + np.sqrt(np.abs(half.y)), 1.0, atol=1e-12)  # the star


def test_a_wrong_boundary_fails_the_check(data) -> None:
    """Mutation: scaling the L1 boundary by 1.001 violates |b1| + |b2| = 1 beyond the tolerance."""
    l1 = data.panels[1].series[0]
    g = _symbolic(BALLS[0])
    residuals = [abs(float(g(1.001 * a) + g(1.001 * b)) - 1.0) for a, b in zip(l1.x[:50], l1.y[:50], strict=True)]
    assert max(residuals) > 1e-4


def test_l1_ball_has_corners_on_the_axes_and_l2_does_not(data) -> None:
    balls = {s.label.split(":")[0]: s for s in data.panels[1].series}
    quarter = (balls["L1"].x.size - 1) // 4
    axes_points = [0, quarter, 2 * quarter, 3 * quarter]
    for name, expected in (("L1", 90.0), ("elastic net", 2 * np.degrees(np.arctan(3.0)))):
        polygon = np.column_stack((balls[name].x, balls[name].y))
        np.testing.assert_allclose(polygon[axes_points], [(1, 0), (0, 1), (-1, 0), (0, -1)], atol=1e-13)
        for k in axes_points:
            # elastic net |x|/2 + x^2/2 at (1, 0): the boundary leaves with slope -g'(1)/g'(0+) = -3
            assert _interior_angle(polygon, k) == pytest.approx(expected, abs=1.0), (name, k)
    star = np.column_stack((balls["L1/2"].x, balls["L1/2"].y))
    assert all(_interior_angle(star, k) < 15.0 for k in axes_points)  # cusps: g'(0+) is infinite
    disc = np.column_stack((balls["L2"].x, balls["L2"].y))
    assert all(_interior_angle(disc, k) > 179.0 for k in axes_points)  # smooth: no corner
    # Away from the axes the L1 boundary is straight (interior angle 180 degrees).
    assert _interior_angle(np.column_stack((balls["L1"].x, balls["L1"].y)), quarter // 2) == pytest.approx(180.0)


def test_corners_are_marked_only_where_the_penalty_has_a_kink(data) -> None:
    corners = [s for s in data.panels[1].series if s.kind == "point"]
    assert [s.label for s in corners] == ["corners of L1", "corners of L1/2", "corners of elastic net"]
    for series in corners:
        assert sorted(zip(series.x.tolist(), series.y.tolist(), strict=True)) == [
            (-1.0, 0.0),
            (0.0, -1.0),
            (0.0, 1.0),
            (1.0, 0.0),
        ]


def test_unit_ball_boundary_validates() -> None:
    with pytest.raises(ValueError, match="multiple of 4"):
        unit_ball_boundary(np.abs, num=10)
    with pytest.raises(ValueError, match="vanish at 0"):
        unit_ball_boundary(lambda t: np.abs(t) + 1.0)
    with pytest.raises(ValueError, match="unbounded"):
        unit_ball_boundary(lambda t: np.minimum(np.abs(t), 0.25))
    with pytest.raises(ValueError, match="level"):
        unit_ball_boundary(np.abs, level=0.0)
    with pytest.raises(ValueError, match="missing"):
        penalty_function(PenaltySpec("elastic-net", "enet", (("lambda", 1.0),), "enet"))
    with pytest.raises(ValueError, match="xmax"):
        unit_balls_data(xmax=0.0)


def test_notation_reaches_the_labels() -> None:
    data = unit_balls_data(num=5, rays=8, notation={"x": "w", "gamma": r"\kappa"})
    assert data.panels[0].series[0].label == "L1: $|w|$"
    assert data.panels[0].xlabel == "$w$" and data.panels[0].ylabel == "$g(w)$"
    assert r"\kappa = 3" in data.panels[0].series[-1].label


# -- drawing and saving --------------------------------------------------------------------------


def test_axes_show_the_data(figure) -> None:
    fig, data = figure
    assert len(fig.axes) == 2
    for ax, panel in zip(fig.axes, data.panels, strict=True):
        assert len(ax.lines) == len(panel.series)
        for line, series in zip(ax.lines, panel.series, strict=True):
            np.testing.assert_array_equal(line.get_xydata(), np.column_stack([series.x, series.y]))
        assert ax.get_title() == panel.title
    (legend,) = fig.legends
    assert [t.get_text() for t in legend.get_texts()] == [s.label for s in data.panels[0].series]
    assert tuple(fig.get_size_inches()) == pytest.approx((7.0, 3.5))


def test_paper_styles_and_given_axes() -> None:
    fig, _ = unit_balls_figure(width="single", document_pt=11)
    assert tuple(fig.get_size_inches()) == pytest.approx((3.5, 3.3))
    assert fig.axes[0].xaxis.label.get_fontsize() == 10.0  # \small of an 11pt document
    from matplotlib.figure import Figure

    data = unit_balls_data(num=101, rays=40)
    own = Figure()
    axes = own.subplots(1, 2)
    assert draw_unit_balls(data, list(axes)) == list(axes)
    with pytest.raises(ValueError):
        draw_unit_balls(data, [axes[0]])


def test_saving_twice_gives_the_same_bytes(tmp_path: Path) -> None:
    written = []
    for run in ("a", "b"):
        fig, _ = unit_balls_figure()
        written.append(save_figure(fig, tmp_path / run / "unit_balls", ("svg", "pdf")))
    for first, second in zip(*written, strict=True):
        assert first.read_bytes() == second.read_bytes(), first.name


def test_drawing_restores_rcparams() -> None:
    before = mpl.rcParams.copy()
    draw_unit_balls(unit_balls_data(num=101, rays=40))
    assert mpl.rcParams.copy() == before


def test_docstring_examples() -> None:
    module = importlib.import_module("figures.unit_balls")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 0
