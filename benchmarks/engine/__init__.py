"""Helpers of ``bench_engine.py``: the no-op workflow, worker and DBOS processes, statistics."""
