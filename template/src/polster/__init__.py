"""Polster: the medallion rules and project tooling bundled with this project."""
