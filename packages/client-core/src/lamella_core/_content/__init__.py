"""Layer 2 of lamella-core: what travels in a message body, with no sockets.

It holds the response body stream (``StreamReader``, with back-pressure
through a pause/resume callback it is given), the request payloads (bytes,
text, JSON, files, async iterables, forms, multipart), the content decoders
(gzip, deflate, and the table plugins add to) and Content-Disposition
parsing and building. It may import the wire layer and the bottom modules
(``exceptions``, ``_limits``, ``abc``); it hands streams, payloads and
decoders up to the connection layer, which feeds them, and to the client
layer, which builds them from a request's arguments.
"""

__all__: list[str] = []
