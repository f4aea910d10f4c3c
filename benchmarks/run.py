"""Benchmarks: derived kernels against hand-written NumPy and peers; derivation, report and import times.

Run: ``python3 benchmarks/run.py`` (all), or ``--only kernels`` / ``--only derivations``; ``--fresh`` times
each derivation cold in its own process;
``--size`` and ``--rounds`` shrink the kernel runs.  All ratios are measured in one
run on the same machine (see ``benchmarks/kernels.py`` and ``benchmarks/derivations.py``
for what each column means).
"""

from __future__ import annotations

import argparse
import platform
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np
import sympy as sp
from derivations import format_derivations, import_time, report_time, run_derivations, run_fresh
from kernels import format_catalogue, format_rows, peer_status, run_kernels


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", choices=("kernels", "derivations"), default=None)
    parser.add_argument("--size", type=int, default=10**7, help="values per kernel run (default 1e7)")
    parser.add_argument("--kernels", default="", metavar="TEXT", help="only kernels whose name contains TEXT")
    parser.add_argument("--rounds", type=int, default=11, help="interleaved timing rounds (default 11)")
    parser.add_argument(
        "--fresh", action="store_true", help="time each derivation cold, alone in a new process (what the targets mean)"
    )
    args = parser.parse_args(argv)
    if args.size < 1 or args.rounds < 1:
        parser.error("--size and --rounds must be positive")
    try:
        import os

        cores = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cores = "?"
    print(
        f"# Python {platform.python_version()}, NumPy {np.__version__}, SymPy {sp.__version__}, "
        f"{cores} cores, load {' '.join(f'{x:.1f}' for x in __import__('os').getloadavg())}"
    )
    print("# peers: " + ", ".join(f"{k} {v}" for k, v in peer_status().items()))
    if args.only in (None, "derivations"):
        seconds, heavy = import_time()
        print(f"import derive: {seconds:.2f} s (target < 1.5 s); heavy modules imported: {', '.join(heavy) or 'none'}")
        print()
        rows = run_fresh() if args.fresh else run_derivations()
        print(format_derivations(rows, fresh=args.fresh))
        print()
        report, cpu, error = report_time()
        shown = f"{report:.1f} s wall, {cpu:.1f} s CPU" if report is not None else f"failed: {error}"
        print(f"derive report --no-pdf (fresh process, includes import and figures): {shown} (target < 60 s)")
        print()
    if args.only in (None, "kernels"):
        rows = run_kernels(args.size, args.rounds, only=args.kernels)
        print(format_rows(rows, args.size, args.rounds))
        catalogue = format_catalogue(rows)
        if catalogue:
            print()
            print(catalogue)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
