"""The README and the guides: short, their links resolve, their code runs, the task table is
the one `zoo tasks --markdown` prints."""

import re
from pathlib import Path

import pytest

from zoo.commands.tasks import markdown_table
from zoo.tasks import all_tasks

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
PAGES = [README, *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)#\s]+)(?:#[^)]*)?\)")


def test_the_readme_is_short():
    assert len(README.read_text().splitlines()) <= 300


def test_the_readme_task_table_is_what_zoo_tasks_prints():
    text = README.read_text()
    assert markdown_table(all_tasks()) in text


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_resolves(page):
    targets = [
        target
        for target in LINK.findall(page.read_text())
        if not target.startswith(("http://", "https://", "mailto:"))
    ]
    missing = [target for target in targets if not (page.parent / target).exists()]
    assert missing == []


@pytest.mark.slow
def test_the_readme_python_runs(tmp_path, monkeypatch):
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(), re.DOTALL)
    assert blocks
    monkeypatch.chdir(tmp_path)
    for block in blocks:
        exec(compile(block, "README.md", "exec"), {})
    import keras

    import zoo.models

    reloaded = keras.saving.load_model(tmp_path / "classifier.keras")
    assert isinstance(reloaded, zoo.models.TransformerClassifier)
