"""The README stays true: its quick start, its CI command and its Python example."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text()


def _quick_start() -> str:
    return README.split("## Quick start", 1)[1].split("\n## ", 1)[0]


def test_quick_start_has_exactly_two_commands():
    commands = re.findall(r"```bash\n(.*?)```", _quick_start(), flags=re.S)
    lines = [line for block in commands for line in block.strip().splitlines()]
    assert lines == [
        "python3 -m pip install . && python3 -m derive report report",
        'python3 -m pip install ".[test]" && python3 -m pytest',
    ]


def test_ci_runs_the_readme_test_command_verbatim():
    test_command = 'python3 -m pip install ".[test]" && python3 -m pytest'
    ci = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test_command in ci


def test_the_identity_example_runs():
    section = README.split("### A test asserting an identity", 1)[1]
    code = re.search(r"```python\n(.*?)```", section, flags=re.S).group(1)
    namespace: dict = {}
    exec(compile(code, "README.md", "exec"), namespace)  # our own README, not user input


def test_the_student_example_output_is_real(capsys):
    from derive.cli import main

    section = README.split("### A student asking for a derivation", 1)[1]
    block = re.search(r"```console\n\$ derive prox 'lambda\*abs\(x\)'\n(.*?)```", section, flags=re.S).group(1)
    assert main(["prox", "lambda*abs(x)"]) == 0
    assert capsys.readouterr().out == block


def test_every_error_shown_in_the_readme_is_the_real_message(capsys):
    """Each `$ derive ...` line followed by `derive: error: ...` in a console block prints exactly that."""
    import shlex

    from derive.cli import main

    pairs = re.findall(r"^\$ (derive [^\n#]*?)\s*(?:#[^\n]*)?\n(derive: error: [^\n]*)$", README, flags=re.M)
    assert len(pairs) >= 2
    for command, message in pairs:
        assert main(shlex.split(command)[1:]) == 2, command
        assert capsys.readouterr().err.strip() == message, command


def test_the_snippet_example_output_is_real(capsys):
    import shlex

    from derive.cli import main

    command, shown = re.search(r"^\$ (derive estimator lasso [^\n]*)\n([^\n]*)$", README, flags=re.M).groups()
    assert main(shlex.split(command)[1:]) == 0
    assert capsys.readouterr().out.strip() == shown
