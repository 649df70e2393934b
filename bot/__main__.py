"""``python -m bot`` is the ``tidtam`` command."""

import sys

from bot.cli import main

sys.exit(main())
