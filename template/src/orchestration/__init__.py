"""Dagster orchestration of the core modules: thin wrappers, discovery and storage."""
