"""Filling the zoo's HTML pages from template files: every value escaped, CSS and JS inlined.

A page's template, stylesheet and script are files in the package beside
the module that writes the page. `render_page` writes the stylesheets and
the script into the page itself, so a report folder opens on its own, from
disk or from a copy, with nothing to fetch.

Example:
>>> fill("<h1>$title</h1>$body", title="Q&A", body=Html("<p>ok</p>"))
'<h1>Q&amp;A</h1><p>ok</p>'
"""

import html
import string
from importlib import resources

# Shipped beside this module: what every page of the zoo shares.
BASE_STYLESHEET = "base.css"
PICTURES_SHOWN_SCRIPT = "pictures_shown.js"


class Html(str):
    """Markup made of escaped values: `fill` puts it into a page as it is.

    Example:
    >>> fill("<p>$line</p>", line=Html("one<br>two"))
    '<p>one<br>two</p>'
    """


def escape(value):
    """A value as HTML text: turned into a str, with `&`, `<`, `>` and quotes escaped.

    Args:
        value: anything `str` takes.

    Returns:
        A str.

    Example:
    >>> escape("<1% sure"), escape(5)
    ('&lt;1% sure', '5')
    """
    return html.escape(str(value))


def fill(template, **values):
    """Fills the `$name` placeholders of an HTML template, escaping every value but `Html`.

    Args:
        template: str, HTML with `$name` placeholders (`$$` for a dollar sign).
        **values: one value per placeholder; a value that is not `Html` is
            turned into a str and escaped, quotes included.

    Returns:
        The filled HTML, a str.

    Raises:
        ValueError: naming the placeholders without a value and the values
            without a placeholder.

    Example:
    >>> fill('<a title="$tip">$n</a>', tip='say "hi"', n=3)
    '<a title="say &quot;hi&quot;">3</a>'
    """
    template = string.Template(template)
    names = {
        match.group("named") or match.group("braced")
        for match in template.pattern.finditer(template.template)
    } - {None}
    if names != set(values):
        raise ValueError(
            f"the template's placeholders and the values differ: no value for "
            f"{sorted(names - set(values))}, no placeholder for "
            f"{sorted(set(values) - names)}. Give one value per `$name` of the template."
        )
    return template.substitute(
        {
            name: value if isinstance(value, Html) else escape(value)
            for name, value in values.items()
        }
    )


def read_asset(package, name):
    """The text of a file shipped in a package: a template, a stylesheet or a script.

    Args:
        package: str, the package beside whose modules the file is, e.g. `"zoo.report"`.
        name: str, the file's name.

    Returns:
        The file's text.

    Example:
    >>> read_asset("zoo.report", "page.html").startswith("<!DOCTYPE html>")
    True
    """
    return resources.files(package).joinpath(name).read_text(encoding="utf-8")


def render_page(package, template, stylesheet, **values):
    """A whole page: a template filled, the zoo's shared CSS and a page's own inlined.

    The template takes `$style` in its `<style>` element and `$script` in
    its `<script>` element; they receive the shared stylesheet followed by
    the page's own, and the script that says in `#images-status` how many
    of the page's pictures rendered.

    Args:
        package: str, the package that ships the page's files.
        template: str, the name of the page's template file.
        stylesheet: str, the name of the page's own stylesheet.
        **values: the template's other placeholders (see `fill`).

    Returns:
        The page's HTML, a str.

    Example:
    >>> page = render_page("zoo.lab", "page.html", "page.css", title="Init",
    ...                    lesson="...", setup=Html(""), measured=Html(""), sections=Html(""))
    """
    style = read_asset("zoo.report", BASE_STYLESHEET) + read_asset(package, stylesheet)
    return fill(
        read_asset(package, template),
        style=Html(style),
        script=Html(read_asset("zoo.report", PICTURES_SHOWN_SCRIPT)),
        **values,
    )
