"""Scripts `make bench` runs as child processes inside a rendered project (PYTHONPATH=src).

Each writes Delta tables under the data folder it is given, the way a user would
without Polster, so that its time and memory can be compared with `run_polster.py`.
"""
