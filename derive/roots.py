"""Real roots of low-degree polynomials, written in real form.

SymPy's ``solve`` writes the roots of a cubic with Cardano's formula and
complex intermediate quantities (``(-1/2 - sqrt(3)*I/2)*(...)**(1/3)``) even
when the root is real.  A prox derivation wants a formula that is visibly real
for the ``v`` it applies to, so this module offers, for a polynomial of degree
at most four, candidate root formulas that are real on their own domain:

* degree 1 and 2: the linear and quadratic formulas;
* degree 3, after the shift to the depressed cubic ``u^3 + P u + Q = 0``:
  Cardano's formula with positive radicands when there is one real root
  (``Q^2/4 + P^3/27 > 0``), and Viète's trigonometric formula for each of the
  three real roots when ``Q^2/4 + P^3/27 < 0`` (the *casus irreducibilis*);
* degree 4, after the shift to ``u^4 + p u^2 + q u + r = 0``: Ferrari's
  method, splitting the quartic into two quadratics with a positive root of
  the resolvent cubic (itself from the cubic formulas above).

The formulas are *candidates*: which one is the root a derivation needs, and
that it really is a root, is decided by the caller with checks at sample
points (see :func:`derive.prox.prox`), never assumed here.

References: G. Cardano, *Ars Magna* (1545), ch. XI; F. Viète, *De aequationum
recognitione et emendatione* (1615); L. Ferrari, in *Ars Magna*, ch. XXXIX;
R. W. D. Nickalls, "A new approach to solving the cubic", *Math. Gazette* 77
(1993) for the trigonometric and hyperbolic forms.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import sympy as sp

from .penalties import sign_of

__all__ = ["RootFormula", "root_formulas", "iter_root_formulas", "real_cbrt"]


@dataclass(frozen=True, slots=True)
class RootFormula:
    """One candidate root of a polynomial and the rule that produced it."""

    expr: sp.Expr
    rule: str


def real_cbrt(w: Any, sign: int | None = None) -> sp.Expr:
    """The real cube root of ``w``: ``w**(1/3)`` if ``w > 0``, ``-(-w)**(1/3)`` if ``w < 0``.

    ``sign`` is the known sign of ``w`` (``None``: use ``sign(w)*|w|**(1/3)``).

    Examples
    --------
    >>> import sympy as sp
    >>> real_cbrt(sp.Integer(-8))
    -2
    """
    w = sp.sympify(w)
    if sign is None:
        sign = sign_of(w)
    if sign is not None and sign > 0:
        return sp.cbrt(w)
    if sign is not None and sign < 0:
        return -sp.cbrt(-w)
    if sign == 0:
        return sp.Integer(0)
    return sp.sign(w) * sp.cbrt(sp.Abs(w))


def _cubic(u: sp.Symbol, P: sp.Expr, Q: sp.Expr, assumptions: Any) -> Iterator[RootFormula]:
    """Candidate real roots of ``u^3 + P u + Q = 0``, each built only when asked for (a generator)."""
    P, Q = sp.simplify(P), sp.simplify(Q)
    if P == 0:
        yield RootFormula(real_cbrt(-Q), "u^3 = -Q: the real cube root")
        return
    S = sp.sqrt(Q**2 / 4 + P**3 / 27)
    p_sign, q_sign = sign_of(P, assumptions), sign_of(Q, assumptions)
    if p_sign is None or p_sign > 0:
        # S > |Q|/2, so both radicands are positive.
        yield RootFormula(
            sp.cbrt(S - Q / 2) - sp.cbrt(S + Q / 2),
            "Cardano's formula; P > 0, so Q^2/4 + P^3/27 > Q^2/4 and both radicands are positive (the only real root)",
        )
    if p_sign is None or p_sign < 0:
        # One real root when Q^2/4 + P^3/27 > 0: then S < |Q|/2 and both radicands have the sign of -Q.
        if q_sign is None or q_sign < 0:
            yield RootFormula(
                sp.cbrt(-Q / 2 + S) + sp.cbrt(-Q / 2 - S),
                "Cardano's formula where Q^2/4 + P^3/27 > 0 and Q < 0 (both radicands positive)",
            )
        if q_sign is None or q_sign > 0:
            yield RootFormula(
                -sp.cbrt(Q / 2 + S) - sp.cbrt(Q / 2 - S),
                "Cardano's formula where Q^2/4 + P^3/27 > 0 and Q > 0 (both radicands positive)",
            )
        # Three real roots when Q^2/4 + P^3/27 < 0 (Viète).
        angle = sp.acos(3 * Q / (2 * P) * sp.sqrt(-3 / P)) / 3
        for k in range(3):
            yield RootFormula(
                2 * sp.sqrt(-P / 3) * sp.cos(angle - 2 * sp.pi * k / 3),
                f"Viète's trigonometric formula (three real roots, k = {k}) where Q^2/4 + P^3/27 < 0",
            )


def _quartic(u: sp.Symbol, p: sp.Expr, q: sp.Expr, r: sp.Expr, assumptions: Any) -> Iterator[RootFormula]:
    """Candidate real roots of ``u^4 + p u^2 + q u + r = 0`` (Ferrari), each built only when asked for."""
    if sp.simplify(q) == 0:  # biquadratic: a quadratic in u^2
        for w in _quadratic(sp.Integer(1), p, r):
            yield RootFormula(sp.sqrt(w.expr), "biquadratic: u^2 from the quadratic formula, u >= 0")
            yield RootFormula(-sp.sqrt(w.expr), "biquadratic: u^2 from the quadratic formula, u <= 0")
        return
    m = sp.Dummy("m")
    # (u^2 + p/2 + m)^2 = 2m u^2 - q u + (m^2 + m p + p^2/4 - r): a square in u iff the resolvent vanishes.
    resolvent = sp.Poly(8 * m**3 + 8 * p * m**2 + (2 * p**2 - 8 * r) * m - q**2, m)
    for mroot in _from_poly(resolvent, m, assumptions):
        w = sp.sqrt(2 * mroot.expr)
        for sigma in (1, -1):
            # u^2 - sigma*w*u + (p/2 + m + sigma*q/(2w)) = 0
            constant = p / 2 + mroot.expr + sigma * q / (2 * w)
            disc = sp.sqrt(w**2 - 4 * constant)
            for tau in (1, -1):
                yield RootFormula(
                    (sigma * w + tau * disc) / 2,
                    f"Ferrari's method: resolvent root m by {mroot.rule}; the quartic splits into "
                    "(u^2 + p/2 + m)^2 = 2m (u - q/(4m))^2",
                )


def _quadratic(a2: sp.Expr, a1: sp.Expr, a0: sp.Expr) -> list[RootFormula]:
    disc = sp.sqrt(a1**2 - 4 * a2 * a0)
    return [
        RootFormula((-a1 + disc) / (2 * a2), "quadratic formula, + root"),
        RootFormula((-a1 - disc) / (2 * a2), "quadratic formula, - root"),
    ]


def _from_poly(poly: sp.Poly, t: sp.Symbol, assumptions: Any) -> Iterator[RootFormula]:
    """The candidates for a polynomial of degree 1 to 4, in a fixed order, each built only when asked for."""
    coeffs = poly.all_coeffs()
    degree = poly.degree()
    if degree == 1:
        yield RootFormula(-coeffs[1] / coeffs[0], "linear equation")
    elif degree == 2:
        yield from _quadratic(*coeffs)
    elif degree == 3:
        a3, a2, a1, a0 = coeffs
        b, c, d = a2 / a3, a1 / a3, a0 / a3
        shift = -b / 3  # t = u + shift
        P = sp.expand(c - b**2 / 3)
        Q = sp.expand(2 * b**3 / 27 - b * c / 3 + d)
        for f in _cubic(t, P, Q, assumptions):
            yield RootFormula(f.expr + shift, f.rule)
    elif degree == 4:
        a4, a3, a2, a1, a0 = coeffs
        b, c, d, e = a3 / a4, a2 / a4, a1 / a4, a0 / a4
        shift = -b / 4
        p = sp.expand(c - 3 * b**2 / 8)
        q = sp.expand(b**3 / 8 - b * c / 2 + d)
        r = sp.expand(-3 * b**4 / 256 + b**2 * c / 16 - b * d / 4 + e)
        for f in _quartic(t, p, q, r, assumptions):
            yield RootFormula(f.expr + shift, f.rule)


def root_formulas(polynomial: Any, t: sp.Symbol, *, assumptions: Any = sp.true) -> list[RootFormula]:
    """Candidate real root formulas of a polynomial in ``t`` of degree 1 to 4 (empty otherwise).

    Parameters
    ----------
    polynomial : sympy.Expr
        A polynomial in ``t`` whose coefficients may contain other symbols.
    t : sympy.Symbol
        The unknown.
    assumptions : sympy Boolean, optional
        Facts used to decide the signs that select the formulas.

    Returns
    -------
    list of RootFormula
        Formulas each of which is a real root where its rule says it applies.

    Examples
    --------
    >>> import sympy as sp
    >>> t, v = sp.Symbol("t"), sp.Symbol("v", real=True)
    >>> [f.expr for f in root_formulas(t**3 + 3*t - v, t)]
    [-(-v/2 + sqrt(v**2/4 + 1))**(1/3) + (v/2 + sqrt(v**2/4 + 1))**(1/3)]
    """
    return list(iter_root_formulas(polynomial, t, assumptions=assumptions))


def iter_root_formulas(polynomial: Any, t: sp.Symbol, *, assumptions: Any = sp.true) -> Iterator[RootFormula]:
    """:func:`root_formulas` as a generator, in the same order: each formula is built only when asked for.

    A caller that stops at the first candidate passing its checks (as
    :func:`derive.prox.solve_stationarity` does) then never builds the others;
    for a quartic, Ferrari's method gives up to 20 of them.

    Examples
    --------
    >>> import sympy as sp
    >>> t = sp.Symbol("t")
    >>> next(iter_root_formulas(t**2 - 4, t)).expr
    2
    """
    poly = sp.Poly(sp.expand(polynomial), t)
    if poly.degree() < 1 or poly.degree() > 4:
        return
    yield from _from_poly(poly, t, assumptions)
