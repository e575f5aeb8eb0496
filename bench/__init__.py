"""`make bench`: how fast Polster renders, scaffolds and runs, against what users would use.

Every figure is the median of several runs of a child process (wall time and peak RSS),
and every comparison is a ratio of two figures measured in the same `make bench` run.
"""
