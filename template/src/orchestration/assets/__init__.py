"""Asset wrappers, one folder per layer; definitions.py discovers them by file name."""
