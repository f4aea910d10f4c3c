"""Convex conjugates, the Moreau decomposition and the Moreau envelope.

Each conjugate ``g*`` is derived by :func:`derive.conjugate.conjugate` from the
penalty's expression and compared with the conjugate in Beck, *First-Order
Methods in Optimization* (2017), ch. 4 (the examples of sec. 4.4 with the
scaling rule ``(lambda g)*(y) = lambda g*(y/lambda)``), written out below;
then checked by the Fenchel–Young inequality at seeded random pairs and its
equality at ``y = g'(x)``, and by the Moreau decomposition
``prox_g(v) + prox_{g*}(v) = v`` at seeded random points.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import mpmath
import pytest
import sympy as sp

from derive.catalogue import a_pos, b_pos, entry
from derive.conjugate import conjugate, moreau_envelope
from derive.symbols import a, b, c, delta, lam, mu, v, x

pytestmark = pytest.mark.usefixtures("mp50")

y = sp.Symbol("y", real=True)
INF = mpmath.inf
POINTS = 24


def _indicator(inside: bool) -> Any:
    return mpmath.mpf(0) if inside else INF


#: name -> the conjugate as an mpmath function of (y, parameters), with its source.
REFERENCES: dict[str, Callable[[Any, dict], Any]] = {
    # Beck 2017, sec. 4.4: |x|* = indicator of [-1, 1]; scaled: indicator of [-lam, lam]
    "abs": lambda t, p: _indicator(abs(t) <= p[lam]),
    # Beck 2017, sec. 4.4: ((1/2)x^2)* = (1/2)y^2; lam x^2 = (2 lam)(1/2)x^2 gives y^2/(4 lam)
    "square": lambda t, p: t**2 / (4 * p[lam]),
    # Beck 2017, sec. 4.4: max(x, 0)* = indicator of [0, 1]; scaled by lam
    "hinge": lambda t, p: _indicator(0 <= t <= p[lam]),
    # Beck 2017, sec. 4.4: the Huber function H_delta has conjugate y^2/2 + indicator of [-delta, delta]
    "huber": lambda t, p: t**2 / (2 * p[lam]) if abs(t) <= p[lam] * p[delta] else INF,
    # Beck 2017, sec. 4.4: the support function of [a, b]: max(a y, b y)
    "box": lambda t, p: max(p[a] * t, p[b] * t),
    # Beck 2017, sec. 4.4: the indicator of the nonnegative orthant has the indicator of y <= 0
    "nonneg": lambda t, p: _indicator(t <= 0),
    # Beck 2017, sec. 4.4: exp* = y log y - y (0 at 0); scaled: y log(y/lam) - y
    "exp": lambda t, p: (t * mpmath.log(t / p[lam]) - t) if t > 0 else (mpmath.mpf(0) if t == 0 else INF),
    # Beck 2017, sec. 4.4: (-log x)* = -1 - log(-y); scaled: -lam - lam log(-y/lam)
    "log-barrier": lambda t, p: -p[lam] - p[lam] * mpmath.log(-t / p[lam]) if t < 0 else INF,
    # Beck 2017, sec. 4.4: (x log x)* = exp(y - 1); scaled: lam exp(y/lam - 1)
    "neg-entropy": lambda t, p: p[lam] * mpmath.exp(t / p[lam] - 1),
    # the conjugate of lam|x| + (mu/2)x^2 is the Moreau-type infimal convolution: (|y| - lam)_+^2/(2 mu)
    # (Beck 2017, ch. 4: the conjugate of a sum with a quadratic is an infimal convolution, sec. 4.5)
    "elastic-net": lambda t, p: max(abs(t) - p[lam], 0) ** 2 / (2 * p[mu]),
    # Beck 2017, sec. 4.4: the pinball loss is the support function of [-b, a]: its conjugate the indicator
    "pinball": lambda t, p: _indicator(-p[b_pos] <= t <= p[a_pos]),
    # Beck 2017, sec. 4.4 (translation): (g(x - c))* = c y + g*(y)
    "abs-shift": lambda t, p: p[c] * t if abs(t) <= p[lam] else INF,
    # Beck 2017, sec. 4.4: the conjugate of the indicator of a set is its support function; for {c}: c y
    "point": lambda t, p: p[c] * t,
}
NAMES = list(REFERENCES)


def _draw(name: str, rng: random.Random) -> dict:
    e = entry(name)
    params: dict = {}
    for s in sorted(e.penalty.free_symbols - {x}, key=lambda q: q.name):
        if s.is_positive:
            params[s] = sp.Rational(rng.randint(50, 5000), 1000)
        else:
            params[s] = sp.Rational(rng.randint(-5000, 5000), 1000)
    if a in params and b in params and params[a] >= params[b]:
        params[a], params[b] = params[b] - 1, params[a]
    return params


@pytest.fixture(scope="module")
def derived() -> Callable[[str], Any]:
    cache: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in cache:
            e = entry(name)
            cache[name] = conjugate(e.penalty, x, y, assumptions=e.context)
        return cache[name]

    return get


def _value(expr: Any, point: dict) -> Any:
    value = sp.sympify(expr).subs(point)
    if value is sp.oo:
        return INF
    return mpmath.mpf(sp.N(value, 60))


def _mp(point: dict) -> dict:
    return {s: mpmath.mpf(val.p) / val.q for s, val in point.items()}


@pytest.mark.parametrize("name", NAMES)
def test_conjugate_matches_beck(name, derived, rng):
    d = derived(name)
    for _ in range(POINTS):
        params = _draw(name, rng)
        t = sp.Rational(rng.randint(-6000, 6000), 1000)
        got = _value(d.result, {**params, y: t})
        want = REFERENCES[name](mpmath.mpf(t.p) / t.q, _mp(params))
        if want == INF:
            assert got == INF, (name, params, t, got)
        else:
            assert abs(got - want) <= mpmath.mpf("1e-40") * (1 + abs(want)), (name, params, t, got, want)


@pytest.mark.parametrize("name", NAMES)
def test_fenchel_young(name, derived, rng):
    """g(x) + g*(y) >= x y at seeded random pairs; equality at y = g'(x) is a checked step of the derivation."""
    d = derived(name)
    e = entry(name)
    for _ in range(POINTS):
        params = _draw(name, rng)
        s, t = sp.Rational(rng.randint(-5000, 5000), 1000), sp.Rational(rng.randint(-5000, 5000), 1000)
        g = _value(e.penalty, {**params, x: s})
        conj = _value(d.result, {**params, y: t})
        if INF in (g, conj):
            continue
        assert g + conj >= mpmath.mpf(s.p) / s.q * (mpmath.mpf(t.p) / t.q) - mpmath.mpf("1e-40")
    assert any("Fenchel-Young equality" in step.reason for step in d.steps)


@pytest.mark.parametrize("name", NAMES)
def test_moreau_decomposition(name, derived, rng):
    """prox_g(v) + prox_{g*}(v) = v: a checked step, and again here at seeded points."""
    d = derived(name)
    e = entry(name)
    step = next(s for s in d.steps if s.reason.startswith("Moreau decomposition"))
    assert step.check.method == "numeric"
    own, dual = e.derive(), d.extra("moreau")
    for _ in range(POINTS):
        point = {**_draw(name, rng), v: sp.Rational(rng.randint(-10000, 10000), 1000)}
        total = _value(own.result, point) + _value(dual.result, point)
        assert abs(total - mpmath.mpf(point[v].p) / point[v].q) <= mpmath.mpf("1e-40"), (name, point)


def test_abs_conjugate_is_the_indicator_of_the_dual_ball(derived):
    """|x| gives the indicator of [-1, 1] (scaled: [-lambda, lambda]), exactly."""
    result = derived("abs").result
    assert result.subs(y, lam / 2) == 0 and result.subs(y, 2 * lam) is sp.oo and result.subs(y, -lam) == 0


def test_fenchel_young_at_a_kink_is_checked(derived):
    """The indicator of {c}: random x never lands in the domain; the equality is checked at the kink x = c."""
    step = next(s for s in derived("point").steps if "Fenchel-Young" in s.reason)
    assert "at a kink" in step.check.detail


def test_wrong_conjugate_fails_fenchel_young_at_the_kink():
    """Mutated: c y + 1 for the conjugate of the indicator of {c} (Beck's c y shifted) is rejected."""
    from derive.conjugate import _check_fenchel_young_at_kinks
    from derive.errors import VerificationError
    from derive.penalties import analyse

    e = entry("point")
    structure = analyse(e.penalty, x, assumptions=e.context)
    assert _check_fenchel_young_at_kinks(structure, y, c * y) > 0
    with pytest.raises(VerificationError, match="Fenchel-Young equality fails at the kink"):
        _check_fenchel_young_at_kinks(structure, y, c * y + 1)


def test_envelope_of_abs_is_the_huber_function():
    """min_x lam|x| + (x - v)^2/2 is the Huber function with parameter lam (Beck 2017, sec. 6.7; P&B sec. 3.1)."""
    envelope = moreau_envelope(lam * sp.Abs(x), x, v).result
    huber = sp.Piecewise((v**2 / 2, sp.Abs(v) <= lam), (lam * (sp.Abs(v) - lam / 2), True))
    for w in (-3 * lam, -lam, -lam / 3, 0, lam / 5, lam, 7 * lam / 2):
        assert sp.simplify(envelope.subs(v, w) - huber.subs(v, w)) == 0


def test_envelope_of_an_indicator_is_half_the_squared_distance():
    """The envelope of the indicator of [a, b] is dist(v, [a, b])^2/2 (Beck 2017, sec. 6.7)."""
    e = entry("box")
    envelope = moreau_envelope(e.penalty, x, v, assumptions=e.context).result
    distance = sp.Max(a - v, 0, v - b)
    for point in ({a: -1, b: 2, v: -3}, {a: -1, b: 2, v: 0}, {a: -1, b: 2, v: 5}, {a: 1, b: 4, v: 4}):
        assert sp.simplify(envelope.subs(point) - distance.subs(point) ** 2 / 2) == 0


# --------------------------------------------------------------------------
# Powers |x|^p, p > 1: the Legendre transform with the conjugate exponent q = p/(p - 1)
# --------------------------------------------------------------------------
POWERS = [sp.Rational(4, 3), sp.Rational(3, 2), sp.Integer(3), sp.Integer(4)]


def _power_reference(t: Any, weight: Any, p: Any) -> Any:
    """Beck 2017, sec. 4.4: (|x|^p/p)* = |y|^q/q with 1/p + 1/q = 1; lam|x|^p = (lam p)(|x|^p/p) and the
    scaling rule (alpha f)*(y) = alpha f*(y/alpha) (Beck 2017, Thm 4.14) give lam p (|y|/(lam p))^q / q."""
    q = p / (p - 1)
    return weight * p * (abs(t) / (weight * p)) ** q / q


@pytest.fixture(scope="module")
def powers() -> dict:
    return {p: conjugate(lam * sp.Abs(x) ** p, x, y) for p in POWERS}


@pytest.mark.parametrize("p", POWERS)
def test_power_conjugate_matches_beck(p, powers, rng):
    d = powers[p]
    assert not d.result.has(sp.Piecewise)  # one formula in |y|: the cases on either side of 0 were joined
    for _ in range(POINTS):
        weight = sp.Rational(rng.randint(50, 5000), 1000)
        t = sp.Rational(rng.randint(-6000, 6000), 1000)
        got = _value(d.result, {lam: weight, y: t})
        want = _power_reference(mpmath.mpf(t.p) / t.q, mpmath.mpf(weight.p) / weight.q, mpmath.mpf(p.p) / p.q)
        assert abs(got - want) <= mpmath.mpf("1e-40") * (1 + abs(want)), (p, weight, t, got, want)


@pytest.mark.parametrize("p", POWERS)
def test_power_fenchel_young_at_derived_points(p, powers, rng):
    """g(x) + g*(g'(x)) = x g'(x) (equality at the derived maximiser) and >= x y elsewhere."""
    d = powers[p]
    g = lam * sp.Abs(x) ** p
    slope = sp.diff(g, x)
    for _ in range(POINTS):
        point = {lam: sp.Rational(rng.randint(50, 5000), 1000), x: sp.Rational(rng.randint(-5000, 5000), 1000)}
        s = _value(slope, point)
        at = {lam: point[lam], y: sp.Rational(mpmath.nstr(s, 70))}
        gap = _value(g, point) + _value(d.result, at) - mpmath.mpf(point[x].p) / point[x].q * _value(y, at)
        assert abs(gap) <= mpmath.mpf("1e-30") * (1 + abs(_value(g, point)))
        other = {lam: point[lam], y: sp.Rational(rng.randint(-5000, 5000), 1000)}
        assert _value(g, point) + _value(d.result, other) >= _value(x * y, {**point, **other}) - mpmath.mpf("1e-40")
    assert any(step.reason.startswith("Moreau decomposition") for step in d.steps)


def test_x_to_the_fourth_without_abs():
    """lam*x^4 (no Abs) used to fail on x^(2/3) at the Moreau step; its conjugate is the p = 4 formula."""
    d = conjugate(lam * x**4, x, y)
    assert sp.simplify(d.result - conjugate(lam * sp.Abs(x) ** 4, x, y).result) == 0


def test_symbolic_power_conjugate_matches_beck(rng):
    from derive.conjugate import p_power, power_conjugate

    d = power_conjugate()
    q = sp.Symbol("q", positive=True)
    assert d.extra("q") == p_power / (p_power - 1)
    for _ in range(POINTS):
        p = sp.Rational(rng.randint(1050, 6000), 1000)
        weight = sp.Rational(rng.randint(50, 5000), 1000)
        t = sp.Rational(rng.randint(-6000, 6000), 1000)
        point = {p_power: p, lam: weight, y: t}
        want = _power_reference(*(mpmath.mpf(z.p) / z.q for z in (t, weight, p)))
        for expr in (d.result, d.extra("legendre").subs(q, p / (p - 1))):
            got = mpmath.mpf(sp.N(expr.subs(point), 60))
            assert abs(got - want) <= mpmath.mpf("1e-40") * (1 + abs(want)), (point, got, want)


@pytest.mark.parametrize("p", POWERS)
def test_symbolic_and_numeric_power_conjugates_agree(p, powers):
    from derive.conjugate import p_power, power_conjugate

    for w in (sp.Rational(1, 3), 2, sp.Rational(17, 4)):
        for t in (sp.Rational(-5, 2), 0, sp.Rational(7, 10)):
            values = [
                sp.N(expr.subs({lam: w, y: t, p_power: p}), 40)
                for expr in (power_conjugate().result, power_conjugate(p).result, powers[p].result)
            ]
            assert max(values) - min(values) <= sp.Float("1e-30") * (1 + abs(values[0]))


def test_wrong_power_conjugate_fails_fenchel_young():
    """Mutated: the exponent p where q belongs (|y|^p instead of |y|^q) is rejected by the check."""
    from derive.conjugate import _check_power_fenchel_young
    from derive.errors import VerificationError

    g = lam * sp.Abs(x) ** 3
    wrong = 2 * sp.sqrt(3) * sp.Abs(y) ** 3 / (9 * sp.sqrt(lam))
    with pytest.raises(VerificationError, match="Fenchel-Young"):
        _check_power_fenchel_young(g, wrong, x, y, sp.true)


def test_power_conjugate_rejects_p_at_most_one():
    from derive.conjugate import power_conjugate
    from derive.errors import AssumptionError

    with pytest.raises(AssumptionError, match="p > 1"):
        power_conjugate(sp.Integer(1))


# --------------------------------------------------------------------------
# The entries whose conjugate is built on the inverse of a non-affine g' (ridge sums, log cosh) and the box
# with a ridge: g* against a brute-force supremum, the Moreau decomposition against brute-force proxes
# --------------------------------------------------------------------------
#: name -> (g as an mpmath function of (x, parameters), its domain: "real", "positive" or "box"), typed from the
#: catalogue's descriptions (independent of derive)
PRIMALS: dict[str, tuple[Callable[[Any, dict], Any], str]] = {
    "log-barrier-ridge": (lambda t, p: -p[lam] * mpmath.log(t) + p[mu] * t**2 / 2, "positive"),
    "neg-entropy-ridge": (lambda t, p: p[lam] * t * mpmath.log(t) + p[mu] * t**2 / 2, "positive"),
    "box-ridge": (lambda t, p: p[mu] * t**2 / 2, "box"),
    "log-cosh": (lambda t, p: p[lam] * mpmath.log(mpmath.cosh(t)), "real"),
}
HARD = list(PRIMALS)
HARD_POINTS = 8


def _grid(domain: str, p: dict) -> list:
    """Points covering dom g: a geometric grid 1e-12 .. 1e4 (either sign on the real line), or [a, b]."""
    if domain == "box":
        lo, hi = p[a], p[b]
        return [lo + (hi - lo) * i / 400 for i in range(401)]
    positive = [mpmath.mpf(10) ** (mpmath.mpf(k) / 25 - 12) for k in range(401)]
    if domain == "positive":
        return positive
    return [-t for t in reversed(positive)] + [mpmath.mpf(0)] + positive


def _brute_sup(h: Callable[[Any], Any], xs: list) -> Any:
    """sup of a concave h over [xs[0], xs[-1]]: the best grid point, then golden-section search between its
    neighbours at 110 digits (the value is second-order in the error of the maximiser)."""
    from tests._brute import golden

    with mpmath.workdps(110):
        values = [h(t) for t in xs]
        best = max(range(len(xs)), key=values.__getitem__)
        left, right = xs[max(best - 1, 0)], xs[min(best + 1, len(xs) - 1)]
        at = golden(lambda t: -h(t), left, right, tol=mpmath.mpf(10) ** -45)
        return +h(at)


def _draw_hard(name: str, rng: random.Random) -> dict:
    params = _draw(name, rng)
    for s in (lam, mu):
        if s in params:  # keep the weights away from 0, where the maximisers leave the grid
            params[s] = sp.Rational(rng.randint(200, 5000), 1000)
    return params


@pytest.mark.parametrize("name", HARD)
def test_hard_conjugate_matches_brute_force_sup(name, derived, rng):
    """g*(y) = sup_x x y - g(x) by a brute-force maximisation at 110 digits (seeded y and parameters)."""
    d = derived(name)
    g, domain = PRIMALS[name]
    checked = 0
    for _ in range(HARD_POINTS):
        params = _draw_hard(name, rng)
        p = _mp(params)
        t = sp.Rational(rng.randint(-4000, 4000), 1000)
        if name == "log-cosh" and abs(t) >= params[lam] * sp.Rational(99, 100):
            # |y| >= lambda: x y - lambda log cosh x -> +oo along x = sign(y) oo (slope |y| - lambda >= 0 at oo,
            # and log cosh x < |x|): g* = +oo off [-lambda, lambda], checked with the derived value
            if abs(t) > params[lam]:
                assert _value(d.result, {**params, y: t}) == INF
            continue
        tm = mpmath.mpf(t.p) / t.q
        want = _brute_sup(lambda s, tm=tm, p=p: s * tm - g(s, p), _grid(domain, p))
        got = _value(d.result, {**params, y: t})
        assert abs(got - want) <= mpmath.mpf("1e-35") * (1 + abs(want)), (name, params, t, got, want)
        checked += 1
    assert checked >= HARD_POINTS // 2


def test_log_cosh_conjugate_at_the_edge_of_its_domain(derived):
    """g*(+-lambda) = lambda log 2: the limit of x lambda - lambda log cosh x as x -> oo (lower semicontinuity)."""
    result = derived("log-cosh").result
    for edge in (lam, -lam):
        assert sp.simplify(result.subs(y, edge) - lam * sp.log(2)) == 0
    assert result.subs({lam: 2, y: 3}) is sp.oo


def _brute_prox_of(h: Callable[[Any], Any], v_value: Any, xs: list) -> Any:
    from tests._brute import brute_force_prox

    return brute_force_prox(h, v_value, xs[0], xs[-1], tol="1e-40")


@pytest.mark.parametrize("name", HARD)
def test_hard_moreau_decomposition_by_brute_force(name, derived, rng):
    """prox_g(v) + prox_{g*}(v) = v with both proxes found by brute-force minimisation (g* the derived one),
    and the derived prox_{g*} equal to the brute-force one (its equation, where it has no closed form)."""
    d = derived(name)
    g, domain = PRIMALS[name]
    dual = d.extra("moreau")
    step = next(s for s in d.steps if s.reason.startswith("Moreau decomposition"))
    assert step.check.method == "numeric"
    conj = sp.lambdify((y, *sorted(d.parameters, key=lambda s: s.name)), _open(d), modules="mpmath")
    for _ in range(HARD_POINTS // 2):
        params = _draw_hard(name, rng)
        p = _mp(params)
        w = sp.Rational(rng.randint(-5000, 5000), 1000)
        wm = mpmath.mpf(w.p) / w.q
        args = [params[s] for s in sorted(d.parameters, key=lambda s: s.name)]
        x_star = _brute_prox_of(lambda s, p=p: g(s, p) if _in_domain(domain, s, p) else INF, wm, _grid(domain, p))
        dual_grid = _dual_grid(name, p)
        u_star = _brute_prox_of(lambda s, args=args: _finite(conj, s, args), wm, dual_grid)
        assert abs(x_star + u_star - wm) <= mpmath.mpf("1e-30") * (1 + abs(wm)), (name, params, w)
        point = {**params, v: w}
        derived_dual = dual.result.subs(point)
        if isinstance(derived_dual, sp.ConditionSet):  # log cosh: the equation holds at the brute-force point
            symbol, condition, _ = derived_dual.args
            at = {**point, symbol: sp.Float(mpmath.nstr(u_star, 60), 60)}
            residual = (condition.lhs - condition.rhs).subs(at)
            assert abs(sp.N(residual, 50)) <= sp.Float("1e-28"), (name, point, residual)
        else:
            assert abs(_value(derived_dual, {}) - u_star) <= mpmath.mpf("1e-30") * (1 + abs(u_star)), (name, point)


def _in_domain(domain: str, s: Any, p: dict) -> bool:
    if domain == "positive":
        return s > 0
    if domain == "box":
        return p[a] <= s <= p[b]
    return True


def _open(d: Any) -> Any:
    """g*'s finite formula (a Piecewise's cases of finite value, joined), for a lambdified evaluation."""
    result = d.result
    if not isinstance(result, sp.Piecewise):
        return result
    return sp.Piecewise(*[(value, cond) for value, cond in result.args if value is not sp.oo], (sp.oo, True))


def _finite(function: Callable[..., Any], s: Any, args: list) -> Any:
    try:
        value = function(s, *args)
    except (ValueError, ZeroDivisionError):
        return INF
    if isinstance(value, mpmath.mpc) or value != value:
        return INF
    return value


def _dual_grid(name: str, p: dict) -> list:
    """A bracket for prox_{g*}(v): inside (-lambda, lambda) for log cosh, [-60, 60] otherwise."""
    if name == "log-cosh":
        return [-p[lam] * (1 - mpmath.mpf(10) ** -30), p[lam] * (1 - mpmath.mpf(10) ** -30)]
    return [mpmath.mpf(-60), mpmath.mpf(60)]


def test_wrong_conjugate_fails_the_moreau_check_on_its_own_objective():
    """Mutated: the log cosh conjugate plus y^2/10 is rejected (v - prox_g(v) no longer minimises g* + (u - v)^2/2)."""
    from derive.conjugate import _dual_by_moreau
    from derive.errors import VerificationError
    from derive.penalties import analyse
    from derive.prox import prox

    e = entry("log-cosh")
    d = conjugate(e.penalty, x, y, assumptions=e.context)
    structure = analyse(e.penalty, x, assumptions=e.context)
    own = prox(e.penalty, x, v, assumptions=e.context)
    good = _dual_by_moreau(structure, d.cases, d.result, own, x, y, v)
    assert good.steps[-1].check.method == "numeric"
    with pytest.raises(VerificationError, match="not a minimiser"):
        _dual_by_moreau(structure, d.cases, d.result + y**2 / 10, own, x, y, v)


def test_wrong_conjugate_fails_fenchel_young_at_a_transcendental_slope():
    """Mutated: g* of the log-barrier ridge plus 1/10^6 fails Fenchel-Young at y = g'(x), evaluated numerically."""
    from derive.conjugate import _check_fenchel_young
    from derive.errors import VerificationError
    from derive.penalties import analyse

    e = entry("log-barrier-ridge")
    d = conjugate(e.penalty, x, y, assumptions=e.context)
    structure = analyse(e.penalty, x, assumptions=e.context)
    assert _check_fenchel_young(structure, list(d.cases), y, d.result).method == "numeric"
    wrong = [(value if value is sp.oo else value + sp.Rational(1, 10**6), region) for value, region in d.cases]
    with pytest.raises(VerificationError, match="Fenchel-Young equality fails"):
        _check_fenchel_young(structure, wrong, y, d.result + sp.Rational(1, 10**6))


def test_moreau_route_is_named_in_the_derivation(derived):
    """The ridge sums and log cosh take prox_{g*} = v - prox_g(v) checked on g*'s objective; |x| derives it."""
    for name in ("log-barrier-ridge", "neg-entropy-ridge", "log-cosh"):
        assert derived(name).extra("moreau").extra("route") == "moreau"
        assert any("checked on g*'s own objective" in s.reason for s in derived(name).steps)
    assert derived("abs").extra("moreau").extra("route") == "convex"
    assert derived("abs").extra("moreau").extra("convex_by").startswith("g* is a convex conjugate")


def test_envelope_of_power_4_3_crosses_zero_in_one_formula(rng):
    """|x|^(4/3): one prox formula for all v (x* changes sign inside the case); the envelope is checked against
    a brute-force minimum of lambda |x|^(4/3) + (x - v)^2/2."""
    from tests._brute import brute_force_prox

    e = entry("power-4/3")
    envelope = moreau_envelope(e.penalty, x, v, assumptions=e.context).result
    for _ in range(6):
        weight = sp.Rational(rng.randint(50, 5000), 1000)
        w = sp.Rational(rng.randint(-5000, 5000), 1000)
        wm, lm = mpmath.mpf(w.p) / w.q, mpmath.mpf(weight.p) / weight.q

        def objective(t, lm=lm, wm=wm):
            return lm * abs(t) ** (mpmath.mpf(4) / 3) + (t - wm) ** 2 / 2

        star = brute_force_prox(lambda t, lm=lm: lm * abs(t) ** (mpmath.mpf(4) / 3), wm, -6, 6, tol="1e-40")
        want = objective(star)
        got = _value(envelope, {lam: weight, v: w})
        assert abs(got - want) <= mpmath.mpf("1e-35") * (1 + abs(want)), (weight, w, got, want)


def test_envelope_of_log_cosh_says_why_there_is_no_closed_form():
    from derive.errors import NoClosedFormError

    e = entry("log-cosh")
    with pytest.raises(NoClosedFormError, match=r"no closed form .* numeric prox"):
        moreau_envelope(e.penalty, x, v, assumptions=e.context)
