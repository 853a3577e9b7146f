"""The report in a real browser (Debian's `chromium`, headless, over the DevTools pipe): the
page is not blank, every chart is there and visible, nothing is logged as an error, and the
PDF prints on A4. Skipped, with the reason in the summary, where no Chromium is installed
(.ci/run installs it).

Set IKU_SCREENSHOTS=<folder> to keep the screenshots and the PDF for a look."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from browser import Browser, chromium, png_pixels
from conftest import ACCEPTANCE

pytestmark = pytest.mark.skipif(
    chromium() is None,
    reason="browser tests skipped: no chromium on the PATH (apt-get install chromium)")

CHARTS = 15 + 14 + 9  # history per IKU, Renstra (not IKU.9), units (IKUs with several)
BAR_BLUE = (0x2F, 0x6D, 0xB5)


def _report(out: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "engine", "report", "--year", "2023",
                           "--output", str(out), *extra], cwd=ACCEPTANCE, capture_output=True,
                          text=True, env={**os.environ, "IKU_NO_CACHE": "1"}, timeout=180)


def _keep(path: Path) -> None:
    folder = os.environ.get("IKU_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        shutil.copy(path, Path(folder) / path.name)


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Browser, Path]]:
    folder = tmp_path_factory.mktemp("browser")
    html = folder / "lkj-2023.html"
    run = _report(html)
    assert run.returncode == 0, run.stderr
    with Browser() as b:
        b.open(html)
        yield b, folder


def test_no_console_errors(page: tuple[Browser, Path]) -> None:
    b, _ = page
    assert b.console_errors() == []
    assert b.evaluate("document.documentElement.lang") == "id"


def test_page_is_not_blank(page: tuple[Browser, Path]) -> None:
    b, folder = page
    assert len(b.evaluate("document.body.innerText")) > 20_000
    shot = folder / "lkj-2023-top.png"
    b.evaluate("window.scrollTo(0, 0)")
    # the first screen at half scale: decoding it in Python stays quick
    width, height, rows = png_pixels(b.screenshot(
        shot, clip={"x": 0, "y": 0, "width": 1100, "height": 1400, "scale": 0.5}))
    _keep(shot)
    pixels = [row[i:i + 3] for row in rows for i in range(0, len(row), 3)]
    drawn = sum(1 for p in pixels if p != b"\xff\xff\xff")
    assert (width, height) == (550, 700)
    assert drawn / len(pixels) > 0.03, "the page looks blank"
    assert len(set(pixels)) > 20  # text, table rules and status colours
    if os.environ.get("IKU_SCREENSHOTS"):  # the whole page, for a person to look at
        full = folder / "lkj-2023-full.png"
        b.screenshot(full)
        _keep(full)


def test_every_chart_is_there_and_visible(page: tuple[Browser, Path]) -> None:
    b, folder = page
    charts = b.evaluate("""(() => Array.from(document.querySelectorAll('svg.chart')).map(svg => {
        svg.scrollIntoView({block: 'center'});
        const r = svg.getBoundingClientRect(), cs = getComputedStyle(svg);
        const hit = document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return {id: svg.id, w: r.width, h: r.height, visibility: cs.visibility,
                display: cs.display, opacity: cs.opacity, inside: svg.contains(hit),
                bars: svg.querySelectorAll('rect.bar').length,
                labels: Array.from(svg.querySelectorAll('text.value')).map(t => t.textContent),
                axis: svg.querySelectorAll('line').length};
    }))()""")
    assert len(charts) == CHARTS
    assert {c["id"].rsplit("-", 1)[1] for c in charts} == {"history", "renstra", "units"}
    for c in charts:
        assert c["w"] > 300 and c["h"] > 150, c  # two share a line: 350 px each
        assert (c["visibility"], c["display"], c["opacity"]) == ("visible", "inline", "1"), c
        assert c["inside"], f"{c['id']} is covered by something else"
        assert c["bars"] >= 1 and c["labels"] and c["axis"] >= 5, c
    first = next(c for c in charts if c["id"] == "chart-IKU.1-history")
    assert first["labels"] == ["85,82", "88,89"]  # 2022 printed, 2023 recomputed
    # the chart is drawn: its bars' blue is on the screen
    box = b.evaluate("""(() => { const s = document.getElementById('chart-IKU.1-history');
        s.scrollIntoView({block: 'start'}); const r = s.getBoundingClientRect();
        return {x: r.x, y: r.y + window.scrollY, width: r.width, height: r.height}; })()""")
    shot = folder / "chart-IKU.1-history.png"
    _, _, rows = png_pixels(b.screenshot(shot, clip=box))
    _keep(shot)
    blue = sum(1 for row in rows for i in range(0, len(row), 3)
               if all(abs(row[i + k] - BAR_BLUE[k]) < 12 for k in range(3)))
    assert blue > 2000, blue


def test_pdf_prints_on_a4(tmp_path: Path) -> None:
    pdf = tmp_path / "lkj-2023.pdf"
    run = _report(pdf, "--format", "pdf")
    assert run.returncode == 0, run.stderr
    data = pdf.read_bytes()
    _keep(pdf)
    assert data.startswith(b"%PDF-")
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", data)
    assert len(boxes) >= 20, len(boxes)
    sizes = {(round(float(w)), round(float(h))) for w, h in boxes}
    # A4 portrait for the body, A4 landscape for the appendices (points)
    assert sizes == {(595, 842), (842, 595)}, sizes
