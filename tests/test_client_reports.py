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


def shoot(page: Path, png: Path, profile_dir: Path) -> None:
    assert CHROMIUM is not None
    subprocess.run([CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu",
                    "--disable-background-networking", "--disable-component-update",
                    "--disable-sync", "--no-first-run", f"--user-data-dir={profile_dir}",
                    f"--screenshot={png}", "--window-size=1200,2000", page.as_uri()],
                   check=True, capture_output=True, timeout=120)


HEADLINES = {"3a-general-hospital": "1,000万元", "new-rehabilitation-hospital":
             "1,038,000.00 元", "non-profit-with-surplus": "元"}


@pytest.mark.skipif(CHROMIUM is None, reason="no chromium here (CI has none)")
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_html_reports_render_in_headless_chromium(lang: str, tmp_path: Path) -> None:
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
