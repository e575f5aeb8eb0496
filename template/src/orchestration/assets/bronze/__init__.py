"""Bronze assets: every run_bronze_<name>.py here is discovered, no registration needed."""
