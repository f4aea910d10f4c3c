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
