"""The report's table of proximal operators (derive.prox_table).

The mathematics in the rows comes from the catalogue's derivations, which
tests/test_catalogue.py checks entry by entry against brute-force
minimisation; here the table's *own* claims (the zero set and the threshold
of each row) are checked against a brute-force grid minimisation of
g(x) + (x - v)^2/2, independently of the derivations, and the views are checked
for format (and that the LaTeX compiles).
"""

from __future__ import annotations

import os
import shutil

import mpmath
import pytest
import sympy as sp

from derive.catalogue import CATALOGUE
from derive.errors import OptionError
from derive.prox_table import COLUMNS, ProxTable, prox_table
from derive.symbols import lam, x
from tests._latex import compile_theorems


@pytest.fixture(scope="module")
def table() -> ProxTable:
    return prox_table()


def _grid_argmin(g: sp.Expr, v: float, point: dict) -> float:
    """Minimise g(x) + (x - v)^2/2 on the grid k/1000 of [-5, 5] (independent of the derivations; 0 is a node)."""
    f = sp.lambdify(x, g.subs(point), modules="mpmath")
    best, best_x = mpmath.inf, None
    with mpmath.workdps(30):
        for i in range(-5000, 5001):
            t = mpmath.mpf(i) / 1000
            try:
                value = f(t) + (t - v) ** 2 / 2
            except (ZeroDivisionError, ValueError):
                continue
            if value < best:
                best, best_x = value, t
    return float(best_x)


def test_one_row_per_catalogue_entry_in_order(table):
    from derive.block import block_entries

    assert [row.name for row in table.rows] == [e.name for e in CATALOGUE] + [e.name for e in block_entries()]
    assert all(row.derivation is not None for row in table.rows), [r.error for r in table.rows if r.error]


def test_only_log_cosh_lacks_a_closed_form(table):
    # Parikh and Boyd (2014, sec. 6) list no closed form for log cosh; every other entry has one.
    assert [row.name for row in table.rows if not row.closed_form] == ["log-cosh"]


@pytest.mark.parametrize(
    ("name", "point", "inside", "outside"),
    [
        # Beck (2017), Example 6.8: soft thresholding maps [-lambda, lambda] to 0.
        ("abs", {"lambda": 1}, [0.0, 0.7, -0.99], [1.3, -1.5]),
        # Ridge (Parikh and Boyd 2014, sec. 6.1.1): only v = 0 maps to 0.
        ("square", {"lambda": 1}, [0.0], [0.05, -0.3]),
        # Hard thresholding at sqrt(2 lambda) (Blumensath and Davies 2008): 1.414... for lambda = 1.
        ("l0", {"lambda": 1}, [0.0, 1.3, -1.35], [1.5, -1.6]),
        # The hinge max(x, 0): 0 on [0, lambda] (Beck 2017, Example 6.14 with the shift).
        ("hinge", {"lambda": 1}, [0.0, 0.5, 0.95], [-0.5, 1.2]),
    ],
)
def test_zero_set_against_grid_minimisation(table, name, point, inside, outside):
    row = table.row(name)
    values = {s: point[s.name] for s in row.penalty.free_symbols if s.name in point}
    zero_set = row.zero_set.subs(values)
    for v in inside:
        assert zero_set.contains(sp.Float(v)) is sp.true
        assert abs(_grid_argmin(row.penalty, v, values)) < 1e-9
    for v in outside:
        assert zero_set.contains(sp.Float(v)) is sp.false
        assert abs(_grid_argmin(row.penalty, v, values)) > 1e-2


def test_sparse_rows_are_the_kinked_and_the_nonconvex_ones(table):
    """A non-degenerate zero set exactly where g has a kink at 0 or is not convex (zero-set theorem)."""
    interval = {row.name for row in table.rows if isinstance(row.zero_set, sp.Interval) and row.zero_set.measure != 0}
    assert {"abs", "elastic-net", "berhu", "l0", "scad", "mcp", "bridge-1/2", "bridge-2/3"} <= interval
    assert not interval & {"square", "power-4/3", "power-3/2", "power-3", "power-4", "huber", "exp", "log-barrier"}


def test_mutated_row_is_caught_by_the_grid_reference(table):
    """The check above can fail: a zero set claimed for ridge is refuted by the grid minimiser."""
    row = table.row("square")
    assert abs(_grid_argmin(row.penalty, 0.5, {lam: 1})) > 1e-2


def test_unknown_name_raises_option_error():
    with pytest.raises(OptionError, match="catalogue"):
        prox_table(names=("nope",))


def test_markdown_has_one_line_per_row_and_no_bare_pipes_in_math(table):
    lines = table.to_markdown().strip().splitlines()
    assert len(lines) == 2 + len(table.rows)
    assert all(line.count(" | ") == len(COLUMNS) - 1 for line in lines[2:])


def test_text_view_names_every_row(table):
    text = table.to_text()
    assert all(f"{row.name} (" in text for row in table.rows)
    assert "no closed form; prox(v) is the root of" in text


def test_html_view_is_mathml(table):
    from derive.html import DeriveHtmlPrinter

    out = table._html(DeriveHtmlPrinter())
    assert out.count("<tr>") == len(table.rows) + 1
    assert "<math" in out and "$" not in out


def test_latex_compiles(table, tmp_path):
    if shutil.which("pdflatex") is None:
        if os.environ.get("CI"):
            pytest.fail("pdflatex is required on CI to check that the table compiles")
        pytest.skip("pdflatex not installed")
    from derive.prox_table import LATEX_PACKAGES

    result = compile_theorems(table.to_latex(), tmp_path, packages=LATEX_PACKAGES)
    assert result.returncode == 0, result.stdout[-2000:]


def test_group_lasso_row_zero_claim_against_a_grid_in_two_dimensions(table):
    """The row says: prox of lambda*||x||_2 is 0 iff sigma = ||v||_2 <= lambda (Beck 2017, Example 6.19)."""
    row = table.row("group_lasso")
    assert row.block and row.zero_set.as_relational(row.derivation.variable).subs(
        {row.derivation.variable: 0.9, lam: 1}
    )

    def argmin(v1: float, v2: float) -> tuple[float, float]:
        grid = [i / 200 for i in range(-400, 401)]
        return min(
            ((a, b) for a in grid for b in grid),
            key=lambda p: (p[0] ** 2 + p[1] ** 2) ** 0.5 + ((p[0] - v1) ** 2 + (p[1] - v2) ** 2) / 2,
        )

    assert argmin(0.6, -0.7) == (0.0, 0.0)  # ||v|| = 0.92 <= 1
    assert argmin(1.2, -0.9) != (0.0, 0.0)  # ||v|| = 1.5 > 1


def test_text_and_markdown_show_the_theta_equation_of_the_l1_ball(table):
    assert "where theta >= 0 solves sum_{i=1}^{n} max(|v_i| - theta, 0) = r" in table.to_text()
    assert r"\sum_{i=1}^{n}" in table.to_markdown()
