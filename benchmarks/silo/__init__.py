"""Helpers of ``bench_silo.py``: the servers, the bare ceiling app, the load driver, bulk load."""
