"""The ``derive`` command line.

Every failure the user can cause (a bad expression, an unknown name, a penalty
the method cannot handle, a bad option) prints one line on stderr and exits
with status 2; nothing prints a traceback.  Expressions are parsed by
:mod:`derive.parse`, never by ``eval`` or ``sympify``.
"""

from __future__ import annotations

import argparse
import re
import sys
from collections.abc import Sequence
from typing import Any, NoReturn

from .budget import DEFAULT_SECONDS, time_budget
from .errors import DeriveError, OptionError, ParseError

__all__ = ["main", "build_parser"]

FORMATS = ("text", "latex", "markdown")

_EPILOG = {
    "prox": "example: derive prox 'lambda*abs(x)' --format latex",
    "subgradient": "example: derive subgradient 'lambda*abs(x) + mu/2*x^2'",
    "estimator": "example: derive estimator lasso --convention sklearn",
    "prove": "example: derive prove zero-set   (no name: list the theorems)",
    "catalogue": "example: derive catalogue   (then: derive prox scad)",
    "report": "example: derive report report/   (writes report.tex, report.md, figures; report.pdf if pdflatex exists)",
}


class _Parser(argparse.ArgumentParser):
    """An argument parser whose errors are one line and exit status 2."""

    def error(self, message: str) -> NoReturn:
        if "required: EXPR" in message or "unrecognized arguments: -" in message:
            message += " (an expression starting with '-' goes after --: derive prox -- '-abs(x)')"
        self.exit(2, f"{self.prog}: error: {message}\n")


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not 0 < value < float("inf"):
        raise argparse.ArgumentTypeError(f"the time budget must be a positive number of seconds, got {text!r}")
    return value


def _add_timeout(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--timeout",
        type=_seconds,
        default=DEFAULT_SECONDS,
        metavar="SECONDS",
        help=f"stop symbolic work after SECONDS (default {DEFAULT_SECONDS:g}), naming the step that was running",
    )


def _line_width(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number of characters, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected 0 (never break) or a positive width, got {value}")
    return value


def _add_format(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument(
        "--form",
        choices=("snippet", "cases", "section", "document"),
        default="snippet",
        help="with --format latex: an align* snippet (default), the result alone as one equation (cases), a "
        "section to \\input (the packages it needs are printed on stderr), or a standalone document",
    )
    parser.add_argument(
        "--line-width",
        type=_line_width,
        default=None,
        metavar="N",
        help="with --format latex: break a right-hand side longer than N characters of LaTeX at its top-level "
        "terms (default 80; 0 never breaks)",
    )
    parser.add_argument(
        "--notation",
        default="",
        metavar="NAME=TEX,...",
        help="rename symbols in the output, e.g. beta=w,lambda=alpha (Greek names become \\alpha etc.)",
    )


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of the ``derive`` command."""
    parser = _Parser(
        prog="derive",
        description="Checked derivations of why L1 regularisation gives exact zeros and L2 does not.",
        epilog="example: derive prox 'lambda*abs(x)'",
    )
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    for name, helptext in (
        ("prox", "derive the proximal operator prox_g(v) = argmin_x g(x) + (x - v)^2/2"),
        ("subgradient", "derive the subdifferential of a convex penalty"),
    ):
        p = sub.add_parser(name, help=helptext, description=helptext, epilog=_EPILOG[name])
        p.add_argument(
            "expr",
            metavar="EXPR",
            help="penalty, e.g. 'lambda*abs(x)'; functions: abs max min sqrt exp "
            "log cosh huber(x, delta) indicator(x, a, b); for prox also a catalogue name (derive catalogue)",
        )
        p.add_argument("--var", default="x", help="the penalty's variable (default: x)")
        p.add_argument(
            "--assume",
            action="append",
            default=[],
            metavar="REL",
            help="a fact about parameters, e.g. 'a<b' (repeatable)",
        )
        if name == "prox":
            p.add_argument(
                "--route",
                choices=("auto", "convex", "global"),
                default="auto",
                help="auto (default): the convex algorithm when the penalty is convex, global minimisation when it is "
                "not (the derivation says which and why); convex: refuse a non-convex penalty; global: always "
                "enumerate candidates",
            )
        _add_format(p)
        _add_timeout(p)

    p = sub.add_parser(
        "estimator",
        help="derive a penalised least-squares estimate for an orthonormal design",
        description="Derive the lasso or ridge estimate for an orthonormal design, coordinate by coordinate.",
        epilog=_EPILOG["estimator"],
    )
    p.add_argument(
        "name",
        metavar="NAME",
        help="lasso, ridge, best_subset, l0, elastic_net, elastic_net_corrected, "
        "garrote, adaptive_lasso, scad, mcp, bridge, positive_lasso, group_lasso",
    )
    p.add_argument(
        "--convention", default="esl", help="objective convention: esl (default), tibshirani1996, sklearn or glmnet"
    )
    p.add_argument("--design", default="orthonormal", help="orthonormal (default), diagonal or general")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="a parameter value, e.g. gamma=2 or a=37/10 (repeatable)",
    )
    _add_format(p)
    _add_timeout(p)

    p = sub.add_parser(
        "convert",
        help="derive the map between two conventions' penalty weights",
        epilog="example: derive convert lasso --from sklearn --to esl",
    )
    p.add_argument("name", metavar="NAME", help="estimator name, e.g. lasso or elastic_net")
    p.add_argument("--from", dest="from_", required=True, metavar="CONV", help="esl, tibshirani1996, sklearn, glmnet")
    p.add_argument("--to", required=True, metavar="CONV", help="esl, tibshirani1996, sklearn, glmnet")
    _add_format(p)
    _add_timeout(p)

    p = sub.add_parser(
        "table",
        help="the table of shrinkage estimators for orthonormal designs",
        epilog="example: derive table --convention glmnet --format markdown",
    )
    p.add_argument("--convention", default="esl", help="esl (default), tibshirani1996, sklearn or glmnet")
    p.add_argument("--format", choices=("latex", "markdown"), default="markdown", help="output format")

    p = sub.add_parser("prove", help="print a machine-checked theorem", epilog=_EPILOG["prove"])
    p.add_argument("name", metavar="NAME", nargs="?", help="theorem name (omit to list them)")
    _add_format(p)
    _add_timeout(p)

    p = sub.add_parser(
        "report",
        help="write the full report (LaTeX, Markdown, figures, PDF when a TeX engine exists)",
        epilog=_EPILOG["report"],
    )
    p.add_argument("out", metavar="OUT", help="output directory (replaced atomically)")
    _add_timeout(p)
    pdf = p.add_mutually_exclusive_group()
    pdf.add_argument("--no-pdf", action="store_true", help="do not run the TeX engine even if it is installed")
    pdf.add_argument("--pdf", action="store_true", help="require report.pdf: fail if the TeX engine is missing")
    p.add_argument("--engine", choices=("pdflatex", "lualatex"), default="pdflatex", help="TeX engine for the PDF")
    p.add_argument("--html", action="store_true", help="also write html/: a static site, math as MathML, SVG figures")

    p = sub.add_parser(
        "notebook",
        help="write a Jupyter notebook that rebuilds a derivation cell by cell",
        epilog="example: derive notebook soft-threshold soft.ipynb",
    )
    p.add_argument("name", metavar="NAME", help="derivation or theorem name (see derive.notebook.notebook_names())")
    p.add_argument("out", metavar="OUT.ipynb", help="notebook file to write (atomically)")
    p.add_argument("--notation", default="", metavar="NAME=TEX,...", help="rename symbols, e.g. beta=w")

    p = sub.add_parser(
        "figure",
        help="draw one of the report's figures from the derived results, in your notation and column width",
        description="Draw a figure (data computed from the derivations) and save it deterministically.",
        epilog="example: derive figure threshold_functions fig/threshold --width single --format pdf,pgf "
        "--notation beta=w,lambda=alpha",
    )
    p.add_argument("name", metavar="NAME", help="figure name: " + ", ".join(_figure_names()))
    p.add_argument("out", metavar="OUT", help="path without extension; OUT.<format> is written (atomically)")
    p.add_argument("--width", choices=("single", "double"), default=None, help="one column or the page")
    p.add_argument("--fontsize", type=float, default=None, metavar="PT", help="base font size in points")
    p.add_argument("--format", default="pdf", metavar="FMT,...", help="pdf, svg, png, pgf (comma separated)")
    p.add_argument("--notation", default="", metavar="NAME=TEX,...", help="rename symbols, e.g. beta=w,lambda=alpha")

    p = sub.add_parser(
        "catalogue",
        help="list the catalogue of penalties: name, penalty, convex or not, prox in one line",
        description="List every catalogue entry with its derived prox (derive prox NAME prints the derivation).",
        epilog=_EPILOG["catalogue"],
    )
    p.add_argument(
        "--format",
        choices=("text", "markdown", "latex"),
        default="text",
        help="text (default): one block per entry; markdown or latex: the report's table (penalty, prox, zero set, "
        "threshold; LaTeX as a longtable)",
    )
    return parser


def _figure_names() -> list[str]:
    from .report import FIGURE_MAKERS

    return list(FIGURE_MAKERS)


def _figure(args: argparse.Namespace) -> str:
    import importlib
    import inspect

    from .report import FIGURE_MAKERS

    if args.name not in FIGURE_MAKERS:
        raise OptionError(f"unknown figure {args.name!r}; choose one of {', '.join(FIGURE_MAKERS)}")
    formats = tuple(f.strip() for f in args.format.split(",") if f.strip())
    unknown = sorted(set(formats) - {"pdf", "svg", "png", "pgf"})
    if unknown or not formats:
        raise OptionError(f"--format takes pdf, svg, png, pgf (comma separated), got {args.format!r}")
    module, function = FIGURE_MAKERS[args.name]
    make = getattr(importlib.import_module(module), function)
    accepted = inspect.signature(make).parameters
    options: dict[str, Any] = {}
    for key, value in (("width", args.width), ("fontsize", args.fontsize), ("notation", _notation(args.notation))):
        if value is None or value == {}:
            continue
        if key not in accepted:
            raise OptionError(f"the figure {args.name!r} does not take --{key}")
        options[key] = value
    if "fontsize" in options and not options["fontsize"] > 0:
        raise OptionError(f"--fontsize must be positive, got {args.fontsize}")
    from figures.save import save_figure

    fig, _ = make(**options)
    written = save_figure(fig, args.out, formats=formats)
    return "wrote " + ", ".join(str(path) for path in written)


_GREEK = frozenset(
    "alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu nu xi pi rho sigma tau upsilon phi chi "
    "psi omega".split()
)


def _notation(text: str) -> dict[str, str]:
    """Parse ``beta=w,lambda=alpha`` into printer notation (``{"beta": "w", "lambda": "\\alpha"}``)."""
    mapping: dict[str, str] = {}
    for item in filter(None, (part.strip() for part in text.split(","))):
        name, sep, shown = item.partition("=")
        name, shown = name.strip(), shown.strip()
        if not sep or not name or not shown:
            raise OptionError(f"--notation expects NAME=SHOWN pairs separated by commas, got {item!r}")
        if not re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", shown):
            raise OptionError(f"--notation: {shown!r} is not a plain name (letters and digits)")
        mapping[name] = f"\\{shown}" if shown in _GREEK else shown
    return mapping


def _render(obj: Any, args: argparse.Namespace) -> str:
    settings: dict[str, Any] = {}
    notation = _notation(getattr(args, "notation", ""))
    if notation:
        settings["notation"] = notation
    fmt = args.format
    if fmt == "latex":
        form = getattr(args, "form", "snippet")
        width = getattr(args, "line_width", None)
        if width is not None:
            settings["line_width"] = width or None
        if form == "section":
            _print_requirements(obj)
        if hasattr(obj, "proof"):  # a theorem: theorem + proof environments
            if form == "cases":
                raise OptionError("a theorem has no single result: --form cases is for prox, subgradient, estimator")
            return obj.to_latex(**settings)
        return obj.to_latex(form=form, **settings)
    if fmt == "markdown":
        return obj.to_markdown(**settings)
    if notation:
        settings["notation"] = {k: v.lstrip("\\") for k, v in notation.items()}
    return obj.to_text(**settings)


def _print_requirements(obj: Any) -> None:
    """Say on stderr what the preamble of the paper that ``\\input``s a section needs (stdout stays pure LaTeX)."""
    from .printing.latex import latex_preamble

    lines = latex_preamble().splitlines()
    if hasattr(obj, "proof"):
        from proofs.core import LATEX_PREAMBLE

        lines += LATEX_PREAMBLE.strip().splitlines()
    print("derive: the section needs in the preamble: " + " ".join(lines), file=sys.stderr)


def _parse_assumptions(texts: Sequence[str]) -> Any:
    import sympy as sp

    from .parse import parse_expression

    facts: list[Any] = []
    for text in texts:
        for op, build in (("<=", sp.Le), (">=", sp.Ge), ("<", sp.Lt), (">", sp.Gt)):
            if op in text:
                left, _, right = text.partition(op)
                facts.append(build(parse_expression(left), parse_expression(right)))
                break
        else:
            raise ParseError(f"--assume needs a relation such as 'a<b', got {text!r}")
    return sp.And(*facts) if facts else sp.true


def _params(texts: Sequence[str]) -> dict[str, Any]:
    """``["gamma=2", "a=37/10"]`` to ``{"gamma": 2, "a": 37/10}``, values parsed without eval."""
    from .parse import parse_expression

    params: dict[str, Any] = {}
    for text in texts:
        name, sep, value = text.partition("=")
        if not sep or not name.strip() or not value.strip():
            raise OptionError(f"--param expects NAME=VALUE, got {text!r}")
        params[name.strip()] = parse_expression(value, symbols={})
    return params


def _variable(name: str) -> Any:
    from .symbols import DEFAULT_SYMBOLS

    if name not in DEFAULT_SYMBOLS:
        raise OptionError(f"unknown variable {name!r}; choose one of {', '.join(DEFAULT_SYMBOLS)}")
    return DEFAULT_SYMBOLS[name]


def _catalogue_prox(args: argparse.Namespace) -> Any:
    """The derivation of a catalogue entry (its own variable and facts, plus any --assume)."""
    import sympy as sp

    from .catalogue import entry
    from .prox import prox
    from .symbols import v, x

    chosen = entry(args.expr)
    if args.var != "x":
        raise OptionError(f"the catalogue entry {args.expr!r} is a penalty in x; drop --var")
    facts = sp.And(chosen.context, _parse_assumptions(args.assume))
    return prox(chosen.penalty, x, v, assumptions=facts, route=args.route)


def _run(args: argparse.Namespace) -> str:
    if args.command in ("prox", "subgradient"):
        from .parse import parse_expression
        from .symbols import v

        if args.command == "prox":
            from .catalogue import names as catalogue_names

            if args.expr in catalogue_names():
                return _render(_catalogue_prox(args), args)
            from .block import block_names, block_prox

            if args.expr in block_names():
                if args.var != "x" or args.assume:
                    raise OptionError(f"the block entry {args.expr!r} takes no --var or --assume")
                return _render(block_prox(args.expr), args)
        from .validate import validate_penalty

        expr = parse_expression(args.expr)
        variable = _variable(args.var)
        validate_penalty(expr, variable, argument=v if args.command == "prox" else None)
        assumptions = _parse_assumptions(args.assume)
        if args.command == "prox":
            from .prox import prox

            if variable == v:
                raise OptionError("the variable cannot be v: v is the argument of the prox")
            return _render(prox(expr, variable, v, assumptions=assumptions, route=args.route), args)
        from .subgradient import subdifferential

        return _render(subdifferential(expr, variable, assumptions=assumptions), args)
    if args.command == "catalogue":
        if args.format != "text":
            from .prox_table import prox_table

            table = prox_table()
            return table.to_latex() if args.format == "latex" else table.to_markdown()
        from .block import block_catalogue_text
        from .catalogue import catalogue_text

        return catalogue_text() + "\n\n" + block_catalogue_text()
    if args.command == "estimator":
        from .estimators import estimator

        params = _params(args.param)
        return _render(estimator(args.name, convention=args.convention, design=args.design, **params), args)
    if args.command == "convert":
        from .conventions import convert

        return _render(convert(args.name, args.from_, args.to), args)
    if args.command == "table":
        from .shrinkage_table import shrinkage_table

        table = shrinkage_table(args.convention)
        return table.to_latex() if args.format == "latex" else table.to_markdown()
    if args.command == "prove":
        from proofs import THEOREMS, prove

        if args.name is None:
            return "\n".join(f"{name}" for name in THEOREMS)
        return _render(prove(args.name), args)
    if args.command == "report":
        from .report import write_report

        pdf = False if args.no_pdf else (True if args.pdf else None)
        return write_report(args.out, pdf=pdf, engine=args.engine, html=args.html)
    if args.command == "figure":
        return _figure(args)
    if args.command == "notebook":
        from .notebook import write_notebook

        notation = _notation(args.notation)
        return f"wrote {write_notebook(args.name, args.out, **({'notation': notation} if notation else {}))}"
    raise OptionError(f"unknown command {args.command!r}")  # pragma: no cover - argparse prevents it


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        with time_budget(getattr(args, "timeout", None), f"derive {args.command}"):
            output = _run(args)
    except DeriveError as exc:
        from .latex_build import LatexBuildError

        lines = str(exc).splitlines() or [type(exc).__name__]
        # A failed TeX run reports one line per error of its log; anything else is one line.
        for line in lines if isinstance(exc, LatexBuildError) else lines[:1]:
            print(f"derive: error: {line}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("derive: interrupted", file=sys.stderr)
        return 130
    sys.stdout.write(output if output.endswith("\n") else output + "\n")
    return 0
