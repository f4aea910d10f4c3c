"""Theorem 3 (the L_p family): where the prox of ``lambda|x|^p`` is exactly zero, as p runs through (0, oo).

Convention: ``prox_g(v) = argmin_x g(x) + (1/2)(x - v)^2`` with
``g(x) = lambda |x|^p``, ``lambda > 0``.

* **p > 1.**  g is convex and differentiable at 0 with ``g'(0) = 0`` (the
  difference quotient ``lambda h^(p-1)`` tends to 0), so ``∂g(0) = {0}`` and by
  Theorem 1 (:mod:`proofs.zero_set`) ``prox_g(v) = 0`` iff ``v = 0``.  For
  ``v != 0`` the prox is the unique root of ``x + lambda p |x|^(p-1) sign(x) =
  v``, of the sign of v (the map ``x + lambda p x^(p-1)`` is strictly
  increasing from 0 to oo on x > 0).  Proved for a symbolic ``p = 1 + q``,
  ``q > 0``, and checked on the derived proxes for p = 2, 3/2, 4/3, 3, 4.
* **p = 1.**  Soft thresholding with threshold lambda (the derived prox).
* **0 < p < 1.**  g is not convex; the global minimiser jumps.  For v > 0,
  ``F(x) - F(0) = x (h(x) - v)`` with ``h(x) = lambda x^(p-1) + x/2`` on
  x > 0, so 0 is optimal iff ``v <= min h``.  Solving the two equations of the
  jump -- stationarity ``x - v + lambda p x^(p-1) = 0`` and equal value
  ``lambda x^p + (x - v)^2/2 = v^2/2`` -- for x and v gives the jump point
  ``x* = (2 lambda (1 - p))^(1/(2 - p))`` and the threshold
  ``tau = (2 - p)/(2 (1 - p)) x*``; ``x*`` is also where the strictly convex h
  is smallest, so ``tau = min h`` is the threshold of the global minimiser.
  Proved for a symbolic ``p = 1 - r``, ``0 < r < 1``, and checked against the
  toolkit's global-route prox (:func:`derive.prox.prox` with
  ``route="global"``) for p = 2/3 and 1/2, against the half-thresholding
  formula of Xu, Chang, Xu and Zhang (2012) at p = 1/2, and in the limits
  p -> 1 (soft thresholding, the jump vanishes) and p -> 0 (hard thresholding,
  the derived prox of the L0 penalty ``lambda 1{x != 0}``).

The symbolic steps substitute ``p = 1 + q`` or ``p = 1 - r`` with ``q, r > 0``
so that SymPy can decide signs and combine powers; a step SymPy cannot close
that way is checked numerically at seeded points with ``0 < p < 1`` (or
``p > 1``), and the check records which.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import mpmath
import sympy as sp

from derive.checks import DIGITS, SEED, check_equal, check_member, check_true, mpmath_function, sample_points
from derive.core import Check, Derivation, DerivationBuilder
from derive.errors import ValidationError, VerificationError
from derive.notation import Argmin, Penalty, Prox, Subdiff
from derive.prox import prox
from derive.symbols import lam, v, x

from .core import (
    Theorem,
    check_differ,
    check_sets_differ,
    combine,
    decide_claim,
    derived_prox,
    latex_of,
    plain_text,
    sets_equal,
    summarise,
    zero_set_display,
)
from .gaussian import check_unequal, equal_verdict

__all__ = [
    "NAME",
    "EXPONENTS",
    "XU_HALF_THRESHOLD",
    "lambda_xu",
    "p",
    "JumpThreshold",
    "jump_threshold",
    "lp_penalty",
    "lp_prox",
    "lp_family",
]

NAME = "lp-family"
TITLE = "The Lp family: no exact zeros for p > 1, soft thresholding at p = 1, a jump for p < 1"

#: The exponent of the penalty ``lambda |x|^p``.
p = sp.Symbol("p", positive=True)
#: ``p = 1 + q`` in the argument for p > 1.
q = sp.Symbol("q", positive=True)
#: ``p = 1 - r`` in the argument for 0 < p < 1.
r = sp.Symbol("r", positive=True)
#: ``p = 1/(1 + s)``: every s > 0 gives a p in (0, 1) and back, so SymPy can use ``p < 1`` (which ``r`` cannot carry).
_s = sp.Symbol("s", positive=True)
#: The substitution of :data:`_s` and its words.
_INSIDE = ({p: 1 / (1 + _s)}, "p = 1/(1 + s), s > 0")
#: The variable on the half-line x > 0 (the minimisers have the sign of v).
_xp = sp.Symbol("x", positive=True)
#: A positive step of a difference quotient.
_h = sp.Symbol("h", positive=True)
#: The penalty weight of Xu et al. (2012), whose objective is ``||y - x||^2 + lambda_Xu |x|^(1/2)``.
lambda_xu = sp.Symbol("lambda_Xu", positive=True)
_y = sp.Symbol("y", real=True)

#: The threshold of the half-thresholding operator of Xu, Chang, Xu and Zhang, "L_{1/2} regularization: a
#: thresholding representation theory and a fast solver", IEEE Trans. Neural Netw. Learn. Syst. 23(7), 2012,
#: 1013-1027, Thm 1: the operator is 0 for ``|y| <= (54^(1/3)/4) lambda_Xu^(2/3)``.  A cited reference, used only as
#: the independent value the derived threshold is compared with.
XU_HALF_THRESHOLD: sp.Expr = sp.root(54, 3) / 4 * lambda_xu ** sp.Rational(2, 3)

#: The exponents checked by default: four convex and differentiable (p > 1), the lasso (p = 1), two non-convex
#: (0 < p < 1) and the limit p = 0, the L0 penalty ``lambda 1{x != 0}`` (hard thresholding).
EXPONENTS: tuple[sp.Rational, ...] = tuple(
    sp.Rational(e) for e in ("2", "3/2", "4/3", "3", "4", "1", "2/3", "1/2", "0")
)

_TAU = sp.Function("tau")(p, lam)
_JUMP = sp.Function("x^*")(p, lam)
_G = sp.Function("g")(x)
#: The threshold of the derived prox at one exponent (display only).
_THRESHOLD = sp.Function("threshold")


# --------------------------------------------------------------------------
# Inputs
# --------------------------------------------------------------------------
def _exponent(value: Any) -> sp.Rational:
    """A non-negative rational exponent (int, Fraction or SymPy Rational; floats are refused)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise ValidationError(
            f"exponent {value!r}: pass an exact number (an int, fractions.Fraction or sympy.Rational, e.g. "
            "sympy.Rational(2, 3)), not a float"
        )
    if isinstance(value, Fraction):
        value = sp.Rational(value.numerator, value.denominator)
    if not isinstance(value, int | sp.Rational):
        raise ValidationError(f"exponent {value!r}: expected an int, fractions.Fraction or sympy.Rational")
    value = sp.Rational(value)
    if value < 0:
        raise ValidationError(f"exponent {value}: the L_p family needs p >= 0 (p = 0 is the L0 penalty)")
    return value


def lp_penalty(exponent: Any) -> sp.Expr:
    """``lambda |x|^p`` for an exact exponent ``p >= 0``; at ``p = 0`` the L0 penalty ``lambda 1{x != 0}``.

    ``|x|^0`` is read as ``1{x != 0}`` (the convention ``0^0 = 0`` of the L0 "norm"), the limit of ``|x|^p`` as
    ``p -> 0+`` at every x.

    Examples
    --------
    >>> lp_penalty(sp.Rational(1, 2))
    lambda*sqrt(Abs(x))
    >>> lp_penalty(0)
    lambda*Piecewise((0, Eq(x, 0)), (1, True))
    """
    e = _exponent(exponent)
    if e == 0:
        return lam * sp.Piecewise((0, sp.Eq(x, 0)), (1, True))
    return lam * sp.Abs(x) ** e


@functools.lru_cache(maxsize=32)
def _lp_prox(e: sp.Rational) -> Derivation:
    if e >= 1:
        return derived_prox(lp_penalty(e))  # convex: the shared derivation of proofs.core
    return prox(lp_penalty(e), x, v, route="global")


def lp_prox(exponent: Any) -> Derivation:
    """The derived prox of :func:`lp_penalty`: the convex algorithm for p >= 1, global minimisation below.

    Cached (a derivation is immutable); Theorem 3 and the figure :mod:`figures.lp_family` share it.

    Examples
    --------
    >>> lp_prox(2).result
    v/(2*lambda + 1)
    >>> lp_prox(sp.Rational(1, 2)).extra("threshold")
    3*lambda**(2/3)/2
    """
    return _lp_prox(_exponent(exponent))


# --------------------------------------------------------------------------
# Checks through p = 1 + q or p = 1 - r
# --------------------------------------------------------------------------
def _vanishes(expr: sp.Expr) -> bool:
    """Whether SymPy shows ``expr = 0``: ``simplify`` of ``expr`` or of it with powers of positive bases combined.

    The rewrites are tried cheapest first (a rewrite that is already 0 needs no ``simplify``).
    """
    expr = sp.sympify(expr)
    if expr == 0:
        return True
    combined = sp.powsimp(sp.expand_power_base(sp.expand(expr)))
    if combined == 0 or sp.expand(_combine_exponents(combined)) == 0:
        return True
    for attempt in (
        lambda: combined,
        lambda: expr,
        lambda: sp.simplify(sp.powdenest(sp.expand_power_base(expr))),
    ):
        if sp.simplify(attempt()) == 0:
            return True
    return False


def _check_equal_via(lhs: Any, rhs: Any, substitution: Mapping, words: str, condition: Any) -> Check:
    """``lhs = rhs``: symbolically after ``substitution`` (``p = 1 + q`` or ``1 - r``), else numerically."""
    lhs, rhs = sp.sympify(lhs), sp.sympify(rhs)
    if _vanishes((lhs - rhs).subs(substitution)):
        return Check("symbolic", f"with {words}: simplify(lhs - rhs) = 0")
    return check_equal(lhs, rhs, condition=condition)


def _check_positive_via(expr: Any, substitution: Mapping, words: str, condition: Any) -> Check:
    """``expr > 0``: from the assumptions after ``substitution``, else at seeded points."""
    rewritten = sp.sympify(expr).subs(substitution)
    simplified = functools.cache(lambda: sp.simplify(rewritten))
    attempts = (lambda: rewritten, lambda: sp.cancel(rewritten), simplified, lambda: sp.factor(simplified()))
    for attempt in attempts:  # cheapest first, lazily
        if attempt().is_positive:
            return Check("symbolic", f"with {words}: positive from the assumptions")
    return check_member(expr, sp.Interval.open(0, sp.oo), condition=condition)


@functools.lru_cache(maxsize=64)
def _limit(expr: sp.Expr, symbol: sp.Symbol, point: Any, side: str = "+") -> sp.Expr:
    """SymPy's (one-sided) limit, cached: the theorem meets the same limits in several parts."""
    return sp.limit(expr, symbol, point, side)


def _combine_exponents(expr: sp.Expr) -> sp.Expr:
    """``expr`` with every symbolic exponent put over a common denominator (``cancel``), then powers combined.

    Powers of the same positive base then meet with one exponent:
    ``(2 lambda r)^(-(r + 1)/(r + 1))`` becomes ``1/(2 lambda r)``.  An
    identity (only exponents are rewritten); far cheaper than ``simplify``.
    """
    return sp.powsimp(
        expr.replace(lambda e: e.is_Pow and not e.exp.is_Number, lambda e: sp.Pow(e.base, sp.cancel(e.exp)))
    )


def _solve_linear(expr: sp.Expr, symbol: sp.Symbol) -> sp.Expr:
    """The root of ``expr = 0`` in ``symbol``, for ``expr`` affine in it (``a symbol + b``, ``a != 0``): ``-b/a``.

    Raises :class:`~derive.errors.VerificationError` if ``expr`` is not affine
    in ``symbol`` or ``a`` is not shown nonzero.  The caller checks the root
    (the claim it makes is a checked step).
    """
    slope = sp.diff(expr, symbol)
    if slope.has(symbol) or slope.is_zero is not False:
        raise VerificationError(f"{sp.sstr(expr)} is not affine in {symbol} with a nonzero slope")
    return sp.cancel(-expr.subs(symbol, 0) / slope)


@dataclass(frozen=True, slots=True)
class _TwoPowers:
    """``a x^alpha + b x^beta = 0`` on x > 0, solved: ``x^(alpha - beta) = -b/a``, so ``x = (-b/a)^(1/(alpha - beta))``.

    ``ratio = -b/a`` and ``gap = alpha - beta``; the root is the only one on x > 0 when ``ratio > 0`` and
    ``gap != 0`` (``x^gap`` is then strictly monotone from 0 to oo or back), which :func:`_check_jump` checks.
    """

    root: sp.Expr
    ratio: sp.Expr
    gap: sp.Expr


def _two_powers(expr: sp.Expr, symbol: sp.Symbol) -> _TwoPowers:
    """The positive root of ``expr = 0``, ``expr`` a sum of two powers of the positive ``symbol`` (:class:`_TwoPowers`).

    The terms are ordered so that ``gap`` is positive when SymPy can tell.  Raises
    :class:`~derive.errors.VerificationError` for any other form; the caller checks the root.
    """
    terms = sp.Add.make_args(expr)
    if len(terms) != 2:
        raise VerificationError(f"{sp.sstr(expr)} is not a sum of two powers of {symbol}")
    (a, alpha), (b, beta) = (term.as_coeff_exponent(symbol) for term in terms)
    if a.has(symbol) or b.has(symbol) or alpha.has(symbol) or beta.has(symbol):
        raise VerificationError(f"{sp.sstr(expr)} is not a sum of two powers of {symbol}")
    if (alpha - beta).is_negative:
        (a, alpha), (b, beta) = (b, beta), (a, alpha)
    ratio, gap = -b / a, sp.cancel(alpha - beta)
    return _TwoPowers(ratio ** (1 / gap), ratio, gap)


def _check_limit(expr: Any, symbol: sp.Symbol, point: Any, side: str, want: Any) -> Check:
    """SymPy's one-sided limit of ``expr`` equals ``want``."""
    got = _limit(expr, symbol, point, side)
    if not _vanishes(got - want):
        raise VerificationError(f"the limit of {sp.sstr(expr)} as {symbol} -> {point}{side} is {got}, not {want}")
    return Check("symbolic", f"SymPy limit as {symbol} -> {point}{side}")


# --------------------------------------------------------------------------
# p > 1: the general argument
# --------------------------------------------------------------------------
def _above_one(builder: DerivationBuilder) -> bool | None:
    """Steps for a symbolic p > 1; returns the verdict of "prox_g(v) = 0 iff v = 0"."""
    above = {p: 1 + q}
    words = "p = 1 + q, q > 0"
    context = p > 1
    g = lam * sp.Abs(x) ** p
    builder.define(Penalty("g", g, x), g, "part (a): the penalty, p > 1", condition=context)
    builder.define(p, 1 + q, "part (a): write p = 1 + q with q > 0, so SymPy can decide signs", condition=context)
    quotient = (g.subs(x, _h) - g.subs(x, 0)) / _h
    right = _limit(quotient.subs(above), _h, 0, "+")
    builder.claim(
        sp.Limit(quotient, _h, 0, "+"),
        "=",
        right,
        "part (a): the right derivative g'(0+) is the limit of the difference quotient lambda h^(p-1)",
        lambda: _check_limit(quotient.subs(above), _h, 0, "+", right),
    )
    left_quotient = (g.subs(x, -_h) - g.subs(x, 0)) / (-_h)
    left = _limit(left_quotient.subs(above), _h, 0, "+")
    builder.claim(
        sp.Limit(left_quotient, _h, 0, "+"),
        "=",
        left,
        "part (a): the left derivative g'(0-), the limit of the difference quotient from the left",
        lambda: _check_limit(left_quotient.subs(above), _h, 0, "+", left),
    )
    second = sp.diff(lam * _xp**p, _xp, 2)
    builder.claim(
        sp.Symbol("g''(x)"),
        ">",
        sp.Integer(0),
        f"part (a): g''(x) = {plain_text(second)} > 0 for x > 0 (and x < 0, g being even); g' is continuous at 0 "
        "(both one-sided derivatives are 0), so g' is increasing and g is convex (Rockafellar 1970, Thm 24.2)",
        lambda: _check_positive_via(second, above, words, context),
        condition=_xp > 0,
    )
    at_zero = sp.Interval(left, right)
    builder.cite(
        Subdiff(Penalty("g", _G, x), x, sp.Integer(0)),
        "=",
        at_zero,
        "part (a): [g'(0-), g'(0+)] with the two limits above, for convex g (Rockafellar 1970, Thm 24.1)",
    )
    zero = sp.FiniteSet(0)
    verdict = decide_claim(
        builder,
        sets_equal(at_zero, zero),
        lhs=zero_set_display(_G),
        rel="=",
        rhs=zero,
        words="for every p > 1, prox_g(v) = 0 iff v = 0",
        reason="part (a): Theorem 1 (zero-set): the zero set of the prox of a convex g is ∂g(0)",
        check=lambda: check_equal(at_zero, zero),
        refute=lambda: check_sets_differ(at_zero, zero),
    )
    objective = lam * _xp**p + (_xp - v) ** 2 / 2
    mirrored = lam * _xp**p + (-_xp - v) ** 2 / 2
    builder.claim(
        mirrored - objective,
        "=",
        2 * _xp * v,
        "part (a): with F(x) = g(x) + (x - v)^2/2, F(-x) - F(x) = 2xv > 0 for x, v > 0: the minimiser has the sign "
        "of v (and is not 0 for v != 0)",
        lambda: check_equal(sp.expand(mirrored - objective), 2 * _xp * v),
        condition=v > 0,
    )
    phi = _xp + lam * p * _xp ** (p - 1)
    builder.claim(
        sp.Symbol("F'(x)"),
        "=",
        phi - v,
        "part (a): stationarity on x > 0 (F is differentiable there): x + lambda p x^(p-1) = v",
        lambda: _check_equal_via(sp.diff(objective, _xp), phi - v, above, words, context),
        condition=_xp > 0,
    )
    slope = sp.diff(phi, _xp)
    builder.claim(
        sp.Symbol("phi'(x)"),
        ">",
        sp.Integer(0),
        f"part (a): phi(x) = x + lambda p x^(p-1) is strictly increasing on x > 0: phi'(x) = {plain_text(slope)}",
        lambda: _check_positive_via(slope, above, words, context),
        condition=_xp > 0,
    )
    builder.claim(
        sp.Tuple(sp.Limit(phi, _xp, 0, "+"), sp.Limit(phi, _xp, sp.oo)),
        "=",
        sp.Tuple(0, sp.oo),
        "part (a): phi runs from 0 to oo, so phi(x) = v has exactly one root x > 0 for every v > 0",
        lambda: _two_limits(phi.subs(above)),
    )
    builder.note(
        "for p > 1 and v != 0, prox_g(v) is the unique root of x + lambda p |x|^(p-1) sign(x) = v; it has the sign "
        "of v, so it is never 0",
        "part (a): the last four steps and the symmetry prox_g(-v) = -prox_g(v)",
    )
    return verdict


def _two_limits(phi: sp.Expr) -> Check:
    _check_limit(phi, _xp, 0, "+", 0)
    at_infinity = _limit(phi, _xp, sp.oo)
    if at_infinity is not sp.oo:
        raise VerificationError(f"{sp.sstr(phi)} tends to {at_infinity}, not oo")
    return Check("symbolic", "SymPy limits at 0+ and oo")


# --------------------------------------------------------------------------
# 0 < p < 1: the jump threshold
# --------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class JumpThreshold:
    """The jump of the prox of ``lambda |x|^p`` for ``0 < p < 1``, derived as functions of ``p`` and ``lambda``.

    Parameters
    ----------
    jump : sympy.Expr
        ``x*(p, lambda)``: for ``v = tau`` the global minimisers are 0 and ``x*``.
    threshold : sympy.Expr
        ``tau(p, lambda)``: the prox is 0 for ``|v| < tau`` and jumps to ``sign(v) x*`` at ``|v| = tau``.
    derivation : Derivation
        The checked steps (context ``0 < p < 1``).
    """

    jump: sp.Expr
    threshold: sp.Expr
    derivation: Derivation

    def at(self, exponent: Any) -> tuple[sp.Expr, sp.Expr]:
        """``(x*, tau)`` at an exact exponent in (0, 1).

        Examples
        --------
        >>> jump_threshold().at(sp.Rational(1, 2))
        (lambda**(2/3), 3*lambda**(2/3)/2)
        """
        e = _exponent(exponent)
        if not 0 < e < 1:
            raise ValidationError(f"exponent {e}: the jump threshold is derived for 0 < p < 1")
        # at a rational p the powers evaluate on substitution (as simplify would leave them): no simplify needed
        return tuple(sp.powsimp(expr.subs(p, e)) for expr in (self.jump, self.threshold))  # type: ignore[return-value]


@functools.lru_cache(maxsize=1)
def jump_threshold() -> JumpThreshold:
    """Derive the jump point ``x*`` and the threshold ``tau`` of the prox of ``lambda |x|^p``, ``0 < p < 1``.

    For ``v > 0`` the minimisers lie in ``[0, oo)``.  A nonzero minimiser ``x``
    that ties with 0 satisfies stationarity ``x - v + lambda p x^(p-1) = 0``
    and equal value ``lambda x^p + (x - v)^2/2 = v^2/2``; eliminating ``v``
    gives ``x^(2-p) = 2 lambda (1 - p)``.  Each step is checked, symbolically
    with ``p = 1 - r``, ``r > 0``.

    Returns
    -------
    JumpThreshold
        ``jump = (2 lambda (1 - p))^(1/(2 - p))`` and ``threshold = (2 - p)/(2 (1 - p)) jump``, as SymPy
        expressions in ``p`` and ``lambda``, with the derivation.

    Examples
    --------
    >>> j = jump_threshold()
    >>> j.jump
    (2*lambda*(1 - p))**(1/(2 - p))
    >>> sp.simplify(j.threshold / j.jump)
    (p - 2)/(2*(p - 1))
    """
    below = {p: 1 - r}
    words = "p = 1 - r, 0 < r < 1"
    context = p < 1
    builder = DerivationBuilder(
        "The jump threshold of the prox of lambda*|x|^p, 0 < p < 1",
        assumptions=(x, v, lam, p, r, _xp),
        context=context,
    )
    g = lam * sp.Abs(x) ** p
    builder.define(Penalty("g", g, x), g, "part (c): the penalty, 0 < p < 1 (not convex)", condition=context)
    builder.define(p, 1 - r, "part (c): write p = 1 - r with 0 < r < 1, so SymPy can decide signs", condition=r < 1)
    objective = lam * _xp**p + (_xp - v) ** 2 / 2
    mirrored = lam * _xp**p + (-_xp - v) ** 2 / 2
    builder.claim(
        mirrored - objective,
        "=",
        2 * _xp * v,
        "part (c): with F(x) = g(x) + (x - v)^2/2, F(-x) - F(x) = 2xv > 0 for x, v > 0: g is even, prox_g(-v) = "
        "-prox_g(v), and for v > 0 every global minimiser lies in [0, oo)",
        lambda: check_equal(sp.expand(mirrored - objective), 2 * _xp * v),
        condition=v > 0,
    )
    h = lam * _xp ** (p - 1) + _xp / 2
    value_at_zero = v**2 / 2
    builder.claim(
        objective - value_at_zero,
        "=",
        _xp * (h - v),
        "part (c): F(x) - F(0) = x (h(x) - v) with h(x) = lambda x^(p-1) + x/2: 0 is a global minimiser iff v <= "
        "h(x) for every x > 0, and x > 0 ties with 0 (equal value) iff v = h(x)",
        lambda: _check_equal_via(objective - value_at_zero, _xp * (h - v), below, words, context),
        condition=_xp > 0,
    )
    # The two equations of the jump, each affine in v (v^2/2 cancels in the first), solved for v.
    tie_v = [_solve_linear(sp.expand((objective - value_at_zero) / _xp).subs(below), v)]
    stationary_v = [_solve_linear(sp.diff(objective, _xp).subs(below), v)]
    tie_v_p, stationary_v_p = (sp.powsimp(sp.expand(s.subs(r, 1 - p))) for s in (tie_v[0], stationary_v[0]))
    builder.claim(
        sp.Eq(lam * _xp**p + (_xp - v) ** 2 / 2, value_at_zero),
        "iff",
        sp.Eq(v, tie_v_p),
        "part (c): equal value at x > 0 and at 0, solved for v (linear in v after v^2/2 cancels)",
        lambda: _check_equal_via(objective.subs(v, tie_v_p), value_at_zero.subs(v, tie_v_p), below, words, context),
        condition=_xp > 0,
    )
    builder.claim(
        sp.Eq(sp.diff(objective, _xp), 0),
        "iff",
        sp.Eq(v, stationary_v_p),
        "part (c): stationarity at x > 0, solved for v",
        lambda: _check_equal_via(sp.diff(objective, _xp).subs(v, stationary_v_p), 0, below, words, context),
        condition=_xp > 0,
    )
    difference = sp.powsimp(sp.expand(stationary_v[0] - tie_v[0]))
    power = _two_powers(difference, _xp)
    jump_r = power.root
    jump = jump_r.subs(r, 1 - p)
    builder.claim(
        _JUMP,
        "=",
        jump,
        f"part (c): both equations hold: subtract them, {plain_text(difference.subs(r, 1 - p))} = 0, i.e. x^(2-p) = "
        "2 lambda (1 - p), which has one root x > 0 (two powers of x: x^(2-p) is increasing and 2 lambda (1 - p) > 0); "
        "substituted back it satisfies both equations",
        lambda: _check_jump(power, tie_v[0], stationary_v[0], objective.subs(below), words),
    )
    # tau / x* = v(x*)/x* with v(x) of stationarity: its powers of x* combine once their exponents are cancelled
    ratio = sp.factor(_combine_exponents(sp.powsimp(sp.expand(stationary_v[0] / _xp)).subs(_xp, jump_r)))
    threshold = sp.factor(ratio.subs(r, 1 - p)) * jump
    builder.claim(
        _TAU,
        "=",
        threshold,
        "part (c): the data value of the jump, v = x* + lambda p x*^(p-1) at x = x* (where lambda x*^(p-1) = "
        "x*/(2(1 - p)))",
        lambda: _check_equal_via(stationary_v_p.subs(_xp, jump), threshold, below, words, context),
    )
    slope_h = sp.diff(h, _xp)
    builder.claim(
        sp.Symbol("h'(x)"),
        "=",
        sp.Integer(0),
        "part (c): why tau is the threshold of the global minimiser: h'(x) = lambda (p - 1) x^(p-2) + 1/2 vanishes "
        "at x*",
        lambda: _check_equal_via(slope_h.subs(_xp, jump), 0, below, words, context),
        condition=sp.Eq(_xp, _JUMP),
    )
    curvature = sp.diff(h, _xp, 2)
    builder.claim(
        sp.Symbol("h''(x)"),
        ">",
        sp.Integer(0),
        f"part (c): h''(x) = {plain_text(curvature)} > 0 on x > 0, so x* is the unique minimiser of h there",
        lambda: _check_positive_via(curvature, below, words, context),
        condition=_xp > 0,
    )
    builder.claim(
        sp.Symbol("h(x)"),
        "=",
        _TAU,
        "part (c): min h = h(x*) = tau: for |v| < tau, F(x) > F(0) for every x != 0, so prox_g(v) = 0; at |v| = tau "
        "the minimisers are 0 and sign(v) x*; for |v| > tau, F(x*) < F(0)",
        lambda: _check_equal_via(h.subs(_xp, jump), threshold, below, words, context),
        condition=sp.Eq(_xp, _JUMP),
    )
    builder.claim(
        zero_set_display(g),
        "=",
        sp.Interval(-_TAU, _TAU),
        "part (c): the last three steps (at |v| = tau, 0 is one of the two minimisers)",
        lambda: Check("definition", "follows from the previous steps"),
    )
    builder.claim(
        _JUMP,
        ">",
        sp.Integer(0),
        "part (c): the prox jumps at |v| = tau by x* > 0: the prox of lambda |x|^p for 0 < p < 1 is discontinuous",
        lambda: _check_positive_via(jump, below, words, context),
    )
    fraction = sp.factor(sp.powsimp(jump / threshold))
    builder.claim(
        _JUMP / _TAU,
        "=",
        fraction,
        "part (c): the jump lands below the data value: x*/tau = 2(1 - p)/(2 - p) lies in (0, 1)",
        lambda: _check_fraction(jump / threshold, fraction, below, words, context),
    )
    limits = (
        (threshold, 1, "-", lam, "p -> 1-: tau -> lambda, the soft threshold of p = 1"),
        (jump, 1, "-", 0, "p -> 1-: the jump x* -> 0 vanishes"),
        (threshold, 0, "+", sp.sqrt(2 * lam), "p -> 0+: tau -> sqrt(2 lambda), the hard threshold of lambda 1{x != 0}"),
        (jump, 0, "+", sp.sqrt(2 * lam), "p -> 0+: x* -> sqrt(2 lambda) = tau: the jump of hard thresholding"),
    )
    for expr, point, side, want, why in limits:
        builder.claim(
            sp.Limit(expr, p, point, side),
            "=",
            want,
            f"part (c): {why}",
            lambda expr=expr, point=point, side=side, want=want: _check_limit(
                expr.subs(below), r, 1 - point, "+" if side == "-" else "-", want
            ),
        )
    derivation = builder.build(sp.Tuple(jump, threshold), parameters=(p, lam))
    return JumpThreshold(jump, threshold, derivation)


def _check_fraction(ratio: sp.Expr, fraction: sp.Expr, below: Mapping, words: str, context: Any) -> Check:
    """``ratio = fraction`` and ``0 < fraction < 1`` (``fraction < 1`` with ``p = 1/(1 + s)``, which keeps p < 1)."""
    checks = [
        _check_equal_via(ratio, fraction, below, words, context),
        _check_positive_via(fraction, below, words, context),
        _check_positive_via(1 - fraction, *_INSIDE, context),
    ]
    method = "symbolic" if all(c.method == "symbolic" for c in checks) else "numeric"
    return Check(
        method,
        f"with {words}: equal, and x*/tau > 0 from the assumptions; with {_INSIDE[1]}: x*/tau < 1"
        if method == "symbolic"
        else "; ".join(c.detail for c in checks),
    )


def _check_jump(power: _TwoPowers, tie_v: sp.Expr, stationary_v: sp.Expr, objective: sp.Expr, words: str) -> Check:
    """x* (in r) is the only positive root of the difference of the two expressions for v (``-b/a > 0`` and
    ``alpha != beta`` from the assumptions), makes them agree, and at that v it is stationary and ties with 0."""
    if power.ratio.is_positive is not True or power.gap.is_nonzero is not True:
        raise VerificationError(
            f"x^({sp.sstr(power.gap)}) = {sp.sstr(power.ratio)} is not shown to have exactly one root x > 0"
        )
    jump = power.root
    if not _vanishes((tie_v - stationary_v).subs(_xp, jump)):
        raise VerificationError(f"{sp.sstr(jump)} does not make the two equations agree")
    at = {v: stationary_v.subs(_xp, jump)}
    stationary = sp.diff(objective, _xp).subs(at).subs(_xp, jump)
    tie = (objective - v**2 / 2).subs(at).subs(_xp, jump)
    if not (_vanishes(stationary) and _vanishes(tie)):
        raise VerificationError(f"{sp.sstr(jump)} is not stationary or does not tie with 0")
    return Check(
        "symbolic",
        f"with {words}: x^({sp.sstr(power.gap)}) = {sp.sstr(power.ratio)}, the right side positive and the exponent "
        "nonzero from the assumptions (one root x > 0); substituted into both equations, each simplifies to 0",
    )


# --------------------------------------------------------------------------
# Instances
# --------------------------------------------------------------------------
def _label(e: sp.Rational) -> str:
    return "p = 0 (L0, hard thresholding)" if e == 0 else f"p = {e}"


def _check_solves(result: sp.Expr, e: sp.Rational) -> Check:
    """``x + lambda e |x|^(e-1) sign(x) = v`` for ``x`` the derived prox, at seeded points (v, lambda), 50 digits.

    The derived prox is compiled once for mpmath (a ``Piecewise`` evaluates only its selected branch), so the check
    costs 40 evaluations rather than 40 substitutions into a large expression.
    """
    function = mpmath_function(result, (v, lam))
    points = sample_points([v, lam])
    worst = mpmath.mpf(0)
    with mpmath.workdps(DIGITS + 10):
        tolerance = mpmath.mpf(10) ** -(DIGITS - 10)
        power = mpmath.mpf(e.p) / e.q
        for point in points:
            at_v, at_lam = (mpmath.mpf(point[s].p) / point[s].q for s in (v, lam))
            value = function(at_v, at_lam)
            if isinstance(value, mpmath.mpc):
                if abs(value.imag) > tolerance * max(1, abs(value)):
                    raise VerificationError(f"the derived prox is not real at v = {point[v]}, lambda = {point[lam]}")
                value = value.real
            residual = value + at_lam * power * abs(value) ** (power - 1) * mpmath.sign(value) - at_v
            error = abs(residual) / max(1, abs(at_v))
            if error > tolerance:
                raise VerificationError(
                    f"the derived prox does not solve x + lambda p |x|^(p-1) sign(x) = v at v = {point[v]}, "
                    f"lambda = {point[lam]}: residual {mpmath.nstr(residual, 5)}"
                )
            worst = max(worst, error)
    return Check(
        "numeric", f"{len(points)} points, seed {SEED}, {DIGITS} digits, max rel. error {mpmath.nstr(worst, 2)}"
    )


def _check_pair(got: tuple[Any, Any], want: tuple[Any, Any]) -> Check:
    checks = [check_equal(a, b) for a, b in zip(got, want, strict=True)]
    method = "symbolic" if all(c.method == "symbolic" for c in checks) else "numeric"
    return Check(method, "; ".join(c.detail for c in checks))


def _threshold_claim(
    builder: DerivationBuilder, e: sp.Rational, derived: Any, claimed: sp.Expr, why: str
) -> bool | None:
    prefix = f"{_label(e)}: "
    verdict = equal_verdict(derived, claimed)
    return decide_claim(
        builder,
        verdict,
        lhs=_THRESHOLD(e),
        rel="=",
        rhs=claimed,
        words=f"{prefix}the threshold of the derived prox is {plain_text(claimed)}",
        reason=f"{prefix}{why}; the derived threshold is {plain_text(derived)}",
        check=lambda: check_equal(derived, claimed),
        refute=lambda: check_unequal(derived, claimed),
        refuted=f"{prefix}the derived threshold {plain_text(derived)} is not the claimed {plain_text(claimed)}",
    )


def _instance(
    builder: DerivationBuilder, e: sp.Rational, claimed: sp.Expr | None, jump: JumpThreshold
) -> tuple[str, bool | None]:
    prefix = f"{_label(e)}: "
    g = lp_penalty(e)
    derived = lp_prox(e)
    shown = Prox(Penalty("g", g, x), x, v)
    summarise(builder, derived, shown, f"{prefix}the proximal operator of {plain_text(g)} ({derived.extra('route')})")
    zero = derived.extra("zero_set")
    threshold = derived.extra("threshold")
    verdicts: list[bool | None] = []
    if e > 1:
        equation = x + lam * e * sp.Abs(x) ** (e - 1) * sp.sign(x)
        builder.claim(
            equation.subs(x, shown),
            "=",
            v,
            f"{prefix}the derived prox solves the equation of part (a)",
            lambda: _check_solves(derived.result, e),
        )
        builder.claim(
            zero_set_display(g),
            "=",
            zero,
            f"{prefix}the zero set of the derived prox: only v = 0, as part (a) says",
            lambda: check_equal(zero, sp.FiniteSet(0)),
        )
        expected, why = sp.Integer(0), "part (a): no dead zone for p > 1"
    elif e == 1:
        compact = derived.extra("compact")
        builder.claim(
            shown,
            "=",
            compact,
            f"{prefix}soft thresholding (the derived prox in compact form)",
            lambda: check_equal(derived.result, compact),
        )
        expected, why = lam, "part (b): soft thresholding has threshold lambda"
        at_one = jump.threshold
        verdicts.append(
            decide_claim(
                builder,
                equal_verdict(_limit(at_one.subs(p, 1 - r), r, 0, "+"), threshold),
                lhs=sp.Limit(_TAU, p, 1, "-"),
                rel="=",
                rhs=threshold,
                words=f"{prefix}the threshold of part (c) tends to the soft threshold as p -> 1-",
                reason=f"{prefix}SymPy limit of tau(p, lambda) against the derived threshold",
                check=lambda: _check_limit(at_one.subs(p, 1 - r), r, 0, "+", threshold),
                refute=lambda: check_differ(_limit(at_one.subs(p, 1 - r), r, 0, "+"), threshold),
            )
        )
    elif e == 0:
        expected = _limit(jump.threshold.subs(p, 1 - r), r, 1, "-")
        why = "the limit p -> 0+ of tau(p, lambda) (part (c))"
    else:
        x_at, tau_at = jump.at(e)
        (at, low, high), *_ = derived.extra("jumps")
        builder.claim(
            sp.Tuple(low, high),
            "=",
            sp.Tuple(0, x_at),
            f"{prefix}the global route's jump at v = {plain_text(at)} goes from 0 to x*(p, lambda) of part (c)",
            lambda: _check_pair((low, high), (0, x_at)),
        )
        expected, why = tau_at, "tau(p, lambda) of part (c)"
    verdicts.append(_threshold_claim(builder, e, threshold, expected if claimed is None else claimed, why))
    return f"{_label(e)}: threshold {plain_text(threshold)}", combine(verdicts)


def _xu(builder: DerivationBuilder, jump: JumpThreshold, reference: sp.Expr) -> bool | None:
    """Part (c) at p = 1/2 against the half-thresholding formula of Xu et al. (2012), after the scaling."""
    theirs = (_y - x) ** 2 + lambda_xu * sp.sqrt(sp.Abs(x))
    ours = (x - _y) ** 2 / 2 + lam * sp.sqrt(sp.Abs(x))
    builder.cite(
        sp.Symbol("tau_Xu"),
        "=",
        reference,
        "Xu, Chang, Xu and Zhang (2012), IEEE TNNLS 23(7), Thm 1: the minimiser of (y - x)^2 + lambda_Xu |x|^(1/2) "
        "is 0 for |y| <= tau_Xu = (54^(1/3)/4) lambda_Xu^(2/3) and jumps there",
    )
    builder.claim(
        theirs / 2,
        "=",
        ours.subs(lam, lambda_xu / 2),
        "their objective divided by 2 is ours with lambda = lambda_Xu/2 (same minimisers): lambda_Xu = 2 lambda",
        lambda: check_equal(theirs / 2, ours.subs(lam, lambda_xu / 2)),
    )
    _, ours_tau = jump.at(sp.Rational(1, 2))
    converted = sp.sympify(reference).subs(lambda_xu, 2 * lam)
    return decide_claim(
        builder,
        equal_verdict(ours_tau, converted),
        lhs=_TAU.subs(p, sp.Rational(1, 2)),
        rel="=",
        rhs=converted,
        words="p = 1/2: tau(1/2, lambda) agrees with the half-thresholding threshold of Xu et al. (2012)",
        reason=f"part (c) at p = 1/2 is {plain_text(ours_tau)}; tau_Xu with lambda_Xu = 2 lambda",
        check=lambda: check_equal(ours_tau, converted),
        refute=lambda: check_unequal(ours_tau, converted),
        refuted=f"tau(1/2, lambda) = {plain_text(ours_tau)} differs from the reference {plain_text(converted)}",
    )


# --------------------------------------------------------------------------
# The theorem
# --------------------------------------------------------------------------
def lp_family(
    exponents: Iterable[Any] = EXPONENTS,
    *,
    claimed: Mapping[Any, Any] | None = None,
    reference: sp.Expr = XU_HALF_THRESHOLD,
) -> Theorem:
    """Theorem 3: the prox of ``lambda |x|^p`` has no dead zone for p > 1, soft thresholds at p = 1, jumps for p < 1.

    Parts (a) (a symbolic p > 1) and (c) (a symbolic 0 < p < 1, via
    :func:`jump_threshold`) are proved in general; then each exponent is
    checked on the toolkit's own derivation of the prox (:func:`lp_prox`):
    its threshold against the claim (0 for p > 1, lambda for p = 1,
    ``tau(p, lambda)`` for 0 < p < 1, ``sqrt(2 lambda)`` for the L0 penalty at
    p = 0), and part (c) at p = 1/2 against Xu et al. (2012).

    Parameters
    ----------
    exponents : iterable of int, fractions.Fraction or sympy.Rational
        The exponents checked on derived proxes (default :data:`EXPONENTS`);
        ``()`` keeps only the general parts (fast).
    claimed : mapping of exponent to sympy.Expr, optional
        A claimed threshold per exponent, replacing the theorem's own claim
        (a wrong one, e.g. ``{2: lambda}``, makes the theorem report that it
        does not hold).
    reference : sympy.Expr
        The half-thresholding threshold in Xu et al.'s scaling, in
        :data:`lambda_xu` (default :data:`XU_HALF_THRESHOLD`).

    Returns
    -------
    Theorem
        ``holds`` computed from the verdicts of the claims; ``instances``:
        part (a), part (c), each exponent, the comparison with Xu et al.;
        ``proof.result``: ``(x*(p, lambda), tau(p, lambda))``.

    Raises
    ------
    ValidationError
        For an exponent that is not an exact number ``>= 0``, or a claim for an exponent not checked.
    VerificationError
        If a derivation step fails its check.

    Examples
    --------
    >>> t = lp_family(exponents=())
    >>> t.holds, t.proof.result[1].subs(p, sp.Rational(1, 2))
    (True, 3*lambda**(2/3)/2)
    >>> lp_family(exponents=(2,), claimed={2: lam}).holds
    False
    """
    chosen = tuple(dict.fromkeys(_exponent(e) for e in exponents))
    claims = {_exponent(k): _claimed_threshold(k, val) for k, val in (claimed or {}).items()}
    unknown = sorted(set(claims) - set(chosen))
    if unknown:
        raise ValidationError(f"claims for exponents {unknown} that are not checked; add them to exponents")
    if not isinstance(reference, sp.Expr):
        raise ValidationError(f"reference must be a SymPy expression in lambda_xu, got {reference!r}")
    builder = DerivationBuilder(
        "Theorem 3: the Lp family",
        assumptions=(x, v, lam, p, q, r, _xp, _h, lambda_xu, _y),
    )
    builder.define(
        Prox(Penalty("g", _G, x), x, v),
        Argmin(lam * sp.Abs(x) ** p + (x - v) ** 2 / 2, x),
        "the proximal operator of g(x) = lambda |x|^p, p > 0",
    )
    above = _above_one(builder)
    jump = jump_threshold()
    builder.include(jump.derivation)
    tau_r, jump_r = jump.threshold.subs(p, 1 - r), jump.jump.subs(p, 1 - r)
    positive = combine([_positive_verdict(tau_r), _positive_verdict(jump_r)])
    below = decide_claim(
        builder,
        positive,
        lhs=sp.Tuple(_TAU, _JUMP),
        rel="=",
        rhs=sp.Tuple(jump.threshold, jump.jump),
        words="for 0 < p < 1 the prox is 0 exactly for |v| <= tau(p, lambda) > 0 and jumps by x*(p, lambda) > 0",
        reason="part (c): both positive for 0 < p < 1 (p = 1 - r, r > 0)",
        check=lambda: _both_positive(tau_r, jump_r),
        refute=lambda: check_true(lambda: positive is False, "tau > 0 and x* > 0 fails for p = 1 - r"),
    )
    instances: list[tuple[str, bool | None]] = [
        ("p > 1 (general): prox_g(v) = 0 only for v = 0", above),
        ("0 < p < 1 (general): a threshold tau(p, lambda) > 0 and a jump x*(p, lambda) > 0", below),
    ]
    for e in chosen:
        instances.append(_instance(builder, e, claims.get(e), jump))
    instances.append(
        ("p = 1/2: Xu et al. (2012) half thresholding, lambda_Xu = 2 lambda", _xu(builder, jump, reference))
    )
    statement, statement_latex = _statements(jump)
    return Theorem(
        name=NAME,
        title=TITLE,
        statement=statement,
        statement_latex=statement_latex,
        proof=builder.build(sp.Tuple(jump.jump, jump.threshold)),
        holds=combine(verdict for _, verdict in instances),
        instances=tuple(instances),
    )


def _claimed_threshold(exponent: Any, value: Any) -> sp.Expr:
    """A claimed threshold: a SymPy expression or an int (never a string to parse)."""
    if isinstance(value, int) and not isinstance(value, bool):
        return sp.Integer(value)
    if not isinstance(value, sp.Expr):
        raise ValidationError(f"the claimed threshold for p = {exponent} must be a SymPy expression, got {value!r}")
    return value


def _both_positive(first: sp.Expr, second: sp.Expr) -> Check:
    for expr in (first, second):
        check_true(lambda expr=expr: _positive_verdict(expr), f"{sp.sstr(expr)} > 0")
    return Check("symbolic", "tau > 0 and x* > 0 from the assumptions, with p = 1 - r, r > 0")


def _positive_verdict(expr: sp.Expr) -> bool | None:
    """Three-valued ``expr > 0`` from the assumptions."""
    for attempt in (lambda: expr, lambda: sp.simplify(expr)):  # the costly simplify only if needed
        verdict = attempt().is_positive
        if verdict is not None:
            return bool(verdict)
    return None


def _statements(jump: JumpThreshold) -> tuple[str, str]:
    x_text, tau_text = plain_text(jump.jump), plain_text(jump.threshold)
    statement = (
        "Let g(x) = lambda*|x|^p with lambda > 0 and prox_g(v) = argmin_x g(x) + (x - v)^2/2. "
        "(a) For p > 1, prox_g(v) = 0 only for v = 0: for v != 0 it is the root of "
        "x + lambda*p*|x|^(p-1)*sign(x) = v, which has the sign of v. "
        "(b) For p = 1 it is soft thresholding with threshold lambda. "
        f"(c) For 0 < p < 1 it is 0 for |v| < tau(p, lambda) = {tau_text} and jumps at |v| = tau to "
        f"sign(v)*x*(p, lambda), x* = {x_text}; as p -> 1 the threshold tends to lambda and the jump to 0, as "
        "p -> 0 both tend to sqrt(2*lambda) (hard thresholding)."
    )
    g = latex_of(Penalty("g", _G, x))
    prox_v = latex_of(Prox(sp.Symbol("g"), x, v))
    statement_latex = (
        f"Let ${g} = {latex_of(lam * sp.Abs(x) ** p)}$ with ${latex_of(lam)} > 0$ and "
        f"${prox_v} = {latex_of(Argmin(_G + (x - v) ** 2 / 2, x))}$. "
        f"(a) For $p > 1$, ${prox_v} = 0$ only for $v = 0$: for $v \\neq 0$ it is the root of "
        f"${latex_of(x + lam * p * sp.Abs(x) ** (p - 1) * sp.sign(x))} = v$, which has the sign of $v$. "
        f"(b) For $p = 1$ it is soft thresholding with threshold ${latex_of(lam)}$. "
        f"(c) For $0 < p < 1$ it is $0$ for $|v| < \\tau = {latex_of(jump.threshold)}$ and jumps at $|v| = \\tau$ "
        f"to $\\operatorname{{sign}}(v)\\, x^*$, $x^* = {latex_of(jump.jump)}$; as $p \\to 1$ the threshold tends "
        f"to ${latex_of(lam)}$ and the jump to $0$, as $p \\to 0$ both tend to ${latex_of(sp.sqrt(2 * lam))}$ "
        "(hard thresholding)."
    )
    return statement, statement_latex
