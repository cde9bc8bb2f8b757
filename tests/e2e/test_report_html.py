"""`guard audit --format html` of the incident, rendered by a real browser.

Headless Chromium (Debian's `chromium`, which `.ci/run` installs) opens the page
from a file with every request routed to a closed port and every host name
unresolvable, takes a screenshot and dumps the DOM it built. The page must render
(a screenshot of the window's size, with the verdict's and the map's colours in
it), log nothing to the console, request nothing but itself (Chromium's network
log says), and hold the verdict, the claims and the tables.
"""

from __future__ import annotations

import json
import shutil
import struct
import subprocess
import zlib
from pathlib import Path
from typing import NamedTuple

import pytest

from tests.e2e.test_rollback import incident

WIDTH, HEIGHT = 1280, 2000
# Every request goes to a closed port, every name fails to resolve.
OFFLINE = ("--proxy-server=127.0.0.1:9", "--host-resolver-rules=MAP * ~NOTFOUND")


@pytest.fixture
def chromium() -> str:
    """The browser: missing, the test fails (CI installs it), never skips."""
    found = shutil.which("chromium")
    if found is None:
        pytest.fail("chromium is not installed: apt-get install chromium (.ci/run does)")
    return found


class Visit(NamedTuple):
    out: str
    console: list[str]  # what the page logged, errors and uncaught exceptions among it
    requests: list[str]  # what the page asked for, other than files


def browse(chromium: str, page: Path, scratch: Path, *args: str) -> Visit:
    """Open `page` in a fresh profile (`args`: --screenshot=FILE or --dump-dom)."""
    scratch.mkdir()
    netlog = scratch / "net.json"
    done = subprocess.run(
        [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--no-first-run",
            f"--user-data-dir={scratch / 'profile'}",
            f"--window-size={WIDTH},{HEIGHT}",
            "--enable-logging=stderr",
            "--v=0",
            f"--log-net-log={netlog}",
            *OFFLINE,
            *args,
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    console = [
        line for line in done.stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line
    ]
    # The browser's own requests (update checks and the like) come from no origin; a
    # page's come from its site, here file://.
    events = json.loads(netlog.read_text())["events"]
    requests = [
        e["params"]["url"]
        for e in events
        if "url" in e.get("params", {})
        and e["params"].get("network_isolation_key", "").startswith("file://")
        and not e["params"]["url"].startswith("file:")
    ]
    return Visit(done.stdout, console, requests)


def png_rows(data: bytes, rows: int) -> tuple[int, int, int, list[bytes]]:
    """(width, height, bytes a pixel, the first `rows` rows of pixels) of an 8-bit
    RGB or RGBA PNG: enough of a decoder to read the top of a screenshot."""
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    at, header, packed = 8, b"", b""
    while at < len(data):
        (length,), kind = struct.unpack(">I", data[at : at + 4]), data[at + 4 : at + 8]
        chunk = data[at + 8 : at + 8 + length]
        header = chunk if kind == b"IHDR" else header
        packed += chunk if kind == b"IDAT" else b""
        at += 12 + length
    width, height, depth, colour = struct.unpack(">IIBB", header[:10])
    assert depth == 8 and colour in (2, 6), (depth, colour)
    size = 3 if colour == 2 else 4
    raw, stride, previous, out = zlib.decompress(packed), width * size, bytes(width * size), []
    for y in range(min(rows, height)):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1 : start + 1 + stride])
        for x in range(stride):  # undo the row's filter (PNG specification, section 9)
            left = line[x - size] if x >= size else 0
            up, corner = previous[x], previous[x - size] if x >= size else 0
            if kind == 1:
                line[x] = (line[x] + left) & 255
            elif kind == 2:
                line[x] = (line[x] + up) & 255
            elif kind == 3:
                line[x] = (line[x] + (left + up) // 2) & 255
            elif kind == 4:
                guess = left + up - corner
                near = min(
                    (abs(guess - left), 0, left),
                    (abs(guess - up), 1, up),
                    (abs(guess - corner), 2, corner),
                )
                line[x] = (line[x] + near[2]) & 255
        previous = bytes(line)
        out.append(previous)
    return width, height, size, out


def test_the_incident_s_page_renders_offline_in_chromium(
    repo: Path, invoke, chromium: str, tmp_path: Path
) -> None:
    incident(repo, invoke)
    page = tmp_path / "audit.html"
    done = invoke(["audit", "--format", "html", "--output", str(page)], cwd=repo)
    assert done.code == 1, done.err
    assert page.stat().st_size < 2_000_000  # 3,004 changed paths, every table in full

    shot = tmp_path / "audit.png"
    taken = browse(chromium, page, tmp_path / "shot", f"--screenshot={shot}")
    assert taken.console == [] and taken.requests == []
    width, height, size, top = png_rows(shot.read_bytes(), 900)
    assert (width, height) == (WIDTH, HEIGHT)
    seen = {row[x : x + 3] for row in top for x in range(0, len(row), size)}
    assert bytes.fromhex("cf222e") in seen  # the verdict and the violating commits
    assert bytes.fromhex("2da44e") in seen  # the clean worklog commit
    assert bytes.fromhex("4184e4") in seen  # the 3,000 test files on the map
    assert bytes.fromhex("e5534b") in seen  # the production modules beside them

    dom = browse(chromium, page, tmp_path / "dom", "--dump-dom")
    assert dom.console == [] and dom.requests == []
    assert '<strong style="color:#cf222e">VIOLATED</strong>' in dom.out
    assert "<b>commit #29 " in dom.out and "\u201cdocs: tidy, docs only\u201d" in dom.out
    timeline = dom.out.split('aria-label="commit timeline">', 1)[1].split("</svg>", 1)[0]
    assert timeline.count("<rect ") == 30
    assert "<summary>Changes (3,004)</summary>" in dom.out
    assert "<td>tests/unit/agents/test_agent_unit_2999.py</td>" in dom.out


def test_the_browser_check_sees_a_page_that_logs_errors_or_reaches_out(
    chromium: str, tmp_path: Path
) -> None:
    """The checks above can fail: a page with a script error and an image from a
    server trips both."""
    page = tmp_path / "bad.html"
    page.write_text(
        '<!DOCTYPE html><p>hi</p><img src="https://example.com/x.png"><script>missing()</script>'
    )
    seen = browse(chromium, page, tmp_path / "bad", "--dump-dom")
    assert "<p>hi</p>" in seen.out
    assert any("Uncaught ReferenceError: missing is not defined" in line for line in seen.console)
    assert "https://example.com/x.png" in seen.requests
