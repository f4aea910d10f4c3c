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
expression.  A case value is tidied with the sign of y on its region (``(y^3)^(4/3)``
becomes ``y^4``), and two cases meeting at 0 that are one even formula are joined
into a formula in ``|y|``; both are checked steps.  :func:`power_conjugate`
derives the Legendre transform of ``lambda*|x|^p`` for a symbolic ``p > 1``,
with the conjugate exponent ``q = p/(p - 1)``.  :func:`moreau_envelope` derives ``min_x g(x) + (x - v)^2/2`` from
the prox cases (the envelope of ``lambda|x|`` is the Huber function).
"""

from __future__ import annotations

import functools
from typing import Any

import mpmath
import sympy as sp

from .checks import SEED, check_equal, sample_points
from .core import Check, Derivation, DerivationBuilder
from .errors import AssumptionError, NoClosedFormError, VerificationError
from .notation import Penalty
from .penalties import PenaltyStructure, analyse, compare
from .printing.text import expr_to_text
from .prox import _limit, _member_check, _mp, _real, prox, region_points, solve_stationarity
from .subgradient import describe, piecewise_from_cases, subdifferential_steps

__all__ = ["conjugate", "moreau_envelope", "power_conjugate"]


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
    checks it equal to the value (a step of the derivation).
    """
    if value is sp.oo or not isinstance(value, sp.Expr) or not value.has(y):
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
