"""Screening a registry: rows in (CSV, JSON Lines), results and rejected rows out, a summary
by payer and year, workers; `columnar/` is the exact column engine.

    from incentives.batch import BatchOptions, run_batch
"""

from incentives.batch.run import BatchOptions, run_batch
from incentives.errors import RegistryError

__all__ = ["BatchOptions", "RegistryError", "run_batch"]
