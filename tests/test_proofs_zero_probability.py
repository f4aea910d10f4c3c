"""Tests of Theorem 5 (:mod:`proofs.zero_probability`): the derived probabilities of an exact zero against
Monte Carlo and numerical integration, the mutated (swapped) theorem, outputs and doctests.

The references share no code with ``derive`` or ``proofs``: soft thresholding and ridge shrinkage are written
out in NumPy, the normal density in mpmath.
"""

from __future__ import annotations

import doctest
import importlib
import shutil

import mpmath
import numpy as np
import pytest
import sympy as sp

import proofs
from derive.symbols import beta, lam
from proofs.core import Theorem
from proofs.gaussian import Phi, elementary
from proofs.zero_probability import p, probability_of, sigma, stated_probability, zero_probability

try:
    from tests._latex import compile_theorems
except ImportError:  # tests/ on sys.path rather than the project root
    from _latex import compile_theorems

#: (beta, sigma, lambda) at which the closed forms are compared with the references.
PARAMETERS = ((0.0, 1.0, 1.0), (1.0, 1.0, 0.5), (-2.0, 1.5, 1.0), (0.5, 0.3, 0.2), (3.0, 2.0, 2.5))


@pytest.fixture(scope="module")
def theorem() -> Theorem:
    return zero_probability()


@pytest.fixture(scope="module")
def swapped() -> Theorem:
    return zero_probability(sparse="ridge", dense="lasso")


def _value(expr: sp.Expr, b: float, s: float, t: float) -> float:
    return float(sp.N(elementary(expr, via=sp.erfc).subs({beta: b, sigma: s, lam: t}), 30))


def _soft(values: np.ndarray, t: float) -> np.ndarray:
    return np.sign(values) * np.maximum(np.abs(values) - t, 0.0)


def test_holds_and_result(theorem: Theorem) -> None:
    assert theorem.name == "zero-probability" and theorem.holds is True
    assert [verdict for _, verdict in theorem.instances] == [True, True]
    lasso, ridge = theorem.proof.result
    assert ridge == 0
    assert sp.simplify(elementary(lasso - (Phi((lam - beta) / sigma) - Phi((-lam - beta) / sigma)))) == 0
    assert theorem.proof.extra("expected_zeros") == p * lasso
    assert theorem.failures == ()


@pytest.mark.parametrize(("b", "s", "t"), PARAMETERS)
def test_lasso_probability_against_quadrature(theorem: Theorem, b: float, s: float, t: float) -> None:
    with mpmath.workdps(30):
        density = lambda u: mpmath.exp(-((u - b) ** 2) / (2 * s**2)) / (mpmath.sqrt(2 * mpmath.pi) * s)  # noqa: E731
        want = mpmath.quad(density, [-t, b, t] if -t < b < t else [-t, t])
    assert _value(theorem.proof.extra("sparse"), b, s, t) == pytest.approx(float(want), rel=1e-12, abs=1e-14)


@pytest.mark.parametrize(("b", "s", "t"), PARAMETERS)
def test_probabilities_against_monte_carlo(theorem: Theorem, b: float, s: float, t: float) -> None:
    rng = np.random.default_rng(20240605)
    draws = rng.normal(b, s, size=400_000)
    zeros = np.mean(_soft(draws, t) == 0.0)
    want = _value(theorem.proof.extra("sparse"), b, s, t)
    standard_error = np.sqrt(max(want * (1 - want), 1e-6) / draws.size)
    assert abs(zeros - want) < 5 * standard_error
    assert np.count_nonzero(draws / (1.0 + t) == 0.0) == 0  # ridge: exactly 0 never happens
    assert _value(theorem.proof.extra("dense"), b, s, t) == 0.0


def test_expected_number_of_zeros_against_monte_carlo(theorem: Theorem) -> None:
    rng = np.random.default_rng(7)
    betas = np.array([0.0, 0.0, 0.3, -0.5, 1.0, 2.0, -3.0, 0.1])
    s, t = 1.0, 0.8
    draws = rng.normal(betas, s, size=(200_000, betas.size))
    counts = np.sum(_soft(draws, t) == 0.0, axis=1)
    each = [_value(theorem.proof.extra("sparse"), b_j, s, t) for b_j in betas]
    assert abs(counts.mean() - sum(each)) < 5 * counts.std() / np.sqrt(counts.size)
    # Equal coefficients: p times the probability (the derived expected_zeros).
    equal = np.sum(_soft(rng.normal(0.5, s, size=(200_000, 6)), t) == 0.0, axis=1)
    expected = float(sp.N(elementary(theorem.proof.extra("expected_zeros")).subs({p: 6, beta: 0.5, sigma: s, lam: t})))
    assert abs(equal.mean() - expected) < 5 * equal.std() / np.sqrt(equal.size)


def test_probability_helpers() -> None:
    assert probability_of(sp.S.EmptySet) == 0 and stated_probability(sp.FiniteSet(0)) == 0
    union = sp.Union(sp.Interval(-3, -1), sp.Interval(1, 3))
    value = probability_of(union)
    assert float(value.subs({beta: 0, sigma: 1})) == pytest.approx(2 * (0.9986501019683699 - 0.8413447460685429))
    assert float(sp.N(stated_probability(union).subs({beta: 0, sigma: 1}))) == pytest.approx(
        float(value.subs({beta: 0, sigma: 1}))
    )


def test_swapped_roles_do_not_hold(swapped: Theorem) -> None:
    assert swapped.holds is False
    assert [verdict for _, verdict in swapped.instances] == [False, False]
    assert swapped.failures == (
        "the ridge estimate is 0 only on {0}, which has probability 0",
        "the lasso estimate is 0 on [-lambda, lambda], which has positive probability",
    )
    # The refutations are checked steps, not assertions.
    failing = [step for step in swapped.proof.steps if step.reason.startswith("the claim does not hold")]
    assert [step.check.method for step in failing] == ["symbolic", "symbolic"]


def test_steps_are_checked(theorem: Theorem) -> None:
    methods = theorem.proof.methods
    assert methods.get("symbolic", 0) >= 12 and "cited" not in methods
    probability_steps = [s for s in theorem.proof.steps if "sympy.stats" in s.reason]
    assert probability_steps and all(s.check.method == "symbolic" for s in probability_steps)


def test_registered() -> None:
    assert "zero-probability" in proofs.THEOREMS
    assert proofs.prove("zero-probability").holds is True


def test_views(theorem: Theorem) -> None:
    text = theorem.to_text()
    assert text.startswith("Theorem [zero-probability]") and "Verdict: holds" in text
    assert "\\Phi\\left(" in theorem.to_latex() and "∎" in theorem.to_markdown()


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles(theorem: Theorem, swapped: Theorem, tmp_path) -> None:
    body = theorem.to_latex() + swapped.to_latex()
    run = compile_theorems(body, tmp_path)
    assert run.returncode == 0, run.stdout[-2000:]


def test_docstring_examples() -> None:
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    for name in ("proofs.gaussian", "proofs.zero_probability"):
        result = doctest.testmod(importlib.import_module(name), optionflags=flags)
        assert result.failed == 0, name
