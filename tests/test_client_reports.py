"""Reports a consultant sends as they are: the headline, the facts used, the footer, every
profile text escaped, and the HTML as headless Chromium draws it."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from incentives.cli import cli

from .conftest import ROOT

EXAMPLES = sorted((ROOT / "examples").glob("*.toml"))
AS_OF = "2026-11-22"
CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium"
                                        if Path("/usr/bin/chromium").exists() else None)


def run(*args: object) -> str:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exit_code == 0, result.output
    return result.stdout


def test_a_report_has_the_headline_the_facts_used_and_the_footer() -> None:
    rehab = ROOT / "examples" / "new-rehabilitation-hospital.toml"
    zh = run("check", rehab, "--as-of", AS_OF, "--lang", "zh", "--format", "markdown")
    assert zh.index("## 概要") < zh.index("## 所依据的机构信息") < zh.index("## 按年度")
    assert "- 确定可得: 1,038,000.00 元 · 郑州市财政 519,000.00 元 · 二七区财政 519,000.00 元" in zh
    assert "| 固定资产投资（不含土地费用） | 8,650万元 |" in zh
    assert "以上金额均为估算，以财政部门审核确认为准" in zh and "评估日期 2026-11-22" in zh
    assert "--param" not in zh
    general = ROOT / "examples" / "3a-general-hospital.toml"
    en = run("check", general, "--as-of", AS_OF, "--lang", "en", "--format", "markdown")
    assert "Cap (the most that may be deducted or given; not a payment): 12,000,000.00 元" in en
    assert "every figure is an estimate, to be confirmed with the finance bureau" in en


def test_a_compare_report_names_the_institution_and_splits_by_payer() -> None:
    general = ROOT / "examples" / "3a-general-hospital.toml"
    out = run("compare", general, "--as-of", AS_OF, "--lang", "zh", "--format", "markdown")
    assert out.startswith("# 郑州仁济综合医院")
    assert "## 郑州市" in out and "郑州市财政 400万元" in out
    assert "## 政策依据" in out and "郑政办〔2018〕71号" in out


def test_every_profile_text_is_escaped(tmp_path: Path) -> None:
    profile = tmp_path / "hostile.toml"
    profile.write_text('name = "<script>alert(1)</script> **bold** [x](http://e) | # _i_"\n'
                       'city = "郑州"\n', encoding="utf-8")
    page = run("check", profile, "--as-of", AS_OF, "--format", "html")
    assert "<script>" not in page and "&lt;script&gt;" in page
    text = run("check", profile, "--as-of", AS_OF, "--format", "markdown")
    assert "<script>" not in text and "\\*\\*bold\\*\\*" in text and "\\[x\\]" in text
    assert "\\|" in text
    cities = run("compare", profile, "--as-of", AS_OF, "--format", "markdown")
    assert "<script>" not in cities and "\\*\\*bold" in cities


def test_a_report_says_what_is_within_reach_and_which_facts_decide_what() -> None:
    rehab = ROOT / "examples" / "new-rehabilitation-hospital.toml"
    zh = run("check", rehab, "--as-of", AS_OF, "--lang", "zh", "--format", "markdown")
    reach = zh[zh.index("## 差一点就符合"):zh.index("## 时间表")]
    # ZZ-1: 二级甲等 gives 500万元, 三级甲等 1000万元 (（十九）第一段)
    assert "若医院等级为 二级甲等（现为 未定级），可得 500万元" in reach
    assert "若医院等级为 三级甲等（现为 未定级），可得 1,000万元" in reach
    assert "\\[" not in reach  # no profile keys in a client's report
    # 8,650万 × 1.2% = 1,038,000.00 = 103.8万元; each half 519,000.00 = 51.9万元
    assert "金额: 1,038,000.00 元 (103.8万元)" in zh
    assert "郑州市财政 519,000.00 元 (51.9万元) (50%)" in zh
    surplus = ROOT / "examples" / "non-profit-with-surplus.toml"
    out = run("check", surplus, "--as-of", AS_OF, "--lang", "zh", "--format", "markdown")
    supply = out[out.index("## 需补充的信息"):out.index("## 时间表")]
    assert "- 清算资产 — 影响：ZZ-7 清算时奖励举办者上限（剩余资产的10%）" in supply
    en = run("check", surplus, "--as-of", AS_OF, "--lang", "en", "--format", "markdown")
    assert "Type of institution medical unit inside an elderly-care institution (now " \
           "traditional Chinese medicine hospital)" in en


def test_assumptions_read_in_the_report_language_and_never_as_instructions() -> None:
    surplus = ROOT / "examples" / "non-profit-with-surplus.toml"
    zh = run("check", surplus, "--as-of", AS_OF, "--lang", "zh", "--format", "markdown")
    assumptions = zh[zh.index("## 假设与参数"):zh.index("## 政策依据")]
    assert "Assumed" not in assumptions and "--param" not in assumptions
    assert "每平方米1.5元至30元幅度的中间值；当地实际税额取决于土地等级。" in assumptions
    assert "贷款参考此处所用的一年期LPR定价" in assumptions
    en = run("check", surplus, "--as-of", AS_OF, "--lang", "en", "--format", "markdown")
    assert "the 1.5–30 yuan/m² range" in en and "--param" not in en


def test_a_compare_cell_marks_each_failed_condition_once_and_shows_no_keys() -> None:
    general = ROOT / "examples" / "3a-general-hospital.toml"
    out = run("compare", general, "--as-of", AS_OF, "--lang", "zh", "--format", "markdown")
    assert "| 是否新建：否 ✗; 开业日期 2016-09-01 ≥ 2018-08-06 ✗ |" in out
    assert "✗ 是否新建" not in out and "\\[medical" not in out
    assert "需补充的信息 — 包头市: 所在县（市、区）\n" in out


def test_the_terminal_summary_wraps_the_facts_to_supply_rather_than_cutting_them() -> None:
    surplus = ROOT / "examples" / "non-profit-with-surplus.toml"
    result = CliRunner().invoke(cli, ["check", str(surplus), "--as-of", AS_OF, "--lang",
                                      "en"], env={"COLUMNS": "80"})
    summary = result.stdout.split("Eligible")[0]
    assert "…" not in summary
    for name in ("Donations and state input", "Assets at liquidation",
                 "Sponsor's original investment"):
        assert name in summary


def shoot(page: Path, png: Path, profile_dir: Path) -> None:
    assert CHROMIUM is not None
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", f"--user-data-dir={profile_dir}",
                    f"--screenshot={png}", "--window-size=1200,2000", page.as_uri()],
                   check=True, capture_output=True, timeout=120)


HEADLINES = {"3a-general-hospital": "1,000万元", "new-rehabilitation-hospital":
             "1,038,000.00 元", "non-profit-with-surplus": "元"}


def cjk_font() -> bool:
    """Whether the machine has a font with Chinese glyphs (else Chromium draws boxes)."""
    listing = shutil.which("fc-list")
    return bool(listing and subprocess.run([listing, ":lang=zh"], capture_output=True,
                                            text=True, timeout=60).stdout.strip())


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium here (.ci/run installs it)")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_reports_render_in_headless_chromium(lang: str, tmp_path: Path) -> None:
    if lang == "zh" and not cjk_font():
        pytest.skip("no font with Chinese glyphs (.ci/run installs fonts-wqy-microhei)")
    folder = Path(os.environ.get("INCENTIVES_SCREENS", tmp_path))
    folder.mkdir(parents=True, exist_ok=True)
    pages = []
    for path in EXAMPLES:
        html = folder / f"check-{path.stem}-{lang}.html"
        html.write_text(run("check", path, "--as-of", AS_OF, "--lang", lang, "--format",
                            "html"), encoding="utf-8")
        summary = html.read_text("utf-8").split("<h2>")[1]
        assert HEADLINES[path.stem] in summary  # the headline figure opens the report
        pages.append(html)
    compare = folder / f"compare-{lang}.html"
    compare.write_text(run("compare", EXAMPLES[0], "--as-of", AS_OF, "--lang", lang,
                           "--format", "html"), encoding="utf-8")
    pages.append(compare)
    for page in pages:
        png = page.with_suffix(".png")
        shoot(page, png, tmp_path / "chromium")
        assert png.stat().st_size > 10_000


def test_html_right_aligns_the_cells_that_are_amounts_and_nothing_else() -> None:
    general = ROOT / "examples" / "3a-general-hospital.toml"
    page = run("compare", general, "--as-of", AS_OF, "--lang", "zh", "--format", "html")
    assert "<td>等级奖励：三级甲等1000万元、二级甲等500万元</td>" in page  # a title, not an amount
    assert '<td class="num">10,000,000.00 元 (1,000万元)</td>' in page
    rehab = ROOT / "examples" / "new-rehabilitation-hospital.toml"
    report = run("check", rehab, "--as-of", AS_OF, "--lang", "zh", "--format", "html")
    assert '<td class="num">519,000.00 元</td>' in report  # the year table
    assert "<td>8,650万元</td>" in report  # the facts table's one column of mixed values
