"""Where a request's time went, hop by hop, from lamella's trace signals.

A ``Timeline`` listens to a session's ``TraceConfig`` signals. It knows at
every moment what the request is doing (so a timeout can say "waiting for
the response head"), and for ``--timings`` it draws each hop of the request
(each redirect is one) as a small waterfall on stderr::

    GET http://127.0.0.1:8080/redirect/1 -> 302
      DNS           0.2 ms  |#                                  |
      connect       0.4 ms  | #                                 |
      ...

The phases: DNS (the resolver; absent for an IP address or a cache hit),
connect (TCP), TLS (the handshake, from lamella's own TLS signals; a
connector that does not fire them shows one "connect + TLS" phase), request
sent (from the connection to the last byte of the request head), first byte
(waiting for the response head) and body.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any, TextIO

from yarl import URL

import lamella

from ._style import BOLD, CYAN, DIM, Style

if TYPE_CHECKING:
    from lamella import ClientSession

__all__ = ["Timeline"]

BAR_WIDTH = 40


@dataclass
class Hop:
    """One request on the wire: its URL, status and the loop times of its events."""

    method: str
    url: str
    started: float
    marks: dict[str, float] = field(default_factory=dict)
    status: int | None = None
    reused: bool = False
    tls: bool = False


class Timeline:
    """Follows a session's requests through the trace signals."""

    def __init__(self) -> None:
        self.hops: list[Hop] = []
        self.phase = "before the request started"

    def _now(self) -> float:
        return asyncio.get_running_loop().time()

    def _mark(self, name: str, phase: str | None = None) -> None:
        if self.hops:
            self.hops[-1].marks.setdefault(name, self._now())
        if phase is not None:
            self.phase = phase

    def trace_config(self) -> lamella.TraceConfig:
        """A ``TraceConfig`` whose signals feed this timeline."""
        trace = lamella.TraceConfig()

        def on(signal: Any, handler: Any) -> None:
            async def receive(session: ClientSession, ctx: SimpleNamespace, params: Any) -> None:
                handler(params)

            signal.append(receive)

        on(trace.on_request_start, self._start)
        on(trace.on_request_redirect, self._redirected)
        on(trace.on_dns_resolvehost_start, self._resolving)
        on(trace.on_dns_resolvehost_end, lambda p: self._mark("dns_end"))
        on(trace.on_connection_create_start, self._connecting)
        on(trace.on_connection_create_end, lambda p: self._mark("connected", "sending the request"))
        on(trace.on_tls_handshake_start, self._handshaking)
        on(trace.on_tls_handshake_end, lambda p: self._mark("tls_end"))
        on(trace.on_connection_reuseconn, self._reused)
        on(trace.on_request_headers_sent, self._sent)
        on(trace.on_request_end, self._answered)
        return trace

    def _start(self, params: Any) -> None:
        url = params.url
        hop = Hop(params.method, str(url), self._now(), tls=url.scheme in ("https", "wss"))
        self.hops.append(hop)
        self.phase = f"connecting to {url.host} port {url.port}"

    def _redirected(self, params: Any) -> None:
        # The redirect's head has arrived; its body is not read, so the hop ends here.
        self._mark("head")
        self._mark("end")
        if self.hops:
            self.hops[-1].status = params.response.status
        # The next hop: its method and URL are known once its head is sent.
        self.hops.append(Hop("", "", self._now()))

    def _resolving(self, params: Any) -> None:
        self._mark("dns_start", f"resolving {params.host}")

    def _connecting(self, params: Any) -> None:
        self._mark("connect_start")
        if self.hops and self.hops[-1].url:
            url = URL(self.hops[-1].url)
            self.phase = f"connecting to {url.host} port {url.port}"

    def _handshaking(self, params: Any) -> None:
        where = f"{params.server_hostname} port {params.port}"
        self._mark("tls_start", f"during the TLS handshake with {where}")

    def _reused(self, params: Any) -> None:
        if self.hops:
            self.hops[-1].reused = True
        self._mark("connected", "sending the request")

    def _sent(self, params: Any) -> None:
        hop = self.hops[-1] if self.hops else None
        if hop is not None and not hop.url:
            hop.method, hop.url, hop.tls = (
                params.method,
                str(params.url),
                params.url.scheme == "https",
            )
        self._mark("sent", "waiting for the response head")

    def _answered(self, params: Any) -> None:
        self._mark("head", "reading the body")
        if self.hops:
            self.hops[-1].status = params.response.status

    def finish(self) -> None:
        """The body of the last hop has been read."""
        self._mark("end")
        self.phase = "after the body"

    # --- drawing -----------------------------------------------------------

    def phases(self, hop: Hop) -> list[tuple[str, float, float]]:
        """``(name, start, end)`` for each phase of ``hop`` that happened."""
        marks = hop.marks
        rows = []
        if "dns_start" in marks and "dns_end" in marks:
            rows.append(("DNS", marks["dns_start"], marks["dns_end"]))
        if "connected" in marks:
            start = marks.get("connect_start", marks.get("dns_end", hop.started))
            if "tls_start" in marks and "tls_end" in marks:
                rows.append(("connect", start, marks["tls_start"]))
                rows.append(("TLS", marks["tls_start"], marks["tls_end"]))
            else:
                combined = "connect + TLS" if hop.tls else "connect"
                name = "reused connection" if hop.reused else combined
                rows.append((name, start, marks["connected"]))
        steps = [("request sent", "connected", "sent"), ("first byte", "sent", "head")]
        steps.append(("body", "head", "end"))
        rows += [(name, marks[a], marks[b]) for name, a, b in steps if a in marks and b in marks]
        return rows

    def render(self, style: Style) -> str:
        """The waterfall of every hop, bars scaled to the whole request."""
        if not self.hops:
            return ""
        origin = self.hops[0].started
        finish = max([origin, *(t for hop in self.hops for t in hop.marks.values())])
        span = max(finish - origin, 1e-9)
        lines = []
        for hop in self.hops:
            status = f" -> {hop.status}" if hop.status is not None else ""
            lines.append(style(f"{hop.method} {hop.url}{status}", BOLD))
            for name, start, end in self.phases(hop):
                left = int((start - origin) / span * BAR_WIDTH)
                width = max(1, round((end - start) / span * BAR_WIDTH))
                width = min(width, BAR_WIDTH - min(left, BAR_WIDTH - 1))
                bar = " " * left + style("#" * width, CYAN)
                pad = " " * (BAR_WIDTH - left - width)
                lines.append(f"  {name:<18} {_ms(end - start):>10}  {style('|', DIM)}{bar}{pad}|")
        lines.append(f"  {'total':<18} {_ms(finish - origin):>10}")
        return "\n".join(lines)

    def write(self, stream: TextIO, style: Style) -> None:
        """Draw the waterfall on ``stream``."""
        text = self.render(style)
        if text:
            stream.write(text + "\n")
            stream.flush()


def _ms(seconds: float) -> str:
    if seconds >= 1:
        return f"{seconds:.2f} s"
    return f"{seconds * 1000:.1f} ms"
