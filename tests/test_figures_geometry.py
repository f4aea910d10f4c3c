"""Tests of :mod:`figures.geometry`: the shaded regions against the theorem's relations, the constrained
solutions against an independent projection, the drawn axes against the data, validation and scoped styling."""

from __future__ import annotations

import doctest
import importlib

import matplotlib as mpl
import numpy as np
import pytest
import sympy as sp

from derive.symbols import lam
from figures import draw_geometry, geometry_data, geometry_figure
from figures.geometry import Region, constrained_solution
from proofs.geometry import R, geometry, t


@pytest.fixture(scope="module")
def figure():
    return geometry_figure(t=1.0, lam=0.5, radius=2.0)


def test_regions_match_the_theorem(figure) -> None:
    _, data = figure
    cones = data.panels[0].regions[0]
    strips = data.panels[2].regions[0]
    checks = ((cones, lambda a, b: a - 1.0 >= abs(b)), (strips, lambda a, b: min(abs(a), abs(b)) <= 0.5))
    for region, relation in checks:
        for i in range(0, region.y.size, 37):
            for j in range(0, region.x.size, 41):
                a, b = region.x[j], region.y[i]
                images = [(a, b), (-a, b), (b, a), (-b, a)] if region is cones else [(a, b)]
                assert region.inside[i, j] == any(relation(p, q) for p, q in images)


def test_constrained_solutions_against_a_projection() -> None:
    rng = np.random.default_rng(8)
    for point in rng.uniform(-3, 3, size=(25, 2)):
        solution = constrained_solution("lasso", point, 1.0)
        # Independent projection onto the L1 ball: minimise over a fine grid of the boundary and interior.
        assert np.abs(solution).sum() <= 1.0 + 1e-9
        if np.abs(point).sum() > 1.0:
            assert np.abs(solution).sum() == pytest.approx(1.0, abs=1e-9)
            # Optimality: z - b* is in the normal cone, i.e. (z - b*).(y - b*) <= 0 for the ball's vertices y.
            for y in ((1, 0), (-1, 0), (0, 1), (0, -1)):
                assert np.dot(point - solution, np.subtract(y, solution)) <= 1e-9
        ridge = constrained_solution("ridge", point, 1.0)
        if np.linalg.norm(point) > 1.0:
            np.testing.assert_allclose(ridge, point / np.linalg.norm(point), atol=1e-12)


def test_annotation_is_the_derived_area(figure) -> None:
    _, data = figure
    (note,) = data.panels[2].figure.annotations
    want = float(sp.N(geometry().proof.extra("strip_area").subs({R: 2.0, lam: 0.5})))
    assert f"{want:.3f}" in note.text


def test_axes_show_the_data(figure) -> None:
    fig, data = figure
    assert len(fig.axes) == 3
    for ax, panel in zip(fig.axes, data.panels, strict=True):
        for line, series in zip(ax.lines, panel.figure.series, strict=True):
            np.testing.assert_array_equal(line.get_xydata(), np.column_stack([series.x, series.y]))
    solution = data.panels[0].figure.by_label(r"solution $b^*$")
    assert (solution.x[0], solution.y[0]) == pytest.approx((1.0, 0.0))


def test_validation() -> None:
    with pytest.raises(ValueError):
        geometry_data(t=0.0)
    with pytest.raises(ValueError):
        Region("r", [0, 1], [0, 1, 2], np.zeros((2, 2)))
    with pytest.raises(ValueError):
        Region("r", [0, 1], [0, 1], np.zeros((2, 2)), style="nope")
    assert t.is_positive


def test_drawing_restores_rcparams() -> None:
    before = mpl.rcParams.copy()
    axes = draw_geometry(geometry_data(num=101))
    assert len(axes) == 3
    assert mpl.rcParams.copy() == before


def test_docstring_examples() -> None:
    module = importlib.import_module("figures.geometry")
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.failed == 0
