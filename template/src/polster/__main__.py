"""`python -m polster`: the same as the `polster` command."""

import sys

from polster.cli import main

sys.exit(main())
