"""Tests of Theorem 3 (:mod:`proofs.lp_family`): the derived jump threshold against the published formula and
against brute-force global minimisation at 50 digits, the derived proxes for p > 1 against brute force, the
comparison with Xu et al. (2012), mutated claims that make the theorem fail, validation, outputs and doctests."""

from __future__ import annotations

import doctest
import importlib
import shutil
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import sympy as sp

import proofs
from derive.errors import ValidationError
from derive.symbols import lam
from proofs.core import Theorem
from proofs.lp_family import (
    EXPONENTS,
    XU_HALF_THRESHOLD,
    jump_threshold,
    lambda_xu,
    lp_family,
    lp_prox,
    p,
)

try:
    from tests._argmin import brute_argmin
    from tests._brute import brute_force_prox
    from tests._latex import compile_theorems
except ImportError:  # tests/ on sys.path rather than the project root
    from _argmin import brute_argmin
    from _brute import brute_force_prox
    from _latex import compile_theorems


def published_threshold(exponent: float, weight: float) -> mpmath.mpf:
    """The jump threshold of ``argmin_x weight |x|^p + (x - v)^2/2`` for ``0 < p < 1``, as published.

    Marjanovic and Solo, "On l_q optimization and matrix completion", IEEE Trans. Signal Process. 60(11), 2012,
    5714-5724 (the threshold of the l_q thresholding rule): ``tau = (2 - p) (2 (1 - p))^((p - 1)/(2 - p))
    lambda^(1/(2 - p))``, reached at ``x = (2 lambda (1 - p))^(1/(2 - p))``.  Typed here, independent of the toolkit.
    """
    e, w = mpmath.mpf(exponent), mpmath.mpf(weight)
    return (2 - e) * (2 * (1 - e)) ** ((e - 1) / (2 - e)) * w ** (1 / (2 - e))


def published_jump(exponent: float, weight: float) -> mpmath.mpf:
    """The nonzero minimiser at the threshold (same source): ``(2 lambda (1 - p))^(1/(2 - p))``."""
    e, w = mpmath.mpf(exponent), mpmath.mpf(weight)
    return (2 * w * (1 - e)) ** (1 / (2 - e))


@pytest.fixture(scope="module")
def theorem() -> Theorem:
    return lp_family()


def test_holds_on_every_instance(theorem: Theorem) -> None:
    assert theorem.name == "lp-family" and theorem.holds is True
    assert len(theorem.instances) == 2 + len(EXPONENTS) + 1
    assert all(verdict is True for _, verdict in theorem.instances)
    assert theorem.failures == ()
    jump, threshold = theorem.proof.result
    assert (jump, threshold) == (jump_threshold().jump, jump_threshold().threshold)


def test_registered() -> None:
    assert "lp-family" in proofs.THEOREMS
    assert proofs.THEOREMS["lp-family"].__name__ == "lp_family"


@pytest.mark.parametrize("exponent", [Fraction(1, 2), Fraction(2, 3), Fraction(1, 3), Fraction(3, 4), Fraction(1, 10)])
@pytest.mark.parametrize("weight", [Fraction(1, 2), Fraction(1), Fraction(7, 3)])
def test_derived_threshold_equals_published_formula(exponent: Fraction, weight: Fraction) -> None:
    j = jump_threshold()
    point = {
        p: sp.Rational(exponent.numerator, exponent.denominator),
        lam: sp.Rational(weight.numerator, weight.denominator),
    }
    with mpmath.workdps(50):
        tau = mpmath.mpf(sp.N(j.threshold.subs(point), 60))
        jump = mpmath.mpf(sp.N(j.jump.subs(point), 60))
        want_tau = published_threshold(
            mpmath.mpf(exponent.numerator) / exponent.denominator, mpmath.mpf(weight.numerator) / weight.denominator
        )
        want_jump = published_jump(
            mpmath.mpf(exponent.numerator) / exponent.denominator, mpmath.mpf(weight.numerator) / weight.denominator
        )
        assert abs(tau - want_tau) < mpmath.mpf(10) ** -45 * want_tau
        assert abs(jump - want_jump) < mpmath.mpf(10) ** -45 * want_jump


def test_symbolic_threshold_equals_published_formula_at_rational_p() -> None:
    j = jump_threshold()
    for e in (sp.Rational(1, 2), sp.Rational(2, 3), sp.Rational(1, 4)):
        published = (2 - e) * (2 * (1 - e)) ** ((e - 1) / (2 - e)) * lam ** (1 / (2 - e))  # Marjanovic and Solo 2012
        assert sp.simplify(j.threshold.subs(p, e) - published) == 0


@pytest.mark.parametrize(("exponent", "weight"), [("1/2", "1"), ("2/3", "0.7"), ("1/3", "2.5"), ("9/10", "1.3")])
def test_global_minimiser_jumps_at_the_threshold(exponent: str, weight: str) -> None:
    """Brute-force global minimisation (grid + golden section, 50 digits) on either side of the derived tau."""
    e, w = sp.Rational(exponent), sp.Rational(weight)
    tau = sp.N(jump_threshold().threshold.subs({p: e, lam: w}), 60)
    jump = sp.N(jump_threshold().jump.subs({p: e, lam: w}), 60)
    with mpmath.workdps(60):
        pe, pw = mpmath.mpf(e.p) / e.q, mpmath.mpf(w.p) / w.q
        tau, jump = mpmath.mpf(tau), mpmath.mpf(jump)

        def objective(at: mpmath.mpf):
            return lambda t: pw * abs(t) ** pe + (t - at) ** 2 / 2

        # At v = tau the two minimisers 0 and x* have the same value and x* is stationary.
        f = objective(tau)
        assert abs(f(jump) - f(mpmath.mpf(0))) < mpmath.mpf(10) ** -45
        assert abs(mpmath.diff(f, jump)) < mpmath.mpf(10) ** -40
        below = brute_argmin(
            objective(tau * (1 - mpmath.mpf(10) ** -3)), -2 * tau, 2 * tau, extra=(0,), digits=30, grid=2000
        )
        above = brute_argmin(
            objective(tau * (1 + mpmath.mpf(10) ** -3)), -2 * tau, 2 * tau, extra=(0,), digits=30, grid=2000
        )
    assert below == 0
    assert abs(above - jump) < 1e-2 * jump  # just past tau the minimiser is next to x*, far from 0


@pytest.mark.parametrize("exponent", ["2", "3/2", "4/3", "3", "4"])
def test_derived_prox_above_one_against_brute_force(exponent: str) -> None:
    e = sp.Rational(exponent)
    prox = lp_prox(e).numeric()
    rng = np.random.default_rng(3)
    pe = mpmath.mpf(e.p) / e.q
    for at, weight in zip(rng.uniform(-4, 4, 6), rng.uniform(0.2, 3, 6), strict=True):
        got = float(prox(at, lam=weight))
        with mpmath.workdps(30):
            want = brute_force_prox(lambda t, w=weight: w * abs(t) ** pe, at, -6, 6, digits=20, tol="1e-14")
        assert got == pytest.approx(float(want), abs=1e-9)
        assert np.sign(got) == np.sign(at) and got != 0.0  # never 0 for v != 0, the sign of v
    assert float(prox(0.0, lam=1.0)) == 0.0
    assert lp_prox(e).extra("zero_set") == sp.FiniteSet(0)


def test_half_thresholding_of_xu_et_al() -> None:
    # Xu, Chang, Xu and Zhang, IEEE TNNLS 23(7), 2012, Thm 1: for min_x (y - x)^2 + lambda' |x|^(1/2) the
    # half-thresholding operator is 0 for |y| <= (54^(1/3)/4) lambda'^(2/3).  Our objective is half of theirs with
    # lambda = lambda'/2.
    for weight in (0.25, 1.0, 3.0):
        theirs = 54 ** (1 / 3) / 4 * (2 * weight) ** (2 / 3)
        derived = float(lp_prox(sp.Rational(1, 2)).extra("threshold").subs(lam, weight))
        assert derived == pytest.approx(theirs, rel=1e-14)
    assert sp.simplify(XU_HALF_THRESHOLD - sp.root(54, 3) / 4 * lambda_xu ** sp.Rational(2, 3)) == 0


def test_limits_connect_the_cases() -> None:
    j = jump_threshold()
    near_one = {p: sp.Float("0.999999", 30), lam: sp.Float("1.5", 30)}  # floats: no exact roots of huge degree
    near_zero = {p: sp.Float("1e-6", 30), lam: sp.Float("1.5", 30)}
    assert float(j.threshold.subs(near_one)) == pytest.approx(1.5, rel=1e-4)  # soft threshold lambda
    assert float(j.jump.subs(near_one)) < 1e-4  # the jump vanishes
    assert float(j.threshold.subs(near_zero)) == pytest.approx(np.sqrt(3.0), rel=1e-4)  # hard threshold sqrt(2 lam)
    assert float(lp_prox(0).extra("threshold").subs(lam, 1.5)) == pytest.approx(np.sqrt(3.0), rel=1e-14)


def test_general_steps_are_symbolic(theorem: Theorem) -> None:
    general = [s for s in theorem.proof.steps if s.reason.startswith(("part (a)", "part (c)"))]
    assert len(general) > 20
    numeric = [s.reason for s in general if s.check.method == "numeric"]
    # x*/tau < 1 needs p > 0 as well as p < 1 (1 - x*/tau = p/(2 - p)): symbolic with p = 1/(1 + s), s > 0.
    assert numeric == []
    (fraction,) = [s for s in general if s.reason.startswith("part (c): the jump lands below the data value")]
    assert "p = 1/(1 + s), s > 0: x*/tau < 1" in fraction.check.detail
    assert {s.check.method for s in general} <= {"symbolic", "numeric", "definition", "cited"}
    instance_numeric = [s for s in theorem.proof.steps if s.check.method == "numeric" and s not in general]
    assert instance_numeric and all(s.reason.startswith("p = ") for s in instance_numeric)


# -- mutated claims ------------------------------------------------------------------------------


def test_positive_threshold_claimed_for_p_above_one_fails() -> None:
    mutated = lp_family(exponents=(2,), claimed={2: lam})
    assert mutated.holds is False
    assert dict(mutated.instances)["p = 2: threshold 0"] is False
    assert mutated.failures == ("p = 2: the derived threshold 0 is not the claimed lambda",)
    # Independent: ridge's prox v/(1 + 2 lambda) is nonzero at v = lambda/2, inside the claimed dead zone.
    assert brute_force_prox(lambda t: t**2, mpmath.mpf("0.5"), -3, 3, digits=20, tol="1e-12") != 0


def test_zero_threshold_claimed_for_p_below_one_fails() -> None:
    mutated = lp_family(exponents=(sp.Rational(1, 2),), claimed={sp.Rational(1, 2): 0})
    assert mutated.holds is False
    assert "is not the claimed 0" in mutated.failures[0]


def test_wrong_reference_formula_fails() -> None:
    mutated = lp_family(exponents=(), reference=sp.Rational(54, 4) * lambda_xu ** sp.Rational(2, 3))
    assert mutated.holds is False
    assert mutated.instances[-1][1] is False
    assert "differs from the reference" in mutated.failures[0]


def test_true_claims_hold() -> None:
    assert lp_family(exponents=(2, 1), claimed={2: 0, 1: lam}).holds is True


# -- validation ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"exponents": (0.5,)}, "not a float"),
        ({"exponents": (-1,)}, "p >= 0"),
        ({"exponents": ("1/2",)}, "expected an int"),
        ({"exponents": (2,), "claimed": {3: 0}}, "not checked"),
        ({"exponents": (2,), "claimed": {2: "lambda"}}, "SymPy expression"),
        ({"exponents": (), "reference": "54"}, "SymPy expression"),
    ],
)
def test_invalid_input(kwargs: dict, match: str) -> None:
    with pytest.raises(ValidationError, match=match):
        lp_family(**kwargs)


def test_exponent_types_accepted() -> None:
    assert lp_prox(Fraction(1, 2)) is lp_prox(sp.Rational(1, 2))
    with pytest.raises(ValidationError):
        jump_threshold().at(2)


# -- outputs -------------------------------------------------------------------------------------


def test_views(theorem: Theorem) -> None:
    text = theorem.to_text()
    assert text.startswith("Theorem [lp-family]: The Lp family")
    assert "Verdict: holds" in text
    latex = theorem.to_latex()
    assert (
        latex.startswith("\\begin{theorem}[") and "\\begin{proof}" in latex and latex.rstrip().endswith("\\end{proof}")
    )
    assert "\\tau" in latex
    markdown = theorem.to_markdown()
    assert markdown.startswith("**Theorem (The Lp family") and "*Verdict:* the theorem holds." in markdown


@pytest.mark.skipif(shutil.which("pdflatex") is None, reason="pdflatex not installed")
def test_latex_compiles(theorem: Theorem, tmp_path) -> None:
    body = theorem.to_latex() + lp_family(exponents=(2,), claimed={2: lam}).to_latex()
    run = compile_theorems(body, tmp_path)
    assert run.returncode == 0, run.stdout[-2000:]


def test_docstring_examples() -> None:
    result = doctest.testmod(importlib.import_module("proofs.lp_family"), optionflags=doctest.ELLIPSIS)
    assert result.failed == 0 and result.attempted > 5


def test_cheap_rewrites_are_real_checks() -> None:
    """The targeted rewrites that replace simplify: an identity vanishes, a mutated one does not; a non-affine
    equation is refused by the linear solve."""
    from derive.errors import VerificationError
    from derive.symbols import v, x
    from proofs.lp_family import _combine_exponents, _solve_linear, _vanishes, r

    base = 2 * lam * r
    identity = base ** (1 / (r + 1)) * base ** (r / (r + 1)) - base
    assert _combine_exponents(identity) == 0
    assert _vanishes(identity)
    assert not _vanishes(identity + lam * r)  # mutated: off by lambda r
    assert _solve_linear(3 * v - x, v) == x / 3
    with pytest.raises(VerificationError, match="not affine"):
        _solve_linear(v**2 - x, v)
    with pytest.raises(VerificationError, match="not affine"):
        _solve_linear(x - 1, v)


def test_two_power_solve_and_its_checks() -> None:
    """The jump point from ``a x^alpha + b x^beta = 0`` (x > 0): the root solves the equation (checked here against
    SymPy's ``solve``, an independent solver); a form that is not two powers is refused; a mutated root or a
    ratio of the wrong sign fails the step's check."""
    from derive.errors import VerificationError
    from derive.symbols import v
    from proofs.lp_family import _check_jump, _two_powers, _TwoPowers, _xp, r

    difference = -lam * r / _xp**r + _xp / 2
    power = _two_powers(difference, _xp)
    assert power.root == (2 * lam * r) ** (1 / (r + 1))
    assert power.root == sp.solve(difference, _xp)[0]  # independent reference
    with pytest.raises(VerificationError, match="two powers"):
        _two_powers(difference + 1 + _xp**2, _xp)
    with pytest.raises(VerificationError, match="two powers"):
        _two_powers(sp.exp(_xp) - 1, _xp)
    j = jump_threshold()
    step = next(s for s in j.derivation.steps if "subtract them" in s.reason)
    assert step.check.method == "symbolic" and "x^(r + 1) = 2*lambda*r" in step.check.detail
    objective = lam * _xp ** (1 - r) + (_xp - v) ** 2 / 2
    tie = lam / _xp**r - v + _xp / 2  # (F(x) - F(0))/x = 0 solved for v below
    tie_v, stationary_v = lam / _xp**r + _xp / 2, _xp + lam * (1 - r) / _xp**r
    assert sp.simplify(tie.subs(v, tie_v)) == 0
    assert _check_jump(power, tie_v, stationary_v, objective, "p = 1 - r").method == "symbolic"
    wrong_root = _TwoPowers(power.root * 2, power.ratio, power.gap)  # mutated: twice the jump point
    with pytest.raises(VerificationError):
        _check_jump(wrong_root, tie_v, stationary_v, objective, "p = 1 - r")
    wrong_sign = _TwoPowers(power.root, -power.ratio, power.gap)  # x^(r+1) = -2 lambda r has no root x > 0
    with pytest.raises(VerificationError, match="exactly one root"):
        _check_jump(wrong_sign, tie_v, stationary_v, objective, "p = 1 - r")


def test_fraction_below_one_is_a_real_check() -> None:
    """``0 < x*/tau < 1`` for 0 < p < 1 is symbolic with p = 1/(1 + s); a fraction that exceeds 1 somewhere in
    (0, 1) fails (p/(1 - p) > 1 for p > 1/2)."""
    from derive.errors import VerificationError
    from proofs.lp_family import _check_fraction, p, r

    below, words, context = {p: 1 - r}, "p = 1 - r", p < 1
    fraction = 2 * (1 - p) / (2 - p)
    check = _check_fraction(fraction, fraction, below, words, context)
    assert check.method == "symbolic"
    # independent: 1 - fraction = p/(2 - p) at a grid of p in (0, 1)
    assert all(0 < float(fraction.subs(p, k / 100)) < 1 for k in range(1, 100))
    mutated = p / (1 - p)  # above 1 for p > 1/2
    with pytest.raises(VerificationError):
        _check_fraction(mutated, mutated, below, words, context)
