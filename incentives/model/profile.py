"""One institution's facts: read from TOML or JSON, checked against the fact schema.

A profile is a mapping of fact name to an exact value (bool, Decimal, date or str). A
left-out fact is simply absent: unknown, never false or zero. Every problem in a profile
is collected and reported at once.
"""

from __future__ import annotations

import re
import reprlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from incentives.errors import FactError, InputError, MoneyError, Problem, Suggestions, zh_hint
from incentives.model.facts import EARLIEST_DATE, LATEST_DATE, Fact, FactSchema
from incentives.model.money import NOT_A_NUMBER, parse_amount
from incentives.model.place import City

Value = bool | Decimal | date | str
# 2025年4月28日, and 2025/4/28 or 2025-4-28 or 2025.4.28 as Excel and people write them
_CHINESE_DATE = re.compile(r"^\s*(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*日\s*$"
                           r"|^\s*(\d{4})([/.-])(\d{1,2})\5(\d{1,2})\s*$")
TRUE_WORDS = {"true", "yes", "y", "1", "是", "有"}
FALSE_WORDS = {"false", "no", "n", "0", "否", "无", "没有"}


class _Short(reprlib.Repr):
    """reprlib, which stops a few levels down, but never asks for a huge int's digits."""

    def repr_int(self, x: int, level: int) -> str:
        return str(x) if abs(x) < 10**40 else "<a number of over 40 digits>"


_SHOWN = _Short()
_SHOWN.maxlevel = 3






@dataclass
class Profile:
    """The known facts of one institution; `city` is a loaded city's id."""

    city: str
    facts: dict[str, Value] = field(default_factory=dict)
    implied: frozenset[str] = frozenset()  # facts filled in from another (a level from a grade)

    @property
    def name(self) -> str:
        return str(self.facts.get("name", ""))

    def with_city(self, city: str) -> Profile:
        return Profile(city=city, facts=dict(self.facts, city=city), implied=self.implied)


# C0 and C1 control characters (tab, newline and escape among them): never in a name.
CONTROL_CHARACTER = re.compile("[\x00-\x1f\x7f-\x9f]")


def parse_profile(
    raw: Mapping[str, Any], schema: FactSchema, cities: Mapping[str, City], where: str = "profile"
) -> Profile:
    """Check a raw mapping against the schema and loaded cities; InputError lists all problems."""
    problems: list[Problem] = []
    facts: dict[str, Value] = {}
    suggestions = Suggestions()
    for given, value in raw.items():
        key = schema.key_for(given) or given  # a fact may be named in Chinese: 所在城市
        fact = schema.facts.get(key)
        if fact is None or fact.derived:
            hint = schema.suggest(key, suggestions)
            problems.append(Problem(f"{where}: {key}", f"unknown key {key!r}{hint}",
                                    f"未知的项 {key!r}{zh_hint(hint)}"))
            continue
        if key != given and key in raw:
            problems.append(Problem(f"{where}: {key}", f"given twice, also as {given!r}",
                                    f"重复填写，另以 {given!r} 填写"))
            continue
        if value is None or value == "":
            continue  # an explicit blank is as good as leaving the fact out
        try:
            facts[key] = convert(fact, value, cities)
        except ValueError as error:
            zh = error.zh if isinstance(error, FactError) else str(error)
            problems.append(Problem(f"{where}: {key}", f"{shown(value)}: {error}",
                                    f"{shown(value)}：{zh}"))
    city_id = facts.get("city")
    if "city" not in facts and raw.get("city") in (None, ""):  # left out, or left blank
        problems.append(Problem(f"{where}: city", f"missing; one of {', '.join(cities)}",
                                f"未填写；可选：{', '.join(cities)}"))
    elif isinstance(city_id, str) and "district" in facts:
        place_problem = place_district(facts, cities[city_id])
        if place_problem:
            problems.append(Problem(f"{where}: district", *place_problem))
    if isinstance(city_id, str):
        problems += scope_problems(facts, schema, city_id, where)
    implied = imply(facts, schema, where, problems)
    if problems:
        raise InputError(problems)
    return Profile(city=str(city_id), facts=facts, implied=implied)


def scope_problems(facts: Mapping[str, Value], schema: FactSchema, city: str, where: str
                   ) -> list[Problem]:
    """A fact another city's folder declares, given in a profile of this city: refused,
    naming the fact, the city that declares it and the profile's city."""
    return [Problem(f"{where}: {name}", scope_message(name, schema[name].scope or "", city),
                    scope_message(name, schema[name].scope or "", city, "zh"))
            for name in facts if schema[name].scope not in (None, city)]


def scope_message(name: str, scope: str, city: str, lang: str = "en") -> str:
    if lang == "zh":
        return (f"{name!r} 是 {scope} 的规则所声明的信息，不适用于本档案所在城市 {city}；"
                "请删除或留空")
    return (f"{name!r} is a fact of {scope} (declared in its folder's facts.toml), not of "
            f"{city}, the profile's city; leave it out or blank")


def imply(facts: dict[str, Value], schema: FactSchema, where: str,
          problems: list[Problem]) -> frozenset[str]:
    """Fill in the facts the given ones imply (grade 3A: hospital_level 3) where the profile
    leaves them out; a problem naming both where it gives one that disagrees. The names
    filled in."""
    filled = set()
    for name, fact in schema.facts.items():
        for other, mapping in fact.implies.items() if name in facts else ():
            implied = mapping.get(str(facts[name]))
            if implied is None or facts.get(other) == implied:
                continue
            if other in facts and other not in filled:
                problems.append(Problem(f"{where}: {other}", (
                    f"{other} = {_named(schema[other], str(facts[other]))} disagrees with "
                    f"{name} = {_named(fact, str(facts[name]))}, which is "
                    f"{other} {_named(schema[other], implied)}; correct one of them")))
                continue
            facts[other] = implied
            filled.add(other)
    return frozenset(filled)


def _named(fact: Fact, value: str) -> str:
    """`3A (三级甲等)`: a value with its first Chinese name."""
    names = [alias for alias, v in fact.aliases.items() if v == value and alias != value.casefold()]
    return f"{value} ({names[0]})" if names else value


def shown(value: Any) -> str:
    """A bad value as a message quotes it: short, even for a table nested thousands deep
    (reprlib stops at a few levels) or a text of a megabyte."""
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, dict | list | int) and not isinstance(value, bool):
        text = _SHOWN.repr(value)  # nested thousands deep, or too long for str()
    else:
        text = str(value)
    return text if len(text) <= 80 else text[:79] + "…"


def place_district(facts: dict[str, Value], city: City) -> tuple[str, str] | None:
    """Resolve the district within the city and derive its type; a message if it isn't there."""
    district = str(facts["district"])
    division = city.division(district)
    if division is None:
        names = ", ".join(city.divisions)
        return (f"{district!r} is not in {city.name_zh}; one of: {names}",
                f"{district!r} 不属于{city.name_zh}；可选：{names}")
    facts["district"] = division.name
    facts["division_type"] = division.type
    return None


# parse_amount's messages, in Chinese
_MONEY_ZH = {
    NOT_A_NUMBER: "不是数字；可写 8000万、1.2亿、1.2% 或 50000000",
    "true/false is not a number": "是/否不是数字",
    "a percentage is a rate, not an amount; write the amount in yuan, e.g. 8650万 or 86500000":
        "百分数是比率，不是金额；请以元为单位填写，如 8650万 或 86500000",
}


def convert(fact: Fact, value: Any, cities: Mapping[str, City]) -> Value:
    """One raw value as the fact's type; a FactError (a ValueError) says why it isn't one,
    in English and Chinese."""
    converter: Callable[[Fact, Any, Mapping[str, City]], Value] = _CONVERTERS[fact.type]
    return converter(fact, value, cities)


def _to_bool(fact: Fact, value: Any, _: Mapping[str, City]) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        word = value.strip()
        if word in fact.true_names or word.casefold() in TRUE_WORDS:
            return True
        if word in fact.false_names or word.casefold() in FALSE_WORDS:
            return False
    names = ", ".join(["true", "false", *fact.true_names, *fact.false_names])
    raise FactError(f"not yes or no; write one of {names}", f"不是“是”或“否”；可写 {names}")


def _to_amount(fact: Fact, value: Any, _: Mapping[str, City]) -> Decimal:
    if isinstance(value, float):
        raise FactError("inexact number; write it as text or an integer",
                        "不精确的数字；请写成文字或整数")
    if isinstance(value, str) and fact.unit and value.strip().endswith(fact.unit):
        value = value.strip().removesuffix(fact.unit)  # "350张" for a count of beds
    try:
        amount = parse_amount(value, percent=fact.type != "money")
    except MoneyError as error:
        if fact.type == "money" or str(error) != NOT_A_NUMBER:
            raise FactError(str(error), _MONEY_ZH.get(str(error), str(error))) from None
        example = f"350 or 350{fact.unit}" if fact.unit else "350"
        zh_example = f"350 或 350{fact.unit}" if fact.unit else "350"
        raise FactError(f"not a number; write e.g. {example}",
                        f"不是数字；可写 {zh_example}") from None
    if amount < 0 and not fact.signed:
        raise FactError("must not be negative", "不能为负数")
    return amount


def _to_date(fact: Fact, value: Any, _: Mapping[str, City]) -> date:
    found = read_date(value)
    if not EARLIEST_DATE <= found <= LATEST_DATE:
        raise FactError(f"not a plausible date; one from {EARLIEST_DATE} to {LATEST_DATE}",
                        f"日期不合理；应在 {EARLIEST_DATE} 至 {LATEST_DATE} 之间")
    return found


def read_date(value: Any) -> date:
    """A date as a profile may give it (2025-04-28, 2025/4/28, 2025年4月28日); FactError if not."""
    if isinstance(value, datetime):
        raise FactError("a date and time; give the date alone, e.g. 2024-03-15",
                        "这是日期加时间；只写日期即可，如 2024-03-15")
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        match = _CHINESE_DATE.match(value)
        try:
            if match:
                parts = [g for g in match.groups() if g and g.isdigit()]
                return date(*(int(part) for part in parts))
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise FactError("not a date; write it as YYYY-MM-DD, e.g. 2024-03-15 (or 2024/3/15, "
                    "2024年3月15日)", "不是日期；请写成 2024-03-15、2024/3/15 或 2024年3月15日")


def _to_enum(fact: Fact, value: Any, _: Mapping[str, City]) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)  # hospital_level = 2
    canonical = fact.canonical(str(value).strip()) if isinstance(value, str) else None
    if canonical is None:
        raise FactError(f"not a known value; one of {fact.describe_values()}",
                        f"不是可选的值；可选：{fact.describe_values()}")
    return canonical


def _to_text(fact: Fact, value: Any, _: Mapping[str, City]) -> str:
    if not isinstance(value, str):
        raise FactError("must be text", "应为文字")
    control = CONTROL_CHARACTER.search(value)
    if control:  # an escape code in a name would be obeyed by the terminal that shows it
        code = f"U+{ord(control.group()):04X}"
        raise FactError(f"contains the control character {code}; remove it",
                        f"含有控制字符 {code}，请删除")
    return value.strip()


def _to_city(fact: Fact, value: Any, cities: Mapping[str, City]) -> str:
    text = value.strip() if isinstance(value, str) else None
    for city in cities.values():
        if text == city.id or text in city.aliases:
            return city.id
    names = ", ".join(f"{c.id} ({c.name_zh})" for c in cities.values())
    raise FactError(f"no rules are loaded for this city; one of {', '.join(cities)}",
                    f"尚无该城市的政策规则；可选：{names}")


_CONVERTERS: dict[str, Callable[[Fact, Any, Mapping[str, City]], Value]] = {
    "bool": _to_bool,
    "money": _to_amount,
    "number": _to_amount,
    "date": _to_date,
    "enum": _to_enum,
    "text": _to_text,
    "city": _to_city,
    "division": _to_text,
}
