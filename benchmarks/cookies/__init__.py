"""The cookie jar benchmark: standalone (``bench_cookies.py``) and the harness's "cookies" row."""
