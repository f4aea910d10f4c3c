"""derive.penalties.analyse: pieces, breakpoints, one-sided derivatives, three-valued facts."""

from __future__ import annotations

import pytest
import sympy as sp

from derive.errors import AssumptionError, UnsupportedPenaltyError
from derive.penalties import analyse, compare, sign_of
from derive.symbols import a, b, c, delta, lam, mu, x

HUBER = sp.Piecewise((x**2 / 2, sp.Abs(x) <= delta), (delta * (sp.Abs(x) - delta / 2), True))
BOX = sp.Piecewise((0, (x >= a) & (x <= b)), (sp.oo, True))

#: name -> (penalty, assumptions, [(breakpoint, g'(k-), g'(k+))], [expression on each piece])
EXPECTED = {
    "lasso": (lam * sp.Abs(x), sp.true, [(0, -lam, lam)], [-lam * x, lam * x]),
    "ridge_half": (lam * x**2 / 2, sp.true, [], [lam * x**2 / 2]),
    "ridge": (lam * x**2, sp.true, [], [lam * x**2]),
    "elastic_net": (
        lam * sp.Abs(x) + mu / 2 * x**2,
        sp.true,
        [(0, -lam, lam)],
        [-lam * x + mu * x**2 / 2, lam * x + mu * x**2 / 2],
    ),
    "hinge": (lam * sp.Max(x, 0), sp.true, [(0, 0, lam)], [sp.Integer(0), lam * x]),
    "huber": (
        HUBER,
        sp.true,
        [(-delta, -delta, -delta), (delta, delta, delta)],
        [-delta * x - delta**2 / 2, x**2 / 2, delta * x - delta**2 / 2],
    ),
    "box": (BOX, a < b, [(a, -sp.oo, 0), (b, 0, sp.oo)], [sp.oo, sp.Integer(0), sp.oo]),
    "shifted_lasso": (lam * sp.Abs(x - c), sp.true, [(c, -lam, lam)], [lam * (c - x), lam * (x - c)]),
}


@pytest.fixture(scope="module")
def structures():
    return {name: analyse(g, x, assumptions=ass) for name, (g, ass, _, _) in EXPECTED.items()}


def _same(first, second) -> bool:
    first, second = sp.sympify(first), sp.sympify(second)
    if first.is_infinite or second.is_infinite:
        return first == second
    return sp.simplify(first - second) == 0


@pytest.mark.parametrize("name", list(EXPECTED))
def test_breakpoints_and_one_sided_derivatives(name, structures):
    _, _, breakpoints, _ = EXPECTED[name]
    s = structures[name]
    assert len(s.breakpoints) == len(breakpoints)
    for k, (point, left, right) in zip(s.breakpoints, breakpoints, strict=True):
        assert _same(k.point, point)
        assert _same(k.left, left), (k, left)
        assert _same(k.right, right), (k, right)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_pieces(name, structures):
    _, _, breakpoints, pieces = EXPECTED[name]
    s = structures[name]
    assert len(s.pieces) == len(pieces) == len(breakpoints) + 1
    bounds = [-sp.oo, *[p for p, _, _ in breakpoints], sp.oo]
    for piece, expr, lo, hi in zip(s.pieces, pieces, bounds[:-1], bounds[1:], strict=True):
        assert _same(piece.expr, expr), (piece, expr)
        assert piece.finite == (expr is not sp.oo)
        assert piece.interval.left_open and piece.interval.right_open
        assert _same(piece.interval.start, lo) and _same(piece.interval.end, hi)


@pytest.mark.parametrize("name", list(EXPECTED))
def test_convex(name, structures):
    assert structures[name].convex is True


def test_kinks(structures):
    assert structures["lasso"].kinks == (0,)
    assert structures["elastic_net"].kinks == (0,)
    assert structures["hinge"].kinks == (0,)
    assert structures["huber"].kinks == ()  # differentiable: the breakpoints are not kinks
    assert structures["ridge"].kinks == ()
    assert structures["shifted_lasso"].kinks == (c,)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("ridge", True),
        ("ridge_half", True),
        ("huber", True),
        ("lasso", False),
        ("elastic_net", False),
        ("hinge", False),
    ],
)
def test_differentiable_at_zero(name, expected, structures):
    assert structures[name].differentiable_at(0) is expected


def test_box_ends_are_not_reported_differentiable(structures):
    s = structures["box"]
    assert s.differentiable_at(a) is not True
    assert s.differentiable_at(b) is not True
    assert s.differentiable_at((a + b) / 2) is True


def test_subdifferential_at(structures):
    assert structures["lasso"].subdifferential_at(sp.Integer(0)) == sp.Interval(-lam, lam)
    assert structures["lasso"].subdifferential_at(sp.Integer(2)) == sp.FiniteSet(lam)
    assert structures["huber"].subdifferential_at(delta) == sp.FiniteSet(delta)
    assert structures["box"].subdifferential_at(a) == sp.Interval(-sp.oo, 0)
    assert structures["box"].subdifferential_at(b) == sp.Interval(0, sp.oo)
    assert structures["box"].subdifferential_at(b + 1) == sp.S.EmptySet
    assert structures["box"].subdifferential_at(a - 1) == sp.S.EmptySet


def test_parameters_sorted_by_name(structures):
    assert structures["elastic_net"].parameters == (lam, mu)
    assert structures["box"].parameters == (a, b)


def test_indicator_without_order_assumption():
    """a and b are real with unknown order: the breakpoints cannot be ordered."""
    with pytest.raises(AssumptionError, match="assumptions"):
        analyse(BOX, x)


def test_non_convex_is_false_not_none():
    assert analyse(-sp.Abs(x), x).convex is False
    assert analyse(-(x**2), x).convex is False
    assert analyse(lam * sp.sqrt(sp.Abs(x)), x).convex is False


def test_rejections():
    with pytest.raises(AssumptionError, match="real=True"):
        analyse(sp.Symbol("k") * x**2, x)
    with pytest.raises(UnsupportedPenaltyError, match="not supported"):
        analyse(sp.gamma(x), x)


def test_compare_and_sign_of_are_three_valued():
    assert compare(-lam, lam) is True
    assert compare(lam, -lam) is False
    assert compare(a, b) is None
    assert compare(a, b, a < b) is True
    assert compare(-sp.oo, a) is True
    assert compare(lam, lam, strict=False) is True
    assert compare(lam, lam) is False
    assert sign_of(lam) == 1
    assert sign_of(-lam - mu) == -1
    assert sign_of(lam - lam) == 0
    assert sign_of(a) is None
    assert sign_of(b - a, a < b) == 1


# ---------------------------------------------------------------------------
# Regression tests for bugs found in derive/ (fixed)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "g",
    [sp.Piecewise((x, x < 0), (x + 1, True)), sp.Piecewise((1, x < 0), (0, True))],
    ids=["jump-up", "jump-down"],
)
def test_discontinuous_penalty_is_not_convex(g):
    assert analyse(g, x).convex is False


@pytest.mark.parametrize("name", ["shifted_lasso", "box"])
def test_differentiable_at_undecidable_point_is_none(name, structures):
    assert structures[name].differentiable_at(0) is None


def test_box_ends_are_kinks(structures):
    s = structures["box"]
    assert [k.kink for k in s.breakpoints] == [True, True]
    assert s.differentiable_at(a) is False


# ---------------------------------------------------------------------------
# Facts the catalogue relies on (non-convex penalties, parameter facts)
# ---------------------------------------------------------------------------
def test_a_point_with_another_value_stays_a_breakpoint():
    """The L0 penalty equals lambda on both sides of 0 but 0 at 0: the pieces are not merged."""
    s = analyse(lam * sp.Piecewise((0, sp.Eq(x, 0)), (1, True)), x)
    assert [k.point for k in s.breakpoints] == [0]
    assert s.breakpoints[0].value == 0
    assert s.convex is False  # the value jumps down at 0


def test_sign_of_uses_the_facts_through_positive_slacks():
    """a > 2 is written a = 2 + s (s > 0), so the sign of a*lambda - lambda and of -1/(a - 1) follow."""
    a_pos = sp.Symbol("a", positive=True)
    assert compare(lam, a_pos * lam) is None
    assert compare(lam, a_pos * lam, a_pos > 2) is True
    assert sign_of(-1 / (a_pos - 1), a_pos > 2) == -1
    assert sign_of(a_pos - 3, a_pos > 2) is None  # still undecided: not turned into False


def test_scad_is_recognised_as_non_convex_under_its_parameter_fact():
    a_pos = sp.Symbol("a", positive=True)
    scad = sp.Piecewise(
        (lam * sp.Abs(x), sp.Abs(x) <= lam),
        ((2 * a_pos * lam * sp.Abs(x) - x**2 - lam**2) / (2 * (a_pos - 1)), sp.Abs(x) <= a_pos * lam),
        (lam**2 * (a_pos + 1) / 2, True),
    )
    assert analyse(scad, x, assumptions=a_pos > 2).convex is False
