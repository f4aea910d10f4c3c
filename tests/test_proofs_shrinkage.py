"""Tests of Theorem 4 (:mod:`proofs.shrinkage`): shrinkage, monotonicity and non-expansiveness of the derived
proxes against brute-force minimisation, continuity and bias limits against plain NumPy evaluation, the mutated
penalty, outputs and doctests."""

from __future__ import annotations

import doctest
import importlib
import shutil

import mpmath
import numpy as np
import pytest
import sympy as sp

import proofs
from derive.core import DerivationBuilder
from derive.estimators import estimator
from derive.symbols import delta, lam, mu, x, z
from proofs.core import CATALOGUE, Theorem, derived_prox
from proofs.shrinkage import _unbiased_beyond, shrinkage, unbiased_from

try:
    from tests._argmin import brute_argmin
    from tests._latex import compile_theorems
except ImportError:  # tests/ on sys.path rather than the project root
    from _argmin import brute_argmin
    from _latex import compile_theorems

VALUES = {lam: 0.7, mu: 0.5, delta: 0.9}


@pytest.fixture(scope="module")
def theorem() -> Theorem:
    return shrinkage()


def test_holds(theorem: Theorem) -> None:
    assert theorem.name == "shrinkage" and theorem.holds is True
    assert all(verdict is True for _, verdict in theorem.instances)
    assert theorem.proof.result == sp.Tuple(lam, sp.oo, 0, 0, 0)
    labels = [label for label, _ in theorem.instances]
    assert labels[-2:] == ["scad: z - estimate = 0 for |z| > a lambda", "mcp: z - estimate = 0 for |z| > gamma lambda"]


#: The catalogue's penalties written out in NumPy (lambda = 0.7, mu = 0.5, delta = 0.9), in catalogue order.
BY_HAND = (
    lambda t: 0.7 * np.abs(t),
    lambda t: 0.7 * t**2 / 2,
    lambda t: 0.7 * np.abs(t) + 0.5 / 2 * t**2,
    lambda t: 0.7 * np.maximum(t, 0),
    lambda t: np.where(np.abs(t) <= 0.9, t**2 / 2, 0.9 * (np.abs(t) - 0.9 / 2)),
)


@pytest.mark.parametrize("index", range(len(CATALOGUE)))
def test_prox_properties_at_random_points(index: int) -> None:
    rng = np.random.default_rng(4)
    derived = derived_prox(CATALOGUE[index])
    names = {p.name if p.name != "lambda" else "lam": VALUES[p] for p in derived.parameters}
    values = np.sort(rng.uniform(-5, 5, 2001))
    p = np.asarray(derived.numeric()(values, **names), dtype=float)
    assert np.all(np.abs(p) <= np.abs(values) + 1e-12)  # shrinks toward 0
    assert np.all(np.diff(p) >= -1e-12)  # monotone
    assert np.all(np.abs(np.diff(p)) <= np.diff(values) + 1e-12)  # non-expansive
    # The derived prox against brute-force minimisation of g(x) + (x - v)^2/2 (g written out by hand).
    grid = np.linspace(-8, 8, 160_001)
    penalty = BY_HAND[index](grid)
    for val, got in zip(values[::200], p[::200], strict=True):
        assert got == pytest.approx(grid[np.argmin(penalty + (grid - val) ** 2 / 2)], abs=2e-4)


def test_continuity_and_bias_numerically() -> None:
    t = 1.3
    soft = lambda z: np.sign(z) * np.maximum(np.abs(z) - t, 0)  # noqa: E731
    hard = lambda z: np.where(np.abs(z) > t, z, 0.0)  # noqa: E731
    eps = 1e-9
    assert abs(soft(t + eps) - soft(t - eps)) < 1e-8
    assert hard(t + eps) - hard(t - eps) == pytest.approx(t)
    big = 1e6
    assert big - soft(big) == pytest.approx(t)
    assert big - big / (1 + t) == pytest.approx(t * big / (1 + t))
    assert big - hard(big) == 0.0


def test_mutated_penalty_does_not_shrink() -> None:
    mutated = shrinkage(lam * sp.Abs(x - 1))
    assert mutated.holds is False
    assert mutated.instances[0][1] is False
    assert all(verdict is True for _, verdict in mutated.instances[1:])
    assert "does not shrink toward 0" in mutated.failures[0]
    # Independent evidence: prox of 0.7|x - 1| at v = 0 is 0.7 (brute force), not 0.
    grid = np.linspace(-3, 3, 600_001)
    assert grid[np.argmin(0.7 * np.abs(grid - 1) + grid**2 / 2)] == pytest.approx(0.7, abs=1e-4)


def test_firm_nonexpansiveness_steps(theorem: Theorem) -> None:
    steps = [s for s in theorem.proof.steps if "firm non-expansiveness" in s.reason]
    assert len(steps) == len(CATALOGUE) and all(s.check.method == "numeric" for s in steps)
    slopes = [s for s in theorem.proof.steps if "the slope of the case" in s.reason]
    assert slopes and all(s.check.method == "symbolic" for s in slopes)


def test_registered_and_views(theorem: Theorem) -> None:
    assert "shrinkage" in proofs.THEOREMS
    assert theorem.to_text().startswith("Theorem [shrinkage]")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles(theorem: Theorem, tmp_path) -> None:
    body = theorem.to_latex() + shrinkage(lam * sp.Abs(x - 1)).to_latex()
    run = compile_theorems(body, tmp_path)
    assert run.returncode == 0, run.stdout[-2000:]


def test_docstring_examples() -> None:
    result = doctest.testmod(importlib.import_module("proofs.shrinkage"), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0


# -- bias for large |z|: the derived estimates against brute-force minimisation ------------------------------


def scad_penalty(t, weight, shape):
    """SCAD written out by hand (Fan and Li, JASA 96, 2001, eq. (2.7) integrated): lambda|t| up to lambda, a
    quadratic spline up to a*lambda, then the constant (a + 1) lambda^2/2."""
    u = abs(t)
    if u <= weight:
        return weight * u
    if u <= shape * weight:
        return -(u * u - 2 * shape * weight * u + weight * weight) / (2 * (shape - 1))
    return (shape + 1) * weight * weight / 2


def mcp_penalty(t, weight, shape):
    """MCP written out by hand (Zhang, Ann. Statist. 38, 2010, eq. (2.3)): lambda|t| - t^2/(2 gamma) up to
    gamma*lambda, then gamma lambda^2/2."""
    u = abs(t)
    return weight * u - u * u / (2 * shape) if u <= shape * weight else shape * weight * weight / 2


#: Objectives of one coordinate, ESL convention, written out by hand: (1/2)(z - b)^2 + penalty, and ridge's
#: (z - b)^2 + lambda b^2.
OBJECTIVES = {
    "lasso": lambda at, weight, shape: lambda t: (at - t) ** 2 / 2 + weight * abs(t),
    "ridge": lambda at, weight, shape: lambda t: (at - t) ** 2 + weight * t * t,
    "scad": lambda at, weight, shape: lambda t: (at - t) ** 2 / 2 + scad_penalty(t, weight, shape),
    "mcp": lambda at, weight, shape: lambda t: (at - t) ** 2 / 2 + mcp_penalty(t, weight, shape),
}


@pytest.mark.parametrize(("name", "shape"), [("scad", "3.7"), ("mcp", "3"), ("lasso", "0"), ("ridge", "0")])
def test_bias_for_large_z_against_brute_force(name: str, shape: str) -> None:
    weight, shape_value = mpmath.mpf("0.8"), mpmath.mpf(shape)
    with mpmath.workdps(30):
        for at in ("3.5", "5", "-4.25", "12"):
            z_value = mpmath.mpf(at)
            best = brute_argmin(OBJECTIVES[name](z_value, weight, shape_value), -20, 20, digits=20, grid=4000)
            bias = z_value - best
            if name in ("scad", "mcp"):  # beyond a*lambda = 2.96 (SCAD) and gamma*lambda = 2.4 (MCP): no bias
                assert abs(bias) < 1e-12
            elif name == "lasso":
                assert abs(bias - mpmath.sign(z_value) * weight) < 1e-12
            else:
                assert abs(bias - weight * z_value / (1 + weight)) < 1e-12


def test_unbiased_region_is_read_off_the_derived_estimates() -> None:
    shape = next(s for s in estimator("scad").parameters if s.name == "a")
    assert unbiased_from(estimator("scad").cases, z) == shape * lam
    gamma = next(s for s in estimator("mcp").parameters if s.name == "gamma")
    assert unbiased_from(estimator("mcp").cases, z) == gamma * lam
    # Just inside the region SCAD still shrinks (a = 3.7, lambda = 1, z = 3.6: brute force is below z) ...
    with mpmath.workdps(30):
        inside = brute_argmin(OBJECTIVES["scad"](mpmath.mpf("3.6"), 1, mpmath.mpf("3.7")), -10, 10, digits=20)
    assert 3.6 - inside > 1e-3
    # ... and the derived estimate agrees there (numeric kernel of the derivation).
    got = estimator("scad").numeric()(3.6, a=3.7, lam=1.0)
    assert float(got) == pytest.approx(float(inside), abs=1e-9)


def test_biased_estimate_is_reported_as_biased() -> None:
    """Mutation: the lasso's cases fed to the SCAD/MCP claim (estimate = z beyond some point) make it fail."""
    assert unbiased_from(estimator("lasso").cases, z) is None
    builder = DerivationBuilder("mutated", assumptions=(z, lam))
    assert _unbiased_beyond(builder, "lasso", estimator("lasso").cases) is False
    assert builder.steps[-1].reason.startswith("the claim does not hold")
    assert "not z" in builder.steps[-1].statement.words
