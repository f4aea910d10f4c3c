"""Tests of Theorem 4 (:mod:`proofs.shrinkage`): shrinkage, monotonicity and non-expansiveness of the derived
proxes against brute-force minimisation, continuity and bias limits against plain NumPy evaluation, the mutated
penalty, outputs and doctests."""

from __future__ import annotations

import doctest
import importlib
import shutil

import numpy as np
import pytest
import sympy as sp

import proofs
from derive.symbols import delta, lam, mu, x
from proofs.core import CATALOGUE, Theorem, derived_prox
from proofs.shrinkage import shrinkage

try:
    from tests._latex import compile_theorems
except ImportError:  # tests/ on sys.path rather than the project root
    from _latex import compile_theorems

VALUES = {lam: 0.7, mu: 0.5, delta: 0.9}


@pytest.fixture(scope="module")
def theorem() -> Theorem:
    return shrinkage()


def test_holds(theorem: Theorem) -> None:
    assert theorem.name == "shrinkage" and theorem.holds is True
    assert all(verdict is True for _, verdict in theorem.instances)
    assert theorem.proof.result == sp.Tuple(lam, sp.oo, 0)


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
