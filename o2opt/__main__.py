"""``python -m o2opt``: the command line."""

import gc

# Importing numpy and pandas makes tens of thousands of objects that live as long as the
# process: collecting garbage among them while they are made is wasted work (cli.run
# then freezes them).
gc.disable()
from o2opt.cli import run  # noqa: E402

gc.enable()
run()
