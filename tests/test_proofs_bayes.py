"""Tests of Theorem 8 (:mod:`proofs.bayes`): the derived lambda maps against brute-force minimisation of the
negative log posterior, the posterior mean against mpmath.quad at several (z, sigma, b), its sign, the mutated
maps, outputs and doctests.

The references share no code with ``derive`` or ``proofs``: the posterior is written out with mpmath/NumPy.
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
from derive.symbols import z
from proofs.bayes import GAUSSIAN_MAP, LAPLACE_MAP, b, bayes, sigma, tau
from proofs.core import Theorem
from proofs.gaussian import elementary

try:
    from tests._latex import compile_theorems
except ImportError:  # tests/ on sys.path rather than the project root
    from _latex import compile_theorems

#: (z, sigma, b) at which the posterior mean is compared with quadrature.
POINTS = ((0.3, 1.0, 1.0), (-1.7, 1.0, 0.5), (2.5, 0.7, 2.0), (-4.0, 2.0, 0.8), (0.05, 1.5, 0.3), (6.0, 1.0, 1.0))


@pytest.fixture(scope="module")
def theorem() -> Theorem:
    return bayes()


def _value(expr: sp.Expr, values: dict) -> float:
    return float(sp.N(elementary(expr, via=sp.erfc).subs(values), 30))


def _posterior_mean_quad(zz: float, s: float, scale: float) -> float:
    with mpmath.workdps(30):
        f = lambda t: mpmath.exp(-((zz - t) ** 2) / (2 * s**2) - abs(t) / scale)  # noqa: E731
        nodes = sorted({-mpmath.inf, mpmath.mpf(0), mpmath.mpf(zz), mpmath.inf})
        return float(mpmath.quad(lambda t: t * f(t), nodes) / mpmath.quad(f, nodes))


def _argmin(objective, lo: float = -12.0, hi: float = 12.0) -> float:
    """Minimise a scalar function on [lo, hi] by a fine grid and two zooms (NumPy only)."""
    for _ in range(3):
        grid = np.linspace(lo, hi, 200_001)
        best = grid[np.argmin(objective(grid))]
        step = (hi - lo) / 200_000
        lo, hi = best - 2 * step, best + 2 * step
    return float(best)


def test_holds_and_maps(theorem: Theorem) -> None:
    assert theorem.name == "bayes" and theorem.holds is True
    assert all(verdict is True for _, verdict in theorem.instances)
    laplace, gauss, gauss_esl, _ = theorem.proof.result
    assert (laplace, gauss, gauss_esl) == (sigma**2 / b, sigma**2 / (2 * tau**2), sigma**2 / tau**2)


@pytest.mark.parametrize(("zz", "s", "scale"), POINTS)
def test_posterior_mean_against_quadrature(theorem: Theorem, zz: float, s: float, scale: float) -> None:
    got = _value(theorem.proof.extra("posterior_mean"), {z: zz, sigma: s, b: scale})
    assert got == pytest.approx(_posterior_mean_quad(zz, s, scale), rel=1e-12)


@pytest.mark.parametrize("zz", [-3.0, -0.4, -0.01, 0.01, 0.4, 3.0])
def test_posterior_mean_has_the_sign_of_z(theorem: Theorem, zz: float) -> None:
    reference = _posterior_mean_quad(zz, 1.0, 0.5)  # MAP threshold sigma^2/b = 2: the MAP is 0 here
    assert np.sign(reference) == np.sign(zz) and abs(reference) > 1e-4
    assert _value(theorem.proof.extra("map"), {z: zz, sigma: 1.0, b: 0.5}) == 0.0 or abs(zz) > 2
    assert _value(theorem.proof.extra("posterior_mean"), {z: 0, sigma: 1.0, b: 0.5}) == 0.0


@pytest.mark.parametrize(
    ("zz", "s", "scale", "sd"), [(0.5, 1.0, 1.0, 0.7), (2.7, 1.0, 1.0, 2.0), (-3.3, 0.8, 0.4, 1.0)]
)
def test_map_estimates_against_brute_force(theorem: Theorem, zz: float, s: float, scale: float, sd: float) -> None:
    values = {z: zz, sigma: s, b: scale, tau: sd}
    laplace = _argmin(lambda t: (zz - t) ** 2 / (2 * s**2) + np.abs(t) / scale)
    gauss = _argmin(lambda t: (zz - t) ** 2 / (2 * s**2) + t**2 / (2 * sd**2))
    assert _value(theorem.proof.extra("map"), values) == pytest.approx(laplace, abs=1e-6)
    assert _value(theorem.proof.extra("ridge_map"), values) == pytest.approx(gauss, abs=1e-6)


def test_wrong_maps_do_not_hold() -> None:
    halved = bayes(laplace_map=sigma**2 / (2 * b))
    assert (
        halved.holds is False
        and dict(halved.instances)["Laplace prior: MAP = lasso with lambda = sigma^2/(2*b)"] is False
    )
    assert halved.failures == ("the Laplace prior corresponds to lambda = sigma^2/b, not sigma^2/(2*b)",)
    esl_in_wrong_convention = bayes(gaussian_map=sigma**2 / tau**2)
    assert esl_in_wrong_convention.holds is False
    assert bayes(laplace_map=LAPLACE_MAP, gaussian_map=GAUSSIAN_MAP).holds is True


def test_quadrature_and_sign_steps(theorem: Theorem) -> None:
    quad = [s for s in theorem.proof.steps if "mpmath.quad" in s.check.detail]
    assert len(quad) == 2 and all(s.check.method == "numeric" for s in quad)
    integrals = [s for s in theorem.proof.steps if isinstance(s.statement.lhs, sp.Integral)]
    assert len(integrals) == 4 and all(s.check.method == "symbolic" for s in integrals)
    assert any("never exactly 0" in s.statement.words for s in theorem.proof.steps)


def test_registered_and_views(theorem: Theorem) -> None:
    assert "bayes" in proofs.THEOREMS
    assert theorem.to_text().startswith("Theorem [bayes]")
    assert "p\\left(\\beta \\mid z\\right)" in theorem.to_latex()


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles(theorem: Theorem, tmp_path) -> None:
    body = theorem.to_latex() + bayes(laplace_map=sigma**2 / (2 * b)).to_latex()
    run = compile_theorems(body, tmp_path)
    assert run.returncode == 0, run.stdout[-2000:]


def test_docstring_examples() -> None:
    flags = doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS
    result = doctest.testmod(importlib.import_module("proofs.bayes"), optionflags=flags)
    assert result.failed == 0
