"""Fast derived kernels: every catalogue entry against its hand-written NumPy reference, and the new paths.

The references are the independent formulas of ``benchmarks/kernels.py`` (``CATALOGUE_REFERENCES``: Beck 2017
ch. 6, Parikh and Boyd 2014 sec. 6, Chaux et al. 2007, Fan and Li 2001, Zhang 2010, Xu et al. 2012, Cao et al.
2013, Gong et al. 2013, Lambert W by SciPy), each typed from its source; the derived kernels come from the
derivations (``Entry.numeric()``).  The Wright omega function is checked against mpmath's Lambert W.
"""

from __future__ import annotations

import sys
from pathlib import Path

import mpmath
import numpy as np
import pytest
import sympy as sp

from derive import numeric
from derive.catalogue import CATALOGUE, entry
from derive.numeric import CopySign, kernel_form, wright_omega
from derive.symbols import lam, v

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "benchmarks"))
from kernels import CATALOGUE_REFERENCES, EXAMPLE_OVERRIDES, EXAMPLE_VALUES

NAMES = [e.name for e in CATALOGUE]
SCIPY = {"neg-entropy", "exp", "neg-entropy-ridge"}


def _params(name: str) -> dict[str, float]:
    e = entry(name)
    values = {**EXAMPLE_VALUES, "gamma": 3.0, **EXAMPLE_OVERRIDES.get(name, {})}
    symbols = sorted(e.penalty.free_symbols - {sp.Symbol("x", real=True)}, key=lambda s: s.name)
    return {("lam" if s.name == "lambda" else s.name): values.get(s.name, 1.0) for s in symbols if s.name != "x"}


@pytest.fixture(scope="module")
def kernels():
    cache: dict[str, object] = {}

    def get(name: str):
        if name not in cache:
            cache[name] = entry(name).numeric()
        return cache[name]

    return get


@pytest.fixture(scope="module")
def points() -> np.ndarray:
    rng = np.random.default_rng(11)
    return np.concatenate([rng.normal(scale=3, size=2000), rng.uniform(-40, 40, size=200), [0.0, -0.0]])


def test_every_entry_has_a_reference():
    assert set(NAMES) <= set(CATALOGUE_REFERENCES)


@pytest.mark.parametrize("name", NAMES)
def test_derived_kernel_matches_every_hand_written_reference(name, kernels, points):
    if name in SCIPY:
        pytest.importorskip("scipy")
    params = _params(name)
    got = kernels(name)(points, **params)
    assert got.dtype == np.float64 and got.shape == points.shape
    for reference in CATALOGUE_REFERENCES[name]:
        with np.errstate(all="ignore"):
            want = reference(points, **params)
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12, err_msg=f"{name}: {reference.__name__}")


@pytest.mark.parametrize("name", NAMES)
def test_exact_zeros_where_the_textbook_formula_gives_zero(name, kernels, points):
    # sparsity means exact zeros: wherever the hand-written formula (its first reference) returns exactly 0,
    # the derived kernel must too, in float64 and float32 (a sum of clips once gave 1e-16 in SCAD's dead zone)
    if name in SCIPY:
        pytest.importorskip("scipy")
    params = _params(name)
    # a dense grid, shifted off the ties of the jump rules (where either value is a valid prox)
    dense = np.concatenate([points, np.linspace(-6, 6, 4001) + np.sqrt(2) * 1e-7])
    with np.errstate(all="ignore"):
        want = CATALOGUE_REFERENCES[name][0](dense, **params)
    zero = want == 0
    # and nowhere else: the zero pattern is the same (the log barrier's prox is never 0, soft thresholding's often)
    np.testing.assert_array_equal(kernels(name)(dense, **params) == 0, zero, err_msg=name)
    for dtype in (np.float64, np.float32):
        got = kernels(name)(dense.astype(dtype), **params)
        # float32 rounding can move a point across a threshold: compare where the float32 point stays inside
        inside = (
            zero
            if dtype is np.float64
            else zero & (CATALOGUE_REFERENCES[name][0](dense.astype(dtype).astype(float), **params) == 0)
        )
        assert np.all(got[inside] == 0), f"{name} ({dtype.__name__}): {got[inside][got[inside] != 0][:3]}"


@pytest.mark.parametrize("name", NAMES)
def test_float32_stays_float32_and_close(name, kernels, points):
    if name in SCIPY:
        pytest.importorskip("scipy")
    params = _params(name)
    single = points.astype(np.float32)
    got = kernels(name)(single, **params)
    assert got.dtype == np.float32
    with np.errstate(all="ignore"):
        want = CATALOGUE_REFERENCES[name][0](single.astype(np.float64), **params)
    # points within float32 rounding of a jump of a thresholding rule may go either way
    near_jump = np.abs(got - want) > 1e-3 * np.maximum(1, np.abs(want))
    assert near_jump.mean() < 0.002, name
    np.testing.assert_allclose(got[~near_jump], want[~near_jump], rtol=2e-4, atol=2e-4)


@pytest.mark.parametrize("name", NAMES)
def test_nan_gives_nan_and_infinities_give_the_limits(name, kernels):
    params = _params(name)
    special = np.array([np.nan, np.inf, -np.inf, 1.0])
    got = kernels(name)(special, **params)
    if name != "point":  # the projection onto {c} is c everywhere, NaN included (as numpy.full_like)
        assert np.isnan(got[0]), name
    finite_limit = {"box": (2.0, -1.0), "box-ridge": (2.0, -1.0), "point": (0.5, 0.5), "nonneg": (np.inf, 0.0)}
    if name in finite_limit:
        assert tuple(got[1:3]) == finite_limit[name]
    elif name in ("log-barrier", "log-barrier-ridge", "neg-entropy", "neg-entropy-ridge"):
        assert got[1] == np.inf and got[2] == 0  # the domain x > 0: prox(-inf) is its end, 0
    elif name == "exp":
        assert got[2] == -np.inf
    else:
        assert got[1] == np.inf and got[2] == -np.inf, name
    single = kernels(name)(special.astype(np.float32), **params)
    assert single.dtype == np.float32, name
    np.testing.assert_array_equal(single[:3], got[:3].astype(np.float32))


def test_parameters_broadcast_through_the_new_paths(kernels):
    weights = np.array([[0.5], [1.0], [2.0]])
    z = np.array([-4.0, -1.0, 0.3, 2.5, 6.0])
    for name in ("bridge-1/2", "l0", "scad", "neg-entropy", "log-cosh"):
        params = {**_params(name), "lam": weights}
        got = kernels(name)(z, **params)
        assert got.shape == (3, 5)
        for row, w in enumerate(weights[:, 0]):
            np.testing.assert_allclose(got[row], kernels(name)(z, **{**params, "lam": w}), rtol=1e-14, atol=0)


def test_dask_arrays_through_masked_branches(kernels, points):
    da = pytest.importorskip("dask.array")
    for name in ("bridge-1/2", "bridge-2/3", "l0", "neg-entropy", "capped-l1"):
        params = _params(name)
        lazy = da.from_array(points, chunks=500)
        out = kernels(name)(lazy, **params)
        assert isinstance(out, da.Array), name
        np.testing.assert_allclose(out.compute(), kernels(name)(points, **params), rtol=1e-14, atol=1e-15)


def test_thresholding_rules_are_written_in_abs_v_and_checked():
    d = entry("bridge-1/2").derive()
    form = kernel_form(dict(d.extras)["selection"], v)
    assert isinstance(form.expr, sp.Piecewise) and form.expr.args[0][0] == 0
    assert form.expr.args[0][1].lhs == sp.Abs(v) and form.expr.has(CopySign)
    assert form.check.method == "numeric" and "breakpoints" in form.check.detail


def test_a_wrong_threshold_form_is_rejected(monkeypatch):
    """The check can fail: a mirrored form with the sign of the outer branch flipped is not used."""
    real = numeric._odd_form

    def mutated(variable, bounds, runs, sides):
        form = real(variable, bounds, runs, sides)
        return None if form is None else form.replace(CopySign, lambda a, b: CopySign(a, -b))

    monkeypatch.setattr(numeric, "_odd_form", mutated)
    expr = sp.Piecewise((v + lam, v < -lam), (0, v <= lam), (v - lam, True))
    with pytest.raises(numeric._NoRewrite):
        numeric._threshold_form(expr, v)


def test_cube_roots_use_cbrt_only_for_nonnegative_radicands():
    c = sp.Symbol("c", positive=True)
    assert numeric._nonnegative(-v / 2 + sp.sqrt(v**2 / 4 + c))  # Cardano: sqrt(v^2/4 + c) > |v|/2
    assert numeric._nonnegative(v**2 / 16 - sp.sqrt(v**4 / 256 - c))
    assert not numeric._nonnegative(-v / 2 + sp.sqrt(v**2 / 4 - c))  # mutation: can be negative
    assert "cbrt" in entry("power-4/3").numeric().source


def test_continuous_centre_of_a_threshold_form_is_one_clip():
    # capped L1 with theta > lam/2: soft thresholding up to lam/2 + theta, identity beyond (the textbook
    # rule, e.g. Gong et al. 2013); the soft part is v - clip(v, -lam, lam), one where() in all
    theta = sp.Symbol("theta", positive=True)
    expr = sp.Piecewise(
        (v, v < -lam / 2 - theta), (v + lam, v < -lam), (0, v <= lam), (v - lam, v <= lam / 2 + theta), (v, True)
    )
    form = numeric._threshold_form(expr, v)
    assert form.expr.has(sp.Min) and len(form.expr.args) == 2
    f = numeric.numeric_function(expr, (v, lam, theta))
    x = np.concatenate([np.linspace(-4, 4, 161), [np.nan, np.inf, -np.inf]])
    soft = np.sign(x) * np.maximum(np.abs(x) - 1.0, 0)
    with np.errstate(invalid="ignore"):
        want = np.where(np.abs(x) <= 2.5, soft, x)
    np.testing.assert_array_equal(f(x, lam=1.0, theta=2.0), want)
    assert f.source.count(" = numpy.where") == 1


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_wright_omega_against_mpmath(dtype):
    rng = np.random.default_rng(3)
    y = np.concatenate([rng.uniform(-30, 30, 300), [-700.0, -40.0, 0.0, 1e-8, 50.0, 1e5]]).astype(dtype)
    got = wright_omega(y)
    assert got.dtype == dtype
    want = np.array([float(mpmath.lambertw(mpmath.exp(mpmath.mpf(float(t)))).real) for t in y]).astype(dtype)
    tol = 4e-15 if dtype == np.float64 else 4e-6
    np.testing.assert_allclose(got, want, rtol=tol, atol=0)
    np.testing.assert_array_equal(wright_omega(np.array([np.inf, -np.inf, np.nan])), [np.inf, 0.0, np.nan])
    assert abs(wright_omega(np.array([0.0]))[0] - 0.5671432904097838) < 1e-15  # omega(0) = W(1) (a mutation: 1 fails)


def test_newton_root_with_a_large_weight_and_the_bisection_fallback(monkeypatch, kernels):
    from derive import numeric_prox

    z = np.linspace(-30, 30, 601)
    # Independent reference: 200 halvings of [v - lam, v + lam] for x + lam*tanh(x) = v (|tanh| < 1).
    lo, hi = z - 50.0, z + 50.0
    for _ in range(200):
        mid = 0.5 * (lo + hi)
        below = mid + 50.0 * np.tanh(mid) < z
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    want = 0.5 * (lo + hi)
    f = kernels("log-cosh")
    np.testing.assert_allclose(f(z, lam=50.0), want, rtol=1e-13, atol=1e-14)
    monkeypatch.setattr(numeric_prox, "NEWTON_STEPS", 1)  # Newton stops early: bisection finishes
    np.testing.assert_allclose(f(z, lam=50.0), want, rtol=1e-13, atol=1e-14)
    assert np.max(np.abs(f(z, lam=5.0) - want)) > 1  # mutation: another weight is far from it


def test_implicit_thresholds_are_solved_per_parameter_value_not_per_element(monkeypatch, kernels):
    from derive import numeric_prox

    sizes = []
    real = numeric_prox._implicit_values

    def spy(implicit, args, arrays):
        sizes.append(np.shape(arrays[1]))
        return real(implicit, args, arrays)

    monkeypatch.setattr(numeric_prox, "_implicit_values", spy)
    f = entry("log-penalty").numeric()
    out = f(np.linspace(-5, 5, 10_001), lam=1.0, epsilon=0.5)
    assert out.shape == (10_001,) and sizes == [()]


@pytest.mark.parametrize("exponent", [sp.Rational(3, 4), sp.Rational(1, 3), sp.Rational(1, 10)])
def test_bridge_kernels_with_implicit_roots_match_a_brute_force_global_minimiser(exponent: sp.Rational) -> None:
    """lambda*|x|^p, p in {3/4, 1/3, 1/10}: roots kept as ConditionSets (a branch and its mirror), solved numerically.

    Reference: grid search of g(x) + (x - v)^2/2 then golden-section refinement at 40 digits, the better of that
    and 0 (nothing from derive/); points near the jump (a tie) excluded.
    """
    from derive.numeric_prox import numeric_prox
    from derive.prox import prox
    from derive.symbols import x
    from tests._brute import golden

    derivation = prox(lam * sp.Abs(x) ** exponent, x, v, route="global")
    kernel = numeric_prox(derivation)
    weight, p = 0.5, float(exponent)
    rng = np.random.default_rng(3)
    points = np.concatenate([rng.uniform(-8, 8, 40), [0.0, 40.0, -40.0]])
    got = kernel(points, lam=weight)
    threshold = float(derivation.extra("threshold").subs(lam, sp.Float(weight, 30)))
    for w, value in zip(points, got, strict=True):
        if abs(abs(w) - threshold) < 1e-6:
            continue  # a tie: both minimisers are correct
        grid = np.linspace(min(0.0, w) - 1, max(0.0, w) + 1, 4001)
        objective = weight * np.abs(grid) ** p + (grid - w) ** 2 / 2
        best = int(np.argmin(objective))
        with mpmath.workdps(40):

            def f(t, w=w):
                return weight * abs(t) ** mpmath.mpf(p) + (t - w) ** 2 / 2

            lo, hi = grid[max(best - 1, 0)], grid[min(best + 1, grid.size - 1)]
            local = golden(f, mpmath.mpf(lo), mpmath.mpf(hi), tol=mpmath.mpf("1e-25"))
            want = local if f(local) < f(mpmath.mpf(0)) else mpmath.mpf(0)
        assert abs(value - float(want)) <= 1e-9 * max(1.0, abs(w)), (exponent, w, value, want)
