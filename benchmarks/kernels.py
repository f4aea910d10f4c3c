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
    """Kernels for the entries of ``derive.catalogue`` if it exists (derived vs lambdify vs copy only)."""
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
        kernels.append(
            Kernel(
                f"cat: {entry.name}",
                entry.derive,
                params,
                None,
                (),
                kernel=lambda d, entry=entry: entry.numeric(),
            )
        )
    return kernels, f"{len(kernels)} catalogue entries (derived kernel: Entry.numeric(), via derive.numeric_prox)"


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
            notes: list[str] = []
            start = time.perf_counter()
            try:
                with np.errstate(all="ignore"):
                    reference = np.asarray(derived(data, **params))
            except Exception as exc:
                rows.append(Row(kernel.name, np.dtype(dtype).name, {}, [f"kernel failed: {type(exc).__name__}: {exc}"]))
                continue
            slow = time.perf_counter() - start > 2.0
            if slow:
                notes.append("slow kernel (no closed form: bisection): 1 round")
            candidates: dict[str, Callable[[], Any]] = {
                "derived": lambda d=derived, z=data, p=params: d(z, **p),
                "copy": lambda z=data: np.copy(z),
            }
            if naive is not None:
                candidates["lambdify"] = lambda f=naive, z=data, p=args: f(z, *p)
            if kernel.textbook is not None:
                candidates["textbook"] = lambda f=kernel.textbook, z=data, p=args: f(z, *p)
                for i, variant in enumerate(kernel.variants):
                    candidates[f"variant{i}"] = lambda f=variant, z=data, p=args: f(z, *p)
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
