"""The proximal operator of a non-convex scalar penalty, by global minimisation.

For non-convex g, Fermat's rule no longer characterises the minimiser of
F(x; v) = g(x) + (x - v)^2/2: stationary points may be local maxima or
merely local minima, and the global minimiser may jump.  The method here
(no table of closed forms; every step checked):

1. **Route.**  g is not convex (a piece with g'' < 0, a kink with
   g'(k-) > g'(k+), or a downward jump of the value), or its convexity could
   not be decided.  F is coercive (F -> +oo as |x| -> oo) and lower
   semicontinuous, so a global minimiser exists.
2. **Symmetry.**  g is even, so F(-x; -v) = F(x; v) and prox(-v) = -prox(v);
   for v >= 0, F(-|x|; v) - F(|x|; v) = 2|x|v >= 0, so the minimisers lie in
   [0, oo) and the problem is solved on the half-line.
3. **Candidates.**  Every local minimiser of F on [0, oo) is one of: the
   point 0 (for v in [0, g'(0+)], or for every v when g jumps down at 0), a
   convex kink k > 0 (for v in [k + g'(k-), k + g'(k+)]), or a stationary
   point on a piece where F'' = 1 + g'' > 0: on such a sub-piece v = x + g'(x)
   is increasing, and its inverse x(v) (solved as in :mod:`derive.prox`) is a
   local minimiser for v between the end values.
4. **Comparison.**  Along a candidate, dF(x_c(v); v)/dv = v - x_c(v)
   (envelope theorem), so for two candidates x_c < x_j the difference
   F_c - F_j is strictly increasing in v: they cross at most once, and the
   global minimiser x*(v) moves up through the candidates as v grows (it is
   non-decreasing).  A sweep from v = 0 finds, for the current winner, the
   first crossing with a candidate above it; a crossing where the two
   minimisers differ is a jump of the prox, set-valued there.
5. **Regimes.**  When a comparison of parameter expressions cannot be decided
   (capped L1: is theta > lambda/2?), the derivation splits into the regimes
   f > 0, f = 0 and f < 0, rewriting one parameter with a positive slack
   (theta = lambda/2 + s) so every later comparison is decidable; the result
   is a ``Piecewise`` over the regimes.
6. **No closed form.**  A crossing whose equation has no closed-form solution
   (the log penalty) is kept as an implicit threshold ``tau(parameters)``,
   characterised by its equation and checked numerically; the numeric prox
   evaluates it by bisection.

The result is checked once more by a global grid scan of F at random points.
"""

from __future__ import annotations

import functools
import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from .checks import (
    SEED,
    _numeric_detail,
    at_point,
    check_equal,
    check_true,
    decide_at,
    mpmath_function,
    sample_points,
    shown_zero,
)
from .core import Check, Derivation, DerivationBuilder
from .errors import NoClosedFormError, NonConvexError, UnsupportedPenaltyError, VerificationError
from .notation import Argmin, Penalty, Prox
from .penalties import Breakpoint, PenaltyStructure, Piece, analyse, compare, sign_of
from .printing.text import expr_to_text
from .prox import _constant, _limit, _mp, _real, convexity, region_points, solve_stationarity
from .subgradient import describe, piecewise_of

__all__ = ["global_prox", "Implicit", "implicit_value"]

#: An implicitly defined threshold (no closed form): ``tau(parameters)``.
tau = sp.Function("tau", positive=True)


class _Undecided(Exception):
    """A comparison the derivation needs depends on the parameters: split into regimes on ``difference``."""

    def __init__(self, difference: sp.Expr) -> None:
        super().__init__(str(difference))
        self.difference = difference


@dataclass(frozen=True, slots=True)
class Implicit:
    """A threshold ``tau`` with no closed form: ``tau = phi(x_tau)``, ``x_tau`` the root of ``equation``.

    ``equation`` (in ``x``) is increasing on ``interval``; it changes sign there.
    """

    symbol: Any
    equation: sp.Expr
    x: sp.Symbol
    interval: sp.Interval
    phi: sp.Expr

    def substitute(self, mapping: dict) -> Implicit:
        return Implicit(
            self.symbol.subs(mapping),
            self.equation.subs(mapping),
            self.x,
            self.interval.subs(mapping),
            self.phi.subs(mapping),
        )


def implicit_value(implicit: Implicit, point: dict) -> Any:
    """``tau`` at a parameter point (mpmath, 50 digits), by bisection.

    The equation is increasing in ``x`` on the interval and changes sign there,
    so the root is unique; it is bracketed by doubling when the interval is
    unbounded.  Values are cached per point.
    """
    key = tuple(sorted((s.name, point[s]) for s in _free(implicit.symbol) if s in point))
    return _implicit_cached(implicit, key)


@functools.lru_cache(maxsize=4096)
def _implicit_cached(implicit: Implicit, key: tuple) -> Any:
    values = {sp.Symbol(name, **_assumptions_of(implicit, name)): value for name, value in key}
    parameters = tuple(sorted(_free(implicit.equation) - {implicit.x}, key=lambda s: s.name))
    values = {p: values.get(p, p) for p in parameters}
    equation = _compile_mp(implicit.equation, (implicit.x, *parameters))
    phi = _compile_mp(implicit.phi, (implicit.x, *parameters))
    lo = implicit.interval.start.xreplace(values)
    hi = implicit.interval.end.xreplace(values)
    with mpmath.workdps(60):
        args = [mpmath.mpf(sp.N(values[p], 70)) for p in parameters]

        def f(t: Any) -> Any:
            return equation(t, *args)

        a = mpmath.mpf(sp.N(lo, 70)) if lo is not sp.S.NegativeInfinity else mpmath.mpf(-1)
        b = mpmath.mpf(sp.N(hi, 70)) if hi is not sp.S.Infinity else a + 1
        while hi is sp.S.Infinity and f(b) < 0:
            b = a + 2 * (b - a)
        if lo is not sp.S.NegativeInfinity:  # the equation may be singular at a finite end: step inside
            a = a + (b - a) * mpmath.mpf(10) ** -30
        tolerance = mpmath.mpf(10) ** -55
        # close to the root (bracket width 1e-3, again at 1e-12 if the first try failed): a few secant
        # steps, kept only if the bracket around the guess still shows the sign change
        polish_at = [mpmath.mpf(10) ** -12, mpmath.mpf(10) ** -3]
        for _ in range(400):
            if b - a <= tolerance * max(1, abs(a)):
                break
            if polish_at and b - a <= polish_at[-1] * max(1, abs(a)):
                polish_at.pop()
                try:
                    with mpmath.workdps(80):  # beyond the 55-digit bracket the guess must pass
                        guess = +mpmath.findroot(f, ((a + b) / 2, b), solver="secant", verify=False, maxsteps=30)
                except (ZeroDivisionError, ValueError, TypeError):
                    guess = None
                if isinstance(guess, mpmath.mpf) and a <= guess <= b:
                    width = tolerance * max(1, abs(guess))
                    low, high = guess - width, guess + width
                    if f(low) <= 0 <= f(high):
                        a, b = max(a, low), min(b, high)
                        continue
            mid = (a + b) / 2
            if f(mid) < 0:
                a = mid
            else:
                b = mid
        return phi((a + b) / 2, *args)


def _assumptions_of(implicit: Implicit, name: str) -> dict[str, bool]:
    for symbol in _free(implicit.equation) | _free(implicit.symbol):
        if symbol.name == name:
            return symbol.assumptions0
    return {}


def _compile_mp(expr: sp.Expr, symbols: tuple[sp.Symbol, ...]) -> Any:
    return mpmath_function(expr, symbols)  # lambdify's values without its code generation; cached


# --------------------------------------------------------------------------
# Decisions
# --------------------------------------------------------------------------
def _radicals(expr: sp.Expr) -> int:
    return sum(1 for node in sp.preorder_traversal(expr) if isinstance(node, sp.Pow) and not node.exp.is_Integer)


def _squared(expr: sp.Expr) -> sp.Expr | None:
    """``P^2 - N^2`` for ``expr = P - N`` with P, N sums of positive terms, if that has fewer radicals."""
    expanded = sp.expand(expr)
    if not isinstance(expanded, sp.Add):
        return None
    plus = [t for t in expanded.args if t.is_positive]
    minus = [-t for t in expanded.args if (-t).is_positive]
    if not plus or not minus or len(plus) + len(minus) != len(expanded.args):
        return None
    squared = sp.expand(sp.Add(*plus) ** 2 - sp.Add(*minus) ** 2)
    return squared if _radicals(squared) < _radicals(expanded) else None


def _sign(expr: Any, context: Any) -> int | None:
    """Sign of ``expr``: SymPy, then squaring a difference of positive terms, then dropping positive factors."""
    expr = sp.sympify(expr)
    if expr.has(tau):
        return None
    s = sign_of(expr, context)
    if s is not None:
        return s
    squared = _squared(expr)
    if squared is not None:
        return _sign(squared, context)
    factored = sp.factor(expr)
    if isinstance(factored, sp.Mul):
        total = 1
        for factor in factored.args:
            s = sign_of(factor, context)
            if s is None:
                s = _sign(factor, context) if factor != factored else None
            if s is None:
                return None
            total *= s
        return total
    return None


@dataclass
class _Decider:
    """Comparisons under the context; undecidable ones raise :class:`_Undecided`; numeric ones are logged."""

    context: Any
    implicit: list[Implicit] = field(default_factory=list)
    numeric: list[tuple[Any, Any]] = field(default_factory=list)
    #: the minimiser on the branch at a crossing found along it (simpler than the branch formula there)
    at_crossing: dict[Any, Any] = field(default_factory=dict)

    def less(self, p: Any, q: Any, *, strict: bool = True) -> bool:
        answer = compare(p, q, self.context, strict=strict) if not (_has_tau(p) or _has_tau(q)) else None
        if answer is None and not (_has_tau(p) or _has_tau(q)):
            s = _sign(sp.sympify(q) - sp.sympify(p), self.context)
            if s is not None:
                answer = s > 0 if strict else s >= 0
        if answer is None and (_has_tau(p) or _has_tau(q)):
            answer = self._numeric_less(p, q, strict)
        if answer is None:
            raise _Undecided(sp.sympify(q) - sp.sympify(p))
        return answer

    def equal(self, p: Any, q: Any) -> bool:
        if p == q:
            return True
        if _has_tau(p) or _has_tau(q):
            return False
        s = _sign(sp.sympify(q) - sp.sympify(p), self.context)
        if s is None:
            raise _Undecided(sp.sympify(q) - sp.sympify(p))
        return s == 0

    def _numeric_less(self, p: Any, q: Any, strict: bool) -> bool | None:
        """Decide a comparison involving an implicit threshold at sample points (logged as a numeric step)."""
        symbols = sorted((_free(p) | _free(q)), key=lambda s: s.name)
        verdicts = set()
        for point in sample_points(symbols, self.context, count=12):
            left, right = _evaluate(p, point, self.implicit), _evaluate(q, point, self.implicit)
            verdicts.add(bool(left < right) if strict else bool(left <= right))
        if len(verdicts) != 1:
            return None
        (answer,) = verdicts
        self.numeric.append((p, q) if answer else (q, p))
        return answer


def _has_tau(expr: Any) -> bool:
    return isinstance(expr, sp.Basic) and expr.has(tau)


def _free(expr: Any) -> set[sp.Symbol]:
    return {s for s in sp.sympify(expr).free_symbols if isinstance(s, sp.Symbol)}


@functools.lru_cache(maxsize=1024)
def _threshold_slots(expr: sp.Basic) -> tuple[sp.Basic, tuple[tuple[sp.Basic, sp.Dummy], ...]]:
    """``expr`` with each threshold ``tau(...)`` replaced by a symbol, and the (threshold, symbol) pairs.

    So an expression with thresholds is compiled once (:func:`derive.prox._mp`)
    and the thresholds' values at a point are passed as arguments, instead of
    substituting numbers and compiling a new expression at every point.
    """
    thresholds = sorted(expr.atoms(tau), key=sp.default_sort_key)
    slots = tuple((threshold, sp.Dummy(f"tau{i}", real=True)) for i, threshold in enumerate(thresholds))
    return expr.xreplace(dict(slots)), slots


def _with_thresholds(expr: sp.Basic, point: dict, implicit: list[Implicit]) -> tuple[sp.Basic, dict]:
    """``(expr with slots, point with the thresholds' values)`` for :func:`derive.prox._mp`."""
    slotted, slots = _threshold_slots(expr)
    values = dict(point)
    for threshold, slot in slots:
        owner = next((imp for imp in implicit if imp.symbol == threshold), None)
        if owner is None:
            raise VerificationError(f"{threshold} in {expr} has no defining equation")
        values[slot] = implicit_value(owner, point)
    return slotted, values


def _evaluate(expr: Any, point: dict, implicit: list[Implicit]) -> Any:
    expr = sp.sympify(expr)
    if expr in (sp.S.Infinity, sp.S.NegativeInfinity):
        return mpmath.inf if expr is sp.S.Infinity else -mpmath.inf
    return _real(_mp(*_with_thresholds(expr, point, implicit)))


# --------------------------------------------------------------------------
# Candidates
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Candidate:
    """A local minimiser of F on [0, oo) as a function of v, with the v where it is one.

    ``lazy_energy`` is F along the candidate, ``g(x_c(v)) + (x_c(v) - v)^2/2``, or a function building it: for a
    branch that is the root formula substituted into g, built only if a comparison needs it (:attr:`energy`).
    """

    label: str
    order: int
    value: sp.Expr
    region: sp.Interval
    lazy_energy: Any
    g_expr: sp.Expr
    interval: sp.Interval | None = None
    phi: sp.Expr | None = None

    @functools.cached_property
    def energy(self) -> sp.Expr:
        """F along the candidate as a function of v (in terms of ``x^*`` for an implicit branch)."""
        return self.lazy_energy if isinstance(self.lazy_energy, sp.Basic) else self.lazy_energy()

    @property
    def is_point(self) -> bool:
        return self.interval is None

    @property
    def implicit(self) -> bool:
        """The minimiser has no closed form (a ``ConditionSet``); ``energy`` is then in terms of ``x^*``."""
        return isinstance(self.value, sp.ConditionSet)

    def energy_at(self, value: Any, at: Any, x: sp.Symbol) -> sp.Expr:
        """F(value; at) = g(value) + (value - at)^2/2, for ``value`` this candidate's minimiser at v = ``at``."""
        return self.g_expr.subs(x, value) + (value - at) ** 2 / 2


def _clip_pieces(structure: PenaltyStructure, decide: _Decider) -> tuple[list[Piece], list[Breakpoint]]:
    """The pieces and breakpoints of g on (0, oo) (a piece straddling 0 is cut there)."""
    pieces: list[Piece] = []
    for piece in structure.pieces:
        lo, hi = piece.interval.start, piece.interval.end
        if not decide.less(0, hi):
            continue
        if decide.less(lo, 0):
            pieces.append(Piece(sp.Interval.open(0, hi), piece.expr))
        else:
            pieces.append(piece)
    breakpoints = [k for k in structure.breakpoints if decide.less(0, k.point)]
    return pieces, breakpoints


def _candidates(
    structure: PenaltyStructure, v: sp.Symbol, decide: _Decider, builder: DerivationBuilder
) -> list[_Candidate]:
    x = structure.variable
    pieces, breakpoints = _clip_pieces(structure, decide)
    found: list[_Candidate] = []
    # -- the point 0
    at_zero = structure.breakpoint_at(sp.Integer(0))
    first = pieces[0]
    g0 = at_zero.value if at_zero is not None else first.expr.subs(x, 0)
    if first.finite:
        limit0 = sp.limit(first.expr, x, 0, "+")
        right0 = at_zero.right if at_zero is not None else sp.diff(first.expr, x).subs(x, 0)
        if g0 != sp.oo:
            if decide.less(g0, limit0):
                region, why = (
                    sp.Interval(0, sp.oo, False, True),
                    "g jumps up away from 0, so 0 is a strict local minimiser",
                )
            elif decide.equal(g0, limit0):
                if right0 is sp.S.Infinity:
                    region, why = sp.Interval(0, sp.oo, False, True), "g'(0+) = +oo"
                elif decide.less(0, right0, strict=False):
                    region = sp.Interval(0, right0)
                    why = f"F'(0+) = g'(0+) - v = {sp.sstr(right0)} - v >= 0"
                else:
                    region, why = sp.S.EmptySet, "F'(0+) < 0"
            else:
                raise UnsupportedPenaltyError(f"{structure.expr} jumps down just right of 0: not lower semicontinuous")
            if region is not sp.S.EmptySet:
                found.append(_Candidate("x = 0", 0, sp.Integer(0), region, g0 + v**2 / 2, g0))
                builder.claim(
                    v,
                    "in",
                    region,
                    f"candidate x = 0: on [0, oo) it is a local minimiser of F exactly when "
                    f"{describe(region, v)} ({why})",
                    lambda region=region: _check_zero_region(structure, v, region),
                    condition=sp.Eq(sp.Symbol("x^*", real=True), 0),
                )
    order = 1
    for i, piece in enumerate(pieces):
        for candidate in _branches(structure, piece, v, decide, builder, order):
            found.append(candidate)
            order += 1
        if i < len(breakpoints):
            k = breakpoints[i]
            candidate = _kink_candidate(structure, k, v, decide, builder, order)
            if candidate is not None:
                found.append(candidate)
            order += 1
    if not found:
        raise UnsupportedPenaltyError(f"no local minimiser candidates were found for {structure.expr}")
    return found


#: Steps h = 10^-k of :func:`_check_zero_region`, decreasing.  The neighbourhood where 0 is a local minimiser
#: can be tiny: for lambda*|x|^p (0 < p < 1) F(h) >= F(0) exactly when h <= (lambda/v)^(1/(1 - p)), about 1e-10 at
#: p = 3/4, lambda = 0.05, v = 15, so a fixed step of 1e-8 tests a point outside it.
ZERO_STEPS: tuple[int, ...] = (8, 12, 16, 24, 32, 48, 64)
#: The smallest steps of :data:`ZERO_STEPS` at which F(h) >= F(0) must hold at every point.
ZERO_TAIL = 3


def _check_zero_region(structure: PenaltyStructure, v: sp.Symbol, region: sp.Set) -> Check:
    """At sample v in the region, F(h) >= F(0) for all small h > 0 (numeric).

    0 is a local minimiser of F on [0, oo) when F(h) >= F(0) for h in (0, delta), for some delta > 0.  The
    steps h = 10^-k (:data:`ZERO_STEPS`) are tried in decreasing order; the steps where F(h) < F(0) must all be
    larger than those where F(h) >= F(0) (a failure below a success contradicts the claim for every delta), and
    the :data:`ZERO_TAIL` smallest steps must succeed.  F(h) - F(0) is computed at 2k + 40 digits, so a difference
    of order h (or h^2/2, at the end of the region) is resolved, and compared with the rounding noise of F(0).
    A claimed region containing a v with F'(0+) = g'(0+) - v < 0 fails at every small step.
    """
    x = structure.variable
    objective = structure.expr + (x - v) ** 2 / 2
    symbols = (objective.free_symbols | region.free_symbols | {v}) - {x}
    bounded = region if region.sup is not sp.S.Infinity else sp.Interval(region.inf, region.inf + 20)
    points = region_points(bounded, v, symbols, structure.assumptions, count=20)
    largest_tail = len(ZERO_STEPS)
    for point in points:
        passed: list[bool] = []
        for k in ZERO_STEPS:
            with mpmath.workdps(2 * k + 40):
                at0 = _real(_mp(objective, {**point, x: 0}))
                gap = _real(_mp(objective, {**point, x: sp.Rational(1, 10**k)})) - at0
                noise = mpmath.mpf(10) ** -(2 * k + 30) * max(1, abs(at0))
                passed.append(bool(gap >= -noise))
        first = passed.index(True) if True in passed else len(passed)
        if not all(passed[first:]) or len(passed) - first < ZERO_TAIL:
            failed = [f"1e-{k}" for k, ok in zip(ZERO_STEPS, passed, strict=True) if not ok]
            raise VerificationError(f"0 is not a local minimiser at {point}: F(h) < F(0) for h = {', '.join(failed)}")
        largest_tail = min(largest_tail, len(passed) - first)
    return Check(
        "numeric",
        f"F(h) >= F(0) at every step h = 1e-k, k in {ZERO_STEPS}, from the first one that passes (at every point "
        f"from h = 1e-{ZERO_STEPS[-largest_tail]} on) at " + _numeric_detail(len(points), 0).split(", max")[0],
    )


def _kink_candidate(
    structure: PenaltyStructure, k: Breakpoint, v: sp.Symbol, decide: _Decider, builder: DerivationBuilder, order: int
) -> _Candidate | None:
    if k.value is sp.oo or k.left is sp.S.NegativeInfinity or k.right is sp.S.Infinity:
        return None
    if decide.equal(k.left, k.right):
        return None  # differentiable: covered by the stationary points on either side
    if decide.less(k.right, k.left):
        builder.note(
            f"the kink at x = {sp.sstr(k.point)} is concave (g'(k-) = {sp.sstr(k.left)} > "
            f"g'(k+) = {sp.sstr(k.right)}): F'(k-) > F'(k+) there, so it is never a local minimiser",
            "a local minimiser needs F'(k-) <= 0 <= F'(k+)",
        )
        return None
    region = sp.Interval(k.point + k.left, k.point + k.right)
    builder.claim(
        v,
        "in",
        region,
        f"candidate x = {sp.sstr(k.point)} (a convex kink): a local minimiser iff F'(k-) <= 0 <= F'(k+)",
        lambda: check_equal(region.start - k.point, k.left),
    )
    return _Candidate(f"x = {sp.sstr(k.point)}", order, k.point, region, k.value + (k.point - v) ** 2 / 2, k.value)


def _zeros(expr: sp.Expr, x: sp.Symbol, lo: Any, hi: Any, decide: _Decider) -> list[sp.Expr]:
    """The zeros of ``expr`` strictly inside (lo, hi), sorted."""
    if not expr.has(x):
        return []
    try:
        roots = sp.solveset(expr, x, sp.S.Reals)
    except (NotImplementedError, ValueError, TypeError):
        roots = None
    if not isinstance(roots, sp.FiniteSet):
        numerator = sp.fraction(sp.together(expr))[0]
        try:
            roots = sp.FiniteSet(*[r for r in sp.solve(numerator, x) if r.is_real is not False])
        except (NotImplementedError, ValueError, TypeError):
            raise NoClosedFormError(f"cannot locate the zeros of {expr}") from None
    inside = [r for r in roots if decide.less(lo, r) and decide.less(r, hi)]
    return sorted(inside, key=lambda r: sp.N(r.subs({s: 1 for s in r.free_symbols})))


def _sign_on(expr: sp.Expr, x: sp.Symbol, lo: Any, hi: Any, decide: _Decider) -> int:
    """The (constant) sign of ``expr`` on (lo, hi), where it has no zeros."""
    probes: list[Callable[[], Any]] = []  # computed one at a time: the first decisive probe ends the search
    if lo is not sp.S.NegativeInfinity and hi is not sp.S.Infinity:
        probes.append(lambda: expr.subs(x, (lo + hi) / 2))
    if hi is sp.S.Infinity:
        probes.append(lambda: sp.limit(expr, x, sp.oo))
    if lo is not sp.S.NegativeInfinity:
        probes.append(lambda: sp.limit(expr, x, lo, "+"))
    if hi is not sp.S.Infinity:
        probes.append(lambda: sp.limit(expr, x, hi, "-"))
    first = None
    for probe in probes:
        value = probe()
        first = value if first is None else first
        if value.is_infinite:
            return 1 if value is sp.S.Infinity else -1
        s = _sign(value, decide.context)
        if s:
            return s
    raise _Undecided(first)


def _branches(
    structure: PenaltyStructure,
    piece: Piece,
    v: sp.Symbol,
    decide: _Decider,
    builder: DerivationBuilder,
    order: int,
) -> list[_Candidate]:
    """Local-minimiser branches (stationary points with F'' > 0) on one piece."""
    if not piece.finite:
        return []
    x = structure.variable
    derivative = sp.diff(piece.expr, x)
    phi = x + derivative
    curvature = sp.simplify(1 + sp.diff(piece.expr, x, 2))
    lo, hi = piece.interval.start, piece.interval.end
    cuts = [lo, *_zeros(curvature, x, lo, hi, decide), hi]
    found: list[_Candidate] = []
    for a, b in itertools.pairwise(cuts):
        sub = sp.Interval.open(a, b)
        sign = _sign_on(curvature, x, a, b, decide) if curvature.has(x) else _sign(curvature, decide.context)
        if sign is None:
            raise _Undecided(curvature)
        if sign <= 0:
            builder.note(
                f"on {describe(sub, x)}: F'' = 1 + g'' = {sp.sstr(curvature)} {'<' if sign < 0 else '='} 0, so "
                "a stationary point there is not a local minimiser",
                "second-order condition",
            )
            continue
        lo_v, hi_v = _limit(phi, x, a, "+"), _limit(phi, x, b, "-")
        region = sp.Interval.open(lo_v, hi_v)
        symbols = (phi.free_symbols | region.free_symbols | {v}) - {x}
        points = region_points(region, v, symbols, structure.assumptions, count=8)
        check_points = region_points(region, v, symbols, structure.assumptions, count=20)
        try:
            solution = solve_stationarity(phi - v, x, sub, points, assumptions=structure.assumptions)
        except NoClosedFormError as exc:
            found.append(
                _implicit_branch(
                    structure,
                    piece,
                    phi,
                    curvature,
                    sub,
                    region,
                    v,
                    builder,
                    check_points,
                    str(exc),
                    order + len(found),
                )
            )
            continue
        root = solution.root
        builder.claim(
            sp.Integer(0),
            "=",
            (phi - v).subs(x, sp.Symbol("x^*", real=True)),
            f"on {describe(sub, x)}: F'' = {sp.sstr(curvature)} > 0 and v = x + g'(x) increases from "
            f"{sp.sstr(lo_v)} to {sp.sstr(hi_v)}, so for {describe(region, v)} the stationary point "
            f"x* = {sp.sstr(root)} is a local minimiser ({solution.rule})",
            lambda root=root, points=check_points, sub=sub: _check_branch(phi - v, x, root, sub, points),
        )

        def energy(expr: sp.Expr = piece.expr, root: sp.Expr = root) -> sp.Expr:
            return expr.subs(x, root) + (root - v) ** 2 / 2

        found.append(
            _Candidate(
                f"the stationary point on {describe(sub, x)}",
                order + len(found),
                root,
                region,
                energy,
                piece.expr,
                sub,
                phi,
            )
        )
    return found


def _implicit_branch(
    structure: PenaltyStructure,
    piece: Piece,
    phi: sp.Expr,
    curvature: sp.Expr,
    sub: sp.Interval,
    region: sp.Interval,
    v: sp.Symbol,
    builder: DerivationBuilder,
    points: list,
    why: str,
    order: int,
) -> _Candidate:
    """A branch whose stationary point has no closed form: the root of v = x + g'(x) on ``sub``, kept implicit.

    On ``sub`` F'' = 1 + g'' > 0, so x + g'(x) - v is continuous and strictly increasing there; it runs from
    ``region.start - v`` to ``region.end - v``, so for v in ``region`` it has exactly one root (intermediate value
    theorem).  The value is ``ConditionSet(x*, x* + g'(x*) - v = 0, sub)``, a single point, evaluated by bisection
    (:func:`_condition_set_value`) and by :mod:`derive.numeric_prox`.
    """
    x = structure.variable
    xstar = sp.Symbol(f"{x.name}^*", real=True)
    equation = phi - v
    root = sp.ConditionSet(xstar, sp.Eq(equation.subs(x, xstar), 0), sub)
    builder.claim(
        sp.Integer(0),
        "=",
        equation.subs(x, xstar),
        f"on {describe(sub, x)}: F'' = {sp.sstr(curvature)} > 0, so x + g'(x) - v is continuous and strictly "
        f"increasing there, from {sp.sstr(region.start)} - v to {sp.sstr(region.end)} - v; no closed-form solution "
        f"was found ({why}), so for {describe(region, v)} the stationary point x* is the unique root of this equation "
        "on the sub-piece (intermediate value theorem), a local minimiser, evaluated by bisection",
        lambda: _check_implicit_branch(equation, x, sub, points),
        condition=sp.Contains(xstar, sub),
    )
    energy = piece.expr.subs(x, xstar) + (xstar - v) ** 2 / 2
    return _Candidate(f"the stationary point on {describe(sub, x)}", order, root, region, energy, piece.expr, sub, phi)


def _check_implicit_branch(equation: sp.Expr, x: sp.Symbol, sub: sp.Interval, points: list) -> Check:
    """At v inside the region, the equation goes from < 0 to > 0 across the sub-piece (so a root exists there)."""
    for point in points:
        if not _changes_sign(equation, x, sub, point):
            raise VerificationError(f"{equation} does not change sign on {sub} at {point}")
    return Check("numeric", "a sign change on the sub-piece: " + _numeric_detail(len(points), 0).split(", max")[0])


def _condition_set_value(root: sp.ConditionSet, point: dict) -> Any:
    """The single element of ``ConditionSet(x, Eq(f(x), 0), interval)`` at ``point``, ``f`` increasing (bisection).

    The bracket is the interval at ``point``, an infinite end pushed out by doubling until ``f`` changes sign;
    the result is correct to about 1e-55 (relative), computed at 70 digits.
    """
    symbol, condition, base = root.args
    parameters = tuple(sorted(_free(root), key=lambda s: s.name))
    f = mpmath_function(condition.lhs - condition.rhs, (symbol, *parameters))
    with mpmath.workdps(70):
        args = [_real(_mp(point[p], {})) for p in parameters]
        ends = [base.start.xreplace(point), base.end.xreplace(point)]
        a = _real(_constant(ends[0])) if ends[0].is_finite else None
        b = _real(_constant(ends[1])) if ends[1].is_finite else None
        if a is None:
            a = (b if b is not None else mpmath.mpf(0)) - 1
            while f(a, *args) > 0:
                a = 2 * a - (b if b is not None else 0)
        if b is None:
            b = a + 1
            while f(b, *args) < 0:
                b = 2 * b - a
        for _ in range(400):
            if b - a <= mpmath.mpf(10) ** -60 * max(1, abs(a)):
                break
            mid = (a + b) / 2
            value = f(mid, *args)
            if not value > 0 and not value < 0 and value != 0:  # nan: outside the domain
                raise VerificationError(f"{root} cannot be evaluated at {point}")
            if value < 0:
                a = mid
            else:
                b = mid
        return (a + b) / 2


def _check_branch(equation: sp.Expr, x: sp.Symbol, root: sp.Expr, sub: sp.Interval, points: list) -> Check:
    from .prox import _fails

    failure = _fails(root, equation, x, sub, points)
    if failure is not None:
        raise VerificationError(f"{root} is {failure}")
    return Check("numeric", "a root on the sub-piece: " + _numeric_detail(len(points), 0).split(", max")[0])


# --------------------------------------------------------------------------
# The sweep
# --------------------------------------------------------------------------
@dataclass(frozen=True)
class _Segment:
    candidate: _Candidate
    start: Any
    end: Any
    start_closed: bool
    end_closed: bool


@dataclass(frozen=True)
class _Jump:
    at: Any
    low: sp.Expr
    high: sp.Expr


def _crossing(
    c: _Candidate,
    j: _Candidate,
    v: sp.Symbol,
    x: sp.Symbol,
    decide: _Decider,
    context: Any,
) -> Any | None:
    """The v where F_c = F_j (F_c - F_j increases in v), or None; the caller checks it lies in both regions."""
    roots: list[Any] = []
    if c.is_point and not j.is_point:
        # along j, v = phi(x): F_c - F_j as a function of x on j's sub-piece
        phi = j.phi
        difference = sp.expand(c.g_expr + (c.value - phi) ** 2 / 2 - j.g_expr - (x - phi) ** 2 / 2)
        symbols = (difference.free_symbols | j.interval.free_symbols) - {x}
        at_start = sp.limit(difference, x, j.interval.start, "+") if j.interval.start.is_finite else None
        if at_start is not None and shown_zero(at_start):
            # F_c = F_j where the branch begins: a continuous hand-over at v = phi(start+)
            roots = [_limit(phi, x, j.interval.start, "+")]
            points = []
        else:
            points = sample_points(sorted(symbols, key=lambda s: s.name), context, count=8)
            points = [p for p in points if _changes_sign(difference, x, j.interval, p)]
            if not points:
                return None
    if c.is_point and not j.is_point and points:
        try:
            solution = solve_stationarity(difference, x, j.interval, points, assumptions=context)
            roots = [sp.simplify(phi.subs(x, solution.root))]
            decide.at_crossing[roots[0]] = sp.simplify(solution.root)
        except NoClosedFormError:
            if j.implicit:
                raise UnsupportedPenaltyError(
                    f"neither {j.label} nor its crossing with {c.label} has a closed form"
                ) from None
            parameters = tuple(sorted(symbols, key=lambda s: s.name))
            symbol = tau(*parameters)
            decide.implicit.append(Implicit(symbol, difference, x, j.interval, phi))
            roots = [symbol]
    elif not (c.is_point and not j.is_point):
        if c.implicit or j.implicit:
            raise UnsupportedPenaltyError(
                f"comparing {c.label} with {j.label} needs F along a stationary point with no closed form"
            )
        # F_c - F_j = 0 for v: over a common denominator and factored first (cheap; the same roots as after
        # simplify for every penalty of the catalogue), else simplified
        found = _solve_real(sp.factor(sp.together(c.energy - j.energy)), v)
        if not isinstance(found, sp.FiniteSet):
            found = _solve_real(sp.simplify(c.energy - j.energy), v)
        if not isinstance(found, sp.FiniteSet):
            return None
        roots = list(found)
    if len(roots) > 1:
        roots = [r for r in roots if decide.less(0, r, strict=False)]
    return roots[0] if roots else None


def _solve_real(expr: sp.Expr, v: sp.Symbol) -> sp.Set | None:
    """``solveset(expr, v, Reals)``, or None if SymPy fails."""
    try:
        return sp.solveset(expr, v, sp.S.Reals)
    except (NotImplementedError, ValueError, TypeError):
        return None


def _changes_sign(expr: sp.Expr, x: sp.Symbol, interval: sp.Interval, point: dict) -> bool:
    """Whether ``expr`` (continuous on the open interval) goes from < 0 near its start to > 0 near its end."""
    lo, hi = interval.start.xreplace(point), interval.end.xreplace(point)
    concrete = expr.xreplace(point)

    def near(end: Any, inward: int) -> Any:
        if end in (sp.S.Infinity, sp.S.NegativeInfinity):
            symbolic = _limit_at_infinity(expr, x, end)
            if symbolic is not None:  # one symbolic limit for all points instead of one limit per point
                return mpmath.inf if symbolic is sp.S.Infinity else -mpmath.inf
            limit = sp.limit(concrete, x, end)
            return (
                mpmath.inf
                if limit is sp.S.Infinity
                else (-mpmath.inf if limit is sp.S.NegativeInfinity else _real(_constant(limit)))
            )
        at = end + inward * sp.Rational(1, 10**12) * (1 + abs(end))
        return _real(_mp(expr, {**point, x: at}))  # expr compiled once, not the concrete one at every point

    return bool(near(lo, 1) < 0 < near(hi, -1))


@functools.lru_cache(maxsize=256)
def _limit_at_infinity(expr: sp.Expr, x: sp.Symbol, end: Any) -> Any:
    """``lim expr`` as ``x -> end`` (±oo) for all parameters, if SymPy finds it to be ±oo; else None.

    The parameters keep their assumptions, so an infinite limit holds at every
    admissible point; anything else (a finite or parameter-dependent limit) is
    left to the caller, point by point.
    """
    try:
        limit = sp.limit(expr, x, end)
    except (NotImplementedError, ValueError, TypeError):
        return None
    return limit if limit in (sp.S.Infinity, sp.S.NegativeInfinity) else None


def _sweep(
    candidates: list[_Candidate], v: sp.Symbol, x: sp.Symbol, decide: _Decider, context: Any
) -> tuple[list[_Segment], list[_Jump]]:
    active = [c for c in candidates if _contains(c.region, sp.Integer(0), decide)]
    if not active:
        raise UnsupportedPenaltyError("no candidate minimiser at v = 0")
    current = active[0]
    for other in active[1:]:
        if current.implicit or other.implicit:
            raise UnsupportedPenaltyError("two candidates at v = 0, one without a closed form: cannot compare them")
        if decide.less(other.energy.subs(v, 0), current.energy.subs(v, 0)):
            current = other
    start, start_closed = sp.Integer(0), True
    segments: list[_Segment] = []
    jumps: list[_Jump] = []
    for _ in range(4 * len(candidates) + 4):
        end = current.region.end
        best: tuple[Any, _Candidate] | None = None
        for j in candidates:
            if j.order <= current.order:
                continue
            s = _crossing(current, j, v, x, decide, context)
            if s is None:
                continue
            # only a crossing no later than the best so far matters: decide that first (fewer regime splits)
            if best is not None and not decide.less(s, best[0], strict=False):
                continue
            lower, upper = (start, j.region.start), (end, j.region.end)
            if not all(decide.less(b, s, strict=False) for b in lower):
                continue
            if not all(decide.less(s, b, strict=False) for b in upper):
                continue
            if best is None or not decide.equal(s, best[0]) or j.order > best[1].order:
                best = (s, j)
        if best is None:
            if end is sp.S.Infinity:
                segments.append(_Segment(current, start, end, start_closed, False))
                return segments, jumps
            raise UnsupportedPenaltyError(
                f"{current.label} stops being a local minimiser at v = {end} with no successor"
            )
        s, j = best
        low = current.value.subs(v, s)
        high = decide.at_crossing.get(s, j.value.subs(v, s)) if current.is_point else j.value.subs(v, s)
        continuous = not _has_tau(s) and shown_zero(low - high)
        segments.append(_Segment(current, start, s, start_closed, continuous))
        if not continuous:
            jumps.append(_Jump(s, sp.simplify(low), sp.simplify(high)))
        current, start, start_closed = j, s, False
    raise UnsupportedPenaltyError("the sweep over the candidates did not terminate")  # pragma: no cover


def _contains(region: sp.Interval, point: Any, decide: _Decider) -> bool:
    if region is sp.S.EmptySet:
        return False
    low = decide.less(region.start, point, strict=region.left_open)
    return low and (region.end is sp.S.Infinity or decide.less(point, region.end, strict=region.right_open))


def _max(p: Any, q: Any, decide: _Decider) -> Any:
    return q if decide.less(p, q, strict=False) else p


def _min(p: Any, q: Any, decide: _Decider) -> Any:
    return p if decide.less(p, q, strict=False) else q


# --------------------------------------------------------------------------
# Assembly
# --------------------------------------------------------------------------
def _mirror_cases(segments: list[_Segment], jumps: list[_Jump], v: sp.Symbol) -> list[tuple[Any, sp.Set]]:
    """Cases on the whole line from the half-line segments (prox is odd)."""
    positive: list[tuple[Any, sp.Set]] = []
    for i, seg in enumerate(segments):
        start_open = True if i == 0 else not seg.start_closed
        positive.append((seg.candidate.value, sp.Interval(seg.start, seg.end, start_open, not seg.end_closed)))
        if i < len(segments) - 1 and not seg.end_closed:
            jump = next(j for j in jumps if j.at == seg.end)
            positive.append((sp.FiniteSet(jump.low, jump.high), sp.FiniteSet(seg.end)))
    at_zero = segments[0].candidate.value.subs(v, 0)
    zero_case = (
        (sp.Integer(0), sp.FiniteSet(0)) if shown_zero(at_zero) else (sp.FiniteSet(-at_zero, at_zero), sp.FiniteSet(0))
    )
    negative: list[tuple[Any, sp.Set]] = []
    for value, region in reversed(positive):
        if isinstance(value, sp.FiniteSet):
            mirrored_value: Any = sp.FiniteSet(*[-e for e in value.args])
        elif isinstance(value, sp.ConditionSet):
            mirrored_value = _mirror_root(value, v)
        else:
            mirrored_value = -value.subs(v, -v)
        if isinstance(region, sp.FiniteSet):
            mirrored_region: sp.Set = sp.FiniteSet(-region.args[0])
        else:
            mirrored_region = sp.Interval(-region.end, -region.start, region.right_open, region.left_open)
        negative.append((mirrored_value, mirrored_region))
    cases = [*negative, zero_case, *positive]
    return _merge(cases, v)


def _mirror_root(root: sp.ConditionSet, v: sp.Symbol) -> sp.ConditionSet:
    """-x*(-v) for x*(v) the root of f(x; v) = 0 on I: the root of -f(-y; -v) = 0 on -I (increasing in y too)."""
    symbol, condition, base = root.args
    f = condition.lhs - condition.rhs
    mirrored = -f.xreplace({symbol: -symbol}).subs(v, -v)
    return sp.ConditionSet(symbol, sp.Eq(sp.expand(mirrored), 0), sp.Interval(-base.end, -base.start, True, True))


def _equal_values(first: Any, second: Any) -> bool:
    if first == second:
        return True
    if isinstance(first, sp.Set) or isinstance(second, sp.Set) or _heavy(first) or _heavy(second):
        return False
    return shown_zero(sp.expand(first - second))


def _heavy(expr: Any) -> bool:
    """Radical or trigonometric root formulas: structural comparison only (simplify is slow and never needed)."""
    return isinstance(expr, sp.Basic) and (expr.has(sp.cos, sp.acos, sp.cosh, sp.acosh) or _radicals(expr) > 4)


def _merge(cases: list[tuple[Any, sp.Set]], v: sp.Symbol) -> list[tuple[Any, sp.Set]]:
    """Join consecutive cases with the same value (a point between two equal cases included)."""
    out: list[tuple[Any, sp.Set]] = []
    for value, region in cases:
        if out and _equal_values(out[-1][0], value):
            previous_value, previous = out[-1]
            out[-1] = (previous_value, _join(previous, region))
            continue
        if (
            len(out) >= 2
            and isinstance(out[-1][1], sp.FiniteSet)
            and _equal_values(out[-2][0], value)
            and not isinstance(value, sp.Set)
            and _equal_values(out[-1][0], value.subs(v, out[-1][1].args[0]))
        ):
            middle = out.pop()
            previous_value, previous = out[-1]
            out[-1] = (previous_value, _join(_join(previous, middle[1]), region))
            continue
        out.append((value, region))
    return out


def _zero_set(cases: list[tuple[Any, sp.Set]]) -> sp.Set:
    """The v with 0 in prox(v): the cases whose value is 0 or a tie containing 0.

    Every other case is a stationary point on an open sub-piece of (0, oo) or
    its mirror image, or a kink other than 0, so it is never 0.
    """
    parts = [region for value, region in cases if value == 0 or (isinstance(value, sp.FiniteSet) and 0 in value)]
    return sp.Union(*parts) if parts else sp.S.EmptySet


def _join(first: sp.Set, second: sp.Set) -> sp.Set:
    a = (
        (first.args[0], first.args[0], False, False)
        if isinstance(first, sp.FiniteSet)
        else (first.start, first.end, bool(first.left_open), bool(first.right_open))
    )
    b = (
        (second.args[0], second.args[0], False, False)
        if isinstance(second, sp.FiniteSet)
        else (second.start, second.end, bool(second.left_open), bool(second.right_open))
    )
    return sp.Interval(a[0], b[1], a[2], b[3])


def _selection(cases: list[tuple[Any, sp.Set]], v: sp.Symbol) -> Any:
    """A single-valued selection: at a tie, the minimiser of smallest magnitude."""
    from .subgradient import piecewise_from_cases

    chosen = []
    for value, region in cases:
        if isinstance(value, sp.FiniteSet):
            value = min(value.args, key=lambda e: abs(sp.N(e.subs({s: 1 for s in e.free_symbols}))))
        chosen.append((value, region))
    return piecewise_from_cases(chosen, v)


# --------------------------------------------------------------------------
# Checks of the assembled result
# --------------------------------------------------------------------------
def _check_global(
    structure: PenaltyStructure, v: sp.Symbol, selection: Any, implicit: list[Implicit], context: Any
) -> Check:
    """F(x*) <= F(x) for x on a grid of 40001 points around v, at seeded random (v, parameters)."""
    x = structure.variable
    objective = structure.expr + (x - v) ** 2 / 2
    parameters = sorted((objective.free_symbols | _free(selection)) - {x, v}, key=lambda s: s.name)
    points = sample_points([*parameters, v], context, count=20)
    # the numpy module itself, not "numpy": that string makes lambdify run ``from numpy import *``, which imports
    # numpy.testing and numpy.f2py on first use (0.1 s of a cold derivation)
    grid_f = sp.lambdify([x, v, *parameters], objective, modules=[np])
    worst = 0.0
    for point in points:
        branch = _decided_branch(selection, point)  # thresholds are computed only where the branch has them
        roots = branch.atoms(sp.ConditionSet) if isinstance(branch, sp.Basic) else set()
        if roots:  # stationary points with no closed form: their values, by bisection
            branch = branch.xreplace({r: sp.Float(_condition_set_value(r, point), 70) for r in roots})
        star = _real(_mp(*_with_thresholds(branch, point, implicit)) if _has_tau(branch) else _mp(branch, point))
        f_star = _real(_mp(objective, {**point, x: star}))
        w = float(point[v])
        span = 3 * abs(w) + 20
        grid = np.linspace(-span, span, 40001)
        with np.errstate(all="ignore"):
            f = np.asarray(grid_f(grid, w, *[float(point[p]) for p in parameters]), dtype=float)
        finite = f[np.isfinite(f)]
        best = float(finite.min()) if finite.size else np.inf
        scale = 1 + abs(best)
        if float(f_star) > best + 1e-9 * scale:
            shown = ", ".join(f"{k}={val}" for k, val in point.items())
            raise VerificationError(f"x* = {star} is not a global minimiser at {shown}: F(x*) = {f_star} > {best}")
        worst = max(worst, float(f_star) - best)
    return Check(
        "numeric",
        f"F(x*) <= min of F on a grid of 40001 points in [-3|v| - 20, 3|v| + 20] at {len(points)} points, seed {SEED}",
    )


def _decided_branch(expr: Any, point: dict) -> Any:
    """The branch of a (nested) ``Piecewise`` selected at ``point``, as far as its conditions decide there.

    A condition that cannot be decided at ``point`` (it involves a threshold
    ``tau``) stops the descent and the ``Piecewise`` from there on is returned,
    to be evaluated whole.
    """
    while isinstance(expr, sp.Piecewise):
        for value, condition in expr.args:
            decided = decide_at(condition, point)  # exact, or clear at two mpmath precisions; else SymPy
            held = at_point(condition, point) if decided is None else (sp.true if decided else sp.false)
            if held is sp.true:
                expr = value
                break
            if held is not sp.false:
                return expr
        else:
            return expr
    return expr


def _check_tie(
    jump: _Jump, candidates: tuple[_Candidate, _Candidate], v: sp.Symbol, implicit: list, context: Any, x: sp.Symbol
) -> Check:
    """F is the same at both minimisers at the jump (symbolic, else numeric)."""
    low, high = candidates
    difference = low.energy_at(jump.low, jump.at, x) - high.energy_at(jump.high, jump.at, x)
    heavy = difference.has(sp.cos, sp.acos, sp.cosh, sp.acosh) or _radicals(difference) > 6
    if not _has_tau(jump.at) and not heavy and shown_zero(difference):
        return Check("symbolic", "F(x_low; s) - F(x_high; s) simplifies to 0")
    parameters = sorted(_free(difference) - {v}, key=lambda s: s.name)
    points = sample_points(parameters, context, count=12)
    worst = mpmath.mpf(0)
    for point in points:
        value = _evaluate(difference, point, implicit) if not _has_tau(jump.at) else None
        if value is None:
            at = implicit_value(next(i for i in implicit if i.symbol == jump.at), point)
            value = _real(_mp(low.energy, {**point, v: at})) - _real(_mp(high.energy, {**point, v: at}))
        if abs(value) > mpmath.mpf(10) ** -30:
            raise VerificationError(f"F differs at the two minimisers at {point}: {value}")
        worst = max(worst, abs(value))
    return Check("numeric", _numeric_detail(len(points), sp.Float(worst)))


# --------------------------------------------------------------------------
# The route and the regimes
# --------------------------------------------------------------------------
def _why_not_convex(structure: PenaltyStructure) -> str:
    x = structure.variable
    for piece in structure.pieces:
        if piece.finite and structure.second_derivative_nonnegative(piece) is False:
            second = sp.simplify(sp.diff(piece.expr, x, 2))
            return f"g'' = {sp.sstr(second)} < 0 on {describe(piece.interval, x)}"
    for k in structure.breakpoints:
        if k.value is sp.oo:
            continue
        if compare(k.right, k.left, structure.assumptions) is True:
            return (
                f"the kink at x = {sp.sstr(k.point)} is concave: g'(k-) = {sp.sstr(k.left)} > "
                f"g'(k+) = {sp.sstr(k.right)}"
            )
        for piece in structure.pieces:
            if piece.finite and (piece.interval.start == k.point or piece.interval.end == k.point):
                side = "+" if piece.interval.start == k.point else "-"
                limit = sp.limit(piece.expr, x, k.point, side)
                if sp.simplify(limit - k.value) != 0:
                    return (
                        f"g jumps at x = {sp.sstr(k.point)}: g({sp.sstr(k.point)}) = {sp.sstr(k.value)}, "
                        f"limit {sp.sstr(limit)}"
                    )
    if convexity(structure) is None:
        return "SymPy could not decide whether g is convex"
    return "the global route was requested"


@functools.lru_cache(maxsize=256)
def _growth(expr: sp.Expr, x: sp.Symbol, end: Any) -> sp.Expr:
    """``lim g(x) + x^2/2`` as ``x -> end`` (memoised: the route and its existence check both need it)."""
    return sp.limit(expr + x**2 / 2, x, end)


def _check_existence(structure: PenaltyStructure) -> Check:
    """Coercive (limits of g + x^2/2 at +-oo are +oo) and lower semicontinuous at every breakpoint."""
    x = structure.variable
    for outer, end in ((structure.pieces[-1], sp.oo), (structure.pieces[0], -sp.oo)):
        if outer.finite and _growth(outer.expr, x, end) is not sp.S.Infinity:
            raise VerificationError(f"g(x) + x^2/2 does not tend to +oo as x -> {end}")
    for i, k in enumerate(structure.breakpoints):
        if k.value is sp.oo:
            continue
        for piece, side in ((structure.pieces[i], "-"), (structure.pieces[i + 1], "+")):
            if piece.finite:
                limit = sp.limit(piece.expr, x, k.point, side)
                if compare(k.value, limit, structure.assumptions, strict=False) is not True:
                    raise VerificationError(f"g is not lower semicontinuous at x = {k.point}")
    return Check("symbolic", "limits at -oo, +oo and at each breakpoint computed by SymPy and compared")


def _route_steps(structure: PenaltyStructure, builder: DerivationBuilder) -> None:
    x, expr = structure.variable, structure.expr
    g = Penalty("g", expr, x)
    builder.define(g, expr, "the penalty")
    if len(structure.pieces) > 1:
        pieces_form = piecewise_of(structure)
        builder.claim(
            g,
            "=",
            pieces_form,
            "split at the breakpoints (zeros of |.| arguments, ties of max/min, piece boundaries)",
            lambda: check_equal(expr, pieces_form, condition=structure.assumptions),
        )
    why = _why_not_convex(structure)
    verdict = convexity(structure)
    builder.claim(
        g,
        "text",
        None,
        f"{why}. Fermat's rule characterises only stationary points, so the route is global minimisation: "
        "enumerate the candidate minimisers, compare F, and find where the minimiser jumps",
        lambda: check_true(lambda: verdict is not True, "convexity decided piece by piece is not True"),
        words="g is not convex" if verdict is False else "g is not known to be convex",
    )
    for side, end in ((1, sp.oo), (-1, -sp.oo)):
        outer = structure.pieces[-1] if side > 0 else structure.pieces[0]
        if not outer.finite:
            continue
        growth = _growth(outer.expr, x, end)
        if growth is not sp.S.Infinity:
            raise NonConvexError(
                f"{expr} is not convex and g(x) + (x - v)^2/2 does not tend to +oo as x -> {end} (limit {growth}): "
                "the proximal operator does not exist"
            )
    builder.claim(
        sp.Symbol("F"),
        "text",
        None,
        "g(x) + x^2/2 -> +oo as |x| -> oo and g is lower semicontinuous (at each breakpoint its value is at most "
        "its one-sided limits), so F(x) = g(x) + (x - v)^2/2 attains its minimum: prox_g(v) is a non-empty set",
        lambda: _check_existence(structure),
        words="a global minimiser exists",
    )
    even = expr.subs(x, -x)
    builder.equal(
        even,
        expr,
        "g is even: F(-x; -v) = F(x; v), so prox(-v) = -prox(v); and for v >= 0, F(-|x|; v) - F(|x|; v) = 2|x|v >= 0, "
        "so the minimisers lie in [0, oo): solve on the half-line x >= 0, v >= 0",
        show=Penalty("g", expr, -x),
    )


def _global(structure: PenaltyStructure, v: sp.Symbol, builder: DerivationBuilder) -> dict[str, Any]:
    """Candidates and sweep for one regime; returns the pieces of the result."""
    x = structure.variable
    decide = _Decider(structure.assumptions)
    candidates = _candidates(structure, v, decide, builder)
    segments, jumps = _sweep(candidates, v, x, decide, structure.assumptions)
    return {"candidates": candidates, "segments": segments, "jumps": jumps, "decide": decide}


def _canonical_condition(f: sp.Expr, context: Any) -> sp.Expr:
    """A simpler expression with the sign of ``f`` (square a difference of positive terms, drop positive factors)."""
    squared = _squared(f)
    if squared is not None:
        f = squared
    factored = sp.factor(f)
    if isinstance(factored, sp.Mul):
        kept = [a for a in factored.args if sign_of(a, context) != 1]
        f = sp.Mul(*kept) if kept else sp.Integer(1)
    return sp.expand(f)


def _reparametrise(f: sp.Expr, sign: int, structure: PenaltyStructure, slack: sp.Symbol) -> tuple[dict, Any] | None:
    """``(substitution, condition)`` writing the regime sign(f) = sign with ``f = sign*slack``."""
    condition = {1: f > 0, 0: sp.Eq(f, 0), -1: f < 0}[sign]
    for p in sorted(f.free_symbols & set(structure.parameters), key=lambda s: s.name):
        try:
            solutions = sp.solve(sp.Eq(f, sign * slack), p)
        except (NotImplementedError, ValueError):
            continue
        solutions = [s for s in solutions if s.is_real is not False]
        if p.is_positive:
            solutions = [s for s in solutions if s.is_positive]
        if len(solutions) == 1:
            return {p: solutions[0]}, condition
    return None


def _regimes(structure: PenaltyStructure, v: sp.Symbol, f: sp.Expr, depth: int) -> list[tuple[Any, Derivation, dict]]:
    """Derive the regimes f > 0, f = 0, f < 0; each with the map from its slack back to the parameters."""
    slack = sp.Symbol("s", positive=True)
    out: list[tuple[Any, Derivation, dict]] = []
    for sign in (1, 0, -1):
        if sign == 0:
            found = _boundary(f, structure)
            if found is None:
                raise UnsupportedPenaltyError(f"cannot write the boundary regime {f} = 0")
            substitution, back = found, {}
            condition: Any = sp.Eq(f, 0)
        else:
            parametrised = _reparametrise(f, sign, structure, slack)
            if parametrised is None:
                raise UnsupportedPenaltyError(f"cannot parametrise the regime {f} {'>' if sign > 0 else '<'} 0")
            substitution, condition = parametrised
            back = {slack: sign * f}
        sub_expr = structure.expr.subs(substitution)
        sub_structure = analyse(sub_expr, structure.variable, assumptions=structure.assumptions.subs(substitution))
        derived = _global_derivation(sub_structure, v, depth=depth + 1, regime=(condition, substitution, bool(back)))
        out.append((condition, derived, back))
    return out


def _boundary(f: sp.Expr, structure: PenaltyStructure) -> dict | None:
    for p in sorted(f.free_symbols & set(structure.parameters), key=lambda s: s.name):
        try:
            options = [s for s in sp.solve(f, p) if s.is_real is not False]
        except (NotImplementedError, ValueError):
            continue
        if p.is_positive:
            options = [s for s in options if s.is_positive is not False]
        if len(options) == 1:
            return {p: options[0]}
    return None


def _regime_steps(builder: DerivationBuilder, regime: tuple) -> None:
    condition, substitution, slack = regime
    for p, value in substitution.items():
        builder.define(
            p,
            value,
            f"the regime {sp.sstr(condition)}: write {p} in terms of the other parameters"
            + (" and a slack s > 0" if slack else ""),
        )


def _global_derivation(
    structure: PenaltyStructure, v: sp.Symbol, *, depth: int = 0, regime: tuple | None = None
) -> Derivation:
    x = structure.variable
    title = f"The proximal operator of {expr_to_text(structure.expr)} (non-convex: global minimisation)"
    builder = DerivationBuilder(title, assumptions=(x, v, *structure.parameters), context=structure.assumptions)
    if regime is not None:
        _regime_steps(builder, regime)
    else:
        if structure.assumptions is not sp.true:
            builder.note(f"the parameters satisfy {sp.sstr(structure.assumptions)}", "stated with the penalty")
        _route_steps(structure, builder)
    preamble = len(builder.steps)
    try:
        parts = _global(structure, v, builder)
    except _Undecided as undecided:
        if depth >= 2:
            raise UnsupportedPenaltyError(
                f"the comparison of {undecided.difference} with 0 depends on the parameters beyond two regime splits"
            ) from None
        del builder.steps[preamble:]  # keep the route; the candidates are derived again in each regime
        return _assemble_regimes(structure, v, undecided.difference, depth, builder)
    return _assemble(structure, v, builder, parts, regime)


def _assemble(
    structure: PenaltyStructure, v: sp.Symbol, builder: DerivationBuilder, parts: dict, regime: tuple | None
) -> Derivation:
    x = structure.variable
    segments, jumps, decide = parts["segments"], parts["jumps"], parts["decide"]
    builder.cite(
        sp.Symbol("F_c") - sp.Symbol("F_j"),
        "text",
        None,
        "along a candidate x_c(v), d/dv F(x_c(v); v) = v - x_c(v) (F_x = 0 at a stationary point, x_c constant at a "
        "point), so for x_c < x_j the difference F_c - F_j increases with v: two candidates cross at most once and "
        "the global minimiser moves up through the candidates as v grows",
        words="F_c - F_j is increasing in v for x_c < x_j (envelope theorem)",
    )
    for p, q in decide.numeric:
        builder.claim(
            p,
            "<",
            q,
            "decided at sample points of the parameters (the threshold has no closed form)",
            lambda p=p, q=q: _check_less(p, q, decide),
        )
    for imp in decide.implicit:
        builder.claim(
            imp.symbol,
            "=",
            imp.phi.subs(imp.x, sp.Symbol("x_tau", positive=True)),
            f"no closed form was found for the crossing: tau = x + g'(x) at the root x_tau of "
            f"{sp.sstr(imp.equation)} = 0 on {describe(imp.interval, imp.x)} (increasing there); it is computed "
            "by bisection",
            lambda imp=imp: _check_implicit(imp, structure.assumptions),
        )
    for seg, nxt in itertools.pairwise(segments):
        if seg.end_closed:
            continue
        jump = next(j for j in jumps if j.at == seg.end)
        builder.claim(
            sp.Symbol("F"),
            "text",
            None,
            f"at v = {sp.sstr(jump.at)} the global minimiser jumps from {sp.sstr(jump.low)} ({seg.candidate.label}) to "
            f"{sp.sstr(jump.high)} ({nxt.candidate.label}): F takes the same value at both, so the prox is "
            "set-valued there",
            lambda jump=jump, seg=seg, nxt=nxt: _check_tie(
                jump, (seg.candidate, nxt.candidate), v, decide.implicit, structure.assumptions, x
            ),
            words=f"F({sp.sstr(jump.low)}) = F({sp.sstr(jump.high)}) at v = {sp.sstr(jump.at)}",
        )
    cases = _mirror_cases(segments, jumps, v)
    from .subgradient import piecewise_from_cases

    result = piecewise_from_cases(cases, v)
    selection = _selection(cases, v)
    shown = Prox(Penalty("g", structure.expr, x), x, v)
    builder.claim(
        shown,
        "=",
        result,
        "collect the segments of the sweep on v >= 0 and mirror them (prox(-v) = -prox(v)); checked again: the "
        "minimiser is global on a fine grid",
        lambda: _check_global(structure, v, selection, decide.implicit, structure.assumptions),
    )
    extras: list[tuple[str, Any]] = [("route", "global")]
    threshold = jumps[0].at if jumps else None
    tie_at_zero = any(isinstance(value, sp.FiniteSet) and region == sp.FiniteSet(0) for value, region in cases)
    if threshold is None and tie_at_zero:
        threshold = sp.Integer(0)  # the minimiser jumps at v = 0 (a tie between -x and x, as for -|x|)
    zero = _zero_set(cases)
    extras += [("zero_set", zero), ("selection", selection), ("jumps", tuple((j.at, j.low, j.high) for j in jumps))]
    if threshold is None:
        try:
            threshold = zero.sup
        except (NotImplementedError, AttributeError):
            threshold = sp.nan
    extras.append(("threshold", threshold))
    if decide.implicit:
        extras.append(("implicit", tuple(decide.implicit)))
        extras.append(("closed_form", sp.false))
    return builder.build(
        result,
        variable=v,
        parameters=tuple(sorted(_free(structure.expr) - {x}, key=lambda s: s.name)),
        lhs=shown,
        objective=Argmin(structure.expr + (x - v) ** 2 / 2, x),
        cases=tuple(cases),
        extras=tuple(extras),
    )


def _check_less(p: Any, q: Any, decide: _Decider) -> Check:
    symbols = sorted(_free(p) | _free(q), key=lambda s: s.name)
    points = sample_points(symbols, decide.context, count=12)
    for point in points:
        if not _evaluate(p, point, decide.implicit) < _evaluate(q, point, decide.implicit):
            raise VerificationError(f"{p} < {q} fails at {point}")
    return Check("numeric", _numeric_detail(len(points), 0).split(", max")[0])


def _check_implicit(imp: Implicit, context: Any) -> Check:
    """At sample parameters the equation changes sign on its interval (so x_tau exists) and tau is finite."""
    symbols = sorted(_free(imp.equation) - {imp.x}, key=lambda s: s.name)
    points = sample_points(symbols, context, count=12)
    for point in points:
        if not _changes_sign(imp.equation, imp.x, imp.interval, point):
            raise VerificationError(f"{imp.equation} does not change sign on {imp.interval} at {point}")
        if not mpmath.isfinite(implicit_value(imp, point)):
            raise VerificationError(f"the threshold is not finite at {point}")
    return Check(
        "numeric",
        "sign change on the interval and a finite root at " + _numeric_detail(len(points), 0).split(", max")[0],
    )


def _assemble_regimes(
    structure: PenaltyStructure, v: sp.Symbol, f: sp.Expr, depth: int, builder: DerivationBuilder
) -> Derivation:
    x = structure.variable
    f = _canonical_condition(f, structure.assumptions)
    regimes = _regimes(structure, v, f, depth)
    builder.note(
        f"the sign of {sp.sstr(f)} decides the shape of the prox: each regime is derived separately below, with one "
        "parameter rewritten so that every comparison in it is decidable",
        "degenerate cases are branches",
    )
    pieces: list[tuple[Any, Any, Any, Any]] = []
    implicit: list[Implicit] = []
    for condition, derived, back in regimes:
        builder.include(derived, prefix=f"[{sp.sstr(condition)}] ")
        pieces.append(
            (
                condition,
                _tidy(derived.result.subs(back)),
                _tidy(derived.extra("selection").subs(back)),
                _tidy(sp.sympify(derived.extra("threshold")).subs(back)),
            )
        )
        for key, value in derived.extras:
            if key == "implicit":
                implicit += [imp.substitute(back) for imp in value]
    renamed = {}
    for imp in implicit:
        plain = tau(*sorted(_free(structure.expr) - {x}, key=lambda s: s.name))
        renamed[imp.symbol] = plain
    if renamed:
        implicit = [Implicit(renamed[i.symbol], i.equation, i.x, i.interval, i.phi) for i in implicit]
        pieces = [tuple(p if k == 0 else p.xreplace(renamed) for k, p in enumerate(piece)) for piece in pieces]
    pieces = _merge_boundary(pieces, regimes)
    result = sp.Piecewise(*[(r, c) for c, r, _, _ in pieces[:-1]], (pieces[-1][1], True))
    selection = sp.Piecewise(*[(sel, c) for c, _, sel, _ in pieces[:-1]], (pieces[-1][2], True))
    threshold = sp.Piecewise(*[(t, c) for c, _, _, t in pieces[:-1]], (pieces[-1][3], True))
    shown = Prox(Penalty("g", structure.expr, x), x, v)
    builder.claim(
        shown,
        "=",
        result,
        "collect the regimes (each derived and checked above, in the regime's parameters); checked again: the "
        "minimiser is global on a fine grid",
        lambda: _check_global(structure, v, selection, implicit, structure.assumptions),
    )
    extras: list[tuple[str, Any]] = [
        ("route", "global"),
        ("regimes", tuple((c, d) for c, d, _ in regimes)),
        ("selection", selection),
        ("threshold", threshold),
    ]
    if implicit:
        extras.append(("implicit", tuple(implicit)))
        extras.append(("closed_form", sp.false))
    return builder.build(
        result,
        variable=v,
        parameters=tuple(sorted(_free(structure.expr) - {x}, key=lambda s: s.name)),
        lhs=shown,
        objective=Argmin(structure.expr + (x - v) ** 2 / 2, x),
        cases=(),
        extras=tuple(extras),
    )


def _merge_boundary(pieces: list[tuple], regimes: list[tuple]) -> list[tuple]:
    """Join the boundary regime f = 0 to a neighbour whose result, restricted to f = 0, is the same."""
    if len(pieces) != 3:
        return pieces
    (c_pos, r_pos, s_pos, t_pos), (c_zero, r_zero, _, _), (c_neg, r_neg, s_neg, t_neg) = pieces
    boundary = _boundary_substitution(regimes[1][1])
    if boundary is None:
        return pieces
    f = c_zero.lhs
    if _same(r_neg.subs(boundary), r_zero):
        return [(c_pos, r_pos, s_pos, t_pos), (f <= 0, r_neg, s_neg, t_neg)]
    if _same(r_pos.subs(boundary), r_zero):
        return [(f >= 0, r_pos, s_pos, t_pos), (c_neg, r_neg, s_neg, t_neg)]
    return pieces


def _boundary_substitution(derived: Derivation) -> dict | None:
    for step in derived.steps:
        if (
            step.check.method == "definition"
            and step.statement.rel == ":="
            and isinstance(step.statement.lhs, sp.Symbol)
        ):
            return {step.statement.lhs: step.statement.rhs}
    return None


def _same(first: Any, second: Any) -> bool:
    first, second = _tidy(first), _tidy(second)
    return bool(first == second)


def _tidy(expr: Any) -> Any:
    """Simplify values and condition sides of a (nested) Piecewise, element by element for sets."""
    if not isinstance(expr, sp.Basic):
        return expr
    if isinstance(expr, sp.Piecewise):
        return sp.Piecewise(*[(_tidy(value), _tidy(cond)) for value, cond in expr.args])
    if isinstance(expr, sp.FiniteSet):
        return sp.FiniteSet(*[_tidy(e) for e in expr.args])
    if isinstance(expr, sp.core.relational.Relational):
        return expr.func(_tidy(expr.lhs), _tidy(expr.rhs))
    if isinstance(expr, sp.And | sp.Or):
        return expr.func(*[_tidy(a) for a in expr.args])
    if _heavy(expr):
        return expr
    return _simplified(expr)


@functools.lru_cache(maxsize=1024)
def _simplified(expr: sp.Basic) -> sp.Basic:
    """``simplify(expr)``, memoised: the result, the selection and the threshold share their values."""
    return sp.simplify(expr)


def global_prox(structure: PenaltyStructure, v: sp.Symbol) -> Derivation:
    """Derive the (possibly set-valued) prox of a non-convex even penalty by global minimisation.

    Parameters
    ----------
    structure : PenaltyStructure
        The analysed penalty (:func:`derive.penalties.analyse`).
    v : sympy.Symbol
        The argument of the prox.

    Returns
    -------
    Derivation
        ``result`` is a ``Piecewise`` in ``v`` whose value at a jump is a
        ``FiniteSet`` of the tied minimisers; extras: ``route`` (``"global"``),
        ``threshold`` (the first jump, or the sup of the zero set),
        ``selection`` (single-valued, the smaller minimiser at a tie), ``jumps``,
        ``zero_set``; with parameter regimes, ``regimes``; with a threshold
        lacking a closed form, ``implicit`` and ``closed_form``.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.prox import prox
    >>> from derive.symbols import x, v, lam
    >>> d = prox(lam*sp.Piecewise((0, sp.Eq(x, 0)), (1, True)), x, v, route="auto")
    >>> d.extra("threshold")
    sqrt(2)*sqrt(lambda)
    >>> d.result.subs(v, sp.sqrt(2*lam))
    {0, sqrt(2)*sqrt(lambda)}
    """
    x = structure.variable
    even = sp.simplify(structure.expr.subs(x, -x) - structure.expr)
    if even != 0 and not shown_zero(even):
        try:
            check_equal(structure.expr.subs(x, -x), structure.expr, condition=structure.assumptions)
        except VerificationError:
            raise UnsupportedPenaltyError(
                f"{structure.expr} is not convex and not even: the global route handles even penalties "
                "(prox(-v) = -prox(v)); evaluate this prox numerically"
            ) from None
    return _global_derivation(structure, v)
