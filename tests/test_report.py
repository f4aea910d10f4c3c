"""The full report: contents, determinism, atomic replacement and a real LaTeX compile."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from derive import report as report_module
from derive.report import write_report


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> tuple[Path, str]:
    out = tmp_path_factory.mktemp("report") / "out"
    summary = write_report(out, pdf=shutil.which("pdflatex") is not None)
    return out, summary


def test_report_files_and_contents(built):
    out, summary = built
    for name in (
        "report.tex",
        "report.md",
        "figures/threshold_functions.pdf",
        "figures/threshold_functions.png",
        "figures/subdifferential.pdf",
        "figures/subdifferential.png",
    ):
        assert (out / name).is_file(), name
    tex = (out / "report.tex").read_text()
    md = (out / "report.md").read_text()
    # The answer: soft thresholding for the lasso, proportional shrinkage for ridge, the theorems.
    assert r"\operatorname{sign}" in tex and r"\right)_+" in tex
    assert r"\frac{z}{\lambda + 1}" in tex
    assert r"\begin{theorem}" in tex and r"\begin{proof}" in tex
    assert "Verification summary" in tex and "Verification summary" in md
    assert "![" in md and "figures/threshold_functions.png" in md
    assert "derivations and theorems, every step checked" in summary


def test_pdf_compiles_or_is_reported_skipped(built):
    out, summary = built
    if shutil.which("pdflatex") is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdflatex is required on CI (.ci/run installs it)")
        assert "PDF skipped" in summary
        pytest.skip("pdflatex not installed")
    assert (out / "report.pdf").is_file()
    assert "report.pdf written" in summary
    assert not (out / "report.log").exists()


def test_same_bytes_twice(built, tmp_path):
    out, _ = built
    again = tmp_path / "again"
    write_report(again, pdf=shutil.which("pdflatex") is not None)
    names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert names == sorted(p.relative_to(again).as_posix() for p in again.rglob("*") if p.is_file())
    for name in names:
        assert (out / name).read_bytes() == (again / name).read_bytes(), name


def test_interrupted_report_leaves_previous_intact(built, tmp_path, monkeypatch):
    out, _ = built
    target = tmp_path / "keep"
    shutil.copytree(out, target)
    before = {p.name: p.read_bytes() for p in target.rglob("*") if p.is_file()}

    def boom(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(report_module, "_to_markdown", boom)
    with pytest.raises(KeyboardInterrupt):
        write_report(target, pdf=False)
    after = {p.name: p.read_bytes() for p in target.rglob("*") if p.is_file()}
    assert after == before
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".keep")] == []


def test_latex_failure_is_reported_in_one_line_per_error(tmp_path):
    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed")
    (tmp_path / "report.tex").write_text("\\documentclass{article}\\begin{document}\\undefinedmacro\\end{document}\n")
    with pytest.raises(report_module.LatexError, match="Undefined control sequence"):
        report_module._compile(tmp_path)
