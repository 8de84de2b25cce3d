"""Render an example's HTML report and take a screenshot of it in headless Chromium.

    python scripts/screenshot.py [PROFILE] [--lang zh|en] [--out report.png]

Needs Debian's `chromium` (and `fonts-noto-cjk` for the Chinese text to show). Prints the
paths of the HTML file and of the PNG.
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                  "--no-first-run", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("profile", nargs="?",
                        default=str(ROOT / "examples" / "new-rehabilitation-hospital.toml"))
    parser.add_argument("--lang", default="zh", choices=["zh", "en"])
    parser.add_argument("--as-of", default="2026-11-22")
    parser.add_argument("--out", default="report.png")
    options = parser.parse_args()
    page = Path(options.out).with_suffix(".html").resolve()
    subprocess.run([sys.executable, str(ROOT / "cli.py"), "check", options.profile, "--as-of",
                    options.as_of, "--format", "html", "--lang", options.lang, "-o", str(page)],
                   check=True)
    with tempfile.TemporaryDirectory() as profile_dir:
        subprocess.run(["chromium", *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}",
                        "--window-size=1100,2400", f"--screenshot={Path(options.out).resolve()}",
                        page.as_uri()], check=True, capture_output=True)
    print(page)
    print(Path(options.out).resolve())


if __name__ == "__main__":
    main()
