"""The proximal operator of a scalar penalty: the convex algorithm, and the router.

Convention: ``prox_g(v) = argmin_x g(x) + (1/2)(x - v)^2`` (unit step; the
prox of ``lambda*g`` is obtained by passing ``lambda*g``).

The one generic convex algorithm (no table of closed forms): for convex g the
objective F(x) = g(x) + (x - v)^2/2 is strictly convex, so by Fermat's rule
and the sum rule x* = prox_g(v) iff ``0 ∈ x* - v + ∂g(x*)``, i.e.
``v ∈ x* + ∂g(x*)``.  The map x -> x + ∂g(x) is strictly increasing, so

* on each smooth piece (lo, hi) the equation ``x - v + g'(x) = 0`` has the
  solution x(v), valid for v in the open interval between
  ``lo + g'(lo+)`` and ``hi + g'(hi-)``;
* at each breakpoint k, x* = k for v in ``k + ∂g(k) = [k + g'(k-), k + g'(k+)]``;

and these regions partition the real line in increasing order.  Each case is
checked (the root by substitution, its range by sampling, the partition by its
endpoints) and the assembled result is checked once more against the
one-sided derivatives of F at random points (Bauschke and Combettes 2017,
Prop. 16.44; Beck 2017, Thm 6.39).

Solving the equation on a piece: when it involves fractional powers of one
linear base (``|x|^(4/3)`` gives ``x^(1/3)``), the substitution
``x = k + t^m`` makes it polynomial in ``t``; polynomials of degree at most 4
are solved in real form by :mod:`derive.roots` (Cardano, Viète, Ferrari), and
anything else by SymPy's solvers (``LambertW`` for ``exp`` and ``x log x``).
Of the candidate formulas, the one that is real, lies on the piece and solves
the equation at sample points of the region is chosen, and the choice is a
checked step.  When no closed form is found the derivation stops honestly at
the optimality equation: the case is the ``ConditionSet`` of its unique
solution and :func:`derive.numeric_prox.numeric_prox` evaluates it.

Routes (:func:`prox`): ``"convex"`` is this algorithm (it refuses a
non-convex penalty); ``"auto"`` decides convexity from the expression and
sends a non-convex penalty to the global minimisation of
:mod:`derive.nonconvex`; ``"global"`` always takes that route.  When
convexity is known from a theorem rather than from the expression (a convex
conjugate is convex and lower semicontinuous, Rockafellar 1970, Thm 12.2),
``convex_by=REASON`` takes the convex route without deciding convexity and
records REASON as a cited step in its place.
"""

from __future__ import annotations

import functools
import itertools
import math
import random
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import mpmath
import sympy as sp

from .checks import (
    DIGITS,
    POINTS,
    SEED,
    _numeric_detail,
    _rational_at,
    at_point,
    check_equal,
    check_true,
    evaluate_mpmath,
    mpmath_function,
    sample_points,
    shown_zero,
)
from .core import Check, Derivation, DerivationBuilder
from .errors import NoClosedFormError, OptionError, VerificationError
from .notation import Argmin, Penalty, Prox, Subdiff
from .penalties import PenaltyStructure, Piece, analyse, compare, subdifferential_set
from .printing.text import expr_to_text
from .roots import iter_root_formulas
from .subgradient import describe, describe_set, piecewise_from_cases, subdifferential_steps

__all__ = ["prox", "prox_steps", "zero_set_of", "compact_form", "ROUTES", "region_points", "solve_stationarity"]

#: The routes :func:`prox` accepts.
ROUTES = ("convex", "auto", "global")


def _limit(expr: sp.Expr, x: sp.Symbol, point: sp.Expr, side: str) -> sp.Expr:
    if point in (sp.S.Infinity, sp.S.NegativeInfinity):
        return sp.limit(expr, x, point)
    raw = expr.subs(x, point)
    if raw.has(sp.nan, sp.zoo):  # undefined at the point itself: no need to simplify before taking the limit
        return sp.limit(expr, x, point, dir=side)
    value = sp.simplify(raw)
    if value.has(sp.nan, sp.zoo):
        value = sp.limit(expr, x, point, dir=side)
    return value


# --------------------------------------------------------------------------
# Sampling v inside a region (no rejection: v is placed between the ends)
# --------------------------------------------------------------------------
def _rational(value: Any) -> sp.Rational:
    return sp.Rational(str(sp.N(value, 30)))


def _inside(region: sp.Set, rng: random.Random) -> sp.Rational | None:
    """A rational point of a concrete region (numeric ends), or None if it is empty or degenerate."""
    if isinstance(region, sp.FiniteSet):
        return region.args[0] if len(region.args) == 1 else None
    if not isinstance(region, sp.Interval):
        return None
    lo, hi = region.start, region.end
    spread = sp.Rational(round(1000 * 20 ** rng.uniform(-1, 1)), 1000)
    if lo is sp.S.NegativeInfinity and hi is sp.S.Infinity:
        return sp.Rational(rng.randint(-10000, 10000), 1000)
    if lo is sp.S.NegativeInfinity:
        return _rational(hi) - spread
    if hi is sp.S.Infinity:
        return _rational(lo) + spread
    width = sp.N(hi - lo, 30)
    if not width > sp.Float("1e-20"):
        return None
    return _rational(lo + (hi - lo) * sp.Rational(rng.randint(20, 980), 1000))


def analysed(g: sp.Expr, x: sp.Symbol, assumptions: Any = sp.true) -> PenaltyStructure:
    """:func:`derive.penalties.analyse`, memoised: the structure is immutable, and an estimator analyses the
    penalty it then hands to :func:`prox` (SCAD's and MCP's curvature conditions)."""
    try:
        return _analysed(g, x, assumptions)
    except TypeError:  # an unhashable argument: no memo
        return analyse(g, x, assumptions=assumptions)


@functools.lru_cache(maxsize=256)
def _analysed(g: sp.Expr, x: sp.Symbol, assumptions: Any) -> PenaltyStructure:
    return analyse(g, x, assumptions=assumptions)


def convexity(structure: PenaltyStructure) -> bool | None:
    """``structure.convex`` (three-valued), memoised: the property is derived afresh at each access, and the
    router and the global route both ask for it."""
    try:
        return _convexity(structure)
    except TypeError:  # an unhashable structure: no memo
        return structure.convex


@functools.lru_cache(maxsize=256)
def _convexity(structure: PenaltyStructure) -> bool | None:
    return structure.convex


#: Working digits of the region ends in :func:`_fast_ends` (the points are rounded to 30 digits).
_END_DIGITS = 40


def _fast_ends(region: sp.Set, point: dict) -> tuple[Any, Any] | None:
    """The ends of an interval ``region`` at ``point`` as mpmath numbers (±inf kept), or None (substitute instead).

    Each finite end comes from :func:`derive.checks.evaluate_mpmath` (exact, or compiled and correct to
    :data:`_END_DIGITS` digits), which spares building the substituted interval; None when an end cannot be
    evaluated that way or the interval is degenerate or empty at ``point``.
    """
    if not isinstance(region, sp.Interval):
        return None
    ends = []
    for end in (region.start, region.end):
        if end in (sp.S.NegativeInfinity, sp.S.Infinity):
            ends.append(mpmath.inf if end is sp.S.Infinity else -mpmath.inf)
            continue
        value = evaluate_mpmath(end, point, digits=_END_DIGITS)
        if value is None:
            return None
        ends.append(value)
    lo, hi = ends
    return (lo, hi) if lo < hi else None


def _inside_numeric(lo: Any, hi: Any, rng: random.Random) -> sp.Rational | None:
    """:func:`_inside` for an interval given by numeric ends (the same draws from ``rng``, the same rounding)."""
    with mpmath.workdps(_END_DIGITS):
        spread = sp.Rational(round(1000 * 20 ** rng.uniform(-1, 1)), 1000)
        if mpmath.isinf(lo) and mpmath.isinf(hi):
            return sp.Rational(rng.randint(-10000, 10000), 1000)
        if mpmath.isinf(lo):
            return _rational_mp(hi) - spread
        if mpmath.isinf(hi):
            return _rational_mp(lo) + spread
        if not hi - lo > mpmath.mpf("1e-20"):
            return None
        return _rational_mp(lo + (hi - lo) * rng.randint(20, 980) / 1000)


def _rational_mp(value: Any) -> sp.Rational:
    """As :func:`_rational`: the value rounded to 30 significant digits, as an exact rational."""
    return sp.Rational(str(sp.Float(value, 30)))


def region_points(
    region: sp.Set, v: sp.Symbol, symbols: Any, context: Any = sp.true, *, count: int = POINTS, seed: int = SEED
) -> list[dict[sp.Symbol, Any]]:
    """Seeded points: the parameters respecting ``context``, and ``v`` inside ``region`` at those parameters.

    Unlike rejection sampling of ``v`` (which rarely lands in a narrow region
    such as ``[a - lambda, a]``), ``v`` is placed between the region's ends.

    Raises
    ------
    VerificationError
        If fewer than 5 points are found.
    """
    parameters = sorted((set(symbols) | sp.sympify(context).free_symbols) - {v}, key=lambda s: s.name)
    base = sample_points(parameters, context, count=count, seed=seed) if parameters else [{}] * count
    rng = random.Random(seed)
    out: list[dict[sp.Symbol, Any]] = []
    for point in base:
        fast = _fast_ends(region, point)
        w = _inside(at_point(region, point), rng) if fast is None else _inside_numeric(*fast, rng)
        if w is not None:
            out.append({**point, v: w})
    if len(out) < 5:
        raise VerificationError(f"could not place {v} inside {region} to check the step numerically")
    return out


#: Working precision (decimal digits) of the numeric checks done here.
_DPS = DIGITS + 10


def _compiled(expr: sp.Basic, symbols: tuple[sp.Symbol, ...]) -> Any:
    return mpmath_function(expr, symbols)  # lambdify's values without its code generation; cached


def _to_mp(value: Any) -> Any:
    if isinstance(value, mpmath.mpf | mpmath.mpc):
        return value
    if isinstance(value, sp.Rational):
        return _rational_at(value, mpmath.mp.prec)  # mpf(p)/q at the working precision, memoised
    return mpmath.mpmathify(sp.N(value, _DPS))


@functools.lru_cache(maxsize=4096)
def _sorted_symbols(expr: sp.Basic) -> tuple[sp.Symbol, ...]:
    return tuple(sorted(expr.free_symbols, key=lambda s: s.name))


def _mp(expr: Any, point: dict) -> Any:
    """``expr`` at ``point`` as an mpmath number (mpf, or mpc if complex) at :data:`_DPS` digits."""
    expr = sp.sympify(expr)
    symbols = _sorted_symbols(expr)
    missing = [s for s in symbols if s not in point]
    if missing:
        raise VerificationError(f"{expr} does not evaluate to a number at {point}")
    with mpmath.workdps(max(_DPS, mpmath.mp.dps)):
        values = [_to_mp(point[s]) for s in symbols]
        try:
            return _compiled(expr, symbols)(*values)
        except (ZeroDivisionError, ValueError, OverflowError):
            return mpmath.nan


def _constant(expr: sp.Basic) -> Any:
    """A constant expression as an mpmath number at ``max(_DPS, mp.dps)`` digits (nan if it is not a number).

    Same value as ``_mp(expr, {})`` without compiling a function for a one-off number.
    """
    if isinstance(expr, sp.Rational):
        with mpmath.workdps(max(_DPS, mpmath.mp.dps)):
            return mpmath.mpf(expr.p) / expr.q
    if expr.free_symbols:
        raise VerificationError(f"{expr} does not evaluate to a number")
    if expr is sp.S.Infinity or expr is sp.S.NegativeInfinity:
        return mpmath.inf if expr is sp.S.Infinity else -mpmath.inf
    value = sp.N(expr, max(_DPS, mpmath.mp.dps))
    if value.has(sp.nan, sp.zoo) or not value.is_number:
        return mpmath.nan
    try:
        return mpmath.mpmathify(value)
    except (TypeError, ValueError):
        return mpmath.nan


def _is_real_number(value: Any) -> bool:
    if isinstance(value, mpmath.mpc):
        return bool(abs(value.imag) <= _TOL * max(1, abs(value.real)))
    return isinstance(value, mpmath.mpf | int) and not mpmath.isnan(value)


def _real(value: Any) -> Any:
    return value.real if isinstance(value, mpmath.mpc) else value


def _in_interval(value: Any, interval: sp.Interval, point: dict) -> bool:
    re = _real(value)
    slack = _TOL * max(1, abs(re))
    lo, hi = interval.start, interval.end
    if lo is not sp.S.NegativeInfinity:
        bound = _real(_mp(lo, point))
        if not (re > bound - slack if not interval.left_open else re > bound - slack and re != bound):
            return False
    if hi is not sp.S.Infinity:
        bound = _real(_mp(hi, point))
        if not (re < bound + slack if not interval.right_open else re < bound + slack and re != bound):
            return False
    return True


#: Relative tolerance of the numeric checks done here (as for derive.checks).
_TOL = mpmath.mpf(10) ** -(DIGITS - 10)


def _member_check(element: Any, target: sp.Interval, points: list[dict]) -> Check:
    """``element`` (a function of v) lies in ``target`` at the given points (v inside its region)."""
    for point in points:
        value = _mp(element, point)
        if not _is_real_number(value) or not _in_interval(value, target, point):
            shown = ", ".join(f"{k}={val}" for k, val in point.items())
            raise VerificationError(f"{element} is not in {target} at {shown}")
    return Check("numeric", _numeric_detail(len(points), 0).replace(", max rel. error 0", ""))


# --------------------------------------------------------------------------
# Solving the optimality equation on one piece
# --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class Solution:
    """A root of the optimality equation on a piece and how it was found.

    ``substitution`` is ``(t, x_of_t, polynomial, multiplier)`` when the
    equation was made polynomial by ``x = x_of_t``: ``equation(x_of_t) *
    multiplier = polynomial``.  ``formula`` is the root in the unknown that
    was solved for (``t`` or ``x``) and ``rule`` names the formula used.
    """

    root: sp.Expr
    rule: str
    formula: sp.Expr
    substitution: tuple[Any, ...] | None = None
    degree: int = 0


def _power_substitution(equation: sp.Expr, x: sp.Symbol, interval: sp.Interval) -> tuple[Any, ...] | None:
    """``(t, x_of_t, t_interval)`` making the fractional powers of one linear base integral, or None."""
    bases: set[sp.Expr] = set()
    denominators: list[int] = []
    for node in sp.preorder_traversal(equation):
        if isinstance(node, sp.Pow) and node.base.has(x) and node.exp.is_Rational and not node.exp.is_Integer:
            bases.add(sp.expand(node.base))
            denominators.append(int(node.exp.q))
    if len(bases) != 1:
        return None
    (base,) = bases
    if not base.is_polynomial(x) or sp.degree(base, x) != 1:
        return None
    alpha = base.coeff(x, 1)
    if alpha.has(x) or not alpha.is_number:
        return None
    k = sp.simplify(-base.subs(x, 0) / alpha)
    m = math.lcm(*denominators)
    t = sp.Symbol("t", positive=True)
    x_of_t = k + t**m / alpha
    # the base is positive on the piece exactly when the piece lies on the side of k given by alpha's sign
    side_ok = compare(k, interval.start, strict=False) if alpha > 0 else compare(interval.end, k, strict=False)
    if side_ok is not True:
        return None
    return t, x_of_t, m


def _as_polynomial(expr: sp.Expr, t: sp.Symbol) -> tuple[sp.Expr, sp.Expr] | None:
    """``(polynomial, multiplier)`` with ``expr * multiplier = polynomial`` (denominators cleared), or None."""
    numerator, denominator = sp.fraction(sp.together(sp.expand(expr)))
    numerator = sp.expand(numerator)
    if not numerator.has(t) or not numerator.is_polynomial(t):
        return None
    return numerator, denominator


def _factor_roots(polynomial: sp.Expr, t: sp.Symbol, assumptions: Any, *, positive: bool) -> Iterator[tuple[Any, int]]:
    """Root formulas of each factor of degree 1 to 4 (factors t^k dropped when t > 0), with the factor's degree.

    A generator: each formula is built only when the caller asks for it (:func:`derive.roots.iter_root_formulas`).
    """
    degree = sp.degree(polynomial, t)
    if degree <= 2:
        for f in iter_root_formulas(polynomial, t, assumptions=assumptions):
            yield f, degree
        return
    try:
        _, factors = sp.factor_list(polynomial, t)
    except (sp.PolynomialError, NotImplementedError):
        factors = [(polynomial, 1)]
    for factor, _ in factors:
        if positive and sp.expand(factor - t) == 0:
            continue  # t > 0 is not a root
        d = sp.degree(factor, t)
        for f in iter_root_formulas(factor, t, assumptions=assumptions):
            yield f, d


def _lambert_like(equation: sp.Expr, x: sp.Symbol) -> bool:
    """At most linear in x outside one kind of exp/log term: the forms SymPy's solve writes with LambertW."""
    numerator = sp.fraction(sp.together(equation))[0]
    kinds = {type(f) for f in sp.expand(numerator).atoms(sp.Function) if f.has(x)}
    if len(kinds) > 1:
        return False
    for term in sp.Add.make_args(sp.expand(numerator)):
        if term.is_polynomial(x) and sp.degree(term, x) > 1 and kinds:
            return False
    return True


def _sympy_roots(equation: sp.Expr, x: sp.Symbol) -> list[sp.Expr]:
    try:
        solutions = sp.solveset(equation, x, sp.S.Reals)
        if isinstance(solutions, sp.FiniteSet):
            return list(solutions)
        if not _lambert_like(equation, x):
            return []
        found = sp.solve(equation, x, dict=False)
    except (NotImplementedError, ValueError, TypeError, AttributeError):
        return []
    return [s for s in found if s.is_real is not False]


def solve_stationarity(
    equation: sp.Expr,
    x: sp.Symbol,
    interval: sp.Interval,
    points: list[dict],
    *,
    assumptions: Any = sp.true,
) -> Solution:
    """The root of ``equation = 0`` (in ``x``) lying in ``interval`` at every sample point.

    Candidate formulas come from the power substitution and :mod:`derive.roots`
    (polynomials of degree <= 4) or from SymPy's solvers.  A candidate is
    accepted if, at every point (v inside the region where the root is
    wanted), it is real, lies in ``interval`` and solves the equation.

    Raises
    ------
    NoClosedFormError
        If no candidate formula passes.
    """
    # The candidates of the first source that gives any, each built and tried in turn: the first that passes is
    # taken (the others are never built).  Formulas written by the quadratic formula or SymPy's solvers are
    # simplified ("polished") once chosen: simplify keeps the value, by which the candidates are told apart.
    sources = (
        (False, lambda: _substituted_candidates(equation, x, interval, assumptions)),
        (True, lambda: _polynomial_candidates(equation, x, assumptions)),
        (True, lambda: (Solution(r, "SymPy's solve", r) for r in _sympy_roots(equation, x))),
    )
    reasons: list[str] = []
    for polished, candidates in sources:
        for candidate in candidates():
            failure = _fails(candidate.root, equation, x, interval, points)
            if failure is None:
                return _polish(candidate) if polished else candidate
            reasons.append(failure)
        if reasons:
            break
    if not reasons:
        raise NoClosedFormError(f"SymPy's solvers return no closed-form solution of {sp.sstr(equation)} = 0")
    raise NoClosedFormError(
        f"none of the {len(reasons)} candidate roots of {sp.sstr(equation)} = 0 lies in {sp.sstr(interval)} "
        f"({reasons[0]})"
    )


def _substituted_candidates(
    equation: sp.Expr, x: sp.Symbol, interval: sp.Interval, assumptions: Any
) -> Iterator[Solution]:
    """Candidates through ``x = k + t^m/alpha`` making the equation polynomial in ``t`` (none if it does not)."""
    substitution = _power_substitution(equation, x, interval)
    if substitution is None:
        return
    t, x_of_t, _ = substitution
    transformed = sp.expand(equation.xreplace({x: x_of_t}))  # x a symbol: a plain replacement, cheaper than subs
    poly = _as_polynomial(transformed, t)
    if poly is None:
        return
    polynomial, multiplier = poly
    for f, degree in _factor_roots(polynomial, t, assumptions, positive=True):
        yield Solution(x_of_t.xreplace({t: f.expr}), f.rule, f.expr, (t, x_of_t, polynomial, multiplier), degree)


def _polynomial_candidates(equation: sp.Expr, x: sp.Symbol, assumptions: Any) -> Iterator[Solution]:
    """Candidates for an equation polynomial in ``x`` once denominators are cleared (none if it is not)."""
    poly = _as_polynomial(equation, x)
    if poly is None:
        return
    for f, degree in _factor_roots(poly[0], x, assumptions, positive=False):
        yield Solution(f.expr, f.rule, f.expr, None, degree)


def _polish(candidate: Solution) -> Solution:
    """The chosen candidate with its root simplified (a quadratic formula's or SymPy's; a cubic's is kept)."""
    if candidate.rule == "SymPy's solve":
        return replace(candidate, root=sp.simplify(candidate.root))
    if candidate.degree <= 2:
        root = sp.simplify(candidate.root)
        return replace(candidate, root=root, formula=root)
    return candidate


def _fails(root: sp.Expr, equation: sp.Expr, x: sp.Symbol, interval: sp.Interval, points: list[dict]) -> str | None:
    for point in points:
        value = _mp(root, point)
        if not _is_real_number(value):
            return f"not real at {point}"
        value = _real(value)
        if not _in_interval(value, interval, point):
            return f"outside the piece at {point}"
        residual = _mp(equation, {**point, x: value})
        scale = max(1, abs(value), *(abs(_to_mp(val)) for val in point.values()))
        if not _is_real_number(residual) or abs(residual) > _TOL * 10**5 * scale:
            return f"not a root at {point}"
    return None


def _check_root(equation: sp.Expr, x: sp.Symbol, root: sp.Expr, points: list[dict]) -> Check:
    radicals = any(
        isinstance(node, sp.Pow) and node.exp.is_Rational and node.exp.q > 2 for node in sp.preorder_traversal(root)
    ) or root.has(sp.cos, sp.cosh, sp.acos, sp.acosh)
    if not radicals and not _off_root_witness(equation, x, root):
        substituted = equation.xreplace({x: root})  # x a symbol: a plain replacement, cheaper than subs
        if shown_zero(substituted):
            return Check("symbolic", "substituted x* into the equation: simplifies to 0")
    else:
        # only evaluated numerically: SymPy's automatic rewriting of the powers (value-preserving, and costly
        # for a root with radicals) is not needed
        with sp.evaluate(False):
            substituted = equation.xreplace({x: root})
    return _zero_at(substituted, points, "substituted x* into the equation")


#: Points at which :func:`_off_root_witness` looks for a witness (as :func:`derive.checks.shown_zero` does).
_WITNESS_POINTS = 5


def _off_root_witness(equation: sp.Expr, x: sp.Symbol, root: sp.Expr) -> bool:
    """True if, at a seeded point anywhere (the symbols' assumptions only), ``x = root`` clearly leaves
    ``equation`` nonzero: then ``equation(root)`` is not identically zero, and no simplification can show it is.

    The value is computed in two steps (root, then equation at it) at :data:`_DPS` digits, without substituting
    symbolically; "clearly" means above 1e-20 relative to the point's scale (an identically zero composition
    leaves rounding error of about 1e-60).  A root that is not real at a point gives no witness there.
    """
    symbols = sorted((equation.free_symbols | root.free_symbols) - {x}, key=lambda s: s.name)
    if not symbols or not all(s.is_real for s in symbols):
        return False
    threshold = mpmath.mpf(10) ** -20
    for point in sample_points(symbols, count=_WITNESS_POINTS):
        value = _mp(root, point)
        if not _is_real_number(value):
            continue
        value = _real(value)
        residual = _mp(equation, {**point, x: value})
        if mpmath.isnan(residual) or mpmath.isinf(residual):
            continue
        scale = max(1, abs(value), *(abs(_to_mp(val)) for val in point.values()))
        if abs(residual) > threshold * scale:
            return True
    return False


def _zero_at(expr: sp.Expr, points: list[dict], what: str) -> Check:
    worst: Any = 0
    for point in points:
        value = _mp(expr, point)
        scale = max(1, *(abs(_to_mp(val)) for val in point.values()))
        error = abs(value) / scale
        if mpmath.isnan(error) or error > _TOL:
            shown = ", ".join(f"{k}={val}" for k, val in point.items())
            raise VerificationError(f"{expr} is not 0 at {shown}")
        worst = max(worst, error)
    return Check("numeric", f"{what}: " + _numeric_detail(len(points), sp.Float(worst)) + " (v inside its region)")


# --------------------------------------------------------------------------
# The convex algorithm
# --------------------------------------------------------------------------
def _piece_case(
    builder: DerivationBuilder,
    structure: PenaltyStructure,
    piece: Piece,
    v: sp.Symbol,
    xstar: sp.Symbol,
) -> tuple[Any, sp.Set, bool]:
    """Add the steps solving the optimality equation on ``piece``; return ``(value, region, closed)``."""
    x, context = structure.variable, structure.assumptions
    derivative = structure.derivative(piece)
    stationarity = x - v + derivative
    lo_v = _limit(x + derivative, x, piece.interval.start, "+")
    hi_v = _limit(x + derivative, x, piece.interval.end, "-")
    region = sp.Interval.open(lo_v, hi_v)
    symbols = (stationarity.free_symbols | region.free_symbols | {v}) - {x}
    points = region_points(region, v, symbols, context, count=8)
    try:
        solution = solve_stationarity(stationarity, x, piece.interval, points, assumptions=context)
    except NoClosedFormError as exc:
        return _no_closed_form(builder, structure, piece, stationarity, region, v, xstar, str(exc))
    root = solution.root
    check_points = region_points(region, v, symbols, context)
    if solution.substitution is not None:
        t, x_of_t, polynomial, multiplier = solution.substitution
        builder.claim(
            polynomial,
            "=",
            sp.Integer(0),
            f"on the piece {describe(piece.interval, x)} substitute {x} = {sp.sstr(x_of_t)} ({t} > 0), a bijection "
            f"onto the piece, and multiply by {sp.sstr(multiplier)}: the optimality equation "
            f"{sp.sstr(stationarity)} = 0 becomes polynomial in {t}",
            lambda: _check_transformed(stationarity, x, x_of_t, multiplier, polynomial),
        )
    if solution.degree >= 3:
        unknown = solution.substitution[0] if solution.substitution else x
        builder.claim(
            unknown,
            "=",
            solution.formula,
            f"{solution.rule}; x + g'(x) is strictly increasing on the piece, so exactly one root lies on it, "
            "and this formula is the one that is real and on the piece for v in the region (checked at sample points)",
            lambda: _check_choice(solution, stationarity, x, piece.interval, check_points),
        )
    builder.claim(
        sp.Integer(0),
        "=",
        stationarity.subs(x, xstar),
        f"on the piece {describe(piece.interval, x)}, g is differentiable: solve for {xstar}, "
        f"giving {xstar} = {sp.sstr(root)}",
        lambda: _check_root(stationarity, x, root, check_points),
        condition=sp.Contains(xstar, piece.interval),
    )
    builder.claim(
        root,
        "in",
        piece.interval,
        f"the solution lies on the piece exactly when {describe(region, v)} ({x} + g'({x}) is increasing)",
        lambda: _member_check(root, piece.interval, check_points),
        condition=region.as_relational(v),
    )
    return root, region, True


def _check_transformed(stationarity: sp.Expr, x: sp.Symbol, x_of_t: sp.Expr, multiplier: Any, poly: Any) -> Check:
    at_t = stationarity.xreplace({x: x_of_t})
    if shown_zero(sp.expand(at_t * multiplier) - poly):
        return Check("symbolic", "expanded (equation at x(t)) * multiplier - polynomial: 0")
    return check_equal(at_t * multiplier, poly)


def _check_choice(
    solution: Solution, stationarity: sp.Expr, x: sp.Symbol, interval: sp.Interval, points: list
) -> Check:
    failure = _fails(solution.root, stationarity, x, interval, points)
    if failure is not None:
        raise VerificationError(f"the chosen root {solution.formula} is {failure}")
    return Check(
        "numeric",
        "real, on the piece and a root: "
        + _numeric_detail(len(points), 0).replace(", max rel. error 0", "")
        + " (v inside its region)",
    )


def _no_closed_form(
    builder: DerivationBuilder,
    structure: PenaltyStructure,
    piece: Piece,
    stationarity: sp.Expr,
    region: sp.Interval,
    v: sp.Symbol,
    xstar: sp.Symbol,
    why: str,
) -> tuple[Any, sp.Set, bool]:
    """The honest stop: the case is the unique solution of the optimality equation, left unsolved."""
    x = structure.variable

    def increasing() -> Check:
        return check_true(
            lambda: structure.second_derivative_nonnegative(piece),
            "g'' >= 0 on the piece, so x + g'(x) has derivative >= 1: strictly increasing and continuous",
        )

    builder.claim(
        sp.Integer(0),
        "=",
        stationarity.subs(x, xstar),
        f"on the piece {describe(piece.interval, x)}, g is differentiable; no closed-form solution was found "
        f"({why}). The left side is continuous and strictly increasing in {xstar} and runs from "
        f"{sp.sstr(region.start - v)} to {sp.sstr(region.end - v)} on the piece, so for {describe(region, v)} "
        "the equation has exactly one solution (intermediate value theorem): the prox is characterised by it and "
        "evaluated numerically by bisection (derive.numeric_prox)",
        increasing,
        condition=sp.Contains(xstar, piece.interval),
    )
    return sp.ConditionSet(xstar, sp.Eq(stationarity.subs(x, xstar), 0), piece.interval), region, False


def _kink_check(k: Any, at_k: sp.Set, region: sp.Set, v: sp.Symbol, context: Any) -> Check:
    if isinstance(region, sp.FiniteSet):
        (point,) = region.args
        from .checks import check_member

        return check_member(point - k.point, at_k, condition=context)
    symbols = (region.free_symbols | at_k.free_symbols | sp.sympify(k.point).free_symbols | {v}) - {None}
    points = region_points(region, v, symbols, context)
    target = at_k if isinstance(at_k, sp.Interval) else sp.Interval(at_k.args[0], at_k.args[0])
    return _member_check(v - k.point, target, points)


@dataclass(frozen=True, slots=True)
class _CitedConvex(PenaltyStructure):
    """A penalty structure whose convexity is cited (``reason``), not decided from its expression."""

    reason: str = ""

    @property
    def convex(self) -> bool:
        """True: the cited theorem says so (:func:`prox` with ``convex_by``)."""
        return True


#: The words of the convexity step :func:`derive.subgradient.subdifferential_steps` adds.
_CONVEX_WORDS = "g is convex"


def _cited_subdifferential_steps(structure: PenaltyStructure, builder: DerivationBuilder, reason: str) -> None:
    """:func:`~derive.subgradient.subdifferential_steps` with the convexity step cited from ``reason``.

    The structure is told it is convex (so convexity is never decided from the
    expression), and the convexity step it adds is replaced by a cited step
    carrying ``reason``; every other step is checked as usual.
    """
    start = len(builder.steps)
    fields = {name: getattr(structure, name) for name in ("expr", "variable", "pieces", "breakpoints", "assumptions")}
    subdifferential_steps(_CitedConvex(**fields, reason=reason), builder)
    found = [i for i in range(start, len(builder.steps)) if builder.steps[i].statement.words == _CONVEX_WORDS]
    if len(found) != 1:  # pragma: no cover - guards the coupling with derive.subgradient
        raise VerificationError(f"expected one convexity step in the subdifferential steps, found {len(found)}")
    step = builder.steps[found[0]]
    builder.steps[found[0]] = replace(step, reason=reason, check=Check("cited", "convexity cited, not decided"))


def prox_steps(
    structure: PenaltyStructure, v: sp.Symbol, builder: DerivationBuilder, *, convex_by: str | None = None
) -> list[tuple[sp.Expr, sp.Set]]:
    """Add the steps deriving prox_g(v) to ``builder``; return its ``(value, region)`` cases.

    ``convex_by`` (a reason with its citation) makes the convexity step a cited one (see :func:`prox`).
    """
    return _prox_cases(structure, v, builder, convex_by=convex_by)[0]


def _prox_cases(
    structure: PenaltyStructure, v: sp.Symbol, builder: DerivationBuilder, *, convex_by: str | None = None
) -> tuple[list[tuple[sp.Expr, sp.Set]], list[tuple[sp.Set, sp.Set, Any, Any]]]:
    """:func:`prox_steps`, also returning the checked ranges of the cases before merging (for the zero set).

    Each range is ``(region, where, value, at_zero)``: the steps' fact "for v in region, x* = value lies in where"
    (``{k}`` at a kink k, the piece on a piece), and for a piece containing 0 the v of x* = 0 there,
    ``at_zero = 0 + g'(0)`` (else None).
    """
    x, expr = structure.variable, structure.expr
    context = structure.assumptions
    g = Penalty("g", expr, x)
    xstar = sp.Symbol(f"{x.name}^*", real=True)
    if convex_by is None:
        subdifferential_steps(structure, builder)
    else:
        _cited_subdifferential_steps(structure, builder, convex_by)
    builder.cite(
        Prox(g, x, v),
        "=",
        Argmin(expr + (x - v) ** 2 / 2, x),
        "definition of the proximal operator; the objective is strictly convex, so the minimiser is unique",
    )
    builder.cite(
        sp.Integer(0),
        "in",
        xstar - v + Subdiff(g, x, xstar),
        "Fermat's rule and the sum rule: x* = prox_g(v) iff 0 lies in the subdifferential of the objective "
        "(Rockafellar 1970, Thms 23.8 and 27.1)",
    )
    cases: list[tuple[sp.Expr, sp.Set]] = []
    ranges: list[tuple[sp.Set, sp.Set, Any, Any]] = []
    pieces, points = structure.pieces, structure.breakpoints
    for i, piece in enumerate(pieces):
        if i > 0:
            k = points[i - 1]
            if k.value is not sp.oo:
                at_k = subdifferential_set(k)
                lo = k.point + k.left
                hi = k.point + k.right
                region = sp.Interval(lo, hi) if lo != hi else sp.FiniteSet(lo)
                if isinstance(region, sp.Interval) and lo is sp.S.NegativeInfinity:
                    region = sp.Interval(lo, hi, True, False)
                if isinstance(region, sp.Interval) and hi is sp.S.Infinity:
                    region = sp.Interval(region.start, hi, region.left_open, True)
                builder.claim(
                    v,
                    "in",
                    region,
                    f"{xstar} = {sp.sstr(k.point)} is optimal iff {v} - ({sp.sstr(k.point)}) lies in "
                    f"the subdifferential of g at {sp.sstr(k.point)}, {describe_set(at_k)}",
                    lambda k=k, region=region, at_k=at_k: _kink_check(k, at_k, region, v, context),
                    condition=sp.Eq(xstar, k.point),
                )
                cases.append((k.point, region))
                ranges.append((region, sp.FiniteSet(k.point), k.point, None))
        if not piece.finite:
            continue
        value, region, _ = _piece_case(builder, structure, piece, v, xstar)
        cases.append((value, region))
        ranges.append((region, piece.interval, value, _stationary_at_zero(structure, piece)))
    _check_partition(cases, v, builder)
    # A breakpoint where g is differentiable gives a single point v, where the
    # preceding formula already gives x* = k by continuity: close that region's
    # right end instead of keeping a one-point case.
    merged: list[tuple[sp.Expr, sp.Set]] = []
    for value, region in cases:
        if isinstance(region, sp.FiniteSet) and merged and isinstance(merged[-1][1], sp.Interval):
            previous_value, previous = merged[-1]
            merged[-1] = (previous_value, sp.Interval(previous.start, previous.end, previous.left_open, False))
        elif (
            merged
            and isinstance(region, sp.Interval)
            and isinstance(merged[-1][1], sp.Interval)
            and not isinstance(value, sp.Set)
            and not isinstance(merged[-1][0], sp.Set)
            and _same_formula(merged[-1][0], value)
        ):
            # the same formula on both sides of a breakpoint (|x|^(4/3) gives one expression for all v)
            previous_value, previous = merged[-1]
            merged[-1] = (
                previous_value,
                sp.Interval(previous.start, region.end, previous.left_open, region.right_open),
            )
        else:
            merged.append((value, region))
    return merged, ranges


def _same_formula(first: sp.Expr, second: sp.Expr) -> bool:
    return first == second or sp.expand(first - second) == 0


def _check_partition(cases: list[tuple[sp.Expr, sp.Set]], v: sp.Symbol, builder: DerivationBuilder) -> None:
    def ends(region: sp.Set) -> tuple[Any, Any, bool, bool]:
        if isinstance(region, sp.FiniteSet):
            (p,) = region.args
            return p, p, False, False
        return region.start, region.end, bool(region.left_open), bool(region.right_open)

    def verify() -> Check:
        first, last = ends(cases[0][1]), ends(cases[-1][1])
        if first[0] is not sp.S.NegativeInfinity or last[1] is not sp.S.Infinity:
            raise VerificationError(f"the cases do not cover the real line: {first[0]} ... {last[1]}")
        for (_, a), (_, b) in itertools.pairwise(cases):
            ea, eb = ends(a), ends(b)
            if not shown_zero(ea[1] - eb[0]):
                raise VerificationError(f"{a} and {b} are not adjacent")
            if ea[3] == eb[2]:
                raise VerificationError(f"{a} and {b} overlap or leave a gap at {ea[1]}")
        return Check(
            "symbolic", "consecutive regions share their endpoints; the first starts at -oo, the last ends at +oo"
        )

    builder.claim(
        sp.S.Reals,
        "=",
        sp.Union(*[r for _, r in cases], evaluate=False),
        f"the regions of {v} are disjoint, consecutive and cover the real line, so every v has exactly one case",
        verify,
    )


def zero_set_of(cases: Any, v: sp.Symbol) -> sp.Set:
    """The set of ``v`` where the piecewise result (given by its cases) is exactly 0."""
    parts: list[sp.Set] = []
    for value, region in cases:
        if isinstance(value, sp.Set):
            if isinstance(value, sp.FiniteSet) and any(shown_zero(e) for e in value.args):
                parts.append(region)
            continue
        if shown_zero(value):
            parts.append(region)
        elif not value.has(v):
            if value.is_nonzero is not True:
                parts.append(sp.ConditionSet(v, sp.Eq(value, 0), region))
        else:
            try:
                roots = sp.solveset(value, v, sp.S.Reals)
            except (NotImplementedError, ValueError, TypeError):
                roots = sp.ConditionSet(v, sp.Eq(value, 0), sp.S.Reals)
            if isinstance(region, sp.FiniteSet):
                parts.append(sp.Intersection(roots, region))
            elif isinstance(roots, sp.FiniteSet):
                for r in roots:
                    inside = (
                        compare(region.start, r, strict=bool(region.left_open)),
                        compare(r, region.end, strict=bool(region.right_open)),
                    )
                    if inside == (True, True):
                        parts.append(sp.FiniteSet(r))
                    elif False not in inside:
                        parts.append(sp.Intersection(sp.FiniteSet(r), region, evaluate=False))
            else:
                parts.append(sp.Intersection(roots, region))
    return sp.Union(*parts) if parts else sp.S.EmptySet


def _stationary_at_zero(structure: PenaltyStructure, piece: Piece) -> Any:
    """``0 + g'(0)`` for a piece whose open interval contains 0 (the v whose stationary point is 0), else None."""
    interval = piece.interval
    if compare(interval.start, 0) is not True or compare(0, interval.end) is not True:
        return None
    return structure.derivative(piece).subs(structure.variable, 0)


def _zero_set_from_ranges(ranges: list[tuple[sp.Set, sp.Set, Any, Any]], v: sp.Symbol) -> sp.Set | None:
    """The zero set read off the checked ranges of the cases, without solving, or None when they do not decide it.

    The regions of v partition the real line (a checked step) and on each
    region x* lies in a known set (checked steps): ``{k}`` on the region of a
    kink k, the open piece on the region of a piece, where x* solves
    ``x - v + g'(x) = 0`` (a checked step).  So x* = 0 on the region of a kink
    k = 0; never on a piece lying on one side of 0; and on a piece containing
    0 exactly at ``v = 0 + g'(0)`` (x + g'(x) is strictly increasing), where
    the case's formula is confirmed to give 0.  None when a piece or a kink
    is not decided that way (then :func:`zero_set_of` solves).
    """
    parts: list[sp.Set] = []
    for region, where, value, at_zero in ranges:
        if isinstance(where, sp.FiniteSet):
            if shown_zero(value):
                parts.append(region)
            elif sp.sympify(value).is_nonzero is not True:
                return None
        elif at_zero is not None:
            if isinstance(value, sp.Set) or at_zero.has(sp.nan, sp.zoo, sp.oo, -sp.oo):
                return None
            if not shown_zero(value.subs(v, at_zero)):
                return None
            parts.append(sp.FiniteSet(at_zero))
        elif not (
            isinstance(where, sp.Interval)
            and where.left_open
            and where.right_open
            and (compare(where.end, 0, strict=False) is True or compare(0, where.start, strict=False) is True)
        ):
            return None
    return sp.Union(*parts) if parts else sp.S.EmptySet


def compact_form(cases: Any, v: sp.Symbol) -> sp.Expr | None:
    """``sign(v)*max(f(|v|), 0)`` when the cases are odd with a dead zone [-t, t], else None."""
    if len(cases) != 3 or any(isinstance(value, sp.Set) for value, _ in cases):
        return None
    (low, _), (middle, middle_region), (high, _) = cases
    if not shown_zero(middle) or not isinstance(middle_region, sp.Interval):
        return None
    t = middle_region.end
    if not shown_zero(middle_region.start + t):
        return None
    if not shown_zero(low + high.subs(v, -v)):
        return None
    return sp.sign(v) * sp.Max(high.subs(v, sp.Abs(v)), 0)


# --------------------------------------------------------------------------
# The final check: x* minimises F, by one-sided difference quotients
# --------------------------------------------------------------------------
#: Within this distance of a breakpoint the quotient step shrinks in proportion (F'' may blow up there).
_NEAR = sp.Rational(1, 10**6)


def _slope(f: Any, at: Any, side: int, step: Any) -> Any:
    """Richardson-extrapolated one-sided difference quotient of ``f`` (an mpmath function) at ``at``."""

    def q(h: Any) -> Any:
        return side * (f(at + side * h) - f(at)) / h

    coarse = q(step)
    if mpmath.isinf(coarse):
        return coarse
    return 2 * q(step / 2) - coarse


def _check_optimal(
    expr: sp.Expr,
    x: sp.Symbol,
    v: sp.Symbol,
    result: Any,
    context: Any,
    breakpoints: tuple[Any, ...] = (),
    solver: Any = None,
) -> Check:
    """x* = result(v) minimises g(x) + (x - v)^2/2: F'(x*-) <= 0 <= F'(x*+), by difference quotients.

    The quotient step is 1e-20, or proportionally smaller within 1e-6 of a
    breakpoint (the domain edge of ``x log x``, where F'' blows up); the
    arithmetic is mpmath at 60 digits and more.  ``solver`` evaluates cases
    left as an equation (no closed form).
    """
    objective = expr + (x - v) ** 2 / 2
    symbols = sorted((objective.free_symbols | result.free_symbols) - {x}, key=str)
    points = sample_points(symbols, context)
    shrunk = False
    tolerance = mpmath.mpf(10) ** -25
    near = mpmath.mpf(10) ** -6
    implicit = result.has(sp.ConditionSet)
    for point in points:
        # x* compiled once (exact, or mpmath agreeing at two precisions: evaluate_mpmath); failing that, the
        # result substituted all at once (the Piecewise conditions are decided on numbers) and evaluated by SymPy
        # at the working digits of an unshrunk step, so that it serves below unless the step is shrunk
        star = None if implicit else evaluate_mpmath(result, point, digits=_DPS + 10)
        star_expr = None
        if star is None:
            star_expr = at_point(result, point)
            star = solver(star_expr, point) if star_expr.has(sp.ConditionSet) else _real(_constant(star_expr))
        distances = [abs(star - _real(_mp(k, point))) for k in breakpoints]
        distance = min([d for d in distances if d > 0] or [mpmath.mpf(1)])
        step = mpmath.mpf(10) ** -20
        if distance < near:
            step *= distance / near
            shrunk = True
        digits = _DPS + 10 + max(0, int(-mpmath.log10(step)) - 20)
        with mpmath.workdps(digits):
            # x* at the precision of the parameters (x* = a exactly)
            if star_expr is None and digits != _DPS + 10:
                star = evaluate_mpmath(result, point, digits=digits)
                if star is None:
                    star_expr = at_point(result, point)
            if star_expr is not None and not star_expr.has(sp.ConditionSet):
                star = _real(_constant(star_expr))

            def f(t: Any, point: dict = point) -> Any:
                return _mp(objective, {**point, x: t})

            right, left = _slope(f, star, 1, step), _slope(f, star, -1, step)
            slack = tolerance * (1 + abs(star))
            if mpmath.isnan(right) or mpmath.isnan(left) or right < -slack or left > slack:
                # x* on a domain edge such as x = delta*lambda: compare with the edge computed exactly (the
                # parameters substituted as rationals), not as a product of separately rounded numbers
                exact = objective.xreplace({k: val for k, val in point.items() if k != x})

                def f(t: Any, exact: Any = exact) -> Any:  # the exact-edge retry
                    return _mp(exact, {x: t})

                right, left = _slope(f, star, 1, step), _slope(f, star, -1, step)
            if mpmath.isnan(right) or mpmath.isnan(left) or right < -slack or left > slack:
                shown = ", ".join(f"{k}={val}" for k, val in point.items())
                raise VerificationError(
                    f"x* = {sp.N(at_point(result, point), 15)} is not a minimiser at {shown}: "
                    f"F'(x*-) = {mpmath.nstr(left, 6)}, F'(x*+) = {mpmath.nstr(right, 6)}"
                )
    step_text = "step 1e-20, scaled down within 1e-6 of a breakpoint" if shrunk else "step 1e-20"
    return Check(
        "numeric",
        f"one-sided difference quotients of g(x) + (x - v)^2/2 at x* ({step_text}): F'(x*-) <= 0 <= F'(x*+) at "
        f"{len(points)} points, seed {SEED}",
    )


def _solve_condition_set(value: sp.ConditionSet, point: dict) -> sp.Basic:
    """The unique solution of a ConditionSet's (increasing) equation at a point, by mpmath bisection."""
    symbol, condition, base = value.args
    equation = (condition.lhs - condition.rhs).subs(point)
    function = sp.lambdify(symbol, equation, modules="mpmath")
    with mpmath.workdps(DIGITS + 10):
        lo, hi = base.start, base.end
        lo = mpmath.mpf(-1) if lo is sp.S.NegativeInfinity else mpmath.mpf(sp.N(lo, DIGITS + 10))
        hi = mpmath.mpf(1) if hi is sp.S.Infinity else mpmath.mpf(sp.N(hi, DIGITS + 10))
        while base.start is sp.S.NegativeInfinity and function(lo) > 0:
            lo *= 2
        while base.end is sp.S.Infinity and function(hi) < 0:
            hi *= 2
        for _ in range(400):
            mid = (lo + hi) / 2
            if function(mid) < 0:
                lo = mid
            else:
                hi = mid
        return (lo + hi) / 2


# --------------------------------------------------------------------------
# The entry point
# --------------------------------------------------------------------------
@functools.lru_cache(maxsize=512)  # pure: a derivation depends only on its inputs
def prox(
    g: Any,
    x: sp.Symbol,
    v: sp.Symbol,
    *,
    assumptions: Any = sp.true,
    route: str = "convex",
    convex_by: str | None = None,
) -> Derivation:
    """Derive ``prox_g(v) = argmin_x g(x) + (1/2)(x - v)^2`` for a scalar penalty.

    Parameters
    ----------
    g : sympy.Expr
        Piecewise-smooth penalty in ``x`` (include the weight: ``lam*Abs(x)``).
    x, v : sympy.Symbol
        The real variable of g and the real argument of the prox.
    assumptions : sympy Boolean, optional
        Extra facts about parameters, e.g. ``a < b`` for the indicator of [a, b].
    route : {"convex", "auto", "global"}
        ``"convex"`` (default): the convex algorithm; a non-convex ``g``
        raises :class:`~derive.errors.NonConvexError`.  ``"auto"``: convexity
        is decided from the expression (second derivative on each piece, the
        direction of each kink) and a non-convex ``g`` goes to the global
        minimisation of :func:`derive.nonconvex.global_prox`.  ``"global"``:
        always the global route.
    convex_by : str, optional
        A reason, with its citation, why ``g`` is convex when that is known
        from a theorem rather than from the expression, e.g. ``"g* is a
        conjugate: convex (Rockafellar 1970, Thm 12.2)"``.  Convexity is then
        not decided from the expression (which SymPy may fail to do, or do
        slowly): the convex route is taken and the reason is recorded as a
        cited step in place of the convexity check.  Every other step is
        checked as usual, and the final optimality check would still catch a
        false claim.  Not allowed with ``route="global"``.  Default None: the
        behaviour described above.

    Returns
    -------
    Derivation
        ``result`` is a ``Piecewise`` in ``v`` (one case per smooth piece and
        per kink); ``cases`` holds the same as ``(value, region)`` pairs;
        ``extras`` hold ``route``, ``zero_set`` (the v mapped to 0),
        ``threshold`` (its supremum) and, when it exists, ``compact``
        (``sign(v)*max(f(|v|), 0)``).  A case with no closed form is a
        ``ConditionSet`` (the extra ``closed_form`` is then false).

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import x, v, lam
    >>> d = prox(lam*sp.Abs(x), x, v)
    >>> d.result
    Piecewise((lambda + v, lambda < -v), (0, lambda >= v), (-lambda + v, True))
    >>> d.extra("compact")
    sign(v)*Max(0, -lambda + Abs(v))

    Convexity known from a theorem, not from the expression (SymPy cannot tell that ``cosh(mu) - 1 >= 0``):

    >>> from derive.symbols import mu
    >>> g = x**4/4 + lam*(sp.cosh(mu) - 1)*x**2
    >>> d = prox(g, x, v, convex_by="cosh(mu) >= 1: a sum of convex terms")
    >>> [(step.check.method, step.reason) for step in d.steps if step.statement.words == "g is convex"]
    [('cited', 'cosh(mu) >= 1: a sum of convex terms')]
    """
    if route not in ROUTES:
        raise OptionError(f"unknown route {route!r}; choose one of {', '.join(ROUTES)}")
    if convex_by is not None and (not isinstance(convex_by, str) or not convex_by.strip()):
        raise OptionError(f"convex_by must be a non-empty reason (a string), got {convex_by!r}")
    if convex_by is not None and route == "global":
        raise OptionError('convex_by (convexity known from a theorem) contradicts route="global"; drop one of them')
    from .validate import validate_penalty

    # Type, supported functions, the variable and the parameters' assumptions, before any symbolic work.
    g = validate_penalty(g, x, argument=v)
    structure = analysed(g, x, assumptions)
    if convex_by is None and (route == "global" or (route == "auto" and convexity(structure) is not True)):
        from .nonconvex import global_prox

        return global_prox(structure, v)
    builder = DerivationBuilder(
        f"The proximal operator of {expr_to_text(g)}",
        assumptions=(x, v, *structure.parameters),
        context=structure.assumptions,
    )
    cases, ranges = _prox_cases(structure, v, builder, convex_by=convex_by)
    closed = not any(isinstance(value, sp.ConditionSet) for value, _ in cases)
    result = piecewise_from_cases(cases, v)
    shown = Prox(Penalty("g", structure.expr, x), x, v)
    breakpoints = tuple(k.point for k in structure.breakpoints)
    builder.claim(
        shown,
        "=",
        result,
        "collect the cases; checked again: x* satisfies F'(x*-) <= 0 <= F'(x*+) for F(x) = g(x) + (x - v)^2/2"
        + ("" if closed else " (the cases left as an equation solved by bisection at 60 digits)"),
        lambda: _check_optimal(
            structure.expr, x, v, result, structure.assumptions, breakpoints, None if closed else _solve_condition_set
        ),
    )
    extras: list[tuple[str, Any]] = [("route", "convex")]
    if convex_by is not None:
        extras.append(("convex_by", convex_by))
    if not closed:
        builder.note(
            "no closed form was found: the proximal operator is characterised by its optimality equation, "
            "whose solution is unique; derive.numeric_prox.numeric_prox evaluates it by safeguarded bisection",
            "SymPy's solvers (solveset, solve) return no solution in closed form",
        )
        extras.append(("closed_form", sp.false))
        return builder.build(
            result, variable=v, parameters=structure.parameters, lhs=shown, cases=tuple(cases), extras=tuple(extras)
        )
    compact = compact_form(cases, v)
    if compact is not None:
        builder.equal(
            result,
            compact,
            "odd in v with a dead zone: write it with sign and the positive part (compared case by case)",
            show=shown,
        )
        extras.append(("compact", compact))
    zero = _zero_set_from_ranges(ranges, v)
    if zero is None:
        zero = zero_set_of(cases, v)
    extras.append(("zero_set", zero))
    extras.append(("threshold", _threshold(zero)))
    return builder.build(
        result,
        variable=v,
        parameters=structure.parameters,
        lhs=shown,
        cases=tuple(cases),
        extras=tuple(extras),
    )


def _threshold(zero: sp.Set) -> sp.Expr:
    if zero is sp.S.EmptySet:
        return sp.nan
    try:
        return zero.sup
    except (NotImplementedError, AttributeError):  # pragma: no cover - exotic sets
        return sp.nan
