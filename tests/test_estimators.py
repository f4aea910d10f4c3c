"""Estimators for orthonormal designs, checked against independent truth.

References: the book's Table 3.4 (Hastie, Tibshirani and Friedman, The Elements
of Statistical Learning, 2nd ed., 2009, p. 71): for orthonormal X the lasso is
sign(z)(|z| - lambda)_+ and ridge is z/(1 + lambda); a full-problem numeric
solver on random orthonormal designs built with a QR decomposition; and a
brute-force minimisation of the per-coordinate objective.
"""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp

from derive.conventions import alpha, n
from derive.errors import OptionError, UnsupportedPenaltyError
from derive.estimators import estimator
from derive.symbols import beta, lam, z


@pytest.fixture
def np_rng() -> np.random.Generator:
    return np.random.default_rng(20261124)


@pytest.fixture(scope="module")
def derived():
    return {
        (name, conv): estimator(name, convention=conv)
        for name in ("lasso", "ridge")
        for conv in ("esl", "sklearn")
    }


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


def test_first_step_states_the_objective(derived):
    for (name, conv), d in derived.items():
        assert d.steps[0].check.method == "definition"
        assert conv in d.steps[0].reason
        assert ("1/2" in d.convention or "1/(2n)" in d.convention or name == "ridge")


def test_results_in_z_and_parameters(derived):
    assert derived[("lasso", "esl")].result.free_symbols == {z, lam}
    assert derived[("ridge", "sklearn")].result.free_symbols == {z, alpha, n}
    assert derived[("lasso", "esl")].extra("threshold") == lam
    assert derived[("ridge", "esl")].extra("threshold") == 0


def _brute_force(objective: sp.Expr, z_value: sp.Rational, params: dict) -> float:
    import mpmath

    mpmath.mp.dps = 40
    f = sp.lambdify(beta, objective.subs({z: z_value, **params}), "mpmath")
    lo, hi = mpmath.mpf(-50), mpmath.mpf(50)
    for _ in range(300):  # ternary search on a strictly convex function
        m1, m2 = lo + (hi - lo) / 3, hi - (hi - lo) / 3
        if f(m1) < f(m2):
            hi = m2
        else:
            lo = m1
    return float((lo + hi) / 2)


@pytest.mark.parametrize("key", [("lasso", "esl"), ("ridge", "esl"), ("lasso", "sklearn"), ("ridge", "sklearn")])
def test_result_minimises_its_own_objective(derived, key, np_rng):
    d = derived[key]
    for _ in range(12):
        params = {s: sp.Rational(int(np_rng.integers(1, 400)), 100) for s in d.parameters}
        if n in params:
            params[n] = sp.Integer(int(np_rng.integers(5, 50)))
        z_value = sp.Rational(int(np_rng.integers(-600, 600)), 100)
        expected = _brute_force(d.objective, z_value, params)
        got = float(d.result.subs({z: z_value, **params}))
        assert got == pytest.approx(expected, abs=1e-9)


def _lasso_cd(X: np.ndarray, y: np.ndarray, c: float, weight: float, sweeps: int = 500) -> np.ndarray:
    """Coordinate descent on c*||y - Xb||^2 + weight*||b||_1 (general design, no orthogonality used)."""
    b = np.zeros(X.shape[1])
    col = (X**2).sum(axis=0)
    for _ in range(sweeps):
        for j in range(X.shape[1]):
            r = y - X @ b + X[:, j] * b[j]
            rho = X[:, j] @ r
            # minimise c*(col_j b^2 - 2 rho b) + weight*|b|
            b[j] = np.sign(rho) * max(abs(rho) - weight / (2 * c), 0.0) / col[j]
    return b


@pytest.mark.parametrize("conv", ["esl", "sklearn"])
def test_lasso_on_random_orthonormal_designs(derived, conv, np_rng):
    d = derived[("lasso", conv)]
    f = d.numeric()
    for trial in range(3):
        rows, cols = 300, 30
        Q, _ = np.linalg.qr(np_rng.standard_normal((rows, cols)))
        scale = 1.0 if conv == "esl" else float(rows)
        X = Q * np.sqrt(scale)  # X^T X = scale * I
        y = X @ (np_rng.standard_normal(cols) * (np_rng.uniform(size=cols) < 0.5)) + np_rng.standard_normal(rows)
        weight = 0.5 + trial
        z_ols = X.T @ y / scale
        c = 0.5 if conv == "esl" else 1.0 / (2 * rows)
        full = _lasso_cd(X, y, c, weight)
        np.testing.assert_allclose(f(z_ols, weight), full, atol=1e-10)
        assert (full == 0).any() and (f(z_ols, weight) == 0).sum() == (np.abs(full) < 1e-12).sum()


@pytest.mark.parametrize("conv", ["esl", "sklearn"])
def test_ridge_on_random_orthonormal_designs(derived, conv, np_rng):
    d = derived[("ridge", conv)]
    f = d.numeric()
    rows, cols = 200, 20
    Q, _ = np.linalg.qr(np_rng.standard_normal((rows, cols)))
    scale = 1.0 if conv == "esl" else float(rows)
    X = Q * np.sqrt(scale)
    y = np_rng.standard_normal(rows)
    weight = 0.7
    # ESL and sklearn ridge both minimise ||y - Xb||^2 + weight ||b||^2: normal equations.
    exact = np.linalg.solve(X.T @ X + weight * np.eye(cols), X.T @ y)
    args = (X.T @ y / scale, weight) if conv == "esl" else (X.T @ y / scale, weight, rows)
    np.testing.assert_allclose(f(*args), exact, rtol=1e-10, atol=1e-12)
    assert not (f(*args) == 0).any()


def test_user_penalty_expression():
    d = estimator(lam * sp.Abs(beta))
    assert d.extra("threshold") == lam
    with pytest.raises(UnsupportedPenaltyError):
        estimator(lam * z)


@pytest.mark.parametrize(
    ("kwargs", "fragment"),
    [
        ({"penalty": "lassoo"}, "unknown estimator 'lassoo'"),
        ({"penalty": "lasso", "convention": "glmnett"}, "unknown convention 'glmnett'"),
        ({"penalty": "lasso", "design": "general"}, "unknown design 'general'"),
        ({"penalty": "lasso", "gamma": 2}, "unknown parameter(s) gamma"),
    ],
)
def test_bad_options_raise_option_error(kwargs, fragment):
    penalty = kwargs.pop("penalty")
    with pytest.raises(OptionError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        estimator(penalty, **kwargs)
