"""Theorem 2': the marginal-cost argument for L1 sparsity, done right.

The common explanation -- "L1 punishes small weights more than L2 because
``|w| > w^2`` when ``|w| < 1``" -- depends on the units of ``w``.  Measure the
same coefficient in other units, ``u = w/s`` (rescale its feature by ``s``),
and penalise ``u``: the penalties ``lambda|u|`` and ``lambda u^2`` cross at
``|w| = s``, not at ``|w| = 1``, and at ``w = 1/2``, ``s = 1/10`` the L1
penalty is the *smaller* one.  Which penalty is larger for a given coefficient
is not a property of the penalties.

What does not depend on units is the right derivative at 0, the marginal cost
of moving a coefficient away from 0: ``lambda > 0`` for ``lambda|x|`` (and
``lambda/s > 0`` after any rescaling), and ``0`` for a penalty that is
differentiable at 0 and smallest there (Fermat's rule).  For a convex penalty
the zero set of the prox is ``[g'(0-), g'(0+)]`` (Theorem 1,
:mod:`proofs.zero_set`; Rockafellar, *Convex Analysis*, 1970, Thm 24.1), so
for an even penalty it has positive length iff ``g'(0+) > 0``: that, not the
size of ``w``, decides whether small data values map to exactly zero
(Theorem 3, :mod:`proofs.kink_sparsity`).

The equivalence is checked per penalty by computing both sides independently:
the length of the zero set of the derived prox, and ``g'(0+)`` from
:func:`derive.penalties.analyse` (checked against difference quotients).  It
needs ``g'(0-) = -g'(0+)`` or at least ``g'(0-) <= 0``: for
``lambda*max(-x, 0)`` (zero right derivative, kink on the left) it fails, and
the theorem says so.
"""

from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from derive.checks import at_point, check_derivative, check_equal, check_true
from derive.core import Check, DerivationBuilder, symbols_of
from derive.notation import Penalty
from derive.penalties import analyse
from derive.subgradient import describe_set
from derive.symbols import lam, v, x

from .core import (
    CATALOGUE,
    Length,
    Theorem,
    as_penalty,
    decide_claim,
    instance_facts,
    latex_of,
    length_of,
    plain_text,
    same_value,
    zero_set_display,
)

__all__ = ["marginal_cost", "right_derivative_at_zero", "scale", "w", "PENALTIES"]

NAME = "marginal-cost"
TITLE = "The marginal cost at zero, not |w| < 1, decides sparsity"

#: The unit of measurement of a coefficient (u = w/s), positive.
scale = sp.Symbol("s", positive=True)
#: A coefficient in the original units.
w = sp.Symbol("w", real=True)

#: The penalties checked by default: the catalogue, and L1 and L2 on a rescaled coefficient x/s.
PENALTIES: tuple[sp.Expr, ...] = (*CATALOGUE, lam * sp.Abs(x) / scale, lam * x**2 / (2 * scale**2))


class OneSided(sp.Expr):
    """``g'(0+)``, ``g'(0-)`` or ``g'(0)``: a (one-sided) derivative of g at 0 (display only; never evaluates).

    The argument is the side: ``1`` (right), ``-1`` (left) or ``0`` (two-sided).
    """

    is_commutative = True

    def __new__(cls, side: int) -> OneSided:
        return super().__new__(cls, sp.Integer(side))

    @property
    def _mark(self) -> str:
        return {1: "+", -1: "-", 0: ""}[int(self.args[0])]

    def _latex(self, printer: Any) -> str:
        point = f"0^{{{self._mark}}}" if self._mark else "0"
        return f"g'\\left({point}\\right)"

    def _sympystr(self, printer: Any) -> str:
        return f"g'(0{self._mark})"


_RIGHT = OneSided(1)
_LEFT = OneSided(-1)


def right_derivative_at_zero(g: Any) -> sp.Expr:
    """``g'(0+)``, from the structure of ``g`` (:func:`derive.penalties.analyse`).

    At a breakpoint 0 it is the right one-sided derivative; otherwise the
    derivative of the smooth piece containing 0.

    Examples
    --------
    >>> right_derivative_at_zero(lam*sp.Abs(x)), right_derivative_at_zero(lam*x**2/2)
    (lambda, 0)
    >>> right_derivative_at_zero(lam*sp.Max(-x, 0))
    0
    """
    structure = analyse(sp.sympify(g), x)
    for k in structure.breakpoints:
        if same_value(k.point, 0) is True:
            return sp.simplify(k.right)
    for piece in structure.pieces:
        if piece.interval.contains(0) is sp.true and piece.finite:
            return sp.simplify(sp.diff(piece.expr, x).subs(x, 0))
    raise ValueError(f"cannot locate 0 among the pieces of {sp.sstr(g)}")


def _counterexample(builder: DerivationBuilder) -> None:
    """The |w| < 1 argument depends on units: crossover at |w| = s; a concrete flip."""
    l1, l2 = lam * sp.Abs(w), lam * w**2
    crossings = sp.solveset(l1 - l2, w, sp.S.Reals)
    builder.claim(
        sp.Eq(l1, l2),
        "iff",
        sp.Contains(w, crossings, evaluate=False),
        "the naive argument: in the units of w the penalties cross at |w| = 1 (SymPy solveset)",
        lambda: _check_roots(l1 - l2, w, crossings),
    )
    u = sp.Symbol("u", real=True)
    builder.define(u, w / scale, "the same coefficient in other units (its feature rescaled by s > 0)")
    l1_u, l2_u = lam * sp.Abs(w / scale), lam * (w / scale) ** 2
    crossings_u = sp.solveset(l1_u - l2_u, w, sp.S.Reals)
    builder.claim(
        sp.Eq(lam * sp.Abs(u), lam * u**2),
        "iff",
        sp.Contains(w, crossings_u, evaluate=False),
        "penalising u instead: the crossover moves to |w| = s, anywhere on (0, oo) (SymPy solveset)",
        lambda: _check_roots(l1_u - l2_u, w, crossings_u),
    )
    larger = sp.solveset(l1_u - l2_u > 0, w, sp.S.Reals)
    builder.claim(
        sp.Gt(lam * sp.Abs(u), lam * u**2),
        "iff",
        sp.Contains(w, larger, evaluate=False),
        "where L1 is the larger penalty depends on s (a set of length 2s): 'small' has no unit-free meaning",
        lambda: check_equal(length_of(larger), 2 * scale),
    )
    point = {w: sp.Rational(1, 2), scale: sp.Rational(1, 10)}
    differences = (l1 - l2, lam * sp.Abs(u) - lam * u**2)
    flip = at_point(l1 - l2, point), at_point(l1_u - l2_u, point)
    builder.claim(
        sp.Tuple(*differences),
        "=",
        sp.Tuple(*flip),
        "a counterexample: w = 1/2 (|w| < 1, L1 larger in w) is u = 5 for s = 1/10, where L1 is smaller "
        "(L1 - L2 in each unit system)",
        lambda: _check_flip(flip),
        condition=sp.And(*[sp.Eq(k, val) for k, val in point.items()]),
    )


def _check_roots(expr: sp.Expr, variable: sp.Symbol, roots: sp.Set) -> Check:
    if not isinstance(roots, sp.FiniteSet):
        raise ValueError(f"expected finitely many crossings, got {roots}")
    for root in roots:
        check_equal(expr.subs(variable, root), 0)
    return Check("symbolic", f"each of {sp.sstr(roots)} substituted gives 0; SymPy solveset found no other")


def _check_flip(flip: tuple[sp.Expr, sp.Expr]) -> Check:
    first, second = flip
    check_true(lambda: first.is_positive, f"L1 - L2 = {sp.sstr(first)} > 0 in the units of w")
    check_true(lambda: second.is_negative, f"L1 - L2 = {sp.sstr(second)} < 0 in the units of u")
    return Check("symbolic", "the sign of L1 - L2 flips (decided from lambda > 0)")


def _general_argument(builder: DerivationBuilder) -> None:
    g = sp.Function("g")(x)
    builder.cite(
        OneSided(0),
        "=",
        sp.Integer(0),
        "a penalty differentiable at 0 and smallest there has derivative 0 there (Fermat's rule; Rockafellar and "
        "Wets, Variational Analysis, 1998, Thm 10.1): its marginal cost at 0 vanishes",
    )
    builder.cite(
        zero_set_display(g),
        "=",
        sp.Interval(_LEFT, _RIGHT),
        "Theorem 1 (zero-set) with Rockafellar 1970, Thm 24.1, for convex g",
    )
    builder.note(
        "for an even convex g, g'(0-) = -g'(0+): the zero set [-g'(0+), g'(0+)] has positive length iff g'(0+) > 0",
        "the length is g'(0+) - g'(0-) = 2 g'(0+) (Theorem 3, kink-sparsity)",
    )


def _instance(builder: DerivationBuilder, g: sp.Expr, number: int) -> tuple[str, bool | None, sp.Expr]:
    prefix = f"penalty {number}: "
    facts = instance_facts(builder, g, subdifferential=False, prefix=prefix)
    right = right_derivative_at_zero(g)
    builder.claim(
        _RIGHT,
        "=",
        right,
        f"{prefix}the right derivative at 0, the marginal cost of leaving 0 (derive.penalties.analyse)",
        lambda: check_derivative(g, right, x, at=sp.Integer(0), side=1),
    )
    length = facts.length
    sparse = facts.sparse
    steep = True if right.is_positive else (False if right.is_zero else None)
    agree = None if sparse is None or steep is None else sparse is steep
    sides = f"length {sp.sstr(length)} > 0 is {sparse}; g'(0+) = {sp.sstr(right)} > 0 is {steep}"
    verdict = decide_claim(
        builder,
        agree,
        lhs=Length(facts.zero) > 0,
        rel="iff",
        rhs=_RIGHT > 0,
        words="the zero set has positive length iff the marginal cost at 0 is positive",
        reason=f"{prefix}both sides computed independently (prox zero set; right derivative of g)",
        check=lambda: check_true(lambda: agree, sides),
        refute=lambda: check_true(lambda: agree is False, sides),
        refuted=f"{prefix}the zero set {describe_set(facts.zero)} has length {sp.sstr(length)} but g'(0+) = "
        f"{sp.sstr(right)}: the left derivative matters too",
    )
    return facts.label, verdict, right


@functools.lru_cache(maxsize=16)
def marginal_cost(g: Any = None) -> Theorem:
    """Theorem 2': the |w| < 1 argument depends on units; the marginal cost at 0 decides sparsity.

    The counterexample is derived with SymPy (the crossover of ``lambda|u|``
    and ``lambda u^2`` for ``u = w/s`` is at ``|w| = s``; at ``w = 1/2``,
    ``s = 1/10`` the comparison flips).  The scale-free statement is checked
    per penalty: the zero set of the derived prox has positive length iff
    ``g'(0+) > 0``, both sides computed independently.

    Parameters
    ----------
    g : sympy.Expr or str, optional
        A convex penalty in ``derive.symbols.x``; default :data:`PENALTIES`
        (the catalogue and L1, L2 on a rescaled coefficient).  The equivalence
        assumes a kink, if any, is symmetric or on the right: for
        ``lambda*Max(-x, 0)`` it fails and the theorem reports ``holds=False``.

    Returns
    -------
    Theorem
        ``instances``: the equivalence per penalty; ``proof.result`` the
        right derivatives at 0.

    Raises
    ------
    NonConvexError, AssumptionError
        If a prox cannot be derived.
    VerificationError
        If a derivation step fails its check.

    Examples
    --------
    >>> t = marginal_cost()
    >>> t.holds, t.proof.result[:2]
    (True, (lambda, 0))
    >>> marginal_cost(lam*sp.Max(-x, 0)).holds
    False
    """
    penalties = PENALTIES if g is None else (as_penalty(g),)
    builder = DerivationBuilder(
        "Theorem 2': the marginal-cost argument",
        assumptions=(x, v, w, *[s for s in symbols_of(*penalties, scale) if s not in (x, v)]),
    )
    _counterexample(builder)
    _general_argument(builder)
    checked = [_instance(builder, p, number) for number, p in enumerate(penalties, start=1)]
    instances = tuple((label, verdict) for label, verdict, _ in checked)
    statement = (
        "The argument 'L1 punishes a weight w more than L2 because |w| > w^2 for |w| < 1' depends on units: for the "
        "same coefficient measured as u = w/s the penalties lambda|u| and lambda u^2 cross at |w| = s, and at w = 1/2, "
        "s = 1/10 the L1 penalty is the smaller. The unit-free criterion is the marginal cost at 0, g'(0+): lambda "
        "for lambda|x| (lambda/s after rescaling), 0 for a penalty differentiable at 0 and smallest there; a convex "
        "penalty with g'(0-) = -g'(0+) maps an interval of data of positive length to exactly 0 iff g'(0+) > 0."
    )
    if g is not None:
        statement += f" Checked for g(x) = {plain_text(penalties[0])}."
    gx = Penalty("g", sp.Function("g")(x), x)
    statement_latex = (
        "The argument ``$\\lambda|w|$ punishes a weight more than $\\lambda w^2$ because $|w| > w^2$ for $|w| < 1$'' "
        "depends on units: for the same coefficient measured as $u = w/s$ the penalties $\\lambda|u|$ and "
        "$\\lambda u^2$ cross at $|w| = s$, and at $w = 1/2$, $s = 1/10$ the $L_1$ penalty is the smaller. The "
        "unit-free criterion is the marginal cost at $0$, $g'(0^+)$: $\\lambda$ for $\\lambda|x|$ ($\\lambda/s$ after "
        "rescaling), $0$ for a penalty differentiable at $0$ and smallest there; a convex penalty with "
        "$g'(0^-) = -g'(0^+)$ maps an interval of data of positive length to exactly $0$ iff $g'(0^+) > 0$."
    )
    if g is not None:
        statement_latex += f" Checked for ${latex_of(gx)} = {latex_of(penalties[0])}$."
    return Theorem.from_instances(
        name=NAME,
        title=TITLE,
        statement=statement,
        statement_latex=statement_latex,
        proof=builder.build(sp.Tuple(*[right for _, _, right in checked])),
        instances=instances,
    )
