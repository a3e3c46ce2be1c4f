"""``python -m lamina._cli``: the same as the ``lamina`` console script."""

import sys

from . import main

sys.exit(main())
