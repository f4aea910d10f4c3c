"""Theorem 3: a convex penalty gives exact zeros for an interval of data iff it has a kink at 0.

By Theorem 1 (:mod:`proofs.zero_set`) the set of v with ``prox_g(v) = 0`` is
``∂g(0)``; for g convex in one real variable ``∂g(0) = [g'(0-), g'(0+)]``
(Rockafellar, *Convex Analysis*, 1970, Thm 24.1), of length
``g'(0+) - g'(0-)``.  That length is positive iff the one-sided derivatives
differ, i.e. iff g is not differentiable at 0 (Rockafellar Thm 25.1: a convex
function is differentiable at a point iff its subdifferential there is a single
point).  So L1 (a kink at 0) produces exact zeros for a whole interval of data
and L2 (smooth at 0) only for the single value 0.

The theorem is checked on penalties by computing both sides independently:
the length of the zero set of the *derived* prox (:func:`derive.prox.prox`),
and differentiability at 0 from the structure of g
(:func:`derive.penalties.analyse`, one-sided derivatives checked against
difference quotients).  :func:`sparsity_claim` states the sparsity claim for
one penalty; it does not hold for ridge, and the theorem it returns says so.
"""

from __future__ import annotations

from typing import Any

import sympy as sp

from derive.checks import check_equal, check_equivalent, check_true
from derive.core import DerivationBuilder, symbols_of
from derive.notation import Penalty, Prox, Subdiff
from derive.subgradient import describe_set
from derive.symbols import a, b, v, x

from .core import (
    CATALOGUE,
    InstanceFacts,
    Length,
    Theorem,
    as_penalty,
    check_kink,
    decide_claim,
    instance_facts,
    latex_of,
    plain_text,
    zero_set_display,
)

__all__ = ["kink_sparsity", "sparsity_claim"]

NAME = "kink-sparsity"
TITLE = "Exact zeros come from a kink at 0"


def _general_argument(builder: DerivationBuilder) -> None:
    g = sp.Function("g")(x)
    penalty = Penalty("g", g, x)
    at_zero = Subdiff(penalty, x, sp.Integer(0))
    builder.cite(
        zero_set_display(g),
        "=",
        at_zero,
        "Theorem 1 (zero-set): for convex g, prox_g(v) = 0 iff v lies in ∂g(0)",
    )
    builder.cite(
        at_zero,
        "=",
        sp.Interval(a, b),
        "a = g'(0-) <= b = g'(0+), the one-sided derivatives of convex g at 0 (Rockafellar 1970, Thm 24.1)",
        condition=a <= b,
    )
    builder.claim(
        Length(sp.Interval(a, b)),
        "=",
        b - a,
        "the length of an interval",
        lambda: check_equal(sp.Interval(a, b).measure, b - a, condition=a <= b),
    )
    builder.claim(
        b - a > 0,
        "iff",
        a < b,
        "subtract a",
        lambda: check_equivalent(b - a > 0, a < b),
    )
    builder.cite(
        None,
        "text",
        None,
        "a convex function is differentiable at a point iff its subdifferential there is a single point "
        "(Rockafellar 1970, Thm 25.1)",
        words="g is differentiable at 0 iff a = b",
    )
    builder.note(
        "length of the zero set > 0 iff g is not differentiable at 0",
        "the last four steps: the zero set [a, b] has length b - a, positive iff a < b, i.e. (as a <= b) iff a and b "
        "differ, i.e. iff g is not differentiable at 0",
    )


def _differentiability_step(builder: DerivationBuilder, facts: InstanceFacts, prefix: str) -> None:
    """Record whether g is differentiable at 0 (from ``analyse``), checked on the endpoints of ∂g(0)."""
    subdiff = facts.subdiff
    assert subdiff is not None  # instance_facts(subdifferential=True) computes it
    if facts.differentiable is None:
        builder.note(f"{prefix}undecided: is g differentiable at 0?", "SymPy could not compare g'(0-) and g'(0+)")
        return
    kink = not facts.differentiable
    builder.claim(
        None,
        "text",
        None,
        f"{prefix}g'(0-) and g'(0+) {'differ' if kink else 'coincide'}: ∂g(0) = {describe_set(subdiff)} "
        "(Rockafellar 1970, Thm 25.1)",
        lambda: check_kink(subdiff, kink),
        words=f"g is {'not ' if kink else ''}differentiable at 0",
    )


def _length_step(builder: DerivationBuilder, facts: InstanceFacts, prefix: str) -> None:
    """Record whether the zero set has positive length (``facts.sparse``), checked."""
    length = facts.length
    if facts.sparse is None or length is None:
        builder.note(f"{prefix}undecided: does the zero set have positive length?", "SymPy could not decide")
    elif facts.sparse:
        builder.claim(
            Length(facts.zero),
            ">",
            sp.Integer(0),
            f"{prefix}from the assumptions on the parameters",
            lambda: check_true(lambda: length.is_positive, f"{length} > 0"),
        )
    else:
        builder.claim(
            Length(facts.zero), "=", sp.Integer(0), f"{prefix}a point has length 0", lambda: check_equal(length, 0)
        )


def _instance(builder: DerivationBuilder, g: sp.Expr, number: int) -> tuple[str, bool | None, sp.Expr]:
    prefix = f"penalty {number}: "
    facts = instance_facts(builder, g, prefix=prefix)
    _length_step(builder, facts, prefix)
    _differentiability_step(builder, facts, prefix)
    sparse, differentiable = facts.sparse, facts.differentiable
    agree = None if sparse is None or differentiable is None else sparse is (not differentiable)
    subdiff = facts.subdiff
    assert subdiff is not None
    low, top = (subdiff.inf, subdiff.sup) if subdiff is not sp.S.EmptySet else (sp.nan, sp.nan)
    sides = f"length > 0 is {sparse}; a kink at 0 is {None if differentiable is None else not differentiable}"
    verdict = decide_claim(
        builder,
        agree,
        lhs=Length(facts.zero) > 0,
        rel="iff",
        rhs=sp.Ne(low, top, evaluate=False),
        words="the zero set has positive length iff g is not differentiable at 0",
        reason=f"{prefix}Theorem 3: both sides computed independently (prox zero set; one-sided derivatives of g)",
        check=lambda: check_true(lambda: agree, sides),
        refute=lambda: check_true(lambda: agree is False, sides),
        refuted=f"length > 0 is {sparse} but g being not differentiable at 0 is {not differentiable}",
    )
    return facts.label, verdict, sp.nan if facts.length is None else facts.length


def kink_sparsity(g: Any = None) -> Theorem:
    """Theorem 3: a convex g maps a set of v of positive length to 0 iff g is not differentiable at 0.

    The general argument: by Theorem 1 the zero set is ``∂g(0) = [g'(0-),
    g'(0+)]`` (Rockafellar 1970, Thm 24.1), of length ``g'(0+) - g'(0-)``,
    positive iff the one-sided derivatives differ iff g is not differentiable
    at 0 (Rockafellar 1970, Thm 25.1).  Checked per penalty with both sides
    computed independently: the length of the zero set of the derived prox,
    and differentiability at 0 from :func:`derive.penalties.analyse` (its
    one-sided derivatives checked against difference quotients of g).

    Parameters
    ----------
    g : sympy.Expr or str, optional
        A convex penalty in ``derive.symbols.x``; default: the catalogue
        :data:`proofs.core.CATALOGUE`.

    Returns
    -------
    Theorem
        ``instances``: the verdict of the equivalence for each penalty.

    Raises
    ------
    NonConvexError, AssumptionError
        If a prox cannot be derived (g not convex, or its parameters lack assumptions).
    VerificationError
        If a derivation step fails its check.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import x, lam
    >>> kink_sparsity(lam*x**2).instances
    (('lambda*x**2', True),)
    """
    penalties = CATALOGUE if g is None else (as_penalty(g),)
    builder = DerivationBuilder(
        "Theorem 3: exact zeros for an interval of data iff a kink at 0",
        assumptions=(x, v, *[s for s in symbols_of(*penalties) if s != x], a, b),
    )
    _general_argument(builder)
    checked = [_instance(builder, p, number) for number, p in enumerate(penalties, start=1)]
    instances = tuple((label, verdict) for label, verdict, _ in checked)
    statement = (
        "A convex penalty g maps a set of data values v of positive length to exactly zero (prox_g(v) = 0 for all "
        "v in it) if and only if g is not differentiable at 0. The set is [g'(0-), g'(0+)], of length "
        "g'(0+) - g'(0-)."
    )
    if g is not None:
        statement += f" Checked for g(x) = {sp.sstr(penalties[0])}."
    gx = sp.Function("g")(x)
    prox_v = latex_of(Prox(sp.Symbol("g"), x, v))
    statement_latex = (
        f"A convex penalty $g$ maps a set of data values ${latex_of(v)}$ of positive length to exactly zero "
        f"(${prox_v} = 0$ for all $v$ in it) if and only if $g$ is not differentiable at $0$. The set is "
        f"${latex_of(Subdiff(Penalty('g', gx, x), x, sp.Integer(0)))} = [g'(0^-), g'(0^+)]$, of length "
        "$g'(0^+) - g'(0^-)$."
    )
    if g is not None:
        statement_latex += f" Checked for ${latex_of(Penalty('g', gx, x))} = {latex_of(penalties[0])}$."
    return Theorem.from_instances(
        name=NAME,
        title=TITLE,
        statement=statement,
        statement_latex=statement_latex,
        # The derived result: the length of each penalty's zero set, in catalogue order.
        proof=builder.build(sp.Tuple(*[length for _, _, length in checked])),
        instances=instances,
    )


def sparsity_claim(g: Any) -> Theorem:
    """The claim "g produces exact zeros for an interval of data", checked; its ``holds`` may be False.

    The prox of g is derived, its zero set read off the derived cases, and the
    claim ``length(zero set) > 0`` decided by SymPy.  When the claim is false
    (e.g. for ridge, ``lambda*x**2``) the returned theorem has ``holds=False``
    and its proof ends with the checked negation, recorded in words
    (:attr:`Theorem.failures`); nothing is raised.  A derivation step that
    fails its check still raises :class:`~derive.errors.VerificationError`.

    Parameters
    ----------
    g : sympy.Expr or str
        A convex penalty in ``derive.symbols.x``.

    Returns
    -------
    Theorem
        Named ``"sparsity-claim"``; one instance, the penalty.

    Raises
    ------
    NonConvexError, AssumptionError
        If the prox cannot be derived (g not convex, or its parameters lack assumptions).
    VerificationError
        If a derivation step fails its check.

    Examples
    --------
    >>> import sympy as sp
    >>> from derive.symbols import x, lam
    >>> sparsity_claim(lam*sp.Abs(x)).holds
    True
    >>> ridge = sparsity_claim(lam*x**2)
    >>> ridge.holds, ridge.failures
    (False, ('g gives exact zeros only on {0}, a set of length 0',))
    """
    penalty = as_penalty(g)
    label = sp.sstr(penalty)
    builder = DerivationBuilder(
        f"The sparsity claim for g(x) = {plain_text(penalty)}",
        assumptions=(x, v, *[s for s in symbols_of(penalty) if s != x]),
    )
    builder.cite(
        zero_set_display(sp.Function("g")(x)),
        "=",
        Subdiff(Penalty("g", sp.Function("g")(x), x), x, sp.Integer(0)),
        "Theorem 1 (zero-set): for convex g, prox_g(v) = 0 iff v lies in ∂g(0)",
    )
    facts = instance_facts(builder, penalty)
    length = facts.length
    verdict = decide_claim(
        builder,
        facts.sparse,
        lhs=Length(facts.zero),
        rel=">",
        rhs=sp.Integer(0),
        words="g gives exact zeros for an interval of data of positive length",
        reason="the zero set of the derived prox has positive length",
        check=lambda: check_true(lambda: length is not None and length.is_positive, f"{length} > 0"),
        refute=lambda: check_true(lambda: length is not None and length.is_nonpositive, f"{length} <= 0"),
        refuted=f"g gives exact zeros only on {describe_set(facts.zero)}, a set of length {length}",
    )
    _differentiability_step(builder, facts, "")
    builder.note(
        "consistent with Theorem 3",
        "kink-sparsity: a convex g gives exact zeros for an interval of data iff it has a kink at 0",
    )
    statement = (
        f"The penalty g(x) = {label} produces exact zeros for an interval of data: prox_g(v) = 0 for every v in "
        "a set of positive length."
    )
    gx = sp.Function("g")(x)
    statement_latex = (
        f"The penalty ${latex_of(Penalty('g', gx, x))} = {latex_of(penalty)}$ produces exact zeros for an interval "
        "of data: "
        f"${latex_of(Prox(sp.Symbol('g'), x, v))} = 0$ for every $v$ in a set of positive length."
    )
    return Theorem.from_instances(
        name="sparsity-claim",
        title="Exact zeros for an interval of data",
        statement=statement,
        statement_latex=statement_latex,
        proof=builder.build(facts.zero),
        instances=((label, verdict),),
    )
