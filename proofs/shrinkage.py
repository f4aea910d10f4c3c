"""Theorem 4: shrinkage -- prox maps shrink, are monotone and non-expansive; soft is continuous, hard jumps;
the lasso's bias stays lambda, ridge's grows with z, hard thresholding's, SCAD's and MCP's vanish.

1. The proximal operator of a proper, lower semicontinuous convex function is
   firmly non-expansive (Bauschke and Combettes, *Convex Analysis and Monotone
   Operator Theory in Hilbert Spaces*, 2nd ed., 2017, Prop. 12.28), hence
   monotone and 1-Lipschitz.  Checked per penalty on the *derived* prox: every
   case has slope in [0, 1], consecutive cases agree at their common end
   (continuity), so the prox is non-decreasing and 1-Lipschitz (mean value
   theorem); firm non-expansiveness ``(p1 - p2)(v1 - v2) >= (p1 - p2)^2`` is
   checked independently at seeded pairs.  With ``prox(0) = 0`` (0 minimises
   g) this gives ``|prox(v)| = |prox(v) - prox(0)| <= |v|``.  A penalty not
   minimised at 0, e.g. ``lambda*|x - 1|``, does not shrink toward 0: the
   theorem reports ``holds=False`` for it.
2. Soft thresholding (the derived lasso estimate) is continuous at
   ``z = lambda``; hard thresholding ``z 1{|z| > lambda}`` jumps by lambda
   there (one-sided limits of the cases).
3. The shrinkage ``z - estimate(z)`` for large z: ``-> lambda`` for the lasso
   (a constant bias), ``= lambda z/(1 + lambda)`` for ridge (proportional,
   unbounded), ``-> 0`` for hard thresholding, and exactly 0 for SCAD (Fan and
   Li, "Variable selection via nonconcave penalized likelihood and its oracle
   properties", JASA 96, 2001) beyond ``|z| > a lambda`` and for MCP (Zhang,
   "Nearly unbiased variable selection under minimax concave penalty", Ann.
   Statist. 38, 2010) beyond ``|z| > gamma lambda``: both estimates equal z
   there.  SCAD and MCP are the derived estimates of
   :func:`derive.estimators.estimator` (global minimisation of the non-convex
   objective); the point beyond which they equal z is read off their cases.
"""

from __future__ import annotations

import functools
import itertools
from typing import Any

import sympy as sp

from derive.checks import (
    DIGITS,
    SEED,
    TOLERANCE,
    at_point,
    check_equal,
    check_member,
    check_true,
    decide_at,
    evaluate_mpmath,
    sample_points,
)
from derive.core import Check, DerivationBuilder, symbols_of
from derive.errors import VerificationError
from derive.estimators import estimator
from derive.notation import Penalty, Prox
from derive.subgradient import describe, piecewise_from_cases
from derive.symbols import lam, v, x, z

from .core import (
    CATALOGUE,
    Theorem,
    as_penalty,
    check_differ,
    combine,
    decide_claim,
    derived_prox,
    latex_of,
    summarise,
)
from .gaussian import check_unequal, equal_verdict

__all__ = ["shrinkage", "one_sided_limits", "large_z_shrinkage", "unbiased_from"]

NAME = "shrinkage"
TITLE = "Shrinkage, continuity and bias of thresholding rules"

_v1, _v2 = sp.Symbol("v_1", real=True), sp.Symbol("v_2", real=True)


def _ends(region: sp.Set) -> tuple[Any, Any]:
    if isinstance(region, sp.FiniteSet):
        (point,) = region.args
        return point, point
    return region.start, region.end


def _check_slope(case: sp.Expr, region: sp.Set, context: Any) -> Check:
    slope = sp.simplify(sp.diff(case, v))
    if slope.is_nonnegative and (1 - slope).is_nonnegative:
        return Check("symbolic", f"slope {sp.sstr(slope)} in [0, 1] from the assumptions")
    numeric = check_member(slope, sp.Interval(0, 1), condition=sp.And(region.as_relational(v), context))
    return Check("numeric", f"slope {sp.sstr(slope)} in [0, 1] at sample points of the region: {numeric.detail}")


def _evaluate(expr: sp.Expr, point: dict[sp.Symbol, Any]) -> sp.Float:
    """``expr`` at ``point`` to :data:`DIGITS` digits: exactly or by compiled mpmath (one compilation serves every
    point, see :func:`derive.checks.evaluate_mpmath`), else substituted and evaluated by SymPy."""
    fast = evaluate_mpmath(expr, point, digits=DIGITS)
    if fast is not None:
        return sp.Float(fast, DIGITS)
    return sp.N(at_point(expr, point), DIGITS)


def _check_firm(result: sp.Expr, parameters: tuple[sp.Symbol, ...], context: Any) -> Check:
    """``(p1 - p2)(v1 - v2) >= (p1 - p2)^2`` at seeded pairs (v1, v2), at 50 digits."""
    points = sample_points([*parameters, _v1, _v2], context)
    for point in points:
        fixed = {k: val for k, val in point.items() if k not in (_v1, _v2)}
        p1 = _evaluate(result, {**fixed, v: point[_v1]})
        p2 = _evaluate(result, {**fixed, v: point[_v2]})
        gap = (p1 - p2) * (point[_v1] - point[_v2]) - (p1 - p2) ** 2
        if gap < -TOLERANCE * max(1, abs(p1), abs(p2)) ** 2:
            shown = ", ".join(f"{k}={val}" for k, val in point.items())
            raise VerificationError(f"not firmly non-expansive at {shown}: {sp.N(gap, 8)}")
    return Check("numeric", f"{len(points)} seeded pairs (v1, v2), seed {SEED}, {DIGITS} digits")


def _instance(builder: DerivationBuilder, g: sp.Expr, number: int) -> tuple[str, bool | None]:
    prefix = f"penalty {number}: "
    derived = derived_prox(g)
    shown = Prox(Penalty("g", g, x), x, v)
    builder.define(Penalty("g", g, x), g, f"{prefix}the penalty")
    summarise(builder, derived, shown, f"{prefix}the proximal operator (derive.prox.prox)")
    context = sp.true
    cases = derived.cases
    for case, region in cases:
        if isinstance(region, sp.FiniteSet):
            continue
        builder.claim(
            sp.Derivative(shown, v),
            "in",
            sp.Interval(0, 1),
            f"{prefix}the slope of the case {sp.sstr(case)} where {describe(region, v)}",
            lambda case=case, region=region: _check_slope(case, region, context),
            condition=region.as_relational(v),
        )
    for (first, region_a), (second, _) in itertools.pairwise(cases):
        end = _ends(region_a)[1]
        builder.claim(
            first,
            "=",
            second,
            f"{prefix}consecutive cases meet where their regions do: the prox is continuous",
            lambda first=first, second=second, end=end: check_equal(first.subs(v, end), second.subs(v, end)),
            condition=sp.Eq(v, end),
        )
    builder.note(
        f"{prefix}prox_g is non-decreasing and 1-Lipschitz (non-expansive)",
        "continuous and piecewise differentiable with slopes in [0, 1]: the mean value theorem on each piece",
    )
    parameters = tuple(s for s in symbols_of(derived.result) if s != v)
    builder.claim(
        (Prox(Penalty("g", g, x), x, _v1) - Prox(Penalty("g", g, x), x, _v2)) * (_v1 - _v2),
        ">=",
        (Prox(Penalty("g", g, x), x, _v1) - Prox(Penalty("g", g, x), x, _v2)) ** 2,
        f"{prefix}firm non-expansiveness, checked independently at seeded pairs of the derived prox",
        lambda: _check_firm(derived.result, parameters, context),
    )
    at_zero = sp.simplify(derived.result.subs(v, 0))
    verdict = decide_claim(
        builder,
        equal_verdict(at_zero, 0),
        lhs=shown.subs(v, 0),
        rel="=",
        rhs=sp.Integer(0),
        words=f"{prefix}prox_g(0) = 0, so |prox_g(v)| = |prox_g(v) - prox_g(0)| <= |v|: prox_g shrinks toward 0",
        reason=f"{prefix}the derived prox at 0 (0 minimises g), then non-expansiveness",
        check=lambda: check_equal(at_zero, 0),
        refute=lambda: check_unequal(at_zero, 0),
        refuted=f"{prefix}prox_g(0) = {sp.sstr(at_zero)} is not 0, so |prox_g(v)| <= |v| fails at v = 0: g is not "
        "minimised at 0 and the prox does not shrink toward 0",
    )
    return sp.sstr(g), verdict


def one_sided_limits(cases: Any, variable: sp.Symbol, at: Any) -> tuple[sp.Expr, sp.Expr]:
    """Left and right limits at ``at`` of a piecewise function given by its increasing cases.

    The left limit comes from the case whose region ends at ``at`` (or contains
    it in its interior), the right limit from the case whose region starts there.

    Examples
    --------
    >>> from proofs.risk import hard_threshold_cases
    >>> one_sided_limits(hard_threshold_cases(), z, lam)
    (0, lambda)
    """
    left = right = None
    for value, region in cases:
        if isinstance(region, sp.FiniteSet):
            continue
        lo, hi = _ends(region)
        inside = region.contains(at) is sp.true
        starts, ends = sp.simplify(lo - at) == 0, sp.simplify(hi - at) == 0
        if ends or (inside and not starts):  # the region reaches `at` from the left
            left = sp.limit(value, variable, at, "-")
        if starts or (inside and not ends):  # ... and from the right
            right = sp.limit(value, variable, at, "+")
    if left is None or right is None:
        raise ValueError(f"no cases on both sides of {at}")
    return sp.simplify(left), sp.simplify(right)


def large_z_shrinkage(cases: Any, variable: sp.Symbol) -> tuple[sp.Expr, sp.Expr]:
    """``z - estimate(z)`` on the last (unbounded) case, and its limit as z -> oo.

    Examples
    --------
    >>> from proofs.risk import hard_threshold_cases
    >>> large_z_shrinkage(hard_threshold_cases(), z)
    (0, 0)
    """
    value, region = cases[-1]
    if _ends(region)[1] is not sp.S.Infinity:
        raise ValueError("the last case must extend to +oo")
    shrink = sp.simplify(variable - value)
    return shrink, sp.limit(shrink, variable, sp.oo)


def _continuity(builder: DerivationBuilder) -> tuple[bool | None, bool | None]:
    from .risk import hard_threshold_cases

    soft = estimator("lasso")
    eta_s, eta_h = sp.Symbol("eta_S"), sp.Symbol("eta_H")
    summarise(builder, soft, eta_s, "soft thresholding: the lasso estimate (derive.estimators)")
    hard_cases = hard_threshold_cases()
    builder.define(eta_h, piecewise_from_cases(hard_cases, z), "hard thresholding: z if |z| > lambda, else 0")
    verdicts = []
    for name, symbol, cases, continuous in (("soft", eta_s, soft.cases, True), ("hard", eta_h, hard_cases, False)):
        left, right = one_sided_limits(cases, z, lam)
        builder.claim(
            sp.Tuple(sp.Symbol(f"{symbol}(lambda-)"), sp.Symbol(f"{symbol}(lambda+)")),
            "=",
            sp.Tuple(left, right),
            f"{name}: one-sided limits at z = lambda, from the cases on either side (SymPy limit)",
            lambda cases=cases, left=left, right=right: _check_limits(cases, left, right),
        )
        jump = sp.simplify(right - left)
        same = equal_verdict(jump, 0)
        verdicts.append(
            decide_claim(
                builder,
                same if continuous else (None if same is None else not same),
                lhs=sp.Symbol(f"{symbol}(lambda+)") - sp.Symbol(f"{symbol}(lambda-)"),
                rel="=" if continuous else ">",
                rhs=sp.Integer(0),
                words=f"{name} thresholding is {'continuous' if continuous else 'discontinuous'} at lambda",
                reason=f"{name}: the jump is {sp.sstr(jump)}",
                check=(lambda jump=jump: check_equal(jump, 0))
                if continuous
                else (lambda jump=jump: check_true(lambda: jump.is_positive, f"the jump {jump} > 0")),
                refute=lambda jump=jump: check_unequal(jump, 0),
            )
        )
    return verdicts[0], verdicts[1]


def _check_limits(cases: Any, left: sp.Expr, right: sp.Expr) -> Check:
    """The limits against the cases evaluated just left and right of lambda (50 digits)."""
    step = sp.Rational(1, 10**30)
    for point in sample_points([lam], count=8):
        at = point[lam]
        for offset, want in ((-step, left), (step, right)):
            where = at + offset
            at_where = {**point, z: where}
            value = next(val for val, region in cases if _contains(region, at_where, point, where))
            got = _evaluate(value, at_where)
            if abs(got - _evaluate(sp.sympify(want), point)) > 10 * step * max(1, abs(got)):
                raise VerificationError(f"limit {want} disagrees with the case value {got} at z = {where}")
    return Check("numeric", f"the cases at lambda -/+ 1e-30 match the limits, 8 points, seed {SEED}, {DIGITS} digits")


def _contains(region: sp.Set, at_where: dict, point: dict, where: Any) -> bool:
    """Whether ``where`` lies in ``region`` at the parameters ``point`` (exact, else SymPy's ``contains``)."""
    decided = decide_at(region.as_relational(z), at_where) if isinstance(region, sp.Interval) else None
    return decided if decided is not None else region.subs(point).contains(where) is sp.true


def _bias(builder: DerivationBuilder) -> tuple[tuple[bool | None, ...], tuple[sp.Expr, ...]]:
    from .risk import hard_threshold_cases

    scad, mcp = estimator("scad"), estimator("mcp")
    summarise(builder, scad, sp.Symbol("eta_scad"), "SCAD: the estimate (derive.estimators, global minimisation)")
    summarise(builder, mcp, sp.Symbol("eta_mcp"), "MCP: the estimate (derive.estimators, global minimisation)")
    estimates = (
        ("lasso", estimator("lasso").cases, lam, "a constant bias lambda"),
        ("ridge", ((estimator("ridge").result, sp.Interval(-sp.oo, sp.oo)),), sp.oo, "a bias growing with z"),
        ("hard", hard_threshold_cases(), sp.Integer(0), "no bias"),
        ("scad", scad.cases, sp.Integer(0), "no bias"),
        ("mcp", mcp.cases, sp.Integer(0), "no bias"),
    )
    verdicts, limits = [], []
    for name, cases, expected, words in estimates:
        shrink, limit = large_z_shrinkage(cases, z)
        limits.append(limit)
        builder.claim(
            sp.Symbol(f"z - eta_{name}(z)"),
            "=",
            shrink,
            f"{name}: the shrinkage on the last case (z large)",
            lambda shrink=shrink, cases=cases: check_equal(z - cases[-1][0], shrink),
        )
        verdict = decide_claim(
            builder,
            equal_verdict(limit, expected) if expected is not sp.oo else (limit == sp.oo),
            lhs=sp.Limit(sp.Symbol(f"z - eta_{name}(z)"), z, sp.oo),
            rel="=",
            rhs=expected,
            words=f"{name}: {words} for large z",
            reason=f"{name}: SymPy limit of {sp.sstr(shrink)}",
            check=lambda limit=limit, expected=expected: check_equal(limit, expected),
            refute=lambda limit=limit, expected=expected: check_unequal(limit, expected),
        )
        if name in ("scad", "mcp"):
            verdict = combine([verdict, _unbiased_beyond(builder, name, cases)])
        verdicts.append(verdict)
        if name == "ridge":
            ratio = sp.simplify(shrink / z)
            builder.claim(
                sp.Symbol("(z - eta_ridge(z))/z"),
                "=",
                ratio,
                "ridge: the shrinkage is proportional to z, the fraction lambda/(1 + lambda)",
                lambda ratio=ratio, shrink=shrink: check_equal(shrink, ratio * z),
            )
    return tuple(verdicts), tuple(limits)


def unbiased_from(cases: Any, variable: sp.Symbol) -> sp.Expr | None:
    """The point ``t`` beyond which the estimate equals its argument (``estimate(z) = z`` for ``|z| > t``).

    Read off the derived cases: the last case must be ``z`` on ``(t, oo)`` and the first ``z`` on
    ``(-oo, -t)``; None if they are not (a biased estimate).

    Examples
    --------
    >>> from derive.estimators import estimator
    >>> unbiased_from(estimator("mcp").cases, z)
    gamma*lambda
    >>> unbiased_from(estimator("lasso").cases, z) is None
    True
    """
    (first, low), (last, high) = cases[0], cases[-1]
    if isinstance(low, sp.FiniteSet) or isinstance(high, sp.FiniteSet):
        return None
    if high.end is not sp.S.Infinity or low.start is not sp.S.NegativeInfinity:
        return None
    start = high.start
    if sp.simplify(last - variable) != 0 or sp.simplify(first - variable) != 0:
        return None
    if sp.simplify(low.end + start) != 0:
        return None
    return start


def _unbiased_beyond(builder: DerivationBuilder, name: str, cases: Any) -> bool | None:
    """``z - estimate(z) = 0`` for ``|z|`` beyond the start of the last case (SCAD: a*lambda; MCP: gamma*lambda)."""
    start = unbiased_from(cases, z)
    shown = sp.Symbol(f"z - eta_{name}(z)")
    if start is None:
        last, region = cases[-1]
        return decide_claim(
            builder,
            False,
            lhs=shown,
            rel="=",
            rhs=sp.Integer(0),
            words=f"{name}: the estimate equals z for all large |z|",
            reason=f"{name}: the outer cases of the derived estimate",
            check=lambda: check_equal(z - last, 0),
            refute=lambda: check_differ(z - last, 0, context=region.as_relational(z)),
            refuted=f"{name}: the estimate on the last case is {sp.sstr(last)}, not z",
        )
    outer = [value for value, region in (cases[0], cases[-1])]
    return decide_claim(
        builder,
        True,
        lhs=shown,
        rel="=",
        rhs=sp.Integer(0),
        words=f"{name}: the estimate equals z for |z| > {sp.sstr(start)}: no bias at all there",
        reason=f"{name}: the outer cases of the derived estimate are z on (-oo, -{sp.sstr(start)}) and "
        f"({sp.sstr(start)}, oo)",
        check=lambda: _check_identity(outer),
        refute=lambda: check_unequal(z - outer[-1], 0),
        condition=sp.Abs(z) > start,
    )


def _check_identity(values: list[sp.Expr]) -> Check:
    for value in values:
        check_equal(z - value, 0)
    return Check("symbolic", "z - estimate simplifies to 0 on both outer cases")


@functools.lru_cache(maxsize=16)
def shrinkage(g: Any = None) -> Theorem:
    """Theorem 4: prox maps shrink, are monotone and non-expansive; soft is continuous, hard jumps; bias limits.

    Parameters
    ----------
    g : sympy.Expr or str, optional
        A convex penalty in ``derive.symbols.x`` for part 1; default the
        catalogue :data:`proofs.core.CATALOGUE`.  A penalty not minimised at 0
        (``lambda*Abs(x - 1)``) makes ``|prox(v)| <= |v|`` fail, and the
        theorem reports ``holds=False``.

    Returns
    -------
    Theorem
        ``instances``: per penalty (shrinks toward 0), then continuity of soft
        and discontinuity of hard thresholding, then the five large-z rows;
        ``proof.result`` the derived limits of ``z - estimate(z)`` (lasso,
        ridge, hard, SCAD, MCP).

    Raises
    ------
    NonConvexError, AssumptionError
        If a prox cannot be derived.
    VerificationError
        If a derivation step fails its check.

    Examples
    --------
    >>> t = shrinkage()
    >>> t.holds, t.proof.result
    (True, (lambda, oo, 0, 0, 0))
    >>> shrinkage(lam*sp.Abs(x - 1)).holds
    False
    """
    penalties = CATALOGUE if g is None else (as_penalty(g),)
    builder = DerivationBuilder(
        "Theorem 4: shrinkage, continuity and bias",
        assumptions=(x, v, z, _v1, _v2, *[s for s in symbols_of(*penalties) if s not in (x, v)]),
    )
    builder.cite(
        (Prox(sp.Symbol("g"), x, _v1) - Prox(sp.Symbol("g"), x, _v2)) * (_v1 - _v2),
        ">=",
        (Prox(sp.Symbol("g"), x, _v1) - Prox(sp.Symbol("g"), x, _v2)) ** 2,
        "the prox of a proper lower semicontinuous convex g is firmly non-expansive (Bauschke and Combettes 2017, "
        "Prop. 12.28), hence monotone and non-expansive; checked below on each derived prox",
    )
    per_penalty = [_instance(builder, p, number) for number, p in enumerate(penalties, start=1)]
    soft_continuous, hard_jumps = _continuity(builder)
    (lasso_bias, ridge_bias, hard_bias, scad_bias, mcp_bias), limits = _bias(builder)
    instances = (
        *[(f"{label}: monotone, non-expansive, shrinks toward 0", verdict) for label, verdict in per_penalty],
        ("soft thresholding is continuous at lambda", soft_continuous),
        ("hard thresholding jumps by lambda at lambda", hard_jumps),
        ("lasso: z - estimate -> lambda", lasso_bias),
        ("ridge: z - estimate = lambda z/(1 + lambda) -> oo", ridge_bias),
        ("hard: z - estimate -> 0", hard_bias),
        ("scad: z - estimate = 0 for |z| > a lambda", scad_bias),
        ("mcp: z - estimate = 0 for |z| > gamma lambda", mcp_bias),
    )
    statement = (
        "For a convex penalty g minimised at 0, prox_g is monotone and non-expansive and shrinks: |prox_g(v)| <= "
        "|v|. Soft thresholding is continuous at z = lambda; hard thresholding jumps there by lambda. For large z "
        "the shrinkage z - estimate(z) tends to lambda for the lasso (a constant bias), equals lambda z/(1 + lambda) "
        "for ridge (proportional to z) and is 0 for hard thresholding; SCAD and MCP estimate z itself for |z| > "
        "a lambda and |z| > gamma lambda (no bias)."
    )
    if g is not None:
        statement += f" Part 1 checked for g(x) = {sp.sstr(penalties[0])}."
    statement_latex = (
        "For a convex penalty $g$ minimised at $0$, $\\operatorname{prox}_g$ is monotone and non-expansive and "
        f"shrinks: $|{latex_of(Prox(sp.Symbol('g'), x, v))}| \\le |v|$. Soft thresholding is continuous at "
        "$z = \\lambda$; hard thresholding jumps there by $\\lambda$. For large $z$ the shrinkage "
        "$z - \\hat\\beta(z)$ tends to $\\lambda$ for the lasso (a constant bias), equals "
        "$\\lambda z/(1 + \\lambda)$ for ridge (proportional to $z$) and is $0$ for hard thresholding; SCAD and "
        "MCP estimate $z$ itself for $|z| > a\\lambda$ and $|z| > \\gamma\\lambda$ (no bias)."
    )
    if g is not None:
        statement_latex += f" Part 1 checked for $g(x) = {latex_of(penalties[0])}$."
    return Theorem(
        name=NAME,
        title=TITLE,
        statement=statement,
        statement_latex=statement_latex,
        proof=builder.build(sp.Tuple(*limits)),
        holds=combine(verdict for _, verdict in instances),
        instances=instances,
    )
