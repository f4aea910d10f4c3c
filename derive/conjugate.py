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
``prox_g(v) + prox_{g*}(v) = v`` (Moreau 1965; Beck 2017, Thm 6.45), with
``prox_{g*}`` derived by :func:`derive.prox.prox` from the conjugate's
expression.  :func:`moreau_envelope` derives ``min_x g(x) + (x - v)^2/2`` from
the prox cases (the envelope of ``lambda|x|`` is the Huber function).
"""

from __future__ import annotations

import functools
from typing import Any

import mpmath
import sympy as sp

from .checks import check_equal, sample_points
from .core import Check, Derivation, DerivationBuilder
from .errors import AssumptionError, NoClosedFormError, VerificationError
from .notation import Penalty
from .penalties import PenaltyStructure, analyse, compare
from .printing.text import expr_to_text
from .prox import _limit, _member_check, _mp, _real, prox, region_points, solve_stationarity
from .subgradient import describe, piecewise_from_cases, subdifferential_steps

__all__ = ["conjugate", "moreau_envelope"]


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
        cases.append((value, region))
    return cases


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


def _close_ends(cases: list[tuple[Any, sp.Set]], y: sp.Symbol) -> list[tuple[Any, sp.Set]]:
    """Add ``+oo`` beyond the range of the subdifferential and the lsc value at a finite open end."""
    first_value, first = cases[0]
    last_value, last = cases[-1]
    out = list(cases)
    start = first.args[0] if isinstance(first, sp.FiniteSet) else first.start
    end = last.args[0] if isinstance(last, sp.FiniteSet) else last.end
    if start is not sp.S.NegativeInfinity:
        if isinstance(first, sp.Interval) and first.left_open:
            edge = sp.limit(first_value, y, start, "+")
            if edge.is_finite:
                out[0] = (first_value, sp.Interval(start, first.end, False, first.right_open))
                if sp.simplify(first_value.subs(y, start) - edge) != 0:
                    out[0] = (first_value, first)
                    out.insert(0, (edge, sp.FiniteSet(start)))
        out.insert(0, (sp.oo, sp.Interval.open(-sp.oo, start)))
    if end is not sp.S.Infinity:
        if isinstance(last, sp.Interval) and last.right_open:
            edge = sp.limit(last_value, y, end, "-")
            if edge.is_finite:
                index = len(out) - 1
                out[index] = (last_value, sp.Interval(last.start, end, last.left_open, False))
                if sp.simplify(last_value.subs(y, end) - edge) != 0:
                    out[index] = (last_value, last)
                    out.append((edge, sp.FiniteSet(end)))
        out.append((sp.oo, sp.Interval.open(end, sp.oo)))
    return out


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
        at = {**point, y: slope}
        conj = result.subs({k: val for k, val in at.items() if k != x})
        if conj.has(sp.ConditionSet):
            continue
        with mpmath.workdps(60):
            gap = _real(_mp(structure.expr, point)) + _real(_mp(conj, {})) - _real(_mp(x * slope, point))
        if abs(gap) > 1e-40 * (1 + abs(value)):
            raise VerificationError(f"Fenchel-Young equality fails at {point}: gap {gap}")
        equalities += 1
    if equalities < 5:
        raise VerificationError("too few points inside the domain to check the Fenchel-Young equality")
    return Check("numeric", f"g(x) + g*(g'(x)) = x g'(x) at {equalities} seeded points x, 60 digits")


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


@functools.lru_cache(maxsize=128)
def conjugate(g: Any, x: sp.Symbol, y: sp.Symbol, *, assumptions: Any = sp.true) -> Derivation:
    """Derive the convex conjugate ``g*(y) = sup_x x y - g(x)`` of a convex scalar penalty.

    Returns
    -------
    Derivation
        ``result``: ``g*`` as a ``Piecewise`` in ``y`` (``oo`` outside its
        domain); extras ``moreau`` (the derivation of ``prox_{g*}``, checked
        to satisfy ``prox_g + prox_{g*} = identity``).

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
    how = "with prox_g* derived from the conjugate's expression by the convex algorithm"
    try:
        dual = prox(result.subs(y, x), x, v, assumptions=assumptions)
    except (VerificationError, AssumptionError):
        # an edge of dom g* where g*' -> -oo or +oo (the conjugate of exp): the prox never lands on it, so
        # derive it for g* on the interior of its domain; the sum below checks the result all the same
        interior = _open_domain(cases, y)
        dual = prox(interior.subs(y, x), x, v, assumptions=assumptions)
        how += " on the interior of dom g* (g* is infinitely steep at its edge, so the prox never lands there)"
    builder.claim(
        sp.Symbol("prox_g(v) + prox_g*(v)"),
        "=",
        v,
        f"Moreau decomposition (Moreau 1965; Beck 2017, Thm 6.45), {how}",
        lambda: _check_moreau(structure, own, dual, v),
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
            raise NoClosedFormError("the prox has a case without a closed form: the envelope is left as a minimum")
        restricted = _piece_value(structure, at, region, v)
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


def _piece_value(structure: PenaltyStructure, at: Any, region: sp.Set, v: sp.Symbol) -> Any:
    """g(x*) on a case, with the piece of g that x* lies on (x* = k at a kink: g(k))."""
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
    raise VerificationError(f"cannot place {at} on a piece of {structure.expr}")


def _check_envelope(
    objective: Any, x: sp.Symbol, v: sp.Symbol, derived: Derivation, result: Any, context: Any
) -> Check:
    symbols = sorted((objective.free_symbols | result.free_symbols) - {x}, key=lambda s: s.name)
    points = sample_points(symbols, context, count=30)
    for point in points:
        star = derived.result.subs(point)
        want = _real(_mp(objective, {**point, x: star}))
        got = _real(_mp(result.subs(point), {}))
        if abs(got - want) > 1e-40 * (1 + abs(want)):
            raise VerificationError(f"the envelope differs from F(prox(v)) at {point}")
    return Check("numeric", f"equal to F(prox_g(v)) at {len(points)} seeded points, 60 digits")
