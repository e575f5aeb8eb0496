"""`python -m polster`: the same as the `polster` command."""

import sys

from polster.tooling.cli import main

sys.exit(main())
