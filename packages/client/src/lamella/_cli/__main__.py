"""``python -m lamella._cli``: the same as the ``lamella`` console script."""

import sys

from . import main

sys.exit(main())
