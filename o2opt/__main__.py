"""``python -m o2opt``: the command line."""

import sys

from o2opt.cli import main

sys.exit(main())
