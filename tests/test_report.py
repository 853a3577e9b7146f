"""`iku report`: the LKj's tables, charts and appendices as HTML, XLSX, Markdown and PDF, in
Indonesian by default. The figures are the acceptance data's (Tabel 5 of the 2023 report);
the browser checks are in test_browser.py."""

from __future__ import annotations

import re
import subprocess
import sys
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import ACCEPTANCE, ROOT, Run

D23 = Path("datasets/deputi-sinka/2023")
# IKUs carried by several directorates (Tabel 6): a chart of each directorate's realisasi
CASCADED = {"IKU.1", "IKU.2", "IKU.3", "IKU.9", "IKU.10", "IKU.11", "IKU.12", "IKU.14",
            "IKU.15"}


@pytest.fixture(scope="module")
def html_id(tmp_path_factory: pytest.TempPathFactory) -> str:
    out = tmp_path_factory.mktemp("report") / "lkj.html"
    run = subprocess.run([sys.executable, "-m", "engine", "report", "--year", "2023",
                          "--output", str(out)], cwd=ACCEPTANCE, capture_output=True,
                         text=True, env={"PATH": "/usr/bin:/bin", "IKU_NO_CACHE": "1"})
    assert run.returncode == 0, run.stderr
    return out.read_text(encoding="utf-8")


def test_html_is_self_contained(html_id: str) -> None:
    """No script, nothing fetched: styles and charts inline."""
    assert "<script" not in html_id.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html_id)
    assert "@import" not in html_id and "url(" not in html_id
    assert html_id.count("<style>") == 1


def test_html_has_the_report_in_indonesian(html_id: str) -> None:
    assert '<html lang="id">' in html_id
    assert "Laporan Kinerja Deputi Bidang Sistem Informasi Kepegawaian Tahun 2023" in html_id
    # Tabel 5, recomputed, with the printed figure beside it where it differs
    assert "88,89" in html_id and "≠ 88,94 (Tabel 5)" in html_id
    assert "hijau, di atas target" in html_id and "kuning, di bawah target" in html_id
    assert "IKU di atas target: <strong>6</strong>" in html_id
    # NSS, NKP and the NPSS
    assert "Nilai Pencapaian Sasaran Strategis (NPSS): 99,37" in html_id
    assert "≠ 99,62 (section 4.1 Kesimpulan (text))" in html_id
    for english in ("above target", "Average", "Weight", "printed"):
        assert english not in html_id, english


def test_html_has_every_iku_section_in_manual_order(html_id: str) -> None:
    sections = re.findall(r'<section class="iku" id="(IKU\.\d+)">', html_id)
    assert sections == [f"IKU.{n}" for n in range(1, 16)]
    for code in sections:
        body = html_id.split(f'<section class="iku" id="{code}">', 1)[1].split("</section>")[0]
        assert f'id="chart-{code}-history"' in body
        # manual 2023-r2 gives IKU.9 no Renstra target for 2024 (its 2024 form is new)
        assert (f'id="chart-{code}-renstra"' in body) == (code != "IKU.9"), code
        assert (f'id="chart-{code}-units"' in body) == (code in CASCADED), code
        assert "<caption>Tabel" in body and "Perbandingan Capaian dan Target" in body
        assert "<td>2020</td>" in body and "<td>2023</td>" in body  # 2020-2023
        assert ("Target Renstra 2024" in body) == (code != "IKU.9"), code


def test_history_takes_printed_earlier_years(html_id: str) -> None:
    """IKU.1: 2022's 85,82 comes from the 2022 reported.yaml; 2023 is recomputed."""
    body = html_id.split('id="IKU.1">', 1)[1].split("</section>")[0]
    row = re.search(r"<td>2022</td>.*?</tr>", body, re.S)
    assert row and "85,82" in row.group(0) and "tercetak" in row.group(0)
    assert re.search(r"<td>2023</td>.*?88,89.*?dihitung ulang", body, re.S)
    # IKU.4's only earlier figure: 2021's 94,97 (Gambar 12 text)
    body4 = html_id.split('id="IKU.4">', 1)[1].split("</section>")[0]
    assert "94,97" in body4


def test_narratives_are_shown(html_id: str) -> None:
    body = html_id.split('id="IKU.3">', 1)[1].split("</section>")[0]
    assert "<h5>Permasalahan</h5>" in body and "Dit. AK" in body
    assert "Kurangnya pemahaman SDM" in body
    appendix = html_id.split('id="lampiran-5"', 1)[1]  # Dit. AK
    assert "Konsultasi dengan pakar" in appendix


def test_html_has_the_appendices(html_id: str) -> None:
    titles = re.findall(r'<section class="appendix" id="lampiran-(\d)">\s*<h2>(.*?)</h2>',
                        html_id)
    assert [n for n, _ in titles] == ["1", "2", "3", "4", "5"]
    assert "Direktorat Infrastruktur Teknologi Informasi" in titles[1][1]
    inti = html_id.split('id="lampiran-2"', 1)[1].split("</section>")[0]
    assert "NPSS: 99,19" in inti and "<th>Penjelasan</th>" in inti


def test_report_in_english(in_root: Path, cli: Callable[..., Run], tmp_path: Path) -> None:
    out = tmp_path / "lkj.md"
    r = cli("report", "--lang", "en", "--format", "markdown", "--output", str(out))
    assert r.code == 0, r.err
    text = out.read_text()
    assert "**NPSS (score of the strategic objectives): 99.37**" in text
    assert "| 88.89 ≠ 88.94 (Tabel 5) |" in text and "hijau, above target" in text


def test_markdown_has_the_same_tables(in_root: Path, cli: Callable[..., Run]) -> None:
    r = cli("report", "--format", "markdown", "--output", "-")
    assert r.code == 0, r.err
    md = r.out
    assert md.startswith("# Laporan Kinerja Deputi Bidang Sistem Informasi Kepegawaian")
    assert "| **Customer Perspective** | 30 % | 100,59 | 30,18 |" in md
    assert "| SS.7 Terwujudnya Birokrasi" in md and "| | 91,64 | |" in md
    assert md.count("\n### IKU.") == 15
    assert md.count("\n## Lampiran ") == 5
    assert "| 2022 | 86 | 85,82 | 99,79 | tercetak, section 3.1 IKU.1 (Gambar 4 text) |" in md
    assert "<script" not in md


def test_untrusted_text_is_escaped(project: Path, cli: Callable[..., Run]) -> None:
    path = D23 / "IKU.04.yaml"
    text = path.read_text()
    path.write_text(text.replace("    penjelasan: |-\n",
                                 "    penjelasan: |-\n      <script>alert(1)</script> <b>x</b>\n",
                                 1))
    r = cli("report", "--output", "lkj.html")
    assert r.code == 0, r.err
    html = Path("lkj.html").read_text()
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    md = cli("report", "--format", "markdown", "--output", "-").out
    assert "<script>" not in md


def test_default_output_name(project: Path, cli: Callable[..., Run]) -> None:
    r = cli("report", "--format", "markdown")
    assert r.code == 0 and Path("lkj-deputi-sinka-2023.md").is_file(), r.err
    r = cli("report", "--format", "markdown", "--unit", "inti", "--period", "2023-TW4")
    assert Path("lkj-deputi-sinka-inti-2023-tw4.md").is_file(), r.err


def test_xlsx_to_stdout_is_refused(in_root: Path, cli: Callable[..., Run]) -> None:
    r = cli("report", "--format", "xlsx", "--output", "-")
    assert r.code == 2 and "give --output FILE" in r.err


def test_data_errors_are_shown_and_exit_3(project: Path, cli: Callable[..., Run]) -> None:
    edit_path = D23 / "IKU.01.yaml"  # Dit. AK's survey, entered in the deputy's own data
    edit_path.write_text(edit_path.read_text().replace("ikm: 87.05", "ikm: -1"))
    r = cli("report", "--output", "lkj.html")
    assert r.code == 3 and "the report shows them" in r.err
    html = Path("lkj.html").read_text()
    assert '<section class="issues" id="masalah">' in html and "IKU.01.yaml" in html


def test_pdf_without_chromium_says_so(in_root: Path, cli: Callable[..., Run],
                                      monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("IKU_CHROMIUM", "")
    out = tmp_path / "lkj.pdf"
    r = cli("report", "--format", "pdf", "--output", str(out))
    assert r.code == 6 and not out.exists()
    assert "needs a headless Chromium, and none is installed" in r.err
    assert "apt-get install chromium" in r.err and "Traceback" not in r.err


def test_xlsx_reads_back(in_root: Path, cli: Callable[..., Run], tmp_path: Path) -> None:
    from openpyxl import load_workbook

    out = tmp_path / "lkj.xlsx"
    r = cli("report", "--format", "xlsx", "--output", str(out))
    assert r.code == 0, r.err
    wb = load_workbook(out)
    assert wb.sheetnames == ["Ringkasan", "Lampiran 1 SINKA", "Lampiran 2 INTI",
                             "Lampiran 3 PPSIASN", "Lampiran 4 PDPIK", "Lampiran 5 AK",
                             "Riwayat IKU"]
    ws = wb["Lampiran 1 SINKA"]
    assert ws.freeze_panes == "B5"
    header = [c.value for c in ws[4]]
    assert header[:8] == ["Sasaran Strategis / Indikator Kinerja Utama", "Target Tahunan",
                          "Target Periode (Tahunan)", "Realisasi", "%", "Status", "NSS", "NKP"]
    assert header[8:] == ["Penjelasan", "Permasalahan", "Rekomendasi"]
    assert ws["B2"].value == 99.37 and ws["B2"].number_format == "[$-421]#,##0.00"
    rows = {str(r[0].value).split(" ")[0]: r for r in ws.iter_rows(min_row=5)
            if r[0].value}
    iku1 = rows["IKU.1"]
    assert (iku1[1].value, iku1[1].number_format) == (88, "[$-421]#,##0")
    assert isinstance(iku1[3].value, float) and iku1[3].value == 88.89
    assert iku1[4].value == 101.02 and iku1[4].number_format == "[$-421]#,##0.00"
    assert iku1[5].value == "hijau, di atas target"
    assert iku1[5].fill.fgColor.rgb.endswith("C8E6C9")
    iku13 = rows["IKU.13"]
    assert iku13[5].fill.fgColor.rgb.endswith("FFF1A8")  # kuning
    assert "88,94" in str(iku1[8].value)  # the deputy's penjelasan of IKU.1
    assert rows["SS.7"][6].value == 91.64  # NSS on the objective's row
    assert rows["Customer"][7].value == 30.18  # NKP on the perspective's row
    ak = wb["Lampiran 5 AK"]
    ak_rows = {str(r[0].value).split(" ")[0]: r for r in ak.iter_rows(min_row=5)
               if r[0].value}
    assert "Kendala" in str(ak_rows["IKU.3"][9].value)
    assert wb["Ringkasan"]["G5"].value is None  # the perspective row
    history = wb["Riwayat IKU"]
    assert history["A1"].value.startswith("IKU.1 ")
    assert [history.cell(r, 1).value for r in range(3, 8)] == [2020, 2021, 2022, 2023, 2024]
    assert history.cell(5, 3).value == 85.82
    with zipfile.ZipFile(out) as z:
        charts = [n for n in z.namelist() if re.fullmatch(r"xl/charts/chart\d+\.xml", n)]
        assert len(charts) == 15
        assert b"barChart>" in z.read(charts[0]) and b"lineChart>" in z.read(charts[0])


def test_report_libraries_stay_out_of_evaluate() -> None:
    """`iku evaluate`'s start-up: jinja2, openpyxl and the report modules are imported by
    `iku report` only (bench/bench.py measures the cost)."""
    code = ("import sys\nfrom engine.cli import main\nmain(['evaluate', '--format', 'json'])\n"
            "print(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('jinja2', 'openpyxl', 'markupsafe') or m.startswith('engine.report')))")
    run = subprocess.run([sys.executable, "-c", code], cwd=ACCEPTANCE, capture_output=True,
                         text=True, env={"PATH": "/usr/bin:/bin", "IKU_NO_CACHE": "1",
                                         "PYTHONPATH": str(ROOT)})
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip().splitlines()[-1] == "[]"


def test_report_of_another_owner(project: Path, cli: Callable[..., Run]) -> None:
    """--owner: the report resolves within that owner (its manual, data and narratives)."""
    from test_owners import add_owner

    add_owner(project, "DUP", "dup")
    r = cli("report", "--owner", "DUP", "--format", "markdown")
    assert r.code == 0, r.err
    md = Path("lkj-dup-2023.md").read_text()
    assert "**Nilai Pencapaian Sasaran Strategis (NPSS): 99,37**" not in md
    assert "Indeks Kepuasan" in md and "17,05" in md  # DUP's own data
    assert "88,94" in md  # its narratives (copied) are its own now
    sinka = cli("report", "--format", "markdown", "--output", "-").out
    assert "**Nilai Pencapaian Sasaran Strategis (NPSS): 99,37**" in sinka
