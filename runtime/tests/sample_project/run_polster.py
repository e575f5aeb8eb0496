import sys

from polster.orchestration import run_polster

if __name__ == "__main__":
    sys.exit(run_polster())
