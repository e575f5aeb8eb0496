"""The sample project's asset logic."""
