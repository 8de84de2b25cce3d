"""The words a person reads, in Chinese and English, and how numbers and dates are written.

`--lang zh|en` picks one; the default is Chinese when the locale is Chinese, else English.
Amounts carry thousands separators in 元 and, where round, in 万元 too; dates are ISO.
"""

from __future__ import annotations

import os
from decimal import Decimal

from incentives.model.money import format_yuan
from incentives.model.rule import Text

LANGS = ("zh", "en")
WAN = Decimal(10_000)

LABELS: dict[str, tuple[str, str]] = {
    "eligible": ("符合条件", "Eligible"),
    "needs_info": ("需补充信息", "Needs information"),
    "not_eligible": ("不符合条件", "Not eligible"),
    "as_of": ("评估日期", "As of"),
    "totals": ("资金合计", "Cash totals"),
    "by_year": ("按年度：资金（按承担方）与预计减免税额", "By year: cash by payer, and tax saved"),
    "year": ("年度", "Year"),
    "date": ("日期", "Date"),
    "payer": ("承担方", "Payer"),
    "total": ("合计", "Total"),
    "tax_saved": ("预计减免税额（估算）", "Tax saved (estimate)"),
    "undated": ("日期待定", "date not yet known"),
    "amount": ("金额", "Amount"),
    "paid_by": ("承担", "Paid by"),
    "because": ("依据", "Because"),
    "fails": ("不满足", "fails"),
    "unknown": ("未知", "unknown"),
    "give": ("请补充", "Give"),
    "timeline": ("时间表", "Timeline"),
    "past": ("已过", "past"),
    "assumptions": ("假设与参数", "Assumptions and parameters"),
    "citations": ("政策依据", "Citations"),
    "notes": ("待明确的问题", "Open questions and notes"),
    "estimate": ("估算", "estimate"),
    "per_year": ("每年", "a year"),
    "over_window": ("免税期内合计", "over the window"),
    "period": ("期间", "Period"),
    "no_end": ("无截止日期", "no end date"),
    "may_apply_from": ("可申请日期", "May apply from"),
    "overridden": ("用户设定", "set by the user"),
    "assumed": ("假设值", "assumed"),
    "institution": ("机构", "Institution"),
    "benefit": ("待遇", "Benefit"),
    "compare_title": ("各城市政策对比", "What each city gives"),
    "only_in": ("仅此城市提供", "Only here"),
    "to_supply": ("需补充的信息", "Facts to supply"),
    "generated": ("由 incentives 生成；金额为人民币元，精确到分。",
                  "Made by incentives; amounts in yuan, exact to the fen."),
    "instalment": ("拨付", "instalment"),
    "period_start": ("免税期开始", "window opens"),
    "period_end": ("免税期最后一日", "last day of the window"),
    "earliest_application": ("最早可申请", "earliest application"),
    "on": ("于", "on"),
    "on_or_after": ("于该日或之后", "on or after"),
    "no_later_than": ("不迟于", "no later than"),
    "cash": ("资金奖励", "cash"),
    "tax_exemption": ("税收减免", "tax exemption"),
    "cap": ("上限", "cap"),
    "deduction": ("税前扣除", "deduction"),
    "eligibility_date": ("可申请日期", "earliest date"),
    "procedure": ("程序便利", "procedure"),
    "holds": ("满足", "holds"),
    "also_cited": ("同时引用；单独适用时：", "also cited; on its own:"),
    "may_apply": ("可能适用", "may apply"),
    "complete_dates": ("补充以下信息可确定日期", "to complete the dates, give"),
    "note": ("注", "note"),
    "parameters": ("所用参数", "Parameters used"),
    "provisions": ("项规定", "provisions"),
    "last_day_included": ("含最后一日", "last day included"),
    "unnamed": ("（未命名机构）", "(unnamed institution)"),
    "no_such_rule": ("无此规定", "no such rule"),
    "applies": ("适用", "applies"),
    "cash_by_payer": ("资金（按承担方）", "cash by payer"),
}


def default_lang() -> str:
    """Chinese when the locale says so (LC_ALL, LC_MESSAGES, LANG), else English."""
    for variable in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(variable, "")
        if value:
            return "zh" if value.lower().startswith("zh") else "en"
    return "en"


def label(key: str, lang: str) -> str:
    zh, en = LABELS[key]
    return zh if lang == "zh" else en


def pick(text: Text, lang: str) -> str:
    return text.zh if lang == "zh" else text.en


def yuan(amount: Decimal, lang: str) -> str:
    """`10000000` -> `10,000,000.00 元 (1,000万元)`; the 万元 form only where it is round."""
    text = f"{format_yuan(amount)} 元"
    if amount >= WAN and amount % WAN == 0:
        text += f" ({(amount / WAN).normalize():,f}万元)"
    return text
