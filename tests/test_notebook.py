"""Notebooks: the cells are the recipe's code, the file is deterministic, and it executes cleanly with nbclient."""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import numpy as np
import pytest

from derive.errors import OptionError
from derive.notebook import build_notebook, notebook_names, recipe_code, show_step, write_notebook
from derive.prox import prox
from derive.symbols import lam, v, x

ROOT = Path(__file__).resolve().parents[1]

try:
    import nbformat
except ImportError:  # pragma: no cover - only where the test extra is not installed
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("nbformat not installed", allow_module_level=True)


def soft_threshold(values: np.ndarray, t: float) -> np.ndarray:
    """The textbook soft-thresholding operator sign(z) max(|z| - t, 0), independent of the toolkit."""
    return np.sign(values) * np.maximum(np.abs(values) - t, 0.0)


def test_names_cover_the_recipes_and_the_theorems():
    from proofs import THEOREMS

    names = notebook_names()
    assert names[:2] == ("soft-threshold", "ridge-shrinkage") and set(THEOREMS) <= set(names)
    with pytest.raises(OptionError, match=r"unknown notebook 'lasso'; choose one of soft-threshold, .*zero-set"):
        write_notebook("lasso", "unused.ipynb")


def test_code_cells_are_the_recipe_source():
    imports, build = recipe_code("soft-threshold")
    assert build == "d = prox(lam * sp.Abs(x), x, v)"
    assert imports.splitlines() == [
        "import sympy as sp",
        "",
        "from derive.prox import prox",
        "from derive.symbols import lam, v, x",
    ]
    notebook = build_notebook("soft-threshold")
    sources = [cell.source for cell in notebook.cells if cell.cell_type == "code"]
    assert sources[0].startswith(imports) and sources[1].startswith(build)
    steps = [s for s in sources if s.startswith("show_step(")]
    assert steps == [f"show_step(d, {n})" for n in range(1, len(prox(lam * abs(x), x, v).steps) + 1)]


def test_same_bytes_twice_and_fixed_ids(tmp_path: Path):
    first = write_notebook("ridge-shrinkage", tmp_path / "a.ipynb")
    second = write_notebook("ridge-shrinkage", tmp_path / "b.ipynb")
    assert first.read_bytes() == second.read_bytes()
    data = json.loads(first.read_text())
    assert data["nbformat"] == 4 and data["metadata"]["kernelspec"]["name"] == "python3"
    assert [c["id"] for c in data["cells"]] == [f"cell-{i:03d}" for i in range(1, len(data["cells"]) + 1)]


def test_step_view_latex_and_range():
    d = prox(lam * abs(x), x, v)
    latex = show_step(d, len(d.steps), notation={"lambda": r"\alpha"})._repr_latex_()
    assert latex.startswith(r"$$\begin{aligned}") and latex.endswith(r"\end{aligned}$$")
    assert r"\alpha" in latex and r"\lambda" not in latex
    with pytest.raises(OptionError, match=r"step 0 does not exist: .* has steps 1 to \d+"):
        show_step(d, 0)
    with pytest.raises(TypeError):
        build_notebook("soft-threshold", notaton={})


# -- executing the notebooks ----------------------------------------------------------------------


def _execute(path: Path):
    try:
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("nbclient and ipykernel are required on CI (pyproject's test extra)")
        pytest.skip("nbclient not installed")
    notebook = nbformat.read(path, as_version=4)
    client = NotebookClient(notebook, timeout=300, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    try:
        client.execute()
    except CellExecutionError as exc:  # pragma: no cover - the failure message is the point
        pytest.fail(f"{path.name} failed to execute: {exc}")
    return notebook


def _outputs(notebook) -> list[tuple[str, list]]:
    return [(cell.source, cell.outputs) for cell in notebook.cells if cell.cell_type == "code"]


def test_soft_threshold_notebook_executes_and_shows_each_step(tmp_path: Path):
    path = write_notebook("soft-threshold", tmp_path / "soft.ipynb")
    executed = _execute(path)
    cells = _outputs(executed)
    assert all(o.output_type != "error" for _, outputs in cells for o in outputs)
    steps = [(s, outputs) for s, outputs in cells if s.startswith("show_step(")]
    assert steps and all(
        len(outputs) == 1 and outputs[0]["data"]["text/latex"].startswith(r"$$\begin{aligned}") for _, outputs in steps
    )
    whole = next(outputs for s, outputs in cells if s == "d")
    assert whole[0]["data"]["text/latex"].count(r"\\") >= len(steps)
    numeric = cells[-1][1][0]["data"]["text/plain"]
    values = np.array([float(t) for t in re.findall(r"-?\d+\.?\d*(?:e[-+]?\d+)?", numeric)])
    grid = np.linspace(-3, 3, 13)
    np.testing.assert_allclose(values, soft_threshold(grid, 1.0), rtol=0, atol=1e-12)
    assert np.count_nonzero(values == 0) == 5  # exact zeros on [-1, 1]


def test_theorem_notebook_executes_with_notation(tmp_path: Path):
    path = write_notebook("lasso-vs-ridge", tmp_path / "theorem.ipynb", notation={"lambda": r"\alpha"})
    executed = _execute(path)
    cells = _outputs(executed)
    assert all(o.output_type != "error" for _, outputs in cells for o in outputs)
    verdict = next(outputs for s, outputs in cells if s.startswith("t = prove("))
    assert verdict[0]["data"]["text/plain"] == "'holds'"
    latex = [o["data"]["text/latex"] for s, outputs in cells if s.startswith("show_step(") for o in outputs]
    assert latex and all(r"\lambda" not in t for t in latex) and any(r"\alpha" in t for t in latex)
