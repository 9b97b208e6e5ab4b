"""The mock exam's report page: `index.html`, from the template `page.html`.

The page is for a learner deciding what to do next. At the top: the
total, the time used, and the task to work on first (the one whose next
mark is worth the most points). Per task: the value, its interval and the
score distribution, the distance to the next mark, training curves, a
confusion matrix with counts, misclassified examples (headlines for text,
thumbnails for images), the forecast with its error, the graded file and
the time used. What it says of a task in words comes from
`zoo.report.scoreboard`; its style is `page.css` and its script
`pictures_shown.js`, written into the page.

Example:
>>> write_index(rows, "reports/exam", total=100.0, passed=True)
PosixPath('reports/exam/index.html')
"""

import shutil
from pathlib import Path

from zoo.report.scoreboard import (
    confidence_cells,
    describe_next,
    mark_points,
    task_facts,
    work_order,
)
from zoo.report.template import Html, escape, render_page


def _shares_bars(row):
    confidence = row.get("confidence")
    if not confidence:
        return escape(row.get("confidence_note") or "–")
    bars = []
    for marks, share in confidence["shares"].items():
        bars.append(
            f'<div class="bar"><span class="label">{escape(marks)}/5</span>'
            f'<span class="fill" style="width: {100 * share:.1f}%"></span>'
            f'<span class="share">{escape(_share(share))}</span></div>'
        )
    return (
        f'<div class="bars">{"".join(bars)}</div><p class="small">the score of each of '
        f"{escape(confidence['resamples'])} bootstrap resamples of the held-out examples</p>"
    )


def _copy_picture(task, picture, out_dir):
    # Pictures live under the report's folder, so the page can move with it.
    target = out_dir / task / Path(picture).name
    target.parent.mkdir(parents=True, exist_ok=True)
    if Path(picture).resolve() != target.resolve():
        shutil.copyfile(picture, target)
    return f"{task}/{target.name}"


def _figures(row, out_dir):
    images = []
    for picture in row.get("pictures", []):
        relative = _copy_picture(row["task"], picture, out_dir)
        stem = Path(picture).stem
        images.append(
            f'<figure><a href="{escape(relative)}"><img src="{escape(relative)}" '
            f'alt="{escape(stem)}"></a><figcaption>'
            f"{escape(stem.replace('_', ' '))} (tap or click for full size)"
            "</figcaption></figure>"
        )
    return "".join(images)


def _share(share):
    # A share that rounds to 0% or 100% is not quite that: say so.
    if 0 < share < 0.005:
        return "<1%"
    return ">99%" if 0.995 < share < 1 else f"{share:.0%}"


def _sure(confidence):
    return f"{_share(confidence)} sure"


def _examples_table(row):
    # The verdict first: on a phone the text column wraps, the verdict stays in view.
    examples = row.get("examples") or []
    if not examples:
        return ""
    lines = "".join(
        f"<tr><td>{escape(e['true'])} → {escape(e['predicted'])} "
        f"({escape(_sure(e['confidence']))})</td><td>{escape(e['text'])}</td></tr>"
        for e in examples
    )
    return (
        "<h3>Misclassified held-out texts, most confident first</h3>"
        '<table class="examples"><thead><tr><th>true → predicted</th><th>text</th>'
        f"</tr></thead><tbody>{lines}</tbody></table>"
    )


def _image_gallery(row, out_dir):
    examples = row.get("image_examples") or []
    if not examples:
        return ""
    figures = []
    for e in examples:
        relative = _copy_picture(row["task"], e["picture"], out_dir)
        figures.append(
            f'<figure><img src="{escape(relative)}" alt="{escape(e["true"])}">'
            f"<figcaption>true: {escape(e['true'])}<br>predicted: "
            f"{escape(e['predicted'])} ({escape(_sure(e['confidence']))})</figcaption>"
            "</figure>"
        )
    return (
        "<h3>Misclassified held-out images, most confident first</h3>"
        f'<div class="gallery">{"".join(figures)}</div>'
    )


NOTE_CLASSES = {"not graded": "error", "hint": "hint", "note": "hint"}


def _facts(row, rows):
    notes, cells = [], []
    for name, text in task_facts(row, rows):
        if name in NOTE_CLASSES:
            notes.append(f'<p class="{NOTE_CLASSES[name]}">{escape(name)}: {escape(text)}</p>')
        else:
            cells.append(f"<dt>{escape(name)}</dt><dd>{escape(text)}</dd>")
    if row.get("confidence"):
        cells.append(f"<dt>score distribution</dt><dd>{_shares_bars(row)}</dd>")
    return "".join(notes) + f'<dl class="facts">{"".join(cells)}</dl>'


def _section(row, rows, out_dir):
    summary = f'<p class="summary">{escape(row["summary"])}</p>' if row.get("summary") else ""
    return (
        f'<section id="{escape(row["task"])}" class="task"><h2>{escape(row["task"])} '
        f'<span class="score s{escape(row["score"])}">{escape(row["score"])}/5</span></h2>'
        f'<p class="small">category {escape(row["category"])} · '
        f"weight {escape(row['weight'])} · "
        f"{row['points']:.1f} of {5 * mark_points(row, rows):.1f} points</p>{summary}"
        f"{_facts(row, rows)}{_examples_table(row)}{_image_gallery(row, out_dir)}"
        f'<div class="figures">{_figures(row, out_dir)}</div></section>'
    )


def _focus(rows):
    order = work_order(rows)
    if not order:
        return (
            '<div id="focus" class="card"><h2>Work on first</h2><p>Nothing: every task '
            "has top marks.</p></div>"
        )
    first, others = order[0], order[1:]
    rest = "".join(
        f'<li><a href="#{escape(r["task"])}">{escape(r["task"])}</a>: '
        f"{escape(describe_next(r, rows))}</li>"
        for r in others
    )
    rest = f"<p>Then:</p><ol>{rest}</ol>" if rest else ""
    return (
        f'<div id="focus" class="card"><h2>Work on first</h2><p><a href="#'
        f'{escape(first["task"])}"><strong>{escape(first["task"])}</strong></a> '
        f"(category {escape(first['category'])}): "
        f"{escape(describe_next(first, rows))}</p>{rest}</div>"
    )


def _summary_row(row, rows):
    value = f"{row['metric']} {row['value']:.4g}" if row.get("value") is not None else "–"
    up = (row.get("marks") or {}).get("up")
    if row.get("error"):
        upcoming = "not graded"
    elif up is None:
        upcoming = "top marks"
    else:
        upcoming = f"{up['marks']}/5 at {up['side']}: {up['distance']:.4g} away"
    # Long names may break after an underscore, never inside a word.
    name = escape(row["task"]).replace("_", "_<wbr>")
    task = f'<a href="#{escape(row["task"])}">{name}</a>'
    return (
        f'<tr><td>{task} <span class="small">({escape(row["category"])})</span></td>'
        f'<td><span class="score s{escape(row["score"])}">{escape(row["score"])}/5</span></td>'
        f"<td>{row['points']:.1f} / {5 * mark_points(row, rows):.1f}</td>"
        f'<td class="value">{escape(value)}</td><td>{escape(upcoming)}</td></tr>'
    )


def write_index(rows, out_dir, total, passed, title="Mock exam", session=None):
    """Writes the exam's `index.html`: what to work on, a scoreboard, a section per task.

    Args:
        rows: list of dicts with `task`, `category`, `metric`, `value`,
            `threshold`, `score`, `weight`, `points`, `device`, `pictures`
            (paths), optionally `error`, `summary`, `graded` (the file
            graded) with its `note`, `train_seconds`, `examples`
            (misclassified texts, see `zoo.report.misclassified.text_examples`),
            `image_examples` (see `zoo.report.task_figures.image_examples`),
            `hints`, `curves_note`, `warnings`, and the grade's facts (`top_marks`, `held_out`,
            `confidence`, `shares`, `marks`, `convention`, `seconds`; see
            `zoo.grading.grade.Grade.facts`).
        out_dir: the report's folder; pictures are copied to `<task>/` under
            it unless they are there already.
        total: points out of 100.
        passed: whether the total passes.
        title: the page's heading.
        session: optional dict of a timed session: `used` (the time used,
            in words), `limit` and `over` (whether past the limit).

    Returns:
        The `Path` of `index.html`.
    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    details = []
    for row in rows:
        value = f"{row['value']:.4g}" if row.get("value") is not None else "–"
        top = row.get("top_marks") or (
            f"5/5 at {row['threshold']:g}" if row.get("threshold") is not None else "–"
        )
        details.append(
            "<tr>"
            + "".join(
                f"<td>{escape(cell)}</td>"
                for cell in (
                    row["task"],
                    row["category"],
                    row.get("metric", "–"),
                    value,
                    top,
                    f"{row['score']}/5",
                    *confidence_cells(row),
                    row["weight"],
                    f"{row['points']:.1f}",
                )
            )
            + "</tr>"
        )
    summary = "".join(_summary_row(row, rows) for row in rows)
    sections = "".join(_section(row, rows, out_dir) for row in rows)
    verdict = "PASS" if passed else "FAIL"
    timing = ""
    if session:
        state = "FAIL" if session.get("over") else ""
        timing = (
            f'<p id="time" class="{state}">Time used: <strong>{escape(session["used"])}'
            f"</strong> of {escape(session['limit'])}</p>"
        )
    page = render_page(
        "zoo.report",
        "page.html",
        "page.css",
        title=title,
        total=f"{total:.1f}",
        verdict=verdict,
        timing=Html(timing),
        summary=Html(summary),
        focus=Html(_focus(rows)),
        sections=Html(sections),
        details=Html("".join(details)),
    )
    index = out_dir / "index.html"
    index.write_text(page, encoding="utf-8")
    return index
