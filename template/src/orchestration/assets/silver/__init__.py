"""Silver assets: every run_silver_<name>.py here is discovered, no registration needed."""
