"""prox: the derived proximal operators against independent references.

Each penalty is derived once per module (derivations take seconds).  The
derived ``result`` is evaluated at exact rational points with 50 digits and
compared with

* a brute-force minimiser of g(x) + (x - v)^2/2 (``tests/_brute.py``:
  grid scan + golden-section search in mpmath, no code from ``derive``), and
* the textbook closed form, written out below with its source.

Convention throughout: prox_g(v) = argmin_x g(x) + (1/2)(x - v)^2.
"""

from __future__ import annotations

import itertools
import random
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import pytest
import sympy as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from derive.errors import NonConvexError
from derive.prox import prox
from derive.subgradient import subdifferential
from derive.symbols import a, b, c, delta, lam, mu, v, x

try:
    from tests._brute import brute_force_prox, rel_error, to_mpf
except ImportError:  # tests/ on sys.path rather than the project root
    from _brute import brute_force_prox, rel_error, to_mpf

pytestmark = pytest.mark.usefixtures("mp50")

ALLOWED_METHODS = {"symbolic", "numeric", "definition", "cited"}
#: Agreement required with the brute-force minimiser (relative, absolute near 0).
BRUTE_TOLERANCE = mpmath.mpf("1e-20")
#: Agreement required with the textbook formula (both evaluated at 50 digits).
TEXTBOOK_TOLERANCE = mpmath.mpf("1e-40")
#: Random points per penalty (on top of the region boundaries).
RANDOM_POINTS = 30
#: Bracket of the brute-force search: |v| <= 10 and |parameters| <= 5 keep
#: every minimiser well inside.
BRACKET = (-40, 40)


# ---------------------------------------------------------------------------
# Textbook references (mpmath, written independently of derive/)
# ---------------------------------------------------------------------------
def soft(v_: mpmath.mpf, t: mpmath.mpf) -> mpmath.mpf:
    """Soft thresholding sign(v) max(|v| - t, 0).

    Parikh & Boyd, Proximal Algorithms (2014), sec. 6.5.2; Beck, First-Order
    Methods in Optimization (2017), Example 6.8.
    """
    return mpmath.sign(v_) * max(abs(v_) - t, 0)


def ridge_half_ref(v_, p):
    """prox of (lam/2) x^2 is v/(1 + lam): Parikh & Boyd (2014), sec. 6.1.1 (quadratics)."""
    return v_ / (1 + p[lam])


def ridge_ref(v_, p):
    """prox of lam x^2 = (2 lam)/2 x^2 is v/(1 + 2 lam): Parikh & Boyd (2014), sec. 6.1.1."""
    return v_ / (1 + 2 * p[lam])


def lasso_ref(v_, p):
    return soft(v_, p[lam])


def enet_ref(v_, p):
    """prox of lam|x| + (mu/2) x^2 is soft(v, lam)/(1 + mu): Parikh & Boyd (2014), sec. 6.5 (elastic net)."""
    return soft(v_, p[lam]) / (1 + p[mu])


def hinge_ref(v_, p):
    """prox of lam max(x, 0): v - lam if v > lam, 0 if 0 <= v <= lam, v if v < 0.

    (Beck 2017, Ch. 6: scalar prox from the optimality condition; the 'one-sided
    soft threshold'.)
    """
    if v_ > p[lam]:
        return v_ - p[lam]
    if v_ >= 0:
        return mpmath.mpf(0)
    return v_


def huber_ref(v_, p):
    """prox of the unit-weight Huber function H_delta: v/2 if |v| <= 2 delta, else v - delta sign(v).

    (Quadratic zone: x - v + x = 0; linear zone: x - v + delta sign(x) = 0; cf.
    Beck 2017, sec. 6.7 and Parikh & Boyd 2014, sec. 6.5.)
    """
    if abs(v_) <= 2 * p[delta]:
        return v_ / 2
    return v_ - p[delta] * mpmath.sign(v_)


def box_ref(v_, p):
    """The prox of the indicator of [a, b] is the projection min(max(v, a), b).

    Parikh & Boyd (2014), sec. 6.2 (box); Beck (2017), Lemma 6.26.
    """
    return min(max(v_, p[a]), p[b])


def shift_ref(v_, p):
    """prox of g(x - c) is c + prox_g(v - c) (Beck 2017, sec. 6.3, translation rule)."""
    return p[c] + soft(v_ - p[c], p[lam])


# ---------------------------------------------------------------------------
# The penalties under test
# ---------------------------------------------------------------------------
def _positive(rng: random.Random) -> sp.Rational:
    return sp.Rational(rng.randint(1, 5000), 1000)


def _real(rng: random.Random, bound: int = 5) -> sp.Rational:
    return sp.Rational(rng.randint(-1000 * bound, 1000 * bound), 1000)


def _ordered_pair(rng: random.Random) -> dict[sp.Symbol, sp.Rational]:
    first, second = _real(rng), _real(rng)
    while first == second:
        second = _real(rng)
    return {a: min(first, second), b: max(first, second)}


HUBER = sp.Piecewise((x**2 / 2, sp.Abs(x) <= delta), (delta * (sp.Abs(x) - delta / 2), True))
BOX = sp.Piecewise((0, (x >= a) & (x <= b)), (sp.oo, True))


@dataclass(frozen=True)
class Spec:
    expr: sp.Expr
    assumptions: Any
    #: g as an mpmath function, given the parameter values (mpf) by symbol.
    mp_g: Callable[[dict], Callable[[mpmath.mpf], Any]]
    reference: Callable[[mpmath.mpf, dict], mpmath.mpf]
    draw: Callable[[random.Random], dict]
    #: v at the region boundaries, given the (SymPy Rational) parameters.
    boundaries: Callable[[dict], list]


SPECS: dict[str, Spec] = {
    "lasso": Spec(
        lam * sp.Abs(x),
        sp.true,
        lambda p: lambda t: p[lam] * abs(t),
        lasso_ref,
        lambda rng: {lam: _positive(rng)},
        lambda p: [-p[lam], sp.Integer(0), p[lam]],
    ),
    "ridge_half": Spec(
        lam * x**2 / 2,
        sp.true,
        lambda p: lambda t: p[lam] * t**2 / 2,
        ridge_half_ref,
        lambda rng: {lam: _positive(rng)},
        lambda p: [sp.Integer(0)],
    ),
    "ridge": Spec(
        lam * x**2,
        sp.true,
        lambda p: lambda t: p[lam] * t**2,
        ridge_ref,
        lambda rng: {lam: _positive(rng)},
        lambda p: [sp.Integer(0)],
    ),
    "elastic_net": Spec(
        lam * sp.Abs(x) + mu / 2 * x**2,
        sp.true,
        lambda p: lambda t: p[lam] * abs(t) + p[mu] / 2 * t**2,
        enet_ref,
        lambda rng: {lam: _positive(rng), mu: _positive(rng)},
        lambda p: [-p[lam], sp.Integer(0), p[lam]],
    ),
    "hinge": Spec(
        lam * sp.Max(x, 0),
        sp.true,
        lambda p: lambda t: p[lam] * max(t, 0),
        hinge_ref,
        lambda rng: {lam: _positive(rng)},
        lambda p: [sp.Integer(0), p[lam]],
    ),
    "huber": Spec(
        HUBER,
        sp.true,
        lambda p: lambda t: t**2 / 2 if abs(t) <= p[delta] else p[delta] * (abs(t) - p[delta] / 2),
        huber_ref,
        lambda rng: {delta: _positive(rng)},
        lambda p: [-2 * p[delta], -p[delta], sp.Integer(0), p[delta], 2 * p[delta]],
    ),
    "box": Spec(
        BOX,
        a < b,
        lambda p: lambda t: 0 if p[a] <= t <= p[b] else mpmath.inf,
        box_ref,
        _ordered_pair,
        lambda p: [p[a], p[b], (p[a] + p[b]) / 2],
    ),
    "shifted_lasso": Spec(
        lam * sp.Abs(x - c),
        sp.true,
        lambda p: lambda t: p[lam] * abs(t - p[c]),
        shift_ref,
        lambda rng: {lam: _positive(rng), c: _real(rng)},
        lambda p: [p[c] - p[lam], p[c], p[c] + p[lam]],
    ),
}
NAMES = list(SPECS)


@pytest.fixture(scope="module")
def derived() -> Callable[[str], Any]:
    """``derived(name)``: the prox derivation of a penalty, computed once per module."""
    cache: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in cache:
            spec = SPECS[name]
            cache[name] = prox(spec.expr, x, v, assumptions=spec.assumptions)
        return cache[name]

    return get


def points(spec: Spec, rng: random.Random) -> list[dict[sp.Symbol, sp.Rational]]:
    """RANDOM_POINTS random (v, parameters) points plus v at the region boundaries."""
    out = []
    for _ in range(RANDOM_POINTS):
        params = spec.draw(rng)
        out.append({**params, v: _real(rng, 10)})
    for _ in range(3):
        params = spec.draw(rng)
        out += [{**params, v: w} for w in spec.boundaries(params)]
    return out


def evaluate(expr: Any, point: dict) -> mpmath.mpf:
    """The derived expression at an exact rational point, evaluated to 50 digits."""
    value = sp.sympify(expr).subs(point)
    assert not value.free_symbols, f"{expr} did not evaluate at {point}: {value}"
    return to_mpf(sp.N(value, 60))


def mp_params(point: dict) -> dict:
    return {s: to_mpf(val) for s, val in point.items() if s != v}


def shown(point: dict) -> str:
    return ", ".join(f"{s}={val}" for s, val in point.items())


# ---------------------------------------------------------------------------
# Results against independent truth
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_prox_matches_brute_force(name, derived, rng):
    spec, d = SPECS[name], derived(name)
    for point in points(spec, rng):
        got = evaluate(d.result, point)
        want = brute_force_prox(spec.mp_g(mp_params(point)), point[v], *BRACKET)
        assert rel_error(got, want) <= BRUTE_TOLERANCE, f"{name} at {shown(point)}: derived {got}, brute force {want}"


@pytest.mark.parametrize("name", NAMES)
def test_prox_matches_textbook_formula(name, derived, rng):
    spec, d = SPECS[name], derived(name)
    for point in points(spec, rng):
        got = evaluate(d.result, point)
        want = spec.reference(to_mpf(point[v]), mp_params(point))
        assert rel_error(got, want) <= TEXTBOOK_TOLERANCE, f"{name} at {shown(point)}: derived {got}, textbook {want}"


@pytest.mark.parametrize("name", NAMES)
def test_each_case_agrees_with_the_assembled_result(name, derived, rng):
    """Every (value, region) case gives the textbook value for v inside its region."""
    spec, d = SPECS[name], derived(name)
    assert d.cases, "a prox derivation lists its cases"
    for _ in range(5):
        params = spec.draw(rng)
        for value, region in d.cases:
            concrete = region.subs(params)
            if isinstance(concrete, sp.FiniteSet):
                samples = list(concrete.args)
            else:
                lo = max(concrete.start, sp.Integer(-20))
                hi = min(concrete.end, sp.Integer(20))
                samples = [lo + (hi - lo) * sp.Rational(k, 7) for k in range(1, 7)]
            for w in samples:
                point = {**params, v: w}
                want = spec.reference(to_mpf(w), mp_params(point))
                assert rel_error(evaluate(value, point), want) <= TEXTBOOK_TOLERANCE, (name, value, region, point)


@pytest.mark.parametrize(
    ("name", "zero_set", "threshold"),
    [
        ("lasso", sp.Interval(-lam, lam), lam),
        ("elastic_net", sp.Interval(-lam, lam), lam),
        ("hinge", sp.Interval(0, lam), lam),
        ("ridge_half", sp.FiniteSet(0), 0),
        ("ridge", sp.FiniteSet(0), 0),
        ("huber", sp.FiniteSet(0), 0),
    ],
)
def test_zero_set_and_threshold(name, zero_set, threshold, derived):
    """L1-type penalties map a whole interval to 0 (sparsity); smooth ones only v = 0."""
    d = derived(name)
    assert d.extra("zero_set") == zero_set
    assert sp.simplify(d.extra("threshold") - threshold) == 0


@pytest.mark.parametrize("name", ["lasso", "elastic_net"])
def test_compact_form_is_the_textbook_soft_threshold(name, derived, rng):
    spec, d = SPECS[name], derived(name)
    compact = d.extra("compact")
    assert compact.has(sp.sign) and compact.has(sp.Max)
    for point in points(spec, rng):
        want = spec.reference(to_mpf(point[v]), mp_params(point))
        assert rel_error(evaluate(compact, point), want) <= TEXTBOOK_TOLERANCE, shown(point)


def test_lasso_result_symbolically():
    """The lasso prox equals sign(v) max(|v| - lam, 0) case by case (SymPy, no sampling)."""
    d = prox(lam * sp.Abs(x), x, v)
    reference = sp.sign(v) * sp.Max(sp.Abs(v) - lam, 0)
    for value, region in d.cases:
        t = sp.Dummy("t", positive=True)
        # Parametrise the region by t > 0 and compare with the reference there.
        if region == sp.Interval.open(-sp.oo, -lam):
            at = -lam - t
        elif region == sp.Interval(-lam, lam):
            for w in (-lam, -lam / 3, sp.Integer(0), lam / 2, lam):
                assert sp.simplify(value.subs(v, w) - reference.subs(v, w)) == 0
            continue
        else:
            assert region == sp.Interval.open(lam, sp.oo)
            at = lam + t
        assert sp.simplify(value.subs(v, at) - reference.subs(v, at)) == 0


@pytest.mark.parametrize("name", ["hinge", "box", "huber", "ridge"])
def test_no_compact_form_when_not_odd_with_a_dead_zone(name, derived):
    with pytest.raises(KeyError, match="known"):
        derived(name).extra("compact")


@settings(max_examples=25, deadline=None, database=None)
@given(
    v_=st.fractions(min_value=-20, max_value=20, max_denominator=1000),
    lam_=st.fractions(min_value=Fraction(1, 1000), max_value=10, max_denominator=1000),
)
def test_soft_threshold_property(lasso_derivation, v_, lam_):
    """At hypothesis-drawn rationals the derived lasso prox is the brute-force minimiser."""
    point = {v: sp.Rational(v_.numerator, v_.denominator), lam: sp.Rational(lam_.numerator, lam_.denominator)}
    with mpmath.workdps(50):  # the function-scoped mp50 fixture is not reset between examples
        got = evaluate(lasso_derivation.result, point)
        weight = to_mpf(lam_)
        want = brute_force_prox(lambda t: weight * abs(t), v_, -40, 40)
        assert rel_error(got, want) <= BRUTE_TOLERANCE
    # and the prox is 0 exactly on the dead zone |v| <= lam
    assert (got == 0) == (abs(v_) <= lam_)


@pytest.fixture(scope="module")
def lasso_derivation(derived):
    return derived("lasso")


# ---------------------------------------------------------------------------
# The derivation itself
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", NAMES)
def test_every_step_is_checked(name, derived):
    d = derived(name)
    assert d.steps
    methods = [step.check.method for step in d.steps]
    assert set(methods) <= ALLOWED_METHODS
    assert "symbolic" in methods
    assert sum(d.methods.values()) == len(d.steps)
    # a prox derivation applies Fermat's rule, a cited theorem
    assert d.methods.get("cited", 0) >= 1
    assert d.variable == v


def test_subgradient_at_zero_is_the_interval_not_sign_zero(derived):
    """sign(0) = 0 is one subgradient of |x| at 0, not the subdifferential."""
    sub = subdifferential(lam * sp.Abs(x), x)
    assert sub.result.subs(x, 0) == sp.Interval(-lam, lam)
    assert sub.extra("at_zero") == sp.Interval(-lam, lam)
    assert not any(
        isinstance(part, sp.Basic) and part.has(sp.sign)
        for step in sub.steps
        for part in (step.statement.lhs, step.statement.rhs)
    )
    d = derived("lasso")
    # the prox derivation states the full interval at the kink ...
    assert any(step.statement.rhs == sp.Interval(-lam, lam) for step in d.steps)
    # ... and sign() appears only in the final compact rewriting (sign(v), not a subgradient)
    with_sign = [
        i
        for i, step in enumerate(d.steps)
        if any(isinstance(p, sp.Basic) and p.has(sp.sign) for p in (step.statement.lhs, step.statement.rhs))
    ]
    assert with_sign == [len(d.steps) - 1]


@pytest.mark.parametrize(
    "g",
    [-sp.Abs(x), -(x**2), lam * sp.sqrt(sp.Abs(x))],
    ids=["-|x|", "-x^2", "lam*sqrt|x|"],
)
def test_prox_refuses_non_convex_penalties(g):
    with pytest.raises(NonConvexError, match="not convex"):
        prox(g, x, v)


def test_numeric_view_if_available(derived):
    """Derivation.numeric() (derive/numeric.py, written separately) agrees with soft thresholding."""
    pytest.importorskip("derive.numeric")
    np = pytest.importorskip("numpy")
    f = derived("lasso").numeric()
    grid = np.linspace(-5, 5, 101)
    expected = np.sign(grid) * np.maximum(np.abs(grid) - 1.5, 0)
    assert np.allclose(f(grid, 1.5), expected, rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------
# Regression tests for bugs found in derive/ (fixed)
# ---------------------------------------------------------------------------
def test_zero_set_of_smooth_penalty_with_breakpoint_at_zero():
    d = prox(sp.Max(x, 0) ** 2 / 2, x, v)
    assert d.result.subs(v, 0) == 0  # the result itself is right ...
    assert d.extra("zero_set") == sp.FiniteSet(0)  # ... the zero set is not


def test_huber_cases_cover_the_real_line(derived):
    d = derived("huber")
    # SymPy does not merge intervals with symbolic ends, so check the partition directly:
    # consecutive regions meet, exactly one of them contains the meeting point.
    regions = [region for _, region in d.cases]
    assert regions[0].start == -sp.oo and regions[-1].end == sp.oo
    for left, right in itertools.pairwise(regions):
        assert sp.simplify(left.end - right.start) == 0
        assert left.right_open != right.left_open
    assert sp.Union(*regions).subs(delta, 1) == sp.S.Reals


# ---------------------------------------------------------------------------
# Numbers for the numeric checks
# ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    "number",
    [sp.Rational(1, 3), sp.sqrt(2) / 3, sp.log(3), sp.exp(sp.Rational(-1, 7)), sp.oo, -sp.oo, 1 + sp.sqrt(-2)],
)
def test_constant_is_the_compiled_value(number):
    """_constant (evalf) gives the value the compiled mpmath function gives, without compiling one."""
    from derive.prox import _constant, _mp

    assert _constant(number) == _mp(number, {})


def test_constant_of_nan_and_a_symbol():
    from derive.errors import VerificationError
    from derive.prox import _constant

    assert mpmath.isnan(_constant(sp.nan)) and mpmath.isnan(_constant(sp.zoo))
    with pytest.raises(VerificationError, match="does not evaluate"):
        _constant(lam + 1)


# --------------------------------------------------------------------------
# convex_by: convexity cited from a theorem instead of decided from the expression
# --------------------------------------------------------------------------
COSH_QUARTIC = x**4 / 4 + lam * (sp.cosh(mu) - 1) * x**2  # convex (cosh(mu) >= 1), which SymPy cannot decide
COSH_REASON = "cosh(mu) >= 1, so x^4/4 + lambda (cosh(mu) - 1) x^2 is a sum of convex terms"


def test_convex_by_takes_the_convex_route_and_cites_the_reason(rng):
    """Without convex_by the convexity of the quartic is undecided; with it the derivation records the reason as
    a cited step, and the result is the brute-force minimiser of g(x) + (x - v)^2/2."""
    from derive.errors import AssumptionError

    with pytest.raises(AssumptionError, match="cannot decide whether"):
        prox(COSH_QUARTIC, x, v)
    d = prox(COSH_QUARTIC, x, v, convex_by=COSH_REASON)
    cited = [s for s in d.steps if s.statement.words == "g is convex"]
    assert [(s.check.method, s.reason) for s in cited] == [("cited", COSH_REASON)]
    assert d.extra("convex_by") == COSH_REASON and d.extra("route") == "convex"
    for _ in range(8):
        point = {lam: sp.Rational(rng.randint(50, 5000), 1000), mu: sp.Rational(rng.randint(-3000, 3000), 1000)}
        w = sp.Rational(rng.randint(-8000, 8000), 1000)
        weight = to_mpf(point[lam]) * (mpmath.cosh(to_mpf(point[mu])) - 1)
        want = brute_force_prox(lambda t, weight=weight: t**4 / 4 + weight * t**2, w, -30, 30)
        got = to_mpf(sp.N(d.result.subs({**point, v: w}), 60))
        assert rel_error(got, want) <= mpmath.mpf("1e-25"), (point, w)


def test_convex_by_does_not_change_a_decidable_derivation():
    """For lambda|x| the result is the same; only the convexity step changes (decided -> cited)."""
    plain, cited = prox(lam * sp.Abs(x), x, v), prox(lam * sp.Abs(x), x, v, convex_by="a norm is convex")
    assert plain.result == cited.result and len(plain.steps) == len(cited.steps)
    changed = [(p.check.method, c.check.method) for p, c in zip(plain.steps, cited.steps, strict=True) if p != c]
    assert changed == [("symbolic", "cited")]
    with pytest.raises(KeyError):
        plain.extra("convex_by")


def test_a_false_convexity_claim_is_caught_by_the_checks():
    """Mutated: x^4/4 + a x^2 with a real is not convex for a < -1/2; citing convexity does not make it so."""
    from derive.errors import VerificationError

    a_real = sp.Symbol("a", real=True)
    with pytest.raises(VerificationError):
        prox(x**4 / 4 + a_real * x**2, x, v, convex_by="a false claim")


@pytest.mark.parametrize(
    ("options", "match"),
    [
        ({"convex_by": ""}, "non-empty reason"),
        ({"convex_by": 3}, "non-empty reason"),
        ({"convex_by": "r", "route": "global"}, "contradicts"),
    ],
)
def test_convex_by_is_validated(options, match):
    from derive.errors import OptionError

    with pytest.raises(OptionError, match=match):
        prox(lam * sp.Abs(x), x, v, **options)


# -- the speed-ups of issue 7 keep the answers -------------------------------------------------------------------


@pytest.mark.parametrize(
    "g",
    [
        lam * sp.Abs(x),  # kink at 0: the zero set is the kink's region [-lambda, lambda]
        lam * sp.Abs(x) ** sp.Rational(3, 2),  # pieces on either side of 0, kink region {0}
        lam * x**4,  # one piece containing 0: v = 0 + g'(0)
        lam * x**2 + sp.Abs(x - 1),  # kink away from 0, the piece (-oo, 1) contains 0
        sp.Max(x - 1, 0) * lam,  # zero slope left of 1: x* = 0 at v = 0 only
    ],
)
def test_zero_set_from_the_checked_ranges_matches_solving(g):
    """The zero set read off the steps' ranges is the one solveset finds on the cases (independent route)."""
    from derive.core import DerivationBuilder
    from derive.prox import _prox_cases, _zero_set_from_ranges, analysed, zero_set_of

    structure = analysed(g, x)
    cases, ranges = _prox_cases(structure, v, DerivationBuilder("t", assumptions=(x, v, *structure.parameters)))
    fast = _zero_set_from_ranges(ranges, v)
    assert fast is not None
    assert fast == zero_set_of(cases, v)


def test_zero_set_from_ranges_refuses_what_it_cannot_decide():
    """A piece containing 0 whose formula is not 0 at v = g'(0), a kink of unknown sign, or a piece straddling 0
    without its stationary value, give None (then the cases are solved)."""
    from derive.prox import _zero_set_from_ranges

    open_line = sp.Interval.open(-sp.oo, sp.oo)
    assert _zero_set_from_ranges([(open_line, open_line, v / 3, sp.Integer(0))], v) == sp.FiniteSet(0)
    assert _zero_set_from_ranges([(open_line, open_line, v / 3 + 1, sp.Integer(0))], v) is None  # mutated formula
    assert _zero_set_from_ranges([(open_line, open_line, v / 3, None)], v) is None
    kink = sp.FiniteSet(a)  # a real symbol: neither shown 0 nor nonzero
    assert _zero_set_from_ranges([(sp.FiniteSet(a), kink, a, None)], v) is None


def test_off_root_witness():
    """A root valid only for v < 0 (piece x < 0 of lambda |x|^(3/2)) leaves the equation nonzero for some v > 0;
    a root valid for every v (x^2 penalty) leaves none; a mutated root is caught."""
    from derive.prox import _off_root_witness

    linear = 2 * lam * x - v + x
    assert not _off_root_witness(linear, x, v / (2 * lam + 1))
    assert _off_root_witness(linear, x, v / (2 * lam + 2))  # mutated
    piece = 3 * lam * (-x) ** sp.Rational(3, 2) / (2 * x) - v + x
    root = -((-3 * lam / 4 + sp.sqrt(9 * lam**2 - 16 * v) / 4) ** 2)
    assert _off_root_witness(piece, x, root)


def test_lazy_candidates_give_the_same_choice():
    """The candidates are built one by one, in the order of :func:`derive.roots.root_formulas`: the same root
    is chosen as when all are built first (the first that passes at the points)."""
    from derive.prox import region_points, solve_stationarity
    from derive.roots import iter_root_formulas, root_formulas

    t = sp.Symbol("t", positive=True)
    quartic = t**4 - v * t + 2 * lam / 3
    assert [f.expr for f in iter_root_formulas(quartic, t)] == [f.expr for f in root_formulas(quartic, t)]
    equation = 2 * lam / (3 * x ** sp.Rational(1, 3)) - v + x
    interval = sp.Interval.open(sp.Integer(1), sp.oo)
    region = sp.Interval.open(2 * lam + 1, sp.oo)
    points = region_points(region, v, {lam, v}, count=8)
    solution = solve_stationarity(equation, x, interval, points)
    assert solution.rule.startswith("Ferrari")
    # independent: the root solves the equation at a point, against mpmath's findroot
    at = {lam: sp.Rational(1, 2), v: sp.Integer(5)}
    value = mpmath.mpf(sp.N(solution.root.subs(at), 50))
    reference = mpmath.findroot(lambda s: 1 / (3 * mpmath.cbrt(s)) - 5 + s, 4.5)
    assert abs(value - reference) < mpmath.mpf(10) ** -40
