"""HTTP method names and header field names as constants, like ``aiohttp.hdrs``.

Header names are ``multidict.istr``, the string type that case-insensitive
multidicts (request and response headers) look up without folding again;
``METH_ALL`` holds the methods of RFC 9110 and RFC 5789. Plain strings work
everywhere a constant does: these exist for code that imports them.
"""

from typing import Final

from multidict import istr

METH_ANY: Final = "*"
METH_CONNECT: Final = "CONNECT"
METH_DELETE: Final = "DELETE"
METH_GET: Final = "GET"
METH_HEAD: Final = "HEAD"
METH_OPTIONS: Final = "OPTIONS"
METH_PATCH: Final = "PATCH"
METH_POST: Final = "POST"
METH_PUT: Final = "PUT"
METH_TRACE: Final = "TRACE"
METH_ALL: Final = frozenset(
    {
        METH_CONNECT,
        METH_DELETE,
        METH_GET,
        METH_HEAD,
        METH_OPTIONS,
        METH_PATCH,
        METH_POST,
        METH_PUT,
        METH_TRACE,
    }
)

# HTTP semantics (RFC 9110)
ACCEPT: Final = istr("Accept")
ACCEPT_CHARSET: Final = istr("Accept-Charset")
ACCEPT_ENCODING: Final = istr("Accept-Encoding")
ACCEPT_LANGUAGE: Final = istr("Accept-Language")
ACCEPT_RANGES: Final = istr("Accept-Ranges")
ALLOW: Final = istr("Allow")
AUTHENTICATION_INFO: Final = istr("Authentication-Info")
AUTHORIZATION: Final = istr("Authorization")
CONNECTION: Final = istr("Connection")
CONTENT_ENCODING: Final = istr("Content-Encoding")
CONTENT_LANGUAGE: Final = istr("Content-Language")
CONTENT_LENGTH: Final = istr("Content-Length")
CONTENT_LOCATION: Final = istr("Content-Location")
CONTENT_RANGE: Final = istr("Content-Range")
CONTENT_TYPE: Final = istr("Content-Type")
DATE: Final = istr("Date")
ETAG: Final = istr("ETag")
EXPECT: Final = istr("Expect")
FROM: Final = istr("From")
HOST: Final = istr("Host")
IF_MATCH: Final = istr("If-Match")
IF_MODIFIED_SINCE: Final = istr("If-Modified-Since")
IF_NONE_MATCH: Final = istr("If-None-Match")
IF_RANGE: Final = istr("If-Range")
IF_UNMODIFIED_SINCE: Final = istr("If-Unmodified-Since")
LAST_MODIFIED: Final = istr("Last-Modified")
LOCATION: Final = istr("Location")
MAX_FORWARDS: Final = istr("Max-Forwards")
PROXY_AUTHENTICATE: Final = istr("Proxy-Authenticate")
PROXY_AUTHENTICATION_INFO: Final = istr("Proxy-Authentication-Info")
PROXY_AUTHORIZATION: Final = istr("Proxy-Authorization")
RANGE: Final = istr("Range")
REFERER: Final = istr("Referer")
RETRY_AFTER: Final = istr("Retry-After")
SERVER: Final = istr("Server")
TE: Final = istr("TE")
TRAILER: Final = istr("Trailer")
UPGRADE: Final = istr("Upgrade")
USER_AGENT: Final = istr("User-Agent")
VARY: Final = istr("Vary")
VIA: Final = istr("Via")
WWW_AUTHENTICATE: Final = istr("WWW-Authenticate")

# HTTP/1.1 framing (RFC 9112) and its predecessors
TRANSFER_ENCODING: Final = istr("Transfer-Encoding")
KEEP_ALIVE: Final = istr("Keep-Alive")
URI: Final = istr("URI")

# Caching (RFC 9111, 9211, 9213)
AGE: Final = istr("Age")
CACHE_CONTROL: Final = istr("Cache-Control")
EXPIRES: Final = istr("Expires")
PRAGMA: Final = istr("Pragma")
WARNING: Final = istr("Warning")
CACHE_STATUS: Final = istr("Cache-Status")
CDN_CACHE_CONTROL: Final = istr("CDN-Cache-Control")

# Cookies (RFC 6265) and WebSockets (RFC 6455, RFC 6454)
COOKIE: Final = istr("Cookie")
SET_COOKIE: Final = istr("Set-Cookie")
ORIGIN: Final = istr("Origin")
SEC_WEBSOCKET_ACCEPT: Final = istr("Sec-WebSocket-Accept")
SEC_WEBSOCKET_EXTENSIONS: Final = istr("Sec-WebSocket-Extensions")
SEC_WEBSOCKET_KEY: Final = istr("Sec-WebSocket-Key")
SEC_WEBSOCKET_KEY1: Final = istr("Sec-WebSocket-Key1")
SEC_WEBSOCKET_PROTOCOL: Final = istr("Sec-WebSocket-Protocol")
SEC_WEBSOCKET_VERSION: Final = istr("Sec-WebSocket-Version")

# Bodies and parts (RFC 2045, 1864, 6266)
CONTENT_DISPOSITION: Final = istr("Content-Disposition")
CONTENT_ID: Final = istr("Content-ID")
CONTENT_MD5: Final = istr("Content-MD5")
CONTENT_TRANSFER_ENCODING: Final = istr("Content-Transfer-Encoding")

# Digests (RFC 9530, RFC 3230)
CONTENT_DIGEST: Final = istr("Content-Digest")
REPR_DIGEST: Final = istr("Repr-Digest")
WANT_CONTENT_DIGEST: Final = istr("Want-Content-Digest")
WANT_REPR_DIGEST: Final = istr("Want-Repr-Digest")
DIGEST: Final = istr("Digest")
WANT_DIGEST: Final = istr("Want-Digest")

# Other registered fields
ACCEPT_CH: Final = istr("Accept-CH")
ALT_SVC: Final = istr("Alt-Svc")
ALT_USED: Final = istr("Alt-Used")
CDN_LOOP: Final = istr("CDN-Loop")
DESTINATION: Final = istr("Destination")
EARLY_DATA: Final = istr("Early-Data")
FORWARDED: Final = istr("Forwarded")
LAST_EVENT_ID: Final = istr("Last-Event-ID")
LINK: Final = istr("Link")
PRIORITY: Final = istr("Priority")
STRICT_TRANSPORT_SECURITY: Final = istr("Strict-Transport-Security")

# CORS and the Fetch standard
ACCESS_CONTROL_ALLOW_CREDENTIALS: Final = istr("Access-Control-Allow-Credentials")
ACCESS_CONTROL_ALLOW_HEADERS: Final = istr("Access-Control-Allow-Headers")
ACCESS_CONTROL_ALLOW_METHODS: Final = istr("Access-Control-Allow-Methods")
ACCESS_CONTROL_ALLOW_ORIGIN: Final = istr("Access-Control-Allow-Origin")
ACCESS_CONTROL_EXPOSE_HEADERS: Final = istr("Access-Control-Expose-Headers")
ACCESS_CONTROL_MAX_AGE: Final = istr("Access-Control-Max-Age")
ACCESS_CONTROL_REQUEST_HEADERS: Final = istr("Access-Control-Request-Headers")
ACCESS_CONTROL_REQUEST_METHOD: Final = istr("Access-Control-Request-Method")
TIMING_ALLOW_ORIGIN: Final = istr("Timing-Allow-Origin")
CROSS_ORIGIN_EMBEDDER_POLICY: Final = istr("Cross-Origin-Embedder-Policy")
CROSS_ORIGIN_OPENER_POLICY: Final = istr("Cross-Origin-Opener-Policy")
CROSS_ORIGIN_RESOURCE_POLICY: Final = istr("Cross-Origin-Resource-Policy")
ORIGIN_AGENT_CLUSTER: Final = istr("Origin-Agent-Cluster")
SEC_FETCH_DEST: Final = istr("Sec-Fetch-Dest")
SEC_FETCH_MODE: Final = istr("Sec-Fetch-Mode")
SEC_FETCH_SITE: Final = istr("Sec-Fetch-Site")
SEC_FETCH_USER: Final = istr("Sec-Fetch-User")
SEC_PURPOSE: Final = istr("Sec-Purpose")
SEC_GPC: Final = istr("Sec-GPC")
SEC_CH_UA: Final = istr("Sec-CH-UA")
SEC_CH_UA_MOBILE: Final = istr("Sec-CH-UA-Mobile")
SEC_CH_UA_PLATFORM: Final = istr("Sec-CH-UA-Platform")
UPGRADE_INSECURE_REQUESTS: Final = istr("Upgrade-Insecure-Requests")

# Browser policies and reporting
CLEAR_SITE_DATA: Final = istr("Clear-Site-Data")
CONTENT_SECURITY_POLICY: Final = istr("Content-Security-Policy")
CONTENT_SECURITY_POLICY_REPORT_ONLY: Final = istr("Content-Security-Policy-Report-Only")
PERMISSIONS_POLICY: Final = istr("Permissions-Policy")
REFERRER_POLICY: Final = istr("Referrer-Policy")
REPORTING_ENDPOINTS: Final = istr("Reporting-Endpoints")
REPORT_TO: Final = istr("Report-To")
NEL: Final = istr("NEL")
SERVER_TIMING: Final = istr("Server-Timing")

# Trace context (W3C), written in lower case as specified
TRACEPARENT: Final = istr("traceparent")
TRACESTATE: Final = istr("tracestate")
BAGGAGE: Final = istr("baggage")

# Common non-standard fields
X_CONTENT_TYPE_OPTIONS: Final = istr("X-Content-Type-Options")
X_CORRELATION_ID: Final = istr("X-Correlation-ID")
X_FORWARDED_FOR: Final = istr("X-Forwarded-For")
X_FORWARDED_HOST: Final = istr("X-Forwarded-Host")
X_FORWARDED_PORT: Final = istr("X-Forwarded-Port")
X_FORWARDED_PROTO: Final = istr("X-Forwarded-Proto")
X_FRAME_OPTIONS: Final = istr("X-Frame-Options")
X_POWERED_BY: Final = istr("X-Powered-By")
X_RATELIMIT_LIMIT: Final = istr("X-RateLimit-Limit")
X_RATELIMIT_REMAINING: Final = istr("X-RateLimit-Remaining")
X_RATELIMIT_RESET: Final = istr("X-RateLimit-Reset")
X_REAL_IP: Final = istr("X-Real-IP")
X_REQUEST_ID: Final = istr("X-Request-ID")
X_REQUESTED_WITH: Final = istr("X-Requested-With")
X_XSS_PROTECTION: Final = istr("X-XSS-Protection")

__all__ = [
    "ACCEPT",
    "ACCEPT_CH",
    "ACCEPT_CHARSET",
    "ACCEPT_ENCODING",
    "ACCEPT_LANGUAGE",
    "ACCEPT_RANGES",
    "ACCESS_CONTROL_ALLOW_CREDENTIALS",
    "ACCESS_CONTROL_ALLOW_HEADERS",
    "ACCESS_CONTROL_ALLOW_METHODS",
    "ACCESS_CONTROL_ALLOW_ORIGIN",
    "ACCESS_CONTROL_EXPOSE_HEADERS",
    "ACCESS_CONTROL_MAX_AGE",
    "ACCESS_CONTROL_REQUEST_HEADERS",
    "ACCESS_CONTROL_REQUEST_METHOD",
    "AGE",
    "ALLOW",
    "ALT_SVC",
    "ALT_USED",
    "AUTHENTICATION_INFO",
    "AUTHORIZATION",
    "BAGGAGE",
    "CACHE_CONTROL",
    "CACHE_STATUS",
    "CDN_CACHE_CONTROL",
    "CDN_LOOP",
    "CLEAR_SITE_DATA",
    "CONNECTION",
    "CONTENT_DIGEST",
    "CONTENT_DISPOSITION",
    "CONTENT_ENCODING",
    "CONTENT_ID",
    "CONTENT_LANGUAGE",
    "CONTENT_LENGTH",
    "CONTENT_LOCATION",
    "CONTENT_MD5",
    "CONTENT_RANGE",
    "CONTENT_SECURITY_POLICY",
    "CONTENT_SECURITY_POLICY_REPORT_ONLY",
    "CONTENT_TRANSFER_ENCODING",
    "CONTENT_TYPE",
    "COOKIE",
    "CROSS_ORIGIN_EMBEDDER_POLICY",
    "CROSS_ORIGIN_OPENER_POLICY",
    "CROSS_ORIGIN_RESOURCE_POLICY",
    "DATE",
    "DESTINATION",
    "DIGEST",
    "EARLY_DATA",
    "ETAG",
    "EXPECT",
    "EXPIRES",
    "FORWARDED",
    "FROM",
    "HOST",
    "IF_MATCH",
    "IF_MODIFIED_SINCE",
    "IF_NONE_MATCH",
    "IF_RANGE",
    "IF_UNMODIFIED_SINCE",
    "KEEP_ALIVE",
    "LAST_EVENT_ID",
    "LAST_MODIFIED",
    "LINK",
    "LOCATION",
    "MAX_FORWARDS",
    "METH_ALL",
    "METH_ANY",
    "METH_CONNECT",
    "METH_DELETE",
    "METH_GET",
    "METH_HEAD",
    "METH_OPTIONS",
    "METH_PATCH",
    "METH_POST",
    "METH_PUT",
    "METH_TRACE",
    "NEL",
    "ORIGIN",
    "ORIGIN_AGENT_CLUSTER",
    "PERMISSIONS_POLICY",
    "PRAGMA",
    "PRIORITY",
    "PROXY_AUTHENTICATE",
    "PROXY_AUTHENTICATION_INFO",
    "PROXY_AUTHORIZATION",
    "RANGE",
    "REFERER",
    "REFERRER_POLICY",
    "REPORTING_ENDPOINTS",
    "REPORT_TO",
    "REPR_DIGEST",
    "RETRY_AFTER",
    "SEC_CH_UA",
    "SEC_CH_UA_MOBILE",
    "SEC_CH_UA_PLATFORM",
    "SEC_FETCH_DEST",
    "SEC_FETCH_MODE",
    "SEC_FETCH_SITE",
    "SEC_FETCH_USER",
    "SEC_GPC",
    "SEC_PURPOSE",
    "SEC_WEBSOCKET_ACCEPT",
    "SEC_WEBSOCKET_EXTENSIONS",
    "SEC_WEBSOCKET_KEY",
    "SEC_WEBSOCKET_KEY1",
    "SEC_WEBSOCKET_PROTOCOL",
    "SEC_WEBSOCKET_VERSION",
    "SERVER",
    "SERVER_TIMING",
    "SET_COOKIE",
    "STRICT_TRANSPORT_SECURITY",
    "TE",
    "TIMING_ALLOW_ORIGIN",
    "TRACEPARENT",
    "TRACESTATE",
    "TRAILER",
    "TRANSFER_ENCODING",
    "UPGRADE",
    "UPGRADE_INSECURE_REQUESTS",
    "URI",
    "USER_AGENT",
    "VARY",
    "VIA",
    "WANT_CONTENT_DIGEST",
    "WANT_DIGEST",
    "WANT_REPR_DIGEST",
    "WARNING",
    "WWW_AUTHENTICATE",
    "X_CONTENT_TYPE_OPTIONS",
    "X_CORRELATION_ID",
    "X_FORWARDED_FOR",
    "X_FORWARDED_HOST",
    "X_FORWARDED_PORT",
    "X_FORWARDED_PROTO",
    "X_FRAME_OPTIONS",
    "X_POWERED_BY",
    "X_RATELIMIT_LIMIT",
    "X_RATELIMIT_REMAINING",
    "X_RATELIMIT_RESET",
    "X_REAL_IP",
    "X_REQUESTED_WITH",
    "X_REQUEST_ID",
    "X_XSS_PROTECTION",
]
