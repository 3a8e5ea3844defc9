"""Hooks by which later domains add to the shared kernel without the kernel importing them."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask


def add_home_section(app: Flask, render: Callable[[], str | None]) -> None:
    """`render` returns an HTML fragment for the home page, or None."""
    app.extensions.setdefault("ascn_home_sections", []).append(render)


def home_sections(app: Flask) -> list[Callable[[], str | None]]:
    return app.extensions.get("ascn_home_sections", [])


def add_demo_loader(app: Flask, name: str, load: Callable[[], None]) -> None:
    """`flask demo load` runs every loader in registration order, each idempotent."""
    app.extensions.setdefault("ascn_demo_loaders", []).append((name, load))


def demo_loaders(app: Flask) -> list[tuple[str, Callable[[], None]]]:
    return app.extensions.get("ascn_demo_loaders", [])


def add_personal_data(app: Flask, name: str, collect: Callable) -> None:
    """`collect(user)` returns what a domain holds about the user, JSON-ready, for their data download."""
    app.extensions.setdefault("ascn_personal_data", []).append((name, collect))


def personal_data_sources(app: Flask) -> list[tuple[str, Callable]]:
    return app.extensions.get("ascn_personal_data", [])


def add_account_eraser(app: Flask, erase: Callable) -> None:
    """`erase(user)` removes or anonymises what a domain holds about the user before the account is deleted."""
    app.extensions.setdefault("ascn_account_erasers", []).append(erase)


def account_erasers(app: Flask) -> list[Callable]:
    return app.extensions.get("ascn_account_erasers", [])
