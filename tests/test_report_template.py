"""zoo.report.template: values escaped, markup kept, and every page one file with the zoo's
shared stylesheet and script written into it."""

import re

import pytest

from zoo.report.template import Html, fill, read_asset, render_page

SHARED = read_asset("zoo.report", "base.css"), read_asset("zoo.report", "pictures_shown.js")


def test_every_value_is_escaped_but_markup():
    page = fill(
        '<p title="$tip">$text $n</p>$table',
        tip='a "quoted" <tip>',
        text="R&D <script>",
        n=3,
        table=Html("<table></table>"),
    )
    assert page == (
        '<p title="a &quot;quoted&quot; &lt;tip&gt;">R&amp;D &lt;script&gt; 3</p><table></table>'
    )


def test_a_dollar_sign_is_written_as_two_and_is_no_placeholder():
    assert fill("costs $$5, or $$x: $n", n=1) == "costs $5, or $x: 1"


def test_missing_and_unused_values_are_named():
    with pytest.raises(
        ValueError,
        match=r"no value for \['title'\], no placeholder for "
        r"\['titel'\]",
    ):
        fill("<h1>$title</h1>", titel="Exam")


@pytest.mark.parametrize(
    "package, values",
    [
        ("zoo.report", {"title": "Mock exam", "total": "90.0", "verdict": "PASS"}),
        ("zoo.lab", {"title": "Init", "lesson": "Why scale matters."}),
    ],
)
def test_a_page_carries_its_stylesheets_and_script_inline(package, values):
    placeholders = set(re.findall(r"\$(\w+)", read_asset(package, "page.html")))
    markup = {name: Html("") for name in placeholders - set(values) - {"style", "script"}}
    page = render_page(package, "page.html", "page.css", **values, **markup)
    style = page[page.index("<style>\n") + 8 : page.index("</style>")]
    script = page[page.index("<script>\n") + 9 : page.index("</script>")]
    assert style == SHARED[0] + read_asset(package, "page.css")
    assert script == SHARED[1]
    # Nothing to fetch: a report folder opens on its own, from disk or from a copy.
    assert "<link" not in page and "<script src" not in page
    assert f"<title>{values['title']}</title>" in page
