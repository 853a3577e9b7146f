"""The report as a PDF: the HTML page printed on A4 by a headless Chromium, when one is
installed. Nothing is bundled: without a browser the command says how to get one, or to
print the HTML from any browser."""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from engine.errors import IkuError, error

EXIT_TOOL = 6  # README: Exit codes
NAMES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
# Headless, and without anything that reaches for the network (updates, sync, QUIC probes).
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync",
         "--disable-extensions", "--mute-audio")
TIMEOUT_S = 120


class ToolMissing(IkuError):
    """A program the command needs is not installed."""


def find_chromium() -> str | None:
    """$IKU_CHROMIUM when set (empty: none), else the first Chromium on the PATH."""
    if "IKU_CHROMIUM" in os.environ:
        chosen = os.environ["IKU_CHROMIUM"]
        return shutil.which(chosen) if chosen else None
    return next((found for name in NAMES if (found := shutil.which(name))), None)


def print_pdf(html: str, output: Path) -> None:
    """Print `html` to `output` (A4, as the page's print styles say), atomically."""
    exe = find_chromium()
    if exe is None:
        raise ToolMissing((error(
            "--format pdf needs a headless Chromium, and none is installed",
            hint="install it (Debian: apt-get install chromium) or name it in IKU_CHROMIUM; "
                 "or write --format html and print the page from any browser", code="tool"),),
            EXIT_TOOL)
    output = output.resolve()
    with tempfile.TemporaryDirectory(prefix="iku-pdf-") as tmp:
        page = Path(tmp) / "report.html"
        page.write_text(html, encoding="utf-8")
        pdf = Path(tmp) / "report.pdf"
        cmd = [exe, *FLAGS, f"--user-data-dir={Path(tmp) / 'profile'}",
               f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()]
        try:
            run = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT_S,
                                 check=False)
        except subprocess.TimeoutExpired:
            raise ToolMissing((error(f"{exe} did not print the page within {TIMEOUT_S} s",
                                     code="tool"),), EXIT_TOOL) from None
        if run.returncode != 0 or not pdf.is_file() or pdf.stat().st_size == 0:
            last = (run.stderr.strip().splitlines() or ["no message"])[-1]
            raise ToolMissing((error(f"{exe} could not print the page (exit "
                                     f"{run.returncode}): {last}", code="tool"),), EXIT_TOOL)
        tmp_out = output.with_name(f".{output.name}.tmp")
        shutil.copyfile(pdf, tmp_out)
        os.replace(tmp_out, output)
