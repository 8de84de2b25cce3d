"""The one vocabulary: every word a person reads, in Chinese and English, keyed by meaning.

Renderers look up here the statuses, kinds of benefit, timings, section titles and units
they show, rather than writing them. `--lang zh|en` picks one language (`label`); the
terminal views of `explain` and `whatif` write both, English first (`both`). A word whose
Chinese is still empty is shown in English in both languages: those are the words only the
English views use so far, and translating one is a change to this file alone.

Also here, because they are small: the language a report defaults to (`default_lang`),
picking a rule's own text (`pick`), and amounts in 元 and 万元 (`yuan`, `yuan_text`).
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from incentives.model.money import format_yuan
from incentives.model.place import City, DocumentEnd
from incentives.model.result import ELIGIBLE, NEEDS_INFO, NOT_ELIGIBLE
from incentives.model.rule import Rule, Source, Text

LANGS = ("zh", "en")
WAN = Decimal(10_000)
YUAN, WAN_YUAN, WAN_UNIT = "元", "万元", "万"


@dataclass(frozen=True)
class Word:
    """One meaning in both languages; `short_*` where a narrow column needs a shorter form
    (empty: the same as the full one)."""

    zh: str
    en: str
    short_zh: str = ""
    short_en: str = ""

    def text(self, lang: str, short: bool = False) -> str:
        if lang == "zh" and self.zh:
            return (short and self.short_zh) or self.zh
        return (short and self.short_en) or self.en


WORDS: dict[str, Word] = {
    # the profile's JSON Schema (`incentives schema profile`): its title and each fact type
    "profile_schema": Word("机构档案：一个机构的事实", "Profile: the facts of one institution"),
    "profile_schema_city": Word("适用于", "for"),
    "fact_type_bool": Word("是或否", "yes or no"),
    "fact_type_money": Word("金额（元，可写 万、亿）", "an amount in yuan (万 and 亿 allowed)"),
    "fact_type_number": Word("数字", "a number"),
    "fact_type_date": Word("日期（YYYY-MM-DD）", "a date (YYYY-MM-DD)"),
    "fact_type_enum": Word("取值之一", "one of the values"),
    "fact_type_text": Word("文本", "text"),
    "fact_type_city": Word("城市", "a city"),
    "fact_type_division": Word("县级行政区", "a county-level division"),
    "fact_unit": Word("单位", "unit"),
    "fact_signed": Word("可为负数", "may be below zero"),
    "fact_declared_by": Word("仅适用于", "only in"),
    # statuses (model.result), as a report's section headings
    ELIGIBLE: Word("符合条件", "Eligible"),
    NEEDS_INFO: Word("需补充信息", "Needs information", short_en="Needs info"),
    NOT_ELIGIBLE: Word("不符合条件", "Not eligible"),
    # kinds of benefit (Rule.kind)
    "cash": Word("资金奖励", "cash"),
    "tax_exemption": Word("税收减免", "tax exemption"),
    "cap": Word("上限", "cap"),
    "deduction": Word("税前扣除", "deduction"),
    "eligibility_date": Word("可申请日期", "earliest date"),
    "procedure": Word("程序便利", "procedure"),
    # when an instalment is due (Instalment.timing) and what a timeline event is
    "on": Word("于", "on"),
    "on_or_after": Word("于该日或之后", "on or after"),
    "no_later_than": Word("不迟于", "no later than"),
    "instalment": Word("拨付", "instalment"),
    "period_start": Word("免税期开始", "window opens"),
    "period_end": Word("免税期最后一日", "last day of the window"),
    "earliest_application": Word("最早可申请", "earliest application"),
    # how a condition came out
    "holds": Word("满足", "holds"),
    "fails": Word("不满足", "fails"),
    "unknown": Word("未知", "unknown"),
    # the reports' headings, columns and phrases
    "as_of": Word("评估日期", "As of"),
    "totals": Word("资金合计", "Cash totals"),
    "by_year": Word("按年度：资金（按承担方）与预计减免税额",
                    "By year: cash by payer, and tax saved"),
    "year": Word("年度", "Year"),
    "date": Word("日期", "Date"),
    "payer": Word("承担方", "Payer"),
    "total": Word("合计", "Total"),
    "tax_saved": Word("预计减免税额（估算）", "Tax saved (estimate)"),
    "undated": Word("日期待定", "date not yet known"),
    "amount": Word("金额", "Amount"),
    "paid_by": Word("承担", "Paid by"),
    "because": Word("依据", "Because"),
    "give": Word("请补充", "Give"),
    "timeline": Word("时间表", "Timeline"),
    "past": Word("已过", "past"),
    "past_item": Word("已过：仍属应享待遇，各日期均早于评估日期",
                      "Past: still an entitlement; every date of it is before the as-of date"),
    # why a rule no longer applies: a document it cites was repealed or lapsed
    "repealed_by": Word("废止：{day} 由 {by} 废止", "repealed: {day} by {by}"),
    "repealed": Word("废止：自 {day} 起废止", "repealed: from {day}"),
    "lapsed": Word("失效：有效期{period}，至 {day}", "lapsed: valid {period} to {day}"),
    "years": Word("{n}年", "{n} years", short_en="{n} year"),
    "months": Word("{n}个月", "{n} months", short_en="{n} month"),
    "days": Word("{n}日", "{n} days", short_en="{n} day"),
    # cash the text grants without saying how much: never a figure, never in a total
    "amount_open": Word("文件未规定具体数额", "amount left open by the text"),
    "open_awards": Word("另有 {n} 项奖励，金额文件未作规定（未计入合计）",
                        "{n} awards of an amount the text leaves open (in no total)",
                        short_en="{n} award of an amount the text leaves open (in no total)"),
    "share_of": Word("承担 {share}", "pays {share}"),
    # an instalment due within a whole calendar month
    "within": Word("于 {start} 至 {end} 期间", "within {start} – {end}"),
    # where a quote was read, and a cited document no quote is from
    "reported": Word("转引自《{report}》{day}", "as reported by {report}, {day}"),
    "official_text": Word("官方文本", "official text"),
    "rests_on": Word("另依据", "Also rests on"),
    "if_counted": Word("若文件施行前的事件也计算", "If events before the policy counted"),
    "to_come": Word("尚待拨付", "Still to come"),
    "assumptions": Word("假设与参数", "Assumptions and parameters"),
    "citations": Word("政策依据", "Citations"),
    "notes": Word("待明确的问题", "Open questions and notes"),
    "estimate": Word("估算", "estimate"),
    "per_year": Word("每年", "a year"),
    "over_window": Word("免税期内合计", "over the window"),
    "period": Word("期间", "Period"),
    "no_end": Word("无截止日期", "no end date"),
    "may_apply_from": Word("可申请日期", "May apply from"),
    "overridden": Word("用户设定", "set by the user"),
    "assumed": Word("假设值", "assumed"),
    "institution": Word("机构", "Institution"),
    "benefit": Word("待遇", "Benefit"),
    "compare_title": Word("各城市政策对比", "What each city gives"),
    "only_in": Word("仅此城市提供", "Only here"),
    "to_supply": Word("需补充的信息", "Facts to supply"),
    "supply_decides": Word("影响：{rules}", "it decides: {rules}"),
    "generated": Word("由 incentives 生成；金额为人民币元，精确到分。",
                      "Made by incentives; amounts in yuan, exact to the fen."),
    "also_cited": Word("同时引用；单独适用时：", "also cited; on its own:"),
    "may_apply": Word("可能适用", "may apply"),
    "complete_dates": Word("补充以下信息可确定日期", "to complete the dates, give"),
    "note": Word("注", "note"),
    "parameters": Word("所用参数", "Parameters used"),
    "provisions": Word("项规定", "provisions"),
    "last_day_included": Word("含最后一日", "last day included"),
    "unnamed": Word("（未命名机构）", "(unnamed institution)"),
    "no_such_rule": Word("无此规定", "no such rule"),
    "applies": Word("适用", "applies"),
    "cash_by_payer": Word("资金（按承担方）", "cash by payer"),
    # an amount the unknown facts leave open (model.bounds)
    "at_most": Word("最多", "at most"),
    "depends_on": Word("取决于", "depends on"),
    "certain": Word("确定可得", "Certain"),
    "possible": Word("最多可得", "Possible"),
    "yes": Word("是", "yes"),
    "note_if": Word("注（是否适用取决于 {facts}）", "note, if it applies (depends on {facts})"),
    "no": Word("否", "no"),
    # the sections of `explain` and `whatif` (bilingual views)
    "condition": Word("条件", "Condition"),
    "parameters_section": Word("参数", "Parameters"),
    "split": Word("分担", "Split"),
    "instalments": Word("分期", "Instalments"),
    "components": Word("项目", "Components"),
    "to_settle": Word("需补充", "To settle it, give"),
    "within_reach": Word("差一点", "Within reach"),
    "within_reach_check": Word("差一点就符合", "Within reach"),
    "quote": Word("原文", "Quote"),
    "explain_notes": Word("说明", "Notes"),
    "also_cites": Word("另见", "Also cites"),
    "what_if": Word("假如", "What if"),
    "rules_that_change": Word("变化", "Rules that change"),
    "before": Word("之前", "Before"),
    "after": Word("之后", "After"),
    "difference": Word("差额", "Difference"),
    # how a condition tree joins its parts (Step.op)
    "and": Word("以下全部满足（且）", "all of these (and)"),
    "or": Word("满足其一（或）", "any of these (or)"),
    "not": Word("不满足以下条件", "not"),
    "summary": Word("概要", "Summary"),
    "amount_cap": Word("上限（最多可扣除或给予的数额，并非拨付金额）",
                       "Cap (the most that may be deducted or given; not a payment)"),
    "fact": Word("信息", "Fact"),
    "value": Word("取值", "Value"),
    "facts_used": Word("所依据的机构信息", "Facts used"),
    "footer": Word("评估日期 {as_of} · 规则集版本 incentives {version} · 以上金额均为估算，"
                   "以财政部门审核确认为准。金额为人民币元，精确到分。",
                   "As of {as_of} · rule set: incentives {version} · every figure is an "
                   "estimate, to be confirmed with the finance bureau. Amounts in yuan, exact "
                   "to the fen."),
    "next_date": Word("下一日期", "Next"),
    # the parameters a report used, stated as assumptions
    "param_since": Word("自 {day} 起执行", "in force from {day}"),
    "param_source": Word("来源", "source"),
    "param_assumed": Word("本报告的假设取值；实际数值不同时，金额随之变化",
                          "an assumption of this report: if the actual figure differs, "
                          "the amounts change with it"),
    "param_given": Word("按本报告委托方提供的数值计算", "the figure given for this report"),
    "param_stale": Word("表中最新数值自 {day} 起执行，此后可能已有调整",
                        "the newest figure known is from {day}; a newer one may have been "
                        "published"),
    # within reach: what a change would give (render/sentences.py)
    "gives_needs": Word("适用；需补充 {facts} 才能算出金额",
                        "applies; to work out what it gives, give {facts}"),
    "gives_open": Word("可得奖励，金额文件未作规定", "pays an amount the text leaves open"),
    "gives_cash": Word("可得 {amount}", "pays {amount}"),
    "gives_cap": Word("上限为 {amount}", "allows up to {amount}"),
    "gives_deduction": Word("最多可扣除 {amount}", "deducts up to {amount}"),
    "gives_date": Word("自 {day} 起可申请", "may be applied for from {day}"),
    "gives_exempt": Word("自 {start} 起免税，无截止日期", "exempts from {start}, no end date"),
    "gives_exempt_to": Word("自 {start} 至 {end} 免税", "exempts from {start} to {end}"),
    "reach_short": Word("{name} {before}，距 {after} 还差 {gap}",
                        "{name} {before} is {gap} short of {after}"),
    "reach_over": Word("{name} {before}，超出 {after} {gap}",
                       "{name} {before} is {gap} over {after}"),
    "reach_days_before": Word("{name} {before}，比 {after} 早 {n} 天",
                              "{name} {before} is {n} days before {after}",
                              short_en="{name} {before} is {n} day before {after}"),
    "reach_days_after": Word("{name} {before}，比 {after} 晚 {n} 天",
                             "{name} {before} is {n} days after {after}",
                             short_en="{name} {before} is {n} day after {after}"),
    "reach_becomes": Word("{name}为 {after}（现为 {before}）", "{name} {after} (now {before})"),
    "reach_and": Word("，且", " and "),
    "reach_at": Word("{changes}；达到 {at} 时，{gives}", "{changes}; at {at} this {gives}"),
    "reach_with": Word("若{changes}，{gives}", "with {changes}, this {gives}"),
    "reach_list": Word("{some}或 {last}", "{some} or {last}"),
    # explain and whatif, one language at a time
    "not_in_force": Word("评估日期不在施行期内：以下条件仅供参考",
                         "not in force on this date: the condition is shown for information"),
    "no_condition": Word("无条件：施行期内适用于所有机构",
                         "no condition: applies to every institution in force"),
    "in_force_check": Word("评估日期在施行期内（{start} 至 {end}）",
                           "in force on the as-of date ({start} … {end})"),
    "open_end": Word("无截止日期", "open"),
    "outcome_true": Word("满足", "true"),
    "outcome_false": Word("不满足", "false"),
    "decisive": Word("← 起决定作用", "← decisive"),
    "param_none": Word("无：本规定不使用按日期变化的参数",
                       "none: this rule uses no dated parameter"),
    "param_overridden": Word("由 --param 设定", "overridden with --param"),
    "param_not_used": Word("未使用：本规定不适用", "not used: the rule does not apply"),
    "amount_is": Word("金额 = {amount}", "amount = {amount}"),
    "amount_unknown": Word("金额未知：请补充 {facts}", "amount unknown: give {facts}"),
    "case": Word("情形 {n}", "case {n}"),
    "not_reached": Word("未采用", "not reached"),
    "if_above_fail": Word("上述情形不适用时适用", "applies if the cases above do not"),
    "earlier_case": Word("已适用前一情形", "an earlier case applies"),
    "otherwise": Word("其他情形", "otherwise"),
    "the_amount": Word("金额", "the amount"),
    "used": Word("采用", "used"),
    "because_lower": Word("依据", "because"),
    "rounded": Word("按分取整：{amount}", "rounded to the fen: {amount}"),
    "split_by": Word("{amount} 按 {shares} 分担：{parts}", "{amount} split {shares}: {parts}"),
    "date_unknown": Word("日期未知", "date unknown"),
    "from_base": Word("起算：{base}", "from {base}"),
    "when_cond": Word("条件：{when}", "when {when}"),
    "total_sum": Word("合计：{added} = {amount}", "total: {added} = {amount}"),
    "was": Word("原为 {before}", "was {before}"),
    "no_changes": Word("未改变任何信息", "no fact changes"),
    "rule": Word("规定", "rule"),
    "nothing_changes": Word("没有变化。", "Nothing changes."),
    "to_complete": Word("需补充以下信息才能完整计算：{facts}", "to complete it, give {facts}"),
    "unchanged": Word("其余 {n} 项规定不变。", "{n} other provisions unchanged."),
    "items": Word("{n} 项", "{n} items", short_en="{n} item"),
    # rules show
    "show_kind": Word("类型", "kind"),
    "show_in_force": Word("施行期", "in force"),
    "show_applies_when": Word("适用条件", "applies when"),
    "show_always": Word("（始终适用）", "(always)"),
    "show_restates": Word("重述", "restates"),
    "show_when": Word("条件", "when"),
    "show_otherwise": Word("其他情形", "otherwise"),
    "show_part": Word("组成部分", "part"),
    "show_up_to": Word("上限", "up to"),
    "show_written_in": Word("定义于", "written in"),
    "show_took_effect": Word("政策施行之日", "the date the rule took effect"),
    "show_for": Word("自 {start} 起 {counts}", "from {start} for {counts}"),
    "show_from_no_end": Word("自 {start} 起，无截止日期", "from {start}, no end"),
    # conditions as sentences (render/sentences.py)
    "date_as_of": Word("评估日期", "As-of date"),
    "date_effective_from": Word("政策施行日期", "Date the policy took effect"),
    "date_effective_to": Word("政策截止日期", "Date the policy ends"),
    "given": Word("已提供", "given"),
    "not_given": Word("未提供", "not given"),
    "one_of": Word("属于", "one of"),
    "none_of": Word("不属于", "none of"),
}

# A mark and a colour for an outcome (True, False, unknown) and for each status.
MARK: dict[bool | None, tuple[str, str]] = {True: ("✓", "green"), False: ("✗", "red"),
                                            None: ("?", "yellow")}
STATUS_MARK: dict[str, tuple[str, str]] = {ELIGIBLE: MARK[True], NEEDS_INFO: MARK[None],
                                           NOT_ELIGIBLE: MARK[False]}


def label(key: str, lang: str, short: bool = False) -> str:
    """The word for `key` in `lang`: `label("eligible", "zh")` -> `符合条件`."""
    return WORDS[key].text(lang, short)


def inline(key: str, lang: str, short: bool = False) -> str:
    """The word inside a sentence or a lower-case column: English starts lower case."""
    text = label(key, lang, short)
    return text[:1].lower() + text[1:] if lang == "en" else text


def both(key: str, lower: bool = False) -> str:
    """English, then Chinese, as the bilingual views write a title: `Amount 金额`."""
    en = inline(key, "en") if lower else label(key, "en")
    zh = WORDS[key].zh
    return f"{en} {zh}" if zh else en


def default_lang() -> str:
    """Chinese when the locale says so (LANGUAGE, LC_ALL, LC_MESSAGES, LANG, in gettext's
    order), else English."""
    for variable in ("LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def city_name(city: City, lang: str) -> str:
    """`郑州市` or `Zhengzhou`."""
    return city.name_zh if lang == "zh" else city.name_en


def pick(text: Text, lang: str) -> str:
    """A rule's own text in the language; the English without its Chinese glosses."""
    return text.zh if lang == "zh" else english(text.en)


_CJK_PAREN = re.compile(r"\s*[（(][^（()）]*[\u3400-\u9fff][^（()）]*[）)]")


def english(text: str) -> str:
    """English without the Chinese glosses in its parentheses: `run by social forces`."""
    return _CJK_PAREN.sub("", text).strip()


def yuan_text(amount: Decimal) -> str:
    """`1038000` -> `1,038,000.00 元`."""
    return f"{format_yuan(amount)} {YUAN}"


def note_if(facts: list[str], lang: str) -> str:
    """How a note that may apply is introduced: `note, if it applies (depends on x)`."""
    return label("note_if", lang).format(facts=", ".join(facts))


def ended_text(end: DocumentEnd, lang: str) -> str:
    """Why a rule no longer applies: `废止：2019-05-01 由 包府发〔2019〕9号 废止`, `lapsed:
    valid 5 years to 2020-02-29` (the document's id first where the rule cites several)."""
    if end.how == "repealed":
        day = end.repealed_on.isoformat() if end.repealed_on else end.last_day.isoformat()
        key = "repealed_by" if end.repealed_by else "repealed"
        return label(key, lang).format(day=day, by=end.repealed_by)
    counts = zip(("years", "months", "days"), end.valid_for or (0, 0, 0), strict=True)
    joiner = "" if lang == "zh" else " "
    period = joiner.join(label(unit, lang, short=n == 1).format(n=n) for unit, n in counts if n)
    return label("lapsed", lang).format(period=period, day=end.last_day.isoformat())


def open_awards(count: int, lang: str) -> str:
    """`2 awards of an amount the text leaves open`: what a total says of them."""
    return label("open_awards", lang, short=count == 1).format(n=count)


def source_text(source: Source | None, lang: str) -> str:
    """Where a quote was read: a named report with its date, or the official text."""
    if source is None:
        return label("official_text", lang)
    return label("reported", lang).format(report=source.report,
                                          day=source.published_on.isoformat())


def citation_lines(rule: Rule, lang: str) -> list[tuple[str, str, str]]:
    """Each quote as (where, text, source), where = `document article`; the source is
    empty for the official text (the usual case, left unsaid); then each cited document
    no quote is from, as (where, "", "")."""
    lines = [(f"{quote.document} {quote.article}".strip(), quote.text,
              source_text(quote.source, lang) if quote.source else "") for quote in rule.quotes]
    lines += [(f"{label('rests_on', lang)}: {doc.id} {doc.title}".strip(), "", "")
              for doc in rule.unquoted]
    return lines


def citation_texts(rule: Rule, lang: str) -> list[str]:
    """`包府办发〔2015〕1号 第三条: “…” (as reported by 包头日报, 2015-03-05)`, one a quote."""
    return [where + (f": “{text}”" if text else "") + (f" ({source})" if source else "")
            for where, text, source in citation_lines(rule, lang)]


def yuan_range(least: Decimal, most: Decimal, lang: str, cap: bool = False) -> str:
    """`1,200,000.00 – 1,440,000.00 元`, or for a cap that may be nothing, `at most …`; one
    amount where the two agree."""
    if least == most:
        return yuan(least, lang)
    if cap and least == 0:
        return f"{label('at_most', lang)} {yuan_text(most)}"
    return f"{format_yuan(least)} – {yuan_text(most)}"


def when_due(timing: str, due: date | None, until: date | None, lang: str) -> str:
    """`on 2025-04-28`, `no later than 2027-04-28`, or for a calendar month's window
    `within 2016-03-01 – 2016-03-31`."""
    if due is not None and until is not None:
        return label("within", lang).format(start=due.isoformat(), end=until.isoformat())
    return f"{label(timing, lang)} {day_text(due, lang)}"


def day_text(day: date | None, lang: str) -> str:
    """An ISO date, or `date not yet known` while a fact is missing."""
    return day.isoformat() if day else label("undated", lang)


def yuan_wan(amount: Decimal) -> str:
    """`1038000` -> `1,038,000.00 元 (103.8万元)`: a report's amount in both units, the
    万元 form wherever it is exact in at most two places."""
    text = yuan_text(amount)
    if amount >= WAN and amount % 100 == 0:
        text += f" ({(amount / WAN).normalize():,f}{WAN_YUAN})"
    return text


def yuan(amount: Decimal, lang: str) -> str:
    """`10000000` -> `10,000,000.00 元 (1,000万元)`; the 万元 form only where it is round."""
    text = yuan_text(amount)
    if amount >= WAN and amount % WAN == 0:
        text += f" ({(amount / WAN).normalize():,f}{WAN_YUAN})"
    return text
