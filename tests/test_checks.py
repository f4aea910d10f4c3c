"""derive.checks: the step checks prove true statements and reject false ones."""

from __future__ import annotations

import pytest
import sympy as sp

from derive.checks import (
    POINTS,
    check_derivative,
    check_equal,
    check_equivalent,
    check_member,
    check_true,
    decide,
    is_zero,
    sample_points,
)
from derive.errors import VerificationError
from derive.symbols import a, b, lam, mu, v, x

SOFT_CASES = sp.Piecewise((v + lam, v < -lam), (0, v <= lam), (v - lam, True))
SOFT_COMPACT = sp.sign(v) * sp.Max(sp.Abs(v) - lam, 0)


# ---------------------------------------------------------------------------
# check_equal
# ---------------------------------------------------------------------------
def test_check_equal_symbolic_identity():
    check = check_equal((x + 1) ** 2, x**2 + 2 * x + 1)
    assert check.method == "symbolic"


def test_check_equal_falls_back_to_numeric_for_the_soft_threshold():
    """Case-wise soft threshold vs sign(v) max(|v| - lam, 0): simplify cannot decide it."""
    check = check_equal(SOFT_CASES, SOFT_COMPACT)
    assert check.method == "numeric"
    assert f"{POINTS} points" in check.detail
    assert "50 digits" in check.detail


def test_check_equal_rejects_a_mutated_threshold():
    """The checks can fail: the soft threshold at 2*lam is not the prox of lam*|x|."""
    wrong = sp.sign(v) * sp.Max(sp.Abs(v) - 2 * lam, 0)
    with pytest.raises(VerificationError, match="is false at"):
        check_equal(SOFT_CASES, wrong)


def test_check_equal_rejects_a_false_polynomial_identity():
    with pytest.raises(VerificationError):
        check_equal((x + 1) ** 2, x**2 + 1)


def test_check_equal_rejects_tiny_relative_error():
    """A relative error of 1e-30 is far above the 1e-40 tolerance of the numeric checks."""
    with pytest.raises(VerificationError):
        check_equal(SOFT_CASES, SOFT_CASES * (1 + sp.Rational(1, 10**30)))


def test_check_equal_under_a_condition():
    # |x| = x only where x >= 0: true under the condition, false without it
    check = check_equal(sp.Abs(x), x, condition=x > 0)
    assert check.method == "numeric"
    with pytest.raises(VerificationError):
        check_equal(sp.Abs(x), x)


def test_check_equal_numbers():
    assert check_equal(sp.sqrt(2) ** 2, 2).method == "symbolic"
    with pytest.raises(VerificationError):
        check_equal(sp.pi, sp.Rational(22, 7))


def test_check_equal_sets():
    assert check_equal(sp.Interval(-lam, lam), sp.Interval(-lam, lam)).method == "symbolic"
    assert check_equal(sp.Interval(-lam, lam), sp.Interval(-2 * lam + lam, lam)).method == "symbolic"
    with pytest.raises(VerificationError, match="endpoints"):
        check_equal(sp.Interval(-lam, lam), sp.Interval.open(-lam, lam))
    with pytest.raises(VerificationError):
        check_equal(sp.Interval(-lam, lam), sp.Interval(-lam, 2 * lam))
    with pytest.raises(VerificationError):
        check_equal(sp.FiniteSet(lam), sp.S.EmptySet)


# ---------------------------------------------------------------------------
# check_member
# ---------------------------------------------------------------------------
def test_check_member_symbolic():
    assert check_member(0, sp.Interval(-lam, lam)).method == "symbolic"
    assert check_member(lam, sp.Interval(-lam, lam)).method == "symbolic"


def test_check_member_rejects_outside_point():
    with pytest.raises(VerificationError, match="not in"):
        check_member(2 * lam, sp.Interval(-lam, lam))
    with pytest.raises(VerificationError):
        check_member(-lam - 1, sp.Interval(-lam, lam))


def test_check_member_numeric_under_condition():
    # the soft threshold's upper branch lies in (0, oo) exactly when v > lam
    check = check_member(v - lam, sp.Interval.open(0, sp.oo), condition=v > lam)
    assert check.method == "numeric"
    with pytest.raises(VerificationError):
        check_member(v - lam, sp.Interval.open(0, sp.oo), condition=v > lam / 2)


def test_check_member_respects_open_endpoints():
    with pytest.raises(VerificationError):
        check_member(lam, sp.Interval.open(0, lam), condition=lam > 1)


# ---------------------------------------------------------------------------
# check_derivative
# ---------------------------------------------------------------------------
def test_check_derivative_on_a_piece():
    check = check_derivative(lam * sp.Abs(x) + mu * x**2 / 2, lam + mu * x, x, region=sp.Interval.open(0, sp.oo))
    assert check.method == "numeric"
    assert "central" in check.detail


def test_check_derivative_rejects_a_mutated_derivative():
    with pytest.raises(VerificationError, match="disagrees"):
        check_derivative(lam * sp.Abs(x) + mu * x**2 / 2, lam + 2 * mu * x, x, region=sp.Interval.open(0, sp.oo))
    # sign(x) is the derivative on x > 0 only up to the weight
    with pytest.raises(VerificationError):
        check_derivative(lam * sp.Abs(x), sp.sign(x), x, region=sp.Interval.open(0, sp.oo))


def test_check_derivative_one_sided_at_a_kink():
    assert check_derivative(lam * sp.Abs(x), -lam, x, at=0, side=-1).method == "numeric"
    assert check_derivative(lam * sp.Abs(x), lam, x, at=0, side=1).method == "numeric"
    with pytest.raises(VerificationError):
        check_derivative(lam * sp.Abs(x), lam, x, at=0, side=-1)
    with pytest.raises(VerificationError):
        # the two-sided "derivative" sign(0) = 0 is not a one-sided derivative
        check_derivative(lam * sp.Abs(x), 0, x, at=0, side=1)


def test_check_derivative_with_parameters_at_a_symbolic_point():
    """Parameters and the location are substituted together (one compiled evaluator for all points)."""
    assert check_derivative(lam * sp.Abs(x - mu), lam, x, at=mu, side=1).method == "numeric"
    with pytest.raises(VerificationError, match="disagrees"):
        check_derivative(lam * sp.Abs(x - mu), -lam, x, at=mu, side=1)
    smooth = sp.log(1 + lam * x**2)
    assert check_derivative(smooth, 2 * lam * x / (1 + lam * x**2), x, region=sp.Interval.open(0, 5)).method == (
        "numeric"
    )
    with pytest.raises(VerificationError, match="disagrees"):
        check_derivative(smooth, lam * x / (1 + lam * x**2), x, region=sp.Interval.open(0, 5))


def test_check_derivative_infinite_only_at_the_edge_of_the_domain():
    indicator = sp.Piecewise((0, x >= 0), (sp.oo, True))
    assert check_derivative(indicator, -sp.oo, x, at=0, side=-1).method == "numeric"
    with pytest.raises(VerificationError, match="finite just beyond"):
        check_derivative(lam * sp.Abs(x), -sp.oo, x, at=0, side=-1)


# ---------------------------------------------------------------------------
# sample_points and the small deciders
# ---------------------------------------------------------------------------
def test_sample_points_respect_assumptions_and_condition():
    points = sample_points([lam, x], x > lam)
    assert len(points) == POINTS
    for point in points:
        assert set(point) == {lam, x}
        assert all(isinstance(value, sp.Rational) for value in point.values())
        assert point[lam] > 0
        assert sp.Rational(1, 20) <= point[lam] <= 20
        assert -10 <= point[x] <= 10
        assert point[x] > point[lam]


def test_sample_points_are_seeded():
    assert sample_points([lam, v], count=10) == sample_points([lam, v], count=10)
    assert sample_points([lam, v], count=10, seed=1) != sample_points([lam, v], count=10, seed=2)


def test_sample_points_with_order_condition():
    points = sample_points([a, b], a < b, count=12)
    assert len(points) == 12
    assert all(p[a] < p[b] for p in points)


def test_sample_points_impossible_condition():
    with pytest.raises(VerificationError, match="could not find points"):
        sample_points([lam], lam < 0, count=10, max_tries=200)


def test_is_zero_and_decide_are_three_valued():
    assert is_zero(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1) is True
    assert is_zero(lam) is False
    assert is_zero(x) is None
    assert decide(lam > 0) is True
    assert decide(lam < 0) is False
    assert decide(x > 0) is None


def test_is_zero_skips_simplify_when_a_point_shows_a_nonzero_value(monkeypatch):
    """A seeded point where the value is certainly nonzero proves the expression is not identically 0."""
    calls = []
    original = sp.simplify

    def counting(expr, *args, **kwargs):
        calls.append(expr)
        return original(expr, *args, **kwargs)

    monkeypatch.setattr(sp, "simplify", counting)
    eps = sp.Symbol("epsilon", positive=True)
    assert is_zero(sp.log(1 + x / eps) - sp.log(1 - x / eps)) is None  # evalf witness
    assert is_zero(sp.Max(x, 0) - sp.Abs(x)) is None  # exact (Fraction) witness
    assert calls == []
    # identically zero: no witness, so simplify runs and proves it
    assert is_zero(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1) is True
    assert calls


def test_nonzero_witness_respects_assumptions_and_accuracy():
    from derive.checks import _nonzero_somewhere

    n = sp.Symbol("n", integer=True)
    assert _nonzero_somewhere(sp.sin(sp.pi * n)) is False  # integers are not sampled: no witness
    assert _nonzero_somewhere(sp.sin(x) ** 2 + sp.cos(x) ** 2 - 1) is False  # 0 to evalf's accuracy
    assert _nonzero_somewhere(sp.sqrt(x**2) - x) is True  # x < 0 at some seeded point
    assert _nonzero_somewhere(sp.Max(lam, 0) - lam) is False  # exactly 0 at every point
    assert _nonzero_somewhere(x - x + lam - lam) is False


def test_check_true():
    assert check_true(lambda: True, "fact").method == "symbolic"
    with pytest.raises(VerificationError, match="false"):
        check_true(lambda: False, "fact")
    with pytest.raises(VerificationError, match="could not decide"):
        check_true(lambda: None, "fact")


def test_check_equivalent():
    assert check_equivalent(x > 1, x - 1 > 0).method == "symbolic"
    with pytest.raises(VerificationError):
        check_equivalent(x > 1, x > 2)


# ---------------------------------------------------------------------------
# Compiled mpmath evaluation (evaluate_mpmath, mpmath_function, decide_at, shown_zero)
# ---------------------------------------------------------------------------
_COMPILED_CASES = [
    lam * sp.Abs(x) ** sp.Rational(4, 3) + (x - v) ** 2 / 2,
    sp.Piecewise((x + lam, x < -lam), (0, x <= lam), (x - lam, True)),
    sp.sqrt(lam) * sp.exp(-x) + sp.log(lam) * sp.cos(x) - sp.pi * sp.atan(x),
    sp.sign(x) * sp.Max(sp.Abs(x) - lam, 0) + sp.Min(x, lam) ** 3,
    (lam + sp.sqrt(lam**2 + x**2)) ** sp.Rational(1, 3) - x ** sp.Rational(-5, 2) * sp.Float("0.3", 90),
]


@pytest.mark.parametrize("expr", _COMPILED_CASES)
def test_mpmath_function_agrees_with_lambdify(expr):
    """The generated mpmath code against SymPy's lambdify (the reference it replaces), at 40 digits."""
    import mpmath

    from derive.checks import mpmath_function

    symbols = (x, lam)
    ours = mpmath_function(expr, symbols)
    theirs = sp.lambdify(symbols, expr, modules="mpmath")
    with mpmath.workdps(40):
        for at_x, at_lam in [("0.7", "1.3"), ("-2.25", "0.5"), ("3", "7"), ("1e-3", "2")]:
            args = (mpmath.mpf(at_x), mpmath.mpf(at_lam))
            if expr.has(v):
                continue
            assert mpmath.almosteq(ours(*args), theirs(*args), rel_eps=mpmath.mpf(10) ** -35)


@pytest.mark.parametrize("expr", _COMPILED_CASES)
def test_evaluate_mpmath_matches_evalf_to_the_digits_claimed(expr):
    from derive.checks import evaluate_mpmath

    for point in sample_points(sorted(expr.free_symbols, key=str), count=8):
        if expr.has(x ** sp.Rational(-5, 2)) and point[x] <= 0:
            continue  # complex there: no real value (checked below)
        fast = evaluate_mpmath(expr, point, digits=55)
        reference = sp.N(expr.xreplace(point), 70)
        assert fast is not None
        assert abs(sp.Float(fast, 55) - reference) <= sp.Float(10) ** -54 * max(1, abs(reference))


def test_evaluate_mpmath_declines_what_it_cannot_certify():
    """Complex values, cancellation to 0 (the two precisions disagree) and unknown functions are left to SymPy."""
    from derive.checks import evaluate_mpmath

    assert evaluate_mpmath(sp.sqrt(x), {x: sp.Integer(-4)}) is None  # complex
    cube = lam ** sp.Rational(1, 3)
    zero = (cube + 1) ** 3 - lam - 3 * cube**2 - 3 * cube - 1  # identically 0: only rounding is left
    assert evaluate_mpmath(zero, {lam: sp.Integer(2)}) is None
    assert evaluate_mpmath(sp.gamma(lam), {lam: sp.Rational(1, 2)}) is None  # not compiled
    assert evaluate_mpmath(1 / x, {x: sp.Integer(0)}) is None  # zoo


def test_decide_at_is_exact_when_rational_and_refuses_ties():
    from derive.checks import decide_at

    assert decide_at(x < lam, {x: sp.Rational(1, 3), lam: sp.Rational(1, 3)}) is False  # exact tie, rational
    assert decide_at(x <= lam, {x: sp.Rational(1, 3), lam: sp.Rational(1, 3)}) is True
    assert decide_at(sp.sqrt(x) < sp.sqrt(2) * lam, {x: sp.Integer(2), lam: sp.Integer(1)}) is None  # a tie
    assert decide_at(sp.sqrt(x) < sp.sqrt(2) * lam, {x: sp.Integer(2), lam: sp.Rational(1001, 1000)}) is True
    assert decide_at(sp.Eq(sp.sqrt(x), sp.sqrt(2)), {x: sp.Integer(3)}) is False


def test_a_piecewise_branch_is_not_chosen_on_rounding_error():
    """At the break v = sqrt(2 lambda) the compiled comparison refuses to decide; SymPy decides (branch 2)."""
    expr = sp.Piecewise((1, v < sp.sqrt(2 * lam)), (2, True))
    value = check_equal(expr.xreplace({v: sp.sqrt(2 * lam)}), 2)
    assert value.method == "symbolic"
    from derive.checks import _evaluate, evaluate_mpmath

    tie = {v: sp.Integer(2), lam: sp.Integer(2)}  # v = sqrt(2)*sqrt(2): the condition v < 2 is false
    assert evaluate_mpmath(expr, tie) is None  # the compiled comparison refuses to decide the tie
    assert float(_evaluate(expr, tie)) == 2.0  # SymPy decides it exactly: the second branch
    assert float(_evaluate(expr, {v: sp.Rational(199, 100), lam: sp.Integer(2)})) == 1.0


def test_shown_zero_agrees_with_is_zero_on_true():
    from derive.checks import shown_zero

    cases = [
        (sp.sqrt(lam**2) - lam, True),
        (sp.sqrt(x**2) - x, False),  # |x| - x is not identically zero
        ((x + 1) ** 2 - x**2 - 2 * x - 1, True),
        (SOFT_CASES - SOFT_COMPACT, False),  # zero, but simplify cannot show it
    ]
    for expr, expected in cases:
        assert shown_zero(expr) is expected
        assert (is_zero(expr) is True) is expected


def test_check_derivative_of_a_fractional_power_uses_the_compiled_values_and_can_fail():
    g = lam * sp.Abs(x) ** sp.Rational(4, 3)
    good = sp.Rational(4, 3) * lam * sp.Abs(x) ** sp.Rational(1, 3) * sp.sign(x)
    check = check_derivative(g, good, x, region=sp.Interval.open(0, 5))
    assert "compiled mpmath" in check.detail and "50 digits" in check.detail
    with pytest.raises(VerificationError):  # mutated: the exponent 1/3 replaced by 1/2
        check_derivative(g, sp.Rational(4, 3) * lam * sp.Abs(x) ** sp.Rational(1, 2), x, region=sp.Interval.open(0, 5))
    # at the kink the quotient converges slowly; the exact limit is taken once with lambda symbolic
    right = check_derivative(g, 0, x, at=0, side=1)
    assert "SymPy took its limit exactly" in right.detail
    with pytest.raises(VerificationError):
        check_derivative(g, lam, x, at=0, side=1)


def test_check_member_of_a_finite_set_under_a_condition_uses_exact_values_then_a_tolerance() -> None:
    """a in {a} under a < b: the sampled -188/125 is not a binary float, yet it is a member (box-ridge's prox of g*)."""
    a_, b_ = sp.symbols("a b", real=True)
    check_member(a_, sp.FiniteSet(a_), condition=a_ < b_)
    check_member(a_ / 3, sp.FiniteSet(a_ / 3, b_), condition=a_ < b_)
    with pytest.raises(VerificationError):
        check_member(a_ + sp.Rational(1, 10**6), sp.FiniteSet(a_), condition=a_ < b_)
