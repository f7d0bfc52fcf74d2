"""python -m scriptagent.bench"""

import sys

from . import main

sys.exit(main())
