"""Estimators for orthogonal designs, checked against independent truth.

References (the textbook formulas live here, never in ``derive``):

* Hastie, Tibshirani and Friedman, *The Elements of Statistical Learning*,
  2nd ed., 2009, Table 3.4 (p. 71), orthonormal X: best subset (size M)
  ``z * I(|z| >= |z_(M)|)``, ridge ``z/(1 + lambda)``, lasso
  ``sign(z)(|z| - lambda)_+``;
* Tibshirani (1996), Section 2.2: lasso ``sign(z)(|z| - gamma)_+`` (gamma =
  lambda/2 for the unhalved Lagrangian), garrote ``(1 - gamma/z^2)_+ z``;
* Zou and Hastie (2005), eq. (6): naive elastic net
  ``(|z| - lambda1/2)_+ sign(z) / (1 + lambda2)``; the corrected one is
  ``(1 + lambda2)`` times it;
* Breiman (1995): garrote ``(1 - lambda/z^2)_+ z`` (1/2 on the RSS);
* Zou (2006): adaptive lasso ``sign(z)(|z| - lambda/|z|^gamma)_+``;
* Yuan and Lin (2006): block soft threshold ``(1 - lambda/||z_g||)_+ z_g``;

plus a brute-force high-precision minimisation of each per-coordinate
objective, a coordinate-descent solver of the full problem on random
orthonormal designs built with a QR decomposition (n = 300, p = 30) that never
uses the orthogonality, and scikit-learn itself (test-only dependency).
"""

from __future__ import annotations

import itertools
import random

import mpmath
import numpy as np
import pytest
import sympy as sp

from derive.conventions import alpha, l1_ratio, lam1, lam2, n
from derive.errors import (
    AssumptionError,
    NoClosedFormError,
    OptionError,
    UnsupportedPenaltyError,
    VariableError,
    VerificationError,
    WeightError,
)
from derive.estimators import ESTIMATORS, a_scad, check_minimiser, d, estimator, gamma, r, rho, t_M
from derive.symbols import beta, lam, z

try:
    from tests._argmin import brute_argmin, coordinate_descent
except ImportError:  # tests/ on sys.path rather than the project root
    from _argmin import brute_argmin, coordinate_descent

#: The convex estimators derived here (the non-convex ones need derive.nonconvex).
CONVEX = (
    "lasso",
    "ridge",
    "best_subset",
    "elastic_net",
    "elastic_net_corrected",
    "garrote",
    "adaptive_lasso",
    "positive_lasso",
    "group_lasso",
)


@pytest.fixture
def np_rng() -> np.random.Generator:
    return np.random.default_rng(20261124)


@pytest.fixture(scope="module")
def derived():
    return {
        (name, conv): estimator(name, convention=conv) for name in ("lasso", "ridge") for conv in ("esl", "sklearn")
    }


# --------------------------------------------------------------------------------------------
# ESL Table 3.4 and the source papers
# --------------------------------------------------------------------------------------------
def _esl_table_34(name: str, zs: np.ndarray, lam_value: float) -> np.ndarray:
    # ESL Table 3.4, orthonormal columns: lasso sign(z)(|z| - lambda)_+, ridge z/(1 + lambda).
    if name == "lasso":
        return np.sign(zs) * np.maximum(np.abs(zs) - lam_value, 0.0)
    return zs / (1.0 + lam_value)


@pytest.mark.parametrize("name", ["lasso", "ridge"])
def test_esl_rows_match_table_3_4(derived, name, np_rng):
    d = derived[(name, "esl")]
    f = d.numeric()
    for _ in range(20):
        lam_value = float(np_rng.uniform(0.05, 5))
        zs = np.asarray([np_rng.uniform(-10, 10) for _ in range(50)])
        np.testing.assert_allclose(f(zs, lam=lam_value), _esl_table_34(name, zs, lam_value), rtol=1e-13, atol=1e-13)


def test_esl_best_subset_row_matches_table_3_4(np_rng):
    # ESL Table 3.4, best subset (size M): beta_j * I(|beta_j| >= |beta_(M)|), beta_j the OLS estimate.
    f = estimator("best_subset").numeric()
    for _ in range(20):
        zs = np_rng.uniform(-5, 5, size=12)
        m = int(np_rng.integers(1, 12))
        zm = np.sort(np.abs(zs))[::-1][m - 1]
        np.testing.assert_array_equal(f(zs, t_M=zm), zs * (np.abs(zs) >= zm))
    assert estimator("best_subset").extra("threshold") == t_M


@pytest.mark.parametrize(
    ("name", "convention", "reference"),
    [
        # Tibshirani (1996), Section 2.2: gamma = lambda/2 for the unhalved Lagrangian form.
        ("lasso", "tibshirani1996", lambda zs, p: np.sign(zs) * np.maximum(np.abs(zs) - p["lam"] / 2, 0)),
        ("garrote", "tibshirani1996", lambda zs, p: np.maximum(1 - p["lam"] / (2 * zs**2), 0) * zs),
        # Breiman (1995) with 1/2 on the RSS.
        ("garrote", "esl", lambda zs, p: np.maximum(1 - p["lam"] / zs**2, 0) * zs),
        # Zou and Hastie (2005), eq. (6) and the corrected estimate (1 + lambda2) * naive.
        (
            "elastic_net",
            "esl",
            lambda zs, p: np.sign(zs) * np.maximum(np.abs(zs) - p["lambda1"] / 2, 0) / (1 + p["lambda2"]),
        ),
        ("elastic_net_corrected", "esl", lambda zs, p: np.sign(zs) * np.maximum(np.abs(zs) - p["lambda1"] / 2, 0)),
        # Zou (2006), orthogonal design, with 1/2 on the RSS.
        (
            "adaptive_lasso",
            "esl",
            lambda zs, p: np.sign(zs) * np.maximum(np.abs(zs) - p["lam"] / np.abs(zs) ** p["gamma"], 0),
        ),
        ("positive_lasso", "esl", lambda zs, p: np.maximum(zs - p["lam"], 0)),
        # scikit-learn's ElasticNet with X^T X = n I: soft(z, alpha l1_ratio) / (1 + alpha (1 - l1_ratio)).
        (
            "elastic_net",
            "sklearn",
            lambda zs, p: (
                np.sign(zs)
                * np.maximum(np.abs(zs) - p["alpha"] * p["l1_ratio"], 0)
                / (1 + p["alpha"] * (1 - p["l1_ratio"]))
            ),
        ),
        # glmnet: soft(z, lambda alpha) / (1 + lambda (1 - alpha)).
        (
            "elastic_net",
            "glmnet",
            lambda zs, p: (
                np.sign(zs) * np.maximum(np.abs(zs) - p["lam"] * p["alpha"], 0) / (1 + p["lam"] * (1 - p["alpha"]))
            ),
        ),
    ],
)
def test_rows_match_their_source_papers(name, convention, reference, np_rng):
    deriv = estimator(name, convention=convention)
    f = deriv.numeric()
    names = [p.name if p.name != "lambda" else "lam" for p in deriv.parameters]
    for _ in range(10):
        params = {k: float(np_rng.uniform(0.1, 3)) for k in names}
        if "l1_ratio" in params:
            params["l1_ratio"] = float(np_rng.uniform(0.05, 0.95))
        if convention == "glmnet" and "alpha" in params:
            params["alpha"] = float(np_rng.uniform(0.05, 0.95))
        zs = np_rng.uniform(-6, 6, size=200)
        np.testing.assert_allclose(f(zs, **params), reference(zs, params), rtol=1e-12, atol=1e-12)


def test_group_lasso_is_the_block_soft_threshold(np_rng):
    # Yuan and Lin (2006), orthonormal groups: (1 - lambda/||z_g||)_+ z_g.
    deriv = estimator("group_lasso")
    factor = sp.lambdify((r, lam), deriv.extra("factor"), "numpy")
    radius = deriv.numeric()
    for _ in range(30):
        zg = np_rng.normal(size=int(np_rng.integers(1, 6))) * np_rng.uniform(0.1, 3)
        lam_value = float(np_rng.uniform(0.1, 3))
        norm = float(np.linalg.norm(zg))
        np.testing.assert_allclose(factor(norm, lam_value) * zg, max(0.0, 1 - lam_value / norm) * zg, atol=1e-14)
        assert radius(norm, lam=lam_value) == pytest.approx(max(norm - lam_value, 0.0), abs=1e-14)


# --------------------------------------------------------------------------------------------
# The derivation's structure
# --------------------------------------------------------------------------------------------
def test_first_step_states_the_objective(derived):
    for (name, conv), deriv in derived.items():
        assert deriv.steps[0].check.method == "definition"
        assert conv in deriv.steps[0].reason
        assert "1/2" in deriv.convention or "1/(2n)" in deriv.convention or name == "ridge"


@pytest.mark.parametrize(
    ("name", "convention", "fragment"),
    [
        ("lasso", "esl", "(1/2)||y - X beta||^2 + lambda ||beta||_1"),
        ("ridge", "esl", "||y - X beta||^2 + lambda ||beta||_2^2 (eq. (3.41) and Table 3.4, ridge row: no 1/2)"),
        ("elastic_net", "esl", "||y - X beta||^2 + lambda2 ||beta||_2^2 + lambda1 ||beta||_1"),
        ("lasso", "tibshirani1996", "subject to ||beta||_1 <= t; his threshold gamma is lambda/2"),
        ("elastic_net", "sklearn", "(1/(2n))||y - X w||^2 + alpha l1_ratio ||w||_1 + (alpha (1 - l1_ratio)/2)"),
        ("elastic_net", "glmnet", "(1/(2n))||y - X b||^2 + lambda [(1 - alpha)/2 ||b||_2^2 + alpha ||b||_1]"),
        ("garrote", "sklearn", "(1/(2n))||y - X w||^2 + lambda sum_j c_j"),
        ("ridge", "sklearn", "||y - X w||^2 + alpha ||w||_2^2"),
    ],
)
def test_first_step_says_which_scaling(name, convention, fragment):
    deriv = estimator(name, convention=convention)
    assert fragment in deriv.steps[0].reason
    assert deriv.steps[0].check.method == "definition"


def test_results_in_z_and_parameters(derived):
    assert derived[("lasso", "esl")].result.free_symbols == {z, lam}
    assert derived[("ridge", "sklearn")].result.free_symbols == {z, alpha, n}
    assert derived[("lasso", "esl")].extra("threshold") == lam
    assert derived[("ridge", "esl")].extra("threshold") == 0
    assert estimator("elastic_net").result.free_symbols == {z, lam1, lam2}
    assert estimator("elastic_net", convention="sklearn").result.free_symbols == {z, alpha, l1_ratio}
    assert estimator("adaptive_lasso").result.free_symbols == {z, lam, gamma}


@pytest.mark.parametrize(
    ("name", "convention", "threshold"),
    [
        ("lasso", "esl", lam),
        ("lasso", "tibshirani1996", lam / 2),
        ("lasso", "sklearn", alpha),
        ("ridge", "esl", sp.Integer(0)),
        ("elastic_net", "esl", lam1 / 2),
        ("elastic_net_corrected", "esl", lam1 / 2),
        ("elastic_net", "sklearn", alpha * l1_ratio),
        ("garrote", "esl", sp.sqrt(lam)),
        ("adaptive_lasso", "esl", lam ** (1 / (1 + gamma))),
        ("positive_lasso", "esl", lam),
        ("group_lasso", "esl", lam),
        ("best_subset", "esl", t_M),
    ],
)
def test_threshold_is_derived_as_its_own_step(name, convention, threshold):
    deriv = estimator(name, convention=convention)
    assert sp.simplify(deriv.extra("threshold") - threshold) == 0
    (step,) = [s for s in deriv.steps if s.reason.startswith("the threshold, the largest")]
    assert step.check.method == "numeric" and sp.simplify(step.statement.rhs - threshold) == 0


def test_every_estimator_has_a_derivation_that_prints():
    for name in CONVEX:
        deriv = estimator(name)
        assert deriv.objective is not None and deriv.variable is not None
        for view in (deriv.to_text(), deriv.to_markdown(), deriv.to_latex()):
            assert view


def test_params_are_substituted_and_validated():
    deriv = estimator("adaptive_lasso", gamma=1)
    assert deriv.extra("threshold") == sp.sqrt(lam)
    assert estimator("elastic_net", convention="sklearn", l1_ratio=sp.Rational(1, 2)).result.free_symbols == {z, alpha}
    assert estimator("lasso", lam=2).extra("threshold") == 2
    # a given column scale d is substituted everywhere (the loss weight after the reduction too)
    assert estimator("lasso", design="diagonal", d=3).extra("threshold") == lam / 3
    assert estimator("mcp", design="diagonal", d=2).extra("threshold") == lam / 2
    with pytest.raises(WeightError, match=r"lambda must be positive \(lambda > 0\), got -1; pass a positive"):
        estimator("lasso", lam=-1)
    with pytest.raises(OptionError, match="l1_ratio < 1"):
        estimator("elastic_net", convention="sklearn", l1_ratio=2)


def _half_threshold(zs: np.ndarray, lam_value: float) -> np.ndarray:
    # Xu, Chang, Xu and Zhang (2012), L1/2 half thresholding for ||z - b||^2 + mu |b|^(1/2); here mu = 2 lambda.
    mu = 2 * lam_value
    t = 54 ** (1 / 3) / 4 * mu ** (2 / 3)
    a = np.abs(zs)
    with np.errstate(invalid="ignore", divide="ignore"):
        phi = np.arccos(mu / 8 * (a / 3) ** (-1.5))
        kept = 2 / 3 * zs * (1 + np.cos(2 * np.pi / 3 - 2 / 3 * phi))
    return np.where(a > t, kept, 0.0)


@pytest.mark.parametrize(
    ("name", "kwargs", "reference"),
    [
        # hard thresholding at sqrt(2 lambda) for (1/2)(z - b)^2 + lambda 1[b != 0]
        ("l0", {}, lambda zs, p: zs * (np.abs(zs) > np.sqrt(2 * p["lam"]))),
        # Fan and Li (2001), eq. (2.8)
        (
            "scad",
            {},
            lambda zs, p: np.where(
                np.abs(zs) <= 2 * p["lam"],
                np.sign(zs) * np.maximum(np.abs(zs) - p["lam"], 0),
                np.where(
                    np.abs(zs) <= p["a"] * p["lam"],
                    ((p["a"] - 1) * zs - np.sign(zs) * p["a"] * p["lam"]) / (p["a"] - 2),
                    zs,
                ),
            ),
        ),
        # Zhang (2010) MCP = the firm threshold of Gao and Bruce (1997)
        (
            "mcp",
            {},
            lambda zs, p: np.where(
                np.abs(zs) <= p["gamma"] * p["lam"],
                np.sign(zs) * np.maximum(np.abs(zs) - p["lam"], 0) * p["gamma"] / (p["gamma"] - 1),
                zs,
            ),
        ),
        ("bridge", {}, lambda zs, p: _half_threshold(zs, p["lam"])),
    ],
)
def test_nonconvex_rows_match_their_papers(name, kwargs, reference, np_rng):
    deriv = estimator(name, **kwargs)
    selection = dict(deriv.extras).get("selection", deriv.result)
    f = sp.lambdify((z, *deriv.parameters), selection, "numpy")
    names = [p.name if p.name != "lambda" else "lam" for p in deriv.parameters]
    for _ in range(10):
        params = {k: float(np_rng.uniform(0.2, 2)) for k in names}
        params["a"] = params.get("a", 0) and 2 + params["a"]
        params["gamma"] = params.get("gamma", 0) and 1 + params["gamma"]
        zs = np_rng.uniform(-8, 8, size=300)
        with np.errstate(invalid="ignore", divide="ignore"):
            got = np.asarray(f(zs, *[params[k] for k in names]), dtype=float)
        np.testing.assert_allclose(got, reference(zs, params), rtol=1e-10, atol=1e-10)


@pytest.mark.parametrize(
    ("name", "threshold", "jump"),
    [
        ("l0", sp.sqrt(2 * lam), True),
        ("bridge", sp.Rational(3, 2) * lam ** sp.Rational(2, 3), True),
        ("scad", lam, False),
        ("mcp", lam, False),
    ],
)
def test_nonconvex_thresholds_are_where_the_minimiser_jumps(name, threshold, jump):
    deriv = estimator(name)
    assert sp.simplify(deriv.extra("threshold") - threshold) == 0
    assert deriv.extra("route") == "global"
    assert bool(deriv.extra("jumps")) is jump
    if jump:  # set-valued at the jump: both 0 and the kept value minimise
        at = deriv.result.subs(z, threshold)
        assert isinstance(at, sp.FiniteSet) and 0 in at and len(at) == 2


# --------------------------------------------------------------------------------------------
# Brute-force minimisation of each objective (50 digits)
# --------------------------------------------------------------------------------------------
_BRUTE_KEYS = [(name, "esl", "orthonormal") for name in CONVEX] + [
    ("lasso", "sklearn", "orthonormal"),
    ("ridge", "sklearn", "orthonormal"),
    ("elastic_net", "sklearn", "orthonormal"),
    ("positive_lasso", "sklearn", "orthonormal"),
    ("elastic_net", "glmnet", "orthonormal"),
    ("lasso", "tibshirani1996", "orthonormal"),
    ("garrote", "tibshirani1996", "orthonormal"),
    ("lasso", "sklearn", "diagonal"),
    ("elastic_net", "esl", "diagonal"),
    ("garrote", "esl", "diagonal"),
    ("best_subset", "esl", "diagonal"),
    ("l0", "esl", "orthonormal"),
    ("scad", "esl", "orthonormal"),
    ("mcp", "esl", "orthonormal"),
    ("bridge", "esl", "orthonormal"),
]


def _random_point(deriv, rng: random.Random) -> dict:
    point = {}
    for s in sorted((deriv.objective.free_symbols | deriv.result.free_symbols) - {deriv.variable}, key=str):
        if s in (beta, rho):
            continue
        if s.name in ("l1_ratio",) or (s.name == "alpha" and "glmnet" in deriv.convention):
            point[s] = sp.Rational(rng.randint(50, 950), 1000)
        elif s.name == "a":  # SCAD: a > 2
            point[s] = 2 + sp.Rational(rng.randint(100, 3000), 1000)
        elif s.name == "gamma" and "MCP" in deriv.title:  # MCP: gamma > 1
            point[s] = 1 + sp.Rational(rng.randint(100, 3000), 1000)
        elif s == n:
            point[s] = sp.Integer(rng.randint(5, 400))
        else:
            point[s] = sp.Rational(rng.randint(100, 3000), 1000)
    value = sp.Rational(rng.randint(-6000, 6000), 1000) or sp.Rational(1, 7)
    point[deriv.variable] = abs(value) if deriv.variable == r else value
    return point


@pytest.mark.parametrize(("name", "convention", "design"), _BRUTE_KEYS)
def test_result_minimises_its_objective_brute_force(name, convention, design):
    deriv = estimator(name, convention=convention, design=design)
    coefficient = rho if name == "group_lasso" else beta
    rng = random.Random(hash((name, convention, design)) % 1000)
    with mpmath.workdps(50):
        for _ in range(4):
            point = _random_point(deriv, rng)
            objective = deriv.objective.subs(point)
            f = sp.lambdify(coefficient, objective, "mpmath")
            want = sp.N(deriv.result.subs(point), 60)
            bound = 4 * (1 + abs(float(point[deriv.variable])))
            got = brute_argmin(f, -bound, bound, digits=50, grid=240, extra=(0,))
            assert abs(got - mpmath.mpf(str(want))) < mpmath.mpf(10) ** -38 * (1 + abs(got)), (point, got, want)


def test_brute_force_detects_a_mutated_estimate():
    # Mutation: soft thresholding at 2*lambda instead of lambda is not the minimiser of the lasso objective.
    deriv = estimator("lasso")
    mutated = sp.sign(z) * sp.Max(sp.Abs(z) - 2 * lam, 0)
    point = {lam: sp.Rational(1), z: sp.Rational(5, 2)}
    with mpmath.workdps(50):
        f = sp.lambdify(beta, deriv.objective.subs(point), "mpmath")
        got = brute_argmin(f, -10, 10, digits=50, grid=240, extra=(0,))
    assert abs(got - 1.5) < 1e-30 and abs(got - float(mutated.subs(point))) > 0.9
    with pytest.raises(VerificationError, match=r"not a local minimiser|smaller objective"):
        check_minimiser(deriv.objective, beta, mutated)


# --------------------------------------------------------------------------------------------
# Random orthonormal (and diagonal) designs: coordinate descent on the full problem
# --------------------------------------------------------------------------------------------
def _design(np_rng, rows: int, cols: int, scale: np.ndarray | float) -> np.ndarray:
    Q, _ = np.linalg.qr(np_rng.standard_normal((rows, cols)))
    return Q * np.sqrt(scale)  # X^T X = diag(scale)


def _response(np_rng, X: np.ndarray) -> np.ndarray:
    cols = X.shape[1]
    truth = np_rng.standard_normal(cols) * 3 * (np_rng.uniform(size=cols) < 0.5)
    return X @ truth + np_rng.standard_normal(X.shape[0])  # z = truth + noise / sqrt(d_j)


_ABS = np.abs


def _scad(theta: np.ndarray, lam_value: float, a: float) -> np.ndarray:
    # Fan and Li (2001), eq. (2.7) integrated: the SCAD penalty of theta = |b|.
    return np.where(
        theta <= lam_value,
        lam_value * theta,
        np.where(
            theta <= a * lam_value,
            (2 * a * lam_value * theta - theta**2 - lam_value**2) / (2 * (a - 1)),
            (a + 1) * lam_value**2 / 2,
        ),
    )


@pytest.mark.parametrize(
    ("name", "convention", "design", "values"),
    [
        ("lasso", "esl", "orthonormal", {"lam": 0.8}),
        ("ridge", "esl", "orthonormal", {"lam": 0.7}),
        ("elastic_net", "esl", "orthonormal", {"lambda1": 1.3, "lambda2": 0.6}),
        ("elastic_net_corrected", "esl", "orthonormal", {"lambda1": 1.3, "lambda2": 0.6}),
        ("positive_lasso", "esl", "orthonormal", {"lam": 0.5}),
        ("adaptive_lasso", "esl", "orthonormal", {"lam": 0.6, "gamma": 1.0}),
        ("garrote", "esl", "orthonormal", {"lam": 0.9}),
        ("lasso", "sklearn", "orthonormal", {"alpha": 0.3}),
        ("elastic_net", "glmnet", "orthonormal", {"lam": 0.4, "alpha": 0.6}),
        ("lasso", "esl", "diagonal", {"lam": 2.0}),
        ("elastic_net", "esl", "diagonal", {"lambda1": 3.0, "lambda2": 1.5}),
        ("garrote", "esl", "diagonal", {"lam": 4.0}),
        ("l0", "esl", "orthonormal", {"lam": 1.1}),
        ("scad", "esl", "orthonormal", {"lam": 0.7, "a": 3.7}),
        ("mcp", "esl", "orthonormal", {"lam": 0.7, "gamma": 2.5}),
    ],
)
def test_full_problem_by_coordinate_descent(name, convention, design, values, np_rng):
    deriv = estimator(name, convention=convention, design=design)
    rows, cols = 300, 30
    if design == "orthonormal":
        scale = 1.0 if convention in ("esl", "tibshirani1996") else float(rows)
        gram = np.full(cols, scale)
    else:
        gram = np_rng.uniform(0.5, 6.0, size=cols)
    X = _design(np_rng, rows, cols, gram)
    y = _response(np_rng, X)
    ols = X.T @ y / gram
    c = {"esl": 0.5, "sklearn": 1 / (2 * rows), "glmnet": 1 / (2 * rows)}[convention]
    if name in ("ridge", "elastic_net", "elastic_net_corrected") and convention == "esl":
        c = 1.0
    v = values
    penalties = {
        "lasso": lambda j, t: v.get("lam", v.get("alpha", 0)) * _ABS(t),
        "ridge": lambda j, t: v["lam"] * t**2,
        "positive_lasso": lambda j, t: np.where(t >= 0, v["lam"] * _ABS(t), np.inf),
        "adaptive_lasso": lambda j, t: v["lam"] * _ABS(t) / _ABS(ols[j]) ** v["gamma"],
        "l0": lambda j, t: v["lam"] * (t != 0),
        "scad": lambda j, t: _scad(_ABS(t), v["lam"], v.get("a", 3.7)),
        "mcp": lambda j, t: np.where(
            _ABS(t) <= v.get("gamma", 2) * v["lam"],
            v["lam"] * _ABS(t) - t**2 / (2 * v.get("gamma", 2)),
            v.get("gamma", 2) * v["lam"] ** 2 / 2,
        ),
    }
    if convention == "glmnet":
        penalties["elastic_net"] = lambda j, t: v["lam"] * ((1 - v["alpha"]) / 2 * t**2 + v["alpha"] * _ABS(t))
    else:
        penalties["elastic_net"] = lambda j, t: v["lambda1"] * _ABS(t) + v["lambda2"] * t**2
    penalties["elastic_net_corrected"] = penalties["elastic_net"]
    if name == "garrote":  # Breiman: minimise over c >= 0 with beta = c * z, i.e. the design X diag(z)
        factors = coordinate_descent(
            X * ols, y, c, lambda j, t: np.where(t >= 0, v["lam"] * t, np.inf), bounds=(-0.5, 3.0)
        )
        full = factors * ols
    else:
        full = coordinate_descent(X, y, c, penalties[name], bounds=(-40.0, 40.0))
        if name == "elastic_net_corrected":
            full = (1 + v["lambda2"]) * full
    used = {p.name for p in deriv.parameters}
    used |= {"lam"} if "lambda" in used else set()
    kwargs = {k: val for k, val in v.items() if k in used}
    if "n" in {p.name for p in deriv.parameters}:
        kwargs["n"] = rows
    if design == "diagonal":
        kwargs["d"] = gram
    selection = dict(deriv.extras).get("selection")
    if selection is not None:  # set-valued at a jump: evaluate the single-valued selection
        closed = sp.lambdify((z, *deriv.parameters), selection, "numpy")(
            ols, *[kwargs["lam" if p.name == "lambda" else p.name] for p in deriv.parameters]
        )
        closed = np.asarray(closed, dtype=float)
    else:
        closed = deriv.numeric()(ols, **kwargs)
    np.testing.assert_allclose(closed, full, atol=1e-9)
    if name not in ("ridge",):
        assert ((np.abs(full) < 1e-12) == (closed == 0)).all()
        assert (closed == 0).any() and (closed != 0).any()


def test_group_lasso_on_random_orthonormal_groups(np_rng):
    # KKT certificate of the full convex problem (1/2)||y - X b||^2 + lambda sum_g ||b_g||, at the block formula.
    deriv = estimator("group_lasso")
    factor = sp.lambdify((r, lam), deriv.extra("factor"), "numpy")
    rows, sizes = 300, [3, 5, 2, 4, 6, 1, 3, 6]
    X = _design(np_rng, rows, sum(sizes), 1.0)
    y = _response(np_rng, X)
    lam_value = 2.0
    z_all = X.T @ y
    bounds = np.cumsum([0, *sizes])
    b = np.concatenate(
        [factor(np.linalg.norm(z_all[lo:hi]), lam_value) * z_all[lo:hi] for lo, hi in itertools.pairwise(bounds)]
    )
    gradient = X.T @ (X @ b - y)
    zeros = 0
    for lo, hi in itertools.pairwise(bounds):
        bg, gg = b[lo:hi], gradient[lo:hi]
        if np.linalg.norm(bg) > 0:
            np.testing.assert_allclose(gg + lam_value * bg / np.linalg.norm(bg), 0, atol=1e-10)
        else:
            zeros += 1
            assert np.linalg.norm(gg) <= lam_value + 1e-12
    assert 0 < zeros < len(sizes)


def test_best_subset_on_random_orthonormal_designs(np_rng):
    deriv = estimator("best_subset")
    f = deriv.numeric()
    for _ in range(3):
        rows, cols = 300, 10
        X = _design(np_rng, rows, cols, 1.0)
        y = _response(np_rng, X)
        zs = X.T @ y
        for m in range(1, 5):
            rss = {
                support: float(np.sum((y - X[:, support] @ np.linalg.lstsq(X[:, support], y, rcond=None)[0]) ** 2))
                for support in itertools.combinations(range(cols), m)
            }
            best = min(rss, key=rss.get)
            zm = np.sort(np.abs(zs))[::-1][m - 1]
            kept = tuple(np.flatnonzero(f(zs, t_M=zm) != 0))
            assert kept == best


# --------------------------------------------------------------------------------------------
# scikit-learn itself
# --------------------------------------------------------------------------------------------
#: Largest |derived - scikit-learn| seen (filled by the tests; printed by the last one).
SKLEARN_DISAGREEMENT: dict[str, float] = {}


def _standardised(np_rng, rows: int = 300, cols: int = 30) -> tuple[np.ndarray, np.ndarray]:
    X = _design(np_rng, rows, cols, float(rows))  # X^T X = n I
    return X, _response(np_rng, X)


@pytest.mark.parametrize(
    ("name", "make", "params"),
    [
        ("lasso", lambda a, l1: ("Lasso", {"alpha": a}), {"alpha": (0.02, 0.1, 0.3)}),
        ("positive_lasso", lambda a, l1: ("Lasso", {"alpha": a, "positive": True}), {"alpha": (0.02, 0.1, 0.3)}),
        ("ridge", lambda a, l1: ("Ridge", {"alpha": a}), {"alpha": (0.5, 5.0, 50.0)}),
        (
            "elastic_net",
            lambda a, l1: ("ElasticNet", {"alpha": a, "l1_ratio": l1}),
            {"alpha": (0.05, 0.2, 0.6), "l1_ratio": (0.2, 0.5, 0.9)},
        ),
    ],
)
def test_sklearn_convention_against_scikit_learn(name, make, params, np_rng):
    linear_model = pytest.importorskip("sklearn.linear_model")
    deriv = estimator(name, convention="sklearn")
    f = deriv.numeric()
    worst = 0.0
    for trial in range(3):
        X, y = _standardised(np_rng)
        rows = X.shape[0]
        zs = X.T @ y / rows
        a = params["alpha"][trial]
        l1 = params.get("l1_ratio", (None,) * 3)[trial]
        cls, kwargs = make(a, l1)
        extra = {"tol": 1e-12, "max_iter": 100_000} if cls != "Ridge" else {"tol": 1e-12}
        model = getattr(linear_model, cls)(fit_intercept=False, **kwargs, **extra).fit(X, y)
        values = {"alpha": a}
        if "l1_ratio" in {p.name for p in deriv.parameters}:
            values["l1_ratio"] = l1
        if "n" in {p.name for p in deriv.parameters}:
            values["n"] = rows
        closed = f(zs, **values)
        worst = max(worst, float(np.max(np.abs(closed - model.coef_))))
        np.testing.assert_allclose(closed, model.coef_, atol=1e-9)
        if name != "ridge":
            assert ((closed == 0) == (model.coef_ == 0)).all()
    SKLEARN_DISAGREEMENT[name] = worst


def test_sklearn_elastic_net_at_l1_ratio_one_is_the_lasso(np_rng):
    linear_model = pytest.importorskip("sklearn.linear_model")
    X, y = _standardised(np_rng)
    zs = X.T @ y / X.shape[0]
    f = estimator("elastic_net", convention="sklearn").numeric()
    model = linear_model.ElasticNet(alpha=0.1, l1_ratio=1.0, fit_intercept=False, tol=1e-12, max_iter=100_000)
    np.testing.assert_allclose(f(zs, alpha=0.1, l1_ratio=1.0), model.fit(X, y).coef_, atol=1e-9)


def test_general_design_ridge_against_scikit_learn(np_rng):
    linear_model = pytest.importorskip("sklearn.linear_model")
    deriv = estimator("ridge", design="general", convention="sklearn")
    X = np_rng.standard_normal((120, 15)) @ np.diag(np_rng.uniform(0.2, 3, 15))
    y = np_rng.standard_normal(120)
    (a,) = deriv.parameters
    rows, cols = X.shape
    solution = deriv.result.subs(
        {sp.Symbol("N", integer=True, positive=True): rows, sp.Symbol("p", integer=True, positive=True): cols}
    )
    symbols = {s.name: s for s in solution.free_symbols}
    explicit = solution.xreplace(
        {symbols["X"]: sp.ImmutableMatrix(X), symbols["y"]: sp.ImmutableMatrix(y), sp.Identity(cols): sp.eye(cols)}
    ).subs(a, 2.5)
    closed = np.array(sp.N(explicit.doit().as_explicit(), 30), dtype=float).ravel()
    model = linear_model.Ridge(alpha=2.5, fit_intercept=False, tol=1e-12).fit(X, y)
    worst = float(np.max(np.abs(closed - model.coef_)))
    SKLEARN_DISAGREEMENT["ridge (general design)"] = worst
    assert worst < 1e-9


def test_general_design_lasso_kkt_at_scikit_learns_solution(np_rng):
    linear_model = pytest.importorskip("sklearn.linear_model")
    deriv = estimator("lasso", design="general", convention="sklearn")
    assert deriv.extra("closed_form") is sp.false
    assert any("no closed form for a general design" in s.statement.words for s in deriv.steps)
    X = np_rng.standard_normal((200, 20))
    y = X[:, :4] @ np.array([2.0, -1.5, 1.0, 0.5]) + np_rng.standard_normal(200)
    a = 0.1
    coef = linear_model.Lasso(alpha=a, fit_intercept=False, tol=1e-14, max_iter=1_000_000).fit(X, y).coef_
    bound = float(deriv.extra("kkt_bound").subs({alpha: a, n: 200}))
    correlation = X.T @ (y - X @ coef)
    active = coef != 0
    np.testing.assert_allclose(correlation[active], bound * np.sign(coef[active]), rtol=1e-6)
    assert (np.abs(correlation[~active]) <= bound * (1 + 1e-6)).all()
    assert deriv.extra("orthonormal") == estimator("lasso", convention="sklearn").result


def test_record_the_largest_disagreement_with_scikit_learn(capsys):
    if not SKLEARN_DISAGREEMENT:
        pytest.skip("scikit-learn tests did not run")
    with capsys.disabled():
        shown = ", ".join(f"{k}: {v:.1e}" for k, v in sorted(SKLEARN_DISAGREEMENT.items()))
        print(f"\nlargest |derived - scikit-learn| per estimator: {shown}")
    assert max(SKLEARN_DISAGREEMENT.values()) < 1e-9


# --------------------------------------------------------------------------------------------
# General design, user penalties, options
# --------------------------------------------------------------------------------------------
def test_general_design_ridge_normal_equations():
    deriv = estimator("ridge", design="general")
    assert "(lambda*I + X.T*X)**(-1)*X.T*y" == sp.sstr(deriv.result)
    assert deriv.methods.get("symbolic", 0) >= 3
    with pytest.raises(NoClosedFormError, match="no closed form for the non-negative garrote"):
        estimator("garrote", design="general")


def test_user_penalty_expression():
    deriv = estimator(lam * sp.Abs(beta))
    assert deriv.extra("threshold") == lam
    with pytest.raises(VariableError, match="not a function of the coefficient beta"):
        estimator(lam * z)


def test_specs_cover_the_issue():
    assert set(ESTIMATORS) == {
        "lasso",
        "ridge",
        "best_subset",
        "l0",
        "elastic_net",
        "elastic_net_corrected",
        "garrote",
        "adaptive_lasso",
        "scad",
        "mcp",
        "bridge",
        "positive_lasso",
        "group_lasso",
    }


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"penalty": "lassoo"}, "unknown estimator 'lassoo'"),
        ({"penalty": "lasso", "convention": "glmnett"}, "unknown convention 'glmnett'"),
        ({"penalty": "lasso", "design": "banded"}, "unknown design 'banded'"),
        ({"penalty": "lasso", "gamma": 2}, "unknown parameter(s) gamma"),
        ({"penalty": "lasso", "lam": "x"}, "must be a number"),
    ],
)
def test_bad_options_raise_option_error(kwargs, fragment):
    penalty = kwargs.pop("penalty")
    with pytest.raises(OptionError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        estimator(penalty, **kwargs)


def test_diagonal_design_scales_per_coordinate():
    deriv = estimator("lasso", design="diagonal")
    assert deriv.extra("threshold") == lam / d
    assert estimator("ridge", design="diagonal").result == sp.simplify(d * z / (d + lam))


# --------------------------------------------------------------------------------------------
# SCAD and MCP for X^T X = D: the per-coordinate convexity condition, derived
# --------------------------------------------------------------------------------------------
def _breheny_huang(name: str, zs: np.ndarray, lam_value: float, shape: float, dv: float) -> np.ndarray:
    # Breheny and Huang (2011), Ann. Appl. Stat. 5(1), Section 2.1, the univariate solutions for a column with
    # x^T x / n = v (here the ESL scaling (d/2)(b - z)^2 + pen(b), so v = d), valid for gamma > 1/v (MCP) and
    # a > 1 + 1/v (SCAD): S(v z, lam) / (v - 1/gamma) below gamma*lam, z above; SCAD: S(v z, lam)/v up to
    # lam (1 + 1/v), S(v z, a lam/(a - 1)) / (v - 1/(a - 1)) up to a lam, z above.
    def soft(u, t):
        return np.sign(u) * np.maximum(np.abs(u) - t, 0.0)

    a = np.abs(zs)
    if name == "mcp":
        return np.where(a <= shape * lam_value, soft(dv * zs, lam_value) / (dv - 1 / shape), zs)
    first = soft(dv * zs, lam_value) / dv
    middle = soft(dv * zs, shape * lam_value / (shape - 1)) / (dv - 1 / (shape - 1))
    return np.where(a <= lam_value * (1 + 1 / dv), first, np.where(a <= shape * lam_value, middle, zs))


@pytest.fixture(scope="module")
def nonconvex_diagonal():
    return {name: estimator(name, design="diagonal") for name in ("scad", "mcp")}


@pytest.mark.parametrize(("name", "shape", "bound"), [("scad", a_scad, 1 + 1 / d), ("mcp", gamma, 1 / d)])
def test_diagonal_scad_mcp_state_the_convexity_condition(nonconvex_diagonal, name, shape, bound):
    deriv = nonconvex_diagonal[name]
    stated = [s for s in deriv.steps if s.reason.startswith("assumption")]
    assert len(stated) == 1
    statement = stated[0].statement
    assert statement.lhs == shape and statement.rel == ">" and sp.simplify(statement.rhs - bound) == 0
    assert stated[0].check.method == "symbolic"
    assert deriv.extra("threshold") == lam / d


@pytest.mark.parametrize("name", ["scad", "mcp"])
def test_diagonal_scad_mcp_against_brute_force_and_breheny_huang(nonconvex_diagonal, name, np_rng):
    deriv = nonconvex_diagonal[name]
    shape_name = "a" if name == "scad" else "gamma"
    f = sp.lambdify((z, *deriv.parameters), deriv.result, "mpmath")
    rng = random.Random(7 if name == "scad" else 8)
    with mpmath.workdps(40):
        for _ in range(6):
            dv = sp.Rational(rng.randint(200, 4000), 1000)
            lam_value = sp.Rational(rng.randint(200, 3000), 1000)
            bound = 1 + 1 / dv if name == "scad" else 1 / dv
            shape = bound + sp.Rational(rng.randint(50, 3000), 1000)
            point = {d: dv, lam: lam_value, a_scad if name == "scad" else gamma: shape}
            zv = sp.Rational(rng.randint(-8000, 8000), 1000)
            objective = sp.lambdify(beta, deriv.objective.subs(point).subs(z, zv), "mpmath")
            got = brute_argmin(objective, -20, 20, digits=40, grid=400, extra=(0,))
            args = [point[p] if p in point else zv for p in deriv.parameters]
            want = f(zv, *args)
            assert abs(got - want) < mpmath.mpf(10) ** -25 * (1 + abs(got)), (point, zv, got, want)
    # the published univariate solution at many z (float64)
    g = deriv.numeric()
    for dv, lam_value, excess in ((0.4, 1.3, 0.7), (2.5, 0.6, 0.2), (1.0, 1.0, 1.5)):
        shape = (1 + 1 / dv if name == "scad" else 1 / dv) + excess
        zs = np_rng.uniform(-3 * shape * lam_value, 3 * shape * lam_value, 400)
        got = g(zs, **{"d": dv, "lam": lam_value, shape_name: shape})
        np.testing.assert_allclose(got, _breheny_huang(name, zs, lam_value, shape, dv), rtol=1e-12, atol=1e-12)
    # mutation: with the orthonormal formula (d = 1) instead of the column's d the check fails
    zs = np.linspace(-6, 6, 101)
    got = g(zs, **{"d": 0.4, "lam": 1.3, shape_name: (1 + 2.5 if name == "scad" else 2.5) + 0.7})
    wrong = _breheny_huang(name, zs, 1.3, (1 + 2.5 if name == "scad" else 2.5) + 0.7, 1.0)
    assert np.max(np.abs(got - wrong)) > 0.1


@pytest.mark.parametrize(
    ("name", "params", "threshold", "jump"),
    [
        # d = 1/2 with a = 5/2 < 1 + 1/d = 3: not convex per coordinate; the minimiser jumps from 3 lam/4 to 11 lam/4
        ("scad", {"d": sp.Rational(1, 2), "a": sp.Rational(5, 2)}, 2 * lam, sp.Rational(11, 4) * lam),
        # d = 1/2 with gamma = 3/2 < 1/d = 2: a hard threshold at sqrt(gamma lam^2 / d)... = sqrt(3) lam
        ("mcp", {"d": sp.Rational(1, 2), "gamma": sp.Rational(3, 2)}, sp.sqrt(3) * lam, sp.sqrt(3) * lam),
    ],
)
def test_diagonal_outside_the_condition_takes_the_global_route(name, params, threshold, jump):
    deriv = estimator(name, design="diagonal", **params)
    assert not [s for s in deriv.steps if s.reason.startswith("assumption")]
    assert any("not convex at these parameter values" in s.reason for s in deriv.steps)
    assert sp.simplify(deriv.extra("threshold") - threshold) == 0  # the largest |z| mapped to 0 ...
    assert [sp.simplify(j[0] - jump) for j in deriv.extra("jumps")] == [0]  # ... may lie below the jump
    selection = deriv.extra("selection")
    with mpmath.workdps(40):
        for zv in (sp.Rational(-9, 2), sp.Rational(3, 2), sp.Rational(5, 2), sp.Rational(29, 10), 6):
            objective = sp.lambdify(beta, deriv.objective.subs({lam: 1, z: zv}), "mpmath")
            got = brute_argmin(objective, -20, 20, digits=40, grid=800, extra=(0,))
            want = sp.N(selection.subs({lam: 1, z: zv}), 45)
            assert abs(got - mpmath.mpf(str(want))) < mpmath.mpf(10) ** -25, (zv, got, want)


def test_diagonal_convexity_condition_in_d_when_the_shape_is_given():
    deriv = estimator("scad", design="diagonal", a=3)
    (stated,) = [s for s in deriv.steps if s.reason.startswith("assumption")]
    assert (stated.statement.lhs, stated.statement.rel, stated.statement.rhs) == (d, ">", sp.Rational(1, 2))


@pytest.mark.parametrize("name", list(ESTIMATORS))
def test_every_estimator_has_a_diagonal_design(name):
    deriv = estimator(name, design="diagonal")
    assert d in deriv.objective.free_symbols or name == "best_subset"
    coefficient = rho if name == "group_lasso" else beta
    rng = random.Random(sum(map(ord, name)))
    point = _random_point(deriv, rng)
    point[d] = sp.Rational(rng.randint(300, 3000), 1000)
    if name == "scad":
        point[a_scad] = 1 + 1 / point[d] + sp.Rational(1, 2)
    if name == "mcp":
        point[gamma] = 1 / point[d] + sp.Rational(1, 2)
    selection = dict(deriv.extras).get("selection", deriv.result)
    with mpmath.workdps(40):
        f = sp.lambdify(coefficient, deriv.objective.subs(point), "mpmath")
        want = sp.N(selection.subs(point), 45)
        bound = 4 * (1 + abs(float(point[deriv.variable])))
        got = brute_argmin(f, -bound, bound, digits=40, grid=400, extra=(0,))
        assert abs(got - mpmath.mpf(str(want))) < mpmath.mpf(10) ** -25 * (1 + abs(got)), (point, got, want)


# --------------------------------------------------------------------------------------------
# Validation (issue 7): each error type and its message
# --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("kwargs", "error", "fragment"),
    [
        ({"lam": -1}, WeightError, "the weight lambda must be positive (lambda > 0), got -1; pass a positive"),
        ({"lam": -0.5}, WeightError, "lambda = 0 gives the unpenalised least-squares estimate"),
        ({"lam": sp.I}, WeightError, "the weight lambda must be real, got I"),
        ({"lam": 1j}, WeightError, "the weight lambda must be real"),
        ({"lam": float("nan")}, WeightError, "the weight lambda is NaN"),
        ({"lam": float("inf")}, WeightError, "the weight lambda must be finite"),
        ({"lam": sp.oo}, WeightError, "the weight lambda must be finite"),
        ({"lam": "-1"}, WeightError, "must be positive"),
        ({"lam": True}, WeightError, "must be a number"),
    ],
)
def test_bad_weights_raise_weight_error(kwargs, error, fragment):
    with pytest.raises(error, match=fragment.replace("(", r"\(").replace(")", r"\)").replace("+", r"\+")):
        estimator("lasso", **kwargs)


def test_bad_weight_is_also_a_validation_error_and_names_the_weight():
    from derive.errors import DeriveError, ValidationError

    with pytest.raises(ValidationError) as info:
        estimator("elastic_net", lambda1=1, lambda2=-2)
    assert isinstance(info.value, DeriveError) and "lambda2" in str(info.value)


@pytest.mark.parametrize("name", ["lasso", "ridge", "garrote", "adaptive_lasso", "scad", "mcp", "l0", "bridge"])
def test_zero_weight_is_the_degenerate_branch_ols(name):
    deriv = estimator(name, lam=0)
    assert deriv.result == z
    assert deriv.extra("threshold") == 0 and deriv.extra("zero_set") == sp.FiniteSet(0)
    assert any("degenerate branch" in s.reason for s in deriv.steps)


def test_zero_weight_keeps_the_constraint_and_the_other_terms():
    # the positive lasso at lambda = 0 is non-negative least squares: max(z, 0)
    deriv = estimator("positive_lasso", lam=0)
    f = deriv.numeric()
    np.testing.assert_array_equal(f(np.array([-2.0, 0.0, 3.0])), [0.0, 0.0, 3.0])
    assert estimator("group_lasso", lam=0).result == r
    assert estimator("elastic_net", lambda1=0, lambda2=0).result == z
    assert estimator("lasso", convention="sklearn", alpha=0).result == z
    # one zero weight of two does not remove the penalty: a different estimator, said so
    with pytest.raises(WeightError, match=r"lambda2 = 0 does not remove the naive elastic net's penalty: it reduces"):
        estimator("elastic_net", lambda2=0)
    with pytest.raises(WeightError, match="ordinary least squares, not derived here"):
        estimator("ridge", design="general", lam=0)


def test_user_penalty_validation():
    from derive.symbols import x

    with pytest.raises(VariableError, match=r"write it in beta, e.g. penalty.subs\(x, beta\)"):
        estimator(lam * sp.Abs(x))
    with pytest.raises(AssumptionError, match=r"create it with Symbol\('mu', positive=True\)"):
        estimator(sp.Symbol("mu") * sp.Abs(beta))
    with pytest.raises(UnsupportedPenaltyError, match="the function sin"):
        estimator(lam * sp.sin(beta))
    mu = sp.Symbol("mu", positive=True)
    assert estimator(mu * sp.Abs(beta)).extra("threshold") == mu
