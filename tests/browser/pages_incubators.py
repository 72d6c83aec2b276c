"""Pages of the incubators feature for the audits of pages.py (see its docstring): PAGES lines, their setups and
acts, and ROLES this feature adds."""

from __future__ import annotations

from .pages import Page, World  # noqa: F401

ROLES: dict = {}
PAGES: list[Page] = []
