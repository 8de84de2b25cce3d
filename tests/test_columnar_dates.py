"""`columnar.dates` against `Offset.point`, `Offset.last_day` and `date.year`, day by day:
every day of 1899 to 1901 and 1999 to 2001 and 2023 to 2025 (leap years and not, the
century rules, month ends), moved by offsets with and without days, months past a year,
up to the 100 of each a rule file allows."""

from __future__ import annotations

from datetime import date

import numpy as np
import pytest

from incentives.batch.columnar.dates import moved, vectorised, year_of
from incentives.batch.columnar.engine import DateMap
from incentives.model.rule import Offset

DAYS = np.concatenate([np.arange(date(first, 1, 1).toordinal(), date(first + 3, 1, 1).toordinal())
                       for first in (1899, 1999, 2023)])
OFFSETS = [(0, 0, 0), (1, 0, 0), (3, 0, 0), (0, 1, 0), (0, 13, 0), (0, 0, 1), (0, 0, 31),
           (1, 1, 1), (2, 11, 30), (0, 1, 1), (100, 100, 100), (4, 0, 0), (0, 24, 0)]


@pytest.mark.parametrize("counts", OFFSETS, ids=str)
def test_every_day_moves_as_the_offset_moves_it(counts: tuple[int, int, int]) -> None:
    offset = Offset("opened_on", *counts)
    assert vectorised(offset)
    starts = [date.fromordinal(day) for day in DAYS.tolist()]
    assert moved(offset, DAYS).tolist() == [offset.point(d).toordinal() for d in starts]
    assert moved(offset, DAYS, last=True).tolist() == [
        offset.last_day(d).toordinal() for d in starts]


def test_a_date_map_fills_its_table_at_once_with_the_same_days() -> None:
    offset = Offset("opened_on", 3, 0, 0)
    known = np.ones(len(DAYS), dtype=bool)
    known[::7] = False
    found = DateMap(offset, last=True).apply(DAYS, known)
    assert found.tolist() == [offset.last_day(date.fromordinal(day)).toordinal() if k else 0
                              for day, k in zip(DAYS.tolist(), known.tolist(), strict=True)]


def test_an_offset_below_zero_is_left_to_dateutil() -> None:
    assert not vectorised(Offset("opened_on", 0, -1, 0))


def test_years() -> None:
    assert year_of(DAYS).tolist() == [date.fromordinal(day).year for day in DAYS.tolist()]
