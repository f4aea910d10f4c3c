r"""Compile a LaTeX file to PDF with pdfLaTeX or LuaLaTeX, and read the log.

:func:`compile_latex` runs the engine (through ``latexmk`` when it is on the
PATH, which reruns until cross-references settle; otherwise the engine itself,
rerun while the log asks for it), deterministically, and returns a
:class:`LatexResult` with the warnings of the last run.  It raises
:class:`LatexBuildError` with one line per error of the log when the engine
fails, and :class:`UndefinedReferencesError` when references are still
undefined after the last run.  :func:`parse_log` is the log reader on its own.

Determinism: the engines run with ``SOURCE_DATE_EPOCH=0`` and
``FORCE_SOURCE_DATE=1`` (fixed creation and modification dates) and with a
fixed PDF trailer ID, set before the document is read: ``\pdftrailerid`` for
pdfTeX and ``\pdfvariable trailerid`` for LuaTeX, each guarded by
``\ifdefined`` so the same code is harmless for the other engine.  The ID is
the MD5 of the ``.tex`` file, so one source always gives the same bytes, and
auxiliary files of earlier runs are removed first so that nothing left over
changes the result.

Notes
-----
The log is read with the engine's line wrapping switched off
(``max_print_line=10000`` in the environment, a Kpathsea variable) and with
``-file-line-error``, so each error is one line ``file:line: message``
followed by TeX's context (``l.12 ...``).  The formats follow Knuth, *The
TeXbook*, chapter 27 ("Recovery from errors"), and the LaTeX kernel's
``\PackageWarning``/``\ClassWarning`` conventions (continuation lines start
with the package name in parentheses).

Examples
--------
>>> report = parse_log("./a.tex:3: Undefined control sequence.\nl.3 Hello \\foo\n\n"
...                    "LaTeX Warning: Reference `x' on page 1 undefined on input line 4.\n")
>>> [str(e) for e in report.errors]
['a.tex:3: Undefined control sequence. (at: Hello \\foo)']
>>> [str(w) for w in report.undefined_references]
["LaTeX Warning: Reference `x' on page 1 undefined on input line 4."]
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Literal

from .errors import DeriveError, OptionError

__all__ = [
    "ENGINES",
    "LatexBuildError",
    "LatexNotFoundError",
    "UndefinedReferencesError",
    "LogEntry",
    "LogReport",
    "LatexResult",
    "compile_latex",
    "parse_log",
    "deterministic_pretex",
    "find_engine",
]

#: The engines :func:`compile_latex` runs, with the ``latexmk`` option selecting each.
ENGINES: Mapping[str, str] = MappingProxyType({"pdflatex": "-pdf", "lualatex": "-pdflua"})

#: Debian packages providing each engine (named in the error when one is missing).
_DEBIAN_PACKAGES: Mapping[str, str] = MappingProxyType({"pdflatex": "texlive-latex-base", "lualatex": "texlive-luatex"})

#: Suffixes of the files a run leaves beside the PDF (removed before a run and after a clean one).
AUXILIARY_SUFFIXES: tuple[str, ...] = (".aux", ".log", ".out", ".toc", ".fls", ".fdb_latexmk", ".synctex.gz")

#: Runs of the engine at most, when it is run without latexmk.
MAX_RUNS = 5
#: Engine runs after latexmk when its last log still asks for a rerun.
MAX_EXTRA_RUNS = 3

_ENV = {"SOURCE_DATE_EPOCH": "0", "FORCE_SOURCE_DATE": "1", "max_print_line": "10000"}

_FILE_LINE_ERROR = re.compile(r"^(?P<file>[^\s:()][^:\n]*?):(?P<line>\d+): (?P<message>.*)$")
_BANG_ERROR = re.compile(r"^! (?P<message>.*)$")
_CONTEXT_LINE = re.compile(r"^l\.(?P<line>\d+) (?P<text>.*)$")
_WARNING = re.compile(
    r"^(?P<who>(?:LaTeX|LaTeX3|LaTeX Font|Package [^\s:]+|Class [^\s:]+|Module [^\s:]+)) Warning: (?P<message>.*)$"
    r"|^(?P<engine>pdfTeX|pdftex|LuaTeX|luaTeX|LuaHBTeX) warning(?: \([^)]*\))?: (?P<engine_message>.*)$"
    r"|^(?P<missing>Missing character: .*)$"
)
_CONTINUATION = re.compile(r"^(?:\([^)\s]+\)\s+|\s{8,})(?P<text>\S.*)$")
_BAD_BOX = re.compile(r"^(?:Overfull|Underfull) \\[hv]box .*$")
_UNDEFINED = re.compile(
    r"(?:Reference|Citation) `[^']*' on page \S+ undefined|There were undefined (?:references|citations)"
)
_RERUN = re.compile(r"Rerun to get|Label\(s\) may have changed|There were undefined (?:references|citations)")
_NOT_AN_ERROR = re.compile(r"^\s*==> Fatal error occurred")


class LatexBuildError(DeriveError):
    """The TeX engine failed; the message has one line per error found in the log.

    Attributes
    ----------
    errors : tuple of LogEntry
        The errors, in the order of the log.
    log : pathlib.Path or None
        The log file (kept on failure), if there is one.
    """

    def __init__(self, message: str, *, errors: tuple[LogEntry, ...] = (), log: Path | None = None) -> None:
        super().__init__(message)
        self.errors = errors
        self.log = log


class LatexNotFoundError(LatexBuildError):
    """The requested TeX engine is not installed (the message names the Debian package)."""


class UndefinedReferencesError(LatexBuildError):
    """References or citations are still undefined after the last run (one line per warning)."""


@dataclass(frozen=True, slots=True)
class LogEntry:
    """One error, warning or bad box of a TeX log.

    ``file`` and ``line`` are those TeX reported (``None`` when it gave none);
    ``context`` is the input read up to the error (from TeX's ``l.N`` line).

    Examples
    --------
    >>> str(LogEntry("error", "Undefined control sequence.", "a.tex", 3, "\\\\foo"))
    'a.tex:3: Undefined control sequence. (at: \\\\foo)'
    """

    kind: Literal["error", "warning", "box"]
    message: str
    file: str | None = None
    line: int | None = None
    context: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}: " if self.file is not None and self.line is not None else ""
        at = f" (at: {self.context})" if self.context else ""
        return f"{where}{self.message}{at}"


@dataclass(frozen=True, slots=True)
class LogReport:
    """What a TeX log says: errors, warnings and bad boxes, in the order of the log."""

    errors: tuple[LogEntry, ...] = ()
    warnings: tuple[LogEntry, ...] = ()
    bad_boxes: tuple[LogEntry, ...] = ()

    @property
    def undefined_references(self) -> tuple[LogEntry, ...]:
        """The warnings about undefined references or citations."""
        return tuple(w for w in self.warnings if _UNDEFINED.search(w.message))

    @property
    def rerun_requested(self) -> bool:
        """Whether another run could resolve references (LaTeX asks for one, or some are undefined)."""
        return any(_RERUN.search(w.message) for w in self.warnings)


@dataclass(frozen=True, slots=True)
class LatexResult:
    """A successful compile.

    Attributes
    ----------
    pdf : pathlib.Path
        The PDF written (beside the ``.tex`` file).
    engine : {"pdflatex", "lualatex"}
        The engine that ran.
    driver : str
        ``"latexmk"`` or the engine's name, whichever was run.
    runs : int
        How many times the engine ran.
    warnings : tuple of LogEntry
        The warnings of the last run (bad boxes excluded).
    bad_boxes : tuple of LogEntry
        Overfull and underfull boxes of the last run.
    seconds : float
        Wall-clock time of the compile.
    """

    pdf: Path
    engine: str
    driver: str
    runs: int
    warnings: tuple[LogEntry, ...]
    bad_boxes: tuple[LogEntry, ...]
    seconds: float

    @property
    def undefined_references(self) -> tuple[LogEntry, ...]:
        """Warnings about undefined references left after the last run (empty unless they were allowed)."""
        return LogReport(warnings=self.warnings).undefined_references


def _warning_entry(match: re.Match[str]) -> LogEntry:
    if match.group("who") is not None:
        return LogEntry("warning", f"{match.group('who')} Warning: {match.group('message')}")
    if match.group("engine") is not None:
        return LogEntry("warning", f"{match.group('engine')} warning: {match.group('engine_message')}")
    return LogEntry("warning", match.group("missing"))


def parse_log(text: str) -> LogReport:
    """Read the errors, warnings and bad boxes of a TeX log.

    Parameters
    ----------
    text : str
        The log, written with ``-file-line-error`` (errors as ``file:line:
        message``; errors without a location start with ``!``) and ideally
        without line wrapping (``max_print_line`` large).

    Returns
    -------
    LogReport
        Errors (each with TeX's ``l.N`` context), warnings (continuation lines
        joined) and bad boxes; TeX's closing "Fatal error occurred" line is
        not counted as an error.

    Examples
    --------
    >>> log = "Package foo Warning: first\\n(foo)                second\\n\\nOverfull \\\\hbox (1pt too wide) in par"
    >>> r = parse_log(log)
    >>> r.warnings[0].message, len(r.bad_boxes), r.errors
    ('Package foo Warning: first second', 1, ())
    """
    lines = text.splitlines()
    errors: list[LogEntry] = []
    warnings: list[LogEntry] = []
    boxes: list[LogEntry] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        located = _FILE_LINE_ERROR.match(line)
        bang = _BANG_ERROR.match(line) if located is None else None
        if (located or bang) and not _NOT_AN_ERROR.match((located or bang).group("message")):  # type: ignore[union-attr]
            message = (located or bang).group("message").strip()  # type: ignore[union-attr]
            file = line_no = None
            if located is not None:
                file, line_no = located.group("file").removeprefix("./"), int(located.group("line"))
            context = ""
            for follow in lines[i + 1 : i + 12]:
                found = _CONTEXT_LINE.match(follow)
                if found is not None:
                    context = found.group("text").strip()
                    line_no = line_no if line_no is not None else int(found.group("line"))
                    break
                if follow.startswith("*** (job aborted"):
                    context = follow.strip("* ")
                    break
            if len(context) > 60:
                context = "..." + context[-57:]
            errors.append(LogEntry("error", message, file, line_no, context))
            i += 1
            continue
        warning = _WARNING.match(line)
        if warning is not None:
            entry = _warning_entry(warning)
            parts = [entry.message]
            while i + 1 < len(lines) and (more := _CONTINUATION.match(lines[i + 1])) is not None:
                parts.append(more.group("text").strip())
                i += 1
            warnings.append(LogEntry("warning", " ".join(parts)))
        elif _BAD_BOX.match(line):
            boxes.append(LogEntry("box", line.strip()))
        i += 1
    return LogReport(tuple(_unique(errors)), tuple(_unique(warnings)), tuple(boxes))


def _unique(entries: list[LogEntry]) -> list[LogEntry]:
    seen: set[LogEntry] = set()
    out = []
    for entry in entries:
        if entry not in seen:
            seen.add(entry)
            out.append(entry)
    return out


def deterministic_pretex(source: bytes) -> str:
    r"""TeX code, run before the document, that fixes the PDF trailer ID for pdfTeX and LuaTeX.

    The ID is the MD5 of ``source`` (the ``.tex`` file), so it differs between
    documents but not between runs.  Each engine's primitive is guarded by
    ``\ifdefined``, so the line is valid for both.

    Examples
    --------
    >>> code = deterministic_pretex(b"x")
    >>> code.count("9DD4E461268C8034F5C8564E155C67A6"), code.startswith(r"\ifdefined\pdftrailerid")
    (3, True)
    """
    digest = hashlib.md5(source, usedforsecurity=False).hexdigest().upper()
    return (
        rf"\ifdefined\pdftrailerid\pdftrailerid{{{digest}}}\fi"
        rf"\ifdefined\pdfvariable\pdfvariable trailerid {{[<{digest}> <{digest}>]}}\fi"
    )


def find_engine(engine: str) -> str:
    """The path of ``engine`` (``"pdflatex"`` or ``"lualatex"``); raise naming the package if it is missing.

    Raises
    ------
    OptionError
        For an engine other than those in :data:`ENGINES`.
    LatexNotFoundError
        When it is not on the PATH.
    """
    if engine not in ENGINES:
        raise OptionError(f"unknown TeX engine {engine!r}; choose one of {', '.join(ENGINES)}")
    path = shutil.which(engine)
    if path is None:
        raise LatexNotFoundError(
            f"{engine} not found on the PATH: install a TeX engine (Debian package {_DEBIAN_PACKAGES[engine]})"
        )
    return path


def _remove_auxiliary(directory: Path, job: str) -> None:
    for suffix in AUXILIARY_SUFFIXES:
        (directory / f"{job}{suffix}").unlink(missing_ok=True)


def _run(command: list[str], cwd: Path, timeout: float, engine: str) -> str:
    """Run ``command`` with no input; return its output (stdout and stderr together)."""
    env = dict(os.environ, **_ENV)
    try:
        done = subprocess.run(
            command,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as exc:
        raise LatexBuildError(f"{engine} did not finish within {timeout:g} s ({' '.join(command[:2])} ...)") from exc
    return done.stdout.decode(errors="replace")


def _failure(engine: str, tex: Path, report: LogReport, log: Path) -> LatexBuildError:
    if report.errors:
        lines = [f"{engine}: {_relative(error, tex)}" for error in report.errors]
    else:
        lines = [f"{engine}: {tex.name}: no PDF was written and the log names no error (see {log})"]
    return LatexBuildError("\n".join(lines), errors=report.errors, log=log if log.exists() else None)


def _relative(error: LogEntry, tex: Path) -> str:
    return str(error) if error.file is not None else f"{tex.name}: {error}"


def compile_latex(
    tex_path: str | os.PathLike[str],
    *,
    engine: str = "pdflatex",
    use_latexmk: bool = True,
    undefined_references: Literal["error", "warn"] = "error",
    clean: bool = True,
    timeout: float = 600.0,
) -> LatexResult:
    r"""Compile ``tex_path`` to a PDF beside it, deterministically.

    Parameters
    ----------
    tex_path : str or os.PathLike
        The ``.tex`` file; the engine runs in its directory (so relative
        ``\includegraphics`` paths work) and writes ``<stem>.pdf`` there.
    engine : {"pdflatex", "lualatex"}
        The TeX engine.
    use_latexmk : bool
        Run ``latexmk`` when it is on the PATH (it reruns the engine until
        references settle); otherwise, or when False, run the engine directly
        and rerun while the log asks for it (at most :data:`MAX_RUNS` runs).
    undefined_references : {"error", "warn"}
        What to do when references or citations are still undefined after the
        last run: raise :class:`UndefinedReferencesError`, or return them in
        :attr:`LatexResult.warnings`.
    clean : bool
        Remove the auxiliary files (``.aux``, ``.log``, ...) after a
        successful compile.  On failure they are always kept.
    timeout : float
        Seconds allowed for the whole compile of one engine invocation.

    Returns
    -------
    LatexResult
        The PDF, the engine and driver used, the number of runs, the warnings
        and bad boxes of the last run, and the time taken.

    Raises
    ------
    OptionError
        For an unknown engine or ``undefined_references`` value, or a path that is not a ``.tex`` file.
    LatexNotFoundError
        When the engine is not installed.
    LatexBuildError
        When the engine reports errors (one line per error) or writes no PDF.
    UndefinedReferencesError
        With ``undefined_references="error"``, when references stay undefined.
    """
    started = time.perf_counter()
    if undefined_references not in ("error", "warn"):
        raise OptionError(f"undefined_references must be 'error' or 'warn', not {undefined_references!r}")
    tex = Path(tex_path).resolve()
    if tex.suffix != ".tex" or not tex.is_file():
        raise OptionError(f"{os.fspath(tex_path)!r} is not an existing .tex file")
    program = find_engine(engine)
    directory, job = tex.parent, tex.stem
    pdf, log = directory / f"{job}.pdf", directory / f"{job}.log"
    _remove_auxiliary(directory, job)
    pdf.unlink(missing_ok=True)
    pretex = deterministic_pretex(tex.read_bytes())
    common = ["-interaction=nonstopmode", "-file-line-error"]
    latexmk = shutil.which("latexmk") if use_latexmk else None
    if latexmk is not None:
        command = [latexmk, "-norc", ENGINES[engine], *common, f"-usepretex={pretex}", tex.name]
        output = _run(command, directory, timeout, engine)
        report = parse_log(log.read_text(errors="replace")) if log.exists() else LogReport()
        runs = len(re.findall(rf"^Run number \d+ of rule '{engine}'", output, flags=re.MULTILINE))
        driver = "latexmk"
        # latexmk decides on reruns from the files it tracks; when the log still asks for one (seen on
        # CI with longtable and the table of contents), run the engine itself until it no longer does
        direct = [program, *common, f"-jobname={job}", rf"{pretex}\input{{{tex.name}}}"]
        extra = 0
        while not report.errors and report.rerun_requested and extra < MAX_EXTRA_RUNS:
            _run(direct, directory, timeout, engine)
            runs, extra = runs + 1, extra + 1
            report = parse_log(log.read_text(errors="replace")) if log.exists() else LogReport()
    else:
        command = [program, *common, f"-jobname={job}", rf"{pretex}\input{{{tex.name}}}"]
        runs = 0
        while True:
            _run(command, directory, timeout, engine)
            runs += 1
            report = parse_log(log.read_text(errors="replace")) if log.exists() else LogReport()
            if report.errors or not report.rerun_requested or runs >= MAX_RUNS:
                break
        driver = engine
    if report.errors or not pdf.exists():
        raise _failure(engine, tex, report, log)
    undefined = report.undefined_references
    if undefined and undefined_references == "error":
        lines = [f"{engine}: {tex.name}: {warning}" for warning in undefined]
        raise UndefinedReferencesError("\n".join(lines), errors=undefined, log=log)
    if clean:
        _remove_auxiliary(directory, job)
    return LatexResult(
        pdf=pdf,
        engine=engine,
        driver=driver,
        runs=runs,
        warnings=report.warnings,
        bad_boxes=report.bad_boxes,
        seconds=time.perf_counter() - started,
    )
