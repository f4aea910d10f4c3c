"""The shrinkage table, generated from the derivations.

References for the expected entries: ESL 2nd ed., Table 3.4 and its figure
(lasso: threshold lambda, constant bias lambda, continuous; ridge: no
threshold, bias growing with |z|; best subset: hard threshold, unbiased, a
jump); Fan and Li (2001), Section 2 (SCAD: unbiased for large |z|, sparse,
continuous; hard thresholding discontinuous); Zhang (2010) for MCP; Zou and
Hastie (2005) for the elastic nets; Breiman (1995) for the garrote.
"""

from __future__ import annotations

import os
import shutil
import subprocess

import pytest
import sympy as sp

from derive.conventions import alpha
from derive.errors import OptionError, VerificationError
from derive.estimators import estimator, t_M
from derive.shrinkage_table import COLUMNS, ORDER, _check_bias, analyse_shrinkage, shrinkage_table
from derive.symbols import lam, z

lam1 = sp.Symbol("lambda1", positive=True)

EXPECTED = {
    # name: (threshold, bias for large |z|, continuous)
    "lasso": (lam, lam, True),
    "ridge": (0, sp.oo, True),
    "best_subset": (t_M, 0, False),
    "l0": (sp.sqrt(2 * lam), 0, False),
    "elastic_net": (lam1 / 2, sp.oo, True),
    "elastic_net_corrected": (lam1 / 2, lam1 / 2, True),
    "garrote": (sp.sqrt(lam), 0, True),
    "adaptive_lasso": (lam ** (1 / (1 + sp.Symbol("gamma", positive=True))), 0, True),
    "scad": (lam, 0, True),
    "mcp": (lam, 0, True),
    "bridge": (sp.Rational(3, 2) * lam ** sp.Rational(2, 3), 0, False),
    "positive_lasso": (lam, lam, True),
    "group_lasso": (lam, lam, True),
}


@pytest.fixture(scope="module")
def table():
    return shrinkage_table()


def test_rows_in_order_with_nothing_omitted(table):
    assert [row.name for row in table.rows] == list(ORDER)
    assert table.omitted == ()


@pytest.mark.parametrize("name", ORDER)
def test_row_entries_are_the_published_ones(table, name):
    row = table.row(name)
    threshold, bias, continuous = EXPECTED[name]
    assert sp.simplify(row.threshold - threshold) == 0
    assert row.bias == bias if bias is sp.oo else sp.simplify(row.bias - bias) == 0
    assert row.continuous is continuous
    if continuous is False:
        assert sp.simplify(row.jump) != 0
    methods = {step.check.method for step in row.analysis.steps}
    assert methods <= {"numeric", "symbolic"}


def test_jump_sizes(table):
    assert table.row("l0").jump == sp.sqrt(2) * sp.sqrt(lam)
    assert table.row("best_subset").jump == t_M
    assert table.row("bridge").jump == lam ** sp.Rational(2, 3)  # from 0 to (2/3) t


def test_bias_check_can_fail():
    with pytest.raises(VerificationError, match="does not approach"):
        _check_bias(z - (z - lam), z, 2 * lam, sp.true)  # the lasso's bias is lambda, not 2 lambda
    with pytest.raises(VerificationError, match="does not grow"):
        _check_bias(z - (z - lam), z, sp.oo, sp.true)


def test_analysis_is_a_derivation():
    analysis = analyse_shrinkage(estimator("lasso"))
    assert analysis.extra("continuous") is True and analysis.extra("bias") == lam
    for view in (analysis.to_text(), analysis.to_latex(), analysis.to_markdown()):
        assert view


def test_markdown(table):
    md = table.to_markdown()
    lines = md.splitlines()
    assert lines[0] == "| " + " | ".join(c.replace("|", r"\|") for c in COLUMNS) + " |"
    rows = [line for line in lines[2:] if line.startswith("| ")]
    assert len(rows) == len(ORDER)
    for line in rows:  # no pipe inside a cell's math: exactly 7 separators
        assert line.replace(r"\|", "").count("|") == len(COLUMNS) + 1
    assert "no, jump" in md and r"\infty" in md


def test_latex_is_a_tabular(table):
    tex = table.to_latex()
    assert tex.startswith(r"\begin{tabular}{llllll}") and tex.rstrip().endswith(r"\end{tabular}")
    assert tex.count(r" \\") >= len(ORDER) + 2
    assert table.to_latex(notation={"beta": "w"}).count("w") > tex.count("w")


def test_latex_compiles_with_pdflatex(table, tmp_path):
    pdflatex = shutil.which("pdflatex")
    if pdflatex is None:
        if os.environ.get("CI") == "true":
            pytest.fail("pdflatex is required on CI to check that the table compiles")
        pytest.skip("pdflatex not installed")
    from derive.printing.latex import latex_preamble

    document = "\n".join(
        [
            r"\documentclass{article}",
            latex_preamble(),
            r"\usepackage[landscape,margin=1cm]{geometry}",
            r"\begin{document}",
            r"\tiny",
            table.to_latex(),
            r"\end{document}",
        ]
    )
    (tmp_path / "table.tex").write_text(document, encoding="utf-8")
    done = subprocess.run(
        [pdflatex, "-interaction=nonstopmode", "-halt-on-error", "table.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-2000:]
    assert (tmp_path / "table.pdf").stat().st_size > 0


def test_other_convention_and_options():
    small = shrinkage_table("sklearn", names=("lasso", "ridge"))
    assert small.row("lasso").threshold == alpha
    assert small.row("ridge").bias == sp.oo
    with pytest.raises(OptionError, match="unknown estimator"):
        shrinkage_table(names=("lassoo",))
    with pytest.raises(KeyError, match="no row 'mcp'"):
        small.row("mcp")
