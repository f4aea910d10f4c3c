"""Compile a LaTeX body with pdflatex, in a standalone article with the toolkit's preamble."""

from __future__ import annotations

import subprocess
from pathlib import Path


def compile_theorems(body: str, directory: Path, *, packages: tuple[str, ...] = ()) -> subprocess.CompletedProcess[str]:
    """Write ``body`` into an article with the printer's packages, amsthm and ``packages``; run pdflatex there."""
    from derive.printing.latex import latex_preamble
    from proofs.core import LATEX_PREAMBLE

    extra = "".join(f"\\usepackage{{{name}}}\n" for name in packages)
    preamble = f"\\documentclass{{article}}\n{latex_preamble()}\n{extra}{LATEX_PREAMBLE}"
    document = f"{preamble}\\begin{{document}}\n{body}\\end{{document}}\n"
    (directory / "t.tex").write_text(document)
    return subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "t.tex"],
        cwd=directory,
        capture_output=True,
        text=True,
        timeout=120,
    )
