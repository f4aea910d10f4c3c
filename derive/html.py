r"""The report as a static HTML site: an index and one page per chapter, math as MathML.

The site needs no network and no script to be read: every formula is
converted at build time from the LaTeX the derivation printer writes to
MathML, which browsers render natively (Chromium since version 109, Firefox,
Safari), and the figures are SVG files beside the pages.  The output is a pure
function of its inputs, so building twice gives the same bytes.

:class:`DeriveHtmlPrinter` is the LaTeX printer with an HTML layout (as
:class:`~derive.printing.markdown.DeriveMarkdownPrinter` is with a Markdown
one): the math of every step is the printer's LaTeX, so notation settings
(``notation={"beta": "w"}``) reach the site as they reach the PDF.
:func:`latex_to_mathml` converts one formula with the *latex2mathml* package
and then repairs, or rejects, what that converter gets wrong; a formula it
cannot convert raises :class:`HtmlBuildError` instead of showing raw LaTeX.
:func:`build_site` writes the pages.

Examples
--------
>>> print(latex_to_mathml(r"\left|{x}\right| \leq \lambda"))  # doctest: +ELLIPSIS
<math xmlns="http://www.w3.org/1998/Math/MathML" display="inline"><semantics><mrow>...<mo>≤</mo><mi>λ</mi>...
"""

from __future__ import annotations

import html
import os
import re
import unicodedata
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from .errors import DeriveError
from .io import replace_directory, write_bytes, write_text
from .printing.latex import DeriveLatexPrinter, result_cases, states_result

if TYPE_CHECKING:  # pragma: no cover
    from .core import Check, Derivation, Step

__all__ = [
    "MATHML_NAMESPACE",
    "HtmlBuildError",
    "DeriveHtmlPrinter",
    "Page",
    "Site",
    "latex_to_mathml",
    "build_site",
    "derivation_to_html",
]

MATHML_NAMESPACE = "http://www.w3.org/1998/Math/MathML"

#: Operators whose scripts are limits (set under and over the operator in display math).
_LIMIT_OPERATORS = frozenset({"min", "max", "sup", "inf", "lim", "arg\u2009min", "arg\u2009max", "argmin", "argmax"})

#: Thin spaces and friends inside ``\operatorname{...}``, as characters (latex2mathml takes only plain names).
_OPERATOR_SPACES = {r"\,": "\u2009", r"\:": "\u2005", r"\;": "\u2004", r"\ ": " ", r"\!": ""}
_OPERATORNAME = re.compile(r"\\operatorname\*?\{(?P<name>[^{}]*)\}")

#: LaTeX escapes left verbatim in ``<mtext>`` by latex2mathml, and the characters they stand for.
_TEXT_ESCAPES = {rf"\{char}": char for char in "_%&#${}"}

_BARE_AMPERSAND = re.compile(r"&(?!#x?[0-9A-Fa-f]+;|[A-Za-z]+;)")

#: Elements taller than a line: fences around them stretch; around anything else they keep their size.
_TALL = frozenset({"mfrac", "mtable", "munder", "mover", "munderover", "msqrt", "mroot"})

#: Relations and arrows latex2mathml marks up as identifiers (``<mi>``), and symbols it marks up as operators.
_AS_OPERATOR = frozenset(":⟺⟹⟸⇒⇔→")
_AS_IDENTIFIER = frozenset("∞∅")

#: Signs that are unary after an operator or an opening fence (TeX's rule for a Bin atom, TeXbook Appendix G).
_SIGNS = frozenset("−+±")
_CLOSING = frozenset(")]}|‖")


class HtmlBuildError(DeriveError):
    """The HTML site cannot be built: a formula did not convert, a figure is missing, or latex2mathml is absent."""


# -- LaTeX to MathML --------------------------------------------------------------------------


def _converter() -> Any:
    try:
        from latex2mathml.converter import convert
    except ImportError as exc:  # pragma: no cover - exercised only without the package
        raise HtmlBuildError(
            "the HTML site needs the latex2mathml package: pip install latex2mathml (or the project's [html] extra)"
        ) from exc
    return convert


def _plain_operator_name(match: re.Match[str]) -> str:
    name = match.group("name")
    for command, char in _OPERATOR_SPACES.items():
        name = name.replace(command, char)
    return rf"\operatorname{{{name}}}"


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _repair(element: ET.Element, tex: str) -> None:
    """Fix latex2mathml's markup in place; raise on what cannot be fixed."""
    for node in element.iter():
        tag = _local(node.tag)
        if node.text and tag == "mtext":
            for escape, char in _TEXT_ESCAPES.items():
                node.text = node.text.replace(escape, char)
        text = node.text or ""
        if tag == "mi" and text in _AS_OPERATOR:
            node.tag = "mo"
        elif tag == "mo" and text in _AS_IDENTIFIER:
            node.tag = "mi"
        if tag in ("mi", "mo", "mn", "mtext") and "\\" in text:
            raise HtmlBuildError(f"latex2mathml left the LaTeX {text!r} unconverted in {tex!r}")
        if tag == "mo" and not text and len(node) == 0:
            raise HtmlBuildError(f"latex2mathml produced an empty operator for {tex!r}")
        if text == "&":
            raise HtmlBuildError(f"an alignment '&' outside a table in {tex!r}: use cases or one formula per line")
        scripts = {"msub": "munder", "msup": "mover", "msubsup": "munderover"}
        if tag in scripts and len(node) and _local(node[0].tag) == "mo" and (node[0].text or "") in _LIMIT_OPERATORS:
            node.tag = scripts[tag]
            node[0].set("movablelimits", "true")


def _unary_signs(element: ET.Element) -> None:
    """Mark a sign as prefix (no space after it) where TeX would: first, or after an operator or opening."""
    for node in element.iter():
        previous: ET.Element | None = None
        for kid in node:
            if _local(kid.tag) == "mo" and (kid.text or "") in _SIGNS and not kid.get("form"):
                after_operator = previous is not None and _local(previous.tag) == "mo"
                closing = previous is not None and (previous.get("form") == "postfix" or previous.text in _CLOSING)
                if previous is None or (after_operator and not closing):
                    kid.set("form", "prefix")
            previous = kid


def _size_fences(element: ET.Element) -> None:
    """Keep ``\\left( ... \\right)`` around one line of math at text size, as TeX does.

    Browsers stretch every fence, and with some math fonts (Latin Modern Math
    in Chromium) a stretched parenthesis around ``x`` gets visible side gaps.
    """
    for node in element.iter():
        kids = list(node)
        if _local(node.tag) != "mrow" or len(kids) < 2:
            continue
        ends = (kids[0], kids[-1])
        if not all(_local(k.tag) == "mo" and k.get("fence") == "true" for k in ends):
            continue
        if not any(_local(e.tag) in _TALL for kid in kids[1:-1] for e in kid.iter()):
            for k in ends:
                k.set("stretchy", "false")


def latex_to_mathml(tex: str, *, display: bool = False) -> str:
    r"""One formula as a MathML ``<math>`` element, with the LaTeX kept as its annotation.

    Parameters
    ----------
    tex : str
        LaTeX math (no ``$`` delimiters), as the derivation printer writes it:
        ``cases``, ``\left ... \right``, ``\operatorname``, ``\text``,
        ``\mathbb`` and the usual symbols.  ``align``/``aligned`` rows are
        not supported: give one formula per row.
    display : bool
        Block (``display="block"``) or inline math.

    Returns
    -------
    str
        ``<math xmlns=... display=...><semantics><mrow>...</mrow><annotation
        encoding="application/x-tex">tex</annotation></semantics></math>``.

    Raises
    ------
    HtmlBuildError
        When latex2mathml is not installed, or leaves LaTeX unconverted
        (an unknown command, a stray ``&``), so the page would show raw LaTeX.

    Notes
    -----
    latex2mathml (https://github.com/roniemartinez/latex2mathml) converts
    ``\operatorname`` only for plain names, marks some relations as
    identifiers and leaves escapes in ``\text``; those are repaired here, and
    operators with limits (``\min_x``, ``\operatorname*{arg\,min}_x``) are
    set as ``munder`` with ``movablelimits`` (MathML Core, section 3.4.2).

    Examples
    --------
    >>> out = latex_to_mathml(r"\operatorname*{arg\,min}_{x} f", display=True)
    >>> "<munder><mo movablelimits=\"true\">arg\u2009min</mo>" in out
    True
    >>> latex_to_mathml(r"\undefinedcommand x")
    Traceback (most recent call last):
    ...
    derive.html.HtmlBuildError: latex2mathml left the LaTeX '\\undefinedcommand' unconverted in '\\undefinedcommand x'
    """
    convert = _converter()
    source = _OPERATORNAME.sub(_plain_operator_name, tex)
    raw = convert(source, display="block" if display else "inline")
    raw = raw.replace(f' xmlns="{MATHML_NAMESPACE}"', "", 1)
    raw = _BARE_AMPERSAND.sub("&amp;", raw)  # latex2mathml does not escape '&' (an alignment tab, or \& in \text)
    try:
        root = ET.fromstring(raw)
    except ET.ParseError as exc:
        raise HtmlBuildError(f"latex2mathml wrote invalid MathML for {tex!r}: {exc}") from exc
    _repair(root, tex)
    _size_fences(root)
    _unary_signs(root)
    body = ET.Element("mrow")
    body.extend(list(root))
    for child in list(root):
        root.remove(child)
    semantics = ET.SubElement(root, "semantics")
    semantics.append(body)
    annotation = ET.SubElement(semantics, "annotation", {"encoding": "application/x-tex"})
    annotation.text = tex
    attributes = {"xmlns": MATHML_NAMESPACE, "display": "block" if display else "inline"}
    root.attrib.clear()
    root.attrib.update(attributes)
    return ET.tostring(root, encoding="unicode", short_empty_elements=True)


# -- the printer ------------------------------------------------------------------------------


class DeriveHtmlPrinter(DeriveLatexPrinter):
    """HTML layout around :class:`~derive.printing.latex.DeriveLatexPrinter` math (as MathML).

    Settings: those of the LaTeX printer plus ``show_details`` (bool): include
    each check's detail.  Unknown settings raise ``TypeError``.

    Examples
    --------
    >>> from derive.core import Check
    >>> DeriveHtmlPrinter()._print_Check(Check("symbolic", "by SymPy"))
    '<span class="check">(symbolic: by SymPy)</span>'
    """

    _default_settings: ClassVar[dict[str, Any]] = {
        **DeriveLatexPrinter._default_settings,
        "show_details": True,
    }

    # -- text and math --------------------------------------------------------------------
    def _print_html_math(self, tex: str, *, display: bool = False) -> str:
        return latex_to_mathml(tex, display=display)

    def _print_html_prose(self, text: str) -> str:
        """Prose with its symbols as inline MathML (so ``notation`` applies) and the rest escaped."""
        out: list[str] = []
        math: list[str] = []
        for kind, piece in self._prose_tokens(" ".join(text.split())):
            if kind == "math":
                math.append(piece)
                continue
            if math:
                out.append(self._print_html_math(self._join_math(math).strip()))
                math = []
            out.append(html.escape(_TEXT_ESCAPES.get(piece, piece) if kind == "escaped" else piece, quote=False))
        if math:
            out.append(self._print_html_math(self._join_math(math).strip()))
        return "".join(out)

    def _print_html_latex_text(self, text: str) -> str:
        r"""LaTeX text with inline ``$...$`` math (a theorem statement) as HTML.

        Only the text-mode LaTeX the toolkit writes is understood (escapes,
        ``~``, dashes, quotes, ``\emph``, ``\textbf``, ``\texttt``); anything
        else raises rather than showing a backslash on the page.
        """
        out = []
        for i, part in enumerate(re.split(r"(?<!\\)\$", text)):
            if i % 2:
                out.append(self._print_html_math(part))
            else:
                out.append(_latex_text_to_html(part, text))
        return "".join(out)

    # -- the derivation model ---------------------------------------------------------------
    def _print_Check(self, check: Check) -> str:
        if self._settings["show_details"] and check.detail:
            return f'<span class="check">({html.escape(check.method)}: {self._print_html_prose(check.detail)})</span>'
        return f'<span class="check">({html.escape(check.method)})</span>'

    def _print_Step(self, step: Step, *, rhs: str | None = None) -> str:
        """``<li>`` with the statement as display math and the reason and check beneath."""
        math = self._print_html_math(self._print_Statement(step.statement, rhs=rhs), display=True)
        note = []
        if self._settings["show_reasons"] and step.reason:
            note.append(self._print_html_prose(step.reason))
        if self._settings["show_checks"]:
            note.append(self._print_Check(step.check))
        lines = [
            f'<li class="step" data-method="{html.escape(step.check.method)}">',
            f'<div class="display">{math}</div>',
        ]
        if note:
            lines.append(f'<p class="note">{" ".join(note)}</p>')
        lines.append("</li>")
        return "\n".join(lines)

    def _print_Derivation(self, d: Derivation, *, anchor: str = "", heading: str = "h3") -> str:
        ident = f' id="{html.escape(anchor)}"' if anchor else ""
        parts = [f'<section class="derivation"{ident}>', f"<{heading}>{self._print_html_prose(d.title)}</{heading}>"]
        assumptions = self._print_assumptions(d.assumptions)
        if assumptions:
            parts.append(f'<p class="assumptions">{self._print_html_latex_text(assumptions)}</p>')
        if d.convention:
            parts.append(f'<p class="convention">Convention: {self._print_html_prose(d.convention)}</p>')
        cases = result_cases(d)
        parts.append('<ol class="steps">')
        for step in d.steps:
            by_cases = self._print_cases(cases, d.variable) if cases and states_result(step.statement, d) else None
            parts.append(self._print_Step(step, rhs=by_cases))
        parts.append("</ol>")
        result = self._print_result(d)
        shown = f"{self._print(d.lhs)} = {result}" if d.lhs is not None else result
        parts += [
            '<p class="result-label"><strong>Result:</strong></p>',
            f'<div class="display result">{self._print_html_math(shown, display=True)}</div>',
            "</section>",
        ]
        return "\n".join(parts)

    def _print_Theorem(self, theorem: Any, *, number: int, anchor: str = "") -> str:
        """A theorem: statement, verdict, the cases it was checked on, failing steps, and its proof."""
        ident = f' id="{html.escape(anchor)}"' if anchor else ""
        verdict = theorem.verdict
        parts = [
            f'<section class="theorem"{ident} data-verdict="{html.escape(verdict)}">',
            f'<p class="statement"><strong>Theorem {number} ({self._print_html_prose(theorem.title)}).</strong> '
            f"{self._print_html_latex_text(theorem.statement_latex)}</p>",
            f'<p class="verdict">Verdict: the theorem {html.escape(verdict)}.</p>',
        ]
        if theorem.instances:
            words = {True: "holds", False: "does not hold", None: "undecided"}
            items = [
                f"<li><code>{html.escape(label)}</code>: {words[value]}</li>" for label, value in theorem.instances
            ]
            parts += ['<ul class="instances">', *items, "</ul>"]
        for words_ in theorem.failures:
            parts.append(f'<p class="failing">Failing step: {self._print_html_prose(words_)}</p>')
        parts += [
            '<div class="proof">',
            "<p><em>Proof.</em></p>",
            self._print_Derivation(theorem.proof, heading="h4"),
            '<p class="qed">∎</p>',
            "</div>",
            "</section>",
        ]
        return "\n".join(parts)


def _latex_text_to_html(text: str, whole: str) -> str:
    """Text-mode LaTeX (no math) as escaped HTML; raise on a command it does not know."""
    for pattern, tag in (
        (r"\\emph\{([^{}]*)\}", "em"),
        (r"\\textit\{([^{}]*)\}", "em"),
        (r"\\textbf\{([^{}]*)\}", "strong"),
        (r"\\texttt\{([^{}]*)\}", "code"),
    ):
        text = re.sub(pattern, lambda m, t=tag: f"\x00{t}\x01{m.group(1)}\x00/{t}\x01", text)
    for escape, char in _TEXT_ESCAPES.items():
        text = text.replace(escape, char)
    for source, char in (("---", "—"), ("--", "–"), ("``", "“"), ("''", "”"), ("~", "\u00a0"), (r"\,", "\u2009")):
        text = text.replace(source, char)
    if "\\" in text:
        raise HtmlBuildError(f"unsupported LaTeX text command in {whole!r}: write it as math or plain text")
    escaped = html.escape(text, quote=False)
    return re.sub(r"\x00(/?\w+)\x01", r"<\1>", escaped)


def derivation_to_html(d: Derivation, **settings: Any) -> str:
    """A derivation as an HTML ``<section>`` with MathML math.

    Parameters
    ----------
    d : Derivation
        The derivation.
    **settings
        Settings of :class:`DeriveHtmlPrinter` (``notation``, ``positive_part``,
        ``show_checks``, ``show_reasons``, ``show_details`` and SymPy's LaTeX settings).

    Returns
    -------
    str
        ``<section class="derivation">`` with a heading, the assumptions, one
        ``<li>`` per step and the result.

    Examples
    --------
    >>> from derive.prox import prox
    >>> from derive.symbols import x, v, lam
    >>> d = prox(lam * x**2, x, v)
    >>> page = derivation_to_html(d, notation={"lambda": r"\\alpha"})
    >>> page.count('<li class="step"') == len(d.steps), "<mi>α</mi>" in page, "λ" in page
    (True, True, False)
    """
    return DeriveHtmlPrinter(settings)._print_Derivation(d)


# -- the site ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Page:
    """One page of the site: its file name (relative to the site's root) and title."""

    filename: str
    title: str
    kind: Literal["index", "chapter"]


@dataclass(frozen=True, slots=True)
class Site:
    """A built site: its root directory, pages (index first) and figure files."""

    root: Path
    pages: tuple[Page, ...]
    figures: tuple[str, ...]

    @property
    def chapters(self) -> tuple[Page, ...]:
        """The chapter pages, in order."""
        return tuple(p for p in self.pages if p.kind == "chapter")


_STYLE = """\
:root { color-scheme: light; --ink: #1a1a1a; --muted: #555; --rule: #ddd; --accent: #0072b2; }
html { font-size: 17px; }
body { margin: 0 auto; max-width: 52rem; padding: 0 1.2rem 3rem; color: var(--ink); background: #fff;
       font-family: "Latin Modern Roman", "STIX Two Text", "DejaVu Serif", Georgia, serif; line-height: 1.45; }
math { font-family: "Latin Modern Math", "STIX Two Math", math; }
header.site { padding: 0.8rem 0; border-bottom: 1px solid var(--rule); }
header.site a { color: var(--ink); text-decoration: none; font-weight: bold; }
nav.pager { display: flex; justify-content: space-between; gap: 1rem; margin: 1rem 0; font-size: 0.9rem; }
nav.pager a { color: var(--accent); }
h1 { font-size: 1.7rem; margin: 1.2rem 0 0.6rem; }
h2 { font-size: 1.35rem; }
h3, h4 { font-size: 1.1rem; margin: 1.6rem 0 0.4rem; }
blockquote { margin: 1rem 0; padding: 0.2rem 1rem; border-left: 3px solid var(--rule); color: var(--muted); }
section.derivation, section.theorem { border-top: 1px solid var(--rule); margin-top: 1.5rem; }
.proof section.derivation { border-top: none; margin-top: 0; }
ol.steps { padding-left: 1.8rem; }
li.step { margin: 0.5rem 0 0.9rem; }
.display { overflow-x: auto; overflow-y: hidden; padding: 0.1rem 0; }
math[display="block"] { margin: 0.2rem 0; }
li.step math[display="block"] { display: inline math; math-style: normal; margin-left: 0.5rem; }
mtd { text-align: left; padding: 0.1em 0.5em 0.1em 0; }
p.note { margin: 0.1rem 0 0 0.5rem; font-size: 0.88rem; color: var(--muted); }
span.check { font-style: italic; }
p.verdict { font-weight: bold; }
p.qed { text-align: right; }
figure { margin: 1.5rem 0; text-align: center; }
figure img { max-width: 100%; height: auto; }
figcaption { font-size: 0.9rem; color: var(--muted); text-align: left; }
table.summary { border-collapse: collapse; font-size: 0.9rem; width: 100%; }
table.summary th, table.summary td { border-bottom: 1px solid var(--rule); padding: 0.25rem 0.4rem; }
table.summary td.n { text-align: right; font-variant-numeric: tabular-nums; }
div.wide { overflow-x: auto; }
table.results { border-collapse: collapse; font-size: 0.9rem; }
table.results th, table.results td { border-bottom: 1px solid var(--rule); padding: 0.3rem 0.5rem; text-align: left;
  vertical-align: top; }
footer { margin-top: 2rem; border-top: 1px solid var(--rule); padding-top: 0.6rem; font-size: 0.8rem;
         color: var(--muted); }
"""

_METHODS = ("symbolic", "numeric", "definition", "cited")


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-") or "section"


def _page(*, title: str, site_title: str, body: str, nav: str) -> str:
    head_title = site_title if title == site_title else f"{title} — {site_title}"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en">',
            "<head>",
            '<meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            f"<title>{html.escape(head_title)}</title>",
            '<link rel="icon" href="data:,">',
            '<link rel="stylesheet" href="style.css">',
            "</head>",
            "<body>",
            f'<header class="site"><a href="index.html">{html.escape(site_title)}</a></header>',
            nav,
            "<main>",
            body,
            "</main>",
            nav,
            "<footer>Generated by <code>derive report --html</code>. Every step was checked when the report was "
            "built; the math is MathML, so the pages need neither scripts nor a network.</footer>",
            "</body>",
            "</html>",
            "",
        ]
    )


def _nav(pages: Sequence[Page], index: int) -> str:
    links = []
    if index > 0:
        previous = pages[index - 1]
        links.append(f'<a rel="prev" href="{previous.filename}">← {html.escape(previous.title)}</a>')
    else:
        links.append("<span></span>")
    links.append('<a href="index.html">Contents</a>' if index > 0 else "<span></span>")
    if index + 1 < len(pages):
        following = pages[index + 1]
        links.append(f'<a rel="next" href="{following.filename}">{html.escape(following.title)} →</a>')
    else:
        links.append("<span></span>")
    return f'<nav class="pager">{"".join(links)}</nav>'


def _summary_table(printer: DeriveHtmlPrinter, sections: Sequence[Any]) -> str:
    rows = []
    for section in sections:
        for item in section.items:
            if _is_figure(item) or not (hasattr(item, "proof") or hasattr(item, "steps")):
                continue  # figures and tables have no steps of their own
            d = item.proof if hasattr(item, "proof") else item
            counts = d.methods
            cells = "".join(f'<td class="n">{counts.get(m, 0)}</td>' for m in _METHODS)
            rows.append(
                f'<tr><td>{printer._print_html_prose(d.title)}</td><td class="n">{len(d.steps)}</td>{cells}</tr>'
            )
    head = "".join(f"<th>{m}</th>" for m in ("derivation", "steps", *_METHODS))
    return "\n".join(
        ['<table class="summary">', f"<thead><tr>{head}</tr></thead>", "<tbody>", *rows, "</tbody>", "</table>"]
    )


def _is_figure(item: Any) -> bool:
    return hasattr(item, "caption") and hasattr(item, "name") and not hasattr(item, "steps")


def _figure_html(printer: DeriveHtmlPrinter, name: str, caption: str, number: int) -> str:
    alt = html.escape(" ".join(caption.split()))
    return (
        f'<figure id="fig-{_slug(name)}"><img src="figures/{html.escape(name)}.svg" alt="{alt}">'
        f"<figcaption>Figure {number}. {printer._print_html_prose(caption)}</figcaption></figure>"
    )


def build_site(
    sections: Sequence[Any],
    out_dir: str | os.PathLike[str],
    *,
    figures: Sequence[tuple[str, str]] = (),
    figures_dir: str | os.PathLike[str] | None = None,
    title: str = "Checked derivations",
    question: str = "",
    intro: str = "",
    summary: bool = True,
    **settings: Any,
) -> Site:
    """Write the report as a static site: ``index.html``, one page per section, ``style.css``, SVG figures.

    Parameters
    ----------
    sections : sequence of Section
        The chapters, as :func:`derive.report.report_contents` returns them:
        objects with ``title``, ``text`` (prose) and ``items`` (derivations,
        or theorems: objects with a ``proof``).
    out_dir : str or os.PathLike
        The site's directory; it is replaced as a whole (built beside it and
        swapped in), so no page of an earlier build is left behind.
    figures : sequence of (str, str)
        ``(name, caption)`` of each figure shown on the index page.
    figures_dir : str or os.PathLike, optional
        Where ``<name>.svg`` of each figure is (save it with
        ``figures.save.save_figure(fig, dir / name, formats=("svg",))``).
        Required when ``figures`` is not empty; the files are copied into
        ``out_dir/figures``.
    title, question, intro : str
        The site's title, the question it answers and the opening paragraph
        (prose, with symbol names such as ``lambda`` set as math).
    summary : bool
        Add a last chapter with the verification summary (steps by method).
    **settings
        Settings of :class:`DeriveHtmlPrinter` (``notation`` and so on).

    Returns
    -------
    Site
        The root and the pages written (index first, then the chapters).

    Raises
    ------
    HtmlBuildError
        For a missing SVG figure or a formula that does not convert.
    TypeError
        For an unknown printer setting.
    """
    printer = DeriveHtmlPrinter(settings)
    svgs: dict[str, bytes] = {}
    # Figures shown on the index page, then those standing inside a chapter (objects with ``name``
    # and ``caption`` and no ``steps``, such as :class:`derive.report.Figure`).
    inline = [(item.name, item.caption) for section in sections for item in section.items if _is_figure(item)]
    if figures or inline:
        if figures_dir is None:
            raise HtmlBuildError("build_site got figures but no figures_dir holding their .svg files")
        for name, _ in (*figures, *inline):
            source = Path(figures_dir) / f"{name}.svg"
            if not source.is_file():
                raise HtmlBuildError(f"figure {name!r}: {source} not found (save it with formats=('svg',))")
            svgs[name] = source.read_bytes()

    chapters = [(section.title, section) for section in sections]
    pages = [Page("index.html", title, "index")]
    for number, (chapter_title, _) in enumerate(chapters, start=1):
        pages.append(Page(f"{number:02d}-{_slug(chapter_title)}.html", chapter_title, "chapter"))
    if summary:
        pages.append(Page(f"{len(chapters) + 1:02d}-verification-summary.html", "Verification summary", "chapter"))

    documents: dict[str, str] = {}
    theorem_number = 0
    figure_number = 0
    for index, page in enumerate(pages):
        if page.kind == "index":
            body = [f"<h1>{html.escape(title)}</h1>"]
            if question:
                body.append(f"<blockquote><p>{printer._print_html_prose(question)}</p></blockquote>")
            if intro:
                body.append(f"<p>{printer._print_html_prose(intro)}</p>")
            for name, caption in figures:
                figure_number += 1
                body.append(_figure_html(printer, name, caption, figure_number))
            body.append("<h2>Contents</h2>")
            body.append('<ol class="contents">')
            body += [f'<li><a href="{p.filename}">{html.escape(p.title)}</a></li>' for p in pages[1:]]
            body.append("</ol>")
        elif index <= len(chapters):
            chapter_title, section = chapters[index - 1]
            body = [f"<h1>{index}. {printer._print_html_prose(chapter_title)}</h1>"]
            if section.text:
                body.append(f"<p>{printer._print_html_prose(section.text)}</p>")
            anchors: dict[str, int] = {}
            for item in section.items:
                if _is_figure(item):
                    figure_number += 1
                    body.append(_figure_html(printer, item.name, item.caption, figure_number))
                    continue
                if hasattr(item, "_html"):  # a table
                    body.append(item._html(printer))
                    continue
                is_theorem = hasattr(item, "proof")
                base = _slug(item.name if is_theorem else item.title)
                anchors[base] = anchors.get(base, 0) + 1
                anchor = base if anchors[base] == 1 else f"{base}-{anchors[base]}"
                if is_theorem:
                    theorem_number += 1
                    body.append(printer._print_Theorem(item, number=theorem_number, anchor=anchor))
                else:
                    body.append(printer._print_Derivation(item, anchor=anchor))
        else:
            body = [
                f"<h1>{index}. Verification summary</h1>",
                "<p>How each step of each derivation was checked.</p>",
                _summary_table(printer, sections),
            ]
        documents[page.filename] = _page(
            title=page.title, site_title=title, body="\n".join(body), nav=_nav(pages, index)
        )

    with replace_directory(out_dir) as staging:
        write_text(staging / "style.css", _STYLE)
        for name, data in svgs.items():
            write_bytes(staging / "figures" / f"{name}.svg", data)
        for filename, text in documents.items():
            write_text(staging / filename, text)
    return Site(Path(out_dir).resolve(), tuple(pages), tuple(f"figures/{name}.svg" for name in svgs))
