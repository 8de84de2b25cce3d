"""What a folder's cases exercise of its rules (`incentives rules test --coverage`).

For each rule: each amount case (the one that applied), each check of its condition seen
both true and false, each note with a condition seen to apply, and each schedule entry of
an eligible result. What no case reached is listed by name, so an author knows which case
to write next.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from incentives.assessment.cases import Outcome
from incentives.model.conditions import Context, Step
from incentives.model.result import ELIGIBLE, Result
from incentives.model.rule import Note, Rule


@dataclass
class RuleCoverage:
    """One rule: the parts a case reached, and the parts none did."""

    rule: Rule
    reached: set[str] = field(default_factory=set)

    def parts(self) -> list[str]:
        rule = self.rule
        leaves = _leaf_texts(rule)
        return [*(f"amount case {i + 1}" for i in range(len(rule.amount))),
                *(f"{text} is {side}" for text in leaves for side in ("true", "false")),
                *(note_name(i, n) for i, n in enumerate(rule.notes) if n.when is not None),
                *(f"schedule entry {i + 1}" for i in range(len(rule.schedule)))]

    def missed(self) -> list[str]:
        return [part for part in self.parts() if part not in self.reached]

    def percent(self) -> int:
        parts = self.parts()
        return 100 if not parts else 100 * (len(parts) - len(self.missed())) // len(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"rule": self.rule.id, "parts": len(self.parts()), "percent": self.percent(),
                "not_exercised": self.missed()}


def note_name(index: int, note: Note) -> str:
    """`note 3 (when division_type != 'district')`: a note by its number and condition."""
    return f"note {index + 1} (when {note.when.source if note.when else ''})"


def _leaf_texts(rule: Rule) -> list[str]:
    if rule.when is None:
        return []
    step = rule.when.trace(Context({}, {}, {}))
    return list(dict.fromkeys(leaf.text for leaf in step.leaves()))


def coverage(rules: list[Rule], outcomes: list[Outcome]) -> list[RuleCoverage]:
    """What the outcomes' assessments reached of each of `rules`."""
    found = {rule.id: RuleCoverage(rule) for rule in rules}
    for outcome in outcomes:
        if outcome.assessment is None:
            continue
        facts = outcome.assessment.profile.facts
        for shown in outcome.assessment.results:
            for result in (shown, *shown.also):
                entry = found.get(result.rule.id)
                if entry is not None and entry.rule is result.rule:
                    entry.reached |= _reached(result, facts, outcome.assessment.as_of)
    return list(found.values())


def _reached(result: Result, facts: Any, as_of: Any) -> set[str]:
    rule = result.rule
    params = {use.name: use.value for use in result.parameters}
    ctx = Context(facts, params, rule.dates_on(as_of))
    reached: set[str] = set()
    trace: Step | None = result.trace or (rule.when.trace(ctx) if rule.when else None)
    if trace is not None:
        reached |= {f"{leaf.text} is {'true' if leaf.outcome else 'false'}"
                    for leaf in trace.leaves() if leaf.outcome is not None}
    if result.status == ELIGIBLE:
        for index, case in enumerate(rule.amount):
            holds = True if case.when is None else case.when.evaluate(ctx)
            if holds:
                reached.add(f"amount case {index + 1}")
                break
            if holds is None:
                break
        reached |= {f"schedule entry {i + 1}" for i in range(len(rule.schedule))
                    if result.schedule}
    reached |= {note_name(i, note) for i, note in enumerate(rule.notes)
                if note.when is not None and note.when.evaluate(ctx) is True}
    return reached
