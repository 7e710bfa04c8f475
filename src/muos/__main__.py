"""``python -m muos`` is the ``muos`` command."""

import sys

from muos.cli import main

sys.exit(main())
