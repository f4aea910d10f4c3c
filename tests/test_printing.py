"""Tests of the LaTeX, Markdown and text views of derivations (derive.printing)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

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
