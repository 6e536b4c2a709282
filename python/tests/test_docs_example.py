"""The example of docs/python.md runs as written, from the repository's root."""

import os
import re

from conftest import ROOT


def test_docs_example_runs(capsys):
    text = (ROOT / "docs" / "python.md").read_text()
    example = re.search(r"```python\n(.*?)```", text, re.S).group(1)
    cwd = os.getcwd()
    os.chdir(ROOT)
    try:
        exec(compile(example, "docs/python.md", "exec"), {})
    finally:
        os.chdir(cwd)
    printed = capsys.readouterr().out
    assert "model mlp, batch 64" in printed and "'accuracy'" in printed
