"""Layer 3 of lamella-core: connections, the pool, and opening TCP/TLS transports.

It holds ``HTTP11Connection`` (the asyncio protocol that binds a transport
to a wire parser and a body stream, and implements the connection interface
of ``lamella_core.abc``; its timeouts are the ``HTTP11Timers`` mixin in
``http11_timers``), ``PoolState`` (the pool's books and decisions,
without I/O), ``BaseConnector`` that carries them out and its ``Connection``
lease, the plain TCP/TLS connector, the choice of parser
(httptools or pure Python) and the one mapping of connect failures to
lamella's exceptions. It may import the content and wire layers and the
bottom modules; it never imports the client layer at run time. What a
connector author needs from here is published by ``lamella_core.connection``.
"""

__all__: list[str] = []
