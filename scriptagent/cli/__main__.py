"""`python -m scriptagent.cli ARGS`: the same as `scriptagent ARGS`."""

import sys

from . import main

sys.exit(main())
