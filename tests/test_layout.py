"""The package's shape: one installed top-level package, one-way dependencies,
task files that run as scripts."""

import ast
import shutil
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# What each part of the package may import from the zoo. Commands, the exam
# and practice sit on top; serving stands apart from everything else.
ALLOWED = {
    "zoo.layers": {"zoo.layers"},
    "zoo.models": {"zoo.layers", "zoo.models"},
    "zoo.serving": {"zoo.serving"},
    # The exam's starter files are the learner's: standard library, NumPy and TensorFlow only.
    "zoo.exam.starters": set(),
}
ABOVE_TASKS = {"zoo.__main__", "zoo.cli", "zoo.commands", "zoo.exam", "zoo.demo", "zoo.lab"}


def module_name(path):
    relative = path.relative_to(ROOT).with_suffix("")
    parts = list(relative.parts)
    if parts[0] == "tasks":
        parts[0:1] = ["zoo", "tasks"]
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def zoo_imports(path):
    """Every `zoo...` module a file imports, at top level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found |= {node.module} | {f"{node.module}.{alias.name}" for alias in node.names}
    return {name for name in found if name == "zoo" or name.startswith("zoo.")}


def part_of(name, parts):
    return next((p for p in parts if name == p or name.startswith(p + ".")), None)


SOURCES = sorted([*ROOT.glob("zoo/**/*.py"), *ROOT.glob("tasks/*.py")])


@pytest.mark.parametrize("path", SOURCES, ids=lambda p: str(p.relative_to(ROOT)))
def test_dependencies_run_one_way(path):
    name = module_name(path)
    imported = zoo_imports(path) - {"zoo"}
    allowed = ALLOWED.get(part_of(name, ALLOWED))
    if allowed is not None:
        assert {m for m in imported if not part_of(m, allowed)} == set()
    if part_of(name, {"zoo.tasks"}):
        assert {m for m in imported if part_of(m, ABOVE_TASKS)} == set()
    elif not part_of(name, ABOVE_TASKS):
        # Everything else (training, grading, export, report, data...) sits below the tasks.
        assert {m for m in imported if part_of(m, {"zoo.tasks"} | ABOVE_TASKS)} == set()


def import_graph():
    """`{module: modules of the zoo it imports}`, function-local imports included."""
    modules = {module_name(path): path for path in SOURCES}
    return {
        name: {m for m in zoo_imports(path) if m in modules and m != name}
        for name, path in modules.items()
    }


def cycles(graph):
    """The strongly connected components of more than one module (Tarjan's algorithm)."""
    index, low, stack, on_stack, found = {}, {}, [], set(), []

    def visit(node):
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for successor in sorted(graph[node]):
            if successor not in index:
                visit(successor)
                low[node] = min(low[node], low[successor])
            elif successor in on_stack:
                low[node] = min(low[node], index[successor])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_import_runs_in_a_circle():
    assert cycles(import_graph()) == []
    # The check itself finds a circle, as two modules importing each other make.
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_wheel_installs_zoo_tasks_and_no_top_level_tasks(tmp_path):
    # A copy, so the build leaves no build/ or egg-info in the checkout.
    source = tmp_path / "source"
    for folder in ("zoo", "tasks"):
        shutil.copytree(
            ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    for file in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / file, source / file)
    subprocess.run(
        [
            sys.executable,
            "-m",
            "pip",
            "wheel",
            "--no-deps",
            "--no-build-isolation",
            "--quiet",
            "--wheel-dir",
            str(tmp_path / "dist"),
            str(source),
        ],
        check=True,
        capture_output=True,
        timeout=300,
    )
    (wheel,) = (tmp_path / "dist").glob("keras_cert_zoo-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    top_level = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert top_level == {"zoo"}
    expected = {f"zoo/tasks/{p.name}" for p in (ROOT / "tasks").glob("*.py")}
    expected |= {str(p.relative_to(ROOT)) for p in ROOT.glob("zoo/**/*.py")}
    # The pages' templates, stylesheets and script, which the report and the lab read.
    pages = {
        str(p.relative_to(ROOT))
        for suffix in ("html", "css", "js")
        for p in ROOT.glob(f"zoo/**/*.{suffix}")
    }
    assert {
        "zoo/report/page.html",
        "zoo/report/page.css",
        "zoo/report/base.css",
        "zoo/report/pictures_shown.js",
        "zoo/lab/page.html",
        "zoo/lab/page.css",
    } <= pages
    expected |= pages
    assert expected - names == set()
    entry_points = next(n for n in names if n.endswith(".dist-info/entry_points.txt"))
    assert "zoo = zoo.cli:console_main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_a_users_own_tasks_module_neither_shadows_nor_is_shadowed(tmp_path):
    (tmp_path / "tasks.py").write_text("WHO = 'the user'\n")
    code = textwrap.dedent("""
        import tasks
        from zoo.tasks import get_task
        print(tasks.WHO, get_task("sunspots").name)
    """)
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split() == ["the", "user", "sunspots"]


@pytest.mark.slow
def test_a_task_file_runs_as_a_script_that_trains_exports_and_grades(tmp_path):
    result = subprocess.run(
        [
            sys.executable,
            str(ROOT / "tasks" / "linear.py"),
            "--epochs",
            "40",
            "--models-dir",
            str(tmp_path / "models"),
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert "linear: mse = " in result.stdout
    assert f"exported: {tmp_path / 'models' / 'linear' / '1'}" in result.stdout
    assert (tmp_path / "models" / "linear" / "1" / "saved_model.pb").is_file()


def test_a_task_scripts_help_names_its_options():
    result = subprocess.run(
        [sys.executable, str(ROOT / "tasks" / "sarcasm.py"), "--help"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: sarcasm.py [-h] [--data PATH]")
    for option in ("--epochs", "--batch-size", "--seed", "--models-dir"):
        assert option in result.stdout
