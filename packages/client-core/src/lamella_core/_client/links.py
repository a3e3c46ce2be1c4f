"""Parsing the ``Link`` header (RFC 8288) into aiohttp's ``links`` shape."""

from __future__ import annotations

import re
from collections.abc import Iterable

from multidict import MultiDict, MultiDictProxy
from yarl import URL

__all__ = ["parse_links"]

# One link: <target> followed by ;-separated parameters, up to the next comma
# outside quotes.
_LINK = re.compile(r'\s*<([^>]*)>((?:\s*;\s*[^;,=\s]+(?:\s*=\s*(?:"(?:[^"\\]|\\.)*"|[^;,]*))?)*)')
_PARAM = re.compile(r'\s*;\s*([^;,=\s]+)(?:\s*=\s*("(?:[^"\\]|\\.)*"|[^;,]*))?')


def parse_links(values: Iterable[str], base: URL) -> MultiDictProxy[MultiDictProxy[str | URL]]:
    """Map each link's ``rel`` (or its URL when it has none) to its parameters and ``url``."""
    links: MultiDict[MultiDictProxy[str | URL]] = MultiDict()
    for value in values:
        pos = 0
        while True:
            match = _LINK.match(value, pos)
            if match is None:
                break
            target, raw_params = match.groups()
            params: MultiDict[str | URL] = MultiDict()
            for name, param in _PARAM.findall(raw_params):
                if param.startswith('"') and param.endswith('"') and len(param) >= 2:
                    param = re.sub(r"\\(.)", r"\1", param[1:-1])
                params.add(name.lower(), param.strip())
            url = base.join(URL(target))
            params["url"] = url
            key = params.get("rel", url)
            links.add(str(key), MultiDictProxy(params))
            pos = match.end()
            comma = value.find(",", pos)
            if comma < 0:
                break
            pos = comma + 1
    return MultiDictProxy(links)
