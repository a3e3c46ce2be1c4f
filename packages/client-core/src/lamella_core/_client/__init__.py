"""Layer 4 of lamella-core: the API users call.

It holds ``ClientSession`` and the send ladder (options, auth, redirects,
retries, cookies through the jar interface, tracing, client middlewares and
Digest authentication), ``ClientRequest``
(which builds the request's bytes and knows nothing of the response),
``ClientResponse``, the request's deadline (``ClientTimeout`` itself is the
bottom module ``_timeouts``), the module-level ``request()`` and the
context managers requests return. It may import every layer below it; no
layer imports it back at run time.
"""

__all__: list[str] = []
