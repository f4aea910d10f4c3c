"""Kernel benchmark: ``Derivation.numeric()`` against hand-written NumPy, peer libraries and a copy.

For every kernel and dtype the candidates are timed in interleaved rounds (each
round times every candidate once, in a shuffled order, after one warm-up round;
the median of ``rounds`` is kept), so a change in machine load hits all of them
alike.  Every candidate's values are first
compared with the derived kernel's.  Columns:

* ``derived``: the generated kernel (checked Max/Min/clip rewrite, ``out=`` buffers);
* ``lambdify``: SymPy's default ``lambdify(..., "numpy")`` of the derived ``Piecewise``
  (``numpy.select`` over every branch), the naive alternative;
* ``textbook``: the formula as usually written (``sign(v)*maximum(abs(v) - lam, 0)``);
* ``best numpy``: the fastest of several hand-written NumPy variants (the target);
* peers: pyproximal, proxop, skglm where they implement the same operator;
* ``copy``: ``numpy.copy`` of the input, the memory-traffic floor.

The hand-written formulas here are the independent references (``derive/``
holds no closed forms).
"""

from __future__ import annotations

import importlib
import random
import statistics
import time
import warnings
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import sympy as sp

from derive.symbols import a, b, delta, lam, mu, v, x

__all__ = ["KERNELS", "Kernel", "run_kernels", "peer_status", "CLOCK"]

#: The clock: CPU time of this thread (user + system, page faults included), so other
#: processes on a shared machine do not inflate one candidate's time; NumPy's ufuncs,
#: the peers and skglm's numba kernel all run in the calling thread.
CLOCK = time.thread_time


@dataclass(frozen=True)
class Kernel:
    """One operator: how to derive it, its parameters, and hand-written and peer versions."""

    name: str
    derive: Callable[[], Any]
    params: dict[str, float]
    textbook: Callable[..., Any]
    variants: tuple[Callable[..., Any], ...]
    peers: dict[str, Callable[[], Callable[[np.ndarray], Any]]] = field(default_factory=dict)
    #: How to get the derived kernel from the derivation (default ``Derivation.numeric``).
    kernel: Callable[[Any], Callable[..., Any]] | None = None
    #: Hand-written versions take the parameters by keyword (``lam=...``) instead of positionally.
    by_keyword: bool = False


def _prox(g: Any, **kw: Any) -> Callable[[], Any]:
    def build() -> Any:
        from derive.prox import prox

        return prox(g, x, v, **kw)

    return build


# -- hand-written NumPy (the references) -----------------------------------------------------
def _soft_textbook(z, lam):
    return np.sign(z) * np.maximum(np.abs(z) - lam, 0)


def _soft_clip(z, lam):
    t = np.clip(z, -lam, lam)
    return np.subtract(z, t, out=t)


def _soft_inplace(z, lam):
    t = np.abs(z)
    t -= lam
    np.maximum(t, 0, out=t)
    t *= np.sign(z)
    return t


def _enet_textbook(z, lam, mu):
    return np.sign(z) * np.maximum(np.abs(z) - lam, 0) / (1 + mu)


def _enet_clip(z, lam, mu):
    t = np.clip(z, -lam, lam)
    np.subtract(z, t, out=t)
    t /= 1 + mu
    return t


def _hinge_textbook(z, lam):
    return np.where(z < 0, z, np.where(z <= lam, 0, z - lam))


def _hinge_clip(z, lam):
    t = np.clip(z, 0, lam)
    return np.subtract(z, t, out=t)


def _hinge_minmax(z, lam):
    return np.minimum(z, 0) + np.maximum(z - lam, 0)


def _huber_textbook(z, delta):
    return np.where(np.abs(z) <= 2 * delta, z / 2, z - delta * np.sign(z))


def _huber_clip(z, delta):
    t = np.multiply(z, 0.5)
    np.clip(t, -delta, delta, out=t)
    return np.subtract(z, t, out=t)


def _clip_textbook(z, a, b):
    return np.clip(z, a, b)


def _clip_minmax(z, a, b):
    return np.minimum(np.maximum(z, a), b)


def _ridge_textbook(z, lam):
    return z / (1 + lam)


def _ridge_multiply(z, lam):
    return z * (1 / (1 + lam))


# -- hand-written references for the catalogue entries ---------------------------------------------
# Each takes ``z`` and the entry's parameters by keyword (``lam`` for lambda); prox_g(v) = argmin_x g(x) + (x - v)^2/2.
# Variants are what a user would write from the literature; "best numpy" is the fastest that agrees with the
# derived kernel.  Sources: Beck, First-Order Methods in Optimization (SIAM 2017) ch. 6; Parikh and Boyd,
# Proximal Algorithms (2014) sec. 6; Chaux, Combettes, Pesquet and Wajs, Inverse Problems 23 (2007), Ex. 4.9
# (powers); Fan and Li, JASA 96 (2001) eq. (2.8) (SCAD); Zhang, Ann. Statist. 38 (2010) (MCP); Xu, Chang, Xu
# and Zhang, IEEE TNNLS 23 (2012) (half thresholding); Cao, Sun and Xu, J. Vis. Commun. 24 (2013) (2/3
# thresholding); Gong, Zhang, Lu, Huang and Ye, ICML 2013 (GIST: candidates of the log penalty compared).
def _masked(z: np.ndarray, keep: np.ndarray, formula: Callable[[np.ndarray], np.ndarray]) -> np.ndarray:
    """``formula`` on ``z[keep]``, 0 elsewhere (the way a user skips the dead zone of a thresholding rule)."""
    out = np.zeros_like(z)
    out[keep] = formula(z[keep])
    return out


def _cat_soft_where(z, lam):  # Beck 2017, Example 6.8
    return np.where(np.abs(z) <= lam, 0, z - lam * np.sign(z))


def _cat_square(z, lam):  # Parikh and Boyd 2014, sec. 6.1.1: prox of lam*x^2 is v/(1 + 2 lam)
    return z / (1 + 2 * lam)


def _cat_square_multiply(z, lam):
    return z * (1 / (1 + 2 * lam))


def _cat_power_4_3(z, lam):  # Chaux et al. 2007, Ex. 4.9 (p = 4/3)
    rho = np.sqrt(z**2 + 256 * lam**3 / 729)
    return z + 4 * lam / (3 * 2 ** (1 / 3)) * (np.cbrt(rho - z) - np.cbrt(rho + z))


def _cat_power_4_3_inplace(z, lam):
    rho = np.square(z)
    rho += 256 * lam**3 / 729
    np.sqrt(rho, out=rho)
    low = np.cbrt(rho - z)
    np.add(rho, z, out=rho)
    np.cbrt(rho, out=rho)
    np.subtract(low, rho, out=low)
    low *= 4 * lam / (3 * 2 ** (1 / 3))
    low += z
    return low


def _cat_power_3_2(z, lam):  # Chaux et al. 2007, Ex. 4.9 (p = 3/2)
    return z + 9 * lam**2 / 8 * np.sign(z) * (1 - np.sqrt(1 + 16 * np.abs(z) / (9 * lam**2)))


def _cat_power_3_2_inplace(z, lam):
    t = np.abs(z)
    t *= 16 / (9 * lam**2)
    t += 1
    np.sqrt(t, out=t)
    t -= 1
    t *= 9 * lam**2 / 8
    np.copysign(t, z, out=t)
    return np.subtract(z, t, out=t)


def _cat_power_3(z, lam):  # Chaux et al. 2007, Ex. 4.9 (p = 3)
    return np.sign(z) * (np.sqrt(1 + 12 * lam * np.abs(z)) - 1) / (6 * lam)


def _cat_power_3_inplace(z, lam):
    t = np.abs(z)
    t *= 12 * lam
    t += 1
    np.sqrt(t, out=t)
    t -= 1
    t *= 1 / (6 * lam)
    return np.copysign(t, z, out=t)


def _cat_power_4(z, lam):  # Chaux et al. 2007, Ex. 4.9 (p = 4)
    rho = np.sqrt(z**2 + 1 / (27 * lam))
    return np.cbrt((rho + z) / (8 * lam)) - np.cbrt((rho - z) / (8 * lam))


def _cat_power_4_inplace(z, lam):
    rho = np.square(z)
    rho += 1 / (27 * lam)
    np.sqrt(rho, out=rho)
    low = np.subtract(rho, z)
    rho += z
    np.cbrt(rho, out=rho)
    np.cbrt(low, out=low)
    rho -= low
    rho *= 1 / 2 / np.cbrt(lam)
    return rho


def _cat_pinball(z, a, b):  # Parikh and Boyd 2014, sec. 6.5.2 style: shrink by a above, by b below
    return np.where(z > a, z - a, np.where(z < -b, z + b, 0))


def _cat_pinball_clip(z, a, b):
    t = np.clip(z, -b, a)
    return np.subtract(z, t, out=t)


def _cat_hinge(z, lam):
    return _hinge_clip(z, lam)


def _cat_abs_shift(z, c, lam):  # Beck 2017, Thm 6.11: prox of h(x - c) is c + prox_h(v - c)
    return c + _soft_textbook(z - c, lam)


def _cat_abs_shift_clip(z, c, lam):
    t = np.clip(z, c - lam, c + lam)
    np.subtract(z, t, out=t)
    t += c
    return t


def _cat_huber(z, delta, lam):  # Beck 2017, Example 6.54: (1 - lam*delta/max(|v|, delta*(1 + lam))) v
    return (1 - lam * delta / np.maximum(np.abs(z), delta * (1 + lam))) * z


def _cat_huber_clip(z, delta, lam):
    t = np.clip(z, -delta * (1 + lam), delta * (1 + lam))
    t *= lam / (1 + lam)
    return np.subtract(z, t, out=t)


def _cat_berhu(z, delta, lam):  # Owen 2007: soft threshold up to delta + lam, then linear shrinkage
    return np.where(np.abs(z) <= delta + lam, _soft_textbook(z, lam), z * (delta / (delta + lam)))


def _cat_berhu_clip(z, delta, lam):
    soft = np.clip(z, -lam, lam)
    np.subtract(z, soft, out=soft)
    return np.where(np.abs(z) <= delta + lam, soft, z * (delta / (delta + lam)))


def _cat_log_barrier(z, lam):  # Beck 2017, Table 6.1: (v + sqrt(v^2 + 4 lam))/2
    return (z + np.sqrt(z**2 + 4 * lam)) / 2


def _cat_log_barrier_inplace(z, lam):
    t = np.square(z)
    t += 4 * lam
    np.sqrt(t, out=t)
    t += z
    t *= 0.5
    return t


def _scipy_special() -> Any:
    return importlib.import_module("scipy.special")


def _cat_neg_entropy(z, lam):  # Beck 2017, Table 6.1: lam*W(exp(v/lam - 1)/lam)
    return lam * _scipy_special().lambertw(np.exp(z / lam - 1) / lam).real


def _cat_neg_entropy_omega(z, lam):  # the same with W(exp(y)) = wrightomega(y) (no overflow)
    return lam * _scipy_special().wrightomega(z / lam - 1 - np.log(lam))


def _cat_exp(z, lam):  # Parikh and Boyd 2014, sec. 6: v - W(lam*exp(v))
    return z - _scipy_special().lambertw(lam * np.exp(z)).real


def _cat_exp_omega(z, lam):
    return z - _scipy_special().wrightomega(z + np.log(lam))


def _cat_box(z, a, b):  # Beck 2017, Lemma 6.26
    return np.clip(z, a, b)


def _cat_box_minmax(z, a, b):
    return np.minimum(np.maximum(z, a), b)


def _cat_nonneg(z):  # Beck 2017, Table 6.1
    return np.maximum(z, 0)


def _cat_point(z, c):  # the projection onto {c}
    return np.full_like(z, c)


def _cat_dist_interval(z, a, b, lam):  # Beck 2017, Lemma 6.43: P(v) + soft(v - P(v), lam), P = clip to [a, b]
    p = np.clip(z, a, b)
    return p + _soft_textbook(z - p, lam)


def _cat_dist_interval_clip(z, a, b, lam):
    t = np.clip(z, a, b)
    np.subtract(z, t, out=t)
    np.clip(t, -lam, lam, out=t)
    return np.subtract(z, t, out=t)


def _cat_elastic_net(z, lam, mu):
    return _enet_clip(z, lam, mu)


def _cat_elastic_net_textbook(z, lam, mu):
    return _enet_textbook(z, lam, mu)


def _cat_log_barrier_ridge(z, lam, mu):  # Beck 2017, Table 6.1 with the ridge: (v + sqrt(v^2 + 4 lam (1+mu)))/(2(1+mu))
    return (z + np.sqrt(z**2 + 4 * lam * (1 + mu))) / (2 * (1 + mu))


def _cat_log_barrier_ridge_inplace(z, lam, mu):
    t = np.square(z)
    t += 4 * lam * (1 + mu)
    np.sqrt(t, out=t)
    t += z
    t *= 1 / (2 * (1 + mu))
    return t


def _cat_neg_entropy_ridge(z, lam, mu):  # lam/(1+mu) W((1+mu)/lam exp(v/lam - 1))
    return lam / (1 + mu) * _scipy_special().lambertw((1 + mu) / lam * np.exp(z / lam - 1)).real


def _cat_neg_entropy_ridge_omega(z, lam, mu):
    return lam / (1 + mu) * _scipy_special().wrightomega(z / lam - 1 + np.log((1 + mu) / lam))


def _cat_box_ridge(z, a, b, mu):  # the projection of v/(1 + mu) onto [a, b]
    return np.clip(z / (1 + mu), a, b)


def _cat_box_ridge_inplace(z, a, b, mu):
    t = np.multiply(z, 1 / (1 + mu))
    return np.clip(t, a, b, out=t)


def _cat_log_cosh_newton(z, lam):
    """Newton's method on x + lam*tanh(x) = v from x = v/(1 + lam), stopped at a relative step of 1e-15.

    The slope 1 + lam*(1 - tanh^2) lies in [1, 1 + lam], so every Newton step is finite.
    """
    x = z / (1 + lam)
    for _ in range(100):
        t = np.tanh(x)
        f = x + lam * t - z
        slope = 1 + lam * (1 - t * t)
        step = f / slope
        x -= step
        if not np.any(np.abs(step) > 1e-15 * np.maximum(np.abs(x), 1e-300)):
            break
    return x


def _cat_log_cosh_bisection(z, lam):
    """Bisection of x + lam*tanh(x) = v on [v - lam, v + lam] (|tanh| < 1), 60 halvings."""
    lo, hi = z - lam, z + lam
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        below = mid + lam * np.tanh(mid) < z
        lo, hi = np.where(below, mid, lo), np.where(below, hi, mid)
    return 0.5 * (lo + hi)


def _cat_l0(z, lam):  # hard thresholding at sqrt(2 lam) (Beck 2017, Example 6.10)
    return np.where(np.abs(z) > np.sqrt(2 * lam), z, 0)


def _cat_l0_multiply(z, lam):
    return z * (np.abs(z) > np.sqrt(2 * lam))


def _cat_capped_l1(z, lam, theta):
    """lam*min(|x|, theta): soft thresholding up to lam/2 + theta, identity beyond (theta > lam/2);
    hard thresholding at sqrt(2 lam theta) otherwise (compare the two candidates' objectives)."""
    if lam < 2 * theta:
        return np.where(np.abs(z) <= lam / 2 + theta, _soft_textbook(z, lam), z)
    return _cat_l0(z, lam * theta)


def _cat_capped_l1_clip(z, lam, theta):
    if lam < 2 * theta:
        soft = np.clip(z, -lam, lam)
        np.subtract(z, soft, out=soft)
        return np.where(np.abs(z) <= lam / 2 + theta, soft, z)
    return _cat_l0_multiply(z, lam * theta)


def _cat_scad(z, a, lam):  # Fan and Li 2001, eq. (2.8)
    absz = np.abs(z)
    soft = np.sign(z) * np.maximum(absz - lam, 0)
    middle = ((a - 1) * z - np.sign(z) * a * lam) / (a - 2)
    return np.where(absz <= 2 * lam, soft, np.where(absz <= a * lam, middle, z))


def _cat_scad_clip(z, a, lam):
    # the same continuous piecewise-linear map as v - clip(v, -lam, lam) + (clip(v, 2lam, a lam) - ...)/(a - 2)
    absz = np.abs(z)
    t = np.clip(absz, 2 * lam, a * lam)
    t -= 2 * lam
    t *= -1 / (a - 2)
    t += lam
    np.minimum(t, absz, out=t)
    np.subtract(absz, t, out=t)
    return np.copysign(t, z, out=t)


def _cat_mcp(z, gamma, lam):  # Zhang 2010: firm thresholding
    return np.where(np.abs(z) <= gamma * lam, gamma / (gamma - 1) * _soft_textbook(z, lam), z)


def _cat_mcp_clip(z, gamma, lam):
    soft = np.clip(z, -lam, lam)
    np.subtract(z, soft, out=soft)
    soft *= gamma / (gamma - 1)
    return np.where(np.abs(z) <= gamma * lam, soft, z)


def _cat_log_penalty(z, epsilon, lam):
    """Gong et al. 2013: the nonzero candidate is the larger root of x^2 + (eps - |v|) x + lam - eps |v| = 0,
    kept where it exists and its objective is below that of x = 0 (v^2/2)."""
    u = np.abs(z)
    disc = (u + epsilon) ** 2 - 4 * lam
    with np.errstate(invalid="ignore"):
        root = np.maximum((u - epsilon + np.sqrt(disc)) / 2, 0)
        better = lam * np.log1p(root / epsilon) + (root - u) ** 2 / 2 < u**2 / 2
    return np.where((disc >= 0) & better, np.sign(z) * root, 0)


def _cat_log_penalty_masked(z, epsilon, lam):
    u = np.abs(z)
    disc = (u + epsilon) ** 2 - 4 * lam
    out = np.zeros_like(z)
    keep = disc >= 0
    uk = u[keep]
    root = np.maximum((uk - epsilon + np.sqrt(disc[keep])) / 2, 0)
    better = lam * np.log1p(root / epsilon) + (root - uk) ** 2 / 2 < uk**2 / 2
    out[keep] = np.where(better, np.copysign(root, z[keep]), 0)
    return out


def _half(z, lam):  # Xu et al. 2012 with their lambda = 2*lam (they minimise (x - v)^2 + lambda |x|^(1/2))
    phi = np.arccos(2 * lam / 8 * (np.abs(z) / 3) ** -1.5)
    return 2 / 3 * z * (1 + np.cos(2 * np.pi / 3 - 2 / 3 * phi))


def _cat_bridge_half(z, lam):  # Xu et al. 2012: half thresholding, threshold (54^(1/3)/4) (2 lam)^(2/3)
    keep = np.abs(z) > 54 ** (1 / 3) / 4 * (2 * lam) ** (2 / 3)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(keep, _half(z, lam), 0)


def _cat_bridge_half_masked(z, lam):
    return _masked(z, np.abs(z) > 54 ** (1 / 3) / 4 * (2 * lam) ** (2 / 3), lambda s: _half(s, lam))


def _two_thirds(z, lam):  # Cao et al. 2013 with their lambda = 2*lam
    lc = 2 * lam
    phi = np.arccosh(27 / 16 * z**2 * lc**-1.5)
    a = 2 / np.sqrt(3) * lc**0.25 * np.sqrt(np.cosh(phi / 3))
    absz = np.abs(z)
    return np.sign(z) * ((a + np.sqrt(2 * absz / a - a**2)) / 2) ** 3


def _cat_bridge_two_thirds(z, lam):  # Cao et al. 2013: threshold (2/3) (3 (2 lam)^3)^(1/4)
    keep = np.abs(z) > 2 / 3 * (3 * (2 * lam) ** 3) ** 0.25
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(keep, _two_thirds(z, lam), 0)


def _cat_bridge_two_thirds_masked(z, lam):
    return _masked(z, np.abs(z) > 2 / 3 * (3 * (2 * lam) ** 3) ** 0.25, lambda s: _two_thirds(s, lam))


#: Hand-written variants per catalogue entry (the first is the textbook form).
CATALOGUE_REFERENCES: dict[str, tuple[Callable[..., Any], ...]] = {
    "abs": (_cat_soft_where, _soft_textbook, _soft_clip, _soft_inplace),
    "square": (_cat_square, _cat_square_multiply),
    "power-4/3": (_cat_power_4_3, _cat_power_4_3_inplace),
    "power-3/2": (_cat_power_3_2, _cat_power_3_2_inplace),
    "power-3": (_cat_power_3, _cat_power_3_inplace),
    "power-4": (_cat_power_4, _cat_power_4_inplace),
    "pinball": (_cat_pinball, _cat_pinball_clip),
    "hinge": (_hinge_textbook, _hinge_clip, _hinge_minmax),
    "abs-shift": (_cat_abs_shift, _cat_abs_shift_clip),
    "huber": (_cat_huber, _cat_huber_clip),
    "berhu": (_cat_berhu, _cat_berhu_clip),
    "log-barrier": (_cat_log_barrier, _cat_log_barrier_inplace),
    "neg-entropy": (_cat_neg_entropy, _cat_neg_entropy_omega),
    "exp": (_cat_exp, _cat_exp_omega),
    "box": (_cat_box, _cat_box_minmax),
    "nonneg": (_cat_nonneg,),
    "point": (_cat_point,),
    "dist-interval": (_cat_dist_interval, _cat_dist_interval_clip),
    "elastic-net": (_cat_elastic_net_textbook, _cat_elastic_net),
    "log-barrier-ridge": (_cat_log_barrier_ridge, _cat_log_barrier_ridge_inplace),
    "neg-entropy-ridge": (_cat_neg_entropy_ridge, _cat_neg_entropy_ridge_omega),
    "box-ridge": (_cat_box_ridge, _cat_box_ridge_inplace),
    "log-cosh": (_cat_log_cosh_newton, _cat_log_cosh_bisection),
    "l0": (_cat_l0, _cat_l0_multiply),
    "capped-l1": (_cat_capped_l1, _cat_capped_l1_clip),
    "scad": (_cat_scad, _cat_scad_clip),
    "mcp": (_cat_mcp, _cat_mcp_clip),
    "log-penalty": (_cat_log_penalty, _cat_log_penalty_masked),
    "bridge-1/2": (_cat_bridge_half, _cat_bridge_half_masked),
    "bridge-2/3": (_cat_bridge_two_thirds, _cat_bridge_two_thirds_masked),
}


# -- peers (each returns a one-argument function, or raises ImportError) -------------------------
def _pyproximal(make: Callable[[Any], Callable[[np.ndarray], Any]]) -> Callable[[], Callable[[np.ndarray], Any]]:
    def load() -> Callable[[np.ndarray], Any]:
        return make(importlib.import_module("pyproximal"))

    return load


def _proxop(make: Callable[[Any], Callable[[np.ndarray], Any]]) -> Callable[[], Callable[[np.ndarray], Any]]:
    def load() -> Callable[[np.ndarray], Any]:
        return make(importlib.import_module("proxop"))

    return load


def _bound(operator: Any, *extra: Any) -> Callable[[np.ndarray], Any]:
    """``z -> operator.prox(z, *extra)``."""
    return lambda z: operator.prox(z, *extra)


def _reflected(operator: Any, gamma: float) -> Callable[[np.ndarray], Any]:
    """prox of g(x) = h(1 - x) from that of h: ``1 - prox_h(1 - z)`` (hinge max(1 - x, 0) -> max(x, 0))."""
    return lambda z: 1 - operator.prox(1 - z, gamma)


def _skglm_soft(lam: float) -> Callable[[], Callable[[np.ndarray], Any]]:
    def load() -> Callable[[np.ndarray], Any]:
        st_vec = importlib.import_module("skglm.utils.prox_funcs").ST_vec
        return lambda z: st_vec(z, z.dtype.type(lam))

    return load


HUBER = sp.Piecewise((x**2 / 2, sp.Abs(x) <= delta), (delta * (sp.Abs(x) - delta / 2), True))
BOX = sp.Piecewise((0, (x >= a) & (x <= b)), (sp.oo, True))

KERNELS: tuple[Kernel, ...] = (
    Kernel(
        "soft threshold",
        _prox(lam * sp.Abs(x)),
        {"lam": 1.0},
        _soft_textbook,
        (_soft_textbook, _soft_clip, _soft_inplace),
        {
            "pyproximal L1": _pyproximal(lambda m: _bound(m.L1(sigma=1.0), 1.0)),
            "proxop AbsValue": _proxop(lambda m: _bound(m.AbsValue(), 1.0)),
            "skglm ST_vec": _skglm_soft(1.0),
        },
    ),
    Kernel(
        "ridge",
        _prox(lam * x**2 / 2),
        {"lam": 1.0},
        _ridge_textbook,
        (_ridge_textbook, _ridge_multiply),
        {
            "pyproximal L2": _pyproximal(lambda m: _bound(m.L2(sigma=1.0), 1.0)),
            "proxop Square": _proxop(lambda m: _bound(m.Square(), 1.0)),
        },
    ),
    Kernel(
        "elastic net",
        _prox(lam * sp.Abs(x) + mu / 2 * x**2),
        {"lam": 1.0, "mu": 0.5},
        _enet_textbook,
        (_enet_textbook, _enet_clip),
    ),
    Kernel(
        "hinge max(x,0)",
        _prox(lam * sp.Max(x, 0)),
        {"lam": 1.0},
        _hinge_textbook,
        (_hinge_textbook, _hinge_clip, _hinge_minmax),
        {
            "proxop HingeLoss (reflected)": _proxop(lambda m: _reflected(m.HingeLoss(), 1.0)),
        },
    ),
    Kernel(
        "Huber",
        _prox(HUBER),
        {"delta": 1.5},
        _huber_textbook,
        (_huber_textbook, _huber_clip),
        {
            "pyproximal Huber": _pyproximal(lambda m: _bound(m.Huber(alpha=1.5), 1.5)),
            "proxop Huber": _proxop(lambda m: _bound(m.Huber(1.5), 1.0)),
        },
    ),
    Kernel(
        "clipping [a,b]",
        _prox(BOX, assumptions=a < b),
        {"a": -1.0, "b": 2.0},
        _clip_textbook,
        (_clip_textbook, _clip_minmax),
        {
            "pyproximal Box": _pyproximal(lambda m: _bound(m.Box(-1.0, 2.0), 1.0)),
            "proxop BoxConstraint": _proxop(lambda m: _bound(m.BoxConstraint(-1.0, 2.0))),
        },
    ),
)


#: Example parameter values for catalogue entries (by symbol name), chosen inside every entry's facts.
EXAMPLE_VALUES = {"lambda": 1.0, "mu": 0.5, "delta": 1.5, "a": -1.0, "b": 2.0, "c": 0.5, "theta": 2.0, "epsilon": 0.5}
#: Overrides where an entry's facts need other values (SCAD: a > 2; MCP: gamma > 1; pinball: a, b > 0).
EXAMPLE_OVERRIDES = {"scad": {"a": 3.7}, "mcp": {"gamma": 3.0}, "pinball": {"a": 0.3, "b": 0.7}}


def catalogue_kernels() -> tuple[list[Kernel], str]:
    """Kernels for the entries of ``derive.catalogue`` if it exists, with their hand-written references."""
    try:
        catalogue = importlib.import_module("derive.catalogue")
    except ImportError:
        return [], "derive/catalogue.py is not present: no catalogue kernels"
    entries = getattr(catalogue, "CATALOGUE", None)
    if entries is None:
        return [], "derive.catalogue has no CATALOGUE: no catalogue kernels"
    kernels = []
    for entry in entries:
        values = {**EXAMPLE_VALUES, "gamma": 3.0, **EXAMPLE_OVERRIDES.get(entry.name, {})}
        symbols = sorted(entry.penalty.free_symbols - {x}, key=lambda s: s.name)
        params = {("lam" if s.name == "lambda" else s.name): values.get(s.name, 1.0) for s in symbols}
        references = CATALOGUE_REFERENCES.get(entry.name, ())
        kernels.append(
            Kernel(
                f"cat: {entry.name}",
                entry.derive,
                params,
                references[0] if references else None,
                references,
                kernel=lambda d, entry=entry: entry.numeric(),
                by_keyword=True,
            )
        )
    missing = [e.name for e in entries if e.name not in CATALOGUE_REFERENCES]
    note = f"{len(kernels)} catalogue entries (derived kernel: Entry.numeric(), via derive.numeric_prox)"
    return kernels, note + (f"; no hand-written reference for {', '.join(missing)}" if missing else "")


_PEER_STATUS: dict[str, str] = {}


def peer_status() -> dict[str, str]:
    """Which peer libraries were importable (name -> version or reason)."""
    for module in ("pyproximal", "proxop", "skglm"):
        if module not in _PEER_STATUS:
            try:
                mod = importlib.import_module(module)
                _PEER_STATUS[module] = getattr(mod, "__version__", "installed")
            except ImportError as exc:
                _PEER_STATUS[module] = f"not installed ({exc.__class__.__name__}); skipped"
    return _PEER_STATUS


@dataclass
class Row:
    kernel: str
    dtype: str
    times: dict[str, float]
    notes: list[str]


def _same(got: Any, want: Any, dtype: Any) -> bool:
    got, want = np.asarray(got), np.asarray(want)
    if got.shape != want.shape:
        return False
    tol = 1e-12 if dtype == np.float64 else 1e-5
    try:
        return bool(np.allclose(got, want, rtol=tol, atol=tol, equal_nan=True))
    except (TypeError, ValueError):  # e.g. an object array from a naive lambdify
        return False


def run_kernels(
    size: int, rounds: int, dtypes: tuple[Any, ...] = (np.float64, np.float32), only: str = ""
) -> list[Row]:
    """Time every kernel whose name contains ``only`` on ``size`` values of each dtype (a row per kernel, dtype)."""
    rng = np.random.default_rng(0)
    base = rng.standard_normal(size) * 3
    extra, note = catalogue_kernels()
    print(f"# {note}")
    rows: list[Row] = []
    for kernel in (*KERNELS, *extra):
        if only.lower() not in kernel.name.lower():
            continue
        try:
            derivation = kernel.derive()
            derived = derivation.numeric() if kernel.kernel is None else kernel.kernel(derivation)
            names = [("lam" if p.name == "lambda" else p.name) for p in derivation.parameters]
            params = {name: kernel.params.get(name, 1.0) for name in names}
        except Exception as exc:  # a benchmark reports and goes on
            rows.append(Row(kernel.name, "-", {}, [f"derivation failed: {type(exc).__name__}: {exc}"[:200]]))
            continue
        try:
            naive = sp.lambdify((derivation.variable, *derivation.parameters), derivation.result, "numpy")
        except Exception:
            naive = None
        for dtype in dtypes:
            data = base.astype(dtype)
            args = tuple(params.values())
            keywords = params if kernel.by_keyword else {}
            hand_args = () if kernel.by_keyword else args
            notes: list[str] = []
            start = time.perf_counter()
            try:
                with np.errstate(all="ignore"):
                    reference = np.asarray(derived(data, **params))
            except Exception as exc:
                rows.append(Row(kernel.name, np.dtype(dtype).name, {}, [f"kernel failed: {type(exc).__name__}: {exc}"]))
                continue
            if time.perf_counter() - start <= 2.0:  # the first call pays page faults: decide on a second one
                start = time.perf_counter()
                derived(data, **params)
            slow = time.perf_counter() - start > 2.0
            if slow:
                notes.append("slow kernel (over 2 s a call): 1 round")
            candidates: dict[str, Callable[[], Any]] = {
                "derived": lambda d=derived, z=data, p=params: d(z, **p),
                "copy": lambda z=data: np.copy(z),
            }
            if naive is not None:
                candidates["lambdify"] = lambda f=naive, z=data, p=args: f(z, *p)
            if kernel.textbook is not None:
                candidates["textbook"] = lambda f=kernel.textbook, z=data, p=hand_args, k=keywords: f(z, *p, **k)
                for i, variant in enumerate(kernel.variants):
                    candidates[f"variant{i}"] = lambda f=variant, z=data, p=hand_args, k=keywords: f(z, *p, **k)
            for peer, load in kernel.peers.items():
                try:
                    fn = load()
                except ImportError:
                    notes.append(f"{peer}: not installed, skipped")
                    continue
                candidates[peer] = lambda f=fn, z=data: f(z)
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                with np.errstate(all="ignore"):
                    for name in list(candidates):
                        if name in ("copy", "derived"):
                            continue
                        try:
                            value = candidates[name]()
                        except Exception as exc:
                            notes.append(f"{name}: failed ({type(exc).__name__})")
                            del candidates[name]
                            continue
                        if not _same(value, reference, dtype):
                            notes.append(f"{name}: values differ from the derived kernel, not timed")
                            del candidates[name]
                        elif name in kernel.peers and np.asarray(value).dtype != reference.dtype:
                            notes.append(f"{name}: returns {np.asarray(value).dtype}")
                    samples: dict[str, list[float]] = {name: [] for name in candidates}
                    order = list(candidates)
                    shuffler = random.Random(1)
                    for round_ in range(1 if slow else rounds + 1):
                        shuffler.shuffle(order)  # no candidate always follows the same one
                        for name in order:
                            start = CLOCK()
                            candidates[name]()
                            if round_ or slow:  # round 0 warms up
                                samples[name].append(CLOCK() - start)
            # The median of the rounds: robust to a loaded machine, and the same statistic for
            # every candidate (a minimum over more variants would favour the hand-written side).
            best = {name: statistics.median(times) for name, times in samples.items()}
            variants = [t for n, t in best.items() if n.startswith("variant")]
            if variants:
                best["best numpy"] = min(variants)
            rows.append(
                Row(
                    kernel.name,
                    np.dtype(dtype).name,
                    {k: t for k, t in best.items() if not k.startswith("variant")},
                    notes,
                )
            )
    return rows


def format_rows(rows: list[Row], size: int, rounds: int, threshold: float = 1.1) -> str:
    """The kernel table: milliseconds and the ratios the target is stated in."""
    peers = sorted({k for r in rows for k in r.times} - {"derived", "lambdify", "textbook", "best numpy", "copy"})
    head = (
        f"{'kernel':<16}{'dtype':>8}{'derived':>9}{'lambdify':>9}{'textbook':>9}{'best np':>9}{'copy':>7}"
        f"{'d/best':>8}{'d/text':>8}{'d/copy':>8}  ok"
    )
    lines = [f"Kernels on {size:.0e} values (thread CPU ms, median of {rounds} shuffled rounds; d = derived)", head]
    worst = 0.0
    for r in rows:
        t = r.times
        if not t:
            lines.append(f"{r.kernel:<16}{'':>8}  {'; '.join(r.notes)}")
            continue

        def ms(key: str, t: dict[str, float] = t) -> str:
            return f"{t[key] * 1e3:.1f}" if key in t else "-"

        ratio_best = t["derived"] / t["best numpy"] if "best numpy" in t else float("nan")
        ratio_text = t["derived"] / t["textbook"] if "textbook" in t else float("nan")
        if ratio_best == ratio_best:
            worst = max(worst, ratio_best)
        ok = "-" if ratio_best != ratio_best else ("yes" if ratio_best <= threshold else "NO")
        lines.append(
            f"{r.kernel:<16}{r.dtype:>8}{ms('derived'):>9}{ms('lambdify'):>9}{ms('textbook'):>9}{ms('best numpy'):>9}"
            f"{ms('copy'):>7}{ratio_best:>8.2f}{ratio_text:>8.2f}{t['derived'] / t['copy']:>8.2f}  {ok}"
        )
    if peers:
        lines.append("")
        lines.append(f"{'peer implementation':<32}{'kernel':<16}{'dtype':>8}{'ms':>8}{'derived/peer':>14}")
        for r in rows:
            for peer in peers:
                if peer in r.times:
                    lines.append(
                        f"{peer:<32}{r.kernel:<16}{r.dtype:>8}{r.times[peer] * 1e3:>8.1f}"
                        f"{r.times['derived'] / r.times[peer]:>14.2f}"
                    )
    notes = [f"  {r.kernel} ({r.dtype}): {n}" for r in rows for n in r.notes]
    if notes:
        lines.append("")
        lines.append("notes:")
        lines.extend(notes)
    lines.append("")
    verdict = "met" if worst <= threshold else "NOT met"
    lines.append(f"target derived/best-numpy <= {threshold}: {verdict} (worst {worst:.2f})")
    return "\n".join(lines)


def format_catalogue(rows: list[Row], threshold: float = 1.1) -> str:
    """One line per catalogue kernel: derived, best hand-written, their ratio and the copy, float64 and float32."""
    table: dict[str, dict[str, dict[str, float]]] = {}
    for r in rows:
        if r.kernel.startswith("cat: ") and r.times:
            table.setdefault(r.kernel[5:], {})[r.dtype] = r.times
    if not table:
        return ""
    cells = "".join(f"{h:>9}" for h in ("derived", "best np", "ratio", "copy"))
    lines = [
        "Catalogue kernels (thread CPU ms; ratio = derived / best hand-written NumPy)",
        f"{'entry':<19}{'-- float64 --':^36}{'-- float32 --':^36}  ok",
        f"{'':<19}{cells}{cells}",
    ]
    for name, by_dtype in table.items():
        line, ok = f"{name:<19}", True
        for dtype in ("float64", "float32"):
            t = by_dtype.get(dtype, {})
            best = t.get("best numpy")
            ratio = t["derived"] / best if best and "derived" in t else float("nan")
            ok = ok and ratio <= threshold
            values = (t.get("derived"), best)
            line += "".join(f"{x * 1e3:>9.1f}" if x is not None else f"{'-':>9}" for x in values)
            line += f"{ratio:>9.2f}" + (f"{t['copy'] * 1e3:>9.1f}" if "copy" in t else f"{'-':>9}")
        lines.append(line + ("  yes" if ok else "  NO"))
    return "\n".join(lines)
