"""Convex conjugates and Moreau envelopes of scalar penalties, derived and checked.

The conjugate ``g*(y) = sup_x (x y - g(x))`` of a convex, piecewise-smooth g
is derived with the structure :func:`derive.penalties.analyse` finds, by the
same generic reasoning as the prox (no table of conjugates): for convex g the
supremum is attained at x exactly when ``y ∈ ∂g(x)`` (Rockafellar 1970,
Thm 23.5), so

* on a smooth piece where g' increases, ``x(y)`` solves ``g'(x) = y`` for y
  between the one-sided derivatives at the ends, and ``g*(y) = x(y) y - g(x(y))``;
* on a piece where g is affine with slope s, every x of the piece attains the
  supremum at y = s;
* at a kink k, ``g*(y) = k y - g(k)`` for y in ``[g'(k-), g'(k+)]``;
* beyond the range of ∂g, ``x y - g(x)`` is unbounded: ``g*(y) = +oo``, with
  the value at a finite end of the range given by continuity from inside
  (g* is lower semicontinuous).

Two identities are checked on each conjugate, neither used to derive it: the
**Fenchel–Young equality** ``g(x) + g*(y) = x y`` for ``y ∈ ∂g(x)`` (at
seeded points), and the **Moreau decomposition**
``prox_g(v) + prox_{g*}(v) = v`` (Moreau 1965; Beck 2017, Thm 6.45).  When
every function of y in g* acts on an affine or monomial argument, ``prox_{g*}``
is derived by :func:`derive.prox.prox` from the conjugate's expression, with
convexity cited (``convex_by``: a conjugate is convex and lower semicontinuous,
Rockafellar 1970, Thm 12.2), and the sum is checked at seeded points.  When g*
is built on the inverse of a non-affine g' (a radical of a sum for the log
barrier with a ridge, LambertW of an exponential for the entropy with a ridge,
the log of a ratio for log cosh), where SymPy's general solvers are slow or fail,
or when that derivation fails, ``prox_{g*}(v) = v - prox_g(v)`` is checked on
g*'s own objective instead: at seeded points u = v - prox_g(v) satisfies the
first-order conditions ``G'(u-) <= 0 <= G'(u+)`` of ``G(u) = g*(u) + (u - v)^2/2``
at 60 digits (for log cosh, whose prox has no closed form, with the prox solved
by bracketed root finding), which for convex g* makes u its prox.

A case value is tidied with the sign of y on its region (``(y^3)^(4/3)``
becomes ``y^4``), and two cases meeting at 0 that are one even formula are joined
into a formula in ``|y|``; both are checked steps.  :func:`power_conjugate`
derives the Legendre transform of ``lambda*|x|^p`` for a symbolic ``p > 1``,
with the conjugate exponent ``q = p/(p - 1)``.  :func:`moreau_envelope` derives
``min_x g(x) + (x - v)^2/2`` from the prox cases (the envelope of ``lambda|x|``
is the Huber function); a prox without a closed form (log cosh) raises
:class:`~derive.errors.NoClosedFormError` saying so.
"""

from __future__ import annotations

import functools
from typing import Any

import mpmath
import sympy as sp
from sympy.functions.elementary.hyperbolic import HyperbolicFunction

from .checks import SEED, check_equal, evaluate_mpmath, sample_points
from .core import Check, Derivation, DerivationBuilder
from .errors import AssumptionError, NoClosedFormError, VerificationError
from .notation import Penalty, Prox
from .penalties import PenaltyStructure, analyse, compare
from .printing.text import expr_to_text
from .prox import (
    _check_optimal,
    _limit,
    _member_check,
    _mp,
    _real,
    prox,
    region_points,
    solve_stationarity,
)
from .subgradient import describe, piecewise_from_cases, subdifferential_steps

__all__ = ["conjugate", "moreau_envelope", "power_conjugate", "CONJUGATE_CONVEX"]

#: Why the prox of a conjugate may take the convex route without deciding convexity from g*'s expression.
CONJUGATE_CONVEX = "g* is a convex conjugate: convex and lower semicontinuous (Rockafellar 1970, Thm 12.2)"


def _region(lo: Any, hi: Any, left_open: bool, right_open: bool) -> sp.Set:
    if lo == hi:
        return sp.FiniteSet(lo)
    return sp.Interval(lo, hi, left_open or lo is sp.S.NegativeInfinity, right_open or hi is sp.S.Infinity)


def _cases(structure: PenaltyStructure, y: sp.Symbol, builder: DerivationBuilder) -> list[tuple[Any, sp.Set]]:
    """The ``(g*(y), region)`` cases where the supremum is attained, in increasing order of y."""
    x, context = structure.variable, structure.assumptions
    cases: list[tuple[Any, sp.Set]] = []
    for i, piece in enumerate(structure.pieces):
        if i > 0:
            k = structure.breakpoints[i - 1]
            if k.value is not sp.oo and compare(k.left, k.right, context) is True:
                value = k.point * y - k.value
                region = _region(k.left, k.right, False, False)
                builder.claim(
                    Penalty("g^*", sp.Symbol("g*"), y),
                    "=",
                    value,
                    f"x = {sp.sstr(k.point)} attains the supremum iff y lies in the subdifferential "
                    f"[{sp.sstr(k.left)}, {sp.sstr(k.right)}] (Rockafellar 1970, Thm 23.5)",
                    lambda value=value, k=k: check_equal(value, k.point * y - k.value),
                    condition=region.as_relational(y),
                )
                cases.append((value, region))
        if not piece.finite:
            continue
        derivative = sp.simplify(sp.diff(piece.expr, x))
        if not derivative.has(x):
            # g is affine with slope s on the piece: every x of it attains the sup at y = s
            inside = _inside_point(piece.interval)
            value = sp.simplify(inside * derivative - piece.expr.subs(x, inside))
            cases.append((value, sp.FiniteSet(derivative)))
            builder.claim(
                Penalty("g^*", sp.Symbol("g*"), derivative),
                "=",
                value,
                f"on {describe(piece.interval, x)} g is affine with slope {sp.sstr(derivative)}: x y - g(x) is "
                "constant there for y equal to the slope",
                lambda value=value, piece=piece, derivative=derivative: check_equal(
                    x * derivative - piece.expr, value, condition=piece.interval.as_relational(x)
                ),
            )
            continue
        lo_y = _limit(derivative, x, piece.interval.start, "+")
        hi_y = _limit(derivative, x, piece.interval.end, "-")
        region = sp.Interval.open(lo_y, hi_y)
        symbols = (derivative.free_symbols | region.free_symbols | {y}) - {x}
        points = region_points(region, y, symbols, context, count=8)
        solution = solve_stationarity(derivative - y, x, piece.interval, points, assumptions=context)
        root = solution.root
        value = sp.simplify(root * y - piece.expr.subs(x, root))
        check_points = region_points(region, y, symbols, context, count=20)
        builder.claim(
            Penalty("g^*", sp.Symbol("g*"), y),
            "=",
            value,
            f"on {describe(piece.interval, x)}: y = g'(x) gives x = {sp.sstr(root)}, in the piece exactly when "
            f"{describe(region, y)} (g' increases); g*(y) = x y - g(x) there",
            lambda root=root, piece=piece, points=check_points: _member_check(root, piece.interval, points),
            condition=region.as_relational(y),
        )
        tidy = _tidy(value, y, region, context)
        if tidy is not value:
            builder.equal(
                value,
                tidy,
                f"simplify with the sign of y on {describe(region, y)} (y written as t or -t with t > 0)",
                condition=region.as_relational(y),
                show=Penalty("g^*", sp.Symbol("g*"), y),
            )
            value = tidy
        cases.append((value, region))
    return cases


def _one_signed(region: sp.Set, context: Any) -> int:
    """+1 if the region lies in y >= 0, -1 if in y <= 0, 0 otherwise (or undecided)."""
    if isinstance(region, sp.FiniteSet):
        start = end = region.args[0]
    else:
        start, end = region.start, region.end
    if compare(0, start, context, strict=False) is True:
        return 1
    if compare(end, 0, context, strict=False) is True:
        return -1
    return 0


def _tidy(value: Any, y: sp.Symbol, region: sp.Set, context: Any) -> Any:
    """A shorter form of a case value found with the sign of y on its region, or ``value`` itself.

    On a region of one sign, y = +-t with t > 0 lets SymPy simplify
    ``(y^3)^(4/3)`` and ``|y|``; on a region of both signs the value is
    rewritten in ``|y|`` when it is even (the same simplified form at t and
    -t).  Only a candidate with fewer operations is returned; the caller
    checks it equal to the value (a step of the derivation).  A value that is not
    :func:`_plain` is returned as it is.
    """
    if value is sp.oo or not isinstance(value, sp.Expr) or not value.has(y) or not _plain(value, y):
        # a value built on the inverse of a non-affine function (a radical of a sum, LambertW, log of a
        # ratio) is left as derived: simplify seldom shortens it, and slowly
        return value
    t = sp.Dummy("t", positive=True)
    side = _one_signed(region, context)
    try:
        if side:
            candidate = sp.simplify(value.subs(y, side * t)).subs(t, side * y)
        else:
            positive, negative = sp.simplify(value.subs(y, t)), sp.simplify(value.subs(y, -t))
            if sp.simplify(positive - negative) != 0:
                return value
            candidate = positive.subs(t, sp.Abs(y))
    except (TypeError, ValueError, NotImplementedError):  # pragma: no cover - simplify on exotic forms
        return value
    if candidate.has(t) or sp.count_ops(candidate) >= sp.count_ops(value):
        return value
    return candidate


def _even_join(cases: list[tuple[Any, sp.Set]], y: sp.Symbol) -> list[tuple[Any, sp.Set]]:
    """Two finite cases meeting at y = 0 with g*(y) = f(-y) on the left of f(y): one case f(|y|)."""
    out: list[tuple[Any, sp.Set]] = []
    for value, region in cases:
        if out and value is not sp.oo and out[-1][0] is not sp.oo:
            previous_value, previous = out[-1]
            a, b = _ends(previous), _ends(region)
            if (
                isinstance(previous, sp.Interval)
                and isinstance(region, sp.Interval)
                and a[1] == 0
                and b[0] == 0
                and sp.simplify(previous_value - value.subs(y, -y)) == 0
            ):
                joined = sp.Interval(a[0], b[1], a[2], b[3])
                out[-1] = (value.subs(y, sp.Abs(y)), joined)
                continue
        out.append((value, region))
    return out


def _open_domain(cases: list[tuple[Any, sp.Set]], y: sp.Symbol) -> Any:
    """g* with its finite one-point cases at the edges of its domain replaced by +oo."""
    kept = []
    for i, (value, region) in enumerate(cases):
        edge = isinstance(region, sp.FiniteSet) and (
            (i > 0 and cases[i - 1][0] is sp.oo) or (i + 1 < len(cases) and cases[i + 1][0] is sp.oo)
        )
        kept.append((sp.oo if edge else value, region))
    return piecewise_from_cases(_merge(kept, y), y)


def _inside_point(interval: sp.Interval) -> Any:
    lo, hi = interval.start, interval.end
    if lo is sp.S.NegativeInfinity and hi is sp.S.Infinity:
        return sp.Integer(0)
    if lo is sp.S.NegativeInfinity:
        return hi - 1
    if hi is sp.S.Infinity:
        return lo + 1
    return (lo + hi) / 2


def _ends(region: sp.Set) -> tuple[Any, Any, bool, bool]:
    if isinstance(region, sp.FiniteSet):
        return region.args[0], region.args[0], False, False
    return region.start, region.end, bool(region.left_open), bool(region.right_open)


def _same_at(formula: Any, value: Any, y: sp.Symbol, at: Any) -> bool:
    if formula is sp.oo or value is sp.oo:
        return formula == value
    return sp.simplify(formula.subs(y, at) - value) == 0


def _merge(cases: list[tuple[Any, sp.Set]], y: sp.Symbol) -> list[tuple[Any, sp.Set]]:
    """Join consecutive cases given by one formula (a point case absorbed when the formula takes its value)."""
    out: list[tuple[Any, sp.Set]] = []
    for value, region in cases:
        if out:
            previous_value, previous = out[-1]
            a, b = _ends(previous), _ends(region)
            joined = sp.Interval(a[0], b[1], a[2], b[3])
            if sp.simplify(previous_value - value) == 0:
                out[-1] = (previous_value, joined)
                continue
            if isinstance(previous, sp.FiniteSet) and _same_at(value, previous_value, y, a[0]):
                out[-1] = (value, joined)
                continue
            if isinstance(region, sp.FiniteSet) and _same_at(previous_value, value, y, b[0]):
                out[-1] = (previous_value, joined)
                continue
        out.append((value, region))
    return out


def _exp_form(value: Any) -> Any:
    """``value`` with hyperbolic functions written through exp (the same function; SymPy's limits of
    ``cosh(log(r))`` are slow, of the exponential form fast)."""
    return value.rewrite(sp.exp) if value.has(HyperbolicFunction) else value


def _close_ends(cases: list[tuple[Any, sp.Set]], y: sp.Symbol) -> list[tuple[Any, sp.Set]]:
    """Add ``+oo`` beyond the range of the subdifferential and the lsc value at a finite open end."""
    first_value, first = cases[0]
    last_value, last = cases[-1]
    out = list(cases)
    start = first.args[0] if isinstance(first, sp.FiniteSet) else first.start
    end = last.args[0] if isinstance(last, sp.FiniteSet) else last.end
    if start is not sp.S.NegativeInfinity:
        if isinstance(first, sp.Interval) and first.left_open:
            edge = sp.limit(_exp_form(first_value), y, start, "+")
            if edge.is_finite:
                out[0] = (first_value, sp.Interval(start, first.end, False, first.right_open))
                if sp.simplify(first_value.subs(y, start) - edge) != 0:
                    out[0] = (first_value, first)
                    out.insert(0, (edge, sp.FiniteSet(start)))
        out.insert(0, (sp.oo, sp.Interval.open(-sp.oo, start)))
    if end is not sp.S.Infinity:
        if isinstance(last, sp.Interval) and last.right_open:
            edge = sp.limit(_exp_form(last_value), y, end, "-")
            if edge.is_finite:
                index = len(out) - 1
                out[index] = (last_value, sp.Interval(last.start, end, last.left_open, False))
                if sp.simplify(last_value.subs(y, end) - edge) != 0:
                    out[index] = (last_value, last)
                    out.append((edge, sp.FiniteSet(end)))
        out.append((sp.oo, sp.Interval.open(end, sp.oo)))
    return out


def _case_value(cases: list, y: sp.Symbol, point: dict, slope: Any) -> Any:
    """g*(slope) (mpmath) from the case whose region holds ``slope`` at the parameters of ``point``.

    At a shared end (within 1e-45) a finite case is preferred to ``+oo`` (g* is lower semicontinuous and the
    finite case is closed there); None for a case left as an equation.
    """
    tolerance = mpmath.mpf(10) ** -45 * (1 + abs(slope))
    found: list[Any] = []
    for value, region in cases:
        start, end, _, _ = _ends(region)
        lo = -mpmath.inf if start is sp.S.NegativeInfinity else _real(_mp(start, point))
        hi = mpmath.inf if end is sp.S.Infinity else _real(_mp(end, point))
        if lo - tolerance <= slope <= hi + tolerance:
            found.append(value)
    finite = [value for value in found if value is not sp.oo]
    if not finite:
        return mpmath.inf
    if finite[0].has(sp.ConditionSet):
        return None
    return _real(_mp(finite[0], {**point, y: slope}))


def _check_fenchel_young(structure: PenaltyStructure, cases: list, y: sp.Symbol, result: Any) -> Check:
    """g(x) + g*(y) = x y for y = g'(x) at seeded points x, and g(x) + g*(y) >= x y at seeded (x, y)."""
    x, context = structure.variable, structure.assumptions
    symbols = sorted(structure.parameters, key=lambda s: s.name)
    points = sample_points([*symbols, x], context, count=30)
    equalities = 0
    for point in points:
        value = _real(_mp(structure.expr, point))
        if value == sp.oo or value != value or abs(value) == float("inf"):
            continue
        piece_derivative = None
        for piece in structure.pieces:
            inside = piece.interval.subs(point).contains(point[x])
            if inside is sp.true and piece.finite:
                piece_derivative = sp.diff(piece.expr, x)
        if piece_derivative is None:
            continue
        slope = piece_derivative.subs(point)
        with mpmath.workdps(60):
            if slope.is_Rational:  # exact: the conditions of the Piecewise are decided on rationals
                conj = result.subs({**{k: val for k, val in point.items() if k != x}, y: slope})
                if conj.has(sp.ConditionSet):
                    continue
                conj_value = _real(_mp(conj, {}))
            else:  # g*(y) at a transcendental slope: the case is chosen and evaluated numerically
                conj_value = _case_value(cases, y, point, _real(_mp(slope, {})))
                if conj_value is None:
                    continue
            gap = _real(_mp(structure.expr, point)) + conj_value - _real(_mp(x * slope, point))
        if abs(gap) > 1e-40 * (1 + abs(value)):
            raise VerificationError(f"Fenchel-Young equality fails at {point}: gap {gap}")
        equalities += 1
    kinks = _check_fenchel_young_at_kinks(structure, y, result)
    if equalities + kinks < 5:
        raise VerificationError("too few points inside the domain to check the Fenchel-Young equality")
    detail = f"g(x) + g*(g'(x)) = x g'(x) at {equalities} seeded points x"
    if kinks:
        detail += f", g(k) + g*(y) = k y at {kinks} seeded (k, y) with y in the subdifferential at a kink k"
    return Check("numeric", detail + ", 60 digits")


def _check_fenchel_young_at_kinks(structure: PenaltyStructure, y: sp.Symbol, result: Any) -> int:
    """``g(k) + g*(y) = k y`` for y in ``[g'(k-), g'(k+)]`` at each kink k of finite value, at seeded parameters.

    The equality of Fenchel-Young at the points where random x never lands: a
    kink, and the single point of a domain such as ``{c}``.  Returns how many
    equalities were checked.
    """
    symbols = sorted(structure.parameters, key=lambda s: s.name)
    kinks = [k for k in structure.breakpoints if k.value is not sp.oo and k.left != k.right]
    if not kinks:
        return 0
    checked = 0
    for point in sample_points(symbols, structure.assumptions, count=6):
        for k in kinks:
            left, right = (sp.sympify(end).subs(point) for end in (k.left, k.right))
            if left.is_finite and right.is_finite:
                slopes = [left + (right - left) * sp.Rational(i, 4) for i in range(5)]
            elif left.is_finite:
                slopes = [left + i for i in range(3)]
            elif right.is_finite:
                slopes = [right - i for i in range(3)]
            else:
                slopes = [sp.Integer(i) for i in (-2, 0, 3)]
            at_k = sp.sympify(k.point).subs(point)
            value = sp.sympify(k.value).subs(point)
            for slope in slopes:
                conj = result.subs({**point, y: slope})
                if conj.has(sp.ConditionSet):
                    continue
                with mpmath.workdps(60):
                    gap = _real(_mp(value, {})) + _real(_mp(conj, {})) - _real(_mp(at_k * slope, {}))
                    scale = 1 + abs(_real(_mp(value, {})))
                if not abs(gap) <= 1e-40 * scale:
                    raise VerificationError(f"Fenchel-Young equality fails at the kink {k.point}, y = {slope}, {point}")
                checked += 1
    return checked


def _check_moreau(structure: PenaltyStructure, own: Derivation, dual: Derivation, v: sp.Symbol) -> Check:
    symbols = sorted(set(structure.parameters) | {v}, key=lambda s: s.name)
    points = sample_points(symbols, structure.assumptions, count=30)
    worst: Any = 0
    for point in points:
        with mpmath.workdps(60):
            total = _real(_mp(own.result.subs(point), {})) + _real(_mp(dual.result.subs(point), {}))
            error = abs(total - _real(_mp(v, point))) / max(1, abs(_real(_mp(v, point))))
        if error > 1e-40:
            raise VerificationError(f"prox_g(v) + prox_g*(v) != v at {point}")
        worst = max(worst, error)
    return Check("numeric", f"{len(points)} seeded points, 60 digits, max rel. error {float(worst):.1e}")


def _simple_argument(expr: Any, y: sp.Symbol) -> bool:
    """``expr`` is affine in y (``c0 + c1*y``), a monomial ``c*y^k`` or ``c*|y|^k``, or the |.| of one."""
    if isinstance(expr, sp.Abs):
        expr = expr.args[0]
    if not isinstance(expr, sp.Expr):
        return False
    if expr.is_polynomial(y) and sp.Poly(expr, y).degree() <= 1:
        return True
    _, dependent = expr.as_independent(y, as_Add=False)
    base = dependent.base if isinstance(dependent, sp.Pow) and not dependent.exp.has(y) else dependent
    return base == y or base == sp.Abs(y)


def _plain(expr: Any, y: sp.Symbol) -> bool:
    """Every function and fractional power of y in ``expr`` acts on an affine or monomial argument.

    As in ``|y|^(4/3)``, ``exp(y/lambda - 1)``, ``log(-lambda/y)``: the class whose prox the convex algorithm
    solves in closed form without SymPy's general solvers.  False for a radical of a sum
    (``sqrt(y^2 + 4 lambda mu)``), ``LambertW`` of an exponential, ``log`` of a ratio.
    """
    for node in sp.preorder_traversal(expr):
        if not node.has(y):
            continue
        if isinstance(node, sp.Pow) and not node.exp.is_Integer:
            if node.exp.has(y) or not _simple_argument(node.base, y):
                return False
        elif isinstance(node, sp.Function) and not isinstance(node, sp.Abs | sp.Piecewise):
            if not all(_simple_argument(arg, y) for arg in node.args if arg.has(y)):
                return False
    return True


def _edges(cases: Any) -> tuple[Any, ...]:
    """The finite ends of the regions of the cases (the breakpoints of g*), in order, without repeats."""
    out: list[Any] = []
    for _, region in cases:
        start, end, _, _ = _ends(region)
        for point in (start, end):
            if point.is_infinite is not True and all(point != p for p in out):
                out.append(point)
    return tuple(out)


def _dual_by_moreau(
    structure: PenaltyStructure, cases: Any, result: Any, own: Derivation, x: sp.Symbol, y: sp.Symbol, v: sp.Symbol
) -> Derivation:
    """``prox_{g*}(v) = v - prox_g(v)`` (Beck 2017, Thm 6.45), checked against g*'s own prox objective.

    The check does not assume the decomposition: at seeded points u = v - prox_g(v) (the cases left as an
    equation solved by bisection) must satisfy the first-order conditions ``G'(u-) <= 0 <= G'(u+)`` of
    ``G(u) = g*(u) + (u - v)^2/2`` at 60 digits, with g* the derived conjugate, convex (Rockafellar 1970,
    Thm 12.2), so that u is its unique minimiser.
    """
    conj = result.subs(y, x)
    shown = Prox(Penalty("g^*", conj, x), x, v)
    builder = DerivationBuilder(
        f"The proximal operator of {expr_to_text(conj)} by the Moreau decomposition",
        assumptions=(x, v, *structure.parameters),
        context=structure.assumptions,
    )
    builder.define(Penalty("g^*", conj, x), conj, "the conjugate, derived")
    builder.cite(
        shown,
        "=",
        v - Prox(Penalty("g", structure.expr, x), x, v),
        CONJUGATE_CONVEX + "; Moreau decomposition prox_g(v) + prox_g*(v) = v (Moreau 1965; Beck 2017, Thm 6.45)",
    )
    dual_cases = tuple((_reflect(value, v), region) for value, region in own.cases)
    dual = piecewise_from_cases(dual_cases, v)
    closed = not dual.has(sp.ConditionSet)
    builder.claim(
        shown,
        "=",
        dual,
        "v - prox_g(v), case by case; checked without the decomposition: u = v - prox_g(v) satisfies "
        "G'(u-) <= 0 <= G'(u+) for G(u) = g*(u) + (u - v)^2/2"
        + ("" if closed else " (the cases left as an equation solved by bisection at 60 digits)"),
        lambda: _check_optimal(
            conj, x, v, dual, structure.assumptions, _edges(cases), None if closed else _solve_increasing
        ),
    )
    return builder.build(
        dual,
        variable=v,
        parameters=structure.parameters,
        lhs=shown,
        cases=dual_cases,
        extras=(("route", "moreau"), ("closed_form", sp.true if closed else sp.false)),
    )


def _solve_increasing(value: sp.ConditionSet, point: dict) -> Any:
    """The root of a ConditionSet's increasing equation at ``point`` (mpmath, 70 digits).

    The equation is compiled once (:func:`derive.prox._mp`), a bracket is found by doubling from the ends of
    the base set (or +-1), and the Illinois method, which keeps the bracket, refines it.
    """
    symbol, condition, base = value.args
    equation = condition.lhs - condition.rhs
    point = {k: val for k, val in point.items() if k != symbol}

    def f(t: Any) -> Any:
        return _real(_mp(equation, {**point, symbol: t}))

    with mpmath.workdps(70):
        lo = mpmath.mpf(-1) if base.start is sp.S.NegativeInfinity else _real(_mp(base.start, point))
        hi = mpmath.mpf(1) if base.end is sp.S.Infinity else _real(_mp(base.end, point))
        while base.start is sp.S.NegativeInfinity and f(lo) > 0:
            lo *= 2
        while base.end is sp.S.Infinity and f(hi) < 0:
            hi *= 2
        if not f(lo) <= 0 <= f(hi):
            raise VerificationError(f"no sign change of {sp.sstr(equation)} on {sp.sstr(base)} at {point}")
        return mpmath.findroot(f, (lo, hi), solver="illinois", tol=mpmath.mpf(10) ** -130, maxsteps=400)


def _reflect(value: Any, v: sp.Symbol) -> Any:
    """``v - value``; for a case left as an equation (x* in ConditionSet(x*, F(x*) = 0, I)) the set of
    ``u = v - x*``: ``ConditionSet(u, -F(v - u) = 0, v - I)``, written so that its left side increases in u
    (as :func:`derive.prox._solve_condition_set` expects, F increasing)."""
    if not isinstance(value, sp.ConditionSet):
        return v - value
    symbol, condition, base = value.args
    u = sp.Symbol("u^*", real=True)
    equation = -(condition.lhs - condition.rhs).subs(symbol, v - u)
    reflected = sp.Interval(v - base.end, v - base.start, base.right_open, base.left_open)
    return sp.ConditionSet(u, sp.Eq(equation, 0), reflected)


def _dual_prox(
    structure: PenaltyStructure, cases: Any, result: Any, own: Derivation, x: sp.Symbol, y: sp.Symbol, v: sp.Symbol
) -> tuple[Derivation, str, Any]:
    """``prox_{g*}`` for the Moreau step: ``(derivation, words, check)``.

    Derived from g*'s expression by the convex algorithm (convexity cited: g* is a conjugate) when g* is
    :func:`_plain`; the step then checks ``prox_g + prox_{g*} = v`` at seeded points.  Otherwise (g* built
    from the inverse of a non-affine function, where SymPy's general solvers are slow or fail), and when the
    convex algorithm fails on g*, prox_{g*} is ``v - prox_g(v)`` checked by first-order optimality on g*'s
    own objective (:func:`_dual_by_moreau`).
    """
    how = "with prox_g* derived from the conjugate's expression by the convex algorithm"
    if not own.result.has(sp.ConditionSet) and all(value is sp.oo or _plain(value, y) for value, _ in cases):
        try:
            try:
                dual = prox(result.subs(y, x), x, v, assumptions=structure.assumptions, convex_by=CONJUGATE_CONVEX)
            except (VerificationError, AssumptionError):
                # an edge of dom g* where g*' -> -oo or +oo (the conjugate of exp): the prox never lands on it,
                # so derive it for g* on the interior of its domain; the sum below checks the result all the same
                interior = _open_domain(list(cases), y)
                dual = prox(interior.subs(y, x), x, v, assumptions=structure.assumptions, convex_by=CONJUGATE_CONVEX)
                how += " on the interior of dom g* (g* is infinitely steep at its edge, so the prox never lands there)"
            return dual, how, lambda: _check_moreau(structure, own, dual, v)
        except (VerificationError, AssumptionError, NoClosedFormError):
            pass
    dual = _dual_by_moreau(structure, cases, result, own, x, y, v)
    how = (
        "with prox_g*(v) = v - prox_g(v) checked on g*'s own objective: u = v - prox_g(v) satisfies "
        "G'(u-) <= 0 <= G'(u+) for G(u) = g*(u) + (u - v)^2/2 (60 digits), so it is prox_g*(v)"
    )
    return dual, how, lambda: dual.steps[-1].check


@functools.lru_cache(maxsize=128)
def conjugate(g: Any, x: sp.Symbol, y: sp.Symbol, *, assumptions: Any = sp.true) -> Derivation:
    """Derive the convex conjugate ``g*(y) = sup_x x y - g(x)`` of a convex scalar penalty.

    Returns
    -------
    Derivation
        ``result``: ``g*`` as a ``Piecewise`` in ``y`` (``oo`` outside its
        domain); extras ``moreau`` (the derivation of ``prox_{g*}``, checked
        to satisfy ``prox_g + prox_{g*} = identity``; its extra ``route`` is
        ``"convex"`` when derived from g*'s expression, ``"moreau"`` when it is
        ``v - prox_g(v)`` checked on g*'s objective, see the module notes).

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import x, lam
    >>> y = sp.Symbol("y", real=True)
    >>> conjugate(lam*sp.Abs(x), x, y).result
    Piecewise((oo, lambda < -y), (0, lambda >= y), (oo, True))
    """
    structure = analyse(g, x, assumptions=assumptions)
    builder = DerivationBuilder(
        f"The convex conjugate of {expr_to_text(g)}",
        assumptions=(x, y, *structure.parameters),
        context=structure.assumptions,
    )
    subdifferential_steps(structure, builder)
    builder.cite(
        Penalty("g^*", sp.Symbol("g*"), y),
        "=",
        sp.Symbol("sup_x (x*y - g(x))"),
        "definition of the convex conjugate; for convex g, x attains the supremum iff y lies in the "
        "subdifferential of g at x (Rockafellar 1970, Thm 23.5)",
    )
    try:
        cases = _merge(_cases(structure, y, builder), y)
    except NoClosedFormError:
        raise
    joined = _even_join(cases, y)
    if joined != cases:
        builder.equal(
            piecewise_from_cases(cases, y),
            piecewise_from_cases(joined, y),
            "g* is even: the cases on either side of y = 0 are one formula in |y|",
            show=Penalty("g^*", sp.Symbol("g*"), y),
        )
        cases = joined
    cases = _close_ends(cases, y)
    result = piecewise_from_cases(cases, y)
    builder.claim(
        Penalty("g^*", sp.Symbol("g*"), y),
        "=",
        result,
        "collect the cases; beyond the range of the subdifferential x y - g(x) is unbounded above (+oo), and at a "
        "finite end of the range g* takes its limit (g* is lower semicontinuous); checked: the Fenchel-Young "
        "equality g(x) + g*(g'(x)) = x g'(x)",
        lambda: _check_fenchel_young(structure, cases, y, result),
    )
    v = sp.Symbol("v", real=True)
    own = prox(g, x, v, assumptions=assumptions)
    dual, how, check = _dual_prox(structure, cases, result, own, x, y, v)
    builder.claim(
        sp.Symbol("prox_g(v) + prox_g*(v)"),
        "=",
        v,
        f"Moreau decomposition (Moreau 1965; Beck 2017, Thm 6.45), {how}",
        check,
    )
    return builder.build(
        result,
        variable=y,
        parameters=structure.parameters,
        lhs=Penalty("g^*", sp.Symbol("g*"), y),
        cases=tuple(cases),
        extras=(("moreau", dual),),
    )


@functools.lru_cache(maxsize=128)
def moreau_envelope(g: Any, x: sp.Symbol, v: sp.Symbol, *, assumptions: Any = sp.true) -> Derivation:
    """Derive ``env_g(v) = min_x g(x) + (x - v)^2/2`` from the prox cases (convex g).

    On each case of ``prox_g``, substitute x* = prox_g(v) into the objective.

    Raises
    ------
    NoClosedFormError
        When the prox has a case left as its optimality equation (log cosh):
        the envelope then has no closed form either (the message says how to
        evaluate it numerically).

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import x, v, lam
    >>> moreau_envelope(lam*sp.Abs(x), x, v).result
    Piecewise((-lambda**2/2 - lambda*v, lambda < -v), (v**2/2, lambda >= v), (-lambda**2/2 + lambda*v, True))
    """
    derived = prox(g, x, v, assumptions=assumptions)
    structure = analyse(g, x, assumptions=assumptions)
    builder = DerivationBuilder(
        f"The Moreau envelope of {expr_to_text(g)}",
        assumptions=(x, v, *structure.parameters),
        context=structure.assumptions,
    )
    builder.include(derived, prefix="prox: ")
    cases = []
    for value, region in derived.cases:
        at = value if not isinstance(value, sp.Set) else None
        if at is None:
            raise NoClosedFormError(
                f"the prox of {expr_to_text(g)} has no closed form (its derivation stops at the optimality "
                "equation, solved numerically by derive.numeric_prox), so neither has its Moreau envelope "
                "min_x g(x) + (x - v)^2/2: evaluate g(x*) + (x* - v)^2/2 at the numeric prox x* instead"
            )
        restricted = _piece_value(structure, at, region, v)
        if restricted is None:
            # x* crosses a breakpoint inside the case (one formula for all v, as for |x|^(4/3)): g's own
            # expression holds on every piece, and x* = prox_g(v) lies in dom g; simplify would only be slow
            envelope = structure.expr.subs(x, at) + (at - v) ** 2 / 2
        else:
            envelope = sp.expand(sp.simplify(restricted + (at - v) ** 2 / 2))
        cases.append((envelope, region))
    result = piecewise_from_cases(cases, v)
    objective = structure.expr + (x - v) ** 2 / 2
    builder.claim(
        sp.Symbol("env_g(v)"),
        "=",
        result,
        "substitute x* = prox_g(v), case by case, into g(x) + (x - v)^2/2",
        lambda: _check_envelope(objective, x, v, derived, result, structure.assumptions),
    )
    return builder.build(result, variable=v, parameters=structure.parameters, cases=tuple(cases))


def _piece_value(structure: PenaltyStructure, at: Any, region: sp.Set, v: sp.Symbol) -> Any | None:
    """g(x*) on a case, with the piece of g that x* lies on (x* = k at a kink: g(k)); None when x* crosses a
    breakpoint within the case (no one piece holds it)."""
    x = structure.variable
    for k in structure.breakpoints:
        if sp.simplify(at - k.point) == 0:
            return k.value
    for piece in structure.pieces:
        if piece.finite and not at.has(v) and piece.interval.contains(at) is sp.true:
            return piece.expr.subs(x, at)
    probe = region_points(region, v, region.free_symbols | at.free_symbols | {v}, structure.assumptions, count=5)
    for piece in structure.pieces:
        if not piece.finite:
            continue
        inside = all(piece.interval.subs(p).contains(sp.N(at.subs(p), 30)) is sp.true for p in probe)
        if inside:
            return piece.expr.subs(x, at)
    return None


def _check_envelope(
    objective: Any, x: sp.Symbol, v: sp.Symbol, derived: Derivation, result: Any, context: Any
) -> Check:
    symbols = sorted((objective.free_symbols | result.free_symbols) - {x}, key=lambda s: s.name)
    points = sample_points(symbols, context, count=30)
    for point in points:
        star = derived.result.subs(point)
        want = _real(_mp(objective, {**point, x: star}))
        got = evaluate_mpmath(result, point, digits=60)  # compiled once for all points
        if got is None:
            got = _real(_mp(result.subs(point), {}))
        if abs(got - want) > 1e-40 * (1 + abs(want)):
            raise VerificationError(f"the envelope differs from F(prox(v)) at {point}")
    return Check("numeric", f"equal to F(prox_g(v)) at {len(points)} seeded points, 60 digits")


#: The exponent of the power penalty lambda*|x|^p when left symbolic (p > 1 is stated as the derivation's context).
p_power = sp.Symbol("p", positive=True)


def _check_power_fenchel_young(g: Any, conj: Any, x: sp.Symbol, y: sp.Symbol, context: Any) -> Check:
    """g(x) + g*(g'(x)) = x g'(x) at seeded (x, parameters), and g(x) + g*(y) >= x y at seeded pairs (60 digits)."""
    slope = sp.diff(g, x)
    symbols = sorted((g.free_symbols | conj.free_symbols) - {x, y}, key=lambda s: s.name)
    points = sample_points([*symbols, x, y], context, count=30)
    worst: Any = 0
    for point in points:
        with mpmath.workdps(60):
            value = _real(_mp(g, point))
            derivative = _real(_mp(slope, point))
            at = {**point, y: sp.Rational(str(mpmath.nstr(derivative, 70)))}
            gap = value + _real(_mp(conj, at)) - _real(_mp(x * y, at))
            if abs(gap) > mpmath.mpf(10) ** -30 * (1 + abs(value)):
                raise VerificationError(f"Fenchel-Young equality fails at {point}: gap {mpmath.nstr(gap, 5)}")
            inequality = value + _real(_mp(conj, point)) - _real(_mp(x * y, point))
            if inequality < -(mpmath.mpf(10) ** -40):
                raise VerificationError(f"Fenchel-Young inequality fails at {point}")
            worst = max(worst, abs(gap))
    return Check(
        "numeric",
        f"g(x) + g*(g'(x)) = x g'(x) and g(x) + g*(y) >= x y at {len(points)} seeded points, 60 digits",
    )


def _check_equal_mp(lhs: Any, rhs: Any, context: Any, count: int = 30) -> Check:
    """``lhs = rhs`` at seeded points respecting ``context``, evaluated with mpmath at 60 digits.

    Used for a symbolic exponent p, where SymPy's exact evaluation of
    ``t^(1/(p - 1))`` at rational points is needlessly slow.
    """
    symbols = sorted((sp.sympify(lhs).free_symbols | sp.sympify(rhs).free_symbols), key=lambda z: z.name)
    points = sample_points(symbols, context, count=count)
    worst: Any = 0
    for point in points:
        with mpmath.workdps(60):
            left, right = _mp(lhs, point), _mp(rhs, point)
            error = abs(left - right) / max(1, abs(right))
        if not error <= mpmath.mpf(10) ** -40:
            raise VerificationError(f"{sp.sstr(lhs)} = {sp.sstr(rhs)} is false at {point}")
        worst = max(worst, error)
    return Check("numeric", f"{len(points)} points, seed {SEED}, 60 digits, max rel. error {float(worst):.1e}")


@functools.lru_cache(maxsize=16)
def power_conjugate(p: Any = None, *, weight: Any = None) -> Derivation:
    """Derive the conjugate of ``lambda*|x|^p`` for ``p > 1`` (symbolic when ``p`` is None): the Legendre transform.

    Parameters
    ----------
    p : sympy number > 1 or None
        The exponent; None derives it for a symbolic ``p`` with ``p > 1`` in the
        derivation's context.
    weight : sympy.Expr, optional
        The weight (``lambda`` by default).

    Returns
    -------
    Derivation
        ``result``: ``g*(y)`` in ``|y|``; extras ``q`` (``p/(p - 1)``) and
        ``legendre`` (the result written with the conjugate exponent q).

    Notes
    -----
    g is even, so g* is even and for ``y = t > 0`` the supremum of ``x y -
    g(x)`` is over ``x = s > 0``, where ``g'(s) = lambda p s^(p-1)`` increases
    from 0 to +oo: ``s = (t/(lambda p))^(1/(p-1))`` (Rockafellar 1970, Thm
    26.5; Beck 2017, sec. 4.4).  The value is simplified through ``p = 1 + e``
    with ``e > 0``, and in the conjugate exponent through ``q = 1 + f``.

    Examples
    --------
    >>> power_conjugate(sp.Rational(3, 2)).result
    4*y**2*Abs(y)/(27*lambda**2)
    >>> power_conjugate().extra("q")
    p/(p - 1)
    """
    from .symbols import lam, x

    weight = lam if weight is None else sp.sympify(weight)
    symbolic = p is None
    p = p_power if symbolic else sp.sympify(p)
    context = p > 1 if symbolic else sp.true
    if not symbolic and not (p.is_number and p.is_real and p > 1):
        raise AssumptionError(f"the power penalty |x|^p needs a number p > 1, got {p}")
    y = sp.Symbol("y", real=True)
    s, t = sp.Symbol("s", positive=True), sp.Symbol("t", positive=True)
    e, f = sp.Dummy("e", positive=True), sp.Dummy("f", positive=True)

    def equal(lhs: Any, rhs: Any, reason: str, show: Any) -> None:
        if symbolic:
            builder.claim(show, "=", rhs, reason, lambda: _check_equal_mp(lhs, rhs, context))
        else:
            builder.equal(lhs, rhs, reason, show=show)

    q = sp.Symbol("q", positive=True)
    g = weight * sp.Abs(x) ** p
    shown = Penalty("g^*", sp.Symbol("g*"), y)
    builder = DerivationBuilder(
        f"The convex conjugate of {expr_to_text(g)}",
        assumptions=(x, y, s, t, *sorted((g.free_symbols - {x}), key=lambda z: z.name)),
        context=context,
    )
    builder.define(Penalty("g", g, x), g, "the power penalty" + (", with p > 1" if symbolic else ""))
    builder.equal(g.subs(x, -x), g, "g is even", show=Penalty("g", g, -x))
    builder.cite(
        shown,
        "=",
        sp.Symbol("sup_x (x*y - g(x))"),
        "definition; g even gives g*(-y) = g*(y), and for y = t > 0 the supremum is over x = s > 0 since "
        "x y - g(x) <= |x| y - g(|x|)",
    )
    derivative = weight * p * s ** (p - 1)
    equal(sp.diff(weight * s**p, s), derivative, "g'(s) for s > 0", sp.Symbol("g'(s)"))
    builder.member(
        sp.diff(weight * s**p, s, 2),
        sp.Interval.open(0, sp.oo),
        "g'' > 0 for p > 1: g' increases from 0 to +oo, so y = g'(s) has exactly one root s > 0 for each t > 0",
    )
    p_e = p if not symbolic else 1 + e
    (root,) = sp.solve(sp.Eq(weight * p_e * s ** (p_e - 1), t), s)
    root_p = root if not symbolic else root.subs(e, p - 1)
    equal(
        weight * p * root_p ** (p - 1),
        t,
        f"solve g'(s) = t: s = {sp.sstr(root_p)} (Rockafellar 1970, Thm 26.5: the sup is attained where g'(s) = t)",
        weight * p * s ** (p - 1),
    )
    raw = root_p * t - weight * root_p**p
    value_e = sp.simplify(sp.powsimp(root * t - weight * root**p_e, force=True))
    value = sp.simplify(value_e.subs(e, p - 1)) if symbolic else value_e
    equal(
        raw, value, "g*(t) = s t - g(s) at that s, simplified with p = 1 + e, e > 0", Penalty("g^*", sp.Symbol("g*"), t)
    )
    exponent = sp.simplify(p / (p - 1))
    builder.define(q, exponent, "the conjugate exponent, 1/p + 1/q = 1")
    if symbolic:
        legendre = sp.simplify(sp.powsimp(value_e.subs(e, 1 / f), force=True).subs(f, q - 1))
    else:
        legendre = value
    builder.claim(
        Penalty("g^*", sp.Symbol("g*"), t),
        "=",
        legendre,
        "the same value with the conjugate exponent q (e = 1/(q - 1))",
        (lambda: _check_equal_mp(value, legendre.subs(q, exponent), context))
        if symbolic
        else (lambda: check_equal(value, legendre)),
    )
    result = value.subs(t, sp.Abs(y))
    builder.claim(
        shown,
        "=",
        result,
        "g* is even: t = |y| (and g*(0) = 0, the sup at x = 0); checked by Fenchel-Young",
        lambda: _check_power_fenchel_young(g, result, x, y, context),
    )
    return builder.build(
        result,
        variable=y,
        parameters=tuple(sorted(result.free_symbols - {y}, key=lambda z: z.name)),
        lhs=shown,
        extras=(("q", exponent), ("legendre", legendre.subs(t, sp.Abs(y)))),
    )
