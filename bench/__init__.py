"""Benchmarks (`make bench`): each measures against a baseline taken in the same run, never against a fixed time."""
