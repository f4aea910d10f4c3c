"""Theorem 6: the exact risk of soft, hard and ridge estimates of a normal mean; SURE and degrees of freedom.

For ``z ~ N(mu, 1)`` and an estimate ``eta(z)`` of ``mu`` the risk is
``R = E[(eta(z) - mu)^2]``.  Each risk here is *derived*: the estimate's
cases (soft thresholding from :func:`derive.estimators.estimator`, hard
thresholding ``z 1{|z| > lambda}`` defined by its cases, ridge
``z/(1 + lambda)`` derived) are integrated region by region against the normal
density (:func:`proofs.gaussian.piecewise_expectation`, every antiderivative
differentiated back), then compared with the closed forms of Donoho and
Johnstone ("Ideal spatial adaptation by wavelet shrinkage", *Biometrika* 81,
1994, 425-455):

* soft: ``1 + lambda^2 + (mu^2 - lambda^2 - 1)[Phi(lambda - mu) - Phi(-lambda - mu)]
  - (lambda - mu) phi(lambda + mu) - (lambda + mu) phi(lambda - mu)``;
* hard: ``mu^2 [Phi(lambda - mu) - Phi(-lambda - mu)] + (1 - Phi(lambda - mu)) + (1 - Phi(lambda + mu))
  + (lambda - mu) phi(lambda - mu) + (lambda + mu) phi(lambda + mu)``;
* ridge: bias^2 + variance ``= (lambda^2 mu^2 + 1)/(1 + lambda)^2``.

Stein's unbiased risk estimate (Stein, "Estimation of the mean of a
multivariate normal distribution", *Ann. Statist.* 9, 1981, 1135-1151) for a
weakly differentiable ``eta = z + g`` is ``1 + 2 g'(z) + g(z)^2``; for soft
thresholding it is ``1 - 2*1{|z| <= lambda} + min(z^2, lambda^2)`` (Donoho and
Johnstone, *JASA* 90, 1995, 1200-1224), and ``E[SURE] = R`` is checked by
integrating it.  The degrees of freedom ``Cov(eta(z), z)`` (Efron, *JASA* 99,
2004, 619-632) equal the expected number of non-zeros (Zou, Hastie and
Tibshirani, *Ann. Statist.* 35, 2007, 2173-2192): both sides are integrated.
Hard thresholding is discontinuous, so Stein's formula does not apply to it:
``risk(stein_for="hard")`` reports that both claims fail.
"""

from __future__ import annotations

import functools
from typing import Any

import sympy as sp

from derive.core import Check, DerivationBuilder
from derive.errors import OptionError
from derive.estimators import estimator
from derive.subgradient import piecewise_from_cases
from derive.symbols import lam, z

from .core import Theorem, decide_claim, latex_of, summarise
from .gaussian import (
    Distributed,
    Expect,
    Indicator,
    Phi,
    Prob,
    check_same,
    check_unequal,
    equal_verdict,
    gaussian_integral,
    normal_definitions,
    phi,
    piecewise_expectation,
)

__all__ = [
    "risk",
    "mu",
    "hard_threshold_cases",
    "soft_risk_closed_form",
    "hard_risk_closed_form",
    "stated_sure",
]

NAME = "risk"
TITLE = "The risk of soft, hard and ridge estimates"

#: The normal mean, real (not :data:`derive.symbols.mu`, the elastic net's positive weight).
mu = sp.Symbol("mu", real=True)

_ETA = sp.Function("eta")
_RISK = sp.Function("R")
_SURE = sp.Function("SURE")

_STEIN_ESTIMATORS = ("soft", "hard")


def hard_threshold_cases() -> tuple[tuple[sp.Expr, sp.Set], ...]:
    """The cases of hard thresholding ``z 1{|z| > lambda}``, in increasing order of z.

    Examples
    --------
    >>> [value for value, _ in hard_threshold_cases()]
    [z, 0, z]
    """
    return (
        (z, sp.Interval.open(-sp.oo, -lam)),
        (sp.Integer(0), sp.Interval(-lam, lam)),
        (z, sp.Interval.open(lam, sp.oo)),
    )


def soft_risk_closed_form() -> sp.Expr:
    """Donoho and Johnstone's (1994) risk of soft thresholding at lambda for ``z ~ N(mu, 1)``."""
    inside = Phi(lam - mu) - Phi(-lam - mu)
    return 1 + lam**2 + (mu**2 - lam**2 - 1) * inside - (lam - mu) * phi(lam + mu) - (lam + mu) * phi(lam - mu)


def hard_risk_closed_form() -> sp.Expr:
    """Donoho and Johnstone's (1994) risk of hard thresholding at lambda for ``z ~ N(mu, 1)``."""
    inside = Phi(lam - mu) - Phi(-lam - mu)
    tails = (1 - Phi(lam - mu)) + (1 - Phi(lam + mu))
    return mu**2 * inside + tails + (lam - mu) * phi(lam - mu) + (lam + mu) * phi(lam + mu)


def stated_sure() -> sp.Expr:
    """``1 - 2*1{|z| <= lambda} + min(z^2, lambda^2)``, SURE for soft thresholding (Donoho and Johnstone 1995)."""
    return 1 - 2 * sp.Piecewise((1, sp.Abs(z) <= lam), (0, True)) + sp.Min(z**2, lam**2)


def _model(builder: DerivationBuilder) -> None:
    builder.claim(
        Distributed(z, mu, 1),
        "text",
        None,
        "the model: one observation of a normal mean with unit variance (an OLS coordinate of an orthonormal "
        "design with noise variance 1)",
        lambda: Check("definition", "the model"),
        words="z ~ N(mu, 1)",
    )
    builder.define(_RISK(sp.Symbol("eta")), Expect((_ETA(z) - mu) ** 2), "the risk (mean squared error) of eta")
    normal_definitions(builder)


def _claim_equal(
    builder: DerivationBuilder, lhs: Any, rhs: Any, *, words: str, reason: str, refuted: str, show: Any = None
) -> bool | None:
    verdict = equal_verdict(lhs, rhs)
    return decide_claim(
        builder,
        verdict,
        lhs=lhs if show is None else show,
        rel="=",
        rhs=rhs,
        words=words,
        reason=reason,
        check=lambda: check_same(lhs, rhs),
        refute=lambda: check_unequal(lhs, rhs),
        refuted=refuted,
    )


def _soft(builder: DerivationBuilder) -> tuple[tuple[tuple[sp.Expr, sp.Set], ...], sp.Expr, bool | None]:
    derived = estimator("lasso")
    soft = sp.Symbol("eta_S")
    summarise(builder, derived, soft, "soft thresholding: the lasso estimate (derive.estimators)")
    cases = derived.cases
    value, _ = piecewise_expectation(
        builder, cases, z, lambda e: (e - mu) ** 2, mu, 1, "soft: (eta_S - mu)^2", show=_RISK(soft)
    )
    verdict = _claim_equal(
        builder,
        value,
        soft_risk_closed_form(),
        show=_RISK(soft),
        words="the risk of soft thresholding is Donoho and Johnstone's closed form",
        reason="soft: Donoho and Johnstone (1994), compared with the derived risk",
        refuted="the derived risk of soft thresholding differs from the closed form",
    )
    return cases, value, verdict


def _hard(builder: DerivationBuilder) -> tuple[tuple[tuple[sp.Expr, sp.Set], ...], sp.Expr, bool | None]:
    hard = sp.Symbol("eta_H")
    cases = hard_threshold_cases()
    by_cases = piecewise_from_cases(cases, z)
    builder.define(hard, by_cases, "hard thresholding: keep z if |z| > lambda, else 0", rel=":=")
    builder.equal(
        by_cases,
        z * sp.Piecewise((1, sp.Abs(z) > lam), (0, True)),
        "hard: the cases are z*1{|z| > lambda}",
        show=hard,
    )
    value, _ = piecewise_expectation(
        builder, cases, z, lambda e: (e - mu) ** 2, mu, 1, "hard: (eta_H - mu)^2", show=_RISK(hard)
    )
    verdict = _claim_equal(
        builder,
        value,
        hard_risk_closed_form(),
        show=_RISK(hard),
        words="the risk of hard thresholding is Donoho and Johnstone's closed form",
        reason="hard: Donoho and Johnstone (1994), compared with the derived risk",
        refuted="the derived risk of hard thresholding differs from the closed form",
    )
    return cases, value, verdict


def _ridge(builder: DerivationBuilder) -> tuple[sp.Expr, bool | None]:
    derived = estimator("ridge")
    ridge = sp.Symbol("eta_R")
    summarise(builder, derived, ridge, "ridge: the estimate (derive.estimators)")
    shrunk = derived.result
    mean = gaussian_integral(builder, shrunk, z, -sp.oo, sp.oo, mu, 1, "ridge: the mean of the estimate")
    bias = sp.simplify(mean - mu)
    builder.equal(mean - mu, bias, "ridge: the bias E[eta_R] - mu", show=sp.Symbol("bias_R"))
    variance = gaussian_integral(
        builder, (shrunk - mean) ** 2, z, -sp.oo, sp.oo, mu, 1, "ridge: the variance of the estimate"
    )
    value = gaussian_integral(builder, (shrunk - mu) ** 2, z, -sp.oo, sp.oo, mu, 1, "ridge: the risk")
    value = sp.factor(value)
    verdict = _claim_equal(
        builder,
        value,
        bias**2 + variance,
        show=_RISK(ridge),
        words="the ridge risk is bias^2 + variance",
        reason="ridge: the risk decomposes into squared bias plus variance",
        refuted="the ridge risk is not bias^2 + variance",
    )
    return value, verdict


def _stein(
    builder: DerivationBuilder,
    name: str,
    cases: tuple[tuple[sp.Expr, sp.Set], ...],
    value: sp.Expr,
) -> tuple[sp.Expr, sp.Expr, bool | None, bool | None]:
    """SURE and the degrees of freedom of the estimate with these cases; claims E[SURE] = risk and df = E[#nonzeros]."""
    builder.cite(
        _SURE(z),
        "=",
        1 + 2 * sp.Derivative(sp.Function("g")(z), z) + sp.Function("g")(z) ** 2,
        "Stein's unbiased risk estimate for eta(z) = z + g(z) with g weakly differentiable: E[SURE(z)] = "
        "E[(eta(z) - mu)^2] (Stein 1981, Ann. Statist. 9, 1135-1151)",
    )
    sure_cases = tuple((sp.expand(1 + 2 * (sp.diff(case, z) - 1) + (case - z) ** 2), region) for case, region in cases)
    sure = piecewise_from_cases(sure_cases, z)
    builder.claim(
        _SURE(z),
        "=",
        sure,
        f"{name}: g = eta - z case by case; g' taken inside each region",
        lambda: Check("symbolic", "differentiated case by case"),
    )
    if name == "soft":
        builder.equal(
            sure,
            stated_sure(),
            "soft: the same as 1 - 2*1{|z| <= lambda} + min(z^2, lambda^2) (Donoho and Johnstone 1995); compared "
            "at sample points because SymPy cannot use a case's region as an assumption on z",
            show=_SURE(z),
        )
    expected, _ = piecewise_expectation(
        builder, sure_cases, z, lambda e: e, mu, 1, f"{name}: SURE", show=Expect(_SURE(z))
    )
    sure_verdict = _claim_equal(
        builder,
        expected,
        value,
        show=Expect(_SURE(z)),
        words=f"SURE is unbiased for the risk of {name} thresholding",
        reason=f"{name}: E[SURE] integrated region by region, compared with the derived risk",
        refuted=f"E[SURE] is not the risk of {name} thresholding: Stein's formula needs a weakly differentiable "
        "estimate (no jumps)",
    )
    df = sp.Symbol(f"df_{name}")
    builder.define(
        df,
        Expect(_ETA(z) * (z - mu)),
        f"{name}: degrees of freedom Cov(eta(z), z)/sigma^2 with sigma = 1 (Efron 2004, JASA 99, 619-632)",
    )
    covariance, _ = piecewise_expectation(
        builder, cases, z, lambda e: e * (z - mu), mu, 1, f"{name}: Cov(eta, z)", show=df
    )
    # The indicator of a non-zero estimate, case by case (a case identically 0 is the dead zone).
    nonzero = tuple((sp.Integer(0 if case == 0 else 1), region) for case, region in cases)
    count, _ = piecewise_expectation(
        builder,
        nonzero,
        z,
        lambda e: e,
        mu,
        1,
        f"{name}: the expected number of non-zeros, P(eta(z) != 0)",
        show=Expect(Indicator(sp.Ne(_ETA(z), 0))),
    )
    outside = 1 - (Phi(lam - mu) - Phi(-lam - mu))
    builder.claim(
        Prob(sp.Gt(sp.Abs(z), lam)),
        "=",
        outside,
        f"{name}: in terms of Phi: the probability of |z| > lambda",
        lambda: check_same(count, outside),
    )
    df_verdict = _claim_equal(
        builder,
        covariance,
        count,
        show=df,
        words=f"the degrees of freedom of {name} thresholding are the expected number of non-zeros",
        reason=f"{name}: both sides integrated (Zou, Hastie and Tibshirani 2007, Ann. Statist. 35, 2173-2192)",
        refuted=f"Cov(eta, z) is not the expected number of non-zeros for {name} thresholding: the jump at lambda "
        "adds to the covariance",
    )
    return expected, covariance, sure_verdict, df_verdict


@functools.lru_cache(maxsize=8)
def risk(*, stein_for: str = "soft") -> Theorem:
    """Theorem 6: exact risks of soft, hard and ridge estimates for ``z ~ N(mu, 1)``; SURE and degrees of freedom.

    Each risk is derived by integrating the estimate's cases against the
    normal density (antiderivatives differentiated back) and compared with the
    stated closed form (Donoho and Johnstone 1994 for soft and hard
    thresholding; squared bias plus variance for ridge).  Stein's unbiased risk
    estimate and the degrees of freedom are derived for ``stein_for`` and the
    claims ``E[SURE] = risk`` and ``Cov(eta(z), z) = E[#non-zeros]`` checked by
    integrating both sides.

    Parameters
    ----------
    stein_for : {"soft", "hard"}
        The estimate to which Stein's formula is applied.  ``"hard"`` is the
        mutated input: hard thresholding jumps at lambda, so both claims fail
        and the theorem reports ``holds=False``.

    Returns
    -------
    Theorem
        ``proof.result`` is ``(R_soft, R_hard, R_ridge)``; extras ``soft``,
        ``hard``, ``ridge`` (the derived risks), ``sure`` (E[SURE]), ``df``
        (the covariance) and ``nonzeros`` (the expected number of non-zeros).

    Raises
    ------
    OptionError
        For an unknown ``stein_for``.
    VerificationError
        If a derivation step fails its check.

    Examples
    --------
    >>> t = risk()
    >>> t.holds, [label.split(":")[0] for label, _ in t.instances]
    (True, ['soft', 'hard', 'ridge', 'SURE (soft)', 'df (soft)'])
    >>> t.proof.extra("ridge")
    (lambda**2*mu**2 + 1)/(lambda + 1)**2
    """
    if stein_for not in _STEIN_ESTIMATORS:
        raise OptionError(f"unknown estimate {stein_for!r} for Stein's formula; choose one of soft, hard")
    builder = DerivationBuilder(
        "Theorem 6: risk, SURE and degrees of freedom for z ~ N(mu, 1)", assumptions=(z, mu, lam)
    )
    _model(builder)
    soft_cases, soft, soft_verdict = _soft(builder)
    hard_cases, hard, hard_verdict = _hard(builder)
    ridge, ridge_verdict = _ridge(builder)
    chosen = {"soft": (soft_cases, soft), "hard": (hard_cases, hard)}[stein_for]
    sure, covariance, sure_verdict, df_verdict = _stein(builder, stein_for, *chosen)
    instances = (
        ("soft: risk = Donoho-Johnstone closed form", soft_verdict),
        ("hard: risk = Donoho-Johnstone closed form", hard_verdict),
        ("ridge: risk = bias^2 + variance", ridge_verdict),
        (f"SURE ({stein_for}): E[SURE] = risk", sure_verdict),
        (f"df ({stein_for}): Cov(eta, z) = E[#non-zeros]", df_verdict),
    )
    nonzeros = 1 - (Phi(lam - mu) - Phi(-lam - mu))
    proof = builder.build(
        sp.Tuple(soft, hard, ridge),
        parameters=(lam, mu),
        extras=(
            ("soft", soft),
            ("hard", hard),
            ("ridge", ridge),
            ("sure", sure),
            ("df", covariance),
            ("nonzeros", nonzeros),
            ("soft_closed_form", soft_risk_closed_form()),
            ("hard_closed_form", hard_risk_closed_form()),
        ),
    )
    soft_text, hard_text = sp.sstr(soft_risk_closed_form()), sp.sstr(hard_risk_closed_form())
    statement = (
        f"Let z ~ N(mu, 1). Soft thresholding at lambda has risk E[(eta_S(z) - mu)^2] = {soft_text}; hard "
        f"thresholding has risk {hard_text} (Donoho and Johnstone 1994); ridge z/(1 + lambda) has risk bias^2 + "
        f"variance = {sp.sstr(ridge)}. For soft thresholding SURE(z) = 1 - 2*1{{|z| <= lambda}} + "
        "min(z^2, lambda^2) is unbiased for the risk, and the degrees of freedom Cov(eta_S(z), z) equal the expected "
        "number of non-zeros, P(|z| > lambda)."
    )
    if stein_for != "soft":
        statement += f" (Stein's formula applied to {stein_for} thresholding instead.)"
    sure_tex = latex_of(stated_sure())
    statement_latex = (
        f"Let ${latex_of(Distributed(z, mu, 1))}$. Soft thresholding at $\\lambda$ has risk "
        f"${latex_of(_RISK(sp.Symbol('eta_S')))} = {latex_of(soft_risk_closed_form())}$; hard thresholding has risk "
        f"${latex_of(_RISK(sp.Symbol('eta_H')))} = {latex_of(hard_risk_closed_form())}$ (Donoho and Johnstone 1994); "
        f"ridge $z/(1 + \\lambda)$ has risk ${latex_of(ridge)}$, squared bias plus variance. For soft thresholding "
        f"$\\mathrm{{SURE}}(z) = {sure_tex}$ is unbiased for the risk, and the degrees of freedom "
        f"$\\operatorname{{Cov}}(\\eta_S(z), z)$ equal the expected number of non-zeros, "
        f"${latex_of(Prob(sp.Gt(sp.Abs(z), lam)))}$."
    )
    return Theorem.from_instances(
        name=NAME,
        title=TITLE,
        statement=statement,
        statement_latex=statement_latex,
        proof=proof,
        instances=instances,
    )
