"""Benchmarks, each measured side by side with its baseline in the same run (see bench/README.md)."""
