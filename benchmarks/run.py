"""Benchmarks: derived kernels against hand-written NumPy, and derivation times.

Run: ``python3 benchmarks/run.py``.  Ratios are measured in one run on the same
machine (best of ``REPEAT`` timings each), so they compare like with like:

* kernel / numpy: a ``Derivation.numeric()`` kernel against the line a user
  would write by hand for the same formula, on 10^7 float64 values;
* copy: a plain array copy, the memory-traffic floor;
* derivation times: cold (first call in this process) for each derivation.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import sympy as sp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from derive.estimators import estimator
from derive.prox import prox
from derive.symbols import delta, lam, mu, v, x

SIZE = 10**7
REPEAT = 5


def best(fn, *args) -> float:
    times = []
    for _ in range(REPEAT):
        start = time.perf_counter()
        fn(*args)
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    rng = np.random.default_rng(0)
    data = rng.standard_normal(SIZE) * 3
    floor = best(np.copy, data)

    timings: list[tuple[str, float]] = []

    def derive_timed(label, fn):
        start = time.perf_counter()
        d = fn()
        timings.append((label, time.perf_counter() - start))
        return d

    soft = derive_timed("prox lambda|x|", lambda: prox(lam * sp.Abs(x), x, v))
    ridge = derive_timed("prox lambda x^2/2", lambda: prox(lam * x**2 / 2, x, v))
    enet = derive_timed("prox elastic net", lambda: prox(lam * sp.Abs(x) + mu / 2 * x**2, x, v))
    huber = derive_timed(
        "prox Huber",
        lambda: prox(sp.Piecewise((x**2 / 2, sp.Abs(x) <= delta), (delta * (sp.Abs(x) - delta / 2), True)), x, v),
    )
    derive_timed("estimator lasso (esl)", lambda: estimator("lasso"))
    derive_timed("estimator ridge (sklearn)", lambda: estimator("ridge", convention="sklearn"))

    kernels = [
        ("soft threshold", soft.numeric(), (data, 1.0), lambda a: np.sign(a) * np.maximum(np.abs(a) - 1.0, 0.0)),
        ("ridge shrinkage", ridge.numeric(), (data, 1.0), lambda a: a / 2.0),
        (
            "elastic net",
            enet.numeric(),
            (data, 1.0, 0.5),
            lambda a: np.sign(a) * np.maximum(np.abs(a) - 1.0, 0.0) / 1.5,
        ),
        (
            "Huber prox",
            huber.numeric(),
            (data, 1.0),
            lambda a: np.where(np.abs(a) <= 2.0, a / 2.0, a - np.sign(a)),
        ),
    ]
    print(f"kernels on {SIZE:.0e} float64 values (best of {REPEAT}); copy floor {floor * 1e3:.1f} ms")
    print(f"{'kernel':<18}{'derived ms':>12}{'numpy ms':>10}{'derived/numpy':>15}{'derived/copy':>14}")
    for name, kernel, args, hand in kernels:
        np.testing.assert_allclose(kernel(*args), hand(args[0]), rtol=1e-12, atol=1e-12)
        t_kernel, t_hand = best(kernel, *args), best(hand, args[0])
        ratio, floor_ratio = t_kernel / t_hand, t_kernel / floor
        print(f"{name:<18}{t_kernel * 1e3:>12.1f}{t_hand * 1e3:>10.1f}{ratio:>15.2f}{floor_ratio:>14.2f}")
    print()
    print(f"{'derivation (cold)':<30}{'seconds':>10}")
    for label, seconds in timings:
        print(f"{label:<30}{seconds:>10.2f}")


if __name__ == "__main__":
    main()
