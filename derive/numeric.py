"""Vectorised NumPy functions generated from derived results.

A derived result is evaluated through the fastest *checked* form we can find:

1. **Rewrite.**  A result that is continuous and piecewise affine in its
   variable (soft thresholding, the elastic net, the Huber prox, clipping, the
   hinge prox, ...) is rewritten with ``Max``/``Min``, e.g.
   ``sign(v)*max(|v| - lambda, 0) = v - min(max(v, -lambda), lambda)``.  The
   breakpoints are the roots of the arguments of ``Abs``, ``sign``,
   ``Max``/``Min`` and the sides of ``Piecewise`` conditions; on each interval
   between them the result is restricted to one affine function
   ``s_i v + c_i``; the rewrite is assembled from those pieces and is only used
   once it is **checked** equal to the input: symbolically (every branch
   decided from the symbols' assumptions on every interval, and equal values
   at the breakpoints), else with :func:`derive.checks.check_equal` (seeded
   points, 50 digits).  A breakpoint order that does not follow from the
   assumptions (``a <= b`` for clipping) is a *guard*: the check holds under
   it and the kernel tests it on the parameters before using the rewrite.
   **Exact zeros.**  Where the result is 0 the kernel returns exactly 0 (what
   sparsity means): a second rewrite anchors every term at the zero run
   (``v - clip(v, l, r)``, ``clip(v, t1, t2) - t1``: each exactly 0 there,
   :func:`_assemble_anchored`), and a candidate form is used only if its
   generated kernel gives exact zeros, in float64 and float32, at points
   inside every zero run (SCAD's plain sum of clips rounded to ``1e-16``).
2. **Generate.**  The kernel is straight-line code of ufunc calls (``np.clip``
   for ``Min(Max(x, lo), hi)``): parameter-only parts use Python operators
   (scalars stay weak, so float32 stays float32; ``lambda*t/(lambda + 1)`` is
   one multiplication by ``lambda/(lambda + 1)``, a division by a parameter a
   multiplication by its reciprocal), and each operation writes ``out=`` into
   a temporary of ours that is dead after it (liveness, :func:`_render`) when
   that has the result's shape and dtype: fresh full-size arrays cost page
   faults.  ``(a + b)*2**n`` replaces ``a*2**n + b*2**n`` (exact).  Nothing
   is coerced with ``np.asarray``, so any NumPy-like array (Dask) flows
   through its ufunc and array-function protocols, and parameters broadcast
   like ufunc arguments.  NaN gives NaN and inf gives the function's limit
   (step 4).

1b. **Thresholds.**  Any other ``Piecewise`` in the variable (hard, half and
   2/3 thresholding, SCAD, capped L1, the Cardano branches of ``|x|^(3/2)``)
   is rewritten with one branch per run of equal values between the sorted
   breakpoints; when the runs mirror each other with odd values (the prox of
   an even penalty) the conditions are on ``|v|`` and a branch ``f(v)``,
   ``v > 0``, becomes ``CopySign(f(|v|), v)``; the runs around 0 that meet
   continuously become one ``clip`` form (capped L1).  Checked like the rewrite
   (:func:`derive.checks.check_equal` at seeded points, at every breakpoint
   and inside every interval).  The cheapest form (fewest full-size passes)
   that keeps exact zeros is used.
1c. **Factors out of sums.**  A positive parameter factor is taken out of
   every sum and power of a sum (``sqrt(v**2/4 + c) = sqrt(v**2 + 4c)/2``,
   :func:`_monic`); the new form is checked numerically and used if cheaper.
3. **Evaluate cheaply.**  Common subexpressions are computed once
   (``sympy.cse``); ``x**3`` is two multiplications; a cube root of a radicand
   shown nonnegative (Cardano's ``a + sqrt(b)`` with ``b - a**2 >= 0``) is
   ``numpy.cbrt``; ``LambertW(k exp(y))`` is the Wright omega of
   ``y + log k`` (:func:`wright_omega`: no overflow, ufuncs only).  A branch
   with a costly function (``acos``, ``cos``, roots) is evaluated only on the
   elements that take it (a kernel of its own, :func:`_pick`); cheap branches
   use ``numpy.where`` under ``numpy.errstate``.  Conditions on parameters
   only are Python ``if`` statements.
4. **Limits at infinity.**  A closed form may meet ``inf - inf`` at
   ``v = +-inf`` (Cardano's formula, ``(v + sqrt(v**2 + 4 lambda))/2`` at
   ``-inf``) although the function has a limit there.  The generated kernel
   is evaluated at ``+-inf`` once, at seeded parameter values; where it gives
   NaN, the limits of the expression as ``v -> +-oo`` are derived with
   :func:`sympy.limit` (of the branch that holds for large ``|v|``) and the
   kernel's output is corrected at infinite inputs (one extra read pass,
   only for those kernels).  NaN inputs still give NaN.
Parameters must satisfy their symbols' assumptions (``lambda > 0``); outside
them the kernel's values are unspecified.
"""

from __future__ import annotations

import functools
import itertools
import keyword
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import sympy as sp
from sympy.core.relational import Relational
from sympy.printing.numpy import NumPyPrinter

from .core import Check
from .errors import VerificationError
from .validate import parameter_checker

__all__ = [
    "CopySign",
    "KernelForm",
    "argument_name",
    "bind_arguments",
    "kernel_form",
    "numeric_function",
    "wright_omega",
]


class _KernelPrinter(NumPyPrinter):
    """NumPy printer with ufunc Max/Min and nested-where Piecewise."""

    def _nary(self, func: str, args: Sequence[sp.Basic]) -> str:
        printed = [self._print(a) for a in args]
        out = printed[0]
        for item in printed[1:]:
            out = f"{func}({out}, {item})"
        return out

    def _print_Max(self, expr: sp.Max) -> str:
        return self._nary("numpy.maximum", expr.args)

    def _print_Min(self, expr: sp.Min) -> str:
        return self._nary("numpy.minimum", expr.args)

    def _print_LambertW(self, expr: sp.LambertW) -> str:
        return f"LambertW({self._print(expr.args[0])})"

    def _print_CopySign(self, expr: sp.Expr) -> str:
        return f"numpy.copysign({self._print(expr.args[0])}, {self._print(expr.args[1])})"

    def _print_Piecewise(self, expr: sp.Piecewise) -> str:
        out = "numpy.nan"
        for value, cond in reversed(expr.args):
            if cond is sp.true:
                out = self._print(value)
            else:
                out = f"numpy.where({self._print(cond)}, {self._print(value)}, {out})"
        return out


def argument_name(symbol: sp.Symbol) -> str:
    """The Python name of a symbol's argument (``lambda`` becomes ``lam``)."""
    name = symbol.name
    if name == "lambda" or keyword.iskeyword(name):
        return "lam" if name == "lambda" else f"{name}_"
    return name


# ---------------------------------------------------------------------------
# 1. Rewrite: piecewise affine results as Max/Min/clip, checked
# ---------------------------------------------------------------------------
class _NoRewrite(Exception):
    """The expression is not a continuous piecewise-affine function we can rewrite."""


@dataclass(frozen=True, slots=True)
class KernelForm:
    """The form a kernel evaluates, and how it was shown equal to the derived result.

    Attributes
    ----------
    expr : sympy.Expr
        The expression evaluated (the input itself when no rewrite applies).
    check : Check or None
        How ``expr`` was verified equal to the input (None: it is the input).
    guards : tuple of sympy relationals
        Facts about the parameters under which the check holds (an order of
        breakpoints the assumptions do not decide); the kernel tests them and
        evaluates the input itself where they fail.
    """

    expr: Any
    check: Check | None = None
    guards: tuple[Any, ...] = ()


_KINKED = (sp.Abs, sp.sign, sp.Heaviside)


def _roots(u: sp.Expr, variable: sp.Symbol) -> list[sp.Expr]:
    """All real roots of ``u`` in ``variable`` (affine fast path, else solveset); raise if unknown."""
    if not u.has(variable):
        return []
    slope = sp.diff(u, variable)
    if not slope.has(variable) and not slope.has(sp.Derivative):
        if slope.is_zero:
            return []
        if slope.is_zero is None and sp.simplify(slope) == 0:
            return []
        return [sp.simplify(-u.subs(variable, 0) / slope)]
    found = sp.solveset(u, variable, sp.S.Reals)
    if isinstance(found, sp.FiniteSet) and all(not r.has(variable) for r in found.args):
        return list(found.args)
    if found is sp.S.EmptySet:
        return []
    raise _NoRewrite(f"cannot locate the roots of {u}")


def _breakpoints(expr: sp.Basic, variable: sp.Symbol) -> list[sp.Expr]:
    """Candidate kinks of ``expr`` in ``variable``, in order of appearance, without duplicates."""
    found: list[sp.Expr] = []
    for node in sp.preorder_traversal(expr):
        if not isinstance(node, sp.Basic) or not node.has(variable):
            continue
        if isinstance(node, _KINKED):
            found += _roots(node.args[0], variable)
        elif isinstance(node, sp.Max | sp.Min):
            for first, second in itertools.combinations(node.args, 2):
                found += _roots(first - second, variable)
        elif isinstance(node, Relational):
            found += _roots(node.lhs - node.rhs, variable)
        elif isinstance(node, sp.Function) and not isinstance(node, sp.Piecewise) and node.func not in _SMOOTH:
            raise _NoRewrite(f"unsupported function {node.func}")
    unique: list[sp.Expr] = []
    for point in found:
        if point.is_real is False or point.has(sp.I):
            continue
        if not any(sp.simplify(point - q) == 0 for q in unique):
            unique.append(point)
    return unique


_SMOOTH = (sp.exp, sp.log, sp.cosh, sp.sinh, sp.tanh, sp.cos, sp.sin, sp.acos, sp.asin, sp.acosh, sp.LambertW)


def _less(first: sp.Expr, second: sp.Expr) -> bool | None:
    """Three-valued ``first < second`` from the symbols' assumptions."""
    difference = second - first
    for candidate in (difference, sp.simplify(difference)):
        if candidate.is_positive:
            return True
        if candidate.is_nonpositive:
            return False
    return None


def _order(points: list[sp.Expr]) -> tuple[list[sp.Expr], tuple[Any, ...]]:
    """Sort the breakpoints; an order the assumptions leave open becomes a guard.

    Decidable: sorted.  Otherwise the order of appearance is kept (a
    ``Piecewise`` lists its upper ends increasing) and every consecutive
    pair whose order is not decided becomes a guard ``t_i <= t_j``.
    """

    def compare(p: sp.Expr, q: sp.Expr) -> int:
        answer = _less(p, q)
        if answer is None:
            raise _Undecided
        return -1 if answer else 1

    try:
        return sorted(points, key=functools.cmp_to_key(compare)), ()
    except _Undecided:
        pass
    guards = []
    for p, q in itertools.pairwise(points):
        answer = _less(p, q)
        if answer is False:
            raise _NoRewrite(f"cannot order the breakpoints {points}")
        if answer is None:
            guards.append(sp.Le(p, q))
    for p, q in itertools.combinations(points, 2):  # a decided pair must agree with the order
        if _less(p, q) is False:
            raise _NoRewrite(f"cannot order the breakpoints {points}")
    return points, tuple(guards)


class _Undecided(Exception):
    pass


def _sign(expr: sp.Expr, point: dict[sp.Symbol, Any] | None) -> int:
    """Sign of ``expr``: decided symbolically (``point`` None) or at a numeric point; raise if unknown or 0."""
    if point is None:
        for candidate in (expr, sp.simplify(expr)):
            if candidate.is_positive:
                return 1
            if candidate.is_negative:
                return -1
        raise _Undecided
    value = sp.N(expr.subs(point), 30)
    if not value.is_real or value == 0:
        raise _NoRewrite(f"{expr} vanishes or is not real at a sample point")
    return 1 if value > 0 else -1


def _restrict(expr: sp.Basic, variable: sp.Symbol, at: sp.Expr, point: dict[sp.Symbol, Any] | None) -> sp.Basic:
    """The branch of every kink in ``expr`` active at ``variable = at``.

    ``point`` None: branches decided from the assumptions (a proof); else
    decided numerically at ``point`` (parameters) with ``variable`` at ``at``.
    """
    where = {variable: at} if point is None else {**point, variable: at}

    def sign_at(u: sp.Expr) -> int:
        return _sign(u.subs(variable, at) if point is None else u, None if point is None else where)

    def walk(node: sp.Basic) -> sp.Basic:
        if not isinstance(node, sp.Basic) or not node.args or not node.has(variable):
            return node
        if isinstance(node, sp.Abs):
            inner = walk(node.args[0])
            return inner if sign_at(inner) > 0 else -inner
        if isinstance(node, sp.sign):
            return sp.Integer(sign_at(walk(node.args[0])))
        if isinstance(node, sp.Heaviside):
            return sp.Integer(1 if sign_at(walk(node.args[0])) > 0 else 0)
        if isinstance(node, sp.Max | sp.Min):
            args = [walk(a) for a in node.args]
            best = args[0]
            for other in args[1:]:
                bigger = sign_at(other - best) > 0
                if bigger == isinstance(node, sp.Max):
                    best = other
            return best
        if isinstance(node, sp.Piecewise):
            for value, cond in node.args:
                if holds(cond):
                    return walk(value)
            raise _NoRewrite(f"no branch of {node} applies")
        return node.func(*[walk(a) for a in node.args])

    def holds(cond: Any) -> bool:
        if cond in (sp.true, True):
            return True
        if cond in (sp.false, False):
            return False
        if isinstance(cond, sp.And):
            return all(holds(c) for c in cond.args)
        if isinstance(cond, sp.Or):
            return any(holds(c) for c in cond.args)
        if isinstance(cond, sp.Not):
            return not holds(cond.args[0])
        if isinstance(cond, Relational) and not isinstance(cond, sp.Eq | sp.Ne):
            s = sign_at(walk(cond.lhs) - walk(cond.rhs))  # never 0 strictly inside an interval
            return {sp.StrictLessThan: s < 0, sp.LessThan: s < 0, sp.StrictGreaterThan: s > 0, sp.GreaterThan: s > 0}[
                type(cond)
            ]
        if isinstance(cond, sp.Eq | sp.Ne):  # an equation in the variable holds at isolated points only
            difference = walk(cond.lhs) - walk(cond.rhs)
            if difference.has(variable):
                return isinstance(cond, sp.Ne)
            value = difference if point is None else difference.subs(point)
            if sp.simplify(value) == 0:
                return isinstance(cond, sp.Eq)
            if value.is_zero is False:
                return isinstance(cond, sp.Ne)
            raise _Undecided
        raise _NoRewrite(f"unsupported condition {cond}")

    return walk(expr)


def _surely_not_affine(expr: sp.Expr, variable: sp.Symbol) -> bool:
    """A cheap test before ``simplify``: a fractional power or a transcendental function of the variable.

    Such a piece is not affine in practice (the derived roots of the bridge penalties are), and
    simplifying its large derivative was the slowest part of building their kernels.  A false
    positive costs only speed: the kernel then falls back to evaluating the ``Piecewise``.
    """
    for node in sp.preorder_traversal(expr):
        if not getattr(node, "has", None) or not node.has(variable):
            continue
        if isinstance(node, sp.Pow) and not node.exp.is_Integer:
            return True
        if isinstance(node, sp.Function) and not isinstance(node, (sp.Abs, sp.Max, sp.Min, sp.sign)):
            return True
    return False


def _affine(expr: sp.Expr, variable: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    if _surely_not_affine(expr, variable):
        raise _NoRewrite(f"{expr} is not affine in {variable}")
    slope = sp.simplify(sp.diff(expr, variable))
    if slope.has(variable):
        raise _NoRewrite(f"{expr} is not affine in {variable}")
    return slope, sp.simplify(expr - slope * variable)


def _same(first: sp.Expr, second: sp.Expr) -> bool:
    return first == second or sp.simplify(first - second) == 0


def _interiors(points: list[sp.Expr]) -> list[sp.Expr]:
    """A point strictly inside each interval cut out by the sorted breakpoints."""
    if not points:
        return [sp.Integer(0)]
    inner = [(p + q) / 2 for p, q in itertools.pairwise(points)]
    return [points[0] - 1, *inner, points[-1] + 1]


def _pieces(
    expr: sp.Expr, variable: sp.Symbol, points: list[sp.Expr], point: dict[sp.Symbol, Any] | None
) -> list[tuple[sp.Expr, sp.Expr]]:
    """``(slope, intercept)`` of ``expr`` on each interval between the breakpoints."""
    out = []
    for at in _interiors(points):
        where = at if point is None else at.subs(point)
        out.append(_affine(_restrict(expr, variable, where, point), variable))
    return out


def _assemble(variable: sp.Symbol, points: list[sp.Expr], pieces: list[tuple[sp.Expr, sp.Expr]]) -> sp.Expr:
    """A continuous piecewise-affine function with the given pieces, written with Max/Min.

    Three pieces with equal outer slopes (the prox shape): ``s0*v + (s1 - s0)*clip(v, t1, t2) + c1``,
    factored as ``s0*(v + r*clip) + c1``; otherwise a sum of ramps
    ``s0*v + c0 + sum_i (s_i - s_{i-1})*(Max(v, t_i) - t_i)`` in which two kinks
    with opposite jumps share one ``clip`` (berHu, the distance to an interval).
    """
    v = variable
    slopes = [s for s, _ in pieces]
    if len(points) == 2 and _same(slopes[0], slopes[2]):
        s0, s1 = slopes[0], slopes[1]
        clip = sp.Min(sp.Max(v, points[0]), points[1])
        constant = pieces[1][1]
        if s0 == 0:
            return sp.Mul(s1, clip) + constant
        ratio = sp.simplify((s1 - s0) / s0)
        inner = v + ratio * clip
        scaled = inner if s0 == 1 else sp.Mul(s0, inner, evaluate=False)
        return scaled if constant == 0 else sp.Add(scaled, constant, evaluate=False)
    # Ramps: f = s0*v + c0 + sum_i d_i*(Max(v, t_i) - t_i), d_i the slope jump at t_i.  Two kinks
    # whose jumps cancel (d_j = -d_i, t_i < t_j) make one clip: d_i*(Min(Max(v, t_i), t_j) - t_i).
    jumps = [sp.simplify(after - before) for before, after in itertools.pairwise(slopes)]
    used = [False] * len(points)
    terms: list[sp.Expr] = [slopes[0] * v]
    constant = pieces[0][1]
    for i, (t, jump) in enumerate(zip(points, jumps, strict=True)):
        if used[i]:
            continue
        used[i] = True
        partner = next((j for j in range(i + 1, len(points)) if not used[j] and _same(jumps[j], -jump)), None)
        if partner is None:
            terms.append(jump * sp.Max(v, t))
        else:
            used[partner] = True
            terms.append(jump * sp.Min(sp.Max(v, t), points[partner]))
        constant -= jump * t
    constant = sp.simplify(constant)
    return sp.Add(*terms, constant)


def _assemble_anchored(variable: sp.Symbol, points: list[sp.Expr], pieces: list[tuple[sp.Expr, sp.Expr]]) -> sp.Expr:
    """The pieces as a sum of terms that are each exactly 0 on the run where the function is 0.

    With ``f = 0`` on ``[t_{z-1}, t_z]`` and ``c_i`` the slope jump at a kink right of it (minus the
    jump at one left of it), ``f = sum_right c_i (Max(v, t_i) - t_i) + sum_left c_i (Min(v, t_i) - t_i)``.
    A left and a right kink with the same ``c`` make one dead zone ``c (v - clip(v, l, r))``; two
    dead zones with opposite ``c`` make ``c (clip(v, l2, r2) - clip(v, l1, r1))``; two kinks on one side
    with opposite ``c`` make ``c (clip(v, t1, t2) - t1)`` (right) or ``c (clip(v, t1, t2) - t2)`` (left).
    In floating point every term is then exactly 0 on the zero run (``v - v``, ``t - t``), so the
    kernel's zeros are exact zeros, which is what sparsity means (SCAD, MCP, berHu).  Raise
    ``_NoRewrite`` when no piece is the zero function.
    """
    v = variable
    zero = next((k for k, (s, c) in enumerate(pieces) if s == 0 and c == 0), None)
    if zero is None:
        raise _NoRewrite("no zero run to anchor")
    slopes = [s for s, _ in pieces]
    jumps = [sp.simplify(after - before) for before, after in itertools.pairwise(slopes)]
    right = [(t, j) for i, (t, j) in enumerate(zip(points, jumps, strict=True)) if i >= zero]
    left = [(t, -j) for i, (t, j) in enumerate(zip(points, jumps, strict=True)) if i < zero]
    left.reverse()  # nearest to the zero run first

    def take(items: list[tuple[sp.Expr, sp.Expr]], coefficient: sp.Expr) -> tuple[sp.Expr, sp.Expr] | None:
        for k, (_t, c) in enumerate(items):
            if _same(c, coefficient):
                return items.pop(k)
        return None

    zones: list[tuple[sp.Expr, sp.Expr, sp.Expr]] = []  # (c, l, r): c (v - clip(v, l, r))
    for t, c in list(right):
        partner = take(left, c)
        if partner is not None:
            right.remove((t, c))
            zones.append((c, partner[0], t))

    def scaled(c: sp.Expr, term: sp.Expr) -> sp.Expr:
        return term if c == 1 else sp.Mul(c, term, evaluate=False)

    terms: list[sp.Expr] = []
    while zones:
        c, lo, hi = zones.pop(0)
        partner = next((z for z in zones if _same(z[0], -c)), None)
        if partner is None:
            terms.append(scaled(c, v - sp.Min(sp.Max(v, lo), hi)))
        else:
            zones.remove(partner)
            _, lo2, hi2 = partner  # partner's zone is the wider one: zones are built from the inside out
            terms.append(scaled(c, sp.Min(sp.Max(v, lo2), hi2) - sp.Min(sp.Max(v, lo), hi)))
    for side, extreme in ((right, sp.Max), (left, sp.Min)):
        while side:
            t, c = side.pop(0)
            partner = take(side, -c)
            if partner is None:
                terms.append(scaled(c, extreme(v, t) - t))
            elif extreme is sp.Max:
                terms.append(scaled(c, sp.Min(sp.Max(v, t), partner[0]) - t))
            else:
                terms.append(scaled(c, sp.Min(sp.Max(v, partner[0]), t) - t))
    return sp.Add(*terms)


@functools.lru_cache(maxsize=256)
def _affine_pieces(
    expr: sp.Expr, variable: sp.Symbol
) -> tuple[tuple[sp.Expr, ...], tuple[Any, ...], tuple[Any, ...], tuple[sp.Expr, ...], tuple[Any, ...], bool]:
    """Breakpoints, guards, the affine pieces between them, the same with equal neighbours merged, and
    whether the pieces were decided symbolically (cached: both assemblies of :func:`_rewrite` need them).
    """
    from .checks import sample_points

    points, guards = _order(_breakpoints(expr, variable))
    if not points:
        raise _NoRewrite("no kinks")
    parameters = sorted(expr.free_symbols - {variable}, key=lambda s: s.name)
    symbolic = not guards
    try:
        if not symbolic:
            raise _Undecided
        pieces = _pieces(expr, variable, points, None)
    except _Undecided:
        symbolic = False
        try:
            samples = sample_points(parameters, sp.And(*[sp.Lt(g.lhs, g.rhs) for g in guards]), count=5)
        except VerificationError as exc:
            raise _NoRewrite(str(exc)) from None
        pieces = _pieces(expr, variable, points, samples[0])
    # Merge neighbours with the same affine function (the kink of sign(v) at 0 inside a dead zone).
    kept_points, kept_pieces = [], [pieces[0]]
    for t, piece in zip(points, pieces[1:], strict=True):
        if _same(piece[0], kept_pieces[-1][0]) and _same(piece[1], kept_pieces[-1][1]):
            continue
        kept_points.append(t)
        kept_pieces.append(piece)
    if not kept_points:
        raise _NoRewrite("affine: no kinks after merging")
    return tuple(points), guards, tuple(pieces), tuple(kept_points), tuple(kept_pieces), symbolic


def _rewrite(expr: sp.Expr, variable: sp.Symbol, *, anchored: bool = False) -> KernelForm:
    """Find and check a Max/Min form of a continuous piecewise-affine ``expr``; raise ``_NoRewrite``.

    ``anchored``: the form of :func:`_assemble_anchored` (exact zeros), else :func:`_assemble`.
    """
    from .checks import check_equal

    points, guards, pieces, kept_points, kept_pieces, symbolic = _affine_pieces(expr, variable)
    form = (_assemble_anchored if anchored else _assemble)(variable, list(kept_points), list(kept_pieces))
    condition = sp.And(*guards)
    if symbolic:
        # Proof: on every interval the branches were decided from the assumptions and the
        # assembled form has the same affine piece; the values agree at every breakpoint.
        check_pieces = _pieces(form, variable, points, None)
        for mine, theirs in zip(check_pieces, pieces, strict=True):
            if not (_same(mine[0], theirs[0]) and _same(mine[1], theirs[1])):
                raise _NoRewrite("assembled form disagrees with a piece")
        for t in points:
            at_expr, at_form = _value_at(expr, variable, t), _value_at(form, variable, t)
            if at_expr is None or at_form is None or not _same(at_expr, at_form):
                symbolic = False
                break
    if symbolic:
        check = Check(
            "symbolic",
            f"on each of the {len(points) + 1} intervals between the breakpoints "
            f"{', '.join(sp.sstr(t) for t in points)} the branches follow from the assumptions and both "
            "sides are the same affine function; they agree at the breakpoints",
        )
    else:
        try:
            check = check_equal(form, expr, condition=condition)
            for t in points:  # kinks are measure-zero for random points: check them too
                check_equal(form.subs(variable, t), expr.subs(variable, t), condition=condition)
        except VerificationError as exc:
            raise _NoRewrite(str(exc)) from None
        guard_text = f" under {sp.sstr(condition)}" if guards else ""
        check = Check(check.method, f"{check.detail}{guard_text}; and at the breakpoints")
    return KernelForm(form, check, guards)


@functools.lru_cache(maxsize=1024)
def _value_at(expr: sp.Expr, variable: sp.Symbol, at: sp.Expr) -> sp.Expr | None:
    """``expr`` at ``variable = at`` with every kink decided from the assumptions, or None."""
    value = sp.piecewise_fold(expr.subs(variable, at))
    if isinstance(value, sp.Piecewise):
        for branch, cond in value.args:
            decided = sp.simplify(cond)
            if decided is sp.true:
                return sp.simplify(branch)
            if decided is not sp.false:
                return None
        return None
    value = sp.simplify(value)
    return None if value.has(sp.Max, sp.Min, sp.Abs, sp.sign) else value


# ---------------------------------------------------------------------------
# 1b. Rewrite: any Piecewise in the variable as ordered thresholds, odd results as copysign
# ---------------------------------------------------------------------------
class CopySign(sp.Function):
    """``CopySign(a, b) = |a| sign(b)``: NumPy's ``copysign`` (one pass) as a SymPy function.

    Only kernel forms contain it; they are checked equal to the derived result, for which
    ``CopySign`` evaluates as ``Abs(a)*sign(b)`` at numbers.

    Examples
    --------
    >>> CopySign(sp.Integer(3), sp.Integer(-2))
    -3
    """

    nargs = 2

    @classmethod
    def eval(cls, a: sp.Expr, b: sp.Expr) -> sp.Expr | None:
        if a.is_Number and b.is_Number:
            return sp.Abs(a) * sp.sign(b)
        return None


def _checkable(form: sp.Expr) -> sp.Expr:
    """``form`` with ``CopySign(a, b)`` written ``Abs(a)*sign(b)`` (what the checks evaluate fast)."""
    return form.replace(CopySign, lambda first, second: sp.Abs(first) * sp.sign(second))


def _check_at(form: sp.Expr, expr: sp.Expr, variable: sp.Symbol, at: sp.Expr, condition: Any) -> None:
    """``form = expr`` at ``variable = at`` (seeded parameter points, or symbolically); raise ``_NoRewrite``."""
    from .checks import check_equal

    try:
        # numerically at once: the sides are root formulas (Cardano, trigonometric) whose symbolic
        # simplification took seconds per kernel (bridge-2/3: 7 s) while 40 points at 50 digits decide it
        check_equal(_checkable(form).subs(variable, at), expr.subs(variable, at), condition=condition, numeric=True)
    except VerificationError as exc:
        raise _NoRewrite(str(exc)) from None


@functools.lru_cache(maxsize=256)
def _run_values(
    expr: sp.Expr, variable: sp.Symbol
) -> tuple[tuple[sp.Expr, ...], tuple[sp.Expr, ...], tuple[Any, ...], Any]:
    """Breakpoints, the branch of ``expr`` active on each interval between them, guards, guard condition.

    Cached: the threshold form and the exact-zeros test both need it.
    """
    from .checks import sample_points

    points, guards = _order(_breakpoints(expr, variable))
    if not points:
        raise _NoRewrite("no breakpoints")
    condition = sp.And(*guards)
    parameters = sorted(expr.free_symbols - {variable}, key=lambda s: s.name)
    try:
        if guards:
            raise _Undecided
        values = [_restrict(expr, variable, at, None) for at in _interiors(points)]
    except _Undecided:
        try:
            sample = sample_points(parameters, sp.And(*[sp.Lt(g.lhs, g.rhs) for g in guards]), count=5)[0]
        except VerificationError as exc:
            raise _NoRewrite(str(exc)) from None
        values = [_restrict(expr, variable, at.subs(sample), sample) for at in _interiors(points)]
    if any(isinstance(value, sp.Set) or value.has(sp.Piecewise) for value in values):
        raise _NoRewrite("a branch is not single-valued")
    return tuple(points), tuple(values), guards, condition


def _threshold_form(expr: sp.Expr, variable: sp.Symbol) -> KernelForm:
    """``expr`` (a ``Piecewise`` in ``variable``) as one branch per run of equal values, checked.

    The breakpoints are sorted (as for the Max/Min rewrite) and the branch active on each
    interval between them is found; neighbouring intervals with the same branch merge into a
    run, and each breakpoint between runs goes to the side whose value ``expr`` takes there
    (``v <= t`` or ``v < t``).  When the runs are mirror images with odd values
    (``f(-v) = -f(v)``: every prox of an even penalty) the form is written in ``|v|``: fewer
    comparisons, and a branch ``f(v)`` for ``v > 0`` becomes ``CopySign(f(|v|), v)``.  The form is
    checked equal to ``expr`` with :func:`derive.checks.check_equal` (seeded points) and at every
    breakpoint and a point inside every interval.
    """
    from .checks import check_equal

    v = variable
    points, values, guards, condition = _run_values(expr, v)
    runs = [values[0]]
    bounds: list[sp.Expr] = []
    for t, value in zip(points, values[1:], strict=True):
        if _same(value, runs[-1]):
            continue
        bounds.append(t)
        runs.append(value)
    if not bounds:
        raise _NoRewrite("one run: no branches")
    sides = []  # per breakpoint between runs: may it go to the run on its left, on its right?
    for t, left, right in zip(bounds, runs, runs[1:], strict=False):
        sides.append(tuple(_holds_at(run, expr, v, t, condition) for run in (left, right)))
        if not any(sides[-1]):
            raise _NoRewrite(f"the value at {t} is neither neighbour's")
    form = _odd_form(v, bounds, runs, sides)
    if form is None:
        branches = [
            (run, sp.Le(v, t) if side[0] else sp.Lt(v, t)) for run, t, side in zip(runs, bounds, sides, strict=False)
        ]
        form = sp.Piecewise(*branches, (runs[-1], True))
    try:
        check = check_equal(_checkable(form), expr, condition=condition)
    except VerificationError as exc:
        raise _NoRewrite(str(exc)) from None
    for at in (*points, *_interiors(points)):
        _check_at(form, expr, v, at, condition)
    guard_text = f" under {sp.sstr(condition)}" if guards else ""
    detail = f"{check.detail}{guard_text}; and at the breakpoints and inside every interval between them"
    return KernelForm(form, Check(check.method, detail), guards)


def _holds_at(run: sp.Expr, expr: sp.Expr, variable: sp.Symbol, at: sp.Expr, condition: Any) -> bool:
    try:
        _check_at(run, expr, variable, at, condition)
    except _NoRewrite:
        return False
    return True


def _odd_form(
    v: sp.Symbol, bounds: list[sp.Expr], runs: list[sp.Expr], sides: list[tuple[bool, bool]]
) -> sp.Expr | None:
    """The runs as a ``Piecewise`` in ``|v|`` if they mirror each other with odd values, else None.

    ``sides[i]``: whether the breakpoint ``bounds[i]`` may go to the run on its left, on its right.
    """
    m = len(bounds)
    inner = []  # for each breakpoint: may it go to the run nearer to 0 (mirrored at -t likewise)?
    for i in range(m):
        j = m - 1 - i
        if not _same(bounds[i] + bounds[j], 0):
            return None
        left, right = sides[i]
        mirror_left, mirror_right = sides[j]
        inner.append((left and mirror_right) if bounds[i].is_positive is not False else (right and mirror_left))
        if i != j and not ((left and mirror_right) or (right and mirror_left)):
            return None
    for i in range(m + 1):
        if not _same(runs[m - i], -runs[i].subs(v, -v)):
            return None
    u = sp.Abs(v)
    first = m // 2 if m % 2 == 0 else (m + 1) // 2  # the run containing 0, or the first one right of 0
    branches = []
    for j in range(first, m + 1):
        run = runs[j]
        if not _same(run.subs(v, -v), -run):
            run = CopySign(run.subs(v, u), v)
        if j < m:
            t = bounds[j]
            branches.append((run, sp.Le(u, t) if inner[j] else sp.Lt(u, t)))
        else:
            branches.append((run, True))
    branches = _merge_centre(v, bounds, runs, sides, first, branches)
    if len(branches) == 1:
        return branches[0][0]
    return sp.Piecewise(*branches)


def _merge_centre(
    v: sp.Symbol,
    bounds: list[sp.Expr],
    runs: list[sp.Expr],
    sides: list[tuple[bool, bool]],
    first: int,
    branches: list[tuple[sp.Expr, Any]],
) -> list[tuple[sp.Expr, Any]]:
    """The runs around 0 that meet continuously, as one branch rewritten with Max/Min when possible.

    ``branches`` are those of :func:`_odd_form` (runs ``first``..``m`` in ``|v|``).  The runs ``m - r``..``r``
    whose values agree at every breakpoint between them form a continuous odd function; when it is
    affine on each run, :func:`_rewrite` gives it as ``clip``/``Max``/``Min`` (checked there).  Capped
    L1: ``0`` up to ``lambda`` and ``v -+ lambda`` up to ``lambda/2 + theta`` become ``v - clip(v, -lambda,
    lambda)`` up to ``lambda/2 + theta``: one comparison and one ``where`` fewer.  A result continuous
    everywhere is left to :func:`_rewrite` itself; a chain it does not take stays as it was.
    """
    m = len(bounds)
    right = first
    while right < m and all(sides[right]):
        right += 1
    left = m - right
    if right - left < 1 or (left == 0 and right == m) or not all(all(sides[k]) for k in range(left, right)):
        return branches
    chain = [(runs[k], sp.Le(v, bounds[k])) for k in range(left, right)]
    try:
        merged = _rewrite(sp.Piecewise(*chain, (runs[right], True)), v)
    except (_NoRewrite, _Undecided, NotImplementedError, TypeError, ValueError):
        return branches
    if merged.guards:
        return branches
    rest = branches[right - first :]
    return [(merged.expr, rest[0][1]), *rest[1:]]


def _monic(expr: sp.Basic, variable: sp.Symbol) -> sp.Basic:
    """``expr`` with a positive parameter factor taken out of every sum in ``variable`` (fewer passes).

    In a sum ``k t_1 + c_2 t_2 + ...`` whose first term in ``variable`` with a positive coefficient is
    ``k t_1`` (a power of the variable first), ``k`` is taken out: ``k (t_1 + (c_2/k) t_2 + ...)``, and out
    of a power of the sum: ``(k s)^e = k^e s^e`` (``k > 0``).  So ``v/2 + sqrt(v^2 + 4 lambda)/2`` becomes
    ``(v + sqrt(v^2 + 4 lambda))/2`` and ``sqrt(v^2/4 + c)`` becomes ``sqrt(v^2 + 4 c)/2``: one full-size
    multiplication instead of one per term.  An identity for ``k > 0``; the caller checks the result.
    """
    if not isinstance(expr, sp.Basic) or not expr.args or not expr.has(variable):
        return expr
    args = [_monic(a, variable) for a in expr.args]
    if isinstance(expr, sp.Add):
        terms = [t.as_independent(variable, as_Add=False) for t in args]
        full = [(k, t) for k, t in terms if t.has(variable)]
        positive = [(k, t) for k, t in full if k.is_positive]
        if len(terms) >= 2 and positive:
            positive.sort(key=lambda kt: not (kt[1] == variable or (kt[1].is_Pow and kt[1].base == variable)))
            k = positive[0][0]
            if k != 1:
                inner = sp.Add(*[(c / k) * t for c, t in terms])
                return sp.Mul(k, inner, evaluate=False)  # SymPy would distribute a number over the sum
        return sp.Add(*args)
    if isinstance(expr, sp.Pow) and args[1].is_Rational and isinstance(args[0], sp.Mul):
        k, rest = args[0].as_independent(variable, as_Add=False)
        if k.is_positive and k != 1:
            return sp.Mul(sp.Pow(k, args[1]), sp.Pow(rest, args[1]), evaluate=False)
    return expr.func(*args)


def _normalised(form: KernelForm, variable: sp.Symbol) -> KernelForm | None:
    """``form`` with parameter factors taken out of its sums (:func:`_monic`), checked; None if unchanged."""
    from .checks import check_equal

    if form.expr.has(sp.Piecewise, CopySign):
        return None
    new = _monic(form.expr, variable)
    if new == form.expr:
        return None
    try:
        check = check_equal(new, form.expr, condition=sp.And(*form.guards), numeric=True)
    except VerificationError:
        return None
    detail = f"parameter factors taken out of sums ({check.method}: {check.detail})"
    if form.check is not None:
        detail = f"{form.check.detail}; then {detail}"
    method = "numeric" if form.check is None or check.method == "numeric" else form.check.method
    return KernelForm(new, Check(method, detail), form.guards)


@functools.lru_cache(maxsize=256)
def kernel_form(expr: sp.Basic, variable: sp.Symbol) -> KernelForm:
    """The checked form a kernel for ``expr`` evaluates (see the module docstring).

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import v, lam
    >>> form = kernel_form(sp.sign(v)*sp.Max(sp.Abs(v) - lam, 0), v)
    >>> form.expr
    v - Min(lambda, Max(-lambda, v))
    >>> form.check.method
    'symbolic'
    """
    expr = sp.sympify(expr)
    if isinstance(expr, sp.Piecewise) and expr.has(variable) and not _conditions_have(expr, variable):
        # conditions on the parameters only (capped L1, the log penalty): a form for each branch
        forms = [
            (kernel_form(value, variable) if value.has(variable) else KernelForm(value), cond)
            for value, cond in expr.args
        ]
        if all(form.check is None for form, _ in forms):
            return KernelForm(expr)
        guards = tuple(g for form, _ in forms for g in form.guards)
        details = "; ".join(f"{form.check.method}: {form.check.detail}" for form, _ in forms if form.check is not None)
        combined = sp.Piecewise(*[(form.expr, cond) for form, cond in forms])
        return KernelForm(combined, Check("numeric" if "numeric" in details else "symbolic", details), guards)
    candidates = [KernelForm(expr)]
    kinked = isinstance(expr, sp.Expr) and expr.has(variable) and expr.has(sp.Piecewise, *_KINKED, sp.Max, sp.Min)
    if kinked:
        anchored = functools.partial(_rewrite, anchored=True)
        for rewrite in (_rewrite, anchored, _threshold_form):
            if rewrite is _threshold_form and not expr.has(sp.Piecewise):
                continue
            try:
                candidates.append(rewrite(expr, variable))
            except (_NoRewrite, _Undecided, NotImplementedError, TypeError, ValueError):
                continue
    candidates += [n for n in (_normalised(form, variable) for form in candidates) if n is not None]
    candidates.sort(key=lambda form: _cost(form.expr, variable))  # stable: the input first among equals
    if kinked and len(candidates) > 1:
        zeros = _zero_points(expr, variable)
        for form in candidates:
            if form.check is None or _exact_zeros(form, variable, zeros):
                return form
    return candidates[0]


def _zero_points(expr: sp.Expr, variable: sp.Symbol) -> list[tuple[dict[sp.Symbol, float], np.ndarray]]:
    """Parameter values and float points strictly inside the runs where ``expr`` is 0 (none if unknown)."""
    from .checks import sample_points

    try:
        points, values, guards, _ = _run_values(expr, variable)
    except (_NoRewrite, _Undecided, NotImplementedError, TypeError, ValueError):
        return []
    runs = [i for i, value in enumerate(values) if value == 0]
    if not runs:
        return []
    parameters = sorted(expr.free_symbols - {variable}, key=lambda s: s.name)
    try:
        samples = sample_points(parameters, sp.And(*[sp.Lt(g.lhs, g.rhs) for g in guards]), count=5)[:2]
    except VerificationError:
        return []
    out = []
    for sample in samples:
        ends = [float(sp.N(t.subs(sample), 30)) for t in points]
        inside: list[float] = []
        for i in runs:
            lo = ends[i - 1] if i > 0 else None
            hi = ends[i] if i < len(ends) else None
            if lo is None and hi is None:
                continue
            lo = hi - 10 * max(1.0, abs(hi)) if lo is None else lo
            hi = lo + 10 * max(1.0, abs(lo)) if hi is None else hi
            inside += [lo + (hi - lo) * k / 16 for k in range(1, 16)]
        out.append(({p: float(sample[p]) for p in parameters}, np.array(inside)))
    return out


def _exact_zeros(form: KernelForm, variable: sp.Symbol, zeros: list[tuple[dict[sp.Symbol, float], np.ndarray]]) -> bool:
    """Whether the kernel of ``form`` gives exactly 0 (float64 and float32) where the result is 0.

    A sum of clips can be equal to the result and still round to ``1e-16`` inside the dead zone
    (``v + c - c - v`` summed in the wrong order): such a form is passed over for the next cheapest.
    """
    if not zeros:
        return True
    args = (variable, *sorted(form.expr.free_symbols - {variable}, key=lambda s: s.name))
    try:
        kernel = _exec_kernel(form, args, _unbuilt_fallback)
    except _Unsupported:
        return True
    for params, inside in zeros:
        values = [params.get(a, 1.0) for a in args[1:]]
        for dtype in (np.float64, np.float32):
            with np.errstate(all="ignore"):
                got = np.asarray(kernel(inside.astype(dtype), *values))
            if np.any(got != 0):
                return False
    return True


def _unbuilt_fallback(*values: Any) -> Any:
    """The fallback of a kernel tried only at parameters that satisfy its guards (never taken)."""
    raise AssertionError("a guard failed at parameters sampled to satisfy it")


def _conditions_have(expr: sp.Piecewise, variable: sp.Symbol) -> bool:
    return any(not isinstance(cond, bool) and cond.has(variable) for _, cond in expr.args)


# ---------------------------------------------------------------------------
# 2. Generate: straight-line ufunc code with reused temporaries
# ---------------------------------------------------------------------------
class _Unsupported(Exception):
    pass


_UNARY = {
    sp.Abs: "numpy.absolute",
    sp.sign: "numpy.sign",
    sp.exp: "numpy.exp",
    sp.log: "numpy.log",
    sp.cosh: "numpy.cosh",
    sp.sinh: "numpy.sinh",
    sp.tanh: "numpy.tanh",
    sp.cos: "numpy.cos",
    sp.sin: "numpy.sin",
    sp.tan: "numpy.tan",
    sp.acos: "numpy.arccos",
    sp.asin: "numpy.arcsin",
    sp.atan: "numpy.arctan",
    sp.acosh: "numpy.arccosh",
    sp.asinh: "numpy.arcsinh",
    sp.atanh: "numpy.arctanh",
}
#: Functions much dearer than a pass over memory: a branch using one is evaluated on its elements only.
_DEAR = (sp.cos, sp.sin, sp.tan, sp.acos, sp.asin, sp.atan, sp.acosh, sp.asinh, sp.atanh, sp.LambertW)
_COMPARE = {
    sp.StrictLessThan: "numpy.less",
    sp.LessThan: "numpy.less_equal",
    sp.StrictGreaterThan: "numpy.greater",
    sp.GreaterThan: "numpy.greater_equal",
    sp.Equality: "numpy.equal",
    sp.Unequality: "numpy.not_equal",
}
_SCALARS = (int, float, complex, bool, np.generic)


def _fits(buffer: Any, *operands: Any) -> bool:
    """Can ``buffer`` (a temporary of ours) hold the result of an elementwise op on ``operands``?"""
    if type(buffer) is not np.ndarray or buffer.dtype.kind not in "fc":
        return False
    dtype, shape = buffer.dtype, buffer.shape
    for o in operands:  # fast path: same-dtype same-shape arrays and weak Python scalars
        kind = type(o)
        if kind is np.ndarray:
            if o.dtype != dtype or o.shape != shape:
                break
        elif kind is not float and kind is not int:
            break
    else:
        return True
    if not all(type(o) is np.ndarray or isinstance(o, _SCALARS) for o in operands):
        return False
    try:
        return np.result_type(*operands) == dtype and np.broadcast_shapes(*(np.shape(o) for o in operands)) == shape
    except (TypeError, ValueError):
        return False


def _constant(v: Any, c: Any) -> Any:
    """The value ``c`` (parameters only) at every element of ``v``: ``zeros_like(v) + c`` in one pass.

    For NumPy arrays one filled array (``c`` broadcast against ``v``; a Python or NumPy float ``c`` is weak,
    so float32 stays float32); for other arrays (Dask) the ufunc form.  As for ``zeros_like(v) + c``,
    a NaN or inf in ``v`` gives ``c`` (the value does not depend on ``v``).
    """
    if type(v) is not np.ndarray or not (type(c) is np.ndarray or isinstance(c, _SCALARS)):
        return np.add(np.zeros_like(v), c)
    dtype = np.result_type(v, c, 1.0) if not isinstance(c, float | int) else np.result_type(v, 1.0)
    shape = np.broadcast_shapes(v.shape, np.shape(c))
    out = np.empty(shape, dtype=dtype)
    out[...] = c
    return out


def _weak(value: Any) -> Any:
    """A NumPy float64 scalar as a Python float: weakly typed, so float32 arrays stay float32 (NEP 50)."""
    return float(value) if type(value) is np.float64 else value


def _scalar(value: Any) -> bool:
    """A parameter condition that Python can branch on (a bool or a 0-d NumPy boolean)."""
    return isinstance(value, bool | np.bool_) or (type(value) is np.ndarray and value.ndim == 0)


def _pick(mask: Any, branch: Callable[..., Any], fill: Any, *args: Any) -> Any:
    """``numpy.where(mask, branch(*args), fill)``, with ``branch`` evaluated only where ``mask`` holds.

    For NumPy arrays the arguments are gathered at ``mask`` (``args[0]`` is the variable); for
    other arrays (Dask) this is ``numpy.where`` itself, through the array-function protocol.
    """
    if (
        type(mask) is not np.ndarray
        or not mask.ndim
        or not all(type(a) is np.ndarray or isinstance(a, _SCALARS) for a in (fill, *args))
    ):
        return np.where(mask, branch(*args), fill)
    shape = mask.shape
    sub = [a if np.ndim(a) == 0 else (a if a.shape == shape else np.broadcast_to(a, shape))[mask] for a in args]
    values = branch(*sub)
    out = np.empty(shape, dtype=np.result_type(values, fill, *args, 1.0))
    if np.ndim(fill) == 0:
        out.fill(fill)
    else:
        np.copyto(out, np.broadcast_to(fill, shape))
    out[mask] = values
    return out


def wright_omega(y: Any) -> Any:
    """The Wright omega function for real ``y``: the solution ``w`` of ``w + log(w) = y``, i.e. ``W0(exp(y))``.

    Winitzki's approximation of ``W0(x)`` in ``L = log(1 + exp(y))`` (``numpy.logaddexp``: no
    overflow) starts three Newton steps on ``w + log(w) = y`` (quadratic convergence from within
    1e-2 of the root: full precision).  Ufuncs only, so float32 stays float32 and Dask works.
    Where ``exp(y)`` underflows the value is ``exp(y)``; ``y = +inf`` gives inf, NaN gives NaN.

    Examples
    --------
    >>> w = wright_omega(np.array([-2.0, 0.0, 1.0, 1e6]))
    >>> bool(np.allclose(w + np.log(w), [-2.0, 0.0, 1.0, 1e6], rtol=1e-15, atol=1e-15))
    True
    >>> wright_omega(np.array([np.inf, -np.inf, -800.0, np.nan]))
    array([inf,  0.,  0., nan])
    """
    with np.errstate(all="ignore"):
        w = np.logaddexp(0, y)  # log(1 + e^y)
        if type(w) is np.ndarray and w.shape == np.shape(y):  # three buffers in all: fresh arrays cost page faults
            f, g = np.log1p(w), np.add(w, 2)
            f /= g
            np.subtract(1, f, out=f)
            w *= f
            for _ in range(3):  # Newton: w -= (w + log w - y) * w / (w + 1)
                np.log(w, out=f)
                f += w
                f -= y
                f *= w
                np.add(w, 1, out=g)
                f /= g
                w -= f
        else:  # other arrays (Dask), scalars: the same operations without out=
            w = w * (1 - np.log1p(w) / (w + 2))
            for _ in range(3):
                w = w - (np.log(w) + w - y) * w / (w + 1)
        if type(w) is np.ndarray and not np.isfinite(w).all():  # exp(y) underflowed, or y = +-inf
            bad = ~np.isfinite(w)
            w[bad] = np.where(np.asarray(y)[bad] > 0, np.asarray(y)[bad], np.exp(np.asarray(y)[bad]))
    return w


def _lambert_w(z: Any) -> Any:
    """W0(z) for real z >= -1/e: the Wright omega of log(z) for z > 0, Halley's method below 0."""
    from .numeric_prox import lambert_w

    with np.errstate(all="ignore"):
        return np.where(z > 0, wright_omega(np.log(np.where(z > 0, z, 1))), lambert_w(np.minimum(z, 0)))


def _nonnegative(expr: sp.Expr) -> bool:
    """``expr >= 0`` wherever it is real: from the assumptions, or ``a +- sqrt(b)`` with ``a**2 - b >= 0``, ``a >= 0``.

    The second rule covers the radicands of Cardano's formula (``-v/2 + sqrt(v**2/4 + c)``, c > 0),
    whose cube roots are then evaluated with ``numpy.cbrt`` instead of ``numpy.power``.
    """
    if expr.is_nonnegative:
        return True
    if not isinstance(expr, sp.Add):
        return False
    roots = []
    for term in expr.args:
        k, rest = term.as_coeff_Mul()
        if isinstance(rest, sp.Pow) and rest.exp == sp.S.Half and k.is_real and k != 0:
            roots.append((term, k, rest.base))
    if len(roots) != 1:
        return False
    term, k, radicand = roots[0]
    rest = expr - term  # expr = rest + k*sqrt(radicand)
    if k > 0:  # k*sqrt(b) >= |rest| when k**2*b - rest**2 >= 0
        return bool(sp.simplify(k**2 * radicand - rest**2).is_nonnegative or rest.is_nonnegative)
    return bool(rest.is_nonnegative and sp.simplify(rest**2 - k**2 * radicand).is_nonnegative)


@dataclass(frozen=True, slots=True)
class _Op:
    """One full-size operation of a kernel, ``name = call(*args)``, at an indentation ``depth``."""

    name: str
    call: str
    args: tuple[str, ...]
    depth: int = 0


def _indented(line: _Op | str) -> _Op | str:
    return _Op(line.name, line.call, line.args, line.depth + 1) if isinstance(line, _Op) else f"    {line}"


#: Calls that accept ``out=`` (a float buffer of ours whose value is no longer needed may hold the result).
_OUT_CALLS = frozenset(
    {
        *(f"numpy.{f}" for f in ("add", "subtract", "multiply", "divide", "negative", "square", "sqrt", "cbrt")),
        *(f"numpy.{f}" for f in ("maximum", "minimum", "clip", "copysign", "power")),
        *_UNARY.values(),
    }
)
_BOOLEAN = frozenset(
    {*_COMPARE.values(), "numpy.logical_and", "numpy.logical_or", "numpy.logical_not", "numpy.isnan", "numpy.isfinite"}
)
_TEMP = re.compile(r"\b_t\d+\b")


def _render(lines: list[_Op | str], result: str) -> list[str]:
    """The kernel's lines, each operation writing into a buffer of ours that is dead after it (liveness).

    A temporary is dead after the last line that reads it (the returned ``result`` never is).  In a run of
    operations at one depth, an operation writes ``out=`` into an operand read for the last time, else
    into the temporary that died last earlier in the run, when :func:`_fits` says the buffer holds the result
    (NumPy array of ours, result's dtype and shape; else a fresh array).  A buffer so used is consumed:
    its storage now belongs to the new name.  Fresh full-size arrays cost page faults (80 MB at 1e7
    doubles), so reusing dead ones matters as much as saving passes.
    """
    reads: list[set[str]] = []
    for line in lines:
        reads.append(set(line.args) if isinstance(line, _Op) else set(_TEMP.findall(line.split("=", 1)[-1])))
    last: dict[str, int] = {}
    for i, names in enumerate(reads):
        for name in names:
            last[name] = i
    last[result] = len(lines)
    # results of operations (never the inputs), and not boolean (comparisons): a float result cannot go there
    ours = {line.name for line in lines if isinstance(line, _Op) and line.call not in _BOOLEAN}
    out: list[str] = []
    free: list[str] = []  # dead temporaries of the current run, not yet consumed
    depth = -1
    for i, line in enumerate(lines):
        if not isinstance(line, _Op):
            free, depth = [], -1
            out.append(line)
            continue
        if line.depth != depth:
            free, depth = [], line.depth
        joined = ", ".join(line.args)
        code = f"{line.call}({joined})"
        if line.call in _OUT_CALLS:
            dying = [a for a in dict.fromkeys(line.args) if a in ours and last.get(a) == i]
            candidates = (dying + [b for b in reversed(free) if b not in dying])[:1]
            for buffer in candidates:
                code = f"{line.call}({joined}, out={buffer}) if _fits({buffer}, {joined}) else {code}"
            free = [b for b in free if b not in candidates]
        else:
            candidates = []
        # operands read for the last time and not consumed become free buffers
        free += [a for a in dict.fromkeys(line.args) if a in ours and last.get(a) == i and a not in candidates]
        out.append(f"{'    ' * line.depth}{line.name} = {code}")
    return out


def _or_equal(args: Sequence[Any]) -> list[Any]:
    """The terms of an ``Or`` with ``Eq(a, b) | (a > b)`` written ``a >= b`` (likewise ``<``): two passes fewer.

    The same truth value for every pair of floats, NaN included (all three comparisons are False).
    """
    out = list(args)
    for eq in [a for a in args if isinstance(a, sp.Eq)]:
        sides = {(eq.lhs, eq.rhs), (eq.rhs, eq.lhs)}
        for i, other in enumerate(out):
            if isinstance(other, sp.StrictGreaterThan | sp.StrictLessThan) and (other.lhs, other.rhs) in sides:
                weak = sp.GreaterThan if isinstance(other, sp.StrictGreaterThan) else sp.LessThan
                out[i] = weak(other.lhs, other.rhs, evaluate=False)
                out.remove(eq)
                break
    return out


class _Emitter:
    """Emit one ufunc call per full-size operation; parameter-only parts inline with Python operators."""

    def __init__(self, variable: sp.Symbol, names: dict[sp.Symbol, str], args: tuple[sp.Symbol, ...] = ()) -> None:
        self.variable = variable
        self.names = dict(names)
        self.args = args
        self.full: set[sp.Symbol] = {variable}
        self.expanded: dict[sp.Symbol, sp.Expr] = {}  # common subexpressions, for branches compiled apart
        self.lines: list[str] = []
        self.prelude: list[str] = []
        self.subkernels: dict[str, sp.Expr] = {}
        self.deferred: dict[sp.Symbol, sp.Expr] = {}  # costly branches, kept out of the common subexpressions
        self.count = 0
        self.uses_where = False
        self.fallback = False
        self.plain = {s: sp.Symbol(n) for s, n in names.items()}
        self.printer = _KernelPrinter(
            {"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False}
        )

    def has_full(self, expr: sp.Basic) -> bool:
        return expr.has(*self.full, *self.deferred)

    # values are (code, owned): ``owned`` temporaries may be overwritten
    def param(self, expr: sp.Basic) -> str:
        """A parameter-only value, computed once before the full-size work."""
        if expr.is_Symbol:
            return self.names[expr]
        if expr.is_Number:
            return self.printer.doprint(expr)
        if expr.has(sp.Piecewise):
            self.uses_where = True
        name = f"_p{len(self.prelude)}"
        self.prelude.append(f"{name} = _weak({self.printer.doprint(expr.xreplace(self.plain))})")
        return name

    def temp(self, call: str, args: list[str], owned: list[str]) -> tuple[str, bool]:
        """One full-size operation ``name = call(*args)``; its output buffer is chosen later (:func:`_render`)."""
        name = f"_t{self.count}"
        self.count += 1
        self.lines.append(_Op(name, call, tuple(args)))
        return name, True

    def call(self, func: str, *operands: tuple[str, bool]) -> tuple[str, bool]:
        return self.temp(func, [code for code, _ in operands], [code for code, own in operands if own])

    def value(self, expr: sp.Basic) -> tuple[str, bool]:
        if expr in self.deferred:
            return self.value(self.deferred[expr])
        if not self.has_full(expr):
            return self.param(expr), False
        if expr in self.full:
            return self.names[expr], False
        if isinstance(expr, sp.Add):
            return self.add(expr)
        if isinstance(expr, sp.Mul):
            return self.mul(expr)
        if isinstance(expr, sp.Pow):
            return self.power(expr)
        if isinstance(expr, sp.Min) and len(expr.args) == 2:
            clipped = self.clip(expr)
            if clipped is not None:
                return clipped
        if isinstance(expr, sp.Max | sp.Min):
            func = "numpy.maximum" if isinstance(expr, sp.Max) else "numpy.minimum"
            args = sorted(expr.args, key=lambda a: not self.has_full(a))
            out = self.value(args[0])
            for arg in args[1:]:
                out = self.call(func, out, self.value(arg))
            return out
        if type(expr) in _UNARY:
            return self.call(_UNARY[type(expr)], self.value(expr.args[0]))
        if isinstance(expr, CopySign):
            return self.call("numpy.copysign", self.value(expr.args[0]), self.value(expr.args[1]))
        if isinstance(expr, sp.LambertW) and len(expr.args) == 1:
            return self.lambert(expr.args[0])
        if isinstance(expr, sp.Piecewise):
            return self.piecewise(expr)
        raise _Unsupported(type(expr).__name__)

    def lambert(self, z: sp.Expr) -> tuple[str, bool]:
        """``W0(k exp(y))`` (k > 0) is the Wright omega of ``y + log(k)``: no overflow of ``exp``."""
        factors = sp.Mul.make_args(z)
        exps = [f for f in factors if isinstance(f, sp.exp)]
        k = self.expand(sp.Mul(*[f for f in factors if not isinstance(f, sp.exp)]))
        if len(exps) == 1 and not self.has_full(k) and k.is_positive:
            y = exps[0].args[0] + sp.expand_log(sp.log(k), force=True)
            return self.temp("_omega", [self.value(y)[0]], [])
        return self.temp("_lambert_w", [self.value(z)[0]], [])

    def clip(self, expr: sp.Min) -> tuple[str, bool] | None:
        """``Min(Max(x, lo), hi)`` is ``numpy.clip(x, lo, hi)`` (NumPy defines clip so, whatever lo, hi)."""
        inner = [a for a in expr.args if isinstance(a, sp.Max) and len(a.args) == 2]
        if len(inner) != 1:
            return None
        (maximum,) = inner
        (hi,) = [a for a in expr.args if a is not maximum]
        full = [a for a in maximum.args if self.has_full(a)]
        if len(full) != 1 or self.has_full(hi):
            return None
        (x,) = full
        (lo,) = [a for a in maximum.args if a is not x]
        return self.call("numpy.clip", self.value(x), self.value(lo), self.value(hi))

    def add(self, expr: sp.Add) -> tuple[str, bool]:
        scale = self.common_scale(expr)
        if scale is not None:  # v/2 + s/2 is (v + s)*(1/2): exact for a power of two, one pass less
            return self.call(
                "numpy.multiply", self.add(sp.Add(*[t / scale for t in expr.args])), (self.param(scale), False)
            )
        params = [t for t in expr.args if not self.has_full(t)]
        positive, negative = [], []
        for term in (t for t in expr.args if self.has_full(t)):
            coeff, rest = term.as_coeff_Mul()
            if coeff.is_negative:
                negative.append(-coeff * rest if coeff != -1 else rest)
            else:
                positive.append(term)
        if positive:
            out = self.value(positive[0])
            rest_positive = positive[1:]
        else:
            out = self.call("numpy.negative", self.value(negative.pop(0))) if not params else None
            rest_positive = []
            if out is None:
                out = self.call("numpy.subtract", (self.param(sp.Add(*params)), False), self.value(negative.pop(0)))
                params = []
        for term in rest_positive:
            out = self.call("numpy.add", out, self.value(term))
        for term in negative:
            out = self.call("numpy.subtract", out, self.value(term))
        if params:
            out = self.call("numpy.add", out, (self.param(sp.Add(*params)), False))
        return out

    def common_scale(self, expr: sp.Add) -> sp.Rational | None:
        """``2**n`` (n != 0) if every full-size term of ``expr`` has a numeric coefficient ``+-2**n``, else None.

        Multiplying by a power of two is exact in binary floating point, so ``(a + b)*2**n`` and
        ``a*2**n + b*2**n`` are the same numbers (barring overflow and subnormals).
        """
        full = [t.as_coeff_Mul()[0] for t in expr.args if self.has_full(t)]
        if len(full) < 2:
            return None
        size = abs(full[0])
        if size == 1 or not size.is_Rational or any(abs(c) != size for c in full):
            return None
        p, q = size.as_numer_denom()
        if (p == 1 and q & (q - 1) == 0) or (q == 1 and p & (p - 1) == 0):
            return size
        return None

    def mul(self, expr: sp.Mul) -> tuple[str, bool]:
        numer_params, denom_params, numer, denom = [], [], [], []
        for factor in expr.args:
            base, exponent = factor.as_base_exp() if isinstance(factor, sp.Pow) else (factor, sp.S.One)
            inverse = isinstance(factor, sp.Pow) and exponent.is_number and exponent.is_negative
            if not self.has_full(factor):
                if inverse and exponent == -1:
                    denom_params.append(base)
                else:
                    numer_params.append(factor)
            elif inverse:
                denom.append(base**-exponent)
            else:
                numer.append(factor)
        coefficient = sp.Mul(*numer_params)
        if coefficient == -1 and numer:
            out = self.call("numpy.negative", self.value(numer[0]))
            numer, coefficient = numer[1:], sp.S.One
        elif numer:
            out = self.value(numer[0])
            numer = numer[1:]
        else:
            out = self.call("numpy.divide", (self.param(coefficient), False), self.value(denom[0]))
            denom, coefficient = denom[1:], sp.S.One
        for factor in numer:
            out = self.call("numpy.multiply", out, self.value(factor))
        if coefficient != 1 and denom_params:  # one pass: lam*t/(lam + 1) is t*(lam/(lam + 1))
            out = self.call("numpy.multiply", out, (self.param(coefficient / sp.Mul(*denom_params)), False))
        elif coefficient != 1:
            out = self.call("numpy.multiply", out, (self.param(coefficient), False))
        elif denom_params:  # t*(1/p): a multiplication is several times cheaper than a division (within 1 ulp)
            out = self.call("numpy.multiply", out, (self.param(1 / sp.Mul(*denom_params)), False))
        for factor in denom:
            out = self.call("numpy.divide", out, self.value(factor))
        return out

    def power(self, expr: sp.Pow) -> tuple[str, bool]:
        base, exponent = expr.args
        if self.has_full(exponent):
            return self.call("numpy.power", self.value(base), self.value(exponent))
        if exponent == 2:
            return self.call("numpy.square", self.value(base))
        if exponent in (3, 4):  # x*x*x and (x*x)**2: multiplications, not pow
            inner = self.value(base)
            squared = self.temp("numpy.square", [inner[0]], [])
            if exponent == 4:
                return self.call("numpy.square", squared)
            return self.call("numpy.multiply", squared, inner)
        if exponent == sp.S.Half:
            return self.call("numpy.sqrt", self.value(base))
        if exponent == sp.Rational(1, 3) and _nonnegative(self.expand(base)):  # real cube root = principal one
            return self.call("numpy.cbrt", self.value(base))
        if exponent == -1:
            return self.call("numpy.divide", ("1.0", False), self.value(base))
        if exponent == -sp.S.Half:
            return self.call("numpy.divide", ("1.0", False), self.call("numpy.sqrt", self.value(base)))
        return self.call("numpy.power", self.value(base), (self.param(exponent), False))

    def condition(self, cond: Any) -> tuple[str, bool]:
        if isinstance(cond, tuple):  # ("none of", conditions)
            out = self.condition(cond[1][0])
            for other in cond[1][1:]:
                out = self.temp("numpy.logical_or", [out[0], self.condition(other)[0]], [])
            return self.temp("numpy.logical_not", [out[0]], [])
        if isinstance(cond, Relational) and type(cond) in _COMPARE:
            return self.temp(_COMPARE[type(cond)], [self.value(cond.lhs)[0], self.value(cond.rhs)[0]], [])
        if isinstance(cond, sp.And | sp.Or):
            func = "numpy.logical_and" if isinstance(cond, sp.And) else "numpy.logical_or"
            args = _or_equal(cond.args) if isinstance(cond, sp.Or) else list(cond.args)
            out = self.condition(args[0])
            for arg in args[1:]:
                out = self.temp(func, [out[0], self.condition(arg)[0]], [])
            return out
        if isinstance(cond, sp.Not):
            return self.temp("numpy.logical_not", [self.condition(cond.args[0])[0]], [])
        if cond in (sp.true, sp.false):
            return ("True" if cond is sp.true else "False"), False
        raise _Unsupported(f"condition {cond}")

    def dear(self, expr: sp.Basic) -> bool:
        """Worth evaluating on its own elements only: a costly function, or many passes."""
        if expr in self.deferred:
            return True
        full = self.expand(expr)
        if full.has(*_DEAR) or any(
            isinstance(p, sp.Pow) and not p.exp.is_Integer and p.exp != sp.S.Half
            for p in full.atoms(sp.Pow)
            if p.has(self.variable)
        ):
            return True
        return sp.count_ops(full) > 12

    def expand(self, expr: sp.Basic) -> sp.Basic:
        for symbol, sub in reversed(list(self.expanded.items())):
            expr = expr.xreplace({symbol: sub})
        return expr

    def piecewise(self, expr: sp.Piecewise) -> tuple[str, bool]:
        if not any(self.has_full(c) for _, c in expr.args if c is not sp.true):
            return self.branch_on_parameters(expr)
        args = list(expr.args)
        if (
            len(args) == 2
            and args[0][0] == 0
            and args[1][0] == self.variable
            and isinstance(args[0][1], sp.LessThan | sp.StrictLessThan)
            and args[0][1].lhs == sp.Abs(self.variable)
            and not self.has_full(args[0][1].rhs)
        ):
            # hard thresholding: v*(|v| > t) (v is finite where it is zeroed; NaN stays NaN), no where()
            keep = self.condition(sp.Not(args[0][1]))
            return self.temp("numpy.multiply", [self.names[self.variable], keep[0]], [])
        self.uses_where = True
        if len(args) >= 2 and args[-1][1] is sp.true and self.dear(args[-1][0]) and not self.dear(args[0][0]):
            # the last branch first, on the elements no earlier condition takes
            # "no earlier condition holds" as logical_not(c0 | c1 ...): a NaN fails every comparison and
            # so takes the last branch, as in the original order (SymPy's Not(|v| <= t) would be |v| > t)
            args = [(args[-1][0], ("none of", [c for _, c in args[:-1]])), *args[:-2], (args[-2][0], sp.true)]
        out: tuple[str, bool] = ("numpy.nan", False)
        for value, cond in reversed(args):
            if cond is sp.true:
                out = self.value(value)
            elif self.dear(value) and self.args:
                name = f"_b{len(self.subkernels)}"
                self.subkernels[name] = self.expand(self.deferred.get(value, value))
                mask = self.condition(cond)[0]
                out = self.temp("_pick", [mask, name, out[0], *(self.names[a] for a in self.args)], [])
            else:
                out = self.temp("numpy.where", [self.condition(cond)[0], self.value(value)[0], out[0]], [])
        return out

    def branch_on_parameters(self, expr: sp.Piecewise) -> tuple[str, bool]:
        """A ``Piecewise`` whose conditions involve parameters only: Python branches (else the fallback)."""
        name = f"_t{self.count}"
        self.count += 1
        self.fallback = True
        conds = [self.param(c) if c is not sp.true else "True" for _, c in expr.args]
        test = " and ".join(f"_scalar({c})" for c in conds if c != "True") or "True"
        self.lines.append(f"if not ({test}):")
        self.lines.append("    return _fallback(" + ", ".join(self.names[a] for a in self.args) + ")")
        for i, ((value, _), cond) in enumerate(zip(expr.args, conds, strict=True)):
            saved, self.lines = self.lines, []
            code, _ = self.value(value)
            body, self.lines = self.lines, saved
            self.lines.append(("if" if i == 0 else "elif") + f" {cond}:" if cond != "True" else "else:")
            self.lines += [_indented(line) for line in body] + [f"    {name} = {code}"]
        if conds[-1] != "True":
            self.lines.append("else:")
            self.lines.append(f"    {name} = numpy.nan")
        return name, False


def _prepare(expr: sp.Basic, args: tuple[sp.Symbol, ...]) -> _Emitter:
    """An emitter that has emitted ``expr`` (common subexpressions first, each computed once)."""
    names = {a: argument_name(a) for a in args}
    emitter = _Emitter(args[0], names, args)
    expr = _defer(expr, emitter)
    replacements, (reduced,) = sp.cse(expr, symbols=sp.numbered_symbols("_cse", cls=sp.Dummy), list=True)
    for symbol, sub in replacements:
        if sub.has(*emitter.full):
            code, _ = emitter.value(sub)
            emitter.full.add(symbol)
        else:
            code = emitter.param(sub)
            emitter.plain[symbol] = sp.Symbol(code)
        emitter.names[symbol] = code
        emitter.expanded[symbol] = sub
    emitter.result = emitter.value(reduced)  # type: ignore[attr-defined]
    return emitter


def _defer(expr: sp.Basic, emitter: _Emitter) -> sp.Basic:
    """Replace the costly branches of ``Piecewise`` in the variable by placeholders (evaluated apart, masked)."""
    if not isinstance(expr, sp.Basic) or not expr.args:
        return expr
    if isinstance(expr, sp.Piecewise) and any(c is not sp.true and c.has(emitter.variable) for _, c in expr.args):
        branches = []
        for value, cond in expr.args:
            if emitter.dear(value):
                placeholder = sp.Dummy(f"branch{len(emitter.deferred)}")
                emitter.deferred[placeholder] = value
                value = placeholder
            branches.append((value, cond))
        return sp.Piecewise(*branches)
    return expr.func(*[_defer(arg, emitter) for arg in expr.args])


def _cost(expr: sp.Basic, variable: sp.Symbol) -> int:
    """Full-size passes of the generated code (lower is faster); unsupported forms count as many."""
    args = (variable, *sorted(expr.free_symbols - {variable}, key=lambda s: s.name))
    try:
        emitter = _prepare(expr, args)
    except _Unsupported:
        return 10**6
    dear = sum(_cost(sub, variable) // 2 for sub in emitter.subkernels.values())
    lines = sum(1 for line in emitter.lines if isinstance(line, _Op) or "=" in line)
    return lines + dear + (lines if emitter.uses_where else 0)


def _generate(form: KernelForm, args: tuple[sp.Symbol, ...]) -> tuple[str, bool, dict[str, sp.Expr]]:
    """Python source of ``_kernel(*args)`` for ``form``; whether it needs ``errstate``; its branch kernels."""
    emitter = _prepare(form.expr, args)
    names = emitter.names
    result, _ = emitter.result  # type: ignore[attr-defined]
    if not form.expr.has(args[0]):  # a constant in the variable still has the variable's shape, like a ufunc
        # one pass: full_like(v, c, dtype=result_type(v, c)) (float32 stays float32; c broadcasts against v)
        result, _ = emitter.temp("_constant", [names[args[0]], result], [])
    arguments = ", ".join(names[a] for a in args)
    lines = [f"def _kernel({arguments}):"]
    guards = [emitter.param(guard) for guard in form.guards]
    lines += [f"    {line}" for line in emitter.prelude]
    for guard in guards:
        lines.append(f"    if not numpy.all({guard}):")
        lines.append(f"        return _fallback({arguments})")
    lines += [f"    {line}" for line in _render(emitter.lines, result)]
    lines.append(f"    return {result}")
    quiet = emitter.uses_where or form.expr.has(*_DEAR) or bool(emitter.subkernels)
    return "\n".join(lines), quiet, emitter.subkernels


def _lambdified(expr: sp.Basic, args: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    dummies = [sp.Dummy(argument_name(a)) for a in args]
    body = expr.xreplace(dict(zip(args, dummies, strict=True)))
    return sp.lambdify(
        dummies,
        body,
        modules=[{"numpy": np, "LambertW": _lambert_w, "CopySign": np.copysign}, "numpy"],
        printer=_KernelPrinter,
    )


@dataclass(frozen=True, slots=True)
class _Compiled:
    kernel: Callable[..., Any]
    form: KernelForm
    source: str
    quiet: bool  # run under errstate: where() evaluates every branch


@functools.lru_cache(maxsize=256)
def _compile(expr: sp.Basic, args: tuple[sp.Symbol, ...]) -> _Compiled:
    form = kernel_form(expr, args[0])
    fallback = _lambdified(expr, args)
    extra = set(form.expr.free_symbols) - set(args)
    if extra:
        raise TypeError(f"{sp.sstr(expr)} has symbols {sorted(map(str, extra))} that are not arguments")
    try:
        source, quiet, branches = _generate(form, args)
    except _Unsupported:
        return _Compiled(fallback, KernelForm(expr), "", True)
    kernel = _exec_kernel(form, args, fallback, (source, branches))
    return _Compiled(kernel, form, source, quiet or bool(form.guards))


def _exec_kernel(
    form: KernelForm,
    args: tuple[sp.Symbol, ...],
    fallback: Callable[..., Any],
    generated: tuple[str, dict[str, sp.Expr]] | None = None,
) -> Callable[..., Any]:
    """The Python function of ``form``'s generated code (``generated``: its source and branches, if known)."""
    if generated is None:
        source, _, branches = _generate(form, args)
    else:
        source, branches = generated
    namespace: dict[str, Any] = {
        "numpy": np,
        "_fits": _fits,
        "_fallback": fallback,
        "_pick": _pick,
        "_scalar": _scalar,
        "_weak": _weak,
        "_constant": _constant,
        "_omega": wright_omega,
        "_lambert_w": _lambert_w,
    }
    for name, branch in branches.items():  # costly branches: kernels of their own, run on their elements
        namespace[name] = _compile(branch, args).kernel
    exec(compile(source, "<derived kernel>", "exec"), namespace)
    return namespace["_kernel"]


# ---------------------------------------------------------------------------
# 4. Limits at infinity
# ---------------------------------------------------------------------------
_UNDEFINED = (sp.nan, sp.zoo, sp.AccumBounds, sp.Limit)


def _limit_at(expr: sp.Basic, variable: sp.Symbol, point: sp.Basic) -> sp.Basic | None:
    """``lim expr`` as ``variable -> point`` (``+-oo``), or None if it is not a definite value.

    A ``Piecewise`` in the variable contributes the branch that holds for all
    large ``|variable|`` (its condition is decided at ``point``); a
    ``Piecewise`` in the parameters only keeps its conditions, with the limit of
    each branch.
    """
    if isinstance(expr, sp.Piecewise):
        in_variable = [not isinstance(c, bool) and c.has(variable) for _, c in expr.args]
        if not any(in_variable):
            limits = [(_limit_at(value, variable, point), cond) for value, cond in expr.args]
            return None if any(lim is None for lim, _ in limits) else sp.Piecewise(*limits)
        for (value, cond), depends in zip(expr.args, in_variable, strict=True):
            held = cond.subs(variable, point) if depends else cond
            if held is sp.true:
                return _limit_at(value, variable, point)
            if held is not sp.false:  # undecided (or a parameter condition before it): no single branch
                return None
        return None
    try:
        value = sp.limit(expr, variable, point)
    except (NotImplementedError, TypeError, ValueError):  # SymPy's limit gives up on some forms
        return None
    return None if value.has(*_UNDEFINED) else value


@functools.lru_cache(maxsize=256)
def _nan_at_infinity(args: tuple[sp.Symbol, ...], kernel: Callable[..., Any]) -> bool:
    """Whether ``kernel`` gives NaN at ``v = +-inf`` for seeded parameter values (``inf - inf``).

    Cached with the compiled kernel: ``numeric()`` of the same result asks again.
    """
    from .checks import sample_points

    parameters = args[1:]
    ends = np.array([np.inf, -np.inf])
    try:
        points = sample_points(parameters, count=5)[:3]
    except VerificationError:
        return False
    with np.errstate(all="ignore"):
        return any(np.isnan(kernel(ends, *(float(point[p]) for p in parameters))).any() for point in points)


@functools.lru_cache(maxsize=256)
def _limits_at_infinity(
    expr: sp.Basic, args: tuple[sp.Symbol, ...]
) -> tuple[Callable[..., Any], Callable[..., Any]] | None:
    """Functions of the parameters giving ``lim expr`` at ``v = +oo`` and ``-oo``; None if either does not exist.

    Derived on first need (an infinite input whose output is NaN): ``sympy.limit`` of a root
    formula takes up to a second, which a kernel never given an infinity should not pay.
    """
    variable, parameters = args[0], args[1:]
    limits = [_limit_at(expr, variable, end) for end in (sp.oo, -sp.oo)]
    if any(limit is None for limit in limits):
        return None
    high, low = (_lambdified(limit, parameters) for limit in limits)
    return high, low


def _at_infinity(values: tuple[Any, ...], out: Any, limits: Callable[[], Any]) -> Any:
    """``out`` with the limits of the function where ``values[0]`` is ``+-inf`` (NumPy arrays).

    ``limits()`` gives the pair of functions of :func:`_limits_at_infinity` (or None).

    Only NaN outputs need it: their absence is read off one ``max`` (NaN
    propagates; a read-only pass, no temporary), the common case.
    """
    result = np.asarray(out)
    if result.size == 0 or not np.isnan(result.max()):
        return out
    v = values[0]
    infinite = np.isinf(v)
    functions = limits() if np.any(infinite) else None
    if functions is None:
        return out
    high, low = (np.asarray(f(*values[1:]), dtype=float) for f in functions)
    limit = np.where(np.greater(v, 0), high, low)
    fixed = np.where(infinite, limit, result).astype(result.dtype, copy=False)
    return fixed if fixed.ndim else fixed[()]


def bind_arguments(names: Sequence[str], values: Sequence[Any], named: dict[str, Any]) -> tuple[Any, ...]:
    """Positional and keyword arguments of a generated kernel, in the order of ``names``.

    Raises ``TypeError`` like a Python function would: too many, unknown,
    repeated or missing arguments.
    """
    if len(values) > len(names):
        raise TypeError(f"expected at most {len(names)} arguments ({', '.join(names)}), got {len(values)}")
    bound = dict(zip(names, values, strict=False))
    for key, value in named.items():
        if key not in names:
            raise TypeError(f"unknown argument {key!r}; expected {', '.join(names)}")
        if key in bound:
            raise TypeError(f"argument {key!r} given twice")
        bound[key] = value
    missing = [n for n in names if n not in bound]
    if missing:
        raise TypeError(f"missing argument(s): {', '.join(missing)}")
    return tuple(bound[n] for n in names)


def _is_dask(value: Any) -> bool:
    """Whether ``value`` is a Dask array (duck-typed: Dask is an optional, test-only dependency)."""
    return hasattr(value, "map_blocks") and hasattr(value, "__dask_graph__")


def _map_blocks(function: Callable[..., np.ndarray], values: tuple[Any, ...]) -> Any:
    """Evaluate ``function`` lazily on the blocks of the broadcast (Dask) arguments.

    Used where the kernel must run under ``numpy.errstate`` (``where`` evaluates every branch, so a branch
    not taken may warn): the state is set inside each block's call, when Dask computes it.  The result
    has the floating dtype of ``v`` (float32 stays float32).
    """
    import dask.array as da

    arrays = da.broadcast_arrays(*(value if _is_dask(value) else da.asarray(value) for value in values))
    chunks = arrays[0].chunks if arrays[0].ndim else ()
    aligned = [a.rechunk(chunks) if a.ndim else a for a in arrays]
    dtype = np.result_type(aligned[0].dtype, np.float16)
    return da.map_blocks(function, *aligned, dtype=dtype, meta=np.empty((0,) * aligned[0].ndim, dtype=dtype))


def numeric_function(expr: sp.Basic, args: Sequence[sp.Symbol]) -> Callable[..., Any]:
    """Return ``f(*args)`` evaluating ``expr`` with NumPy broadcasting.

    Arguments may be given positionally or by keyword (``lam`` for ``lambda``).
    The first argument is the variable; the others are parameters and
    broadcast against it.  Parameter values are checked against their
    symbols' assumptions (NumPy values only; lazy arrays are not forced):
    ``lam=-1`` for a positive ``lambda`` raises :class:`~derive.errors.WeightError`.
    NaN gives NaN; ``v = +-inf`` gives the limit of ``expr`` where it has one,
    also where the closed form meets ``inf - inf`` (module docstring, step 4).
    The function has attributes ``form`` (the SymPy expression evaluated),
    ``check`` (how it was verified equal to ``expr``, or None) and
    ``source`` (the generated code).

    Examples
    --------
    >>> import numpy as np, sympy as sp
    >>> from derive.symbols import v, lam
    >>> f = numeric_function(sp.sign(v)*sp.Max(sp.Abs(v) - lam, 0), (v, lam))
    >>> f(np.array([-2.0, 0.5, 3.0]), lam=1.0)
    array([-1.,  0.,  2.])
    >>> f.form
    v - Min(lambda, Max(-lambda, v))
    """
    args = tuple(args)
    if not args:
        raise TypeError("numeric_function needs at least the variable as an argument")
    expr = sp.sympify(expr)
    compiled = _compile(expr, args)
    kernel, quiet = compiled.kernel, compiled.quiet
    if compiled.source and _nan_at_infinity(args, kernel):  # inf - inf: corrected to the limits after the kernel
        raw = kernel

        def limits() -> Any:
            return _limits_at_infinity(expr, args)

        def kernel(*values: Any) -> Any:
            return _at_infinity(values, raw(*values), limits)

        quiet = True  # the correction needs concrete arrays: Dask goes block by block
    names = [argument_name(a) for a in args]
    check_parameters = parameter_checker(args[1:], names[1:], range(1, len(args)))

    def evaluate(*values: Any, **named: Any) -> Any:
        if named or len(values) != len(names):
            values = bind_arguments(names, values, named)
        if check_parameters is not None:  # parameters must satisfy their symbols' assumptions (lambda > 0)
            check_parameters(values)
        if quiet:
            if any(_is_dask(value) for value in values):  # computed later: the errstate must be set then
                return _map_blocks(quiet_kernel, values)
            return quiet_kernel(*values)
        return kernel(*values)

    def quiet_kernel(*values: Any) -> Any:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            return kernel(*values)

    evaluate.__name__ = "derived_kernel"
    evaluate.__doc__ = f"Evaluate {sp.sstr(expr)} at ({', '.join(names)})."
    evaluate.form = compiled.form.expr  # type: ignore[attr-defined]
    evaluate.check = compiled.form.check  # type: ignore[attr-defined]
    evaluate.source = compiled.source  # type: ignore[attr-defined]
    return evaluate
