"""The overhead of lamella-opentelemetry per request (``bench_otel.py``)."""
