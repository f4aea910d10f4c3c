"""Structure of a scalar penalty: its smooth pieces, its kinks and local facts.

A penalty is a SymPy expression ``g`` in one real variable built from numbers,
symbols with assumptions, ``+ - * /``, powers, ``Abs``, ``Max``, ``Min``,
``Piecewise`` (``oo`` outside the domain for indicator functions), ``exp``,
``log``, ``sqrt`` and ``cosh``.  :func:`analyse` splits the real line at the
points where ``g`` may fail to be smooth (zeros of ``Abs`` arguments, ties of
``Max``/``Min`` arguments, boundaries of ``Piecewise`` conditions) and records,
on each open interval between them, the smooth expression ``g`` equals there.
In the spirit of CVXPY's atoms, the facts a method needs (convexity,
differentiability at 0, the kinks) are answered True, False or None ("could
not decide"), never turning None into False.
"""

from __future__ import annotations

import functools
import itertools
from dataclasses import dataclass
from typing import Any

import sympy as sp
from sympy.assumptions import Q, ask
from sympy.core.relational import Relational

from .errors import AssumptionError, UnsupportedPenaltyError

__all__ = ["Piece", "Breakpoint", "PenaltyStructure", "analyse", "compare", "sign_of"]

_ALLOWED_FUNCS = (sp.Abs, sp.Max, sp.Min, sp.Piecewise, sp.exp, sp.log, sp.cosh, sp.LambertW)


@dataclass(frozen=True, slots=True)
class Piece:
    """``g`` restricted to an open interval between consecutive breakpoints."""

    interval: sp.Interval
    expr: sp.Expr

    @property
    def finite(self) -> bool:
        """False where ``g`` is ``+oo`` (outside the domain)."""
        return self.expr is not sp.oo


@dataclass(frozen=True, slots=True)
class Breakpoint:
    """A point where ``g`` may have a kink, with its value and one-sided derivatives.

    ``left``/``right`` are the one-sided derivatives g'(k-) and g'(k+); outside
    the domain they are ``-oo``/``+oo`` (the normal-cone convention), so the
    subdifferential at ``k`` is the interval between them.
    """

    point: sp.Expr
    value: sp.Expr
    left: sp.Expr
    right: sp.Expr

    @property
    def kink(self) -> bool | None:
        """True if the one-sided derivatives differ (a genuine kink)."""
        if self.value is sp.oo:
            return None
        equal = sp.simplify(self.right - self.left)
        if equal == 0:
            return False
        if equal.is_zero is False:  # also for infinite differences (oo.is_nonzero is False)
            return True
        return None


@dataclass(frozen=True, slots=True)
class PenaltyStructure:
    """A penalty split into smooth pieces between ordered breakpoints."""

    expr: sp.Expr
    variable: sp.Symbol
    pieces: tuple[Piece, ...]
    breakpoints: tuple[Breakpoint, ...]
    assumptions: Any = sp.true

    def derivative(self, piece: Piece) -> sp.Expr:
        """Derivative of ``g`` on the open interval of ``piece``."""
        return sp.diff(piece.expr, self.variable)

    @property
    def parameters(self) -> tuple[sp.Symbol, ...]:
        """Free symbols other than the variable, sorted by name."""
        return tuple(sorted(self.expr.free_symbols - {self.variable}, key=lambda s: s.name))

    def second_derivative_nonnegative(self, piece: Piece) -> bool | None:
        """Three-valued: is g'' >= 0 on the open interval of ``piece``?"""
        if not piece.finite:
            return True
        raw = sp.diff(piece.expr, self.variable, 2)
        # the assumptions often decide the raw derivative (lambda*x**(p-2)*...): simplify only if they do not
        if raw.is_nonnegative:
            return True
        if raw.is_negative:
            return False
        second = sp.simplify(raw)
        if second.is_nonnegative:
            return True
        if second.is_negative:
            return False
        if not second.has(self.variable) and self.assumptions is not sp.true:
            sign = sign_of(second, self.assumptions)
            if sign is not None:
                return sign >= 0
        # Substitute x = lo + t (t > 0) or x = hi - t to expose the sign.
        t = sp.Dummy("t", positive=True)
        lo, hi = piece.interval.start, piece.interval.end
        for sub in ([lo + t] if lo is not sp.S.NegativeInfinity else []) + (
            [hi - t] if hi is not sp.S.Infinity else []
        ):
            shifted = second.subs(self.variable, sub)
            if shifted.is_nonnegative is None and shifted.is_negative is None:
                shifted = sp.simplify(shifted)
            if shifted.is_nonnegative and (lo is sp.S.NegativeInfinity or hi is sp.S.Infinity):
                return True
            if shifted.is_negative and (lo is sp.S.NegativeInfinity or hi is sp.S.Infinity):
                return False
        return None

    @property
    def convex(self) -> bool | None:
        """Three-valued convexity of ``g`` on the real line.

        Convex iff the domain is an interval, every piece has g'' >= 0 and at
        every breakpoint in the domain g'(k-) <= g'(k+) (with g continuous
        there).  ``None`` if SymPy cannot decide one of these facts.
        """
        finite = [p.finite for p in self.pieces]
        if any(finite):
            first, last = finite.index(True), len(finite) - 1 - finite[::-1].index(True)
            if not all(finite[first : last + 1]):
                return False
        answers: list[bool | None] = [self.second_derivative_nonnegative(p) for p in self.pieces]
        for i, k in enumerate(self.breakpoints):
            if k.value is sp.oo:
                continue
            answers.append(compare(k.left, k.right, self.assumptions, strict=False))
            # Continuity (lower semicontinuity with a finite neighbour) at k.
            for piece, side in ((self.pieces[i], "-"), (self.pieces[i + 1], "+")):
                if piece.finite:
                    limit = sp.limit(piece.expr, self.variable, k.point, dir=side)
                    jump = sp.simplify(limit - k.value)
                    answers.append(True if jump == 0 else (False if jump.is_zero is False else None))
        if any(a is False for a in answers):
            return False
        if all(a is True for a in answers):
            return True
        return None

    @property
    def kinks(self) -> tuple[sp.Expr, ...]:
        """The breakpoints where the one-sided derivatives differ."""
        return tuple(k.point for k in self.breakpoints if k.kink)

    def breakpoint_at(self, point: Any) -> Breakpoint | None:
        """The breakpoint at ``point`` if there is one."""
        for k in self.breakpoints:
            if sp.simplify(k.point - point) == 0:
                return k
        return None

    def differentiable_at(self, point: Any) -> bool | None:
        """Three-valued: is ``g`` differentiable at ``point``?"""
        k = self.breakpoint_at(point)
        if k is None:
            # True only if the point provably lies inside a finite piece.
            for piece in self.pieces:
                inside = (
                    compare(piece.interval.start, point, self.assumptions),
                    compare(point, piece.interval.end, self.assumptions),
                )
                if inside == (True, True):
                    return True if piece.finite else False
            return None
        if k.value is sp.oo:
            return False
        kink = k.kink
        return None if kink is None else not kink

    def subdifferential_at(self, point: Any) -> sp.Set:
        """The subdifferential of convex ``g`` at ``point`` (an interval at kinks)."""
        k = self.breakpoint_at(point)
        if k is not None:
            return subdifferential_set(k)
        for piece in self.pieces:
            inside = (
                compare(piece.interval.start, point, self.assumptions),
                compare(point, piece.interval.end, self.assumptions),
            )
            if inside == (True, True):
                if not piece.finite:
                    return sp.EmptySet
                return sp.FiniteSet(sp.diff(piece.expr, self.variable).subs(self.variable, point))
        raise AssumptionError(f"cannot tell which piece of {self.expr} contains {point}")


def subdifferential_set(k: Breakpoint) -> sp.Set:
    """The interval [g'(k-), g'(k+)] (empty outside the domain)."""
    if k.value is sp.oo:
        return sp.EmptySet
    if sp.simplify(k.right - k.left) == 0:
        return sp.FiniteSet(k.left)
    return sp.Interval(k.left, k.right)


# --------------------------------------------------------------------------
def sign_of(expr: Any, assumptions: Any = sp.true) -> int | None:
    """Return -1, 0 or 1 if the sign of ``expr`` follows from the assumptions, else None."""
    return _sign_of(sp.sympify(expr), sp.sympify(assumptions))


@functools.lru_cache(maxsize=4096)  # pure: the sign depends only on the expression and the facts
def _sign_of(expr: sp.Basic, assumptions: Any) -> int | None:
    if expr.is_zero:
        return 0
    if expr.is_positive:
        return 1
    if expr.is_negative:
        return -1
    if assumptions is not sp.true:
        slack = _sign_by_slack(expr, assumptions)
        if slack is not None:
            return slack
    simplified = sp.simplify(expr)
    for candidate in (simplified,):
        if candidate.is_zero:
            return 0
        if candidate.is_positive:
            return 1
        if candidate.is_negative:
            return -1
    if assumptions is not sp.true:
        if ask(Q.positive(expr), assumptions):
            return 1
        if ask(Q.negative(expr), assumptions):
            return -1
        if ask(Q.zero(expr), assumptions):
            return 0
    return None


def _slack_substitution(assumptions: Any) -> dict[sp.Symbol, sp.Expr]:
    """Write each fact ``L < R`` (or ``<=``) as ``p = ... + s`` with a new slack ``s > 0`` (``s >= 0``).

    ``p`` is a symbol of ``R - L`` that appears linearly with a numeric
    coefficient and is not yet substituted: ``a > 2`` gives ``a = 2 + s``,
    ``a < b`` gives ``a = b - s``.  Facts that fit no such form are skipped.
    """
    facts = assumptions.args if isinstance(assumptions, sp.And) else (assumptions,)
    substitution: dict[sp.Symbol, sp.Expr] = {}
    for i, fact in enumerate(facts):
        if not isinstance(fact, Relational) or isinstance(fact, sp.Eq | sp.Ne):
            continue
        gap = (fact.gts - fact.lts).subs(substitution)
        strict = isinstance(fact, sp.StrictGreaterThan | sp.StrictLessThan)
        slack = sp.Dummy(f"s{i}", positive=True) if strict else sp.Dummy(f"s{i}", nonnegative=True)
        for p in sorted(gap.free_symbols, key=lambda q: q.name):
            if p in substitution or not gap.is_polynomial(p) or sp.degree(gap, p) != 1:
                continue
            coefficient = gap.coeff(p, 1)
            if not coefficient.is_number or coefficient == 0:
                continue
            value = sp.expand((slack - gap.subs(p, 0)) / coefficient)
            if p.is_positive and value.is_positive is not True:
                continue
            substitution = {q: e.subs(p, value) for q, e in substitution.items()}
            substitution[p] = value
            break
    return substitution


def _sign_by_slack(expr: sp.Expr, assumptions: Any) -> int | None:
    """The sign of ``expr`` after writing the facts with positive slacks (``a > 2``: ``a = 2 + s``)."""
    substitution = _slack_substitution(assumptions)
    if not substitution:
        return None
    rewritten = expr.subs(substitution)
    for candidate in (sp.expand(rewritten), sp.factor(rewritten), sp.simplify(rewritten)):
        if candidate.is_zero:
            return 0
        if candidate.is_positive:
            return 1
        if candidate.is_negative:
            return -1
    return None


def compare(first: Any, second: Any, assumptions: Any = sp.true, *, strict: bool = True) -> bool | None:
    """Three-valued ``first < second`` (``<=`` if not strict) under the assumptions."""
    if first is sp.S.NegativeInfinity or second is sp.S.Infinity:
        return True if (first != second) or not strict else False
    if first is sp.S.Infinity or second is sp.S.NegativeInfinity:
        return False if (first != second) or strict else True
    s = sign_of(sp.sympify(second) - sp.sympify(first), assumptions)
    if s is None:
        return None
    return s > 0 if strict else s >= 0


def _check_supported(expr: sp.Basic, variable: sp.Symbol) -> None:
    if not isinstance(expr, sp.Expr):
        raise UnsupportedPenaltyError(f"the penalty must be a SymPy expression, got {type(expr).__name__}")
    if not variable.is_real:
        raise AssumptionError(
            f"the variable {variable} must be real: create it with Symbol({variable.name!r}, real=True)"
        )
    for symbol in expr.free_symbols:
        if symbol != variable and not symbol.is_real:
            raise AssumptionError(
                f"the parameter {symbol} has no real assumption: create it with "
                f"Symbol({symbol.name!r}, real=True) or positive=True"
            )
    for node in sp.preorder_traversal(expr):
        if isinstance(node, sp.Function) and not isinstance(node, _ALLOWED_FUNCS):
            raise UnsupportedPenaltyError(
                f"the function {node.func} in {expr} is not supported; supported: Abs, Max, Min, Piecewise, "
                "exp, log, cosh, LambertW and powers (sqrt)"
            )
        if isinstance(node, sp.Function) and isinstance(node, sp.Piecewise):
            continue


def _roots(expr: sp.Expr, variable: sp.Symbol) -> list[sp.Expr]:
    solutions = sp.solveset(expr, variable, sp.S.Reals)
    if isinstance(solutions, sp.FiniteSet):
        return list(solutions)
    if solutions is sp.S.EmptySet:
        return []
    if isinstance(solutions, sp.ConditionSet | sp.Intersection | sp.Complement):
        raise AssumptionError(
            f"cannot locate where {expr} = 0 without further assumptions ({solutions}); "
            "declare the parameters positive=True where they are"
        )
    raise UnsupportedPenaltyError(f"{expr} vanishes on a set that is not finite ({solutions})")


def _candidates(expr: sp.Expr, variable: sp.Symbol) -> list[sp.Expr]:
    found: list[sp.Expr] = []
    for node in sp.preorder_traversal(expr):
        if not node.has(variable):
            continue
        if isinstance(node, sp.Abs):
            found += _roots(node.args[0], variable)
        elif isinstance(node, sp.Max | sp.Min):
            args = node.args
            for i in range(len(args)):
                for j in range(i + 1, len(args)):
                    found += _roots(args[i] - args[j], variable)
        elif isinstance(node, sp.Piecewise):
            for _, cond in node.args:
                for rel in sorted(cond.atoms(Relational), key=sp.default_sort_key):  # a set: fix the order
                    if rel.has(variable):
                        found += _roots(rel.lhs - rel.rhs, variable)
        elif isinstance(node, sp.Pow) and node.base.has(variable) and not (node.exp.is_Integer and node.exp >= 0):
            # x**(1/2), 1/x: the point where the base vanishes bounds a piece.
            found += _roots(node.base, variable)
        elif isinstance(node, sp.log):
            found += _roots(node.args[0], variable)
    unique: list[sp.Expr] = []
    for point in found:
        if not any(sp.simplify(point - q) == 0 for q in unique):
            unique.append(point)
    return unique


def _sort(points: list[sp.Expr], assumptions: Any, expr: sp.Expr) -> list[sp.Expr]:
    def order(p: sp.Expr, q: sp.Expr) -> int:
        answer = compare(p, q, assumptions)
        if answer is None:
            first, second = sorted((p, q), key=sp.default_sort_key)  # the same message in every process
            raise AssumptionError(
                f"cannot order the breakpoints {first} and {second} of {expr}; pass assumptions= stating which is "
                "smaller"
            )
        return -1 if answer else 1

    return sorted(points, key=functools.cmp_to_key(order))


def _restrict(expr: sp.Expr, variable: sp.Symbol, at: sp.Expr, assumptions: Any) -> sp.Expr:
    """The branch of every Abs/Max/Min/Piecewise in ``expr`` that is active at ``at``."""

    def walk(node: sp.Basic) -> sp.Basic:
        if not node.args or not node.has(variable):
            return node
        if isinstance(node, sp.Abs):
            inner = walk(node.args[0])
            s = sign_of(inner.subs(variable, at), assumptions)
            if s is None:
                raise AssumptionError(f"cannot decide the sign of {inner} at {variable} = {at}; add assumptions")
            return inner if s >= 0 else -inner
        if isinstance(node, sp.Max | sp.Min):
            args = [walk(a) for a in node.args]
            best = args[0]
            for candidate in args[1:]:
                bigger = compare(best.subs(variable, at), candidate.subs(variable, at), assumptions, strict=False)
                if bigger is None:
                    raise AssumptionError(f"cannot compare {best} and {candidate} at {variable} = {at}")
                if bigger == isinstance(node, sp.Max):
                    best = candidate
            return best
        if isinstance(node, sp.Piecewise):
            for branch, cond in node.args:
                held = _holds(cond, variable, at, assumptions)
                if held is None:
                    raise AssumptionError(f"cannot decide {cond} at {variable} = {at}; add assumptions")
                if held:
                    return walk(branch)
            return sp.nan
        return node.func(*[walk(a) for a in node.args])

    return walk(expr)


def _holds(cond: Any, variable: sp.Symbol, at: sp.Expr, assumptions: Any) -> bool | None:
    if cond is sp.true or cond is True:
        return True
    if cond is sp.false or cond is False:
        return False
    if isinstance(cond, sp.And):
        parts = [_holds(c, variable, at, assumptions) for c in cond.args]
        return False if False in parts else (None if None in parts else True)
    if isinstance(cond, sp.Or):
        parts = [_holds(c, variable, at, assumptions) for c in cond.args]
        return True if True in parts else (None if None in parts else False)
    if isinstance(cond, sp.Not):
        inner = _holds(cond.args[0], variable, at, assumptions)
        return None if inner is None else not inner
    if isinstance(cond, Relational):
        lhs = _restrict(cond.lhs, variable, at, assumptions).subs(variable, at)
        rhs = _restrict(cond.rhs, variable, at, assumptions).subs(variable, at)
        s = sign_of(lhs - rhs, assumptions)
        if s is None:
            return None
        return {
            sp.StrictLessThan: s < 0,
            sp.LessThan: s <= 0,
            sp.StrictGreaterThan: s > 0,
            sp.GreaterThan: s >= 0,
            sp.Equality: s == 0,
            sp.Unequality: s != 0,
        }[type(cond)]
    raise UnsupportedPenaltyError(f"unsupported condition {cond}")


def _one_sided(piece: Piece, variable: sp.Symbol, point: sp.Expr, side: str) -> sp.Expr:
    if not piece.finite:
        return sp.S.NegativeInfinity if side == "-" else sp.S.Infinity
    derivative = sp.diff(piece.expr, variable)
    raw = derivative.subs(variable, point)
    if raw.has(sp.nan, sp.zoo) or raw.is_finite is False:  # simplify would not make it finite: the limit
        return sp.limit(derivative, variable, point, dir=side)
    value = sp.simplify(raw)
    if value.has(sp.nan, sp.zoo) or not value.is_finite:
        value = sp.limit(derivative, variable, point, dir=side)
    return value


def _value_at(expr: sp.Expr, variable: sp.Symbol, point: sp.Expr, assumptions: Any, piece: sp.Expr) -> bool:
    """Whether g(point) equals the piece's expression at the point (no jump of the value there)."""
    value = _restrict(expr, variable, point, assumptions).subs(variable, point)
    if value.has(sp.oo, sp.zoo, sp.nan):
        return False
    return sp.simplify(value - piece.subs(variable, point)) == 0


def _identically_zero(expr: sp.Expr) -> bool:
    """``simplify(expr) == 0``, without the simplify when a sample point shows ``expr`` is not identically 0."""
    if expr.has(sp.Piecewise):
        return sp.simplify(expr) == 0
    from .checks import is_zero

    return is_zero(expr) is True


def analyse(expr: Any, variable: sp.Symbol, *, assumptions: Any = sp.true) -> PenaltyStructure:
    """Split a scalar penalty into smooth pieces between ordered breakpoints.

    Parameters
    ----------
    expr : sympy.Expr
        The penalty g(x).
    variable : sympy.Symbol
        The real variable x.
    assumptions : sympy Boolean, optional
        Extra facts about the parameters (e.g. ``a < b``) used, with the
        symbols' own assumptions, to order the breakpoints.

    Examples
    --------
    >>> from derive.symbols import x, lam
    >>> s = analyse(lam*abs(x), x)
    >>> [k.point for k in s.breakpoints], [(k.left, k.right) for k in s.breakpoints]
    ([0], [(-lambda, lambda)])
    """
    expr = sp.sympify(expr)
    _check_supported(expr, variable)
    points = _sort(_candidates(expr, variable), assumptions, expr)
    bounds = [sp.S.NegativeInfinity, *points, sp.S.Infinity]
    pieces: list[Piece] = []
    for lo, hi in itertools.pairwise(bounds):
        if lo is sp.S.NegativeInfinity and hi is sp.S.Infinity:
            at = sp.Integer(0)
        elif lo is sp.S.NegativeInfinity:
            at = hi - 1
        elif hi is sp.S.Infinity:
            at = lo + 1
        else:
            at = (lo + hi) / 2
        restricted = _restrict(expr, variable, at, assumptions)
        if restricted.has(sp.oo) and not restricted.has(variable):
            restricted = sp.oo
        pieces.append(Piece(sp.Interval.open(lo, hi), restricted))
    # A breakpoint between two pieces with the same expression is no breakpoint
    # (|x| inside the quadratic zone of the Huber function): merge the pieces.
    # A point where g takes another value (the L0 penalty at 0) stays a breakpoint.
    i = 0
    while i < len(points):
        if (
            pieces[i].finite
            and pieces[i + 1].finite
            and _identically_zero(pieces[i].expr - pieces[i + 1].expr)
            and _value_at(expr, variable, points[i], assumptions, pieces[i].expr) is True
        ):
            merged = Piece(sp.Interval.open(pieces[i].interval.start, pieces[i + 1].interval.end), pieces[i].expr)
            pieces[i : i + 2] = [merged]
            del points[i]
        else:
            i += 1
    breakpoints: list[Breakpoint] = []
    for i, point in enumerate(points):
        value = _restrict(expr, variable, point, assumptions).subs(variable, point)
        value = sp.oo if value.has(sp.oo, sp.zoo) else sp.simplify(value)
        left = _one_sided(pieces[i], variable, point, "-")
        right = _one_sided(pieces[i + 1], variable, point, "+")
        breakpoints.append(Breakpoint(point, value, left, right))
    return PenaltyStructure(expr, variable, tuple(pieces), tuple(breakpoints), assumptions)
