"""Conventions and the derived maps between their parameters.

References: ESL 2nd ed. eqs (3.41) (ridge, no 1/2) and (3.52) (lasso, with
1/2); Tibshirani (1996), eq. (1) (unhalved RSS); scikit-learn's documented
objectives for Lasso ``(1/(2 n_samples)) ||y - Xw||^2 + alpha ||w||_1``, Ridge
``||y - Xw||^2 + alpha ||w||^2`` and ElasticNet; glmnet (Friedman, Hastie and
Tibshirani 2010, eq. (1)).  The maps are checked against the estimators
themselves: the same data must give the same estimate.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from derive.conventions import CONVENTIONS, alpha, convert, get_convention, n
from derive.errors import NoClosedFormError, OptionError
from derive.estimators import d, estimator
from derive.symbols import lam, z


def _s(name: str, conv: str) -> sp.Symbol:
    template = {"alpha": alpha, "n": n}.get(name, sp.Symbol(name, positive=True))
    return sp.Symbol(f"{name}_{conv}", **template.assumptions0)


@pytest.mark.parametrize(
    ("name", "from_", "to", "expected"),
    [
        # scikit-learn's alpha is lambda_ESL / n for the lasso ((1/(2n)) versus (1/2) on the same RSS)
        ("lasso", "esl", "sklearn", {"alpha_sklearn": _s("lambda", "esl") / n}),
        ("lasso", "sklearn", "esl", {"lambda_esl": n * _s("alpha", "sklearn")}),
        # Ridge has no 1/n in scikit-learn: the same weight
        ("ridge", "esl", "sklearn", {"alpha_sklearn": _s("lambda", "esl")}),
        ("ridge", "glmnet", "esl", {"lambda_esl": n * _s("lambda", "glmnet")}),
        # Tibshirani's unhalved Lagrangian: lambda_ESL = lambda_1996 / 2
        ("lasso", "tibshirani1996", "esl", {"lambda_esl": _s("lambda", "tibshirani1996") / 2}),
        # glmnet and scikit-learn: the same objective with alpha (glmnet) = l1_ratio, lambda = alpha
        (
            "elastic_net",
            "glmnet",
            "sklearn",
            {"alpha_sklearn": _s("lambda", "glmnet"), "l1_ratio_sklearn": _s("alpha", "glmnet")},
        ),
        (
            "elastic_net",
            "esl",
            "sklearn",
            {
                "alpha_sklearn": (_s("lambda1", "esl") / 2 + _s("lambda2", "esl")) / n,
                "l1_ratio_sklearn": _s("lambda1", "esl") / (_s("lambda1", "esl") + 2 * _s("lambda2", "esl")),
            },
        ),
        ("garrote", "tibshirani1996", "esl", {"lambda_esl": _s("lambda", "tibshirani1996") / 2}),
        ("group_lasso", "esl", "glmnet", {"lambda_glmnet": _s("lambda", "esl") / n}),
        ("scad", "sklearn", "glmnet", {"lambda_glmnet": _s("lambda", "sklearn")}),
    ],
)
def test_convert_derives_the_parameter_map(name, from_, to, expected):
    deriv = convert(name, from_, to)
    got = {p.name: e for p, e in deriv.extra("map")}
    assert set(got) == set(expected)
    for key, value in expected.items():
        assert sp.simplify(got[key] - value) == 0, (key, got[key], value)
    assert deriv.steps[0].check.method == "definition" and from_ in deriv.steps[0].reason
    assert deriv.steps[1].check.method == "definition" and to in deriv.steps[1].reason
    (solved,) = [s for s in deriv.steps if s.reason.startswith("equate the coefficients")]
    assert solved.check.method == "symbolic"
    for view in (deriv.to_text(), deriv.to_latex(), deriv.to_markdown()):
        assert view


def test_convert_round_trip_is_the_identity():
    forward = dict(convert("elastic_net", "esl", "sklearn").extra("map"))
    backward = dict(convert("elastic_net", "sklearn", "esl").extra("map"))
    for p, e in backward.items():
        assert sp.simplify(e.subs(forward) - p) == 0


@pytest.mark.parametrize(("name", "from_", "to"), [("lasso", "esl", "sklearn"), ("ridge", "glmnet", "esl")])
def test_converted_parameters_give_the_same_estimate_on_the_same_data(name, from_, to):
    # same data: a diagonal Gram matrix D, the same z and d in both conventions
    source = estimator(name, convention=from_, design="diagonal")
    target = estimator(name, convention=to, design="diagonal")
    mapping = convert(name, from_, to).extra("map")
    tag_from = {p: sp.Symbol(f"{p.name}_{from_}", **p.assumptions0) for p in source.result.free_symbols - {z, d, n}}
    tag_to = {p: sp.Symbol(f"{p.name}_{to}", **p.assumptions0) for p in target.result.free_symbols - {z, d, n}}
    mapped = target.result.xreplace(tag_to).subs(dict(mapping))
    rng = np.random.default_rng(3)
    for _ in range(20):
        values = {s: sp.Rational(int(rng.integers(1, 4000)), 1000) for s in tag_from.values()}
        values.update({d: sp.Rational(int(rng.integers(1, 5000)), 1000), n: int(rng.integers(5, 300))})
        values[z] = sp.Rational(int(rng.integers(-8000, 8000)), 1000)
        want = source.result.xreplace(tag_from).subs(values)
        assert sp.simplify(mapped.subs(values) - want) == 0


def test_scad_has_no_map_between_different_losses():
    with pytest.raises(NoClosedFormError, match="no parameters of the sklearn convention"):
        convert("scad", "esl", "sklearn")


def test_convert_rejects_unknown_names():
    with pytest.raises(OptionError, match="unknown estimator 'lass'"):
        convert("lass", "esl", "sklearn")
    with pytest.raises(OptionError, match="unknown convention 'glm'"):
        convert("lasso", "esl", "glm")


def test_esl_rows_state_which_use_a_half():
    esl = get_convention("esl")
    # ESL eq. (3.52) and Table 3.4: the lasso row has the 1/2; eq. (3.41): the ridge row has none.
    assert esl.scaling("lasso").loss_weight == sp.Rational(1, 2) and "with the 1/2" in esl.scaling("lasso").row
    assert esl.scaling("ridge").loss_weight == 1 and "no 1/2" in esl.scaling("ridge").row
    assert esl.scaling("best_subset").penalty_weight is None
    assert esl.scaling("garrote").loss_weight == sp.Rational(1, 2)  # not in Table 3.4: the lasso's scaling
    assert esl.scaling("elastic_net").loss_weight == 1  # Zou and Hastie's unhalved form


def test_other_conventions():
    sk, glm, tib = (get_convention(c) for c in ("sklearn", "glmnet", "tibshirani1996"))
    assert sk.scaling("lasso").loss_weight == 1 / (2 * n) and sk.scaling("lasso").gram_scale == n
    assert sk.scaling("ridge").loss_weight == 1  # scikit-learn's Ridge has no 1/n
    assert len(sk.scaling("elastic_net").weights) == 2
    assert glm.scaling("ridge").weights == (lam / 2,)
    assert tib.scaling("lasso").loss_weight == 1 and "lambda/2" in tib.scaling("lasso").written
    assert set(CONVENTIONS) == {"esl", "tibshirani1996", "sklearn", "glmnet"}
    with pytest.raises(OptionError, match="choose one of esl, tibshirani1996, sklearn, glmnet"):
        get_convention("ESL")


# --------------------------------------------------------------------------------------------
# Tibshirani (1996): the bound t and the multiplier lambda, derived (KKT), checked by exact projection
# --------------------------------------------------------------------------------------------
def _project_l1_ball(zs: np.ndarray, t: float) -> tuple[np.ndarray, float]:
    """Euclidean projection of z onto {||b||_1 <= t} by bisection on the soft-threshold level (independent of
    derive): b = soft(z, g) with sum_j (|z_j| - g)_+ = t, a decreasing function of g; 200 halvings."""
    if np.abs(zs).sum() <= t:
        return zs.copy(), 0.0
    lo, hi = 0.0, float(np.abs(zs).max())
    for _ in range(200):
        mid = (lo + hi) / 2
        if np.maximum(np.abs(zs) - mid, 0).sum() > t:
            lo = mid
        else:
            hi = mid
    g = (lo + hi) / 2
    return np.sign(zs) * np.maximum(np.abs(zs) - g, 0), g


def test_constrained_lasso_map_is_derived():
    from derive.conventions import constrained_lasso, k_active, t_bound

    deriv = constrained_lasso()
    assert sp.simplify(deriv.extra("lambda_of_t") - 2 * (sp.Symbol("S_k") - t_bound) / k_active) == 0
    reasons = " ".join(s.reason for s in deriv.steps)
    assert "complementary slackness" in reasons and "Slater" in reasons
    # the soft threshold at lambda/2 comes from the lasso derivation of the tibshirani1996 convention
    assert any(s.reason.startswith("minimise the Lagrangian over beta") for s in deriv.steps)
    assert deriv.extra("per_coordinate") == sp.Max(sp.Abs(z) - lam / 2, 0)
    kkt = [s for s in deriv.steps if "KKT conditions hold" in s.reason]
    assert kkt and kkt[0].check.method == "symbolic"


def test_lambda_for_bound_agrees_with_the_exact_l1_projection():
    from derive.conventions import lambda_for_bound

    rng = np.random.default_rng(1996)
    lasso = estimator("lasso", convention="tibshirani1996").numeric()
    worst = 0.0
    for _ in range(50):
        zs = rng.normal(scale=2, size=rng.integers(1, 40))
        t = float(rng.uniform(0.05, 1.2)) * np.abs(zs).sum()
        projected, level = _project_l1_ball(zs, t)
        lam_value = lambda_for_bound(zs, t)
        if np.abs(zs).sum() <= t:
            assert lam_value == 0.0  # the constraint is inactive
            continue
        np.testing.assert_allclose(lam_value, 2 * level, rtol=1e-12)
        estimate = lasso(zs, lam=lam_value)
        worst = max(worst, float(np.max(np.abs(estimate - projected))))
        np.testing.assert_allclose(np.abs(estimate).sum(), t, rtol=1e-12)  # the constraint is active
    assert worst < 1e-12
    # mutation: Tibshirani's level gamma used as the multiplier (forgetting lambda = 2 gamma) fails
    zs = np.array([3.0, -1.0, 0.5])
    assert not np.allclose(lasso(zs, lam=lambda_for_bound(zs, 2.0) / 2), _project_l1_ball(zs, 2.0)[0])


def test_lambda_for_bound_rejects_a_bad_bound():
    from derive.conventions import lambda_for_bound
    from derive.errors import WeightError

    with pytest.raises(WeightError, match="the bound t must be a positive finite number"):
        lambda_for_bound([1.0, 2.0], -1.0)


def test_bound_map_check_can_fail():
    from derive.conventions import _check_bound_map, k_active, t_bound
    from derive.errors import VerificationError

    with pytest.raises(VerificationError):  # mutation: the level without dividing by k
        _check_bound_map(sp.Symbol("S_k") - t_bound + 0 * k_active)
