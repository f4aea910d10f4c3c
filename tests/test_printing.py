"""Tests of the LaTeX, Markdown and text views of derivations (derive.printing)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import sympy as sp

from derive.core import Derivation, DerivationBuilder
from derive.printing import (
    LATEX_PACKAGES,
    DeriveLatexPrinter,
    cases_to_latex,
    derivation_to_latex,
    derivation_to_markdown,
    derivation_to_text,
    expr_to_latex,
    expr_to_text,
    latex_preamble,
)
from derive.prox import prox
from derive.subgradient import subdifferential
from derive.symbols import a, b, beta, lam, v, x, xstar


@pytest.fixture(scope="module")
def soft() -> Derivation:
    """The soft-thresholding operator: prox of lambda*|x|."""
    return prox(lam * sp.Abs(x), x, v)


@pytest.fixture(scope="module")
def ridge() -> Derivation:
    """The ridge shrinkage: prox of lambda*x^2."""
    return prox(lam * x**2, x, v)


@pytest.fixture(scope="module")
def sub() -> Derivation:
    """The subdifferential of lambda*|x|."""
    return subdifferential(lam * sp.Abs(x), x)


@pytest.fixture(scope="module")
def awkward() -> Derivation:
    """Every relation, and reasons full of LaTeX specials, ASCII math and Unicode."""
    builder = DerivationBuilder("Awkward_title: 100% & #1 {braces} ~ ^ \\ ∂", assumptions=(x, lam, beta))
    builder.define(xstar, v - lam, "a definition with x_1, 50% & #2 {a} ~ ^ \\ and ∂g(0) <= g'(k-) — “quoted”")
    builder.cite(x, "in", sp.Interval(-lam, lam), "F'(x*-) <= 0 <= F'(x*+); [-lambda, lambda] on (-oo, oo) | ok")
    builder.cite(x, "<=", lam, "e.g. lambda >= x^2 > x, i.e. fine", condition=lam < -v)
    builder.cite(x, "<", lam, "strict", condition=sp.Contains(xstar, sp.Interval.open(0, sp.oo)))
    builder.cite(lam, ">=", 0, "nonnegative", condition=sp.Eq(xstar, 0))
    builder.cite(lam, ">", 0, "positive")
    builder.cite(sp.FiniteSet(0), "subseteq", sp.Interval(-lam, lam), "containment")
    builder.cite(sp.Eq(x, 0), "iff", sp.Eq(beta, 0), "equivalence")
    builder.cite(x > 0, "implies", sp.Eq(sp.sign(x), 1), "implication")
    builder.note("g is convex, by the $5 argument", "a note")
    return builder.build(sp.Max(v - lam, 0), variable=v, parameters=(lam,))


# -- expressions ---------------------------------------------------------------------------


def test_positive_part_and_max_min() -> None:
    u = sp.Abs(v) - lam
    assert expr_to_latex(sp.Max(u, 0)) == r"\left(\left|{v}\right| - \lambda\right)_+"
    assert expr_to_latex(sp.Max(0, u)) == r"\left(\left|{v}\right| - \lambda\right)_+"
    assert expr_to_latex(sp.Max(0, u), positive_part="max") == r"\max\left(\left|{v}\right| - \lambda, 0\right)"
    assert expr_to_latex(sp.Max(a, b)) == r"\max\left(a, b\right)"
    assert expr_to_latex(sp.Min(a, b)) == r"\min\left(a, b\right)"
    assert expr_to_latex(sp.sign(v)) == r"\operatorname{sign}\left(v\right)"


def test_sets() -> None:
    assert expr_to_latex(sp.Interval(-lam, lam)) == r"\left[- \lambda, \lambda\right]"
    assert expr_to_latex(sp.FiniteSet(lam)) == r"\left\{\lambda\right\}"
    assert expr_to_latex(sp.S.EmptySet) == r"\varnothing"
    union = sp.Union(sp.Interval.open(lam, sp.oo), sp.Interval(-lam, lam), evaluate=False)
    assert expr_to_latex(union) == r"\left[- \lambda, \lambda\right] \cup \left(\lambda, \infty\right)"


@pytest.mark.parametrize(
    ("relation", "expected"),
    [
        (lam < -v, r"v < - \lambda"),
        (lam >= v, r"v \leq \lambda"),
        (sp.Lt(0, x, evaluate=False), r"x > 0"),
        (sp.Eq(x, 0), r"x = 0"),
        (sp.Contains(xstar, sp.Interval.open(0, sp.oo)), r"x^{*} \in \left(0, \infty\right)"),
        ((v <= lam) & (-lam <= v), r"- \lambda \leq v \leq \lambda"),
    ],
)
def test_conditions_read_naturally(relation: sp.Basic, expected: str) -> None:
    assert expr_to_latex(relation) == expected


def test_piecewise_uses_if_and_otherwise() -> None:
    tex = expr_to_latex(sp.Piecewise((v + lam, lam < -v), (0, lam >= v), (v - lam, True)))
    assert tex.startswith(r"\begin{cases}") and tex.endswith(r"\end{cases}")
    assert r"\text{if } v < - \lambda" in tex
    assert r"\text{otherwise}" in tex
    assert r"\text{for}" not in tex


def test_cases_to_latex_writes_each_region() -> None:
    t = lam
    cases = [
        (v + t, sp.Interval.open(-sp.oo, -t)),
        (sp.Integer(0), sp.Interval(-t, t)),
        (v, sp.Interval.open(t, 2 * t)),
        (sp.FiniteSet(lam), sp.FiniteSet(2 * t)),
        (sp.S.EmptySet, sp.Interval(2 * t, sp.oo, True, True)),
    ]
    tex = cases_to_latex(cases, v)
    for row in (
        r"v + \lambda & \text{if } v < - \lambda",
        r"0 & \text{if } - \lambda \leq v \leq \lambda",
        r"v & \text{if } \lambda < v < 2 \lambda",
        r"\left\{\lambda\right\} & \text{if } v = 2 \lambda",
        r"\varnothing & \text{if } v > 2 \lambda",
    ):
        assert row in tex
    closed = cases_to_latex([(v, sp.Interval(a, sp.oo, False, True)), (v, sp.Interval(-sp.oo, a, True, False))], v)
    assert r"v \geq a" in closed and r"v \leq a" in closed
    assert cases_to_latex([(v / 2, sp.S.Reals)], v) == r"\frac{v}{2}"


def test_notation_reaches_every_leaf() -> None:
    tex = expr_to_latex(sp.Max(beta - lam, 0) + xstar, notation={"beta": "w", "lambda": r"\alpha", "x": "z"})
    assert tex == r"z^{*} + \left(w - \alpha\right)_+"


def test_text_expressions() -> None:
    assert expr_to_text(sp.sign(v) * sp.Max(0, sp.Abs(v) - lam)) == "sign(v)*max(|v| - lambda, 0)"
    assert expr_to_text(sp.Interval(-lam, lam)) == "[-lambda, lambda]"
    assert expr_to_text(sp.FiniteSet(lam)) == "{lambda}"
    assert expr_to_text(sp.Interval(-lam, lam), unicode=True) == "[-λ, λ]"
    assert expr_to_text(lam < -v) == "v < -lambda"
    assert expr_to_text((x - v) ** 2 / 2) == "(x - v)^2/2"


# -- derivations: LaTeX ---------------------------------------------------------------------


def test_soft_threshold_latex(soft: Derivation) -> None:
    tex = derivation_to_latex(soft)
    assert tex.startswith("\\begin{align*}\n") and tex.endswith("\n\\end{align*}")
    assert r"\operatorname{sign}\left(v\right)" in tex
    assert r"\right)_+" in tex
    assert r"\begin{cases}" in tex
    assert r"\text{if } - \lambda \leq v \leq \lambda" in tex
    assert r"\text{if } v > \lambda" in tex
    assert r"\text{for}" not in tex
    assert r"\left[- \lambda, \lambda\right]" in tex
    assert r"\coloneqq" in tex
    assert tex.count(r"\shortintertext{") == len(soft.steps)
    for method in soft.methods:
        assert rf"\textsf{{[{method}]}}" in tex
    assert "∂" not in tex and not re.search(r"[^\x00-\x7f]", tex)


def test_subdifferential_latex(sub: Derivation) -> None:
    tex = derivation_to_latex(sub)
    assert r"\partial g\left(0\right) &= \left[- \lambda, \lambda\right]" in tex
    assert r"\left\{- \lambda\right\}, \quad x < 0" in tex
    # the result row is added: no step states the result
    assert tex.splitlines()[-2].startswith(r"\partial g\left(x\right) &= \begin{cases}")
    assert r"\left[- \lambda, \lambda\right] & \text{if } x = 0" in tex


def test_ridge_latex(ridge: Derivation) -> None:
    section = derivation_to_latex(ridge, form="section")
    assert r"\[ \operatorname{prox}_{g}\left(v\right) = \frac{v}{2 \lambda + 1} \]" in section
    assert r"\begin{cases}" not in section.split("Result:")[1]


def test_section_and_document(soft: Derivation) -> None:
    section = derivation_to_latex(soft, form="section")
    assert section.startswith(r"\subsection*{The proximal operator of \ensuremath{\lambda}")
    assert r"Assumptions: $x, v \in \mathbb{R}$, $\lambda > 0$." in section
    assert r"\noindent Result:" in section
    assert section.rstrip().endswith(r"\end{cases} \]")
    document = derivation_to_latex(soft, form="document")
    assert document.startswith("\\documentclass{article}\n" + latex_preamble())
    assert section in document and document.rstrip().endswith(r"\end{document}")
    assert latex_preamble().splitlines() == [rf"\usepackage{{{name}}}" for name in LATEX_PACKAGES]


def test_statements_of_every_relation(awkward: Derivation) -> None:
    tex = derivation_to_latex(awkward)
    for rel in (r"&\coloneqq", r"&\in", r"&\leq", r"&<", r"&\geq", r"&>", r"&\subseteq", r"&\iff", r"&\implies"):
        assert rel in tex
    assert r"x &\leq \lambda, \quad v < - \lambda" in tex
    assert r", \quad x^{*} \in \left(0, \infty\right)" in tex
    assert r", \quad x^{*} = 0" in tex
    assert r"&g\text{ is convex, by the }\$\text{5 argument}" in tex
    # specials are escaped, Unicode is replaced
    assert r"\_" in tex and r"50\% \& \#2 \{a\}" in tex and r"\ensuremath{\partial}" in tex
    assert "—" not in tex and "“" not in tex


def test_notation_option_renames_everywhere(soft: Derivation) -> None:
    notation = {"lambda": r"\alpha", "v": "u"}
    for tex in (
        derivation_to_latex(soft, form="document", notation=notation),
        derivation_to_latex(soft, environment="aligned", notation=notation),
        derivation_to_markdown(soft, notation=notation),
    ):
        assert r"\lambda" not in tex
        assert r"\alpha" in tex
        assert r"\operatorname{prox}_{g}\left(u\right)" in tex


def test_show_options(soft: Derivation) -> None:
    bare = derivation_to_latex(soft, show_reasons=False, show_checks=False)
    assert r"\shortintertext" not in bare and r"\textsf" not in bare
    marks = derivation_to_latex(soft, show_reasons=False)
    assert marks.count(r"\textsf{[") == len(soft.steps)
    assert r"\shortintertext" not in marks


@pytest.mark.parametrize(
    ("function", "settings"),
    [
        (derivation_to_latex, {"colour": "red"}),
        (derivation_to_markdown, {"colour": "red"}),
        (derivation_to_text, {"colour": "red"}),
        (derivation_to_text, {"positive_part": "max"}),
    ],
)
def test_unknown_setting_raises_type_error(soft: Derivation, function, settings) -> None:
    with pytest.raises(TypeError, match=r"colour|positive_part"):
        function(soft, **settings)


def test_bad_values_raise(soft: Derivation) -> None:
    with pytest.raises(ValueError, match="positive_part"):
        derivation_to_latex(soft, positive_part="plus")
    with pytest.raises(ValueError, match="environment"):
        derivation_to_latex(soft, environment="equation")
    with pytest.raises(ValueError, match="form"):
        derivation_to_latex(soft, form="book")
    with pytest.raises(TypeError):
        DeriveLatexPrinter({"notation": ["lambda"]})


def test_output_is_deterministic(soft: Derivation) -> None:
    again = prox(lam * sp.Abs(x), x, v)
    for view in (
        lambda d: derivation_to_latex(d, form="document"),
        lambda d: derivation_to_latex(d, environment="aligned"),
        derivation_to_markdown,
        derivation_to_text,
        lambda d: derivation_to_text(d, unicode=True),
    ):
        assert view(soft) == view(soft) == view(again)


def test_repr_latex_is_mathjax_display(soft: Derivation, sub: Derivation) -> None:
    for d in (soft, sub):
        shown = d._repr_latex_()
        assert shown.startswith("$$\\begin{aligned}") and shown.endswith("\\end{aligned}$$")
        # only what MathJax knows: no mathtools macros, no text-mode paragraphs
        for macro in (r"\coloneqq", r"\shortintertext", r"\ensuremath", r"\footnotesize"):
            assert macro not in shown


def test_derivation_methods_use_printers(soft: Derivation) -> None:
    assert soft.to_latex() == derivation_to_latex(soft)
    assert soft.to_latex(form="section") == derivation_to_latex(soft, form="section")
    assert soft.to_markdown() == derivation_to_markdown(soft)
    assert str(soft) == soft.to_text() == derivation_to_text(soft)


# -- derivations: Markdown and text -------------------------------------------------------------


@pytest.mark.parametrize("name", ["soft", "ridge", "sub", "awkward"])
def test_markdown_has_every_step(name: str, request: pytest.FixtureRequest) -> None:
    d: Derivation = request.getfixturevalue(name)
    md = derivation_to_markdown(d)
    assert md.startswith("### ")
    numbered = re.findall(r"^(\d+)\. \$\$", md, flags=re.MULTILINE)
    assert [int(n) for n in numbered] == list(range(1, len(d.steps) + 1))
    for step in d.steps:
        assert f"*({step.check.method}" in md
    assert "**Result:**" in md
    assert md.count("$$") % 2 == 0


def test_soft_threshold_markdown(soft: Derivation) -> None:
    md = derivation_to_markdown(soft)
    assert r"Assumptions: $x, v \in \mathbb{R}$, $\lambda > 0$." in md
    assert r"$$g\left(x\right) := \lambda \left|{x}\right|$$" in md
    assert r"\right)_+" in md
    assert "x\\* = " not in md.split("**Result:**")[0].split("2. ")[0]  # reasons: symbols as math
    assert "*(numeric: 40 points, seed" in md


@pytest.mark.parametrize("name", ["soft", "ridge", "sub", "awkward"])
def test_text_has_every_step(name: str, request: pytest.FixtureRequest) -> None:
    d: Derivation = request.getfixturevalue(name)
    text = derivation_to_text(d)
    lines = text.splitlines()
    assert lines[1] == "=" * len(lines[0])
    numbered = [int(m.group(1)) for m in (re.match(r"^ {0,2}(\d+)\. ", line) for line in lines) if m]
    assert numbered == list(range(1, len(d.steps) + 1))
    assert "Result:" in lines
    for step in d.steps:
        assert f"[{step.check.method}" in text
        if step.reason:
            assert step.reason.split()[0].replace("^*", "*") in text


def test_soft_threshold_text(soft: Derivation) -> None:
    text = derivation_to_text(soft)
    assert "Assumptions: x, v real; lambda > 0" in text
    assert "sign(v)*max(|v| - lambda, 0)" in text
    assert "∂g(0) = [-lambda, lambda]" in text
    assert "{lambda}" in text
    result = text.split("Result:\n")[1].splitlines()
    assert result == [
        "  prox_g(v) = { v + lambda  if v < -lambda",
        "              { 0           if -lambda <= v <= lambda",
        "              { v - lambda  if v > lambda",
    ]
    assert max(len(line) for line in text.splitlines()) <= 100
    assert "λ" in derivation_to_text(soft, unicode=True)
    assert "lambda" not in derivation_to_text(soft, notation={"lambda": "t"}).split("\n", 2)[2]


# -- compiling -----------------------------------------------------------------------------------


def _compile(tex: str, where: Path) -> None:
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdflatex is required on CI to check that the LaTeX output compiles")
        pytest.skip("pdflatex is not installed")
    (where / "derivation.tex").write_text(tex, encoding="utf-8")
    run = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "derivation.tex"],
        cwd=where,
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    log = (where / "derivation.log").read_text(encoding="latin-1") if (where / "derivation.log").exists() else ""
    assert run.returncode == 0, run.stdout[-3000:]
    assert "Undefined control sequence" not in log
    assert "LaTeX Error" not in log
    assert (where / "derivation.pdf").exists()


@pytest.mark.parametrize(
    ("name", "settings"),
    [
        ("soft", {}),
        ("sub", {}),
        ("ridge", {"environment": "aligned", "notation": {"lambda": r"\alpha", "v": "u"}}),
        ("soft", {"positive_part": "max", "show_reasons": False}),
        ("awkward", {}),
        ("awkward", {"environment": "aligned"}),
    ],
)
def test_document_compiles_with_pdflatex(name: str, settings: dict, request: pytest.FixtureRequest, tmp_path: Path):
    d: Derivation = request.getfixturevalue(name)
    _compile(derivation_to_latex(d, form="document", **settings), tmp_path)


# -- long right-hand sides broken over lines -----------------------------------------------------


@pytest.fixture(scope="module")
def long_sum() -> Derivation:
    """A checked expansion with a long right-hand side, a long Piecewise definition, and a long sum as result."""
    builder = DerivationBuilder("A long sum", assumptions=(x, v, lam))
    builder.equal((x + v + lam) ** 4, sp.expand((x + v + lam) ** 4), "expand the power")
    cubes = sp.Piecewise((sp.expand((x + lam) ** 3), x < lam), (sp.expand((x - lam) ** 3), True))
    builder.define(sp.Symbol("y"), cubes, "cases stay whole")
    return builder.build(sp.expand((v + lam) ** 3), variable=v, parameters=(lam,), lhs=sp.Symbol("S"))


def _delimiters_balance(tex: str) -> bool:
    r"""Braces, \left/\right and \begin/\end pair up within ``tex`` (what each row of an align* needs)."""
    depth = 0
    for token in re.findall(r"\\left\b|\\right\b|\\begin\{[a-z*]+\}|\\end\{[a-z*]+\}|(?<!\\)[{}]", tex):
        if token in (r"\left", "{") or token.startswith(r"\begin"):
            depth += 1
        else:
            depth -= 1
        if depth < 0:
            return False
    return depth == 0


def test_long_rhs_golden(long_sum: Derivation) -> None:
    tex = derivation_to_latex(long_sum, show_reasons=False, show_checks=False, line_width=60)
    assert tex == "\n".join(
        [
            r"\begin{align*}",
            r"\left(x + v + \lambda\right)^{4} &= 4 \lambda^{3} x + 12 \lambda^{2} v x + 6 \lambda^{2} x^{2} \\",
            r"&\quad + 12 \lambda v^{2} x + 12 \lambda v x^{2} + 4 \lambda x^{3} \\",
            r"&\quad + 4 v^{3} x + 6 v^{2} x^{2} + 4 v x^{3} + x^{4} \\",
            r"&\quad + 4 \lambda^{3} v + 6 \lambda^{2} v^{2} + 4 \lambda v^{3} \\",
            r"&\quad + v^{4} + \lambda^{4} \\",
            r"y &\coloneqq \begin{cases} 3 \lambda^{2} x + 3 \lambda x^{2} + x^{3} + \lambda^{3} & \text{if } x < "
            r"\lambda \\ 3 \lambda^{2} x - 3 \lambda x^{2} + x^{3} - \lambda^{3} & \text{otherwise} \end{cases} \\",
            r"S &= 3 \lambda^{2} v + 3 \lambda v^{2} + v^{3} + \lambda^{3}",
            r"\end{align*}",
        ]
    )


def test_long_rhs_display_forms(long_sum: Derivation) -> None:
    section = derivation_to_latex(long_sum, form="section", show_reasons=False, line_width=30)
    assert section.split(r"\noindent Result:")[1].strip() == "\n".join(
        [
            r"\begin{align*}",
            r"S &= 3 \lambda^{2} v \\",
            r"&\quad + 3 \lambda v^{2} + v^{3} \\",
            r"&\quad + \lambda^{3}",
            r"\end{align*}",
        ]
    )
    inline = derivation_to_latex(long_sum, form="section", environment="aligned", line_width=30)
    assert inline.split(r"\noindent Result:")[1].strip().startswith("\\[\\begin{aligned}\nS &= 3 \\lambda^{2} v \\\\")
    short = derivation_to_latex(long_sum, form="section")  # fits in the default 80 characters: one display
    assert r"\[ S = 3 \lambda^{2} v + 3 \lambda v^{2} + v^{3} + \lambda^{3} \]" in short


@pytest.mark.parametrize("width", [20, 45, 60, 80])
def test_breaking_only_adds_row_breaks(long_sum: Derivation, width: int) -> None:
    r"""Joined back, the rows are the unbroken LaTeX; each row is at most ``width`` long unless it is one term,
    starts with ``&\quad +`` or ``&\quad -`` and balances its delimiters."""
    from derive.printing.latex import CONTINUATION

    whole = derivation_to_latex(long_sum, line_width=None)
    broken = derivation_to_latex(long_sum, line_width=width)
    assert broken.replace(CONTINUATION, " ") == whole
    printer = DeriveLatexPrinter({"line_width": width})
    rhs = long_sum.steps[0].statement.rhs
    pieces = printer._sum_pieces(rhs)
    assert " ".join(pieces) == expr_to_latex(rhs) and len(pieces) == len(rhs.args)
    lines = printer._rhs_lines(rhs)
    assert all(len(line) <= width or line in pieces for line in lines)
    for row in broken.splitlines():
        if row.startswith("&\\quad"):
            assert row.startswith((r"&\quad + ", r"&\quad - "))
            assert _delimiters_balance(row.removesuffix(r" \\"))
    assert r"\begin{cases} 3 \lambda^{2} x + 3 \lambda x^{2} + x^{3} + \lambda^{3} & \text{if }" in broken


def test_cases_and_products_are_never_broken() -> None:
    long_cases = sp.Piecewise((sp.expand((v + lam) ** 6), v < 0), (0, True))
    printer = DeriveLatexPrinter({"line_width": 20})
    assert printer._rhs_lines(long_cases) == [expr_to_latex(long_cases)]  # a cases environment stays whole
    product = sp.Mul(sp.expand((v + lam) ** 4), sp.sign(v), evaluate=False)
    assert printer._rhs_lines(product) == [expr_to_latex(product)]  # no top-level sum: nothing to break
    mixed = long_cases + sp.expand((v - lam) ** 3)
    lines = printer._rhs_lines(mixed)
    assert len(lines) > 1 and any(line.count(r"\begin{cases}") == 1 for line in lines)
    assert all(_delimiters_balance(line) for line in lines)


def test_a_naive_split_would_break_the_latex() -> None:
    """Mutation: splitting the printed string at every ' + ' cuts through brackets; the printer's pieces do not."""
    expr = sp.sign(v) * (v + lam) ** 2 + sp.sqrt(lam + v**2 + 1) + v**5
    tex = expr_to_latex(expr)
    naive = tex.split(" + ")
    assert not all(_delimiters_balance(part) for part in naive)
    assert all(_delimiters_balance(part) for part in DeriveLatexPrinter({"line_width": 10})._rhs_lines(expr))


@pytest.mark.parametrize("width", [0, -3, 2.5, "80", True])
def test_line_width_is_validated(soft: Derivation, width: Any) -> None:
    with pytest.raises(ValueError, match="line_width"):
        derivation_to_latex(soft, line_width=width)


def test_markdown_and_short_rows_unchanged(soft: Derivation, long_sum: Derivation) -> None:
    assert derivation_to_latex(soft) == derivation_to_latex(soft, line_width=None)  # every row fits in 80
    md = derivation_to_markdown(long_sum)
    assert r"&\quad" not in md and "$$" in md  # Markdown's one-line displays are not aligned rows


def _overfull_displays(log: str) -> list[float]:
    """Widths (pt) by which displayed math overflows the line (amsmath reports them 'detected at line')."""
    return [float(w) for w in re.findall(r"Overfull \\hbox \(([0-9.]+)pt too wide\) detected at line", log)]


def test_broken_long_sum_compiles_within_the_text_width(tmp_path: Path) -> None:
    builder = DerivationBuilder("A long expansion", assumptions=(x, v, lam))
    builder.equal((x + v + lam) ** 5, sp.expand((x + v + lam) ** 5), "expand the power")
    d = builder.build(sp.expand((x + v + lam) ** 5), variable=x, parameters=(lam,))
    for width, overflow in ((None, True), (80, False)):
        where = tmp_path / str(width)
        where.mkdir()
        _compile(derivation_to_latex(d, form="document", line_width=width), where)
        log = (where / "derivation.log").read_text(encoding="latin-1")
        assert bool(_overfull_displays(log)) is overflow, (width, _overfull_displays(log))


@pytest.fixture(scope="module")
def risk_proof() -> Derivation:
    from proofs.risk import risk

    return risk().proof


def test_risk_theorem_compiles_and_its_rows_fit(risk_proof: Derivation, tmp_path: Path) -> None:
    """The longest derivation of the toolkit (the risks of soft, hard and ridge thresholding)."""
    printer = DeriveLatexPrinter({"line_width": 80})
    snippet = derivation_to_latex(risk_proof)
    broken = 0
    for step in risk_proof.steps:
        if step.statement.rel == "text" or not isinstance(step.statement.rhs, sp.Basic):
            continue
        lines = printer._rhs_lines(step.statement.rhs)
        pieces = printer._sum_pieces(step.statement.rhs)
        assert all(len(line) <= 80 or line in pieces for line in lines)  # longer only if a single term
        broken += len(lines) > 1
    assert broken >= 10
    overflows = []
    for width in (None, 80):
        where = tmp_path / str(width)
        where.mkdir()
        _compile(derivation_to_latex(risk_proof, form="document", line_width=width), where)
        log = (where / "derivation.log").read_text(encoding="latin-1")
        overflows.append(max(_overfull_displays(log)[:1] or [0.0]))  # the first display is the align*
    unbroken, fitted = overflows
    assert unbroken > 300 and fitted < unbroken / 10, overflows
    assert snippet.count(r"&\quad") >= 30
