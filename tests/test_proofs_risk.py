"""Tests of Theorem 6 (:mod:`proofs.risk`): the derived risks, SURE and degrees of freedom against numerical
integration (mpmath.quad) and Monte Carlo at several (lambda, mu); the mutated theorem (Stein's formula applied
to hard thresholding); outputs and doctests.

The references share no code with ``derive`` or ``proofs``: the estimators are written out in NumPy/mpmath.
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
from derive.errors import OptionError
from derive.symbols import lam
from proofs.core import Theorem
from proofs.gaussian import elementary
from proofs.risk import mu, risk

try:
    from tests._latex import compile_theorems
except ImportError:  # tests/ on sys.path rather than the project root
    from _latex import compile_theorems

#: (lambda, mu) at which the risks are compared with the references.
PARAMETERS = ((1.0, 0.0), (2.0, 1.5), (0.5, -3.0), (3.0, 3.0), (1.2, 6.0))


@pytest.fixture(scope="module")
def theorem() -> Theorem:
    return risk()


@pytest.fixture(scope="module")
def mutated() -> Theorem:
    return risk(stein_for="hard")


def _value(expr: sp.Expr, t: float, m: float) -> float:
    return float(sp.N(elementary(expr, via=sp.erfc).subs({lam: t, mu: m}), 30))


def _soft(z, t):
    return np.sign(z) * np.maximum(np.abs(z) - t, 0.0)


def _hard(z, t):
    return np.where(np.abs(z) > t, z, 0.0)


def _quad(loss, t: float, m: float) -> float:
    """E[loss(z)] for z ~ N(m, 1) by mpmath.quad, split at the thresholds."""
    with mpmath.workdps(30):
        density = lambda u: mpmath.exp(-((u - m) ** 2) / 2) / mpmath.sqrt(2 * mpmath.pi)  # noqa: E731
        nodes = sorted({-mpmath.inf, mpmath.mpf(-t), mpmath.mpf(t), mpmath.mpf(m), mpmath.inf})
        return float(mpmath.quad(lambda u: loss(u) * density(u), nodes))


def _mp_soft(u, t):
    return mpmath.sign(u) * max(abs(u) - t, 0)


def _mp_hard(u, t):
    return u if abs(u) > t else mpmath.mpf(0)


def test_holds(theorem: Theorem) -> None:
    assert theorem.name == "risk" and theorem.holds is True
    assert all(verdict is True for _, verdict in theorem.instances)
    assert theorem.proof.extra("ridge") == (lam**2 * mu**2 + 1) / (lam + 1) ** 2


@pytest.mark.parametrize(("t", "m"), PARAMETERS)
def test_risks_against_quadrature(theorem: Theorem, t: float, m: float) -> None:
    proof = theorem.proof
    soft = _quad(lambda u: (_mp_soft(u, t) - m) ** 2, t, m)
    hard = _quad(lambda u: (_mp_hard(u, t) - m) ** 2, t, m)
    ridge = _quad(lambda u: (u / (1 + t) - m) ** 2, t, m)
    assert _value(proof.extra("soft"), t, m) == pytest.approx(soft, rel=1e-12)
    assert _value(proof.extra("hard"), t, m) == pytest.approx(hard, rel=1e-12)
    assert _value(proof.extra("ridge"), t, m) == pytest.approx(ridge, rel=1e-12)
    # The stated closed forms (Donoho and Johnstone 1994) agree too.
    assert _value(proof.extra("soft_closed_form"), t, m) == pytest.approx(soft, rel=1e-12)
    assert _value(proof.extra("hard_closed_form"), t, m) == pytest.approx(hard, rel=1e-12)


@pytest.mark.parametrize(("t", "m"), PARAMETERS)
def test_risks_sure_and_df_against_monte_carlo(theorem: Theorem, t: float, m: float) -> None:
    rng = np.random.default_rng(19940825)
    z = rng.normal(m, 1.0, size=400_000)

    def close(samples: np.ndarray, want: float) -> bool:
        return abs(samples.mean() - want) < 5 * samples.std() / np.sqrt(samples.size) + 1e-12

    proof = theorem.proof
    assert close((_soft(z, t) - m) ** 2, _value(proof.extra("soft"), t, m))
    assert close((_hard(z, t) - m) ** 2, _value(proof.extra("hard"), t, m))
    assert close((z / (1 + t) - m) ** 2, _value(proof.extra("ridge"), t, m))
    sure = 1 - 2 * (np.abs(z) <= t) + np.minimum(z**2, t**2)
    assert close(sure, _value(proof.extra("soft"), t, m))  # SURE is unbiased
    assert close(sure, _value(proof.extra("sure"), t, m))
    covariance = (_soft(z, t) - _soft(z, t).mean()) * (z - m)
    assert close(covariance, _value(proof.extra("df"), t, m))
    assert close((_soft(z, t) != 0).astype(float), _value(proof.extra("nonzeros"), t, m))


def test_mutated_stein_for_hard_thresholding(mutated: Theorem) -> None:
    assert mutated.holds is False
    verdicts = dict(mutated.instances)
    assert verdicts["SURE (hard): E[SURE] = risk"] is False
    assert verdicts["df (hard): Cov(eta, z) = E[#non-zeros]"] is False
    assert [v for k, v in verdicts.items() if not k.startswith(("SURE", "df"))] == [True, True, True]
    assert len(mutated.failures) == 2
    # Independent evidence that the refuted claims are false: the naive SURE of hard thresholding is biased.
    t, m = 1.0, 1.0
    rng = np.random.default_rng(3)
    z = rng.normal(m, 1.0, size=400_000)
    naive = np.where(np.abs(z) > t, 1.0, z**2 - 1.0)
    risk_hard = _value(mutated.proof.extra("hard"), t, m)
    assert abs(naive.mean() - risk_hard) > 20 * naive.std() / np.sqrt(z.size)
    assert _value(mutated.proof.extra("sure"), t, m) == pytest.approx(naive.mean(), abs=5 * naive.std() / 600)


def test_unknown_option() -> None:
    with pytest.raises(OptionError, match="soft, hard"):
        risk(stein_for="ridge")


def test_integrals_are_checked_by_differentiation(theorem: Theorem) -> None:
    integrals = [s for s in theorem.proof.steps if isinstance(s.statement.lhs, sp.Integral)]
    assert len(integrals) >= 15
    assert all(s.check.method == "symbolic" and "differentiated back" in s.check.detail for s in integrals)


def test_registered_and_views(theorem: Theorem) -> None:
    assert "risk" in proofs.THEOREMS
    assert theorem.to_text().startswith("Theorem [risk]")
    assert "\\varphi\\left(" in theorem.to_latex()


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles(theorem: Theorem, mutated: Theorem, tmp_path) -> None:
    body = theorem.to_latex() + mutated.to_latex()
    run = compile_theorems(body, tmp_path)
    assert run.returncode == 0, run.stdout[-2000:]


def test_docstring_examples() -> None:
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    result = doctest.testmod(importlib.import_module("proofs.risk"), optionflags=flags)
    assert result.failed == 0
