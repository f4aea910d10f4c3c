"""The convex catalogue: every derived prox against brute force and a published formula.

Each entry of :mod:`derive.catalogue` that is convex is derived once per
module (``route="auto"`` picks the convex algorithm) and its result is
evaluated at 24 seeded random points (v and parameters, exact rationals, 50
digits) and compared with

* the brute-force minimiser of g(x) + (x - v)^2/2 (``tests/_brute.py``:
  grid scan + golden section in mpmath, no code from ``derive``), to 1e-10
  relative, and
* the closed form from a published table, written out below with the entry
  it comes from, to 1e-30.

Convention throughout: prox_g(v) = argmin_x g(x) + (1/2)(x - v)^2, the
weight lambda inside g.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mpmath
import numpy as np
import pytest
import sympy as sp

from derive.catalogue import CATALOGUE, a_pos, b_pos, catalogue_rows, entry, names
from derive.cli import main
from derive.errors import OptionError, VerificationError
from derive.numeric_prox import numeric_prox
from derive.symbols import a, b, c, delta, lam, mu, v

try:
    from tests._brute import brute_force_prox, rel_error, to_mpf
except ImportError:  # tests/ on sys.path rather than the project root
    from _brute import brute_force_prox, rel_error, to_mpf

pytestmark = pytest.mark.usefixtures("mp50")

#: Agreement required with the brute-force minimiser (relative, absolute near 0).
BRUTE_TOLERANCE = mpmath.mpf("1e-10")
#: Agreement required with the published formula (both evaluated at 50 digits).
TABLE_TOLERANCE = mpmath.mpf("1e-30")
#: Random (v, parameters) points per entry.
POINTS = 24
BRACKET = (-40, 40)


# ---------------------------------------------------------------------------
# Published formulas (mpmath, written independently of derive/)
# ---------------------------------------------------------------------------
def sgn(t):
    return mpmath.sign(t)


def soft(t, k):
    """sign(t) max(|t| - k, 0): Beck 2017, Example 6.8; Parikh & Boyd 2014, sec. 6.5.2."""
    return sgn(t) * max(abs(t) - k, 0)


def cdv_power(p):
    """prox of gamma*|x|^p for p in {4/3, 3/2, 3, 4}.

    Combettes, Dung and Vu, "Dualization of signal recovery problems" (Set-Valued
    Var. Anal. 2010), Example 2.15 (also Chaux, Combettes, Pesquet and Wajs,
    Inverse Problems 2007, Example 4.9).
    """

    def ref(t, g):
        if p == sp.Rational(4, 3):
            rho = mpmath.sqrt(t**2 + 256 * g**3 / 729)
            return t + 4 * g / (3 * mpmath.cbrt(2)) * (mpmath.cbrt(abs(rho - t)) - mpmath.cbrt(abs(rho + t)))
        if p == sp.Rational(3, 2):
            return t + 9 * g**2 * sgn(t) * (1 - mpmath.sqrt(1 + 16 * abs(t) / (9 * g**2))) / 8
        if p == 3:
            return sgn(t) * (mpmath.sqrt(1 + 12 * g * abs(t)) - 1) / (6 * g)
        rho = mpmath.sqrt(t**2 + 1 / (27 * g))
        return mpmath.cbrt(abs((rho + t) / (8 * g))) - mpmath.cbrt(abs((rho - t) / (8 * g)))

    return ref


def huber_ref(t, wt, d):
    """prox of wt*H_d (H_d the Huber function): t/(1 + wt) if |t| <= d(1 + wt), else t - wt d sign(t).

    Beck 2017, sec. 6.7 (the Huber function as a Moreau envelope); Parikh & Boyd 2014, sec. 6.5.
    """
    return t / (1 + wt) if abs(t) <= d * (1 + wt) else t - wt * d * sgn(t)


def berhu_ref(t, wt, d):
    """prox of wt*B_d, B_d the reverse Huber (berHu) of Owen 2007: soft(t, wt) for |t| <= d + wt, else d t/(d + wt).

    We know of no published table entry for the berHu prox; this is the two-regime formula from the
    optimality condition (the L1 zone |x| <= d gives soft thresholding, the quadratic zone the shrinkage
    x (1 + wt/d) = t), written by hand, independently of derive/.
    """
    if abs(t) <= d + wt:
        return soft(t, wt)
    return d * t / (d + wt)


def log_barrier_ref(t, wt):
    """prox of -wt*log(x): (t + sqrt(t^2 + 4 wt))/2 (Beck 2017, ch. 6, the one-dimensional examples of sec. 6.2)."""
    return (t + mpmath.sqrt(t**2 + 4 * wt)) / 2


def entropy_ref(t, wt):
    """prox of wt*x*log(x): wt W(exp(t/wt - 1)/wt).

    Combettes & Pesquet 2011, Proximal splitting methods in signal processing, Table 10.2.
    """
    return wt * mpmath.lambertw(mpmath.exp(t / wt - 1) / wt).real


def exp_ref(t, wt):
    """prox of wt*exp(x): t - W(wt exp(t)) (the Lambert W solution of x + wt e^x = t; Corless et al. 1996)."""
    return t - mpmath.lambertw(wt * mpmath.exp(t)).real


def dist_ref(t, wt, lo, hi):
    """prox of wt*d_[lo,hi]: t + min(wt/d(t), 1)(P(t) - t) off the interval (Beck 2017, Lemma 6.43)."""
    p = min(max(t, lo), hi)
    d = abs(t - p)
    return t if d == 0 else t + min(wt / d, 1) * (p - t)


def with_ridge(ref):
    """prox of g + (mu/2)x^2 is prox_{g/(1+mu)}(t/(1+mu)) (Parikh & Boyd 2014, sec. 2.2, adding a quadratic)."""
    return lambda t, wt, m, *rest: ref(t / (1 + m), wt / (1 + m), *rest)


# ---------------------------------------------------------------------------
# The entries under test: g as an mpmath function, the reference, the parameters
# ---------------------------------------------------------------------------
def _positive(rng: random.Random) -> sp.Rational:
    return sp.Rational(rng.randint(50, 5000), 1000)


def _real(rng: random.Random, bound: int = 5) -> sp.Rational:
    return sp.Rational(rng.randint(-1000 * bound, 1000 * bound), 1000)


def _ordered(rng: random.Random) -> dict:
    first, second = _real(rng), _real(rng)
    while first == second:
        second = _real(rng)
    return {a: min(first, second), b: max(first, second)}


INF = mpmath.inf


@dataclass(frozen=True)
class Spec:
    g: Callable[[dict], Callable[[Any], Any]]
    reference: Callable[[Any, dict], Any]
    draw: Callable[[random.Random], dict]


def _l(rng):
    return {lam: _positive(rng)}


SPECS: dict[str, Spec] = {
    "abs": Spec(lambda p: lambda t: p[lam] * abs(t), lambda t, p: soft(t, p[lam]), _l),
    # Parikh & Boyd 2014, sec. 6.1.1: prox of (2 lam)/2 x^2 is t/(1 + 2 lam)
    "square": Spec(lambda p: lambda t: p[lam] * t**2, lambda t, p: t / (1 + 2 * p[lam]), _l),
    **{
        f"power-{label}": Spec(
            (lambda q: lambda p: lambda t: p[lam] * abs(t) ** q)(power),
            (lambda q: lambda t, p: cdv_power(q)(t, p[lam]))(power),
            _l,
        )
        for power, label in ((sp.Rational(4, 3), "4/3"), (sp.Rational(3, 2), "3/2"), (sp.Integer(3), "3"))
    },
    "power-4": Spec(lambda p: lambda t: p[lam] * t**4, lambda t, p: cdv_power(4)(t, p[lam]), _l),
    # asymmetric soft thresholding: Beck 2017, Example 6.8 with slope a on the right and b on the left
    "pinball": Spec(
        lambda p: lambda t: p[a_pos] * max(t, 0) + p[b_pos] * max(-t, 0),
        lambda t, p: t - p[a_pos] if t > p[a_pos] else (t + p[b_pos] if t < -p[b_pos] else mpmath.mpf(0)),
        lambda rng: {a_pos: _positive(rng), b_pos: _positive(rng)},
    ),
    # Beck 2017, ch. 6 (one-sided soft threshold for lam*max(x, 0))
    "hinge": Spec(
        lambda p: lambda t: p[lam] * max(t, 0),
        lambda t, p: t - p[lam] if t > p[lam] else (mpmath.mpf(0) if t >= 0 else t),
        _l,
    ),
    # Beck 2017, sec. 6.3 (translation): c + soft(t - c, lam)
    "abs-shift": Spec(
        lambda p: lambda t: p[lam] * abs(t - p[c]),
        lambda t, p: p[c] + soft(t - p[c], p[lam]),
        lambda rng: {lam: _positive(rng), c: _real(rng)},
    ),
    "huber": Spec(
        lambda p: lambda t: p[lam] * (t**2 / 2 if abs(t) <= p[delta] else p[delta] * (abs(t) - p[delta] / 2)),
        lambda t, p: huber_ref(t, p[lam], p[delta]),
        lambda rng: {lam: _positive(rng), delta: _positive(rng)},
    ),
    "berhu": Spec(
        lambda p: lambda t: p[lam] * (abs(t) if abs(t) <= p[delta] else (t**2 + p[delta] ** 2) / (2 * p[delta])),
        lambda t, p: berhu_ref(t, p[lam], p[delta]),
        lambda rng: {lam: _positive(rng), delta: _positive(rng)},
    ),
    "log-barrier": Spec(
        lambda p: lambda t: -p[lam] * mpmath.log(t) if t > 0 else INF, lambda t, p: log_barrier_ref(t, p[lam]), _l
    ),
    "neg-entropy": Spec(
        lambda p: lambda t: p[lam] * t * mpmath.log(t) if t > 0 else INF, lambda t, p: entropy_ref(t, p[lam]), _l
    ),
    "exp": Spec(lambda p: lambda t: p[lam] * mpmath.exp(t), lambda t, p: exp_ref(t, p[lam]), _l),
    # Parikh & Boyd 2014, sec. 6.2 (box); Beck 2017, Lemma 6.26: the projection min(max(t, a), b)
    "box": Spec(lambda p: lambda t: 0 if p[a] <= t <= p[b] else INF, lambda t, p: min(max(t, p[a]), p[b]), _ordered),
    # Parikh & Boyd 2014, sec. 6.2: projection on x >= 0
    "nonneg": Spec(lambda p: lambda t: 0 if t >= 0 else INF, lambda t, p: max(t, 0), lambda rng: {}),
    # Beck 2017, ch. 6: the indicator of a point {c} has prox c (projection)
    "point": Spec(lambda p: lambda t: 0 if t == p[c] else INF, lambda t, p: p[c], lambda rng: {c: _real(rng)}),
    "dist-interval": Spec(
        lambda p: lambda t: p[lam] * (max(p[a] - t, 0) + max(t - p[b], 0)),
        lambda t, p: dist_ref(t, p[lam], p[a], p[b]),
        lambda rng: {lam: _positive(rng), **_ordered(rng)},
    ),
    # Parikh & Boyd 2014, sec. 6.5.3 (elastic net): soft(t, lam)/(1 + mu)
    "elastic-net": Spec(
        lambda p: lambda t: p[lam] * abs(t) + p[mu] / 2 * t**2,
        lambda t, p: soft(t, p[lam]) / (1 + p[mu]),
        lambda rng: {lam: _positive(rng), mu: _positive(rng)},
    ),
    "log-barrier-ridge": Spec(
        lambda p: lambda t: -p[lam] * mpmath.log(t) + p[mu] / 2 * t**2 if t > 0 else INF,
        lambda t, p: with_ridge(log_barrier_ref)(t, p[lam], p[mu]),
        lambda rng: {lam: _positive(rng), mu: _positive(rng)},
    ),
    "neg-entropy-ridge": Spec(
        lambda p: lambda t: p[lam] * t * mpmath.log(t) + p[mu] / 2 * t**2 if t > 0 else INF,
        lambda t, p: with_ridge(entropy_ref)(t, p[lam], p[mu]),
        lambda rng: {lam: _positive(rng), mu: _positive(rng)},
    ),
    "box-ridge": Spec(
        lambda p: lambda t: p[mu] / 2 * t**2 if p[a] <= t <= p[b] else INF,
        lambda t, p: min(max(t / (1 + p[mu]), p[a]), p[b]),
        lambda rng: {mu: _positive(rng), **_ordered(rng)},
    ),
}
CLOSED = list(SPECS)


@pytest.fixture(scope="module")
def derived() -> Callable[[str], Any]:
    """``derived(name)``: the entry's derivation, computed once per module (skipped if the checker lacks support)."""
    cache: dict[str, Any] = {}

    def get(name: str) -> Any:
        if name not in cache:
            cache[name] = entry(name).derive()
        return cache[name]

    return get


def points(spec: Spec, rng: random.Random) -> list[dict]:
    out = []
    for _ in range(POINTS):
        out.append({**spec.draw(rng), v: _real(rng, 10)})
    return out


def evaluate(expr: Any, point: dict) -> mpmath.mpf:
    value = sp.sympify(expr).subs(point)
    assert not value.free_symbols, f"{expr} did not evaluate at {point}: {value}"
    number = sp.N(value, 60)
    real, imaginary = number.as_real_imag()
    assert abs(imaginary) < sp.Float(10) ** -40 * (1 + abs(real)), f"complex value {number} at {point}"
    return to_mpf(real)


def mp_params(point: dict) -> dict:
    return {s: to_mpf(val) for s, val in point.items() if s != v}


# ---------------------------------------------------------------------------
# The derived prox against independent truth
# ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", [n for n in CLOSED if n != "point"])
def test_matches_brute_force(name, derived, rng):
    spec, d = SPECS[name], derived(name)
    for point in points(spec, rng):
        got = evaluate(d.result, point)
        want = brute_force_prox(spec.g(mp_params(point)), point[v], *BRACKET)
        assert rel_error(got, want) <= BRUTE_TOLERANCE, f"{name} at {point}: derived {got}, brute force {want}"


def test_point_indicator_has_a_one_point_domain(derived):
    """dom g = {c}: the minimiser of g(x) + (x - v)^2/2 is c whatever v (no grid can meet a point)."""
    assert derived("point").result == c


@pytest.mark.parametrize("name", CLOSED)
def test_matches_published_formula(name, derived, rng):
    spec, d = SPECS[name], derived(name)
    for point in points(spec, rng):
        got = evaluate(d.result, point)
        want = spec.reference(to_mpf(point[v]), mp_params(point))
        assert rel_error(got, want) <= TABLE_TOLERANCE, f"{name} at {point}: derived {got}, table {want}"


@pytest.mark.parametrize("name", CLOSED)
def test_derived_as_convex_with_every_step_checked(name, derived):
    d = derived(name)
    assert entry(name).convex is True
    assert d.extra("route") == "convex"
    assert set(d.methods) <= {"symbolic", "numeric", "definition", "cited"}
    assert d.methods.get("cited", 0) >= 1  # Fermat's rule
    assert not d.result.has(sp.I), "the result is written in real form"


@pytest.mark.parametrize("name", ["power-4", "power-4/3"])
def test_cubic_root_is_chosen_in_a_checked_step(name, derived):
    """The real root of the cubic is stated with its rule (Cardano) and checked at points of its region."""
    d = derived(name)
    chosen = [s for s in d.steps if "Cardano" in s.reason]
    assert chosen and all(s.check.method == "numeric" for s in chosen)
    assert "real, on the piece and a root" in chosen[0].check.detail


def test_power_4_3_is_one_formula_for_every_v(derived):
    """x = t^3 on x > 0 and x = -t^3 on x < 0 give the same Cardano expression: one case, no Piecewise."""
    d = derived("power-4/3")
    assert not isinstance(d.result, sp.Piecewise)
    assert any("substitute x = t**3" in s.reason for s in d.steps)


def test_numeric_prox_agrees_with_the_derivation(derived):
    """The vectorised prox of a Lambert-W entry against the exact values."""
    d = derived("neg-entropy")
    f = numeric_prox(d)
    grid = np.linspace(-4, 4, 9)
    want = [float(evaluate(d.result, {v: sp.Rational(str(w)), lam: sp.Rational(3, 4)})) for w in grid]
    assert np.allclose(f(grid, lam=0.75), want, rtol=1e-12, atol=1e-300)


# ---------------------------------------------------------------------------
# The honest stop: log cosh
# ---------------------------------------------------------------------------
@pytest.fixture(scope="module")
def log_cosh():
    return entry("log-cosh").derive()


def test_log_cosh_stops_at_the_optimality_equation(log_cosh):
    d = log_cosh
    assert isinstance(d.result, sp.ConditionSet)
    assert d.extra("closed_form") is sp.false
    assert any("no closed-form solution was found" in s.reason for s in d.steps)
    assert "no closed form was found" in d.to_text()


def test_log_cosh_numeric_prox_matches_brute_force(log_cosh, rng):
    """Safeguarded bisection on x + lam*tanh(x) = v against the mpmath minimiser, 24 points, 1e-10 relative."""
    f = numeric_prox(log_cosh)
    for _ in range(POINTS):
        weight, w = _positive(rng), _real(rng, 10)
        got = f(float(w), lam=float(weight))
        k = to_mpf(weight)
        want = brute_force_prox(lambda t, k=k: k * mpmath.log(mpmath.cosh(t)), w, *BRACKET)
        assert abs(got - float(want)) <= 1e-10 * max(1.0, abs(float(want)))
        # and it solves the optimality equation it was characterised by
        assert abs(got + float(weight) * np.tanh(got) - float(w)) <= 1e-12 * max(1.0, abs(float(w)))


def test_cli_prints_the_honest_derivation_with_exit_0(capsys):
    assert main(["prox", "log(cosh(x))"]) == 0
    out = capsys.readouterr().out
    assert "no closed form was found" in out and "ConditionSet" in out


# ---------------------------------------------------------------------------
# The catalogue and its command line
# ---------------------------------------------------------------------------
def test_convex_flags_are_derived():
    flags = {e.name: e.convex for e in CATALOGUE}
    assert all(flags[name] is True for name in [*CLOSED, "log-cosh"])
    assert {name for name, flag in flags.items() if flag is False} == {
        "l0",
        "capped-l1",
        "scad",
        "mcp",
        "log-penalty",
        "bridge-1/2",
        "bridge-2/3",
    }


def test_unknown_entry_names_the_known_ones():
    with pytest.raises(OptionError, match="known: abs, square"):
        entry("lasso-ish")


def test_catalogue_command_lists_every_entry(capsys, derived):
    assert main(["catalogue"]) == 0
    out = capsys.readouterr().out
    for name in names():
        assert f"\n{name} " in out
    assert "sign(v)*max(|v| - lambda, 0)" in out
    assert "non-convex" in out


def test_prox_accepts_a_catalogue_name(capsys):
    assert main(["prox", "elastic-net"]) == 0
    out = capsys.readouterr().out
    assert "The proximal operator of lambda*|x| + mu*x^2/2" in out


def test_rows_are_derived_not_typed(derived):
    rows = {row[0]: row for row in catalogue_rows()}
    assert rows["abs"][2] == "convex" and rows["l0"][2] == "non-convex"
    assert rows["box"][3].startswith("prox(v) = a if v <= a")


# ---------------------------------------------------------------------------
# The checks can fail (mutated cases), and the real-form root formulas
# ---------------------------------------------------------------------------
def test_final_optimality_check_rejects_a_wrong_prox():
    from derive.prox import _check_optimal
    from derive.symbols import x

    shifted = sp.sign(v) * sp.Max(sp.Abs(v) - lam / 2, 0)  # soft thresholding at the wrong level
    with pytest.raises(VerificationError, match="not a minimiser"):
        _check_optimal(lam * sp.Abs(x), x, v, shifted, sp.true)


def test_root_choice_rejects_a_root_off_the_piece():
    from derive.errors import NoClosedFormError
    from derive.prox import region_points, solve_stationarity
    from derive.symbols import x

    # x - v + lam = 0 has its root v - lam on x > 0 only for v > lam: asking for it on x < 0 there fails
    points = region_points(sp.Interval.open(lam, sp.oo), v, {lam, v})
    with pytest.raises(NoClosedFormError, match="lies in"):
        solve_stationarity(x - v + lam, x, sp.Interval.open(-sp.oo, 0), points)


def test_real_root_formulas_of_cubics_and_quartics():
    """Cardano (one real root), Viète (three) and Ferrari give real roots where their rules apply."""
    from derive.roots import root_formulas

    t = sp.Symbol("t")
    cases = [
        (t**3 + 3 * t - 5, 1),  # P > 0: one real root
        (t**3 - 7 * t + 2, 3),  # casus irreducibilis: three real roots
        (t**4 - 5 * t + 2, 2),  # Ferrari: two real roots
    ]
    for polynomial, count in cases:
        values = set()
        for formula in root_formulas(polynomial, t):
            value = complex(sp.N(formula.expr, 30))
            if abs(value.imag) < 1e-20 and abs(complex(sp.N(polynomial.subs(t, value.real), 30))) < 1e-15:
                values.add(round(value.real, 12))
        assert len(values) == count, (polynomial, values)
