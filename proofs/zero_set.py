"""Theorem 1: the proximal operator of a convex penalty vanishes exactly on ∂g(0).

For convex g and ``prox_g(v) = argmin_x g(x) + (x - v)^2/2``, Fermat's rule
and the sum rule give ``p = prox_g(v)`` iff ``v - p ∈ ∂g(p)`` (Rockafellar,
*Convex Analysis*, 1970, Thms 27.1 and 23.8; Bauschke and Combettes, *Convex
Analysis and Monotone Operator Theory in Hilbert Spaces*, 2nd ed., 2017,
Prop. 16.44).  At ``p = 0`` this reads ``prox_g(v) = 0`` iff ``v ∈ ∂g(0)``.
For g of one real variable ``∂g(0) = [g'(0-), g'(0+)]`` (Rockafellar Thm
24.1), so the threshold of the prox is ``g'(0+)`` and the prox has a dead zone
of positive length iff ``g'(0-) < g'(0+)``.

The general argument is cited; the theorem is then *checked* on penalties: for
each, the prox is derived by :func:`derive.prox.prox`, its zero set read off
the derived cases, ∂g(0) computed from g's one-sided derivatives, and the two
sets compared.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.checks import check_equal, check_equivalent, check_true
from derive.core import Check, DerivationBuilder, symbols_of
from derive.notation import Argmin, Penalty, Prox, Subdiff
from derive.subgradient import describe_set
from derive.symbols import a, b, v, x, xstar

from .core import (
    CATALOGUE,
    Length,
    Theorem,
    as_penalty,
    check_differ,
    check_sets_differ,
    combine,
    decide_claim,
    instance_facts,
    kink_verdict,
    latex_of,
    same_value,
    sets_equal,
    zero_set_display,
)

__all__ = ["zero_set", "general_argument"]

NAME = "zero-set"
TITLE = "The zero set of the proximal operator"


def general_argument(builder: DerivationBuilder) -> None:
    """Add the general argument of Theorem 1 (cited rules and one checked translation step).

    Shared with Theorem 3 (:mod:`proofs.kink_sparsity`), which builds on it.
    """
    g = sp.Function("g")(x)
    penalty = Penalty("g", g, x)
    builder.define(
        Prox(penalty, x, v),
        Argmin(g + (x - v) ** 2 / 2, x),
        "the proximal operator of a convex g (unit step); the objective is strictly convex, so the minimiser is unique",
    )
    builder.cite(
        sp.Integer(0),
        "in",
        xstar - v + Subdiff(penalty, x, xstar),
        "x* = prox_g(v) iff 0 lies in the subdifferential of the objective at x*: Fermat's rule and the sum rule "
        "(Rockafellar 1970, Thms 27.1 and 23.8; Bauschke and Combettes 2017, Prop. 16.44)",
    )
    builder.cite(
        sp.Integer(0),
        "in",
        -v + Subdiff(penalty, x, sp.Integer(0)),
        "the same rule at x* = 0: prox_g(v) = 0 iff 0 lies in -v + ∂g(0)",
        condition=sp.Eq(Prox(penalty, x, v), 0),
    )
    builder.cite(
        Subdiff(penalty, x, sp.Integer(0)),
        "=",
        sp.Interval(a, b),
        "for convex g finite near 0, ∂g(0) is the closed interval between the one-sided derivatives "
        "a = g'(0-) <= b = g'(0+) (Rockafellar 1970, Thm 24.1)",
        condition=a <= b,
    )
    shifted, original = sp.Interval(a - v, b - v), sp.Interval(a, b)
    builder.claim(
        sp.Contains(0, shifted, evaluate=False),
        "iff",
        sp.Contains(v, original, evaluate=False),
        "translate by v: 0 lies in -v + [a, b] iff v lies in [a, b]",
        lambda: check_equivalent(shifted.contains(0), original.contains(v)),
    )
    builder.claim(
        zero_set_display(g),
        "=",
        sp.Interval(a, b),
        "the last three steps: the set of v with prox_g(v) = 0 is ∂g(0) = [g'(0-), g'(0+)], and nothing else",
        _consequence,
    )
    builder.claim(
        Length(zero_set_display(g)),
        "=",
        b - a,
        "corollary: the zero set has length g'(0+) - g'(0-), positive iff g'(0-) < g'(0+), i.e. iff ∂g(0) is a "
        "non-degenerate interval; its largest element, the threshold of the prox, is sup ∂g(0) = g'(0+)",
        lambda: check_equal(sp.Interval(a, b).measure, b - a, condition=a <= b),
    )


def _consequence() -> Check:
    return Check("definition", "follows from the previous steps")


def _instance(builder: DerivationBuilder, g: sp.Expr, number: int) -> tuple[str, bool | None, sp.Set]:
    prefix = f"penalty {number}: "
    facts = instance_facts(builder, g, prefix=prefix)
    zero, subdiff = facts.zero, facts.subdiff
    assert subdiff is not None  # instance_facts(subdifferential=True) computes it
    shown = Subdiff(Penalty("g", g, x), x, sp.Integer(0))
    equal = decide_claim(
        builder,
        sets_equal(zero, subdiff),
        lhs=zero,
        rel="=",
        rhs=shown,
        words=f"the zero set of the prox is ∂g(0) = {describe_set(subdiff)}",
        reason=f"{prefix}Theorem 1: the zero set read off the derived prox equals ∂g(0) computed from the "
        "one-sided derivatives of g",
        check=lambda: check_equal(zero, subdiff),
        refute=lambda: check_sets_differ(zero, subdiff),
        refuted=f"the zero set {describe_set(zero)} of the prox differs from ∂g(0) = {describe_set(subdiff)}",
    )
    threshold = facts.prox.extra("threshold")
    top = subdiff.sup if subdiff is not sp.S.EmptySet else sp.nan
    at_threshold = decide_claim(
        builder,
        same_value(threshold, top),
        lhs=threshold,
        rel="=",
        rhs=top,
        words=f"the threshold of the prox is sup ∂g(0) = {sp.sstr(top)}",
        reason=f"{prefix}corollary: the threshold of the derived prox (the largest v mapped to 0) is sup ∂g(0)",
        check=lambda: check_equal(threshold, top),
        refute=lambda: check_differ(threshold, top),
        refuted=f"the threshold {sp.sstr(threshold)} of the prox differs from sup ∂g(0) = {sp.sstr(top)}",
    )
    sparse, kink = facts.sparse, kink_verdict(subdiff)
    agree = None if sparse is None or kink is None else sparse is kink
    low = subdiff.inf if subdiff is not sp.S.EmptySet else sp.nan
    kind = "a non-degenerate interval" if kink else "a single point"
    dead_zone = "has" if sparse else "has no"
    corollary = decide_claim(
        builder,
        agree,
        lhs=Length(zero) > 0,
        rel="iff",
        rhs=sp.Lt(low, top, evaluate=False),
        words=f"the prox {dead_zone} dead zone of positive length and ∂g(0) is {kind}",
        reason=f"{prefix}corollary: a dead zone of positive length iff ∂g(0) is a non-degenerate interval",
        check=lambda: check_true(lambda: agree, f"length > 0 is {sparse} and g'(0-) < g'(0+) is {kink}"),
        refute=lambda: check_true(lambda: agree is False, f"length > 0 is {sparse} but g'(0-) < g'(0+) is {kink}"),
        refuted=f"length > 0 is {sparse} but ∂g(0) = {describe_set(subdiff)} being non-degenerate is {kink}",
    )
    return facts.label, combine([equal, at_threshold, corollary]), zero


def zero_set(g: Any = None) -> Theorem:
    """Theorem 1: for convex g, ``prox_g(v) = 0`` iff ``v ∈ ∂g(0)``, checked on penalties.

    The general argument cites Fermat's rule and the sum rule (Rockafellar
    1970, Thms 27.1 and 23.8; Bauschke and Combettes 2017, Prop. 16.44) and
    Rockafellar's Thm 24.1 (``∂g(0) = [g'(0-), g'(0+)]``).  Then, for each
    penalty, the prox is derived (:func:`derive.prox.prox`), its zero set read
    off the derived cases and checked against them, ``∂g(0)`` computed from g
    and checked against one-sided difference quotients, and the claims added
    with their verdicts: zero set = ``∂g(0)``; threshold = ``sup ∂g(0)``; a dead
    zone of positive length iff ``∂g(0)`` is a non-degenerate interval.

    Parameters
    ----------
    g : sympy.Expr or str, optional
        A convex penalty in ``derive.symbols.x`` (text is parsed safely).
        Default: the catalogue :data:`proofs.core.CATALOGUE` (L1, L2, elastic
        net, positive part, Huber).

    Returns
    -------
    Theorem
        ``holds`` is True iff every claim was proved on every penalty;
        ``instances`` holds the verdict per penalty.

    Raises
    ------
    VerificationError
        If a derivation step fails its check (a broken derivation, not a
        false claim).
    NonConvexError
        If a penalty is not convex.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import x, lam
    >>> t = zero_set(lam*sp.Abs(x))
    >>> t.holds, t.instances
    (True, (('lambda*Abs(x)', True),))
    """
    penalties = CATALOGUE if g is None else (as_penalty(g),)
    builder = DerivationBuilder(
        "Theorem 1: the proximal operator of a convex penalty is 0 exactly on the subdifferential at 0",
        assumptions=(x, v, *[s for s in symbols_of(*penalties) if s != x], a, b),
    )
    general_argument(builder)
    names = ", ".join(sp.sstr(p) for p in penalties)
    builder.note(f"checked on the penalties {names}", "each claim below is decided by SymPy and checked")
    checked = [_instance(builder, p, number) for number, p in enumerate(penalties, start=1)]
    instances = tuple((label, verdict) for label, verdict, _ in checked)
    # The derived result: the zero set of each penalty's prox, in catalogue order.
    proof = builder.build(sp.Tuple(*[zero for _, _, zero in checked]))
    return Theorem.from_instances(
        name=NAME,
        title=TITLE,
        statement=_statement(penalties if g is not None else ()),
        statement_latex=_statement_latex(penalties if g is not None else ()),
        proof=proof,
        instances=instances,
    )


def _statement(penalties: tuple[sp.Expr, ...]) -> str:
    which = f"the convex penalty g(x) = {sp.sstr(penalties[0])}" if penalties else "a convex penalty g"
    return (
        f"For {which}, prox_g(v) = argmin_x g(x) + (x - v)^2/2 is 0 if and only if v lies in the subdifferential "
        "dg(0) = [g'(0-), g'(0+)]: {v : prox_g(v) = 0} = dg(0). Hence the threshold of the prox is sup dg(0) = "
        "g'(0+), and the prox maps a set of v of positive length to exactly 0 iff dg(0) is a non-degenerate interval."
    )


def _statement_latex(penalties: tuple[sp.Expr, ...]) -> str:
    gx = sp.Function("g")(x)
    g = sp.Symbol("g")
    prox_v = latex_of(Prox(g, x, v))
    at_zero = latex_of(Subdiff(Penalty("g", gx, x), x, sp.Integer(0)))
    which = (
        f"the convex penalty ${latex_of(Penalty('g', gx, x))} = {latex_of(penalties[0])}$"
        if penalties
        else "a convex penalty $g$"
    )
    objective = latex_of(Argmin(gx + (x - v) ** 2 / 2, x))
    return (
        f"For {which}, ${prox_v} = {objective}$ is $0$ if and only if ${latex_of(v)} \\in {at_zero}$, where "
        f"${at_zero} = [g'(0^-), g'(0^+)]$. Hence the threshold of the proximal operator is $\\sup {at_zero} = "
        f"g'(0^+)$, and it maps a set of $v$ of positive length to exactly $0$ if and only if ${at_zero}$ is a "
        "non-degenerate interval."
    )
