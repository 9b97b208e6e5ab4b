"""The lab's HTML page: each picture with a short text on what to look for.

The page is the template `page.html` beside this module, styled by
`page.css` after the zoo's shared stylesheet (`zoo.report.template`).

Example:
>>> figure = Figure("paths.png", "Paths on the surface", "Adam turns the corner first.")
>>> page = write_page("lab_example", "Optimizers", "Why step rules differ.",
...                   [figure], {"data": "none"}, {"steps": "30"})
>>> page.name
'index.html'
"""

from dataclasses import dataclass
from pathlib import Path

from zoo.report.template import Html, escape, render_page


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

    def rows(facts):
        return Html(
            "".join(f"<tr><th>{escape(k)}</th><td>{escape(v)}</td></tr>" for k, v in facts.items())
        )

    sections = "".join(
        f'<section><h2>{escape(f.heading)}</h2><img src="{escape(Path(f.path).name)}" '
        f'alt="{escape(f.heading)}"><p class="look"><strong>What to look for:</strong> '
        f"{escape(f.look_for)}</p></section>"
        for f in figures
    )
    page = render_page(
        "zoo.lab",
        "page.html",
        "page.css",
        title=title,
        lesson=lesson,
        setup=rows(setup),
        measured=rows(measured),
        sections=Html(sections),
    )
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
    return {
        "command": command,
        "Keras": f"{keras.__version__}, {keras.backend.backend()} backend",
        **{key.replace("_", " "): str(value) for key, value in details.items()},
    }
