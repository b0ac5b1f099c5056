"""Package data of the Transform context (read through ``importlib.resources``)."""
