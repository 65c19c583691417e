"""Runners that measure decode latency on real engines; each writes measurement records."""
