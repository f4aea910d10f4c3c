"""Tests of Theorem 2' (:mod:`proofs.marginal_cost`): the unit-dependence counterexample against plain
arithmetic, g'(0+) against difference quotients and the zero-set length against brute-force minimisation,
the mutated penalty, outputs and doctests.  The references use NumPy only."""

from __future__ import annotations

import doctest
import importlib
import shutil

import numpy as np
import pytest
import sympy as sp

import proofs
from derive.symbols import lam, x
from proofs.core import Theorem
from proofs.marginal_cost import PENALTIES, marginal_cost, right_derivative_at_zero, scale

try:
    from tests._latex import compile_theorems
except ImportError:  # tests/ on sys.path rather than the project root
    from _latex import compile_theorems


@pytest.fixture(scope="module")
def theorem() -> Theorem:
    return marginal_cost()


def _prox_by_grid(g, v: float) -> float:
    """argmin_x g(x) + (x - v)^2/2 on a fine grid with two zooms (NumPy only)."""
    lo, hi = v - 10.0, v + 10.0
    for _ in range(3):
        grid = np.linspace(lo, hi, 100_001)
        best = grid[np.argmin(g(grid) + (grid - v) ** 2 / 2)]
        step = (hi - lo) / 100_000
        lo, hi = best - 2 * step, best + 2 * step
    return float(best)


def test_holds(theorem: Theorem) -> None:
    assert theorem.name == "marginal-cost" and theorem.holds is True
    assert len(theorem.instances) == len(PENALTIES) and all(v is True for _, v in theorem.instances)
    assert theorem.proof.result == sp.Tuple(lam, 0, lam, lam, 0, lam / scale, 0)


def test_counterexample_by_arithmetic() -> None:
    w, s = 0.5, 0.1
    assert abs(w) > w**2  # the naive argument: L1 larger in the units of w
    u = w / s
    assert abs(u) < u**2  # ... and smaller in the units of u
    for s in (0.1, 1.0, 7.0):  # the crossover in w is at |w| = s
        assert abs(s / s) == pytest.approx((s / s) ** 2)


@pytest.mark.parametrize("g", [lam * sp.Abs(x), lam * x**2 / 2, lam * sp.Max(x, 0), lam * sp.Max(-x, 0)])
def test_right_derivative_against_difference_quotients(g) -> None:
    f = sp.lambdify(x, g.subs(lam, 1.3))
    h = 1e-7
    assert float(right_derivative_at_zero(g).subs(lam, 1.3)) == pytest.approx((f(h) - f(0.0)) / h, abs=1e-6)


def test_zero_sets_by_brute_force() -> None:
    lam_value = 0.8
    penalties = {
        "L1": (lambda t: lam_value * np.abs(t), True),
        "L2": (lambda t: lam_value * t**2 / 2, False),
        "max(-x, 0)": (lambda t: lam_value * np.maximum(-t, 0), True),
    }
    for name, (g, sparse) in penalties.items():
        zeros = [v for v in np.linspace(-2, 2, 41) if abs(_prox_by_grid(g, v)) < 1e-6]
        assert (len(zeros) > 5) is sparse, name  # an interval of v, or only v = 0
    # max(-x, 0): zero set [-lambda, 0], but g'(0+) = 0, so the right-derivative criterion fails for it.
    g = penalties["max(-x, 0)"][0]
    assert abs(_prox_by_grid(g, -0.5)) < 1e-6 and abs(_prox_by_grid(g, 0.5) - 0.5) < 1e-6


def test_mutated_penalty_does_not_hold() -> None:
    mutated = marginal_cost(lam * sp.Max(-x, 0))
    assert mutated.holds is False and mutated.instances[0][1] is False
    assert "the left derivative matters too" in mutated.failures[0]


def test_right_derivative_steps_are_checked_numerically(theorem: Theorem) -> None:
    steps = [s for s in theorem.proof.steps if "right derivative at 0" in s.reason]
    assert len(steps) == len(PENALTIES)
    assert all(s.check.method == "numeric" and "difference quotients" in s.check.detail for s in steps)


def test_registered_and_views(theorem: Theorem) -> None:
    assert "marginal-cost" in proofs.THEOREMS
    assert theorem.to_text().startswith("Theorem [marginal-cost]")


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles(theorem: Theorem, tmp_path) -> None:
    body = theorem.to_latex() + marginal_cost(lam * sp.Max(-x, 0)).to_latex()
    run = compile_theorems(body, tmp_path)
    assert run.returncode == 0, run.stdout[-2000:]


def test_docstring_examples() -> None:
    result = doctest.testmod(importlib.import_module("proofs.marginal_cost"), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0
