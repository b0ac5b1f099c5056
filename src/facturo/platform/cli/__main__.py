"""``python -m facturo.platform.cli``: the same as the ``facturo`` command."""

from facturo.platform.cli.main import main

main()
