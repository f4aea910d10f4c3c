r"""Jupyter notebooks that rebuild a derivation cell by cell with the toolkit's API.

``write_notebook("soft-threshold", "soft.ipynb")`` writes a notebook whose
cells import the toolkit, build the derivation, show each checked step in its
own cell (through :class:`StepView`'s ``_repr_latex_``), show the whole
derivation, and evaluate the result numerically.  Theorems from
:data:`proofs.THEOREMS` work the same way.

The code in the notebook is not typed twice: a recipe is a small function
here, and the notebook's code cells are that function's own source (its
imports, then ``d = <the expression it returns>``), read with :mod:`ast`.
Running the recipe here is how the number of step cells is known.

Examples
--------
>>> notebook_names()[:3]
('soft-threshold', 'ridge-shrinkage', 'elastic-net')
>>> print(recipe_code("soft-threshold")[1])
d = prox(lam * sp.Abs(x), x, v)
"""

from __future__ import annotations

import ast
import inspect
import json
import os
import textwrap
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .errors import DeriveError, OptionError
from .io import write_text

if TYPE_CHECKING:  # pragma: no cover
    from .core import Derivation

__all__ = [
    "notebook_names",
    "NotebookError",
    "StepView",
    "show_step",
    "recipe_code",
    "build_notebook",
    "write_notebook",
]


class NotebookError(DeriveError):
    """A notebook cannot be written (for example, ``nbformat`` is not installed)."""


# -- showing one step ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class StepView:
    r"""Step ``number`` (1-based) of a derivation, displayed by Jupyter through ``_repr_latex_``.

    The LaTeX is the derivation printer's (``aligned`` environment, MathJax
    safe) for a copy of the derivation that keeps only this step, so a
    result stated by cases is shown by cases as in the full derivation.

    Examples
    --------
    >>> from derive.prox import prox
    >>> from derive.symbols import x, v, lam
    >>> view = show_step(prox(lam * x**2, x, v), 1)
    >>> print(view._repr_latex_().splitlines()[1])
    g\left(x\right) &:= \lambda x^{2} \\
    >>> repr(view).startswith("<step 1 of ")
    True
    """

    derivation: Derivation
    number: int
    settings: tuple[tuple[str, Any], ...] = ()

    def __post_init__(self) -> None:
        count = len(self.derivation.steps)
        if not isinstance(self.number, int) or not 1 <= self.number <= count:
            raise OptionError(f"step {self.number!r} does not exist: {self.derivation.title!r} has steps 1 to {count}")

    def _repr_latex_(self) -> str:
        from .printing.latex import derivation_to_latex

        step = self.derivation.steps[self.number - 1]
        alone = replace(self.derivation, steps=(step,), lhs=None)
        return "$$" + derivation_to_latex(alone, environment="aligned", **dict(self.settings)) + "$$"

    def __repr__(self) -> str:
        return f"<step {self.number} of {len(self.derivation.steps)} of {self.derivation.title!r}>"


def show_step(derivation: Derivation, number: int, **settings: Any) -> StepView:
    """Step ``number`` (counting from 1) of ``derivation``, for display in a notebook.

    Parameters
    ----------
    derivation : Derivation
        The derivation (for a theorem, its ``proof``).
    number : int
        Which step, from 1 to ``len(derivation.steps)``.
    **settings
        Settings of the LaTeX printer (``notation={"lambda": r"\alpha"}``, ...).

    Returns
    -------
    StepView
        An object Jupyter displays as the step's LaTeX.

    Raises
    ------
    OptionError
        For a step number out of range.
    """
    return StepView(derivation, number, tuple(sorted(settings.items())))


# -- recipes: the code each notebook runs ------------------------------------------------------


def _soft_threshold() -> Any:
    """The proximal operator of lambda*|x|: soft thresholding, with exact zeros on [-lambda, lambda]."""
    import sympy as sp

    from derive.prox import prox
    from derive.symbols import lam, v, x

    return prox(lam * sp.Abs(x), x, v)


def _ridge_shrinkage() -> Any:
    """The proximal operator of lambda*x^2/2: proportional shrinkage, zero only at v = 0."""
    from derive.prox import prox
    from derive.symbols import lam, v, x

    return prox(lam * x**2 / 2, x, v)


def _elastic_net() -> Any:
    """The proximal operator of the elastic net lambda*|x| + mu/2*x^2: soft thresholding, then shrinkage."""
    import sympy as sp

    from derive.prox import prox
    from derive.symbols import lam, mu, v, x

    return prox(lam * sp.Abs(x) + mu / 2 * x**2, x, v)


def _subdifferential_abs() -> Any:
    """The subdifferential of lambda*|x|: the interval [-lambda, lambda] at the kink."""
    import sympy as sp

    from derive.subgradient import subdifferential
    from derive.symbols import lam, x

    return subdifferential(lam * sp.Abs(x), x)


def _lasso_estimator() -> Any:
    """The lasso estimate for an orthonormal design, coordinate by coordinate (ESL convention)."""
    from derive.estimators import estimator

    return estimator("lasso", convention="esl")


def _ridge_estimator() -> Any:
    """The ridge estimate for an orthonormal design, coordinate by coordinate (ESL convention)."""
    from derive.estimators import estimator

    return estimator("ridge", convention="esl")


_DERIVATION_RECIPES: Mapping[str, Callable[[], Any]] = MappingProxyType(
    {
        "soft-threshold": _soft_threshold,
        "ridge-shrinkage": _ridge_shrinkage,
        "elastic-net": _elastic_net,
        "subdifferential-abs": _subdifferential_abs,
        "lasso-estimator": _lasso_estimator,
        "ridge-estimator": _ridge_estimator,
    }
)


def _theorem_names() -> tuple[str, ...]:
    from proofs import THEOREMS

    return tuple(THEOREMS)


def notebook_names() -> tuple[str, ...]:
    """Every name :func:`write_notebook` accepts: the derivation recipes, then the theorems.

    Examples
    --------
    >>> "soft-threshold" in notebook_names() and "zero-set" in notebook_names()
    True
    """
    return (*_DERIVATION_RECIPES, *_theorem_names())


def _check_name(name: str) -> str:
    """``"derivation"`` or ``"theorem"``; raise listing the names for an unknown one."""
    if isinstance(name, str) and name in _DERIVATION_RECIPES:
        return "derivation"
    if isinstance(name, str) and name in _theorem_names():
        return "theorem"
    raise OptionError(f"unknown notebook {name!r}; choose one of {', '.join(notebook_names())}")


def recipe_code(name: str) -> tuple[str, str]:
    """The code of notebook ``name``: its imports, and the line that builds the object.

    For a derivation recipe both come from the recipe function's source; for
    a theorem they are the ``prove`` call.

    Returns
    -------
    (str, str)
        ``(imports, build)``; ``build`` assigns ``d`` (a derivation) or ``t`` (a theorem).

    Examples
    --------
    >>> print(recipe_code("lasso-estimator")[1])
    d = estimator("lasso", convention="esl")
    >>> print(recipe_code("zero-set")[1])
    t = prove("zero-set")
    """
    if _check_name(name) == "theorem":
        return "from proofs import prove", f"t = prove({json.dumps(name)})"
    source = textwrap.dedent(inspect.getsource(_DERIVATION_RECIPES[name]))
    function = ast.parse(source).body[0]
    if not isinstance(function, ast.FunctionDef):  # pragma: no cover - the recipes above are functions
        raise TypeError(f"recipe {name!r} is not a function")
    imports = [s for s in function.body if isinstance(s, ast.Import | ast.ImportFrom)]
    returns = [s for s in function.body if isinstance(s, ast.Return) and s.value is not None]
    lines = source.splitlines()
    groups = textwrap.dedent("\n".join(lines[imports[0].lineno - 1 : imports[-1].end_lineno])) if imports else ""
    build = f"d = {ast.get_source_segment(source, returns[-1].value)}"  # type: ignore[arg-type]
    return groups, build


def _build(name: str) -> Any:
    if _check_name(name) == "theorem":
        from proofs import prove

        return prove(name)
    return _DERIVATION_RECIPES[name]()


# -- the notebook ---------------------------------------------------------------------------


def _nbformat() -> Any:
    try:
        import nbformat
    except ImportError as exc:  # pragma: no cover - exercised only without the package
        raise NotebookError(
            "writing notebooks needs nbformat: pip install nbformat (or the project's [notebook] extra)"
        ) from exc
    return nbformat


def _settings_code(settings: Mapping[str, Any]) -> str:
    if not settings:
        return ""
    for key, value in settings.items():
        if not isinstance(value, str | bool | int | float | dict):
            raise OptionError(f"notebook setting {key}={value!r}: only plain values can be written into a notebook")
    return ", " + ", ".join(f"{key}={value!r}" for key, value in sorted(settings.items()))


def build_notebook(name: str, **settings: Any) -> Any:
    """The notebook for ``name`` as an ``nbformat`` object (version 4), with fixed cell ids.

    Parameters
    ----------
    name : str
        One of :func:`notebook_names`.
    **settings
        LaTeX printer settings written into each ``show_step`` call
        (``notation={"lambda": "\\alpha"}``); the printer validates them here, so a
        misspelt one raises now and not in the notebook.

    Returns
    -------
    nbformat.NotebookNode
        A valid notebook (checked with ``nbformat.validate``).
    """
    kind = _check_name(name)
    nbformat = _nbformat()
    obj = _build(name)
    derivation = obj.proof if kind == "theorem" else obj
    var = "t.proof" if kind == "theorem" else "d"
    show_step(derivation, 1, **settings)._repr_latex_()  # validates the settings
    extra = _settings_code(settings)
    imports, build = recipe_code(name)
    v4 = nbformat.v4
    cells: list[Any] = []

    def markdown(text: str) -> None:
        cells.append(v4.new_markdown_cell(text, id=f"cell-{len(cells) + 1:03d}"))

    def code(text: str) -> None:
        cells.append(v4.new_code_cell(text, id=f"cell-{len(cells) + 1:03d}"))

    count = len(derivation.steps)
    title = obj.title if kind == "theorem" else derivation.title
    markdown(
        f"# {title}\n\n"
        f"Generated by `derive notebook {name}`. The cells below rebuild the "
        f"{'theorem' if kind == 'theorem' else 'derivation'} with the toolkit's API; every step was checked "
        f"when it was added (a step that fails its check raises), and each is shown on its own below."
    )
    code(f"{imports}\n\nfrom derive.notebook import show_step")
    if kind == "theorem":
        code(f"{build}\nt.verdict")
        markdown(f"**Theorem ({obj.title}).** {obj.statement_latex}")
    else:
        code(f"{build}\nd.methods")
    for number, step in enumerate(derivation.steps, start=1):
        markdown(f"**Step {number} of {count}** (checked: {step.check.method})")
        code(f"show_step({var}, {number}{extra})")
    if kind == "theorem":
        markdown("The verdict is computed from the checks; the cases the theorem was checked on:")
        code("t.holds, t.instances")
    else:
        markdown("The whole derivation:")
        code("d")
        if derivation.variable is not None:
            from .printing.latex import expr_to_latex

            markdown(
                f"The result as a NumPy function of ${expr_to_latex(derivation.variable, **settings)}$ "
                "(parameters set to 1), evaluated on a grid:"
            )
            code(
                "import numpy as np\n\n"
                "f = d.numeric()\n"
                "grid = np.linspace(-3, 3, 13)\n"
                "f(grid, *[1.0] * len(d.parameters))"
            )
    notebook = v4.new_notebook(cells=cells)
    notebook.metadata = {
        "kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
        "language_info": {"name": "python"},
    }
    nbformat.validate(notebook)
    return notebook


def write_notebook(name: str, path: str | os.PathLike[str], **settings: Any) -> Path:
    """Write the notebook for ``name`` to ``path`` (atomically); return the path.

    The file is the same bytes every time for the same name and settings
    (fixed cell ids, no outputs, no execution counts).

    Raises
    ------
    OptionError
        For an unknown name (the message lists the known ones).
    TypeError
        For an unknown printer setting.
    NotebookError
        When ``nbformat`` is not installed.

    Examples
    --------
    >>> write_notebook("pythagoras", "x.ipynb")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    derive.errors.OptionError: unknown notebook 'pythagoras'; choose one of soft-threshold, ridge-shrinkage, ...
    """
    notebook = build_notebook(name, **settings)
    return write_text(path, _nbformat().writes(notebook) + "\n")
