"""The `polster` command: scaffolding, validation, tables and updates of a project."""
