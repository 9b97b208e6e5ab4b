"""The lab's HTML page: each picture with a short text on what to look for.

Example:
>>> figure = Figure("paths.png", "Paths on the surface", "Adam turns the corner first.")
>>> page = write_page("lab_example", "Optimizers", "Why step rules differ.",
...                   [figure], {"data": "none"}, {"steps": "30"})
>>> page.name
'index.html'
"""

import html
from dataclasses import dataclass
from pathlib import Path

from zoo.report.page import PICTURES_SHOWN_SCRIPT


@dataclass(frozen=True)
class Figure:
    """One picture on a lab page.

    Args:
        path: the PNG, in the page's folder.
        heading: str, what the picture is.
        look_for: str, what a learner should look for in it.
    """

    path: str
    heading: str
    look_for: str


def write_page(out_dir, title, lesson, figures, setup, measured):
    """Writes `out_dir/index.html`: the lesson, how it ran, each figure, the numbers.

    Args:
        out_dir: the experiment's folder (the figures are there already).
        title: str, the page's heading.
        lesson: str, the lesson in a few sentences.
        figures: list of `Figure`.
        setup: dict of how the run was made (data, seed, command...), in words.
        measured: dict of the lesson's measured numbers, in words.

    Returns:
        The `Path` of `index.html`.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    escape = html.escape

    def rows(facts):
        return "".join(f"<tr><th>{escape(str(k))}</th><td>{escape(str(v))}</td></tr>"
                       for k, v in facts.items())

    sections = "".join(
        f'<section><h2>{escape(f.heading)}</h2><img src="{escape(Path(f.path).name)}" '
        f'alt="{escape(f.heading)}"><p class="look"><strong>What to look for:</strong> '
        f"{escape(f.look_for)}</p></section>" for f in figures)
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{escape(title)}</title>
<style>
* {{ box-sizing: border-box; }}
body {{ font: 16px/1.45 sans-serif; margin: 2em auto; padding: 0 1em; max-width: 1150px; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1em; }}
th, td {{ border: 1px solid #bbb; padding: 0.25em 0.6em; text-align: left;
          vertical-align: top; overflow-wrap: anywhere; }}
th {{ background: #f3f3f3; font-weight: normal; }}
img {{ display: block; max-width: 100%; height: auto; border: 1px solid #ddd; }}
.look {{ background: #f5f9ff; border-left: 4px solid #4a7ebb; padding: 0.5em 0.8em; }}
section {{ margin: 1.5em 0 2.5em; }}
@media (max-width: 640px) {{
  body {{ margin: 0.6em auto; padding: 0 0.6em; font-size: 15px; }}
  th, td {{ padding: 0.25em 0.4em; }}
}}
</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="lesson">{escape(lesson)}</p>
<h2>How this run was made</h2>
<table id="setup">{rows(setup)}</table>
<h2>Measured</h2>
<table id="measured">{rows(measured)}</table>
<p id="images-status"></p>
{sections}
{PICTURES_SHOWN_SCRIPT}
</body></html>
"""
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index


def run_setup(name, quick, seed, data, **details):
    """How a lab run was made, for its page: the command to rerun it, Keras, the details.

    Args:
        name: str, the experiment's name.
        quick: bool, whether it ran with `--quick`.
        seed: int, its seed.
        data: the `--data` path, or None.
        **details: more facts in words (the data used, the network...).

    Returns:
        A dict of strings.

    Example:
    >>> run_setup("init", True, 0, None)["command"]
    'zoo lab init --quick --seed 0'
    """
    import keras

    command = f"zoo lab {name}{' --quick' if quick else ''} --seed {seed}"
    if data is not None:
        command += f" --data {data}"
    return {"command": command,
            "Keras": f"{keras.__version__}, {keras.backend.backend()} backend",
            **{key.replace("_", " "): str(value) for key, value in details.items()}}
