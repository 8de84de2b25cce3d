"""What a report states as fact and what it only says may apply: notes follow three-valued
logic; events before a policy and items already past are told one way."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from click.testing import CliRunner

from incentives.cli import cli

from .conftest import result_of

AS_OF = date(2026, 12, 3)
BEFORE_THE_POLICY = "The grade was attained before the policy"


def report(tmp_path: Path, profile: str, *args: str) -> str:
    path = tmp_path / "p.toml"
    path.write_text(profile, encoding="utf-8")
    out = CliRunner().invoke(cli, ["check", str(path), "--as-of", AS_OF.isoformat(), *args],
                             env={"COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    return out.output


def test_a_note_whose_condition_is_unknown_is_not_stated_as_a_fact(tmp_path: Path) -> None:
    # no grade, no date: whether the grade came before 2018-08-06 is unknown, so the note
    # is told as one that may apply, naming the fact that decides it
    text = report(tmp_path, 'city = "zhengzhou"\nsponsor = "social"\n', "--format", "markdown")
    assert f"note: {BEFORE_THE_POLICY}" not in text
    assert f"depends on grade\\_attained\\_on): {BEFORE_THE_POLICY}" in text
    r = result_of({"city": "zhengzhou", "sponsor": "social"}, "zhengzhou.grade-award", AS_OF)
    assert not any(BEFORE_THE_POLICY in note.en for note in r.notes)
    assert [n.depends_on for n in r.open_notes if BEFORE_THE_POLICY in n.text.en] == [
        ["grade_attained_on"]]


def test_a_note_whose_condition_holds_is_stated_and_one_that_fails_is_not(tmp_path: Path
                                                                          ) -> None:
    raw = {"city": "zhengzhou", "district": "金水区", "sponsor": "social", "grade": "3A"}
    held = result_of({**raw, "grade_attained_on": "2016-05-01"}, "zhengzhou.grade-award", AS_OF)
    failed = result_of({**raw, "grade_attained_on": "2020-05-01"}, "zhengzhou.grade-award",
                       AS_OF)
    assert any(BEFORE_THE_POLICY in note.en for note in held.notes)
    assert not any(BEFORE_THE_POLICY in n.en for n in failed.notes)
    assert not any(BEFORE_THE_POLICY in n.text.en for n in failed.open_notes)


def test_the_json_keeps_a_note_that_may_apply_apart(tmp_path: Path) -> None:
    found = json.loads(report(tmp_path, 'city = "zhengzhou"\nsponsor = "social"\n',
                              "--format", "json"))
    award = next(r for r in found["results"] if r["rule"] == "zhengzhou.grade-award")
    assert not any(BEFORE_THE_POLICY in note for note in award["notes"])
    assert {"note": next(n["note"] for n in award["notes_if"]
                         if BEFORE_THE_POLICY in n["note"]["en"]),
            "depends_on": ["grade_attained_on"]} in award["notes_if"]


# --- items already past ---------------------------------------------------------------------

ENDED = ('city = "zhengzhou"\ndistrict = "金水区"\nsponsor = "social"\nfor_profit = true\n'
         'income_reinvested = true\nlicence_registered_on = 2023-11-15\n'
         'property_value = "5000万"\nland_area = 20000\n')


def test_an_exemption_that_ended_last_month_is_past_and_keeps_its_savings(tmp_path: Path
                                                                          ) -> None:
    # three years from 2023-11-15: the last exempt day is 2026-11-14, before 2026-12-03.
    # Still the entitlement, told as past; its estimated savings stay in 2023 … 2026.
    found = json.loads(report(tmp_path, ENDED, "--format", "json"))
    ended = next(r for r in found["results"]
                 if r["rule"] == "zhengzhou.for-profit-property-tax-exemption")
    assert (ended["status"], ended["past"]) == ("eligible", True)
    assert ended["period"] == {"start": "2023-11-15", "end": "2026-11-14"}
    years = found["by_year"]["tax_saved_estimate"]
    assert set(years) == {"2023", "2024", "2025", "2026"}
    text = report(tmp_path, ENDED)
    assert "[past]" in text


def test_a_grade_award_due_in_2024_is_past_and_not_still_to_come(tmp_path: Path) -> None:
    # 3A attained 2024-05-01: 10,000,000.00, due on or after that day, before the as-of
    # date; certain and possible, and nothing of it still to come
    profile = ('city = "zhengzhou"\ndistrict = "金水区"\nsponsor = "social"\ngrade = "3A"\n'
               "grade_attained_on = 2024-05-01\n")
    found = json.loads(report(tmp_path, profile, "--format", "json"))
    award = next(r for r in found["results"] if r["rule"] == "zhengzhou.grade-award")
    assert (award["status"], award["amount"], award["past"]) == ("eligible", "10000000.00", True)
    assert found["totals"]["certain"]["cash"] == "10000000.00"
    assert found["totals"]["to_come"] == {"cash": "0.00", "by_payer": {}}
    assert "Still to come" in report(tmp_path, profile)


def test_an_award_for_an_event_before_the_policy_says_what_it_would_give(tmp_path: Path
                                                                         ) -> None:
    profile = ('city = "zhengzhou"\ndistrict = "金水区"\nsponsor = "social"\ngrade = "3A"\n'
               "grade_attained_on = 2012-05-01\n")
    found = json.loads(report(tmp_path, profile, "--format", "json"))
    award = next(r for r in found["results"] if r["rule"] == "zhengzhou.grade-award")
    assert award["status"] == "not_eligible"
    assert award["if_earlier_events_counted"] == {"status": "eligible", "amount": "10000000.00"}
    assert found["by_year"]["cash"] == {}  # nothing lands in a 2012 column
    text = report(tmp_path, profile)
    assert "If events before the policy counted: 10,000,000.00 元" in text
    assert "Date the grade was awarded 2012-05-01 ≥ 2018-08-06 ✗" in text
