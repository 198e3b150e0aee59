"""Importers: the LK20 curriculum, IMS OneRoster 1.1 CSV exports and Ransel's extras file.

Each importer validates everything first and reports every problem it finds (file, line,
column) before it writes anything; writing happens in one transaction, so a bad file
imports nothing. A second import of the same input changes nothing.
"""

from bot.importers._problems import ImportFailed, Problem

__all__ = ["ImportFailed", "Problem"]
