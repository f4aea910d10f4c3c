"""Theorem 5: how often an estimate is exactly zero when the data are Gaussian.

For an orthonormal design and Gaussian noise, ``y ~ N(X beta, sigma^2 I)``,
the OLS coordinates ``z = X^T y`` are independent with ``z_j ~ N(beta_j,
sigma^2)``.  Each estimate is a function of its own ``z_j`` (Hastie,
Tibshirani and Friedman, *The Elements of Statistical Learning*, 2nd ed.,
2009, Table 3.4), so it is exactly 0 precisely when ``z_j`` falls in the
estimator's zero set, read off the derived cases:

* lasso: zero set ``[-lambda, lambda]``, so
  ``P(estimate = 0) = Phi((lambda - beta)/sigma) - Phi((-lambda - beta)/sigma) > 0``;
* ridge: zero set ``{0}``, so ``P(estimate = 0) = P(z = 0) = 0``;

and, by linearity of expectation, the expected number of exact zeros among
``p`` coordinates is the sum of these probabilities (``p`` times one of them
when all ``beta_j`` are equal).  Probabilities come from :mod:`sympy.stats`
(the distribution function of ``Normal("z", beta, sigma)``, cross-checked by
integrating its density); the closed form with ``Phi`` is checked against them.
"""

from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from derive.checks import check_equal, check_true
from derive.core import Check, Derivation, DerivationBuilder
from derive.errors import VerificationError
from derive.estimators import estimator
from derive.prox import zero_set_of
from derive.subgradient import describe_set
from derive.symbols import beta, z

from .core import (
    Length,
    SetBuilder,
    Theorem,
    check_zero_set,
    decide_claim,
    latex_of,
    length_of,
    summarise,
)
from .gaussian import (
    Distributed,
    Expect,
    Indicator,
    Phi,
    Prob,
    check_positive,
    check_same,
    normal_definitions,
    normal_integral,
    phi,
)

__all__ = ["zero_probability", "sigma", "p", "probability_of", "stated_probability"]

NAME = "zero-probability"
TITLE = "How often the estimate is exactly zero"

#: The noise standard deviation, sigma > 0.
sigma = sp.Symbol("sigma", positive=True)
#: The number of coefficients, a positive integer.
p = sp.Symbol("p", positive=True, integer=True)
_j = sp.Symbol("j", positive=True, integer=True)


def _random_z() -> Any:
    from sympy.stats import Normal

    return Normal("z", beta, sigma)


def probability_of(region: Any) -> sp.Expr:
    """``P(z in region)`` for ``z ~ N(beta, sigma^2)``, from the distribution function of :mod:`sympy.stats`.

    ``region`` is an interval, a finite set, a disjoint union of those, or empty.

    Examples
    --------
    >>> probability_of(sp.FiniteSet(0))
    0
    >>> probability_of(sp.Interval(-sp.oo, sp.oo))
    1
    """
    from sympy.stats import P, cdf

    region = sp.sympify(region)
    Z = _random_z()
    if region is sp.S.EmptySet:
        return sp.S.Zero
    if isinstance(region, sp.Union):
        return sp.simplify(sp.Add(*[probability_of(part) for part in region.args]))
    if isinstance(region, sp.FiniteSet):
        return sp.Add(*[P(sp.Eq(Z, point)) for point in region.args])
    if isinstance(region, sp.Interval):
        F = cdf(Z)
        return sp.simplify(F(region.end) - F(region.start))
    raise VerificationError(f"cannot compute the probability of {sp.sstr(region)}")


def stated_probability(region: Any) -> sp.Expr:
    """The closed form ``Phi((b - beta)/sigma) - Phi((a - beta)/sigma)`` summed over the intervals [a, b] of ``region``.

    Examples
    --------
    >>> from derive.symbols import lam
    >>> stated_probability(sp.Interval(-lam, lam))
    -Phi((-beta - lambda)/sigma) + Phi((-beta + lambda)/sigma)
    """
    region = sp.sympify(region)
    if isinstance(region, sp.Union):
        return sp.Add(*[stated_probability(part) for part in region.args])
    if isinstance(region, sp.Interval):
        return Phi((region.end - beta) / sigma) - Phi((region.start - beta) / sigma)
    return sp.S.Zero  # points and the empty set


def _check_by_density(region: sp.Set, value: sp.Expr) -> Check:
    """``P(z in [a, b])`` as the integral of the N(beta, sigma^2) density over [a, b], against ``value``.

    The integral is :func:`proofs.gaussian.normal_integral` (its antiderivative
    differentiated back to the density), independent of the distribution
    function that gave ``value``; the end points have probability 0.
    """
    if isinstance(region, sp.Interval):
        integral, integrated = normal_integral(1, z, region.start, region.end, beta, sigma)
        check = check_same(integral, value)
        method = "symbolic" if check.method == integrated.method == "symbolic" else "numeric"
        return Check(
            method,
            "the integral of the density over [a, b], its antiderivative differentiated back to the density "
            f"({integrated.method}), equals F(b) - F(a): {check.detail}",
        )
    return check_equal(probability_of(region), value)


def _positive_check(region: sp.Set) -> Check:
    """``P > 0``: the density is positive and the interval is non-degenerate (Phi is strictly increasing)."""
    if not isinstance(region, sp.Interval):
        raise VerificationError(f"{describe_set(region)} is not an interval of positive length")
    density = check_positive(phi((z - beta) / sigma) / sigma, "the N(beta, sigma^2) density")
    width = sp.simplify(region.end - region.start)
    check_true(lambda: width.is_positive, f"the zero set has length {sp.sstr(width)} > 0")
    return Check("symbolic", f"{density.detail}; the zero set has length {sp.sstr(width)} > 0, so Phi increases on it")


def _label(penalty: Any) -> str:
    return penalty if isinstance(penalty, str) else sp.sstr(penalty)


def _instance(
    builder: DerivationBuilder, penalty: Any, convention: str, positive: bool
) -> tuple[str, bool | None, sp.Expr]:
    name = _label(penalty)
    derived: Derivation = estimator(penalty, convention=convention)
    estimate = sp.Symbol(f"betahat_{name}" if isinstance(penalty, str) else "betahat")
    summarise(builder, derived, estimate, f"{name}: the estimate (derive.estimators)")
    zero = zero_set_of(derived.cases, z)
    builder.claim(
        SetBuilder(z, sp.Eq(estimate, 0)),
        "=",
        zero,
        f"{name}: the z whose case of the estimate is 0, read off the derived cases",
        lambda: check_zero_set(derived.cases, z, zero),
    )
    event = sp.Eq(estimate, 0)
    builder.define(
        Prob(event),
        Prob(sp.Contains(z, zero, evaluate=False)),
        f"{name}: the estimate is a function of z, exactly 0 on that set",
        rel="=",
    )
    value = probability_of(zero)
    builder.claim(
        Prob(sp.Contains(z, zero, evaluate=False)),
        "=",
        value,
        f"{name}: sympy.stats, F(b) - F(a) with F the distribution function of N(beta, sigma^2); a point has "
        "probability 0",
        lambda: _check_by_density(zero, value),
    )
    closed = stated_probability(zero)
    builder.claim(
        Prob(event),
        "=",
        closed,
        f"{name}: in terms of the standard normal distribution function Phi",
        lambda: check_same(value, closed),
    )
    length = length_of(zero)
    has_length = None if length is None else (True if length.is_positive else (False if length.is_zero else None))
    if length is not None:
        builder.claim(
            Length(zero),
            "=",
            length,
            f"{name}: length of the zero set",
            lambda: check_equal(zero.measure, length),
        )
    if positive:
        verdict = decide_claim(
            builder,
            has_length,
            lhs=Prob(event),
            rel=">",
            rhs=sp.Integer(0),
            words=f"the {name} estimate is exactly 0 with positive probability",
            reason=f"{name}: a positive density integrated over an interval of positive length",
            check=lambda: _positive_check(zero),
            refute=lambda: check_equal(value, 0),
            refuted=f"the {name} estimate is 0 only on {describe_set(zero)}, which has probability {sp.sstr(value)}",
        )
    else:
        verdict = decide_claim(
            builder,
            None if has_length is None else not has_length,
            lhs=Prob(event),
            rel="=",
            rhs=sp.Integer(0),
            words=f"the {name} estimate is exactly 0 with probability 0",
            reason=f"{name}: the zero set has length 0, so probability 0 under a density",
            check=lambda: check_equal(value, 0),
            refute=lambda: _positive_check(zero),
            refuted=f"the {name} estimate is 0 on {describe_set(zero)}, which has positive probability",
        )
    _expected_zeros(builder, name, closed)
    return name, verdict, closed


def _check_linearity() -> Check:
    """Linearity of expectation on an instance: three Bernoulli indicators with different success probabilities."""
    from sympy.stats import Bernoulli, E

    q = sp.symbols("q1:4", positive=True)
    indicators = [Bernoulli(f"I{k}", qk) for k, qk in enumerate(q, start=1)]
    total = sp.simplify(E(sp.Add(*indicators)))
    if sp.simplify(total - sp.Add(*q)) != 0:
        raise VerificationError(f"E[I1 + I2 + I3] = {total}, not q1 + q2 + q3")
    return Check("symbolic", "sympy.stats: E[I1 + I2 + I3] = q1 + q2 + q3 for Bernoulli(q_k) indicators")


def _expected_zeros(builder: DerivationBuilder, name: str, closed: sp.Expr) -> None:
    count = sp.Symbol(f"N_{name}")
    indicator = Indicator(sp.Eq(sp.Indexed(sp.IndexedBase(sp.Symbol("betahat")), _j), 0))
    builder.define(
        count,
        sp.Sum(indicator, (_j, 1, p)),
        f"{name}: the number of exact zeros among p coefficients",
    )
    beta_j = sp.Indexed(sp.IndexedBase("beta", real=True), _j)
    each = closed.subs(beta, beta_j)
    builder.claim(
        Expect(count),
        "=",
        sp.Sum(each, (_j, 1, p)),
        f"{name}: linearity of expectation and E[1{{A}}] = P(A), with z_j ~ N(beta_j, sigma^2) (for an orthonormal "
        "design the OLS coordinates have covariance sigma^2 I)",
        _check_linearity,
    )
    total = sp.Sum(closed, (_j, 1, p))
    builder.equal(total.doit(), p * closed, f"{name}: equal coefficients beta_j = beta", show=total)


@functools.lru_cache(maxsize=16)
def zero_probability(sparse: Any = "lasso", dense: Any = "ridge", *, convention: str = "esl") -> Theorem:
    """Theorem 5: with ``z ~ N(beta, sigma^2)``, the lasso estimate is 0 with positive probability, ridge never.

    For each estimator (derived by :func:`derive.estimators.estimator`) the
    zero set is read off the derived cases, its probability computed with
    :mod:`sympy.stats` and checked against the closed form with ``Phi``.  The
    claims: ``P(sparse estimate = 0) > 0`` and ``P(dense estimate = 0) = 0``;
    the expected number of zeros among ``p`` coefficients is ``p`` times the
    probability when the ``beta_j`` are equal.

    Parameters
    ----------
    sparse, dense : str or sympy.Expr
        Estimators claimed to give exact zeros with positive probability, and
        with probability 0: names for :func:`~derive.estimators.estimator`
        (``"lasso"``, ``"ridge"``) or penalties in ``derive.symbols.beta``.
        Swapping them (``sparse="ridge", dense="lasso"``) gives a theorem that
        does not hold, with the failing steps recorded.
    convention : {"esl", "sklearn"}
        The objective's scaling (:mod:`derive.conventions`).

    Returns
    -------
    Theorem
        ``proof.result`` is ``(P(sparse = 0), P(dense = 0))``; the extras
        ``sparse`` and ``dense`` hold the same probabilities and
        ``expected_zeros`` the expected number among ``p`` equal coefficients.

    Raises
    ------
    OptionError
        For an unknown estimator or convention.
    VerificationError
        If a derivation step fails its check.

    Examples
    --------
    >>> t = zero_probability()
    >>> t.holds, t.proof.result
    (True, (-Phi((-beta - lambda)/sigma) + Phi((-beta + lambda)/sigma), 0))
    >>> zero_probability(sparse="ridge", dense="lasso").holds
    False
    """
    builder = DerivationBuilder(
        f"Theorem 5: the probability of an exact zero, z ~ N(beta, sigma^2) ({convention} convention)",
        assumptions=(z, beta, sigma, p),
    )
    builder.claim(
        Distributed(z, beta, sigma**2),
        "text",
        None,
        "the model: z is the OLS coordinate of a coefficient beta for an orthonormal design with noise "
        "y ~ N(X beta, sigma^2 I)",
        lambda: Check("definition", "the model"),
        words="z ~ N(beta, sigma^2)",
    )
    normal_definitions(builder)
    first = _instance(builder, sparse, convention, positive=True)
    second = _instance(builder, dense, convention, positive=False)
    instances = (
        (f"{first[0]}: P(estimate = 0) = {sp.sstr(first[2])}, claimed > 0", first[1]),
        (f"{second[0]}: P(estimate = 0) = {sp.sstr(second[2])}, claimed = 0", second[1]),
    )
    proof = builder.build(
        sp.Tuple(first[2], second[2]),
        extras=(("sparse", first[2]), ("dense", second[2]), ("expected_zeros", p * first[2])),
        parameters=tuple(sorted(sp.Tuple(first[2], second[2]).free_symbols, key=lambda s: s.name)),
    )
    estimate = sp.Symbol(f"betahat_{first[0]}")
    statement = (
        f"Let z ~ N(beta, sigma^2) be the OLS coordinate of a coefficient (orthonormal design, Gaussian noise). The "
        f"{first[0]} estimate is exactly 0 with probability P = {sp.sstr(first[2])} > 0; the {second[0]} estimate is "
        f"exactly 0 with probability {sp.sstr(second[2])}. Among p coefficients the expected number of exact zeros "
        f"is the sum of these probabilities: p*P for the {first[0]} when all beta_j are equal, 0 for the {second[0]}."
    )
    statement_latex = (
        f"Let ${latex_of(Distributed(z, beta, sigma**2))}$ be the OLS coordinate of a coefficient (orthonormal "
        f"design, Gaussian noise). The {first[0]} estimate is exactly $0$ with probability "
        f"${latex_of(Prob(sp.Eq(estimate, 0)))} = {latex_of(first[2])} > 0$; the {second[0]} estimate is exactly $0$ "
        f"with probability ${latex_of(second[2])}$. Among $p$ coefficients the expected number of exact zeros is the "
        f"sum of these probabilities: ${latex_of(p * first[2])}$ for the {first[0]} when all $\\beta_j$ are equal, "
        f"$0$ for the {second[0]}."
    )
    return Theorem.from_instances(
        name=NAME,
        title=TITLE,
        statement=statement,
        statement_latex=statement_latex,
        proof=proof,
        instances=instances,
    )
