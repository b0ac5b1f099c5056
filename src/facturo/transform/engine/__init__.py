"""The engine's pure parts: the planner (``plan``) and the retry policy (``retry``).

The worker, the lease store and the step providers build on these; they hold all the I/O.
"""
