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
2. **Generate.**  The kernel is straight-line code of ufunc calls (``np.clip``
   for ``Min(Max(x, lo), hi)``): parameter-only parts use Python operators
   (scalars stay weak, so float32 stays float32), and each full-size
   temporary is reused through ``out=`` once it is ours and has the result's
   shape and dtype.  Nothing is coerced with ``np.asarray``, so any NumPy-like
   array (Dask) flows through its ufunc and array-function protocols, and
   parameters broadcast like ufunc arguments.  NaN and inf follow NumPy.

``Piecewise`` results with non-affine pieces are evaluated with nested
``numpy.where`` under ``numpy.errstate`` (unused branches cannot warn).
Parameters must satisfy their symbols' assumptions (``lambda > 0``); outside
them the kernel's values are unspecified.
"""

from __future__ import annotations

import functools
import itertools
import keyword
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

__all__ = ["KernelForm", "argument_name", "bind_arguments", "kernel_form", "numeric_function"]


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


_SMOOTH = (sp.exp, sp.log, sp.cosh, sp.sinh, sp.tanh)


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


def _rewrite(expr: sp.Expr, variable: sp.Symbol) -> KernelForm:
    """Find and check a Max/Min form of a continuous piecewise-affine ``expr``; raise ``_NoRewrite``."""
    from .checks import check_equal, sample_points

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
    form = _assemble(variable, kept_points, kept_pieces)
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
    candidate = None
    if isinstance(expr, sp.Expr) and expr.has(variable) and expr.has(sp.Piecewise, *_KINKED, sp.Max, sp.Min):
        try:
            candidate = _rewrite(expr, variable)
        except (_NoRewrite, _Undecided, NotImplementedError, TypeError, ValueError):
            candidate = None
    if candidate is not None and _cost(candidate.expr, variable) < _cost(expr, variable):
        return candidate
    return KernelForm(expr)


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
}
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


class _Emitter:
    """Emit one ufunc call per full-size operation; parameter-only parts inline with Python operators."""

    def __init__(self, variable: sp.Symbol, names: dict[sp.Symbol, str]) -> None:
        self.variable = variable
        self.names = names
        self.lines: list[str] = []
        self.prelude: list[str] = []
        self.count = 0
        self.uses_where = False
        plain = {s: sp.Symbol(n) for s, n in names.items()}
        self.plain = plain
        self.printer = _KernelPrinter(
            {"fully_qualified_modules": True, "inline": True, "allow_unknown_functions": False}
        )

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
        self.prelude.append(f"{name} = {self.printer.doprint(expr.xreplace(self.plain))}")
        return name

    def temp(self, call: str, args: list[str], owned: list[str]) -> tuple[str, bool]:
        name = f"_t{self.count}"
        self.count += 1
        joined = ", ".join(args)
        if owned:
            buffer = owned[0]
            self.lines.append(
                f"{name} = {call}({joined}, out={buffer}) if _fits({buffer}, {joined}) else {call}({joined})"
            )
        else:
            self.lines.append(f"{name} = {call}({joined})")
        return name, True

    def call(self, func: str, *operands: tuple[str, bool]) -> tuple[str, bool]:
        return self.temp(func, [code for code, _ in operands], [code for code, own in operands if own])

    def value(self, expr: sp.Basic) -> tuple[str, bool]:
        if not expr.has(self.variable):
            return self.param(expr), False
        if expr == self.variable:
            return self.names[self.variable], False
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
            args = sorted(expr.args, key=lambda a: not a.has(self.variable))
            out = self.value(args[0])
            for arg in args[1:]:
                out = self.call(func, out, self.value(arg))
            return out
        if type(expr) in _UNARY:
            return self.call(_UNARY[type(expr)], self.value(expr.args[0]))
        if isinstance(expr, sp.Piecewise):
            return self.piecewise(expr)
        raise _Unsupported(type(expr).__name__)

    def clip(self, expr: sp.Min) -> tuple[str, bool] | None:
        """``Min(Max(x, lo), hi)`` is ``numpy.clip(x, lo, hi)`` (NumPy defines clip so, whatever lo, hi)."""
        inner = [a for a in expr.args if isinstance(a, sp.Max) and len(a.args) == 2]
        if len(inner) != 1:
            return None
        (maximum,) = inner
        (hi,) = [a for a in expr.args if a is not maximum]
        full = [a for a in maximum.args if a.has(self.variable)]
        if len(full) != 1 or hi.has(self.variable):
            return None
        (x,) = full
        (lo,) = [a for a in maximum.args if a is not x]
        return self.call("numpy.clip", self.value(x), self.value(lo), self.value(hi))

    def add(self, expr: sp.Add) -> tuple[str, bool]:
        params = [t for t in expr.args if not t.has(self.variable)]
        positive, negative = [], []
        for term in (t for t in expr.args if t.has(self.variable)):
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

    def mul(self, expr: sp.Mul) -> tuple[str, bool]:
        numer_params, denom_params, numer, denom = [], [], [], []
        for factor in expr.args:
            base, exponent = factor.as_base_exp() if isinstance(factor, sp.Pow) else (factor, sp.S.One)
            inverse = isinstance(factor, sp.Pow) and exponent.is_number and exponent.is_negative
            if not factor.has(self.variable):
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
        if coefficient != 1:
            out = self.call("numpy.multiply", out, (self.param(coefficient), False))
        if denom_params:
            out = self.call("numpy.divide", out, (self.param(sp.Mul(*denom_params)), False))
        for factor in denom:
            out = self.call("numpy.divide", out, self.value(factor))
        return out

    def power(self, expr: sp.Pow) -> tuple[str, bool]:
        base, exponent = expr.args
        if exponent.has(self.variable):
            return self.call("numpy.power", self.value(base), self.value(exponent))
        if exponent == 2:
            return self.call("numpy.square", self.value(base))
        if exponent == sp.S.Half:
            return self.call("numpy.sqrt", self.value(base))
        if exponent == -1:
            return self.call("numpy.divide", ("1.0", False), self.value(base))
        if exponent == -sp.S.Half:
            return self.call("numpy.divide", ("1.0", False), self.call("numpy.sqrt", self.value(base)))
        return self.call("numpy.power", self.value(base), (self.param(exponent), False))

    def condition(self, cond: Any) -> tuple[str, bool]:
        if isinstance(cond, Relational) and type(cond) in _COMPARE:
            return self.temp(_COMPARE[type(cond)], [self.value(cond.lhs)[0], self.value(cond.rhs)[0]], [])
        if isinstance(cond, sp.And | sp.Or):
            func = "numpy.logical_and" if isinstance(cond, sp.And) else "numpy.logical_or"
            out = self.condition(cond.args[0])
            for arg in cond.args[1:]:
                out = self.temp(func, [out[0], self.condition(arg)[0]], [])
            return out
        if isinstance(cond, sp.Not):
            return self.temp("numpy.logical_not", [self.condition(cond.args[0])[0]], [])
        if cond in (sp.true, sp.false):
            return ("True" if cond is sp.true else "False"), False
        raise _Unsupported(f"condition {cond}")

    def piecewise(self, expr: sp.Piecewise) -> tuple[str, bool]:
        self.uses_where = True
        out: tuple[str, bool] = ("numpy.nan", False)
        for value, cond in reversed(expr.args):
            if cond is sp.true:
                out = self.value(value)
            else:
                out = self.temp("numpy.where", [self.condition(cond)[0], self.value(value)[0], out[0]], [])
        return out


def _cost(expr: sp.Basic, variable: sp.Symbol) -> int:
    """Full-size passes of the generated code (lower is faster); unsupported forms count as many."""
    try:
        emitter = _Emitter(variable, {s: argument_name(s) for s in expr.free_symbols | {variable}})
        emitter.value(expr)
    except _Unsupported:
        return 10**6
    return len(emitter.lines) + (len(emitter.lines) if emitter.uses_where else 0)


def _generate(form: KernelForm, args: tuple[sp.Symbol, ...]) -> tuple[str, bool]:
    """Python source of ``_kernel(*args)`` for ``form``; and whether it needs ``errstate``."""
    names = {a: argument_name(a) for a in args}
    emitter = _Emitter(args[0], names)
    result, _ = emitter.value(form.expr)
    if not form.expr.has(args[0]):  # a constant in the variable still has the variable's shape, like a ufunc
        result, _ = emitter.call(
            "numpy.add", emitter.call("numpy.zeros_like", (names[args[0]], False)), (result, False)
        )
    lines = [f"def _kernel({', '.join(names.values())}):"]
    guards = [emitter.param(guard) for guard in form.guards]
    lines += [f"    {line}" for line in emitter.prelude]
    for guard in guards:
        lines.append(f"    if not numpy.all({guard}):")
        lines.append(f"        return _fallback({', '.join(names.values())})")
    lines += [f"    {line}" for line in emitter.lines]
    lines.append(f"    return {result}")
    return "\n".join(lines), emitter.uses_where


def _lambdified(expr: sp.Basic, args: tuple[sp.Symbol, ...]) -> Callable[..., Any]:
    dummies = [sp.Dummy(argument_name(a)) for a in args]
    body = expr.xreplace(dict(zip(args, dummies, strict=True)))
    return sp.lambdify(dummies, body, modules=[{"numpy": np}, "numpy"], printer=_KernelPrinter)


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
        source, quiet = _generate(form, args)
    except _Unsupported:
        return _Compiled(fallback, KernelForm(expr), "", True)
    namespace: dict[str, Any] = {"numpy": np, "_fits": _fits, "_fallback": fallback}
    exec(compile(source, "<derived kernel>", "exec"), namespace)
    return _Compiled(namespace["_kernel"], form, source, quiet or bool(form.guards))


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


def numeric_function(expr: sp.Basic, args: Sequence[sp.Symbol]) -> Callable[..., Any]:
    """Return ``f(*args)`` evaluating ``expr`` with NumPy broadcasting.

    Arguments may be given positionally or by keyword (``lam`` for ``lambda``).
    The first argument is the variable; the others are parameters and
    broadcast against it.  Parameter values are checked against their
    symbols' assumptions (NumPy values only; lazy arrays are not forced):
    ``lam=-1`` for a positive ``lambda`` raises :class:`~derive.errors.WeightError`.
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
    compiled = _compile(sp.sympify(expr), args)
    kernel, quiet = compiled.kernel, compiled.quiet
    names = [argument_name(a) for a in args]
    check_parameters = parameter_checker(args[1:], names[1:], range(1, len(args)))

    def evaluate(*values: Any, **named: Any) -> Any:
        if named or len(values) != len(names):
            values = bind_arguments(names, values, named)
        if check_parameters is not None:  # parameters must satisfy their symbols' assumptions (lambda > 0)
            check_parameters(values)
        if quiet:
            with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
                return kernel(*values)
        return kernel(*values)

    evaluate.__name__ = "derived_kernel"
    evaluate.__doc__ = f"Evaluate {sp.sstr(expr)} at ({', '.join(names)})."
    evaluate.form = compiled.form.expr  # type: ignore[attr-defined]
    evaluate.check = compiled.form.check  # type: ignore[attr-defined]
    evaluate.source = compiled.source  # type: ignore[attr-defined]
    return evaluate
