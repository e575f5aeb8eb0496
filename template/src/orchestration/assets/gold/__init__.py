"""Gold assets: every run_gold_<name>.py here is discovered, no registration needed."""
