"""Compiling LaTeX: the log reader on real log excerpts, and real compiles of the report with both engines."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from derive import latex_build
from derive.errors import DeriveError, OptionError
from derive.latex_build import (
    LatexBuildError,
    LatexNotFoundError,
    UndefinedReferencesError,
    compile_latex,
    parse_log,
)
from derive.report import write_report

# -- the log reader ---------------------------------------------------------------------------

# Excerpts of real logs (pdfTeX 3.141592653-2.6-1.40.24, -file-line-error, max_print_line=10000).
ERROR_LOG = r"""(./bad1.tex
LaTeX2e <2022-11-01> patch level 1
./bad1.tex:4: Undefined control sequence.
l.4 Hello \undefinedmacro
                         {} and $x^$ and \ref{nolabel}.
The control sequence at the end of the top line
of your error message was never \def'ed.

./bad1.tex:4: Missing { inserted.
<to be read again>
                   $
l.4 Hello \undefinedmacro{} and $x^$
                                     and \ref{nolabel}.

./bad1.tex:7: LaTeX Error: \begin{align*} on input line 5 ended by \end{align}.

See the LaTeX manual or LaTeX Companion for explanation.
l.7 \end{align}

! LaTeX Error: File `nosuchpackage.sty' not found.

Type X to quit or <RETURN> to proceed,
l.3 \begin
          {document}
./bad1.tex:9:  ==> Fatal error occurred, no output PDF file produced!
"""

WARNING_LOG = r"""LaTeX Warning: Reference `sec:a' on page 1 undefined on input line 3.

Package hyperref Warning: Token not allowed in a PDF string (Unicode):
(hyperref)                removing `math shift' on input line 12.

LaTeX Font Warning: Font shape `OT1/cmr/m/n' in size <4> not available
(Font)              size <5> substituted on input line 8.

Overfull \hbox (146.71432pt too wide) detected at line 5
Missing character: There is no ^^A in font cmr10!
pdfTeX warning (dest): name{x} has been referenced but does not exist, replaced by a fixed one

LaTeX Warning: There were undefined references.

LaTeX Warning: Label(s) may have changed. Rerun to get cross-references right.
"""


def test_errors_one_entry_each_with_location_and_context():
    report = parse_log(ERROR_LOG)
    assert [str(e) for e in report.errors] == [
        r"bad1.tex:4: Undefined control sequence. (at: Hello \undefinedmacro)",
        r"bad1.tex:4: Missing { inserted. (at: Hello \undefinedmacro{} and $x^$)",
        r"bad1.tex:7: LaTeX Error: \begin{align*} on input line 5 ended by \end{align}. (at: \end{align})",
        r"LaTeX Error: File `nosuchpackage.sty' not found. (at: \begin)",
    ]
    assert report.warnings == () and report.bad_boxes == ()


def test_warnings_joined_classified_and_references_flagged():
    report = parse_log(WARNING_LOG)
    messages = [w.message for w in report.warnings]
    assert messages[1] == (
        "Package hyperref Warning: Token not allowed in a PDF string (Unicode): removing `math shift' on input line 12."
    )
    assert messages[2].endswith("size <5> substituted on input line 8.")
    assert "Missing character: There is no ^^A in font cmr10!" in messages
    assert any(m.startswith("pdfTeX warning: name{x}") for m in messages)
    assert [w.message for w in report.undefined_references] == [
        "LaTeX Warning: Reference `sec:a' on page 1 undefined on input line 3.",
        "LaTeX Warning: There were undefined references.",
    ]
    assert report.rerun_requested
    assert [b.message for b in report.bad_boxes] == [r"Overfull \hbox (146.71432pt too wide) detected at line 5"]
    assert report.errors == ()


def test_clean_log_has_nothing_to_report():
    report = parse_log("This is pdfTeX\n(./a.tex)\nOutput written on a.pdf (1 page, 100 bytes).\n")
    assert report.errors == report.warnings == report.bad_boxes == ()
    assert not report.rerun_requested and report.undefined_references == ()


def test_the_fatal_error_summary_is_not_an_error_but_an_error_is():
    """The reader must see errors at all: the summary line alone is none, a '!' line is one."""
    assert parse_log("./a.tex:3:  ==> Fatal error occurred, no output PDF file produced!\n").errors == ()
    assert len(parse_log("! Emergency stop.\n*** (job aborted, no legal \\end found)\n").errors) == 1


# -- real compiles --------------------------------------------------------------------------


def _require(tool: str) -> None:
    if shutil.which(tool) is None:
        if os.environ.get("CI") == "true":
            pytest.fail(f"{tool} is required on CI (.ci/run installs it)")
        pytest.skip(f"{tool} not installed")


@pytest.fixture(scope="module")
def report_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("latex_build") / "report"
    write_report(out, pdf=False)
    return out


@pytest.mark.parametrize("engine", ["pdflatex", "lualatex"])
def test_report_compiles_cleanly_and_deterministically(engine: str, report_dir: Path, tmp_path: Path) -> None:
    """The whole report: no error, no undefined reference, same bytes with and without latexmk."""
    _require(engine)
    first, second = tmp_path / "with_latexmk", tmp_path / "direct"
    shutil.copytree(report_dir, first)
    shutil.copytree(report_dir, second)
    result = compile_latex(first / "report.tex", engine=engine, use_latexmk=True)
    assert result.pdf == (first / "report.pdf").resolve() and result.pdf.read_bytes().startswith(b"%PDF-")
    assert result.engine == engine and result.runs >= 1
    assert result.undefined_references == ()
    assert not [w for w in result.warnings if "undefined" in w.message.lower() or "Rerun" in w.message]
    assert not (first / "report.log").exists() and not (first / "report.aux").exists()  # cleaned
    direct = compile_latex(second / "report.tex", engine=engine, use_latexmk=False)
    assert direct.driver == engine and direct.runs >= 2  # the report has \ref: a second run resolves it
    assert direct.pdf.read_bytes() == result.pdf.read_bytes()
    print(f"{engine}: {result.driver}, {result.runs} runs, {result.seconds:.1f} s; {len(result.bad_boxes)} bad boxes")


@pytest.mark.parametrize("use_latexmk", [True, False])
def test_errors_are_one_line_each(use_latexmk: bool, tmp_path: Path) -> None:
    _require("pdflatex")
    tex = tmp_path / "broken.tex"
    tex.write_text(
        "\\documentclass{article}\n\\begin{document}\nA \\undefinedmacro{} b.\n\\begin{center}\n\\end{flushleft}\n"
        "\\end{document}\n"
    )
    with pytest.raises(LatexBuildError) as info:
        compile_latex(tex, engine="pdflatex", use_latexmk=use_latexmk)
    lines = str(info.value).splitlines()
    assert lines == [
        r"pdflatex: broken.tex:3: Undefined control sequence. (at: A \undefinedmacro)",
        r"pdflatex: broken.tex:5: LaTeX Error: \begin{center} on input line 4 ended by \end{flushleft}."
        r" (at: \end{flushleft})",
    ]
    assert isinstance(info.value, DeriveError) and len(info.value.errors) == 2
    assert info.value.log is not None and info.value.log.exists()  # kept for the author


def test_undefined_reference_fails_or_is_returned(tmp_path: Path) -> None:
    _require("pdflatex")
    tex = tmp_path / "refs.tex"
    tex.write_text("\\documentclass{article}\n\\begin{document}\nSee \\ref{nowhere}.\n\\end{document}\n")
    with pytest.raises(UndefinedReferencesError, match=r"^pdflatex: refs.tex: LaTeX Warning: Reference `nowhere'"):
        compile_latex(tex, use_latexmk=False)
    result = compile_latex(tex, use_latexmk=False, undefined_references="warn")
    assert result.runs == latex_build.MAX_RUNS  # it kept asking for a rerun
    assert result.undefined_references[0].message.startswith("LaTeX Warning: Reference `nowhere'")


def test_missing_engine_names_the_package(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tex = tmp_path / "a.tex"
    tex.write_text("\\documentclass{article}\\begin{document}x\\end{document}\n")
    monkeypatch.setattr(latex_build.shutil, "which", lambda name: None)
    with pytest.raises(LatexNotFoundError, match=r"lualatex not found.*texlive-luatex"):
        compile_latex(tex, engine="lualatex")


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"engine": "xelatex"}, "unknown TeX engine 'xelatex'; choose one of pdflatex, lualatex"),
        ({"undefined_references": "ignore"}, "undefined_references must be 'error' or 'warn'"),
    ],
)
def test_bad_options_raise(kwargs: dict, match: str, tmp_path: Path) -> None:
    tex = tmp_path / "a.tex"
    tex.write_text("x")
    with pytest.raises(OptionError, match=match):
        compile_latex(tex, **kwargs)
    with pytest.raises(OptionError, match=r"is not an existing \.tex file"):
        compile_latex(tmp_path / "missing.tex")
