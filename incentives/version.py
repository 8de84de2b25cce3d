"""The program's version, the one place it is written (pyproject.toml reads it from here).

Kept apart from `incentives/__init__.py` so that the loaders can key their cache on it
without importing the engine."""

__version__ = "0.1.0"
