"""Derivation-speed benchmark: each derivation and theorem cold and warm, the report, ``import derive``.

* cold: the first call in this process (SymPy's own cache is shared, so a later
  derivation may profit from an earlier one; the order is fixed);
* warm: a second call with the same inputs (the ``lru_cache`` of the derivation
  functions);
* fresh: ``--fresh`` runs each case alone in a new process (modules imported
  first, not timed), so nothing is shared with another derivation: the number
  the target is about;
* ``derive report --no-pdf`` and ``import derive`` run in fresh subprocesses.

Run ``python3 benchmarks/derivations.py [--fresh] [--only TEXT]``.

Targets (issue 7, on a 2-core machine): any derivation < 2 s, the report < 60 s,
``import derive`` < 1.5 s.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sympy as sp

ROOT = Path(__file__).resolve().parents[1]

__all__ = [
    "derivation_cases",
    "run_derivations",
    "run_fresh",
    "report_time",
    "import_time",
    "format_derivations",
]

#: Modules a fresh process imports before the timed call (their import is ``import_time``'s business).
_PRELOAD = (
    "derive",
    "derive.prox",
    "derive.subgradient",
    "derive.estimators",
    "derive.catalogue",
    "derive.nonconvex",
    "derive.report",
    "derive.conjugate",
    "derive.block",
    "proofs.lp_family",
    "proofs.core",
    "proofs.gaussian",
    "proofs.zero_set",
    "proofs.lasso_vs_ridge",
    "proofs.kink_sparsity",
    "proofs.zero_probability",
    "proofs.risk",
    "proofs.bayes",
    "proofs.marginal_cost",
    "proofs.shrinkage",
    "proofs.geometry",
)


def derivation_cases(*, conjugates: bool = True) -> list[tuple[str, Callable[[], Any]]]:
    """Every derivation the report shows, each estimator, the block penalties, conjugates, envelopes, every theorem.

    ``conjugates=False`` leaves out the conjugates and envelopes, whose listing
    decides the convexity of every catalogue entry (and so warms caches that a
    fresh process must not have before its timed call).
    """
    from derive.report import _penalties

    cases: list[tuple[str, Callable[[], Any]]] = []
    for label, g, facts in _penalties():

        def make(g: Any = g, facts: Any = facts) -> Any:
            from derive.prox import prox
            from derive.symbols import v, x

            return prox(g, x, v, assumptions=facts)

        cases.append((f"prox: {label}", make))
    from derive.symbols import lam, x

    for label, g in (("|x|", lam * sp.Abs(x)), ("x^2", lam * x**2)):

        def make_sub(g: Any = g) -> Any:
            from derive.subgradient import subdifferential

            return subdifferential(g, x)

        cases.append((f"subdifferential: {label}", make_sub))
    for conv in ("esl", "sklearn"):
        for name in ("lasso", "ridge"):

            def make_est(name: str = name, conv: str = conv) -> Any:
                from derive.estimators import estimator

                return estimator(name, convention=conv)

            cases.append((f"estimator: {name} ({conv})", make_est))
    try:
        from derive.catalogue import CATALOGUE
    except ImportError:
        pass
    else:
        for entry in CATALOGUE:
            cases.append((f"catalogue: {entry.name}", entry.derive))
    cases.extend(_block_cases())
    if conjugates:
        cases.extend(_conjugate_cases())
    try:
        from proofs import THEOREMS
    except Exception as exc:  # pragma: no cover - reported, not fatal
        cases.append((f"theorems unavailable: {exc}", lambda: None))
    else:
        for name, build in THEOREMS.items():
            cases.append((f"theorem: {name}", build))
    return cases


def _block_cases() -> list[tuple[str, Callable[[], Any]]]:
    """Every vector penalty of :data:`derive.block.BLOCK_CATALOGUE`."""
    try:
        from derive.block import BLOCK_CATALOGUE
    except ImportError:
        return []
    return [(f"block: {e.name}", e.derive) for e in BLOCK_CATALOGUE]


def _catalogue_case(kind: str, name: str) -> Callable[[], Any]:
    """The conjugate (``kind="conjugate"``) or Moreau envelope (``"envelope"``) of the catalogue entry ``name``."""

    def build() -> Any:
        from derive.catalogue import entry
        from derive.conjugate import conjugate, moreau_envelope
        from derive.symbols import v, x

        e = entry(name)
        if kind == "conjugate":
            return conjugate(e.penalty, x, sp.Symbol("y", real=True), assumptions=e.context)
        return moreau_envelope(e.penalty, x, v, assumptions=e.context)

    return build


def _conjugate_cases() -> list[tuple[str, Callable[[], Any]]]:
    """The conjugate and the Moreau envelope of every convex catalogue entry, and the power conjugates.

    An entry whose conjugate or envelope the toolkit cannot derive stays in the
    table as a failed row (with the time it took to fail).  Deciding convexity
    warms caches, so a fresh process finds these cases by name
    (:func:`_case_by_label`) without listing them.
    """
    try:
        from derive.catalogue import CATALOGUE
    except ImportError:
        return []
    convex = [e.name for e in CATALOGUE if e.convex is True]
    cases = [(f"conjugate: {name}", _catalogue_case("conjugate", name)) for name in convex]
    cases.extend(_power_conjugate_cases())
    cases.extend((f"envelope: {name}", _catalogue_case("envelope", name)) for name in convex)
    return cases


def _power_conjugate_cases() -> list[tuple[str, Callable[[], Any]]]:
    """:func:`derive.conjugate.power_conjugate` for a symbolic p and at the catalogue's powers."""
    from derive.conjugate import power_conjugate

    cases: list[tuple[str, Callable[[], Any]]] = [("conjugate: |x|^p (symbolic p)", lambda: power_conjugate())]
    for p in (sp.Rational(4, 3), sp.Rational(3, 2), sp.Integer(3), sp.Integer(4)):
        cases.append((f"conjugate: |x|^{p} (power_conjugate)", lambda p=p: power_conjugate(p)))  # type: ignore[misc]
    return cases


def _case_by_label(label: str) -> Callable[[], Any]:
    """The case called ``label``; a catalogue conjugate or envelope without deciding convexity first."""
    from derive.catalogue import names

    kind, _, name = label.partition(": ")
    if kind in ("conjugate", "envelope") and name in names():
        return _catalogue_case(kind, name)
    if kind == "conjugate":
        return dict(_power_conjugate_cases())[label]
    return dict(derivation_cases(conjugates=False))[label]


def run_derivations(only: str = "") -> list[tuple[str, float | None, float | None, float | None, str]]:
    """``(label, cold CPU s, cold wall s, warm wall s, error)`` for every case (``only``: labels containing it)."""
    rows = []
    for label, build in derivation_cases():
        if only not in label:
            continue
        row = _timed(build)
        rows.append((label, row["cpu"], row["wall"], row["warm"], row["error"]))
    return rows


def _timed(build: Callable[[], Any]) -> dict[str, Any]:
    """Cold (CPU, wall) and warm (wall) seconds of ``build``; on failure the time it took to fail and the error."""
    cpu, wall = time.process_time(), time.perf_counter()
    try:
        build()
    except Exception as exc:
        return {
            "cpu": time.process_time() - cpu,
            "wall": time.perf_counter() - wall,
            "warm": None,
            "error": f"{type(exc).__name__}: {str(exc)[:120]}",
        }
    cold_cpu, cold_wall = time.process_time() - cpu, time.perf_counter() - wall
    wall = time.perf_counter()
    build()
    return {"cpu": cold_cpu, "wall": cold_wall, "warm": time.perf_counter() - wall, "error": ""}


def _time_case(label: str) -> dict[str, Any]:
    """Cold (CPU, wall) and warm (wall) seconds of the case called ``label`` in this process."""
    import importlib

    for module in _PRELOAD:
        importlib.import_module(module)
    return _timed(_case_by_label(label))


def run_fresh(only: str = "") -> list[tuple[str, float | None, float | None, float | None, str]]:
    """Like :func:`run_derivations`, each case alone in a fresh process (``only``: labels containing it)."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    rows = []
    for label, _ in derivation_cases():
        if only not in label:
            continue
        done = subprocess.run(
            [sys.executable, str(Path(__file__).resolve()), "--case", label],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        if done.returncode != 0:
            rows.append((label, None, None, None, (done.stderr.strip().splitlines() or ["failed"])[-1][:120]))
            continue
        row = json.loads(done.stdout.strip().splitlines()[-1])
        rows.append((label, row["cpu"], row["wall"], row["warm"], row["error"]))
    return rows


def report_time() -> tuple[float | None, float | None, str]:
    """Wall and CPU seconds of ``derive report OUT --no-pdf`` in a fresh process."""
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    with tempfile.TemporaryDirectory() as tmp:
        start, children = time.perf_counter(), resource.getrusage(resource.RUSAGE_CHILDREN)
        done = subprocess.run(
            [sys.executable, "-m", "derive", "report", str(Path(tmp) / "report"), "--no-pdf"],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        seconds = time.perf_counter() - start
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime + after.ru_stime) - (children.ru_utime + children.ru_stime)
    if done.returncode != 0:
        return None, None, (done.stderr.strip().splitlines() or ["failed"])[-1][:160]
    return seconds, cpu, ""


def import_time(repeat: int = 3) -> tuple[float, list[str]]:
    """Best wall time of ``import derive`` in a fresh process, and heavy modules it pulled in."""
    code = (
        "import sys, time; t = time.perf_counter(); import derive; d = time.perf_counter() - t; "
        "heavy = [m for m in ('matplotlib', 'scipy', 'pandas', 'derive.report', 'proofs') if m in sys.modules]; "
        "print(d, ','.join(heavy))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", "")}
    best, heavy = float("inf"), []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, check=True
        ).stdout.split()
        best = min(best, float(out[0]))
        heavy = out[1].split(",") if len(out) > 1 else []
    return best, heavy


def format_derivations(
    rows: list[tuple[str, float | None, float | None, float | None, str]], *, fresh: bool = False
) -> str:
    where = "in a fresh process" if fresh else "in this process"
    lines = [f"Derivations (seconds; cold = first call {where}, CPU and wall; warm = second call, wall)"]
    lines.append(f"{'derivation':<40}{'cold CPU':>10}{'cold wall':>10}{'warm':>10}  CPU < 2 s")
    for label, cpu, wall, warm, error in rows:
        if cpu is None or wall is None:
            lines.append(f"{label:<40}{'-':>10}{'-':>10}{'-':>10}  failed: {error}")
        elif error:
            lines.append(f"{label:<40}{cpu:>10.2f}{wall:>10.2f}{'-':>10}  failed: {error}")
        else:
            lines.append(f"{label:<40}{cpu:>10.2f}{wall:>10.2f}{warm:>10.1e}  {'yes' if cpu < 2 else 'NO'}")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fresh", action="store_true", help="each case in a new process")
    parser.add_argument("--only", default="", metavar="TEXT", help="only cases whose label contains TEXT")
    parser.add_argument("--case", default=None, help=argparse.SUPPRESS)  # one case, JSON out (used by --fresh)
    parser.add_argument("--no-import", action="store_true", help="skip the `import derive` timing")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    if args.case is not None:
        print(json.dumps(_time_case(args.case)))
        return 0
    if not args.no_import:
        seconds, heavy = import_time()
        print(f"import derive: {seconds:.2f} s (target < 1.5 s); heavy modules imported: {', '.join(heavy) or 'none'}")
    if args.fresh:
        rows = run_fresh(args.only)
    else:
        rows = run_derivations(args.only)
    print(format_derivations(rows, fresh=args.fresh))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
