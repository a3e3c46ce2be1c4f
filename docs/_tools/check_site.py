"""Check the built documentation site as a reader's browser sees it.

Run after ``hatch run docs:build`` as ``hatch run docs:check`` (CI does both).
It fails when:

- a page's HTML or a stylesheet loads a script, stylesheet, font or image from
  another host (links that a reader clicks are fine);
- a public name of a distribution (its ``__all__``) has no entry in the
  generated API reference (``objects.inv``);
- a page shows a Sphinx role (``:class:`` before a code span) that the
  build did not render;
- a page, opened in headless Chromium from a loopback HTTP server, logs a
  console error, throws, or requests anything from another host;
- the search finds nothing for a name, or its results do not name their page.

It leaves one screenshot per top-level page of the navigation, plus the
search results and the home page in dark mode, in ``site/_screenshots/``.
Chromium is driven over the DevTools protocol on a pipe (no driver, no
extra package); it must be installed (Debian: ``apt-get install chromium``).
"""

from __future__ import annotations

import argparse
import ast
import base64
import contextlib
import fcntl
import functools
import http.server
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

ROOT = Path(__file__).resolve().parents[2]
DISTRIBUTIONS = {
    "lamella": "packages/client/src/lamella/__init__.py",
    "lamella_core": "packages/client-core/src/lamella_core/__init__.py",
    "lamella_connectors": "packages/client-connectors/src/lamella_connectors/__init__.py",
    "lamella_websocket": "packages/client-websocket/src/lamella_websocket/__init__.py",
    "lamella_cookies": "packages/client-cookies/src/lamella_cookies/__init__.py",
    "lamella_http2": "packages/client-http2/src/lamella_http2/__init__.py",
    "lamella_socks": "plugins/lamella-socks/src/lamella_socks/__init__.py",
}
# How long one page may take to load and settle, in seconds.
PAGE_DEADLINE = 30.0
# The tallest screenshot kept, in pixels (the API pages run far longer).
SHOT_HEIGHT = 3000


# --- the static checks -------------------------------------------------------


class _Resources(HTMLParser):
    """Collects the URLs an HTML page loads by itself (not the ones it links to)."""

    def __init__(self) -> None:
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag in {"script", "img", "iframe", "audio", "video", "source", "embed"}:
            self._add(values.get("src"))
        elif tag == "link":
            rel = (values.get("rel") or "").lower().split()
            if {"stylesheet", "preload", "icon", "modulepreload", "preconnect"} & set(rel):
                self._add(values.get("href"))
        elif tag == "object":
            self._add(values.get("data"))

    def _add(self, url: str | None) -> None:
        if url:
            self.urls.append(url)


def external(url: str) -> bool:
    """True when ``url`` names another host (``data:`` and relative URLs do not)."""
    parts = urlsplit(url)
    return bool(parts.netloc) or parts.scheme not in {"", "data", "blob"}


def static_problems(site: Path) -> list[str]:
    """Every resource of the built site that would be fetched from another host."""
    problems = []
    for page in sorted(site.rglob("*.html")):
        parser = _Resources()
        parser.feed(page.read_text(encoding="utf-8"))
        name = page.relative_to(site)
        problems += [f"{name}: loads {url}" for url in parser.urls if external(url)]
    css_url = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])([^'")\s]+)""")
    for sheet in sorted(site.rglob("*.css")):
        for url in css_url.findall(sheet.read_text(encoding="utf-8")):
            if external(url):
                problems.append(f"{sheet.relative_to(site)}: loads {url}")
    return problems


# A Sphinx role left in a rendered docstring: ":class:" followed by its code span.
RAW_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|mod|data|exc|obj|const):<code>")


def raw_role_problems(site: Path) -> list[str]:
    """Every page that shows a Sphinx role as text instead of rendering it."""
    return [
        f"{page.relative_to(site)}: shows a raw Sphinx role"
        for page in sorted(site.rglob("*.html"))
        if RAW_ROLE.search(page.read_text(encoding="utf-8"))
    ]


def public_names(init: str) -> list[str]:
    """The ``__all__`` of a distribution's top-level module, read without importing it."""
    tree = ast.parse((ROOT / init).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "__all__" for target in node.targets
        ):
            assert isinstance(node.value, ast.List | ast.Tuple)
            return [ast.literal_eval(element) for element in node.value.elts]
    raise LookupError(f"{init} has no __all__")


def inventory(site: Path) -> set[str]:
    """The object names in the site's ``objects.inv`` (Sphinx inventory, version 2)."""
    raw = (site / "objects.inv").read_bytes()
    header_end = 0
    for _ in range(4):
        header_end = raw.index(b"\n", header_end) + 1
    names = set()
    for line in zlib.decompress(raw[header_end:]).decode().splitlines():
        names.add(line.split(" ", 1)[0])
    return names


def reference_problems(site: Path) -> list[str]:
    """Every public name of every distribution that the API reference lacks."""
    documented = inventory(site)
    problems = []
    for package, init in DISTRIBUTIONS.items():
        for name in public_names(init):
            if package == "lamella" or name == "__version__":
                # lamella re-exports; its names are checked where they are defined.
                continue
            if f"{package}.{name}" not in documented:
                problems.append(f"the API reference has no entry for {package}.{name}")
    return problems


# --- the browser --------------------------------------------------------------


class Browser:
    """Headless Chromium, spoken to with the DevTools protocol over a pipe."""

    def __init__(self, executable: str) -> None:
        self._profile = tempfile.mkdtemp(prefix="lamella-docs-chromium-")
        to_child_r, self._to_child = os.pipe()
        self._from_child, from_child_w = os.pipe()

        def wire_pipes() -> None:
            # Runs in the child: the protocol reads fd 3 and writes fd 4. Both
            # ends move out of the way first, in case one already is 3 or 4.
            reading = fcntl.fcntl(to_child_r, fcntl.F_DUPFD, 10)
            writing = fcntl.fcntl(from_child_w, fcntl.F_DUPFD, 10)
            os.dup2(reading, 3)
            os.dup2(writing, 4)

        self._process = subprocess.Popen(
            [
                executable,
                "--headless",
                "--remote-debugging-pipe",
                "--no-sandbox",  # CI runs as root, where the sandbox refuses to start
                "--disable-gpu",
                "--no-first-run",
                "--no-default-browser-check",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-extensions",
                # Nothing but loopback resolves: a request to another host fails
                # at once and is reported, instead of waiting on the network.
                "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1",
                f"--user-data-dir={self._profile}",
                "--window-size=1280,900",
                "about:blank",
            ],
            preexec_fn=wire_pipes,
            pass_fds=(3, 4),  # kept open through exec; the rest is closed
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        os.close(to_child_r)
        os.close(from_child_w)
        self._buffer = b""
        self._next_id = 0
        self.events: list[dict[str, Any]] = []

    def send(self, method: str, session: str | None = None, **params: Any) -> dict[str, Any]:
        """Send one command and wait for its answer, keeping the events that arrive."""
        self._next_id += 1
        message: dict[str, Any] = {"id": self._next_id, "method": method, "params": params}
        if session:
            message["sessionId"] = session
        os.write(self._to_child, json.dumps(message).encode() + b"\0")
        while True:
            reply = self._receive()
            if reply.get("id") == self._next_id:
                if "error" in reply:
                    raise RuntimeError(f"{method}: {reply['error']}")
                return dict(reply.get("result", {}))
            self.events.append(reply)

    def _receive(self) -> dict[str, Any]:
        while b"\0" not in self._buffer:
            chunk = os.read(self._from_child, 1 << 16)
            if not chunk:
                raise RuntimeError("chromium closed its DevTools pipe")
            self._buffer += chunk
        message, self._buffer = self._buffer.split(b"\0", 1)
        return dict(json.loads(message))

    def close(self) -> None:
        """End the browser and remove its profile."""
        with contextlib.suppress(OSError, RuntimeError):
            self.send("Browser.close")
        try:
            self._process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        os.close(self._to_child)
        os.close(self._from_child)
        shutil.rmtree(self._profile, ignore_errors=True)


class Tab:
    """One page of the browser, with the problems it reported."""

    def __init__(self, browser: Browser, origin: str) -> None:
        self.browser = browser
        self.origin = origin
        target = browser.send("Target.createTarget", url="about:blank")["targetId"]
        self.session = browser.send("Target.attachToTarget", targetId=target, flatten=True)[
            "sessionId"
        ]
        for domain in ("Page", "Runtime", "Log", "Network"):
            self.call(f"{domain}.enable")

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        """A command in this tab's session."""
        return self.browser.send(method, self.session, **params)

    def evaluate(self, expression: str) -> Any:
        """The value of a JavaScript expression in the page (promises are awaited)."""
        result = self.call(
            "Runtime.evaluate", expression=expression, awaitPromise=True, returnByValue=True
        )
        if "exceptionDetails" in result:
            raise RuntimeError(f"{expression!r}: {result['exceptionDetails']}")
        return result["result"].get("value")

    def open(self, url: str) -> list[str]:
        """Load ``url``, wait until it settles, and return what went wrong."""
        self.browser.events.clear()
        self.call("Page.navigate", url=url)
        self.wait_for("document.readyState === 'complete'")
        # The theme's bundle boots after load; its search worker answers later.
        self.wait_for("typeof document$ !== 'undefined'")
        self.call("Runtime.evaluate", expression="1")  # drains the events queued so far
        return self.problems(url)

    def wait_for(self, condition: str) -> None:
        """Poll a JavaScript condition until it holds or the page deadline passes."""
        deadline = time.monotonic() + PAGE_DEADLINE
        while not self.evaluate(f"Boolean({condition})"):
            if time.monotonic() > deadline:
                raise RuntimeError(f"timed out waiting for {condition}")
            time.sleep(0.1)

    def problems(self, url: str) -> list[str]:
        """Console errors, exceptions and foreign requests not reported yet."""
        found = []
        events, self.browser.events = self.browser.events, []
        for event in events:
            if event.get("sessionId") != self.session:
                continue
            method, params = event.get("method"), event.get("params", {})
            if method == "Runtime.consoleAPICalled" and params.get("type") in {"error", "assert"}:
                args = params["args"]
                text = " ".join(str(arg.get("value", arg.get("description"))) for arg in args)
                found.append(f"{url}: console error: {text}")
            elif method == "Runtime.exceptionThrown":
                details = params["exceptionDetails"]
                text = details.get("exception", {}).get("description") or details.get("text")
                found.append(f"{url}: uncaught exception: {text}")
            elif method == "Log.entryAdded" and params["entry"]["level"] == "error":
                found.append(f"{url}: {params['entry']['source']} error: {params['entry']['text']}")
            elif method == "Network.requestWillBeSent":
                requested = params["request"]["url"]
                if not requested.startswith((self.origin, "data:", "blob:", "about:")):
                    found.append(f"{url}: requested another host: {requested}")
            elif method == "Network.loadingFailed" and not params.get("canceled"):
                found.append(f"{url}: a request failed: {params.get('errorText')}")
        return found

    def screenshot(self, path: Path, *, whole: bool = True) -> None:
        """Save the page as a PNG: all of it down to ``SHOT_HEIGHT`` pixels, or the viewport."""
        if whole:
            height = min(self.evaluate("document.documentElement.scrollHeight"), SHOT_HEIGHT)
            clip = {"x": 0, "y": 0, "width": 1280, "height": height, "scale": 1}
            shot = self.call(
                "Page.captureScreenshot", format="png", captureBeyondViewport=True, clip=clip
            )
        else:  # what a reader sees, overlays (the search) included
            shot = self.call("Page.captureScreenshot", format="png")
        path.write_bytes(base64.b64decode(shot["data"]))


@contextlib.contextmanager
def serve(site: Path) -> Iterator[str]:
    """Serve the built site on a loopback port; yields its origin."""
    handler = functools.partial(_QuietHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()
        thread.join()


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


def pages(site: Path) -> list[Path]:
    """Every page of the site, by the path of its HTML file."""
    return sorted(p for p in site.rglob("index.html") if "_screenshots" not in p.parts)


def top_level(config: Path) -> dict[str, str]:
    """The first page of each top-level entry of the navigation: name -> site path."""
    from mkdocs.config import load_config  # the docs env's own; read as the build reads it

    entries: dict[str, str] = {}
    for item in load_config(str(config)).nav or []:
        ((name, target),) = item.items() if isinstance(item, dict) else ((item, item),)
        while isinstance(target, list):  # a section: its first page stands for it
            first = target[0]
            target = next(iter(first.values())) if isinstance(first, dict) else first
        entries[name] = _page_path(target)
    return entries


def _page_path(md: str) -> str:
    stem = md.removesuffix(".md")
    if stem == "index":
        return ""
    return stem.removesuffix("/index") + "/"


def slug(name: str) -> str:
    """A file name for a screenshot of the page called ``name``."""
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def browser_problems(site: Path, executable: str, shots: Path) -> list[str]:
    """Open every page; screenshot the top-level ones, the search and dark mode."""
    problems: list[str] = []
    with serve(site) as origin:
        browser = Browser(executable)
        try:
            tab = Tab(browser, origin)
            for page in pages(site):
                path = page.parent.relative_to(site).as_posix()
                problems += tab.open(urljoin(origin, "" if path == "." else path + "/"))
            shown = top_level(ROOT / "mkdocs.yml")
            # Two more that show what a reader checks first: a wide table, an API entry.
            shown |= {"Command line": "cli/", "API lamella_core": "reference/api/lamella_core/"}
            for name, path in shown.items():
                problems += tab.open(urljoin(origin, path))
                tab.screenshot(shots / f"{slug(name)}.png")
            problems += check_search(tab, origin, shots)
            problems += check_dark_mode(tab, origin, shots)
        finally:
            browser.close()
    return problems


def check_search(tab: Tab, origin: str, shots: Path) -> list[str]:
    """Search for a class name; the results must name the pages they come from."""
    problems = tab.open(origin)
    # As a reader does it: click into the search box, then type.
    tab.evaluate("document.querySelector('[data-md-component=search-query]').click()")
    tab.evaluate("document.querySelector('[data-md-component=search-query]').focus()")
    tab.call("Input.insertText", text="ClientSession")
    try:
        tab.wait_for("document.querySelectorAll('.md-search-result__item').length > 0")
    except RuntimeError:
        return [*problems, "the search found nothing for ClientSession"]
    titles = tab.evaluate(
        "[...document.querySelectorAll('.md-search-result__item h1')].map(e => e.textContent)"
    )
    if not any(title.strip() for title in titles):
        problems.append("the search results do not name their pages")
    tab.screenshot(shots / "search.png", whole=False)
    return problems + tab.problems(origin)


def check_dark_mode(tab: Tab, origin: str, shots: Path) -> list[str]:
    """Switch the palette with its toggle; the page must then use the dark scheme."""
    problems = tab.open(urljoin(origin, "quickstart/"))
    tab.evaluate("document.querySelector('label.md-header__button[for=__palette_1]').click()")
    try:
        tab.wait_for("document.body.getAttribute('data-md-color-scheme') === 'slate'")
    except RuntimeError:
        return [*problems, "the dark mode toggle did not switch to the dark scheme"]
    tab.screenshot(shots / "dark-mode.png")
    # Back to light, so that the stored choice does not leak into a later run.
    tab.evaluate("document.querySelector('label.md-header__button[for=__palette_0]').click()")
    return problems + tab.problems(origin)


def main() -> int:
    """Run every check on the built site; print the problems; 1 if there were any."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--site", type=Path, default=ROOT / "site", help="the built site")
    parser.add_argument("--chromium", default=None, help="the browser (default: found on PATH)")
    args = parser.parse_args()
    site: Path = args.site
    if not (site / "index.html").is_file():
        print(f"no built site in {site}: run `hatch run docs:build` first", file=sys.stderr)
        return 2
    executable = args.chromium or shutil.which("chromium") or shutil.which("chromium-browser")
    if executable is None:
        print("chromium is not installed (Debian: apt-get install chromium)", file=sys.stderr)
        return 2
    shots = site / "_screenshots"
    shutil.rmtree(shots, ignore_errors=True)
    shots.mkdir()
    problems = static_problems(site) + reference_problems(site) + raw_role_problems(site)
    problems += browser_problems(site, executable, shots)
    for problem in problems:
        print(problem)
    count = len(pages(site))
    print(
        f"checked {count} pages, {len(list(shots.iterdir()))} screenshots in {shots}: "
        f"{len(problems)} problems"
    )
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
