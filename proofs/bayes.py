"""Theorem 8: the lasso and ridge are MAP estimates; the posterior mean is never exactly zero.

Observe ``z ~ N(beta, sigma^2)`` (one OLS coordinate of an orthonormal design).
With the Laplace prior ``p(beta) = exp(-|beta|/b)/(2b)`` the negative log
posterior is, up to a constant, ``(z - beta)^2/(2 sigma^2) + |beta|/b``; times
``sigma^2`` it is the lasso objective ``(1/2)(z - beta)^2 + lambda |beta|``
with ``lambda = sigma^2/b`` (Tibshirani, "Regression shrinkage and selection
via the lasso", JRSS B 58, 1996, Sec. 5; Park and Casella, "The Bayesian
lasso", JASA 103, 2008).  With the Gaussian prior ``N(0, tau^2)`` it is the
ridge objective; the map to lambda depends on the convention, and both are
derived: ``lambda = sigma^2/(2 tau^2)`` for ``(1/2)(z - beta)^2 + lambda
beta^2`` and ``lambda = sigma^2/tau^2`` for ESL's ``(z - beta)^2 + lambda
beta^2``.  The maps are *solved for* (matching the coefficients of beta^2,
beta and |beta|), then compared with the stated ones.

So the MAP estimate under the Laplace prior is soft thresholding and is
exactly 0 for ``|z| <= sigma^2/b``.  The posterior *mean* is not: it is the
ratio of two integrals, each split at beta = 0 and integrated by SymPy
(antiderivatives differentiated back), with the closed form

    m(z) = [(z - a) w_-(z) + (z + a) w_+(z)] / [w_-(z) + w_+(z)],
    a = sigma^2/b,  w_-(z) = exp(-z/b) Phi((z - a)/sigma),  w_+(z) = exp(z/b) Phi(-(z + a)/sigma),

checked against the derived ratio and against :func:`mpmath.quad`; and a sign
argument shows ``m(z) > 0`` for ``z > 0`` (the posterior puts more mass on
``beta`` than on ``-beta``), ``m(-z) = -m(z)``, hence ``m(z) = 0`` only at
``z = 0``.  The sparsity belongs to the MAP, not to the Bayesian model.
"""

from __future__ import annotations

import functools
from typing import Any

import mpmath
import sympy as sp

from derive.checks import check_equal, check_true
from derive.core import Check, DerivationBuilder
from derive.estimators import estimator
from derive.printing.text import expr_to_text
from derive.symbols import beta, lam, z

from .core import Theorem, decide_claim, latex_of, summarise
from .gaussian import (
    Phi,
    check_positive,
    check_quadrature,
    check_same,
    check_unequal,
    equal_verdict,
    gaussian_integral,
    tidy,
)

__all__ = [
    "bayes",
    "sigma",
    "b",
    "tau",
    "LAPLACE_MAP",
    "GAUSSIAN_MAP",
    "GAUSSIAN_MAP_ESL",
    "posterior_mean_closed_form",
    "lambda_for",
]

NAME = "bayes"
TITLE = "Lasso and ridge as MAP estimates; the posterior mean is never exactly zero"

#: The noise standard deviation, the Laplace scale and the Gaussian prior's standard deviation (all positive).
sigma = sp.Symbol("sigma", positive=True)
b = sp.Symbol("b", positive=True)
tau = sp.Symbol("tau", positive=True)

#: The stated maps from the prior scales to lambda: lasso ``(1/2)(z - beta)^2 + lambda|beta|``; ridge
#: ``(1/2)(z - beta)^2 + lambda beta^2`` (the penalty weight without a factor 1/2).
LAPLACE_MAP = sigma**2 / b
GAUSSIAN_MAP = sigma**2 / (2 * tau**2)
#: The map for ESL's ridge objective ``(z - beta)^2 + lambda beta^2``.
GAUSSIAN_MAP_ESL = sigma**2 / tau**2

_MEAN = sp.Function("m")
_F = sp.Function("f")
_LIKELIHOOD = sp.Function("L")(beta)
_PRIOR = sp.Function("pi")(beta)


class Density(sp.Expr):
    """``p(variable | given)`` or ``p(variable)``, a density by its arguments (display only; never evaluates)."""

    is_commutative = True

    def __new__(cls, variable: sp.Basic, given: sp.Basic = sp.S.EmptySet) -> Density:
        return super().__new__(cls, variable, given)

    def _latex(self, printer: Any) -> str:
        variable, given = self.args
        inner = printer._print(variable)
        if given is not sp.S.EmptySet:
            inner += rf" \mid {printer._print(given)}"
        return f"p\\left({inner}\\right)"

    def _sympystr(self, printer: Any) -> str:
        variable, given = self.args
        inner = printer._print(variable)
        if given is not sp.S.EmptySet:
            inner += f" | {printer._print(given)}"
        return f"p({inner})"


def posterior_mean_closed_form(variable: sp.Symbol = z) -> sp.Expr:
    """The stated posterior mean under the Laplace prior, with ``a = sigma^2/b``.

    Examples
    --------
    >>> posterior_mean_closed_form().subs(z, 0)
    0
    """
    a = sigma**2 / b
    below = sp.exp(-variable / b) * Phi((variable - a) / sigma)
    above = sp.exp(variable / b) * Phi(-(variable + a) / sigma)
    return ((variable - a) * below + (variable + a) * above) / (below + above)


def _likelihood() -> sp.Expr:
    from sympy.stats import Normal, density

    return density(Normal("z", beta, sigma))(z)


def _laplace_prior() -> sp.Expr:
    from sympy.stats import Laplace, density

    return density(Laplace("beta", 0, b))(beta)


def _gaussian_prior() -> sp.Expr:
    from sympy.stats import Normal, density

    return density(Normal("beta", 0, tau))(beta)


def lambda_for(objective: sp.Expr, negative_log_posterior: sp.Expr) -> tuple[sp.Expr, sp.Expr]:
    """Solve ``objective(beta; lambda) = k * negative_log_posterior(beta) + const`` for ``(k, lambda)``.

    Both sides are written in ``beta`` and ``|beta|``; the coefficient of
    every monomial in them must vanish in the difference.

    Examples
    --------
    >>> lambda_for(beta**2/2 - beta*z + lam*sp.Abs(beta), beta**2/(2*sigma**2) - beta*z/sigma**2 + sp.Abs(beta)/b)
    (sigma**2, sigma**2/b)
    """
    k = sp.Symbol("k", positive=True)
    magnitude = sp.Symbol("A", positive=True)
    difference = sp.expand((objective - k * negative_log_posterior).subs(sp.Abs(beta), magnitude))
    polynomial = sp.Poly(difference, beta, magnitude)
    equations = [coefficient for monomial, coefficient in polynomial.terms() if any(monomial)]
    solutions = sp.solve(equations, [k, lam], dict=True)
    if len(solutions) != 1:
        raise ValueError(f"no unique lambda makes {objective} proportional to {negative_log_posterior}: {solutions}")
    return sp.simplify(solutions[0][k]), sp.simplify(solutions[0][lam])


def _negative_log_posterior(builder: DerivationBuilder, prior: sp.Expr, name: str) -> sp.Expr:
    """Add ``-log(L p) = dep(beta) + const`` (checked); return the beta-dependent part."""
    likelihood = _likelihood()
    total = sp.expand(sp.expand_log(-sp.log(likelihood * prior), force=True))
    constant, dependent = total.as_independent(beta, as_Add=True)
    builder.equal(
        -sp.log(likelihood * prior),
        dependent + constant,
        f"{name}: minus the log of likelihood times prior; -log p(beta | z) differs from it by log p(z), a "
        "constant in beta",
        show=-sp.log(_LIKELIHOOD * _PRIOR),
    )
    builder.claim(
        sp.Symbol("C"),
        "=",
        constant,
        f"{name}: the terms free of beta",
        lambda: check_true(lambda: not constant.has(beta), "the constant does not contain beta"),
    )
    return dependent


def _map_instance(
    builder: DerivationBuilder, name: str, prior: sp.Expr, penalty: Any, stated: sp.Expr, convention: str
) -> tuple[str, bool | None, sp.Expr]:
    """The prior's negative log posterior against the estimator's objective: derive lambda, compare with ``stated``."""
    dependent = _negative_log_posterior(builder, prior, name)
    derived = estimator(penalty)
    objective = derived.objective
    builder.define(
        sp.Symbol(f"F_{name}"),
        objective,
        f"{name}: the per-coordinate objective ({convention}; derive.estimators)",
        rel="=",
    )
    scale, weight = lambda_for(objective, dependent)
    builder.claim(
        sp.Symbol(f"F_{name}"),
        "=",
        scale * dependent + sp.Symbol("const"),
        f"{name}: solve for lambda and k so that the coefficients of beta^2, beta and |beta| agree: k = "
        f"{expr_to_text(scale)}, lambda = {expr_to_text(weight)}",
        lambda: _check_proportional(objective.subs(lam, weight), scale, dependent),
        condition=sp.Eq(lam, weight),
    )
    builder.claim(
        scale,
        ">",
        sp.Integer(0),
        f"{name}: a positive multiple and an added constant do not move the minimiser, so the MAP estimate "
        f"minimises F_{name} with lambda = {expr_to_text(weight)}",
        lambda: check_positive(scale, "the multiple k"),
    )
    verdict = decide_claim(
        builder,
        equal_verdict(weight, stated),
        lhs=lam,
        rel="=",
        rhs=stated,
        words=f"the {name} prior corresponds to lambda = {expr_to_text(stated)}",
        reason=f"{name}: the stated map, compared with the derived one",
        check=lambda: check_equal(weight, stated),
        refute=lambda: check_unequal(weight, stated),
        refuted=f"the {name} prior corresponds to lambda = {expr_to_text(weight)}, not {expr_to_text(stated)}",
    )
    return name, verdict, weight


def _check_proportional(objective: sp.Expr, scale: sp.Expr, dependent: sp.Expr) -> Check:
    difference = sp.expand(objective - scale * dependent)
    if difference.has(beta):
        raise ValueError(f"the difference {difference} still depends on beta")
    return Check("symbolic", f"F - k*(-log posterior) expands to {expr_to_text(difference)}, free of beta")


def _weights() -> tuple[sp.Expr, sp.Expr]:
    """``f(beta) = L(beta) p(beta)`` as N(beta; z, sigma^2) times the prior, split at 0: (beta < 0, beta > 0)."""
    prior = _laplace_prior()
    return prior.subs(sp.Abs(beta), -beta), prior.subs(sp.Abs(beta), beta)


def _posterior_mean(builder: DerivationBuilder) -> tuple[sp.Expr, bool | None]:
    """Derive the posterior mean under the Laplace prior and compare it with the closed form."""
    below, above = _weights()
    builder.claim(
        _F(beta),
        "=",
        _likelihood() * _laplace_prior(),
        "the unnormalised posterior; as a function of beta the likelihood is the N(z, sigma^2) density",
        lambda: check_same(_likelihood(), sp.exp(-((beta - z) ** 2) / (2 * sigma**2)) / (sp.sqrt(2 * sp.pi) * sigma)),
    )
    parts = {}
    for power, label in ((0, "the normalising integral"), (1, "the first moment")):
        for side, factor, lo, hi in (("beta < 0", below, -sp.oo, 0), ("beta > 0", above, 0, sp.oo)):
            parts[(power, side)] = gaussian_integral(
                builder, beta**power * factor, beta, lo, hi, z, sigma, f"{label} over {side}"
            )
    denominator = tidy(parts[(0, "beta < 0")] + parts[(0, "beta > 0")])
    numerator = tidy(parts[(1, "beta < 0")] + parts[(1, "beta > 0")])
    derived = numerator / denominator
    mean_symbol = _MEAN(z)
    builder.claim(
        mean_symbol,
        "=",
        derived,
        "the posterior mean: first moment over normalising integral, each the sum of its two halves",
        lambda: check_equal(derived, numerator / denominator),
    )
    stated = posterior_mean_closed_form()
    verdict = decide_claim(
        builder,
        equal_verdict(derived, stated),
        lhs=mean_symbol,
        rel="=",
        rhs=stated,
        words="the posterior mean has the closed form with Phi",
        reason="the closed form with a = sigma^2/b, compared with the derived ratio",
        check=lambda: check_same(derived, stated),
        refute=lambda: check_unequal(derived, stated),
    )
    builder.claim(
        mean_symbol,
        "=",
        stated,
        "the closed form against numerical integration of the ratio of integrals (independent of SymPy's)",
        lambda: check_quadrature(_quadrature_mean, stated, (b, sigma, z), what="the posterior mean"),
    )
    return stated, verdict


def _quadrature_mean(point: dict[sp.Symbol, Any]) -> mpmath.mpf:
    """``∫ beta f(beta) / ∫ f(beta)`` by mpmath.quad, f written out here with mpmath."""
    zz = mpmath.mpf(sp.N(point[z], 40))
    s = mpmath.mpf(sp.N(point[sigma], 40))
    scale = mpmath.mpf(sp.N(point[b], 40))

    def f(t: mpmath.mpf) -> mpmath.mpf:
        return mpmath.exp(-((zz - t) ** 2) / (2 * s**2) - abs(t) / scale)

    nodes = sorted({-mpmath.inf, zz - 8 * s, mpmath.mpf(0), zz, zz + 8 * s, mpmath.inf})
    mass = mpmath.quad(f, nodes)
    moment = mpmath.quad(lambda t: t * f(t), nodes)
    return moment / mass


def _quadrature_odd_part(point: dict[sp.Symbol, Any]) -> mpmath.mpf:
    """``∫_0^oo beta (f(beta) - f(-beta)) dbeta / ∫ f`` by mpmath.quad."""
    zz = mpmath.mpf(sp.N(point[z], 40))
    s = mpmath.mpf(sp.N(point[sigma], 40))
    scale = mpmath.mpf(sp.N(point[b], 40))

    def f(t: mpmath.mpf) -> mpmath.mpf:
        return mpmath.exp(-((zz - t) ** 2) / (2 * s**2) - abs(t) / scale)

    nodes = sorted({-mpmath.inf, -abs(zz) - 8 * s, mpmath.mpf(0), abs(zz) + 8 * s, mpmath.inf})
    positive = [n for n in nodes if n >= 0]
    mass = mpmath.quad(f, nodes)
    odd = mpmath.quad(lambda t: t * (f(t) - f(-t)), positive)
    return odd / mass


def _never_zero(builder: DerivationBuilder, mean: sp.Expr) -> bool | None:
    """The sign argument: m(z) > 0 for z > 0, m odd, so m(z) = 0 iff z = 0."""
    zp = sp.Symbol("z", positive=True)
    bp = sp.Symbol("beta", positive=True)
    f = _likelihood() * _laplace_prior()
    builder.claim(
        _MEAN(z),
        "=",
        sp.Integral(beta * (_F(beta) - _F(-beta)), (beta, 0, sp.oo)) / sp.Integral(_F(beta), (beta, -sp.oo, sp.oo)),
        "fold the first moment at 0 (substitute beta -> -beta on beta < 0); checked by numerical integration",
        lambda: check_quadrature(_quadrature_odd_part, mean, (b, sigma, z), what="the folded first moment"),
    )
    builder.equal(
        f.subs({beta: -bp, z: zp}) / f.subs({beta: bp, z: zp}),
        sp.exp(-2 * zp * bp / sigma**2),
        "for z > 0 and beta > 0 the prior is even, so only the likelihood differs",
        show=_F(-bp) / _F(bp),
    )
    exponent = 2 * zp * bp / sigma**2
    builder.claim(
        exponent,
        ">",
        sp.Integer(0),
        "for z > 0 and beta > 0; so exp(-2 z beta/sigma^2) < 1 (exp is increasing, exp(0) = 1): f(-beta) < f(beta)",
        lambda: check_positive(exponent, "z, beta, sigma > 0"),
    )
    builder.claim(
        f,
        ">",
        sp.Integer(0),
        "the unnormalised posterior is positive, so the denominator is positive and the folded integrand "
        "beta (f(beta) - f(-beta)) = beta f(beta) (1 - exp(-2 z beta/sigma^2)) is positive on beta > 0",
        lambda: check_positive(f, "a product of exponentials over positive constants"),
    )
    builder.note(
        "m(z) > 0 for every z > 0",
        "the integral of a positive function over (0, oo) divided by a positive integral",
    )
    odd = equal_verdict(mean.subs(z, -z), -mean)
    verdict = decide_claim(
        builder,
        odd,
        lhs=_MEAN(-z),
        rel="=",
        rhs=-_MEAN(z),
        words="the posterior mean is odd",
        reason="the closed form at -z; likelihood and prior are symmetric",
        check=lambda: check_same(mean.subs(z, -z), -mean),
        refute=lambda: check_unequal(mean.subs(z, -z), -mean),
    )
    at_zero = sp.simplify(mean.subs(z, 0))
    builder.equal(at_zero, 0, "the closed form at z = 0", show=_MEAN(0))
    builder.note(
        "m(z) = 0 if and only if z = 0: the posterior mean is never exactly 0 for z != 0",
        "m(z) > 0 for z > 0, m(z) = -m(-z) < 0 for z < 0, and m(0) = 0",
    )
    return verdict


@functools.lru_cache(maxsize=8)
def bayes(laplace_map: Any = None, gaussian_map: Any = None) -> Theorem:
    """Theorem 8: lasso = MAP under a Laplace prior, ridge = MAP under a Gaussian prior; the posterior mean is never 0.

    The negative log posterior of ``z ~ N(beta, sigma^2)`` with each prior
    (densities from :mod:`sympy.stats`) is compared with the estimator's
    objective (:func:`derive.estimators.estimator`); the lambda making them
    proportional is solved for and compared with the stated map.  The
    posterior mean under the Laplace prior is derived (four Gaussian
    integrals), compared with its closed form with ``Phi`` and with numerical
    integration, and shown to vanish only at ``z = 0`` (sign argument).

    Parameters
    ----------
    laplace_map : sympy.Expr, optional
        The stated lambda for the Laplace prior, in ``sigma`` and ``b``
        (default :data:`LAPLACE_MAP`, ``sigma^2/b``).  A wrong map, e.g.
        ``sigma**2/(2*b)``, makes the theorem report ``holds=False``.
    gaussian_map : sympy.Expr, optional
        The stated lambda for the Gaussian prior ``N(0, tau^2)`` in the
        convention ``(1/2)(z - beta)^2 + lambda beta^2`` (default
        :data:`GAUSSIAN_MAP`, ``sigma^2/(2 tau^2)``).

    Returns
    -------
    Theorem
        ``proof.result`` is ``(lambda_Laplace, lambda_Gauss, lambda_Gauss_ESL, m(z))``
        as derived; extras ``map`` (the MAP estimate, soft thresholding at
        ``sigma^2/b``), ``posterior_mean``, ``prior`` (the Laplace density in
        ``beta``), ``gaussian_prior`` and ``ridge_map`` (the MAP estimate under
        the Gaussian prior).

    Raises
    ------
    VerificationError
        If a derivation step fails its check.

    Examples
    --------
    >>> t = bayes()
    >>> t.holds, t.proof.result[:3]
    (True, (sigma**2/b, sigma**2/(2*tau**2), sigma**2/tau**2))
    >>> bayes(laplace_map=sigma**2/(2*b)).holds
    False
    """
    laplace_map = LAPLACE_MAP if laplace_map is None else sp.sympify(laplace_map)
    gaussian_map = GAUSSIAN_MAP if gaussian_map is None else sp.sympify(gaussian_map)
    builder = DerivationBuilder(
        "Theorem 8: MAP estimates and the posterior mean for z ~ N(beta, sigma^2)",
        assumptions=(z, beta, sigma, b, tau, lam),
    )
    builder.define(
        Density(beta, z),
        _LIKELIHOOD * _PRIOR / Density(z),
        "Bayes' rule: likelihood L(beta) = p(z | beta) times prior pi(beta), normalised by the marginal p(z)",
        rel="=",
    )
    builder.equal(
        _laplace_prior(),
        sp.exp(-sp.Abs(beta) / b) / (2 * b),
        "the Laplace prior with scale b (sympy.stats density)",
        show=_PRIOR,
    )
    laplace = _map_instance(
        builder, "Laplace", _laplace_prior(), "lasso", laplace_map, "(1/2)(z - beta)^2 + lambda |beta|, ESL's lasso"
    )
    builder.equal(
        _gaussian_prior(),
        sp.exp(-(beta**2) / (2 * tau**2)) / (sp.sqrt(2 * sp.pi) * tau),
        "the Gaussian prior N(0, tau^2) (sympy.stats density)",
        show=_PRIOR,
    )
    gauss = _map_instance(
        builder, "Gauss", _gaussian_prior(), lam * beta**2, gaussian_map, "(1/2)(z - beta)^2 + lambda beta^2"
    )
    esl = _map_instance(
        builder, "Gauss (ESL)", _gaussian_prior(), "ridge", GAUSSIAN_MAP_ESL, "ESL's ridge (z - beta)^2 + lambda beta^2"
    )
    soft = estimator("lasso")
    map_estimate = soft.result.subs(lam, laplace[2])
    summarise(builder, soft, sp.Symbol("betahat_lasso"), "the lasso estimate (derive.estimators)")
    builder.define(
        sp.Symbol("betahat_MAP"),
        map_estimate,
        f"the MAP estimate under the Laplace prior: the lasso estimate at lambda = {expr_to_text(laplace[2])}, "
        "exactly 0 for |z| <= sigma^2/b",
        rel="=",
    )
    ridge_map = estimator(lam * beta**2).result.subs(lam, gauss[2])
    builder.define(
        sp.Symbol("betahat_MAP,Gauss"),
        ridge_map,
        f"the MAP estimate under the Gaussian prior: the ridge estimate at lambda = {expr_to_text(gauss[2])}, 0 only "
        "at z = 0 (it is also the posterior mean: the posterior is normal)",
        rel="=",
    )
    mean, closed_verdict = _posterior_mean(builder)
    odd_verdict = _never_zero(builder, mean)
    instances = (
        (f"Laplace prior: MAP = lasso with lambda = {expr_to_text(laplace_map)}", laplace[1]),
        (f"Gaussian prior: MAP = ridge with lambda = {expr_to_text(gaussian_map)}", gauss[1]),
        (f"Gaussian prior, ESL convention: lambda = {expr_to_text(GAUSSIAN_MAP_ESL)}", esl[1]),
        ("posterior mean (Laplace prior) = closed form with Phi", closed_verdict),
        ("posterior mean is odd, positive for z > 0: zero only at z = 0", odd_verdict),
    )
    proof = builder.build(
        sp.Tuple(laplace[2], gauss[2], esl[2], mean),
        extras=(
            ("map", map_estimate),
            ("posterior_mean", mean),
            ("prior", _laplace_prior()),
            ("gaussian_prior", _gaussian_prior()),
            ("ridge_map", ridge_map),
        ),
        parameters=(z, sigma, b, tau),
    )
    statement = (
        f"Let z ~ N(beta, sigma^2). Under the Laplace prior exp(-|beta|/b)/(2b) the MAP estimate of beta minimises "
        f"(1/2)(z - beta)^2 + lambda|beta| with lambda = {expr_to_text(laplace_map)}: it is the lasso (soft "
        f"thresholding), exactly 0 for |z| <= lambda. Under the Gaussian prior N(0, tau^2) it minimises (1/2)(z - "
        f"beta)^2 + lambda beta^2 with lambda = {expr_to_text(gaussian_map)} (lambda = sigma^2/tau^2 for "
        "(z - beta)^2 + lambda beta^2): ridge. The posterior mean under the Laplace prior, m(z) = "
        f"{expr_to_text(posterior_mean_closed_form())}, is 0 only at z = 0."
    )
    statement_latex = (
        "Let $z \\sim \\mathcal{N}(\\beta, \\sigma^2)$. Under the Laplace prior "
        f"${latex_of(sp.exp(-sp.Abs(beta) / b) / (2 * b))}$ the MAP estimate of $\\beta$ minimises "
        f"$\\tfrac12 (z - \\beta)^2 + \\lambda|\\beta|$ with $\\lambda = {latex_of(laplace_map)}$: it is the lasso "
        "(soft thresholding), exactly $0$ for $|z| \\le \\lambda$. Under the Gaussian prior "
        f"$\\mathcal{{N}}(0, \\tau^2)$ it minimises $\\tfrac12 (z - \\beta)^2 + \\lambda \\beta^2$ with "
        f"$\\lambda = {latex_of(gaussian_map)}$ ($\\lambda = \\sigma^2/\\tau^2$ for $(z - \\beta)^2 + \\lambda "
        "\\beta^2$): ridge. The posterior mean under the Laplace prior, "
        f"${latex_of(_MEAN(z))} = {latex_of(posterior_mean_closed_form())}$, is $0$ only at $z = 0$."
    )
    return Theorem.from_instances(
        name=NAME,
        title=TITLE,
        statement=statement,
        statement_latex=statement_latex,
        proof=proof,
        instances=instances,
    )
