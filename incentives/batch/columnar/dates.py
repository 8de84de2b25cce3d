"""Dates moved by an offset over a column of ordinals at once, as `Offset.point` does it.

`Offset.point` adds a dateutil `relativedelta(years, months, days)`: the year and month
move first, the day is clipped to the end of the month reached, then the days are added;
where the day was clipped and the offset has no days, the point moves to the next day
(the first of the next month). Here the same steps are taken with numpy's calendar dates
on whole arrays of distinct dates, for offsets of no negative part (all a rule file may
give); `tests/test_columnar_dates.py` holds it to `Offset.point` day by day, and the
years to `date.year`.
"""

from __future__ import annotations

from datetime import date

import numpy as np

from incentives.model.rule import Offset

_EPOCH = date(1970, 1, 1).toordinal()  # numpy's day 0


def vectorised(offset: Offset) -> bool:
    """Whether `moved` works this offset out (no part of it below zero)."""
    return min(offset.years, offset.months, offset.days) >= 0


def moved(offset: Offset, ordinals: np.ndarray, last: bool = False) -> np.ndarray:
    """`offset.point` (or `offset.last_day` where `last`) of each ordinal, as ordinals."""
    days = (np.asarray(ordinals, dtype=np.int64) - _EPOCH).astype("datetime64[D]")
    month = days.astype("datetime64[M]")
    day = (days - month).astype(np.int64)  # from 0
    target = month + np.timedelta64(offset.years * 12 + offset.months, "M")
    length = ((target + np.timedelta64(1, "M")).astype("datetime64[D]")
              - target.astype("datetime64[D]")).astype(np.int64)
    clipped = day >= length
    point = target.astype("datetime64[D]").astype(np.int64) + np.minimum(day, length - 1)
    point += offset.days + (clipped & (offset.days == 0))
    return point + _EPOCH - (1 if last else 0)  # type: ignore[no-any-return]


def year_of(ordinals: np.ndarray) -> np.ndarray:
    """The year of each ordinal."""
    days = (np.asarray(ordinals, dtype=np.int64) - _EPOCH).astype("datetime64[D]")
    return days.astype("datetime64[Y]").astype(np.int64) + 1970
