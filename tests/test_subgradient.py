"""subdifferential: claimed sets against numerical derivatives of the penalty itself.

Independent truth: the penalty (the *input*) is turned into an mpmath function
with ``sympy.lambdify(..., "mpmath")`` and differentiated with ``mpmath.diff``
at 50 digits: central differences inside each smooth piece, one-sided ones
(``direction=+-1``) at the kinks, where for a convex g the subdifferential is
[g'(k-), g'(k+)] (Rockafellar, Convex Analysis, 1970, Thm 24.1).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import mpmath
import pytest
import sympy as sp

from derive.errors import AssumptionError, NonConvexError, UnsupportedPenaltyError
from derive.subgradient import subdifferential
from derive.symbols import a, b, c, delta, lam, mu, x

try:
    from tests._brute import rel_error, to_mpf
except ImportError:  # tests/ on sys.path rather than the project root
    from _brute import rel_error, to_mpf

pytestmark = pytest.mark.usefixtures("mp50")

TOLERANCE = mpmath.mpf("1e-30")
HUBER = sp.Piecewise((x**2 / 2, sp.Abs(x) <= delta), (delta * (sp.Abs(x) - delta / 2), True))
BOX = sp.Piecewise((0, (x >= a) & (x <= b)), (sp.oo, True))


# Dyadic rationals: exactly representable in binary, so a kink k is the same
# number for mpmath at every working precision (mpmath.diff raises its
# precision internally; a decimal k would sit a hair off the kink).
def _positive(rng: random.Random) -> sp.Rational:
    return sp.Rational(rng.randint(1, 5 * 1024), 1024)


def _real(rng: random.Random, bound: int = 5) -> sp.Rational:
    return sp.Rational(rng.randint(-1024 * bound, 1024 * bound), 1024)


def _ordered_pair(rng: random.Random) -> dict:
    first, second = _real(rng), _real(rng)
    while first == second:
        second = _real(rng)
    return {a: min(first, second), b: max(first, second)}


#: name -> (penalty, assumptions, parameter draw, the breakpoints as they must be)
PENALTIES: dict[str, tuple[sp.Expr, Any, Callable[[random.Random], dict], tuple]] = {
    "lasso": (lam * sp.Abs(x), sp.true, lambda r: {lam: _positive(r)}, (0,)),
    "hinge": (lam * sp.Max(x, 0), sp.true, lambda r: {lam: _positive(r)}, (0,)),
    "elastic_net": (
        lam * sp.Abs(x) + mu / 2 * x**2,
        sp.true,
        lambda r: {lam: _positive(r), mu: _positive(r)},
        (0,),
    ),
    "huber": (HUBER, sp.true, lambda r: {delta: _positive(r)}, (-delta, delta)),
    "box": (BOX, a < b, _ordered_pair, (a, b)),
    "shifted_lasso": (lam * sp.Abs(x - c), sp.true, lambda r: {lam: _positive(r), c: _real(r)}, (c,)),
    "ridge": (lam * x**2 / 2, sp.true, lambda r: {lam: _positive(r)}, ()),
}


@pytest.fixture(scope="module")
def derived() -> Callable[[str], Any]:
    cache: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in cache:
            g, assumptions, _, _ = PENALTIES[name]
            cache[name] = subdifferential(g, x, assumptions=assumptions)
        return cache[name]

    return get


def mp_function(g: sp.Expr, params: dict) -> Callable[[mpmath.mpf], Any]:
    """The penalty with the parameters fixed, as an mpmath function of x (lambdify, not derive)."""
    return sp.lambdify(x, g.subs(params), "mpmath")


def numbers(s: sp.Set) -> tuple:
    """A concrete interval or singleton as (lo, hi) mpf endpoints."""
    if isinstance(s, sp.FiniteSet):
        assert len(s) == 1, s
        (p,) = s.args
        return to_mpf(sp.N(p, 60)), to_mpf(sp.N(p, 60))
    assert isinstance(s, sp.Interval), s
    return to_mpf(sp.N(s.start, 60)), to_mpf(sp.N(s.end, 60))


# ---------------------------------------------------------------------------
# Exact statements
# ---------------------------------------------------------------------------
def test_lasso_subdifferential_exact(derived):
    d = derived("lasso")
    assert d.result.subs(x, 0) == sp.Interval(-lam, lam)
    assert d.result.subs(x, sp.Rational(3, 2)) == sp.FiniteSet(lam)
    assert d.result.subs(x, -7) == sp.FiniteSet(-lam)
    t = sp.Symbol("t", positive=True)
    assert d.result.subs(x, t) == sp.FiniteSet(lam)
    assert d.result.subs(x, -t) == sp.FiniteSet(-lam)
    assert d.extra("at_zero") == sp.Interval(-lam, lam)
    # sign(0) = 0 is never offered as "the" subgradient
    assert d.result.subs(x, 0) != sp.FiniteSet(0)


def test_hinge_subdifferential_exact(derived):
    d = derived("hinge")
    assert d.result.subs(x, 0) == sp.Interval(0, lam)
    assert d.result.subs(x, 2) == sp.FiniteSet(lam)
    assert d.result.subs(x, -2) == sp.FiniteSet(0)


def test_elastic_net_subdifferential_exact(derived):
    d = derived("elastic_net")
    assert d.result.subs(x, 0) == sp.Interval(-lam, lam)
    assert sp.simplify(d.result.subs(x, 2).args[0] - (lam + 2 * mu)) == 0
    assert sp.simplify(d.result.subs(x, -2).args[0] - (-lam - 2 * mu)) == 0


def test_huber_is_singleton_everywhere(derived):
    d = derived("huber")
    for value, region in d.cases:
        assert isinstance(value, sp.FiniteSet) and len(value) == 1, (value, region)
    assert d.result.subs(x, 0) == sp.FiniteSet(0)
    assert d.result.subs(x, delta) == sp.FiniteSet(delta)
    assert d.result.subs(x, -delta) == sp.FiniteSet(-delta)
    assert d.result.subs(x, 3 * delta) == sp.FiniteSet(delta)
    assert d.result.subs(x, delta / 2) == sp.FiniteSet(delta / 2)


def test_box_normal_cone(derived):
    """The subdifferential of the indicator of [a, b] is its normal cone."""
    d = derived("box")
    point = {a: sp.Rational(-1, 2), b: sp.Integer(2)}
    result = d.result.subs(point)
    assert result.subs(x, point[a]) == sp.Interval(-sp.oo, 0)
    assert result.subs(x, point[b]) == sp.Interval(0, sp.oo)
    assert result.subs(x, 1) == sp.FiniteSet(0)
    assert result.subs(x, -3) == sp.S.EmptySet
    assert result.subs(x, 5) == sp.S.EmptySet
    # with symbolic endpoints, from the cases
    cases = dict((region, value) for value, region in d.cases)
    assert cases[sp.FiniteSet(a)] == sp.Interval(-sp.oo, 0)
    assert cases[sp.FiniteSet(b)] == sp.Interval(0, sp.oo)
    assert cases[sp.Interval.open(a, b)] == sp.FiniteSet(0)
    assert cases[sp.Interval.open(-sp.oo, a)] == sp.S.EmptySet
    assert cases[sp.Interval.open(b, sp.oo)] == sp.S.EmptySet


def test_smooth_penalty_gives_a_single_set(derived):
    d = derived("ridge")
    assert d.result == sp.FiniteSet(lam * x)


# ---------------------------------------------------------------------------
# Numerical derivatives of the penalty
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", [n for n in PENALTIES if n != "ridge"])
def test_breakpoints_are_where_they_must_be(name, derived):
    _, _, _, expected = PENALTIES[name]
    kinks = [region.args[0] for _, region in derived(name).cases if isinstance(region, sp.FiniteSet)]
    assert len(kinks) == len(expected)
    for got, want in zip(kinks, expected, strict=True):
        assert sp.simplify(got - want) == 0


@pytest.mark.parametrize("name", list(PENALTIES))
def test_singletons_match_numeric_derivative(name, derived, rng):
    """Inside every piece the claimed {g'(x)} is mpmath.diff of the penalty."""
    g, _, draw, _ = PENALTIES[name]
    d = derived(name)
    checked = 0
    for _ in range(8):
        params = draw(rng)
        f = mp_function(g, params)
        for value, region in d.cases:
            region = region.subs(params)
            if isinstance(region, sp.FiniteSet):
                continue
            lo, hi = max(region.start, sp.Integer(-30)), min(region.end, sp.Integer(30))
            for _ in range(4):
                # keep away from the ends so the central difference stays on the piece
                t = lo + (hi - lo) * sp.Rational(rng.randint(10, 990), 1000)
                claimed = value.subs(params).subs(x, t)
                if claimed is sp.S.EmptySet:  # outside the domain: g = +oo there
                    assert f(to_mpf(t)) == mpmath.inf
                    continue
                (lo_c, hi_c) = numbers(claimed)
                assert lo_c == hi_c
                numeric = mpmath.diff(f, to_mpf(t))
                assert rel_error(lo_c, numeric) <= TOLERANCE, (name, params, t, claimed, numeric)
                checked += 1
    assert checked >= 30


@pytest.mark.parametrize("name", [n for n in PENALTIES if n != "ridge"])
def test_kink_intervals_match_one_sided_derivatives(name, derived, rng):
    """At a breakpoint k the claimed set is [g'(k-), g'(k+)] (-oo/+oo where g = +oo beyond k)."""
    g, _, draw, _ = PENALTIES[name]
    d = derived(name)
    for _ in range(10):
        params = draw(rng)
        f = mp_function(g, params)
        for value, region in d.cases:
            if not isinstance(region, sp.FiniteSet):
                continue
            k = region.subs(params).args[0]
            claimed = value.subs(params)
            lo_c, hi_c = numbers(claimed)
            km = to_mpf(k)
            step = mpmath.mpf("1e-30")
            if f(km - step) == mpmath.inf:
                assert lo_c == -mpmath.inf
            else:
                assert rel_error(lo_c, mpmath.diff(f, km, direction=-1)) <= TOLERANCE, (name, k, claimed)
            if f(km + step) == mpmath.inf:
                assert hi_c == mpmath.inf
            else:
                assert rel_error(hi_c, mpmath.diff(f, km, direction=1)) <= TOLERANCE, (name, k, claimed)


@pytest.mark.parametrize("name", list(PENALTIES))
def test_every_step_is_checked(name, derived):
    d = derived(name)
    methods = [s.check.method for s in d.steps]
    assert set(methods) <= {"symbolic", "numeric", "definition", "cited"}
    assert "symbolic" in methods


# ---------------------------------------------------------------------------
# Refusals
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "g",
    [-sp.Abs(x), -(x**2), lam * sp.sqrt(sp.Abs(x)), sp.Abs(x) - 2 * sp.Max(x, 0) - sp.Abs(x - 1)],
    ids=["-|x|", "-x^2", "lam*sqrt|x|", "concave-kinks"],
)
def test_non_convex_raises(g):
    with pytest.raises(NonConvexError, match="not convex"):
        subdifferential(g, x)


@pytest.mark.parametrize(
    "g",
    [sp.Piecewise((x, x < 0), (x + 1, True)), sp.Piecewise((1, x < 0), (0, True))],
    ids=["jump-up", "jump-down"],
)
def test_discontinuous_penalty_does_not_silently_succeed(g):
    """A jump is not convex; whichever part notices, the derivation must not complete."""
    from derive.errors import VerificationError

    with pytest.raises((NonConvexError, VerificationError)):
        subdifferential(g, x)


def test_parameter_without_real_assumption():
    k = sp.Symbol("k")
    with pytest.raises(AssumptionError, match=r"real=True"):
        subdifferential(k * sp.Abs(x), x)


def test_variable_without_real_assumption():
    y = sp.Symbol("y")
    with pytest.raises(AssumptionError, match="real"):
        subdifferential(sp.Abs(y), y)


def test_unsupported_function():
    with pytest.raises(UnsupportedPenaltyError, match="not supported") as info:
        subdifferential(sp.gamma(x), x)
    assert not isinstance(info.value, NonConvexError)


# ---------------------------------------------------------------------------
# Regression tests for bugs found in derive/ (fixed)
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["shifted_lasso", "box"])
def test_at_zero_is_not_the_whole_line(name, derived):
    d = derived(name)
    at_zero = d.extra("at_zero")
    assert at_zero != sp.S.Reals
    # what it should be: the result at x = 0
    assert at_zero == d.result.subs(x, 0)


# --------------------------------------------------------------------------------------------
# The convexity requirement goes through derive.validate.validate_convex (issue 7)
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("penalty", "witness"),
    [
        (-sp.Abs(x), "at x = 0 the slope drops from 1 to -1"),
        (-(x**2), "the second derivative -2 is negative"),
        (sp.Max(sp.Abs(x), 1) - 2 * sp.Abs(x), "the slope drops"),
    ],
)
def test_non_convex_penalty_names_a_witness(penalty, witness):
    with pytest.raises(NonConvexError) as info:
        subdifferential(penalty, x)
    message = str(info.value)
    assert witness in message
    assert message.endswith("the subdifferential and the convex prox need a convex penalty")


def test_undecided_convexity_names_the_assumption_to_add():
    c = sp.Symbol("c", real=True)
    with pytest.raises(AssumptionError, match=r"add positive=True to c \(Symbol\('c', positive=True\)\)"):
        subdifferential(c * sp.Abs(x), x)
    # with the assumption it derives (the message's fix works)
    fixed = subdifferential(sp.Symbol("c", positive=True) * sp.Abs(x), x)
    assert fixed.extra("at_zero") == sp.Interval(-sp.Symbol("c", positive=True), sp.Symbol("c", positive=True))
