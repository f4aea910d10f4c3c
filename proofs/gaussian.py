"""The normal distribution for the probability theorems: Φ, φ and checked Gaussian integrals.

Theorems 5, 6 and 8 (:mod:`proofs.zero_probability`, :mod:`proofs.risk`,
:mod:`proofs.bayes`) integrate derived estimators against normal densities.
This module holds what they share:

* :class:`Phi` and :class:`phi`, the standard normal distribution function and
  density as unevaluated SymPy functions (printed ``\\Phi`` and ``\\varphi``);
  :func:`normal_definitions` adds the steps that tie them to
  :mod:`sympy.stats` (``Phi(t) = cdf(Normal(0, 1))(t)``, ``phi = Phi'``), so
  their elementary forms are checked, not assumed;
* :func:`gaussian_integral`, one checked step ``∫_a^b f(z) N(z; m, s^2) dz =
  value``: SymPy integrates after the substitution ``t = (z - m)/s`` and the
  antiderivative is *differentiated back* to the integrand (the inverse
  operation) before the limits are taken (the fundamental theorem of
  calculus);
* :func:`piecewise_expectation`, the expectation of a function of a piecewise
  estimator, one such integral per region of the derived cases;
* :func:`check_quadrature`, a numeric check of a closed form against
  :func:`mpmath.quad` at seeded parameter values;
* :func:`normal_numeric`, a vectorised NumPy function of an expression with
  ``erf`` (``derive.numeric`` prints no special functions).

Display-only objects :class:`Prob` and :class:`Expect` print ``P(...)`` and
``E[...]``.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable, Sequence
from typing import Any

import mpmath
import numpy as np
import sympy as sp

from derive.checks import DIGITS, SEED, TOLERANCE, at_point, check_equal, is_zero, sample_points
from derive.core import Check, DerivationBuilder
from derive.errors import VerificationError
from derive.printing.text import expr_to_text
from derive.subgradient import describe

__all__ = [
    "Phi",
    "phi",
    "Prob",
    "Expect",
    "Indicator",
    "Distributed",
    "elementary",
    "check_same",
    "normal_definitions",
    "normal_density",
    "gaussian_integral",
    "normal_integral",
    "piecewise_expectation",
    "tidy",
    "check_quadrature",
    "check_unequal",
    "equal_verdict",
    "check_positive",
    "normal_numeric",
]

_t = sp.Symbol("t", real=True)


# --------------------------------------------------------------------------
# Φ and φ
# --------------------------------------------------------------------------
class Phi(sp.Function):
    """The standard normal distribution function ``Φ(t) = P(N(0, 1) <= t)``.

    Unevaluated except at 0 and ±oo; ``rewrite(sp.erf)`` gives
    ``(1 + erf(t/sqrt(2)))/2``, which :func:`normal_definitions` checks against
    ``sympy.stats.cdf(Normal(0, 1))``.  Its derivative is :class:`phi`.

    Examples
    --------
    >>> Phi(0), Phi(sp.oo), Phi(-sp.oo)
    (1/2, 1, 0)
    >>> Phi(_t).rewrite(sp.erf)
    erf(sqrt(2)*t/2)/2 + 1/2
    >>> sp.diff(Phi(2*_t), _t)
    2*phi(2*t)
    """

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg is sp.S.Infinity:
            return sp.S.One
        if arg is sp.S.NegativeInfinity:
            return sp.S.Zero
        if arg.is_zero:
            return sp.S.Half
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return phi(self.args[0])

    def _eval_rewrite_as_erf(self, arg: sp.Expr, **kwargs: Any) -> sp.Expr:
        return (1 + sp.erf(arg / sp.sqrt(2))) / 2

    def _eval_rewrite_as_erfc(self, arg: sp.Expr, **kwargs: Any) -> sp.Expr:
        # No cancellation in the lower tail (1 + erf(x) loses every digit for x << 0).
        # Unevaluated: SymPy would turn erfc(-x) into 2 - erfc(x), cancelling again for symbolic x.
        return sp.erfc(-arg / sp.sqrt(2), evaluate=False) / 2

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.rewrite(sp.erfc)._eval_evalf(prec)

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _eval_is_positive(self) -> bool | None:
        return True if self.args[0].is_finite and self.args[0].is_real else None

    def _latex(self, printer: Any, exp: Any = None) -> str:
        body = f"\\Phi\\left({printer._print(self.args[0])}\\right)"
        return body if exp is None else f"{body}^{{{exp}}}"

    def _sympystr(self, printer: Any) -> str:
        return f"Phi({printer._print(self.args[0])})"


class phi(sp.Function):
    """The standard normal density ``φ(t) = exp(-t^2/2)/sqrt(2 pi)``, the derivative of :class:`Phi`.

    Examples
    --------
    >>> phi(_t).rewrite(sp.exp)
    sqrt(2)*exp(-t**2/2)/(2*sqrt(pi))
    >>> sp.diff(phi(_t), _t)
    -t*phi(t)
    """

    @classmethod
    def eval(cls, arg: sp.Expr) -> sp.Expr | None:
        if arg in (sp.S.Infinity, sp.S.NegativeInfinity):
            return sp.S.Zero
        return None

    def fdiff(self, argindex: int = 1) -> sp.Expr:
        return -self.args[0] * phi(self.args[0])

    def _eval_rewrite_as_exp(self, arg: sp.Expr, **kwargs: Any) -> sp.Expr:
        return sp.exp(-(arg**2) / 2) / sp.sqrt(2 * sp.pi)

    def _eval_evalf(self, prec: int) -> sp.Expr:
        return self.rewrite(sp.exp)._eval_evalf(prec)

    def _eval_is_real(self) -> bool | None:
        return self.args[0].is_real

    def _eval_is_positive(self) -> bool | None:
        return True if self.args[0].is_finite and self.args[0].is_real else None

    def _latex(self, printer: Any, exp: Any = None) -> str:
        body = f"\\varphi\\left({printer._print(self.args[0])}\\right)"
        return body if exp is None else f"{body}^{{{exp}}}"

    def _sympystr(self, printer: Any) -> str:
        return f"phi({printer._print(self.args[0])})"


def elementary(expr: Any, *, via: Any = sp.erf) -> Any:
    """Replace :class:`Phi` by its ``erf`` (or ``erfc``) form and :class:`phi` by its ``exp`` form.

    ``via=sp.erfc`` is the form to evaluate numerically: ``erfc(-t/sqrt(2))/2``
    keeps its digits in the lower tail, where ``(1 + erf(t/sqrt(2)))/2`` cancels.

    Examples
    --------
    >>> elementary(Phi(_t) + phi(_t))
    erf(sqrt(2)*t/2)/2 + 1/2 + sqrt(2)*exp(-t**2/2)/(2*sqrt(pi))
    >>> elementary(Phi(_t), via=sp.erfc)
    erfc(-sqrt(2)*t/2)/2
    """
    expr = sp.sympify(expr)
    return expr.replace(lambda e: isinstance(e, Phi), lambda e: e.rewrite(via)).replace(
        lambda e: isinstance(e, phi), lambda e: e.rewrite(sp.exp)
    )


def check_same(lhs: Any, rhs: Any, *, condition: Any = sp.true) -> Check:
    """Check ``lhs = rhs`` with Φ and φ written out: symbolically if SymPy can, else numerically.

    Examples
    --------
    >>> check_same(Phi(_t) + Phi(-_t), 1).method
    'symbolic'
    """
    if condition is sp.true:
        difference = elementary(lhs) - elementary(rhs)
        for attempt in (lambda e: e, sp.expand, lambda e: sp.expand(sp.powsimp(sp.expand(e)))):
            if is_zero(attempt(difference)) is True:
                return Check("symbolic", "Phi, phi written with erf, exp; simplify(lhs - rhs) = 0")
    return check_equal(elementary(lhs, via=sp.erfc), elementary(rhs, via=sp.erfc), condition=condition)


def check_unequal(lhs: Any, rhs: Any, *, condition: Any = sp.true, count: int = 8) -> Check:
    """Check ``lhs != rhs`` (as functions of their symbols): a seeded point where they differ, or raise.

    Examples
    --------
    >>> check_unequal(Phi(_t), phi(_t)).method
    'numeric'
    """
    left, right = elementary(lhs, via=sp.erfc), elementary(rhs, via=sp.erfc)
    symbols = sorted((left.free_symbols | right.free_symbols) - {sp.S.true}, key=lambda s: s.name)
    for point in sample_points(symbols, condition, count=count):
        a, b = sp.N(at_point(left, point), DIGITS), sp.N(at_point(right, point), DIGITS)
        if abs(a - b) > TOLERANCE * max(1, abs(a), abs(b)) * 10**10:
            shown = ", ".join(f"{k}={val}" for k, val in point.items())
            detail = f"they differ at {shown}: {sp.N(a, 8)} vs {sp.N(b, 8)} (seed {SEED}, {DIGITS} digits)"
            return Check("numeric", detail)
    raise VerificationError(f"could not show that {sp.sstr(lhs)} and {sp.sstr(rhs)} differ")


def equal_verdict(lhs: Any, rhs: Any, *, condition: Any = sp.true) -> bool | None:
    """Three-valued ``lhs = rhs``: True if :func:`check_same` verifies it, False if :func:`check_unequal` does.

    Examples
    --------
    >>> equal_verdict(Phi(_t) + Phi(-_t), 1), equal_verdict(Phi(_t), 1), equal_verdict(sp.Symbol("u"), 0)
    (True, False, False)
    """
    try:
        check_same(lhs, rhs, condition=condition)
        return True
    except VerificationError:
        pass
    try:
        check_unequal(lhs, rhs, condition=condition)
        return False
    except VerificationError:
        return None


def check_positive(expr: Any, why: str) -> Check:
    """Check ``expr > 0`` from the symbols' assumptions (SymPy's sign rules), or raise.

    Examples
    --------
    >>> check_positive(phi(_t), "a density").method
    'symbolic'
    """
    verdict = sp.sympify(expr).is_positive
    if verdict is True:
        return Check("symbolic", f"{why}: positive from the assumptions")
    raise VerificationError(f"{sp.sstr(expr)} > 0 ({why}): {'false' if verdict is False else 'SymPy could not decide'}")


# --------------------------------------------------------------------------
# Display-only objects
# --------------------------------------------------------------------------
class Prob(sp.Expr):
    """``P(event)`` (display only; never evaluates)."""

    is_commutative = True

    def __new__(cls, event: sp.Basic) -> Prob:
        return super().__new__(cls, event)

    def _latex(self, printer: Any) -> str:
        return f"\\operatorname{{P}}\\left({printer._print(self.args[0])}\\right)"

    def _sympystr(self, printer: Any) -> str:
        return f"P({printer._print(self.args[0])})"


class Expect(sp.Expr):
    """``E[expr]`` (display only; never evaluates)."""

    is_commutative = True

    def __new__(cls, expr: sp.Basic) -> Expect:
        return super().__new__(cls, expr)

    def _latex(self, printer: Any) -> str:
        return f"\\operatorname{{E}}\\left[{printer._print(self.args[0])}\\right]"

    def _sympystr(self, printer: Any) -> str:
        return f"E[{printer._print(self.args[0])}]"


class Indicator(sp.Expr):
    """``1{event}``, the indicator of an event (display only; never evaluates)."""

    is_commutative = True

    def __new__(cls, event: sp.Basic) -> Indicator:
        return super().__new__(cls, event)

    def _latex(self, printer: Any) -> str:
        return f"\\mathbf{{1}}\\left\\{{{printer._print(self.args[0])}\\right\\}}"

    def _sympystr(self, printer: Any) -> str:
        return f"1{{{printer._print(self.args[0])}}}"


class Distributed(sp.Expr):
    """``z ~ N(m, s^2)`` (display only; never evaluates)."""

    is_commutative = True

    def __new__(cls, variable: sp.Basic, mean: sp.Basic, variance: sp.Basic) -> Distributed:
        return super().__new__(cls, variable, mean, variance)

    def _latex(self, printer: Any) -> str:
        variable, mean, variance = (printer._print(a) for a in self.args)
        return f"{variable} \\sim \\mathcal{{N}}\\left({mean}, {variance}\\right)"

    def _sympystr(self, printer: Any) -> str:
        variable, mean, variance = (printer._print(a) for a in self.args)
        return f"{variable} ~ N({mean}, {variance})"


# --------------------------------------------------------------------------
# Steps
# --------------------------------------------------------------------------
def normal_definitions(builder: DerivationBuilder) -> None:
    """Add ``Φ(t) = cdf(N(0,1))(t)`` and ``φ(t) = Φ'(t) = density(N(0,1))(t)``, checked against sympy.stats."""
    from sympy.stats import Normal, cdf, density

    standard = Normal("N", 0, 1)
    builder.equal(
        elementary(Phi(_t)),
        cdf(standard)(_t),
        "Phi is the distribution function of N(0, 1) (sympy.stats cdf; its erf form is compared)",
        show=Phi(_t),
    )
    builder.equal(
        elementary(phi(_t)),
        sp.diff(cdf(standard)(_t), _t),
        "phi = Phi', the density of N(0, 1) (derivative of the sympy.stats cdf)",
        show=phi(_t),
    )
    builder.claim(
        phi(_t),
        "=",
        density(standard)(_t),
        "the same density from sympy.stats",
        lambda: check_same(phi(_t), density(standard)(_t)),
    )


def normal_density(variable: sp.Symbol, mean: Any, sd: Any) -> sp.Expr:
    """``φ((variable - mean)/sd)/sd``, the N(mean, sd^2) density, in the :class:`phi` notation."""
    return phi((variable - mean) / sd) / sd


def _antiderivative_check(
    integrand: sp.Expr, variable: sp.Symbol, antiderivative: sp.Expr, lo: Any, hi: Any, value: sp.Expr
) -> Check:
    derivative = sp.diff(antiderivative, variable)
    verdict = None
    for attempt in (lambda e: e, sp.expand, sp.simplify):
        verdict = is_zero(attempt(derivative - integrand))
        if verdict is True:
            break
    if verdict is not True:
        numeric = check_equal(derivative, integrand)  # raises if it is not an antiderivative
        how = f"antiderivative differentiated back to the integrand ({numeric.detail})"
        return Check("numeric", how)
    return Check(
        "symbolic",
        f"antiderivative G(t) differentiated back to the integrand (simplify = 0); value = G({sp.sstr(hi)}) - "
        f"G({sp.sstr(lo)}), limits at infinite ends",
    )


def _end_value(antiderivative: sp.Expr, variable: sp.Symbol, end: Any) -> sp.Expr:
    end = sp.sympify(end)
    if end.is_infinite:
        return sp.limit(antiderivative, variable, end)
    return antiderivative.subs(variable, end)


def _monomial_exponential(term: sp.Expr, t: sp.Symbol) -> tuple[int, sp.Expr, sp.Expr] | None:
    """``(k, beta, c)`` with ``term = t^k exp(beta t + c)`` (k >= 0, beta and c free of t), else None."""
    k, exponent = 0, sp.S.Zero
    for factor in sp.Mul.make_args(term):
        if factor is sp.S.One:
            continue
        if factor == t:
            k += 1
        elif factor.is_Pow and factor.base == t and factor.exp.is_Integer and factor.exp >= 0:
            k += int(factor.exp)
        elif isinstance(factor, sp.exp):
            exponent += factor.args[0]
        else:
            return None
    exponent = sp.expand(exponent)
    beta, c = exponent.coeff(t, 1), exponent.coeff(t, 0)
    if beta.has(t) or c.has(t) or sp.expand(exponent - beta * t - c) != 0:
        return None
    return k, beta, c


def _moment_antiderivatives(u: sp.Expr, k: int) -> list[tuple[sp.Expr, sp.Expr]]:
    """``I_j = ∫ u^j φ(u) du`` for ``j = 0..k`` as ``(a_j, P_j)``: ``I_j = a_j erf(u/sqrt(2)) + P_j``.

    Integration by parts: ``I_0 = erf(u/sqrt(2))/2``, ``I_1 = -φ(u)`` and
    ``I_j = -u^(j-1) φ(u) + (j - 1) I_(j-2)``, with ``φ(u) = exp(-u^2/2)/sqrt(2 pi)``;
    ``a_j`` is a number and ``P_j`` a polynomial in u times ``φ(u)``.
    """
    density = sp.exp(-(u**2) / 2) / sp.sqrt(2 * sp.pi)
    moments: list[tuple[sp.Expr, sp.Expr]] = [(sp.S.Half, sp.S.Zero), (sp.S.Zero, -density)]
    for j in range(2, k + 1):
        coefficient, rest = moments[j - 2]
        moments.append(((j - 1) * coefficient, -(u ** (j - 1)) * density + (j - 1) * rest))
    return moments[: k + 1]


def _normal_antiderivative(shifted: sp.Expr, t: sp.Symbol) -> tuple[sp.Expr, sp.Expr] | None:
    """An antiderivative of ``shifted(t) φ(t)`` for ``shifted`` a sum of ``t^k exp(beta t + c)``, or None.

    Completing the square, ``t^k exp(beta t + c) φ(t) = exp(c + beta^2/2) t^k φ(t - beta)``;
    with ``u = t - beta`` and ``t^k = sum_j C(k, j) beta^(k-j) u^j`` each term is a
    moment integral (:func:`_moment_antiderivatives`).  Returns the antiderivative
    and ``K``, its limit at +oo (the limit at -oo is ``-K``): ``erf(u/sqrt(2))``
    tends to ±1 and a polynomial times ``exp(-u^2/2)`` to 0.  The caller checks the
    antiderivative by differentiating it back.
    """
    antiderivative, at_infinity = sp.S.Zero, sp.S.Zero
    for term in sp.Add.make_args(sp.expand(shifted)):
        constant, rest = term.as_independent(t, as_Add=False)
        found = _monomial_exponential(rest, t)
        if found is None:
            return None
        k, beta, c = found
        scale = constant * sp.exp(c + beta**2 / 2)
        u = t - beta
        error_function = sp.erf(u / sp.sqrt(2))
        for j, (coefficient, rest_j) in enumerate(_moment_antiderivatives(u, k)):
            weight = scale * sp.binomial(k, j) * beta ** (k - j)
            antiderivative += weight * (coefficient * error_function + rest_j)
            at_infinity += weight * coefficient
    return antiderivative, at_infinity


@functools.lru_cache(maxsize=256)
def _integrate_normal(
    factor: sp.Expr, variable: sp.Symbol, lo: Any, hi: Any, mean: Any, sd: Any
) -> tuple[Any, ...] | None:
    """Integrate ``factor(z) * N(z; mean, sd^2)`` over (lo, hi).

    Returns the value, the antiderivative in ``t = (z - mean)/sd``, ``t``,
    its ends and the integrand in ``t``; None if no antiderivative is found.
    Sums of ``t^k exp(beta t + c)`` are integrated by parts after completing the
    square (:func:`_normal_antiderivative`, limits at ±oo read off the ``erf``
    terms); anything else goes to :func:`sympy.integrate` and :func:`sympy.limit`.
    """
    t = sp.Dummy("t", real=True)
    gauss = sp.exp(-(t**2) / 2) / sp.sqrt(2 * sp.pi)
    shifted = factor.xreplace({variable: mean + sd * t})
    integrand_t = shifted * gauss
    t_lo, t_hi = (sp.simplify((sp.sympify(end) - mean) / sd) for end in (lo, hi))
    found = _normal_antiderivative(shifted, t)
    if found is not None:
        antiderivative, at_infinity = found

        def end_value(end: sp.Expr) -> sp.Expr:
            if end is sp.S.Infinity:
                return at_infinity
            if end is sp.S.NegativeInfinity:
                return -at_infinity
            return antiderivative.xreplace({t: end})

        value = end_value(t_hi) - end_value(t_lo)
        return tidy(value), antiderivative, t, t_lo, t_hi, integrand_t
    # Term by term, constants pulled out and one exponential per term (t^k exp(quadratic in t)): SymPy
    # integrates those, not products of exponentials.
    antiderivative = sp.S.Zero
    for term in sp.Add.make_args(sp.expand(shifted)):
        constant, rest = term.as_independent(t, as_Add=False)
        antiderivative += constant * sp.integrate(sp.powsimp(rest * gauss, combine="exp"), t)
    if antiderivative.has(sp.Integral):
        return None
    value = _end_value(antiderivative, t, t_hi) - _end_value(antiderivative, t, t_lo)
    return tidy(value), antiderivative, t, t_lo, t_hi, integrand_t


def normal_integral(factor: Any, variable: sp.Symbol, lo: Any, hi: Any, mean: Any, sd: Any) -> tuple[sp.Expr, Check]:
    """``∫_lo^hi factor(z) N(z; mean, sd^2) dz`` and its check, without a builder.

    The check is that of :func:`gaussian_integral`: the antiderivative in
    ``t = (z - mean)/sd`` differentiated back to the integrand.

    Raises
    ------
    VerificationError
        If no antiderivative is found or it does not differentiate back.

    Examples
    --------
    >>> m = sp.Symbol("m", real=True)
    >>> value, check = normal_integral(1, _t, -sp.oo, sp.oo, m, 1)
    >>> value, check.method
    (1, 'symbolic')
    """
    factor, mean, sd = sp.sympify(factor), sp.sympify(mean), sp.sympify(sd)
    found = _integrate_normal(factor, variable, sp.sympify(lo), sp.sympify(hi), mean, sd)
    if found is None:
        raise VerificationError(f"SymPy found no antiderivative of {sp.sstr(factor)} times a normal density")
    value, antiderivative, t, t_lo, t_hi, integrand_t = found
    return value, _antiderivative_check(integrand_t, t, antiderivative, t_lo, t_hi, value)


def gaussian_integral(
    builder: DerivationBuilder,
    factor: Any,
    variable: sp.Symbol,
    lo: Any,
    hi: Any,
    mean: Any,
    sd: Any,
    reason: str,
) -> sp.Expr:
    """Add ``∫_lo^hi factor(z) N(z; mean, sd^2) dz = value`` as a checked step; return the value.

    SymPy integrates after the substitution ``t = (z - mean)/sd``; the step's
    check differentiates the antiderivative back to the integrand (the inverse
    operation), so the value is the antiderivative's increment between the
    ends (limits at infinite ends; the fundamental theorem of calculus).

    Raises
    ------
    VerificationError
        If SymPy finds no antiderivative or the antiderivative does not differentiate back.

    Examples
    --------
    >>> b = DerivationBuilder("demo")
    >>> z, m = sp.Symbol("z", real=True), sp.Symbol("m", real=True)
    >>> gaussian_integral(b, z, z, -sp.oo, sp.oo, m, 1, "the mean")
    m
    >>> b.steps[0].check.method
    'symbolic'
    """
    factor, mean, sd = sp.sympify(factor), sp.sympify(mean), sp.sympify(sd)
    shown = sp.Integral(factor * normal_density(variable, mean, sd), (variable, lo, hi))
    found = _integrate_normal(factor, variable, sp.sympify(lo), sp.sympify(hi), mean, sd)
    if found is None:
        raise VerificationError(f"SymPy found no antiderivative of {sp.sstr(factor)} times a normal density")
    value, antiderivative, t, t_lo, t_hi, integrand_t = found
    builder.claim(
        shown,
        "=",
        value,
        f"{reason}: substitute t = {sp.sstr((variable - mean) / sd)} and integrate",
        lambda: _antiderivative_check(integrand_t, t, antiderivative, t_lo, t_hi, value),
    )
    return value


def piecewise_expectation(
    builder: DerivationBuilder,
    cases: Sequence[tuple[Any, Any]],
    variable: sp.Symbol,
    loss: Callable[[sp.Expr], sp.Expr],
    mean: Any,
    sd: Any,
    what: str,
    *,
    show: Any = None,
) -> tuple[sp.Expr, tuple[sp.Expr, ...]]:
    """``E[loss(estimate(z))]`` for ``z ~ N(mean, sd^2)``: one checked integral per region of the cases.

    ``cases`` are ``(value, region)`` pairs of a derived piecewise estimate
    (regions partition the real line); one-point regions have probability 0
    and contribute nothing (a step records it).  A last step states
    ``show = total`` (``show`` defaults to ``E[loss(eta)]``), checked against
    the sum of the integrals.  Returns the total (:func:`tidy`) and the
    per-region values.
    """
    parts: list[sp.Expr] = []
    for value, region in cases:
        if isinstance(region, sp.FiniteSet):
            builder.note(
                f"{what}: the region {sp.sstr(region)} is a single point, of probability 0 under a density",
                "a continuous distribution gives every point probability 0",
            )
            continue
        integrand = loss(sp.sympify(value))
        if sp.sympify(integrand).is_zero:
            parts.append(sp.S.Zero)  # nothing to integrate where the integrand is 0
            continue
        parts.append(
            gaussian_integral(
                builder,
                integrand,
                variable,
                region.start,
                region.end,
                mean,
                sd,
                f"{what} where {describe(region, variable)}, where the case is {expr_to_text(value)}",
            )
        )
    total = tidy(sp.Add(*parts))
    shown = Expect(loss(sp.Function("eta")(variable))) if show is None else show
    builder.claim(
        shown,
        "=",
        total,
        f"{what}: the sum of the integrals over the regions (where the integrand is 0 it contributes 0)",
        lambda: check_equal(total, sp.Add(*parts)),
    )
    return total, tuple(parts)


def tidy(expr: Any) -> sp.Expr:
    """A readable form of a sum of Gaussian integrals: expanded, exponentials combined, collected on erf.

    Examples
    --------
    >>> tidy(sp.exp(_t) * sp.exp(-_t**2) + 2 * sp.erf(_t) - sp.erf(_t))
    exp(-t**2 + t) + erf(t)
    """
    expanded = sp.powsimp(sp.expand(sp.powsimp(sp.expand(expr))))
    return sp.collect(expanded, list(expanded.atoms(sp.erf)))


# --------------------------------------------------------------------------
# Numeric checks and evaluation
# --------------------------------------------------------------------------
#: Digits of the quadrature checks (mpmath.quad on split intervals reaches about this).
QUAD_DIGITS = 30
#: Relative tolerance of the quadrature checks.
QUAD_TOLERANCE = mpmath.mpf(10) ** -20


def check_quadrature(
    reference: Callable[[dict[sp.Symbol, sp.Rational]], Any],
    value: Any,
    symbols: Sequence[sp.Symbol],
    *,
    condition: Any = sp.true,
    count: int = 6,
    what: str = "",
) -> Check:
    """Compare a closed form with a numerical integral ``reference(point)`` at seeded points.

    ``reference`` computes the integral with :func:`mpmath.quad` at
    :data:`QUAD_DIGITS` digits for a point (a dict of exact rationals from
    :func:`derive.checks.sample_points`); ``value`` is evaluated there with
    SymPy at the same precision.

    Raises
    ------
    VerificationError
        At the first point where they differ by more than :data:`QUAD_TOLERANCE` (relative).
    """
    value = elementary(value, via=sp.erfc)
    points = sample_points(list(symbols), condition, count=count)
    worst = mpmath.mpf(0)
    with mpmath.workdps(QUAD_DIGITS):
        for point in points:
            want = mpmath.mpf(reference(point))
            got = mpmath.mpf(sp.N(at_point(value, point), QUAD_DIGITS + 5))
            error = abs(got - want) / max(1, abs(want))
            if error > QUAD_TOLERANCE:
                shown = ", ".join(f"{k}={val}" for k, val in point.items())
                raise VerificationError(
                    f"{what or sp.sstr(value)}: closed form {mpmath.nstr(got, 12)} but quadrature "
                    f"{mpmath.nstr(want, 12)} at {shown}"
                )
            worst = max(worst, error)
    return Check(
        "numeric",
        f"mpmath.quad at {len(points)} points, seed {SEED}, {QUAD_DIGITS} digits, max rel. error "
        f"{mpmath.nstr(worst, 2)}",
    )


_ERF = np.vectorize(math.erf, otypes=[float])
_ERFC = np.vectorize(math.erfc, otypes=[float])


def normal_numeric(expr: Any, args: Sequence[sp.Symbol]) -> Callable[..., np.ndarray]:
    """A vectorised NumPy function of ``expr`` (which may contain Φ, φ, erf, erfc), arguments in ``args`` order.

    :mod:`derive.numeric` prints no special functions, so ``erf`` and ``erfc``
    are bound to vectorised :func:`math.erf` and :func:`math.erfc`.

    Examples
    --------
    >>> f = normal_numeric(Phi(_t), (_t,))
    >>> [round(float(v), 6) for v in f(np.array([0.0, 1.0]))]
    [0.5, 0.841345]
    """
    # Plain names first, the rewrite last, and no dummification by lambdify: rebuilding erfc(-x) after the
    # rewrite would evaluate it to 2 - erfc(x), which cancels in the lower tail.
    names = [sp.Symbol(f"arg{i}", real=True) for i in range(len(args))]
    body = elementary(sp.sympify(expr).xreplace(dict(zip(args, names, strict=True))), via=sp.erfc)
    kernel = sp.lambdify(names, body, modules=[{"erf": _ERF, "erfc": _ERFC}, "numpy"], dummify=False)

    def evaluate(*values: Any) -> np.ndarray:
        with np.errstate(invalid="ignore", divide="ignore", over="ignore"):
            shape = np.broadcast(*[np.asarray(v, dtype=float) for v in values]).shape
            return np.broadcast_to(np.asarray(kernel(*values), dtype=float), shape)

    return evaluate
