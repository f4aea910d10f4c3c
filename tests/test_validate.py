"""derive.validate: each invalid input gets its specific error and a message naming the fix."""

from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest
import sympy as sp

from derive.errors import (
    AssumptionError,
    DeriveError,
    NonConvexError,
    UnsupportedPenaltyError,
    ValidationError,
    VariableError,
    WeightError,
)
from derive.numeric import numeric_function
from derive.symbols import a, b, beta, lam, mu, v, x
from derive.validate import (
    validate_assumptions,
    validate_convex,
    validate_functions,
    validate_penalty,
    validate_variable,
    validate_weight,
)


# -- weights -----------------------------------------------------------------------
@pytest.mark.parametrize("value", [0.5, 2, Fraction(1, 3), np.float32(1.5), sp.Rational(1, 2), lam, lam + mu])
def test_valid_weights_pass(value):
    assert validate_weight(value) is value


@pytest.mark.parametrize(
    ("value", "message"),
    [
        (-1, "must be positive \\(lambda > 0\\), got -1"),
        (0, "must be positive \\(lambda > 0\\), got 0"),
        (0.0, "must be positive"),
        (float("nan"), "NaN"),
        (1 + 2j, "must be real"),
        (sp.I, "must be real"),
        (-lam, "must be positive"),
        (sp.nan, "undefined"),
        (np.array([1.0, -2.0]), "smallest value is"),
        (np.array([1.0, np.nan]), "NaN"),
        (True, "must be a number"),
        ("1", "must be a real number"),
    ],
)
def test_invalid_weights_raise_weight_error(value, message):
    with pytest.raises(WeightError, match=message) as info:
        validate_weight(value)
    assert isinstance(info.value, ValidationError) and isinstance(info.value, ValueError)


def test_zero_is_allowed_where_the_weight_may_vanish():
    assert validate_weight(0, positive=False) == 0
    with pytest.raises(WeightError, match="nonnegative"):
        validate_weight(-0.1, name="mu", positive=False)


def test_a_symbolic_weight_without_assumption_says_which_to_add():
    c = sp.Symbol("c")
    with pytest.raises(AssumptionError, match=r"create c with positive=True, e.g. Symbol\('c', positive=True\)"):
        validate_weight(c)


# -- numeric kernels validate their parameters ------------------------------------------
def test_kernels_reject_parameters_violating_assumptions():
    f = numeric_function(sp.sign(v) * sp.Max(sp.Abs(v) - lam, 0), (v, lam))
    for bad in (-1.0, 0.0, np.array([[1.0], [-1.0]]), float("nan")):
        with pytest.raises(WeightError, match="lam"):
            f(np.ones(3), lam=bad)
    clip = numeric_function(sp.Min(sp.Max(v, a), b), (v, a, b))
    with pytest.raises(WeightError, match="must be real"):
        clip(np.ones(3), 1j, 2.0)
    np.testing.assert_array_equal(clip(np.array([-5.0, 5.0]), -1.0, 1.0), [-1.0, 1.0])


def test_kernels_do_not_force_lazy_parameters():
    da = pytest.importorskip("dask.array")
    f = numeric_function(sp.sign(v) * sp.Max(sp.Abs(v) - lam, 0), (v, lam))
    lazy = da.from_array(np.array([1.0, 2.0]), chunks=1)
    assert isinstance(f(np.array([3.0, 3.0]), lazy), da.Array)


# -- variable -------------------------------------------------------------------------
def test_penalty_in_the_wrong_variable():
    with pytest.raises(VariableError, match=r"does not contain the variable x; .*derive it in beta \(--var beta\)"):
        validate_variable(lam * sp.Abs(beta), x)


def test_variable_must_not_be_the_prox_argument():
    with pytest.raises(VariableError, match="argument of the prox"):
        validate_variable(lam * sp.Abs(v), v, argument=v)


def test_variable_must_be_a_real_symbol():
    with pytest.raises(VariableError, match="must be a SymPy Symbol"):
        validate_variable(lam * sp.Abs(x), "x")
    plain = sp.Symbol("x")
    with pytest.raises(AssumptionError, match=r"Symbol\('x', real=True\)"):
        validate_variable(sp.Abs(plain), plain)


# -- assumptions ---------------------------------------------------------------------
def test_a_weight_without_sign_assumption_says_positive():
    c = sp.Symbol("c")
    with pytest.raises(AssumptionError, match=r"c .* is a weight .*Symbol\('c', positive=True\)"):
        validate_assumptions(c * sp.Abs(x), x)


def test_a_shift_without_real_assumption_says_real():
    s = sp.Symbol("s")
    with pytest.raises(AssumptionError, match=r"Symbol\('s', real=True\)"):
        validate_assumptions(sp.Abs(x - s), x)


def test_convexity_undecided_names_the_assumption_that_decides_it():
    c = sp.Symbol("c", real=True)
    with pytest.raises(AssumptionError, match=r"add positive=True to c|add nonnegative=True to c"):
        validate_convex(c * sp.Abs(x), x)


# -- functions and convexity ----------------------------------------------------------------
@pytest.mark.parametrize("expr", [sp.sin(x), sp.gamma(x), sp.Abs(x) + sp.floor(x)])
def test_unsupported_functions_are_named(expr):
    with pytest.raises(UnsupportedPenaltyError, match="is not supported; supported: Abs, Max"):
        validate_functions(expr)


def test_non_real_penalty_is_unsupported():
    with pytest.raises(UnsupportedPenaltyError, match="not real-valued"):
        validate_functions(sp.I * x)


def test_non_convex_penalty_gets_a_witness():
    with pytest.raises(NonConvexError, match="at x = 0 the slope drops from lambda to -lambda"):
        validate_convex(-lam * sp.Abs(x), x)
    with pytest.raises(NonConvexError, match="second derivative"):
        validate_convex(-(x**2), x)


def test_validate_penalty_runs_the_checks_in_order():
    assert validate_penalty(lam * sp.Abs(x), x, argument=v, require_convex=True) == lam * sp.Abs(x)
    with pytest.raises(UnsupportedPenaltyError, match="parse_expression"):
        validate_penalty("abs(x)", x)
    with pytest.raises(UnsupportedPenaltyError, match="SymPy expression"):
        validate_penalty(object(), x)
    with pytest.raises(UnsupportedPenaltyError):  # functions before the variable
        validate_penalty(sp.sin(beta), x)
    with pytest.raises(VariableError):
        validate_penalty(sp.Abs(beta), x)
    with pytest.raises(NonConvexError):
        validate_penalty(sp.Min(sp.Abs(x), 1), x, require_convex=True)


def test_every_error_is_a_derive_error():
    for error in (WeightError, VariableError, AssumptionError, UnsupportedPenaltyError, NonConvexError):
        assert issubclass(error, DeriveError)
