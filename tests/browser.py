"""Headless Chromium for the page tests: open a page at a desktop's or a phone's width, and
measure what a reader sees (pictures decoded, text sizes, what fits the screen)."""

import base64
import json
import os
import subprocess
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
needs_chromium = pytest.mark.skipif(
    not CHROMIUM.exists(),
    reason="/usr/bin/chromium is not installed (apt-get install "
    "chromium); pages are not checked in a browser",
)

# What a reader of a page sees, measured in the page: every <details> opened first.
PAGE_FACTS = """(() => {
    document.querySelectorAll("details").forEach((d) => { d.open = true; });
    const width = window.innerWidth;
    const size = (e) => parseFloat(getComputedStyle(e).fontSize);
    return {
        width: width,
        scroll: document.documentElement.scrollWidth,
        status: document.getElementById("images-status").textContent,
        text: Array.from(document.querySelectorAll("p, dd, td"))
            .filter((e) => e.textContent.trim()).map(size),
        captions: Array.from(document.querySelectorAll("figcaption")).map(size),
        viewport: Boolean(document.querySelector('meta[name="viewport"]')),
        overflowing: Array.from(document.querySelectorAll("body *"))
            .filter((e) => e.clientWidth > 0 && e.scrollWidth > e.clientWidth + 1
                           && !e.closest(".scroll"))
            .map((e) => `${e.tagName}.${e.className}: ${e.textContent.slice(0, 40)}`),
        // The first two cells of every table row, wherever they end on the screen.
        hidden_cells: Array.from(document.querySelectorAll("tr"))
            .flatMap((row) => Array.from(row.children).slice(0, 2))
            .filter((cell) => cell.getBoundingClientRect().right > width + 1
                              || cell.getBoundingClientRect().left < -1)
            .map((cell) => `${cell.closest("table").id}: ${cell.textContent.slice(0, 40)}`),
    };
})()"""


class Browser:
    """Headless Chromium driven over its DevTools pipe (file descriptors 3 and 4).

    A window of headless Chromium is never narrower than 500 pixels, so a
    phone's width is emulated the way DevTools does it, with device metrics.
    """

    def __init__(self, profile):
        to_browser, from_browser = os.pipe(), os.pipe()
        reading, writing = to_browser[0], from_browser[1]

        def wire():  # runs in the child, before Chromium starts
            high_reading, high_writing = os.dup(reading), os.dup(writing)
            os.dup2(high_reading, 3)
            os.dup2(high_writing, 4)

        self.process = subprocess.Popen(
            [
                str(CHROMIUM),
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--hide-scrollbars",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-sync",
                "--remote-debugging-pipe",
                f"--user-data-dir={profile}",
            ],
            pass_fds=(3, 4),
            preexec_fn=wire,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(reading)
        os.close(writing)
        self.commands, self.replies = to_browser[1], from_browser[0]
        self.pending, self.count = b"", 0

    def send(self, method, session=None, **params):
        """Sends one DevTools command and returns its result."""
        self.count += 1
        message = {"id": self.count, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self.commands, json.dumps(message).encode() + b"\0")
        return self.wait(lambda reply: reply.get("id") == self.count).get("result", {})

    def wait(self, wanted):
        """Reads messages until one is `wanted`; returns it."""
        while True:
            while b"\0" not in self.pending:
                chunk = os.read(self.replies, 1 << 20)
                assert chunk, "Chromium closed its DevTools pipe"
                self.pending += chunk
            raw, self.pending = self.pending.split(b"\0", 1)
            message = json.loads(raw)
            if wanted(message):
                assert "error" not in message, message["error"]
                return message

    def open(self, url, width, height):
        """Loads `url` in a page `width` CSS pixels wide; returns the page's session."""
        target = self.send("Target.createTarget", url="about:blank")["targetId"]
        session = self.send("Target.attachToTarget", targetId=target, flatten=True)["sessionId"]
        self.send(
            "Emulation.setDeviceMetricsOverride",
            session,
            width=width,
            height=height,
            deviceScaleFactor=1,
            mobile=width < 600,
        )
        self.send("Page.enable", session)
        self.send("Page.navigate", session, url=url)
        self.wait(lambda message: message.get("method") == "Page.loadEventFired")
        return session

    def evaluate(self, session, expression):
        """The value of a JavaScript expression in the page."""
        return self.send("Runtime.evaluate", session, expression=expression, returnByValue=True)[
            "result"
        ]["value"]

    def screenshot(self, session, path, height):
        """Writes the page's top `height` pixels as a PNG."""
        width = self.evaluate(session, "window.innerWidth")
        data = self.send(
            "Page.captureScreenshot",
            session,
            format="png",
            captureBeyondViewport=True,
            clip={"x": 0, "y": 0, "width": width, "height": height, "scale": 1},
        )
        Path(path).write_bytes(base64.b64decode(data["data"]))

    def close(self):
        self.send("Browser.close")
        self.process.wait(timeout=30)


def png_size(path):
    """The width and height of a PNG file, read from its header."""
    import struct

    data = Path(path).read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


def look_at(page, width, profile, screenshot=None):
    """Opens a page in headless Chromium at `width` CSS pixels and measures it.

    Args:
        page: the HTML file.
        width: the screen's width in CSS pixels (390 for a phone).
        profile: a folder for Chromium's profile.
        screenshot: optional PNG path for the page's top 2400 pixels.

    Returns:
        The dict of `PAGE_FACTS`.
    """
    browser = Browser(profile)
    try:
        session = browser.open(Path(page).as_uri(), width, 900)
        facts = browser.evaluate(session, PAGE_FACTS)
        if screenshot is not None:
            browser.screenshot(session, screenshot, 2400)
    finally:
        browser.close()
    return facts


def assert_readable(facts, width):
    """What a page must be at `width`: as wide as the screen, text and captions readable,
    nothing wider than the screen but the tables' own scrolling boxes, and the first two
    columns of every table on the screen."""
    assert facts["viewport"] and facts["width"] == width
    assert facts["scroll"] <= width and facts["overflowing"] == [], facts
    assert min(facts["text"]) >= 12, facts["text"]  # pixels
    assert not facts["captions"] or min(facts["captions"]) >= 12, facts["captions"]
    assert facts["hidden_cells"] == [], facts["hidden_cells"]
