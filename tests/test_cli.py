"""The command line: outputs, and one-line errors with exit status 2."""

from __future__ import annotations

import subprocess
import sys

import pytest

from derive.cli import main


def run(capsys, *argv):
    status = main(list(argv))
    out, err = capsys.readouterr()
    return status, out, err


def test_prox_text(capsys):
    status, out, err = run(capsys, "prox", "lambda*abs(x)")
    assert status == 0 and err == ""
    assert "lambda" in out and "sign" in out


def test_prox_latex_and_markdown(capsys):
    status, out, _ = run(capsys, "prox", "lambda*abs(x)", "--format", "latex")
    assert status == 0 and r"\begin{align*}" in out and r"\operatorname{sign}" in out
    status, out, _ = run(capsys, "prox", "lambda*abs(x)", "--format", "markdown")
    assert status == 0 and "$$" in out


def test_prox_indicator_with_assumption(capsys):
    status, out, err = run(capsys, "prox", "indicator(x, a, b)", "--assume", "a<b")
    assert status == 0, err
    assert "a" in out and "b" in out


def test_subgradient_and_estimator(capsys):
    status, out, _ = run(capsys, "subgradient", "lambda*abs(x) + mu/2*x^2")
    assert status == 0 and "lambda" in out
    status, out, _ = run(capsys, "estimator", "lasso", "--convention", "sklearn")
    assert status == 0 and "alpha" in out


def test_prove_lists_and_prints(capsys):
    status, out, _ = run(capsys, "prove")
    assert status == 0 and "zero-set" in out
    status, out, _ = run(capsys, "prove", "lasso-vs-ridge")
    assert status == 0 and "ridge" in out.lower()


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["prox", "__import__('os')"], "underscore"),
        (["prox", "lambda*abs(x"], ""),
        (["prox", "foo*abs(x)"], "unknown name 'foo'"),
        (["prox", "--route", "convex", "--", "-abs(x)"], "not convex"),
        (["prox", "-abs(x)"], "after --"),
        (["prox", "lambda*abs(z)"], "does not contain the variable x"),
        (["prox", "indicator(x, a, b)"], "cannot order"),
        (["estimator", "lassoo"], "unknown estimator"),
        (["estimator", "lasso", "--convention", "nope"], "unknown convention"),
        (["prove", "nope"], "nope"),
        (["prox"], "required"),
        (["prox", "lambda*abs(x)", "--format", "pdf"], "invalid choice"),
        (["frobnicate"], "invalid choice"),
        (["prox", "x^2", "--format", "latex", "--line-width", "-1"], "--line-width"),
        (["prove", "risk", "--format", "latex", "--form", "cases"], "no single result"),
    ],
)
def test_errors_are_one_line_status_2(capsys, argv, fragment):
    with pytest.raises(SystemExit) as exit_info:
        raise SystemExit(main(argv))
    out, err = capsys.readouterr()
    assert exit_info.value.code == 2
    assert out == ""
    assert err.count("\n") == 1 and err.startswith("derive")
    assert fragment in err
    assert "Traceback" not in err


def test_help_has_an_example(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["prox", "--help"])
    assert exit_info.value.code == 0
    assert "example: derive prox" in capsys.readouterr().out


def test_python_dash_m_entry_point():
    done = subprocess.run(
        [sys.executable, "-m", "derive", "prox", "foo(x)"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "unknown function" in done.stderr
    done = subprocess.run(
        [sys.executable, "-m", "derive", "estimator", "ridge"], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and "lambda" in done.stdout


def test_notation_and_form_options(capsys):
    status, out, _ = run(capsys, "estimator", "lasso", "--format", "latex", "--notation", "beta=w,lambda=alpha")
    assert status == 0
    assert r"\lambda" not in out and r"\alpha" in out and r"\hat{w}" in out and r"\beta" not in out
    status, out, _ = run(capsys, "prox", "lambda*abs(x)", "--format", "latex", "--form", "document")
    assert status == 0 and out.startswith(r"\documentclass") and out.rstrip().endswith(r"\end{document}")
    status, out, _ = run(capsys, "prove", "zero-set", "--format", "latex", "--notation", "lambda=alpha")
    assert status == 0 and r"\lambda" not in out and r"\begin{theorem}" in out
    status, out, _ = run(capsys, "estimator", "lasso", "--notation", "lambda=alpha")
    assert status == 0 and "alpha" in out and "lambda" not in out.split("Result:")[1]


@pytest.mark.parametrize("value", ["beta", "beta=", "beta=w{", "=w"])
def test_bad_notation_is_one_line_error(capsys, value):
    status, out, err = run(capsys, "estimator", "lasso", "--notation", value)
    assert status == 2 and out == "" and err.count("\n") == 1 and "--notation" in err


def test_installed_console_script():
    import shutil

    script = shutil.which("derive")
    if script is None:
        pytest.skip("the package is not installed (pip install .)")
    done = subprocess.run([script, "estimator", "ridge"], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and "z/(lambda + 1)" in done.stdout


def test_timeout_stops_cleanly_naming_the_step(capsys):
    # an expression no other test derives (derivations are memoised)
    status, out, err = run(capsys, "prox", "lambda*abs(x) + 3/7*max(x, 0)", "--timeout", "0.02")
    assert status == 2 and out == ""
    assert err.count("\n") == 1 and "time budget" in err


@pytest.mark.parametrize("value", ["0", "-1", "soon", "inf"])
def test_bad_timeout_is_one_line(capsys, value):
    with pytest.raises(SystemExit) as exit_info:
        main(["prove", "zero-set", "--timeout", value])
    assert exit_info.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "--timeout" in err


def test_section_form_prints_the_packages_it_needs_on_stderr(capsys, tmp_path):
    """`--form section` is pure LaTeX on stdout (to \\input); the preamble it needs goes to stderr."""
    status, out, err = run(capsys, "prox", "lambda*abs(x)", "--format", "latex", "--form", "section")
    assert status == 0 and out.startswith(r"\subsection*") and r"\documentclass" not in out
    assert err.startswith("derive: the section needs in the preamble:")
    packages = err.split(":", 2)[2].split()
    assert packages == [r"\usepackage{amsmath}", r"\usepackage{amssymb}", r"\usepackage{mathtools}"]
    status, out, err = run(capsys, "prove", "zero-set", "--format", "latex", "--form", "section")
    assert status == 0 and r"\newtheorem{theorem}{Theorem}" in err and r"\begin{theorem}" in out
    # The printed preamble is enough: a paper with exactly these lines compiles the section.
    import shutil

    if shutil.which("pdflatex") is None:
        pytest.skip("pdflatex not installed")
    preamble = err.split(":", 2)[2].replace(r"} \\", "}\n\\")
    (tmp_path / "section.tex").write_text(out)
    (tmp_path / "paper.tex").write_text(
        f"\\documentclass{{article}}\n{preamble}\n\\begin{{document}}\n\\input{{section}}\n\\end{{document}}\n"
    )
    result = subprocess.run(
        ["pdflatex", "-interaction=nonstopmode", "-halt-on-error", "paper.tex"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout[-1500:]


def test_prox_routes_a_nonconvex_expression_to_global_minimisation(capsys):
    """Default --route auto: -|x| is not convex, so the prox is found by global minimisation (set-valued at 0)."""
    status, out, err = run(capsys, "prox", "--", "-abs(x)")
    assert status == 0, err
    assert "global" in out and "{-1, 1}" in out
    # Brute force: argmin_x -|x| + (x - v)^2/2 at v = 0.3 is x = v + 1 = 1.3 (grid of step 1e-3).
    grid = [i / 1000 for i in range(-3000, 3001)]
    best = min(grid, key=lambda t: -abs(t) + (t - 0.3) ** 2 / 2)
    assert abs(best - 1.3) < 1e-9
    status, out, err = run(capsys, "prox", "--route", "convex", "--", "-abs(x)")
    assert status == 2 and "not convex" in err


def test_cases_form_is_the_result_alone_in_the_users_notation(capsys):
    status, out, err = run(
        capsys, "estimator", "lasso", "--format", "latex", "--form", "cases", "--notation", "beta=w,lambda=alpha"
    )
    assert status == 0, err
    assert out.startswith(r"\hat{w} = \begin{cases}") and r"\alpha" in out and r"\lambda" not in out
    assert "align" not in out and out.count("\n") == 1


def test_line_width_breaks_long_sums_and_zero_turns_it_off(capsys):
    expr = "x^4 + lambda*x^2 + mu*x^2 + delta*x^2 + a^2*x^2 + b^2*x^2 + c^2*x^2 + exp(x)"  # a long sum
    _, wide, _ = run(capsys, "subgradient", expr, "--format", "latex", "--line-width", "0")
    _, narrow, _ = run(capsys, "subgradient", expr, "--format", "latex", "--line-width", "60")
    assert narrow.count(r"&\quad") > wide.count(r"&\quad")


def test_figure_command_writes_the_figure_in_the_users_notation(capsys, tmp_path):
    """One command gives the figure matching a snippet: same notation, chosen width, byte-identical reruns."""
    out = tmp_path / "fig" / "threshold"
    argv = [
        "figure",
        "threshold_functions",
        str(out),
        "--width",
        "single",
        "--format",
        "pdf,svg",
        "--notation",
        "beta=w,lambda=alpha",
    ]
    status, text, err = run(capsys, *argv)
    assert status == 0, err
    assert text.strip() == f"wrote {out}.pdf, {out}.svg"
    svg = (tmp_path / "fig" / "threshold.svg").read_text()
    first = (tmp_path / "fig" / "threshold.pdf").read_bytes()
    assert run(capsys, *argv)[0] == 0
    assert (tmp_path / "fig" / "threshold.pdf").read_bytes() == first
    assert "lambda" not in svg  # the label is drawn as alpha (glyph paths), the old name appears nowhere


@pytest.mark.parametrize(
    ("argv", "fragment"),
    [
        (["figure", "nope", "x"], "unknown figure 'nope'"),
        (["figure", "risk_curves", "x", "--notation", "beta=w"], "does not take --notation"),
        (["figure", "bayes", "x", "--format", "jpg"], "--format takes pdf, svg, png, pgf"),
        (["figure", "bayes", "x", "--fontsize", "-3"], "--fontsize must be positive"),
    ],
)
def test_figure_command_errors_are_one_line(capsys, tmp_path, argv, fragment):
    argv = [*argv[:2], str(tmp_path / argv[2]), *argv[3:]]
    status, out, err = run(capsys, *argv)
    assert status == 2 and out == "" and err.count("\n") == 1 and fragment in err
    assert not list(tmp_path.iterdir())  # nothing written


def test_catalogue_as_a_markdown_table(capsys):
    from derive.block import block_entries
    from derive.catalogue import CATALOGUE

    status, out, err = run(capsys, "catalogue", "--format", "markdown")
    assert status == 0, err
    rows = out.strip().splitlines()[2:]
    assert len(rows) == len(CATALOGUE) + len(block_entries())
    assert rows[0].startswith("| abs (convex) | $\\lambda") and "group\\_lasso" in out
