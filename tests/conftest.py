"""Fixtures live in plugin modules under tests/fixtures (listed in pyproject.toml's addopts)."""
