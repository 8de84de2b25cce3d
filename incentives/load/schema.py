"""The shape of every file in a rule folder, as pydantic models: rule files, city.toml,
facts.toml and parameter files. Each model forbids keys it does not list.

These models check the layout only (which keys, which types, which fixed values); what
the layout means (an expression that compiles, shares that add up, dates in order, names
that are declared) is checked by the readers in rulefile.py and rulebook.py. The models
also give the JSON Schema of each file (`incentives schema …`, the files in schemas/),
with titles and descriptions in Chinese and English.

Importing pydantic takes a good part of start-up time, so this module is imported only
when a file is not in the cache as validated (validation.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date as Day  # a rule has a key named date
from typing import Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Discriminator, Field, RootModel, Tag, model_validator
from pydantic_core import PydanticCustomError

from incentives.model.facts import FACT_TYPES
from incentives.model.place import DIVISION_TYPES
from incentives.model.rule import KINDS, PAYERS, TIMINGS

MAX_RULES_PER_FILE = 500
# A tag of a union's branch starts with TAG: it is left out of a location in a message.
TAG = "~"
# The types of the errors these models raise themselves, in the project's words already.
OWN_ERRORS = frozenset({"wrong_form", "needs_key"})


def pick(message: str, *branches: tuple[str, Callable[[Any], bool]]) -> Discriminator:
    """How a union below chooses its branch: by the value's own type (the first test that
    holds names the branch's tag), so that a wrong value gets one message, `message`,
    instead of one from every branch."""
    def choose(value: Any) -> str | None:
        return next((TAG + tag for tag, test in branches if test(value)), None)

    return Discriminator(choose, custom_error_type="wrong_form", custom_error_message=message)


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _is_table(value: Any) -> bool:
    return isinstance(value, dict)


def _is_list(value: Any) -> bool:
    return isinstance(value, list)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_bool(value: Any) -> bool:
    return isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def described(zh: str, en: str, **more: Any) -> Any:
    """A field's description in both languages."""
    return Field(description=f"{zh} / {en}", **more)


class Shape(BaseModel):
    """A table of fixed keys: any other key is refused, and values are never converted
    (the text "5" is not the number 5, the text "2018-08-06" not a date)."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


NonEmpty: TypeAlias = Annotated[str, Field(min_length=1, pattern=r"\S")]
Whole: TypeAlias = Annotated[int, Field(ge=0, le=100)]


class Bilingual(Shape):
    """中文和英文；只写一种时，两种语言都用它 / Chinese and English; one alone stands for both."""

    model_config = ConfigDict(title="中英文本 Text in Chinese and English",
                              json_schema_extra={"minProperties": 1})
    zh: str | None = described("中文", "Chinese", default=None)
    en: str | None = described("英文", "English", default=None)


Text: TypeAlias = Annotated[
    Annotated[str, Tag("~text")] | Annotated[Bilingual, Tag("~table")],
    pick("must be text or a table { zh = …, en = … }", ("text", _is_text), ("table", _is_table))]
Expr: TypeAlias = Annotated[
    Annotated[str, Tag("~expression")] | Annotated[int, Tag("~number")],
    pick("must be an expression in quotes", ("expression", _is_text), ("number", _is_whole))]
Share: TypeAlias = Annotated[
    Annotated[float | int, Tag("~number")] | Annotated[str, Tag("~text")],
    pick("must be a number or a percentage such as \"50%\"", ("number", _is_number),
         ("text", _is_text))]


class AmountCase(Shape):
    """金额的一种情形：第一个条件成立的情形适用 / One case of an amount: the first whose
    condition holds is used."""

    model_config = ConfigDict(title="金额情形 Amount case")
    when: Expr | None = described("条件（最后一种情形可省）", "condition (the last case may "
                                  "leave it out)", default=None)
    value: Expr = described("金额表达式", "the amount, an expression")
    label: Text | None = described("说明", "what the case is", default=None)


class Payer(Shape):
    """出资方及其份额 / Who pays, and their share."""

    model_config = ConfigDict(title="出资方 Payer")
    payer: Literal[PAYERS] = described("出资方", "who pays")  # type: ignore[valid-type]
    share: Share = described("份额（比例，如 4、6 或 \"50%\"）",
                             "share (a proportion: 4 and 6, or \"50%\")")


class Offset(Shape):
    """从某日期事实起算的期间 / A time from a date fact."""

    model_config = ConfigDict(title="期间 Offset", populate_by_name=False)
    from_: str | None = described("起算的日期事实", "the date fact it runs from",
                                  default=None, alias="from")
    years: Whole = described("年数", "years", default=0)
    months: Whole = described("月数", "months", default=0)
    days: Whole = described("天数", "days", default=0)
    open_ended: bool | None = described("是否无终止日", "whether it has no end", default=None)


class Instalment(Offset):
    """分期支付的一期 / One instalment of a cash award."""

    model_config = ConfigDict(title="分期 Instalment")
    share: Share = described("本期份额，各期合计 100%", "its share; all add up to 100%")
    timing: Literal[TIMINGS] = described(  # type: ignore[valid-type]
        "支付时点：当日、当日或之后、不晚于", "when: on, on or after, no later than", default="on")
    month: int | None = described(
        "按日历的月份（1–12）：起算日期当日或之后结束的第一个该月", "a calendar month (1–12): "
        "the first such month ending on or after the `from` date", default=None, ge=1, le=12)
    label: Text | None = described("说明", "what it is", default=None)


class Component(Shape):
    """一个组成部分（免税项目、扣除项目、简化程序） / One part (an exempt item, a
    deductible item, a simplified procedure)."""

    model_config = ConfigDict(title="组成部分 Component")
    label: Text = described("名称", "what it is")
    when: Expr | None = described("适用条件", "when it applies", default=None)
    amount: Expr | None = described("金额表达式", "its amount, an expression", default=None)


class Saving(Shape):
    """免税每年节省的税款 / A tax an exemption spares, a year at a time."""

    model_config = ConfigDict(title="节省 Saving")
    label: Text | None = described("名称", "which tax", default=None)
    per_year: Expr = described("每年金额表达式", "the amount a year, an expression")


class NoteTable(Shape):
    """注释（有条件时仅在条件成立时说明） / A note (with a condition: stated when it holds)."""

    model_config = ConfigDict(title="注释 Note")
    text: Text = described("注释文本", "the note")
    when: Expr | None = described("条件", "when it is stated", default=None)


Note: TypeAlias = Annotated[
    Annotated[str, Tag("~text")] | Annotated[NoteTable, Tag("~table")],
    pick("each note must be text or a table { text = …, when = … }", ("text", _is_text),
         ("table", _is_table))]


class Report(Shape):
    """转载引文的报道（而非文件正式文本） / A secondary report the quote is taken from
    (not the official text)."""

    model_config = ConfigDict(title="报道来源 Report")
    report: NonEmpty = described("报道名称", "the report's name")
    published_on: Day = described("发布日期", "the day it was published")
    url: str | None = described("网址", "its address", default=None)


class Quote(Shape):
    """一段引文，注明出处 / One quotation with where it comes from."""

    model_config = ConfigDict(title="引文 Quote")
    text: NonEmpty = described("原文", "the words, verbatim")
    document: str | None = described("文件（在 city.toml 中声明）", "the document (declared in "
                                     "city.toml)", default=None)
    article: str | None = described("条款", "the article", default=None)
    source: Report | None = described("报道来源；省略则为正式文本", "the report it is taken "
                                      "from; absent, the official text", default=None)


Documents: TypeAlias = Annotated[
    Annotated[NonEmpty, Tag("~one")] | Annotated[list[NonEmpty], Tag("~several")],
    pick("must be a document's id or a list of them", ("one", _is_text),
         ("several", _is_list))]
Quotes: TypeAlias = Annotated[
    Annotated[NonEmpty, Tag("~one")] | Annotated[list[Quote], Tag("~several")],
    pick("must be text or a list of tables { text = …, document = …, article = … }",
         ("one", _is_text), ("several", _is_list))]
Amount: TypeAlias = Annotated[
    Annotated[str, Tag("~expression")] | Annotated[int, Tag("~number")]
    | Annotated[list[AmountCase], Tag("~cases")],
    pick("must be an expression in quotes or a list of cases [{ when = …, value = … }, …]",
         ("expression", _is_text), ("number", _is_whole), ("cases", _is_list))]


class NotInQuote(Shape):
    """不出自引文的数字 / A figure not in the quote, on purpose."""

    model_config = ConfigDict(title="引文外的数字 Figure not in the quote")
    figure: NonEmpty = described("数字，写法同规则（2016-05-01、5000万、1.2%）", "the figure, "
                                 "written as in the rule (2016-05-01, 5000万, 1.2%)")
    why: NonEmpty = described("出处或理由", "where it comes from, or why")


class Rule(Shape):
    """一条规则（[[rule]]） / One rule ([[rule]])."""

    model_config = ConfigDict(title="规则 Rule")
    id: NonEmpty = described("稳定的标识", "a stable id")
    provision: str | None = described("PROVISIONS.md 中的条目", "its entry in PROVISIONS.md",
                                      default=None)
    document: Documents = described("所依据的文件（一份或多份，在 city.toml 中声明）",
                                    "the document it cites, or several (declared in city.toml)")
    article: NonEmpty = described("条款", "the article")
    quote: Quotes = described("原文引文", "the text, verbatim, or several quotations")
    source: Report | None = described("引文所据的报道；省略则为正式文本", "the report the "
                                      "quote is taken from; absent, the official text",
                                      default=None)
    title: Text = described("标题", "title")
    effective_from: Day = described("施行日期", "in force from")
    effective_to: Day | None = described("终止日期", "in force until", default=None)
    kind: Literal[KINDS] = described(  # type: ignore[valid-type]
        "类型：现金、免税、上限、扣除、可申请日期、程序",
        "kind: cash, tax exemption, cap, deduction, eligibility date, procedure")
    event: str | None = described("所奖励事件的日期事实", "the date fact of the event it "
                                  "rewards", default=None)
    when: Expr | None = described("适用条件", "the condition", default=None)
    amount: Amount | None = described("金额（表达式或情形列表）", "the amount: an expression "
                                      "or a list of cases", default=None)
    unstated_amount: Text | None = described(
        "文件未写明金额的现金（代替 amount）", "cash of an amount the text leaves open "
        "(instead of amount)", default=None)
    payers: list[Payer] | None = described("出资方", "who pays", default=None)
    schedule: list[Instalment] | None = described("分期", "instalments", default=None)
    period: Offset | None = described("免税期间", "the exemption's window", default=None)
    date: Offset | None = described("可申请的最早日期", "the earliest day to apply",
                                    default=None)
    components: list[Component] | None = described("组成部分", "its parts", default=None)
    notes: list[Note] | None = described("注释", "notes", default=None)
    savings: list[Saving] | None = described("每年节省的税款", "taxes spared a year",
                                             default=None)
    restates: str | None = described("所重述的全国规则", "the national rule it restates",
                                     default=None)
    topic: str | None = described("主题（用于城市间比较）", "topic (lines rules of cities "
                                  "up)", default=None)
    monotone_in: list[NonEmpty] | None = described(
        "金额随之不减的事实（money 或 number）", "money or number facts its amount never "
        "falls as they grow", default=None)
    not_in_quote: list[NotInQuote] | None = described(
        "有意不出自引文的数字（及理由）", "figures not in the quote on purpose, and why",
        default=None)


class RuleFile(Shape):
    """规则文件：若干 [[rule]] 表 / A rule file: [[rule]] tables."""

    model_config = ConfigDict(title="规则文件 Rule file")
    rule: list[Rule] = described("规则", "the rules", default=[], max_length=MAX_RULES_PER_FILE)


# --- city.toml -----------------------------------------------------------------------------


class CityTable(Shape):
    """城市或全国层 / The city, or a layer covering every city."""

    model_config = ConfigDict(title="城市 City")
    id: NonEmpty = described("标识", "id")
    zh: str | None = described("中文名", "Chinese name", default=None)
    en: str | None = described("英文名", "English name", default=None)
    aliases: list[str] = described("档案中可用的其他名称", "other names a profile may use",
                                   default=[])
    covers: Literal["all"] | None = described("\"all\"：适用于所有城市的层（全国规则）",
                                              "\"all\": a layer for every city (national "
                                              "rules)", default=None)


class Duration(Shape):
    """有效期 / How long a document is valid."""

    model_config = ConfigDict(title="有效期 Validity")
    years: Whole = described("年数", "years", default=0)
    months: Whole = described("月数", "months", default=0)
    days: Whole = described("天数", "days", default=0)


class Document(Shape):
    """规则所依据的文件 / A document rules cite."""

    model_config = ConfigDict(title="文件 Document", json_schema_extra={
        "dependentRequired": {"repealed_by": ["repealed_on"]}})
    id: NonEmpty = described("文号", "its number")
    title: str | None = described("标题", "title", default=None)
    issued_by: str | None = described("发文机关", "issued by", default=None)
    signed_on: Day | None = described("签发日期", "signed on", default=None)
    effective_from: Day | None = described("施行日期（默认签发日期）", "in force from "
                                            "(signed_on if absent)", default=None)
    valid_for: Duration | None = described("有效期，自施行日期起算", "how long it is valid, from "
                                           "effective_from", default=None)
    repealed_on: Day | None = described("废止日期（当日起失效）", "repealed from this day",
                                         default=None)
    repealed_by: str | None = described("废止文件（需有 repealed_on）", "the document that "
                                        "repealed it (needs repealed_on)", default=None)

    @model_validator(mode="after")
    def _repealed_on_a_day(self) -> Document:
        if self.repealed_by is not None and self.repealed_on is None:
            raise PydanticCustomError("needs_key", "repealed_by needs repealed_on, the day "
                                      "it was repealed")
        return self


class Division(Shape):
    """县级行政区及其别名 / A county-level division and its other names."""

    model_config = ConfigDict(title="行政区 Division")
    name: NonEmpty = described("名称", "name")
    aliases: list[str] = described("别名", "other names", default=[])


DivisionEntry: TypeAlias = Annotated[
    Annotated[str, Tag("~name")] | Annotated[Division, Tag("~table")],
    pick("each division must be a name or a table { name = …, aliases = […] }",
         ("name", _is_text), ("table", _is_table))]
Constant: TypeAlias = Annotated[
    Annotated[bool, Tag("~yes-no")] | Annotated[str, Tag("~text")]
    | Annotated[list[str], Tag("~list")],
    pick("must be text, true/false or a list of texts", ("yes-no", _is_bool),
         ("text", _is_text), ("list", _is_list))]


class NamedCondition(Shape):
    """有名称的条件，可在本文件夹的规则中按名称使用 / A named condition, used by its name in
    the folder's rules."""

    model_config = ConfigDict(title="命名条件 Named condition")
    when: str = described("是/否条件表达式", "a yes/no expression")
    zh: str | None = described("中文说明", "what it means, in Chinese", default=None)
    en: str | None = described("英文说明", "what it means, in English", default=None)


class CityFile(Shape):
    """city.toml：城市、文件、行政区、常量、命名条件 / city.toml: the city, its documents,
    divisions, constants and named conditions."""

    model_config = ConfigDict(title="city.toml")
    city: CityTable = described("城市", "the city")
    documents: list[Document] = described("文件", "documents", default=[])
    divisions: dict[Literal[DIVISION_TYPES], list[DivisionEntry]] = described(  # type: ignore[valid-type]
        "县级行政区，按类型", "county-level divisions, by type", default={})
    constants: dict[str, Constant] = described("常量", "named constants", default={})
    conditions: dict[str, NamedCondition] = described("命名条件", "named conditions",
                                                      default={})


# --- facts.toml and parameter files --------------------------------------------------------


class EnumValue(Shape):
    """枚举事实的一个取值 / One value of an enum fact."""

    model_config = ConfigDict(title="取值 Value")
    value: NonEmpty = described("取值", "the value")
    en: str | None = described("英文名（用于英文报告；省略则用取值本身）", "its English name "
                               "(English reports show the value itself without one)",
                               default=None)
    names: list[str] = described("其他写法（中文名等）", "other ways to write it (its Chinese "
                                 "names…)", default=[])
    implies: dict[str, str] = described("隐含的其他枚举事实取值", "another enum fact's value "
                                        "it implies", default={})


class FactTable(Shape):
    """档案中的一个事实 / One fact a profile may state."""

    model_config = ConfigDict(title="事实 Fact")
    type: Literal[tuple(sorted(FACT_TYPES))] = described(  # type: ignore[valid-type]
        "类型", "type")
    zh: str | None = described("中文名", "Chinese name", default=None)
    en: str | None = described("英文名", "English name", default=None)
    unit: str | None = described("单位", "unit", default=None)
    values: list[EnumValue] | None = described("取值（枚举）", "values (an enum)", default=None)
    ordered: bool = described("取值有先后（可比较大小）", "values are ordered, lowest first",
                              default=False)
    derived: bool = described("由其他事实推出，档案中不写", "worked out, not written in a "
                              "profile", default=False)
    signed: bool = described("可为负数（金额、数字）", "may be below zero (money, number)",
                             default=False)
    true_names: list[str] = described("“是”的其他写法", "other ways to write yes", default=[])
    false_names: list[str] = described("“否”的其他写法", "other ways to write no", default=[])
    yes_no_en: list[str] | None = described("英文报告中“是”和“否”的说法", "how an English "
                                            "report says yes and no", default=None,
                                            min_length=2, max_length=2)


class FactsFile(RootModel[dict[str, FactTable]]):
    """facts.toml：档案可填写的事实 / facts.toml: the facts a profile may state."""

    model_config = ConfigDict(title="facts.toml", strict=True)


class Series(Shape):
    """参数的一个数据系列 / One series of a parameter's values."""

    model_config = ConfigDict(title="系列 Series")
    name: str | None = described("名称", "name", default=None)
    note: Text | None = described("使用该系列时显示的说明", "shown whenever a value of it is "
                                  "used", default=None)


class ParamValue(Shape):
    """参数自某日起的取值 / A parameter's value from a day on."""

    model_config = ConfigDict(title="参数值 Value", populate_by_name=False)
    from_: Day = described("起始日期", "from", alias="from")
    value: Share = described("取值（比率写 %）", "the value (a rate with %)")
    series: str | None = described("所属系列", "its series", default=None)
    source: Text = described("出处（可分中英文）", "where the figure comes from (in Chinese "
                             "and English, or one text for both)")
    assumed: bool = described("是假设而非公布数字", "an assumption, not a published figure",
                              default=False)


class ParamTable(Shape):
    """一个按日期变化的参数 / A dated parameter."""

    model_config = ConfigDict(title="参数 Parameter")
    zh: str | None = described("中文名", "Chinese name", default=None)
    en: str | None = described("英文名", "English name", default=None)
    unit: str | None = described("单位：rate（比率）或如 yuan/m²", "unit: rate, or one such as "
                                 "yuan/m²", default=None)
    range: list[str] | None = described("法律允许的最小值和最大值", "the least and the most the "
                                        "law allows", default=None)
    range_source: str | None = described("规定该范围的法律", "the law that sets the range",
                                         default=None)
    check_age: bool = described("报告说明最新取值的时间", "reports say how old the newest "
                                "value is", default=False)
    series: dict[str, Series] = described("数据系列", "series", default={})
    values: list[ParamValue] = described("取值", "values", default=[])


class ParamsFile(RootModel[dict[str, ParamTable]]):
    """参数文件 / A parameter file."""

    model_config = ConfigDict(title="参数文件 Parameter file", strict=True)


MODELS: dict[str, type[BaseModel]] = {
    "rules": RuleFile, "city": CityFile, "facts": FactsFile, "params": ParamsFile,
}
DIALECT = "https://json-schema.org/draft/2020-12/schema"


def json_schema(kind: str) -> dict[str, Any]:
    """The JSON Schema of a kind of file (rules, city, facts, params), as taplo and editors
    read it."""
    return {"$schema": DIALECT, **MODELS[kind].model_json_schema()}
