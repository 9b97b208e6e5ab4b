"""What the scoreboard says of each task in words: its facts, its next mark, what comes first.

The exam's page (`zoo.report.page`) and the terminal's scoreboard
(`zoo.exam.session.ExamResult.scoreboard`) say the same things of a task,
from the rows of one exam: `task_facts` is what both print under a task,
and `work_order` puts first the task whose next mark is worth the most
points.

Example:
>>> rows = [{"task": "linear", "weight": 1, "score": 3},
...         {"task": "sunspots", "weight": 5, "score": 4}]
>>> [row["task"] for row in work_order(rows)], round(mark_points(rows[1], rows), 2)
(['sunspots', 'linear'], 16.67)
"""


def confidence_cells(row):
    """The scoreboard cells on how sure a grade is, from its facts.

    Args:
        row: a scoreboard row holding `zoo.grading.grade.Grade.facts()`.

    Returns:
        Five strings: held-out size, interval, shares, next marks, convention.

    Example:
    >>> confidence_cells({"task": "linear"})
    ('–', '–', '–', '–', '–')
    """
    from zoo.grading.grade import describe_marks

    confidence = row.get("confidence")
    interval = (
        f"{confidence['interval'][0]:.4g} to {confidence['interval'][1]:.4g}"
        if confidence
        else row.get("confidence_note") or "–"
    )
    convention = row.get("convention")
    named = "–"
    if convention:
        named = (
            convention["name"]
            if convention["clear"]
            else f"{convention['name']} (unclear: see --convention)"
        )
    return (
        str(row["held_out"]) if row.get("held_out") is not None else "–",
        interval,
        row.get("shares") or "–",
        describe_marks(row["marks"], row.get("metric", "")) if row.get("marks") else "–",
        named,
    )


def mark_points(row, rows):
    """Points one more mark of a row's task is worth: `100 × weight / 5 / Σ weights`.

    Args:
        row: a scoreboard row (its `weight`).
        rows: every row of the exam.

    Returns:
        A float.

    Example:
    >>> mark_points({"weight": 1}, [{"weight": 1}, {"weight": 4}])
    4.0
    """
    return 100.0 * row["weight"] / 5 / sum(r["weight"] for r in rows)


def work_order(rows):
    """The tasks below 5/5, the one whose next mark is worth the most points first.

    Ties (tasks of one category) go to the task more of whose bootstrap
    resamples already reach its next mark.

    Args:
        rows: scoreboard rows (`task`, `weight`, `score`, and the grade's
            facts when graded).

    Returns:
        The rows below 5/5, in the order to work on them.

    Example:
    >>> rows = [{"task": "linear", "weight": 1, "score": 3},
    ...         {"task": "sarcasm", "weight": 4, "score": 4},
    ...         {"task": "sunspots", "weight": 5, "score": 5}]
    >>> [row["task"] for row in work_order(rows)]
    ['sarcasm', 'linear']
    """

    def within_reach(row):
        shares = (row.get("confidence") or {}).get("shares", {})
        return sum(share for marks, share in shares.items() if int(marks) > row["score"])

    below = [row for row in rows if row["score"] < 5]
    return sorted(below, key=lambda row: (-row["weight"], -within_reach(row)))


def describe_duration(seconds):
    """A duration in words, e.g. `"1 h 05 min"`, `"12 min"` or `"42 s"`.

    Example:
    >>> describe_duration(3900), describe_duration(720), describe_duration(41.6)
    ('1 h 05 min', '12 min', '42 s')
    """
    seconds = round(float(seconds))
    if seconds < 60:
        return f"{seconds} s"
    minutes = seconds // 60
    return f"{minutes // 60} h {minutes % 60:02d} min" if minutes >= 60 else f"{minutes} min"


def describe_next(row, rows):
    """The next mark of a row in words, with its distance and what it is worth.

    Args:
        row: a scoreboard row (its `marks`, `metric`, `weight`, `error`).
        rows: every row of the exam.

    Returns:
        A str.

    Example:
    >>> row = {"weight": 1, "metric": "mae", "marks": {"up": {
    ...     "marks": 4, "side": "below 0.2", "distance": 0.03}}}
    >>> describe_next(row, [row])
    '4/5 at mae below 0.2: 0.03 away, worth 20.0 points.'
    """
    points = mark_points(row, rows)
    up = (row.get("marks") or {}).get("up")
    if row.get("error"):
        return (
            f"not graded, so 0/5 (the reason is in its section); each mark is worth "
            f"{points:.1f} points."
        )
    if up is None:
        return "top marks."
    return (
        f"{up['marks']}/5 at {row['metric']} {up['side']}: {up['distance']:.4g} away, "
        f"worth {points:.1f} points."
    )


def task_facts(row, rows):
    """What the report says of one task, in words: the terminal prints the same.

    Args:
        row: a scoreboard row (see `write_index`).
        rows: every row of the exam (for what a mark is worth).

    Returns:
        A list of `(name, text)`: first what went wrong (`not graded`, each
        `hint`, each `note`), then the result, its interval, the next mark,
        the margin, the graded file, the data, the time, the convention and
        why, the device and the training curves, where the row has them.

    Example:
    >>> task_facts({"task": "linear", "weight": 1, "score": 0, "error": "no model"},
    ...            [{"weight": 1}])[0]
    ('not graded', 'no model')
    """
    facts = [("not graded", row["error"])] if row.get("error") else []
    facts += [("hint", hint) for hint in row.get("hints", [])]
    facts += [("note", warning) for warning in row.get("warnings", [])]
    if row.get("value") is not None:
        facts.append(
            (
                "result",
                (
                    f"{row['metric']} {row['value']:.4g}: {row['score']}/5 "
                    f"({row.get('top_marks', '')}; rule {row.get('rule', '')})"
                ),
            )
        )
    confidence = row.get("confidence")
    if confidence:
        low, high = confidence["interval"]
        facts.append(
            (
                f"{confidence['level']:.0%} interval",
                f"{low:.4g} to {high:.4g} ({row['held_out']} held-out examples)",
            )
        )
    elif row.get("confidence_note"):
        facts.append(("interval", row["confidence_note"]))
    facts.append(("next mark", describe_next(row, rows)))
    down = (row.get("marks") or {}).get("down")
    if down:
        facts.append(
            (
                "margin",
                (
                    f"{row['score']}/5 holds until {row['metric']} "
                    f"{down['side']}, {down['distance']:.4g} away"
                ),
            )
        )
    if row.get("graded"):
        graded = row["graded"] + (f" ({row['note']})" if row.get("note") else "")
        facts.append(("solution" if row.get("error") else "graded", graded))
    if row.get("data"):
        facts.append(("data", row["data"]))
    time_parts = []
    if row.get("train_seconds") is not None:
        time_parts.append(f"trained in {describe_duration(row['train_seconds'])}")
    if row.get("seconds") is not None:
        time_parts.append(f"graded in {row['seconds']:.1f} s")
    if time_parts:
        facts.append(("time", ", ".join(time_parts)))
    if row.get("convention"):
        convention = row["convention"]
        facts.append(
            (
                "convention",
                (f"{convention['name']}: {convention['inputs']}. Why: {convention['reason']}"),
            )
        )
    if row.get("device"):
        facts.append(("device", row["device"]))
    if row.get("curves_note"):
        facts.append(("training curves", row["curves_note"]))
    return facts
