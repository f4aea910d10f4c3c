"""Tests of Theorem 7 (:mod:`proofs.geometry`): the derived areas against Monte Carlo at several (R, lambda)
and (R, t), the vertex cones against an independent projection onto the L1 ball (the sorting algorithm of
Duchi et al., ICML 2008), the mutated theorem, outputs and doctests.  The references use NumPy only."""

from __future__ import annotations

import doctest
import importlib
import shutil

import numpy as np
import pytest
import sympy as sp

import proofs
from derive.symbols import lam
from proofs.core import Theorem
from proofs.geometry import R, cone_area, geometry, strip_area, t, z1, z2

try:
    from tests._latex import compile_theorems
except ImportError:  # tests/ on sys.path rather than the project root
    from _latex import compile_theorems


@pytest.fixture(scope="module")
def theorem() -> Theorem:
    return geometry()


def _disc_points(radius: float, n: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    r = radius * np.sqrt(rng.uniform(0, 1, n))
    angle = rng.uniform(0, 2 * np.pi, n)
    return np.column_stack([r * np.cos(angle), r * np.sin(angle)])


def _project_l1(points: np.ndarray, radius: float) -> np.ndarray:
    """Euclidean projection of each row onto {||b||_1 <= radius} by sorting (Duchi et al. 2008), vectorised."""
    points = np.atleast_2d(points)
    u = -np.sort(-np.abs(points), axis=1)
    cumulative = np.cumsum(u, axis=1)
    ranks = np.arange(1, points.shape[1] + 1)
    rho = np.max(np.where(u * ranks > cumulative - radius, ranks - 1, 0), axis=1)
    theta = (cumulative[np.arange(points.shape[0]), rho] - radius) / (rho + 1)
    projected = np.sign(points) * np.maximum(np.abs(points) - theta[:, None], 0)
    inside = np.abs(points).sum(axis=1) <= radius
    return np.where(inside[:, None], points, projected)


def test_holds(theorem: Theorem) -> None:
    assert theorem.name == "geometry" and theorem.holds is True
    assert all(verdict is True for _, verdict in theorem.instances)
    assert theorem.proof.result[1] == 0


@pytest.mark.parametrize(("radius", "weight"), [(0.5, 1.0), (2.0, 0.5), (3.0, 1.2), (1.5, 1.0)])
def test_strip_area_against_monte_carlo(theorem: Theorem, radius: float, weight: float) -> None:
    points = _disc_points(radius, 400_000, seed=int(10 * radius + weight))
    soft = np.sign(points) * np.maximum(np.abs(points) - weight, 0)
    fraction = np.mean(np.any(soft == 0.0, axis=1))
    want = float(sp.N(theorem.proof.extra("strip_area").subs({R: radius, lam: weight})))
    disc = np.pi * radius**2
    assert abs(fraction * disc - want) < 5 * disc * np.sqrt(fraction * (1 - fraction) / 400_000) + 1e-9
    assert float(sp.N(strip_area(sp.Interval(-lam, lam)).subs({R: radius, lam: weight}))) == pytest.approx(want)


@pytest.mark.parametrize(("radius", "corner"), [(2.0, 1.0), (3.0, 0.5), (1.2, 1.0), (0.8, 1.0)])
def test_cone_area_against_monte_carlo(theorem: Theorem, radius: float, corner: float) -> None:
    points = _disc_points(radius, 100_000, seed=int(100 * corner + radius))
    solutions = _project_l1(points, corner)
    outside = np.abs(points).sum(axis=1) > corner
    sparse = np.mean(np.any(np.abs(solutions) < 1e-12, axis=1) & outside)
    want = float(sp.N(theorem.proof.extra("cone_area").subs({R: radius, t: corner})))
    disc = np.pi * radius**2
    assert abs(sparse * disc - want) < 5 * disc * np.sqrt(max(sparse * (1 - sparse), 1e-6) / points.shape[0])
    assert float(sp.N(cone_area().subs({R: radius, t: corner}))) == pytest.approx(want)


def test_vertex_cones_are_where_the_projection_has_a_zero_coordinate(theorem: Theorem) -> None:
    cones = sp.lambdify((z1, z2), theorem.proof.extra("vertex_cones").subs(t, 1.0), modules="numpy")
    points = _disc_points(3.0, 20_000, seed=5)
    points = points[np.abs(points).sum(axis=1) > 1.0]  # inside the ball the solution is z itself
    zero = np.any(np.abs(_project_l1(points, 1.0)) < 1e-12, axis=1)
    np.testing.assert_array_equal(np.asarray(cones(points[:, 0], points[:, 1]), dtype=bool), zero)
    assert 0.1 < zero.mean() < 0.9


def test_edge_normal_cone_is_a_checked_step(theorem: Theorem) -> None:
    """On an open edge the normal cone is derived (a ray) and the solution's coordinates are checked positive."""
    edge = [s for s in theorem.proof.steps if "open edge" in s.reason]
    assert len(edge) == 2 and all(s.check.method in ("symbolic", "numeric") for s in edge)
    assert edge[0].statement.rhs == sp.And(
        sp.Eq(sp.Symbol("s_1", real=True), sp.Symbol("s_2", real=True)), sp.Symbol("s_1", real=True) >= 0
    )
    assert not any(s.check.method == "definition" and "elsewhere" in s.statement.words for s in theorem.proof.steps)


def test_edge_cone_check_rejects_a_wrong_cone() -> None:
    from derive.errors import VerificationError
    from proofs.geometry import _check_edge_cone, _s1, _s2, _w

    edge = (t - _w, _w)
    vertices = ((t, 0), (0, t), (-t, 0), (0, -t))
    right = sp.And(*[sp.Le(_s1 * (y1 - edge[0]) + _s2 * (y2 - edge[1]), 0) for y1, y2 in vertices])
    assert _check_edge_cone(right).method in ("symbolic", "numeric")
    # mutated: drop the vertex (0, t); then s_2 < s_1 is allowed and the ray is not the cone
    kept = (vertices[0], vertices[2], vertices[3])
    wrong = sp.And(*[sp.Le(_s1 * (y1 - edge[0]) + _s2 * (y2 - edge[1]), 0) for y1, y2 in kept])
    with pytest.raises(VerificationError):
        _check_edge_cone(wrong)


def test_swapped_roles_do_not_hold() -> None:
    swapped = geometry(sparse="ridge", dense="lasso")
    assert swapped.holds is False
    assert [verdict for _, verdict in swapped.instances] == [False, False, True, True]
    assert swapped.failures[0] == "the ridge's sparse region has area 0"


def test_areas_are_checked_against_quadrature(theorem: Theorem) -> None:
    quad = [s for s in theorem.proof.steps if "mpmath.quad" in s.check.detail]
    assert len(quad) == 2 and all(s.check.method == "numeric" for s in quad)
    integrals = [s for s in theorem.proof.steps if isinstance(s.statement.lhs, sp.Integral)]
    assert all("differentiated back" in s.check.detail for s in integrals)


def test_registered_and_views(theorem: Theorem) -> None:
    assert "geometry" in proofs.THEOREMS
    assert theorem.to_text().startswith("Theorem [geometry]")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles(theorem: Theorem, tmp_path) -> None:
    body = theorem.to_latex() + geometry(sparse="ridge", dense="lasso").to_latex()
    run = compile_theorems(body, tmp_path)
    assert run.returncode == 0, run.stdout[-2000:]


def test_docstring_examples() -> None:
    result = doctest.testmod(importlib.import_module("proofs.geometry"), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
