"""The proximal operator of a convex, piecewise-smooth scalar penalty.

Convention: ``prox_g(v) = argmin_x g(x) + (1/2)(x - v)^2`` (unit step; the
prox of ``lambda*g`` is obtained by passing ``lambda*g``).

The one generic algorithm (no table of closed forms): for convex g the
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
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import sympy as sp

from .checks import (
    DERIVATIVE_TOLERANCE,
    SEED,
    _difference_quotient,
    check_equal,
    check_member,
    is_zero,
    sample_points,
)
from .core import Check, Derivation, DerivationBuilder
from .errors import NoClosedFormError, VerificationError
from .notation import Argmin, Penalty, Prox, Subdiff
from .penalties import PenaltyStructure, analyse, compare, subdifferential_set
from .printing.text import expr_to_text
from .subgradient import describe, describe_set, piecewise_from_cases, subdifferential_steps

__all__ = ["prox", "prox_steps", "zero_set_of", "compact_form"]


def _limit(expr: sp.Expr, x: sp.Symbol, point: sp.Expr, side: str) -> sp.Expr:
    if point in (sp.S.Infinity, sp.S.NegativeInfinity):
        return sp.limit(expr, x, point)
    value = sp.simplify(expr.subs(x, point))
    if value.has(sp.nan, sp.zoo):
        value = sp.limit(expr, x, point, dir=side)
    return value


def _choose_root(
    roots: list[sp.Expr], x: sp.Symbol, v: sp.Symbol, piece_lo: Any, piece_hi: Any, region: sp.Interval, context: Any
) -> sp.Expr:
    """The root lying in the piece for v in its region (checked at sample points)."""
    if len(roots) == 1:
        return roots[0]
    symbols = sorted((region.free_symbols | {v} | set().union(*(r.free_symbols for r in roots))) - {x}, key=str)
    points = sample_points(symbols, sp.And(region.as_relational(v), context), count=8)
    for root in roots:
        good = True
        for point in points:
            value = sp.N(root.subs(point), 30)
            if not value.is_real or not (sp.N(piece_lo.subs(point)) < value < sp.N(piece_hi.subs(point))):
                good = False
                break
        if good:
            return root
    raise NoClosedFormError(f"none of the roots {roots} lies in ({piece_lo}, {piece_hi})")


def prox_steps(
    structure: PenaltyStructure, v: sp.Symbol, builder: DerivationBuilder
) -> list[tuple[sp.Expr, sp.Set]]:
    """Add the steps deriving prox_g(v) to ``builder``; return its ``(value, region)`` cases."""
    x, expr = structure.variable, structure.expr
    context = structure.assumptions
    g = Penalty("g", expr, x)
    xstar = sp.Symbol(f"{x.name}^*", real=True)
    subdifferential_steps(structure, builder)
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
                    lambda k=k, region=region, at_k=at_k: _check_kink_case(k, at_k, region, v, context),
                    condition=sp.Eq(xstar, k.point),
                )
                cases.append((k.point, region))
        if not piece.finite:
            continue
        derivative = structure.derivative(piece)
        stationarity = x - v + derivative
        lo_v = _limit(x + derivative, x, piece.interval.start, "+")
        hi_v = _limit(x + derivative, x, piece.interval.end, "-")
        region = sp.Interval.open(lo_v, hi_v)
        roots = _solve(stationarity, x)
        if not roots:
            raise NoClosedFormError(
                f"no closed-form solution of the optimality equation {sp.sstr(stationarity)} = 0 on "
                f"{sp.sstr(piece.interval)} for the penalty {sp.sstr(expr)}"
            )
        root = _choose_root(roots, x, v, piece.interval.start, piece.interval.end, region, context)
        root = sp.simplify(root)
        builder.claim(
            sp.Integer(0),
            "=",
            stationarity.subs(x, xstar),
            f"on the piece {describe(piece.interval, x)}, g is differentiable: solve for {xstar}, "
            f"giving {xstar} = {sp.sstr(root)}",
            lambda stationarity=stationarity, root=root: _check_root(stationarity, x, root),
            condition=sp.Contains(xstar, piece.interval),
        )
        builder.claim(
            root,
            "in",
            piece.interval,
            f"the solution lies on the piece exactly when {describe(region, v)} ({x} + g'({x}) is increasing)",
            lambda root=root, piece=piece, region=region: check_member(
                root, piece.interval, condition=sp.And(region.as_relational(v), context)
            ),
            condition=region.as_relational(v),
        )
        cases.append((root, region))
    _check_partition(cases, v, builder)
    # A breakpoint where g is differentiable gives a single point v, where the
    # preceding formula already gives x* = k by continuity: close that region's
    # right end instead of keeping a one-point case.
    merged: list[tuple[sp.Expr, sp.Set]] = []
    for value, region in cases:
        if isinstance(region, sp.FiniteSet) and merged and isinstance(merged[-1][1], sp.Interval):
            previous_value, previous = merged[-1]
            merged[-1] = (previous_value, sp.Interval(previous.start, previous.end, previous.left_open, False))
        else:
            merged.append((value, region))
    return merged


def _solve(equation: sp.Expr, x: sp.Symbol) -> list[sp.Expr]:
    solutions = sp.solveset(equation, x, sp.S.Reals)
    if isinstance(solutions, sp.FiniteSet):
        return list(solutions)
    found = sp.solve(equation, x, dict=False)
    return [s for s in found if s.is_real is not False]


def _check_root(equation: sp.Expr, x: sp.Symbol, root: sp.Expr) -> Check:
    if is_zero(equation.subs(x, root)) is True:
        return Check("symbolic", "substituted x* into the equation: simplifies to 0")
    return check_equal(equation.subs(x, root), 0)


def _check_kink_case(k: Any, at_k: sp.Set, region: sp.Set, v: sp.Symbol, context: Any) -> Check:
    if isinstance(region, sp.FiniteSet):
        (point,) = region.args
        return check_member(point - k.point, at_k, condition=context)
    return check_member(v - k.point, at_k, condition=sp.And(region.as_relational(v), context))


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
            if is_zero(ea[1] - eb[0]) is not True:
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
        if is_zero(value) is True:
            parts.append(region)
        elif not value.has(v):
            if value.is_nonzero is not True:
                parts.append(sp.ConditionSet(v, sp.Eq(value, 0), region))
        else:
            roots = sp.solveset(value, v, sp.S.Reals)
            if isinstance(region, sp.FiniteSet):
                parts.append(sp.Intersection(roots, region))
            elif isinstance(roots, sp.FiniteSet):
                for r in roots:
                    inside = compare(region.start, r, strict=bool(region.left_open)), compare(
                        r, region.end, strict=bool(region.right_open)
                    )
                    if inside == (True, True):
                        parts.append(sp.FiniteSet(r))
                    elif False not in inside:
                        parts.append(sp.Intersection(sp.FiniteSet(r), region, evaluate=False))
            else:
                parts.append(sp.Intersection(roots, region))
    return sp.Union(*parts) if parts else sp.S.EmptySet


def compact_form(cases: Any, v: sp.Symbol) -> sp.Expr | None:
    """``sign(v)*max(f(|v|), 0)`` when the cases are odd with a dead zone [-t, t], else None."""
    if len(cases) != 3:
        return None
    (low, _), (middle, middle_region), (high, _) = cases
    if is_zero(middle) is not True or not isinstance(middle_region, sp.Interval):
        return None
    t = middle_region.end
    if is_zero(middle_region.start + t) is not True:
        return None
    if is_zero(low + high.subs(v, -v)) is not True:
        return None
    return sp.sign(v) * sp.Max(high.subs(v, sp.Abs(v)), 0)


def _check_optimal(expr: sp.Expr, x: sp.Symbol, v: sp.Symbol, result: Any, context: Any) -> Check:
    """x* = result(v) minimises g(x) + (x - v)^2/2: F'(x*-) <= 0 <= F'(x*+), by difference quotients."""
    objective = expr + (x - v) ** 2 / 2
    symbols = sorted((objective.free_symbols | result.free_symbols) - {x}, key=str)
    points = sample_points(symbols, context)
    for point in points:
        star = result.subs(point)
        f = objective.subs({k: val for k, val in point.items() if k != x})
        right = _difference_quotient(f, x, star, 1)
        left = _difference_quotient(f, x, star, -1)
        slack = DERIVATIVE_TOLERANCE * (1 + abs(sp.N(star, 30)))
        if right == sp.nan or left == sp.nan or right < -slack or left > slack:
            shown = ", ".join(f"{k}={val}" for k, val in point.items())
            raise VerificationError(
                f"x* = {star} is not a minimiser at {shown}: F'(x*-) = {sp.N(left, 6)}, F'(x*+) = {sp.N(right, 6)}"
            )
    return Check(
        "numeric",
        f"one-sided difference quotients of g(x) + (x - v)^2/2 at x* (step 1e-20): F'(x*-) <= 0 <= F'(x*+) at "
        f"{len(points)} points, seed {SEED}",
    )


@functools.lru_cache(maxsize=512)  # pure: a derivation depends only on its inputs
def prox(g: Any, x: sp.Symbol, v: sp.Symbol, *, assumptions: Any = sp.true) -> Derivation:
    """Derive ``prox_g(v) = argmin_x g(x) + (1/2)(x - v)^2`` for a convex scalar penalty.

    Parameters
    ----------
    g : sympy.Expr
        Convex, piecewise-smooth penalty in ``x`` (include the weight: ``lam*Abs(x)``).
    x, v : sympy.Symbol
        The real variable of g and the real argument of the prox.
    assumptions : sympy Boolean, optional
        Extra facts about parameters, e.g. ``a < b`` for the indicator of [a, b].

    Returns
    -------
    Derivation
        ``result`` is a ``Piecewise`` in ``v`` (one case per smooth piece and
        per kink); ``cases`` holds the same as ``(value, region)`` pairs;
        ``extras`` hold ``zero_set`` (the v mapped to 0), ``threshold`` (its
        supremum) and, when it exists, ``compact`` (``sign(v)*max(f(|v|), 0)``).

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import x, v, lam
    >>> d = prox(lam*sp.Abs(x), x, v)
    >>> d.result
    Piecewise((lambda + v, lambda < -v), (0, lambda >= v), (-lambda + v, True))
    >>> d.extra("compact")
    sign(v)*Max(0, -lambda + Abs(v))
    """
    structure = analyse(g, x, assumptions=assumptions)
    builder = DerivationBuilder(
        f"The proximal operator of {expr_to_text(g)}",
        assumptions=(x, v, *structure.parameters),
        context=structure.assumptions,
    )
    cases = prox_steps(structure, v, builder)
    result = piecewise_from_cases(cases, v)
    shown = Prox(Penalty("g", structure.expr, x), x, v)
    builder.claim(
        shown,
        "=",
        result,
        "collect the cases; checked again: x* satisfies F'(x*-) <= 0 <= F'(x*+) for F(x) = g(x) + (x - v)^2/2",
        lambda: _check_optimal(structure.expr, x, v, result, structure.assumptions),
    )
    extras: list[tuple[str, Any]] = []
    compact = compact_form(cases, v)
    if compact is not None:
        builder.equal(
            result,
            compact,
            "odd in v with a dead zone: write it with sign and the positive part (compared case by case)",
            show=shown,
        )
        extras.append(("compact", compact))
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
