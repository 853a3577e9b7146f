"""Words and numbers for people, in Indonesian or English: the one catalogue every renderer
reads (terminal tables, Markdown, HTML, XLSX). CSV and JSON stay machine-readable.

A label is one row of `LABELS`: an id and its Indonesian and English texts, with `{name}`
placeholders. The English texts keep the domain's own words (IKU, SS, Target, Realisasi,
Capaian, NSS, NKP, NPSS, the manual's band names, the period labels): they are names, not
translations. Numbers follow the language: `99,94` and `637.535.251` in Indonesian,
`99.94` and `637,535,251` in English.

The language comes from `--lang`, else `IKU_LANG`, else the command's default (English
for the terminal, Indonesian for `iku report`).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from engine.model import Range, TargetValue

LANGS = ("id", "en")
ENV = "IKU_LANG"

# id -> (Indonesian, English). Grouped by where they are shown; one row per label.
LABELS: dict[str, tuple[str, str]] = {
    # -- columns ----------------------------------------------------------------------------
    "col.ss": ("SS", "SS"),
    "col.ss_code": ("Kode SS", "SS code"),
    "col.objective": ("Sasaran Strategis", "Strategic objective"),
    "col.iku": ("IKU", "IKU"),
    "col.iku_code": ("Kode IKU", "IKU code"),
    "col.indicator": ("Indikator", "Indicator"),
    "col.indicator_long": ("Indikator Kinerja", "Performance indicator"),
    "col.ss_iku": ("Sasaran Strategis / Indikator Kinerja Utama",
                   "Strategic objective / key performance indicator"),
    "col.period": ("Periode", "Period"),
    "col.unit": ("Unit", "Unit"),
    "col.year": ("Tahun", "Year"),
    "col.target": ("Target", "Target"),
    "col.target_year": ("Target Tahunan", "Yearly target"),
    "col.target_period": ("Target {period}", "Target {period}"),
    "col.target_of_year": ("Target Tahun {year}", "Target {year}"),
    "col.target_of_period": ("Target Periode ({period})", "Target of the period ({period})"),
    "col.realisasi": ("Realisasi", "Realisasi"),
    "col.capaian": ("Capaian %", "Capaian %"),
    "col.capaian_short": ("%", "%"),
    "col.status": ("Status", "Status"),
    "col.source": ("Sumber", "Source"),
    "col.perspective_ss": ("Perspektif / SS", "Perspective / SS"),
    "col.weight": ("Bobot", "Weight"),
    "col.nss": ("NSS", "NSS"),
    "col.nkp": ("NKP", "NKP"),
    "col.npss": ("NPSS", "NPSS"),
    "col.penjelasan": ("Penjelasan", "Explanation (penjelasan)"),
    "col.permasalahan": ("Permasalahan", "Problems (permasalahan)"),
    "col.rekomendasi": ("Rekomendasi", "Recommendations (rekomendasi)"),
    "col.unit_of_measure": ("Satuan", "Unit of measure"),
    # -- groups and states ------------------------------------------------------------------
    "group.above": ("di atas target", "above target"),
    "group.on": ("sesuai target", "on target"),
    "group.below": ("di bawah target", "below target"),
    "groups.line": ("IKU {groups}", "IKUs {groups}"),
    "state.incomplete": ("tidak lengkap", "incomplete"),
    "state.error": ("galat", "error"),
    "state.not_scored": ("n/a", "n/a"),
    "state.partial": ("sebagian {value}", "partial {value}"),
    "note.no_target": ("tidak ada target pada {period}", "no target in {period}"),
    "note.not_measured": ("tidak diukur", "not measured"),
    "note.no_data": ("tidak ada data", "no data"),
    "note.data_error": ("galat data", "data error"),
    "note.error": ("galat", "error"),
    "note.not_due": ("N/A: belum jatuh tempo pada {period} (terjadwal: {scheduled})",
                     "N/A: not due in {period} (scheduled: {scheduled})"),
    "note.year_only": ("tahunan", "the year"),
    "note.for": ("untuk", "for"),
    "note.not_in_manual": ("tidak ada di manual", "not in the manual"),
    # -- evaluation -------------------------------------------------------------------------
    "eval.title": ("{unit} · {when} · manual {label} (berlaku {date})",
                   "{unit} · {when} · manual {label} (in force {date})"),
    "eval.as_of": ("posisi {period}", "as of {period}"),
    "eval.scores_title": ("Nilai Sasaran Strategis (NSS) dan Nilai Kinerja Perspektif (NKP)",
                          "NSS per strategic objective, NKP per perspective"),
    "eval.printed_legend": ("≠ n: laporan mencetak n, yang tidak diperoleh dari perhitungan "
                            "ulang (di luar pembulatan angka tercetak); `iku reconcile` "
                            "mencantumkan semuanya.",
                            "≠ n: the report prints n, which the recomputation does not give "
                            "(beyond the printed figure's rounding); `iku reconcile` lists "
                            "each."),
    "eval.average": ("Rata-rata capaian {value}", "Average capaian {value}"),
    "eval.printed_in": ("≠ tercetak {value} di {where}", "≠ printed {value} in {where}"),
    "eval.printed": ("tercetak {value}", "printed {value}"),
    "eval.errors": ("{n} IKU tidak dapat dihitung (galat: datanya ada, tetapi rumus atau "
                    "pemeriksaan gagal); `iku explain IKU.n` menunjukkan sebabnya.",
                    "{n} IKU(s) could not be computed (error: the data is there but a formula "
                    "or check failed); `iku explain IKU.n` shows why."),
    "eval.missing": ("{n} IKU tanpa angka karena data belum ada; `iku explain IKU.n` "
                     "menunjukkan apa yang kurang.",
                     "{n} IKU(s) without a figure for lack of data; `iku explain IKU.n` shows "
                     "what is missing."),
    "eval.problems_in": ("Masalah pada {folder}", "Problems in {folder}"),
    "npss.na": ("NPSS n/a: {why}", "NPSS n/a: {why}"),
    "npss.scope": ("(atas {n} dari {total} perspektif: {names}; perspektif lain tidak memiliki "
                   "IKU yang jatuh tempo; aturan `{rule}`)",
                   "(over {n} of {total} perspectives: {names}; the others have no IKU due; "
                   "rule `{rule}`)"),
    "npss.partial": ("; atas yang ada: {value}", "; over what is there: {value}"),
    # -- the organisation tree --------------------------------------------------------------
    "tree.title": ("Organisasi di bawah {top} · {when}", "The organisation under {top} · {when}"),
    "tree.latest": ("tahun terakhir yang memiliki data", "latest year with data"),
    "tree.owner": ("Pemilik", "Owner"),
    "tree.groups": ("di atas / sesuai / di bawah", "above / on / below"),
    "tree.weakest": ("IKU terlemah", "Weakest IKU"),
    # -- issues and validate ----------------------------------------------------------------
    "issues.title": ("Masalah", "Problems"),
    "issues.severity": ("tingkat", "severity"),
    "issues.where": ("lokasi", "where"),
    "issues.message": ("pesan", "message"),
    "issues.hint": ("saran", "hint"),
    "severity.error": ("galat", "error"),
    "severity.warning": ("peringatan", "warning"),
    "severity.info": ("info", "info"),
    "validate.assumptions": ("Asumsi yang ditulis dalam manual",
                             "Assumptions written into the manuals"),
    "validate.revision": ("revisi", "revision"),
    "validate.assumption": ("asumsi", "assumption"),
    "validate.owners": ("{n} pemilik ({codes})", "{n} owners ({codes})"),
    "validate.revisions": ("{n} revisi", "{n} revision(s)"),
    "validate.files_ikus": (", {files} berkas, {ikus} IKU", ", {files} files, {ikus} IKUs"),
    "validate.datasets": ("{n} dataset{years}, {files} berkas",
                          "{n} dataset(s){years}, {files} files"),
    "validate.summary": ("{what} diperiksa: {errors} galat, {warnings} peringatan",
                         "{what} checked: {errors} error(s), {warnings} warning(s)"),
    "validate.ok": ("OK: {summary}", "OK: {summary}"),
    # -- show -------------------------------------------------------------------------------
    "show.header": ("Manual IKU {owner} {label} (revisi {number}, berlaku sejak {date})",
                    "Manual IKU {owner} {label} (revision {number}, in force from {date})"),
    "show.table3": ("Sasaran strategis, IKU dan target per tahun (bandingkan Tabel 3)",
                    "Strategic objectives, IKUs and targets by year (cf. Tabel 3)"),
    "show.ss_iku": ("SS / IKU", "SS / IKU"),
    "show.satuan": ("Satuan", "Unit"),
    "show.table4": ("Perjanjian Kinerja {year} (bandingkan Tabel 4)",
                    "Perjanjian Kinerja {year} (cf. Tabel 4)"),
    "show.periods": ("Periode yang memiliki target", "Periods with a target"),
    "show.year_only": ("hanya tahunan", "year only"),
    "show.table6": ("Penanggung jawab IKU (bandingkan Tabel 6)",
                    "Responsible units (cf. Tabel 6)"),
    "show.rollup": ("Agregasi", "Roll-up"),
    "show.iku_line": ("{objective} · satuan {unit} · {polarity} · manual {label} ({file})",
                      "{objective} · unit {unit} · {polarity} · manual {label} ({file})"),
    "show.definition": ("Definisi operasional: ", "Definition: "),
    "show.data_source": ("Sumber data: ", "Data source: "),
    "show.collection": ("Pengumpulan data: ", "Collection: "),
    "show.variables": ("Variabel", "Variables"),
    "show.name": ("nama", "name"),
    "show.kind": ("jenis", "kind"),
    "show.unit": ("satuan", "unit"),
    "show.meaning": ("arti", "meaning"),
    "show.formula": ("Rumus", "Formula"),
    "show.schedule": ("Jadwal: ", "Schedule: "),
    "show.schedule_text": ("diukur {measured}; target pada {targeted}; nilai periode yang "
                           "lebih panjang: {aggregate}",
                           "measured {measured}; targets in {targeted}; a longer period's "
                           "value: {aggregate}"),
    "show.year_targets_only": ("tahunan saja", "the year only"),
    "show.targets": ("Target", "Targets"),
    "show.bounds": ("Batas capaian: ", "Capaian bounds: "),
    "show.year": ("tahun", "year"),
    "show.target": ("target", "target"),
    "show.target_periods": ("periode", "periods"),
    "show.source": ("sumber", "source"),
    "show.cascade": ("Cascading (agregasi: {rollup})", "Cascade (roll-up: {rollup})"),
    "show.own_indicator": ("indikator sendiri", "own indicator"),
    "show.own_targets": ("target sendiri", "own targets"),
    "show.own_formula": ("rumus sendiri", "own formula"),
    "show.assumptions": ("Asumsi", "Assumptions"),
    "show.id": ("id", "id"),
    "show.source_line": ("Sumber: {source}", "Source: {source}"),
    # -- reconcile --------------------------------------------------------------------------
    "reconcile.title": ("Angka tercetak {year} dibandingkan dengan hasil hitung ulang "
                        "({dataset}/reported.yaml)",
                        "Printed figures of {year} against the recomputation "
                        "({dataset}/reported.yaml)"),
    "reconcile.where": ("Lokasi", "Where"),
    "reconcile.figure": ("Angka", "Figure"),
    "reconcile.printed": ("Tercetak", "Printed"),
    "reconcile.recomputed": ("Hitung ulang", "Recomputed"),
    "reconcile.diff": ("Selisih", "Diff"),
    "reconcile.class": ("Kelas", "Class"),
    "reconcile.why": ("Sebab", "Why"),
    "reconcile.summary": ("{n} angka tercetak diperiksa: {agree} sesuai dalam pembulatannya, "
                          "{differ} berbeda",
                          "{n} printed figures checked: {agree} agree within their rounding, "
                          "{differ} differ"),
    # -- explain ----------------------------------------------------------------------------
    "explain.head": ("{unit} · {period} · revisi yang berlaku: {label} (berlaku {date})",
                     "{unit} · {period} · revision in force: {label} (effective {date})"),
    "explain.revisions": ("revisi tahun {year}: {listed}", "revisions of {year}: {listed}"),
    "explain.revision_from": ("{label} sejak {date}", "{label} from {date}"),
    "explain.changed": ("{label} mengubah IKU ini: {aspects}",
                        "{label} changed this IKU: {aspects}"),
    "explain.published": ("angka terbit, dibulatkan setengah ke atas ke {prec} desimal: {value}",
                          "published figure rounded half up to {prec} decimals: {value}"),
    "explain.target": ("target: {value}", "target: {value}"),
    "explain.manual": ("manual", "manual"),
    "explain.passed_over": ("{label}: dilewati, periode sesudahnya tanpa data ({why})",
                            "{label}: passed over, a later period without data ({why})"),
    "explain.a_range": ("rentang; ", "a range; "),
    "explain.capaian": ("capaian: {value} %", "capaian: {value} %"),
    "explain.capaian_rounding": ("dihitung dari realisasi eksak, lalu dibulatkan setengah ke "
                                 "atas ke {prec} desimal", "computed from the exact realisasi, "
                                 "then rounded half up to {prec} decimals"),
    "explain.capped": ("; dibatasi pada {cap}", "; capped at {cap}"),
    "explain.status": ("status: {band}; {group}", "status: {band}; {group}"),
    "explain.printed": ("laporan mencetak {measure} {value} ({where}); hasil hitung ulang "
                        "berbeda di luar pembulatan",
                        "the report prints {measure} {value} ({where}); the recomputation "
                        "differs beyond rounding"),
    "explain.trend": ("tren (realisasi tercetak tahun-tahun sebelumnya): {trend}; {year}: {now}",
                      "trend (printed realisasi of earlier years): {trend}; {year}: {now}"),
    "explain.partial": ("  (unit yang melapor memberi {value}; bukan angkanya)",
                        "  (the units that reported give {value}; not the figure)"),
    "explain.exact": ("  (eksak {value})", "  (exact {value})"),
    "explain.formula": ("rumus revisi {revision}, data di {source}",
                        "formula of revision {revision}, data at {source}"),
    "explain.note": ("catatan: {note}", "note: {note}"),
    "explain.inputs": ("masukan", "inputs"),
    "explain.evidence": ("bukti: {evidence}", "evidence: {evidence}"),
    "explain.subexpressions": ("sub-ekspresi", "sub-expressions"),
    "explain.linked": ("tertaut: nilai {rule}, dari {source}",
                       "linked: the value of {rule}, from {source}"),
    "explain.linked_once": ("{summary}; dimasukkan sekali, di data pemilik itu sendiri",
                            "{summary}; entered once, in that owner's own data"),
    "explain.not_every_part": ("— (tidak semua bagian tersedia)",
                               "— (not every part is there)"),
    "explain.aggregate": ("agregasi periode", "period aggregate"),
    "explain.rollup": ("agregasi unit", "roll-up"),
    "explain.combined": ("{kind}: {rule} atas {parts} = {result}",
                         "{kind}: {rule} of {parts} = {result}"),
    "explain.rule": ("aturan revisi {revision} ({source}): {summary}; setiap bagian masuk "
                     "dibulatkan setengah ke atas ke {prec} desimal",
                     "rule of revision {revision} ({source}): {summary}; each part enters "
                     "rounded half up to {prec} decimals"),
    "score.none": ("{about}: {unit} tidak memikul satu pun IKU-nya",
                   "{about}: {unit} carries none of its IKUs"),
    "score.weight": ("bobot {weight} %", "weight {weight} %"),
    "score.rule": ("aturan `{name}`{where}: {summary}", "rule `{name}`{where}: {summary}"),
    "score.empty": ("perspektif tanpa IKU yang dinilai: `{name}`: {summary}",
                    "perspectives without a scored IKU: `{name}`: {summary}"),
    "score.parts": ("bagian", "parts"),
    "score.times_weight": (" × bobot {weight}", " × weight {weight}"),
    "score.left_out": ("{part}: tidak dinilai pada periode ini, tidak diikutkan",
                       "{part}: not scored in this period, left out"),
    "score.rounded": ("= {exact}, dibulatkan setengah ke atas ke {prec} desimal: {value}",
                      "= {exact}, rounded half up to {prec} decimals: {value}"),
    "score.partial_only": ("atas bagian yang ada: {value} (bukan {level}: {state})",
                           "over the parts that are there: {value} (not the {level}: {state})"),
    "score.printed": ("laporan mencetak {value} ({where}); hasil hitung ulang berbeda di luar "
                      "pembulatan", "the report prints {value} ({where}); the recomputation "
                                    "differs beyond rounding"),
    # -- diff -------------------------------------------------------------------------------
    "diff.header": ("kepala (skor, perspektif, sasaran, unit)",
                    "header (scoring, perspectives, objectives, units)"),
    "diff.summary": ("{changed} IKU berubah, {unchanged} tidak berubah",
                     "{changed} IKU(s) changed, {unchanged} unchanged"),
    "diff.header_changes": (", {n} perubahan kepala", ", {n} header change(s)"),
    "diff.apart": (" selain target {year}", " apart from their {year} targets"),
    "impact.title": ("Dampak pada data {year}: {old} → {new}",
                     "Impact on the {year} data: {old} → {new}"),
    "impact.none": ("Tidak ada angka data {year} yang berubah.",
                    "No figure of the {year} data changes."),
    "impact.scores": ("Nilai", "Scores"),
    "impact.score": ("Nilai", "Score"),
    "impact.unusable": ("Data yang tidak dapat digunakan oleh {label}",
                        "Data that {label} cannot use"),
    # -- the report (iku report) ------------------------------------------------------------
    "report.title": ("Laporan Kinerja {owner} Tahun {year}",
                     "Performance report (LKj) of {owner}, {year}"),
    "report.subtitle": ("{when} · manual {label} (berlaku {date}) · data {dataset}",
                        "{when} · manual {label} (in force {date}) · data {dataset}"),
    "report.recomputed": ("Setiap angka dihitung ulang dari Manual IKU dan data. Bila laporan "
                          "tercetak menyebut angka lain, keduanya ditampilkan (≠).",
                          "Every figure is recomputed from the Manual IKU and the data. Where "
                          "the printed report says otherwise, both are shown (≠)."),
    "report.contents": ("Daftar Isi", "Contents"),
    "report.summary": ("Realisasi dan Capaian Kinerja {owner} {when}",
                       "Realisasi and capaian of {owner}, {when}"),
    "report.year": ("Tahun {year}", "{year}"),
    "report.summary_ref": ("(bandingkan Tabel 5)", "(cf. Tabel 5)"),
    "report.groups": ("Pengelompokan capaian", "Capaian by group"),
    "report.scores": ("Nilai Sasaran Strategis, Nilai Kinerja Perspektif dan NPSS",
                      "Strategic objectives (NSS), perspectives (NKP) and the NPSS"),
    "report.ikus": ("Capaian per Indikator Kinerja Utama", "Capaian per key performance "
                                                             "indicator"),
    "report.comparison": ("Perbandingan Capaian dan Target {iku}",
                          "Capaian against target, {iku}"),
    "report.history": ("Perbandingan Target dan Realisasi {iku} Tahun {first} - {last}",
                       "Target and realisasi of {iku}, {first} to {last}"),
    "report.renstra": ("Realisasi {iku} Tahun {year} dengan Target Renstra {final}",
                       "Realisasi of {iku} in {year} against the Renstra target of {final}"),
    "report.units_chart": ("Realisasi {iku} pada Masing-Masing Unit",
                           "Realisasi of {iku} per unit"),
    "report.units_table": ("Realisasi per unit penanggung jawab",
                           "Realisasi per responsible unit"),
    "report.narrative_of": ("{unit}", "{unit}"),
    "report.no_narrative": ("Belum ada penjelasan untuk {unit} pada {period}.",
                            "No narrative for {unit} in {period} yet."),
    "report.appendix": ("Lampiran {n}. Capaian Kinerja {when} {unit}",
                        "Appendix {n}. Performance of {unit}, {when}"),
    "report.appendices": ("Lampiran", "Appendices"),
    "report.history_sheet": ("Riwayat IKU", "IKU history"),
    "report.summary_sheet": ("Ringkasan", "Summary"),
    "report.issues": ("Masalah data", "Data issues"),
    "report.issues_note": ("Data berikut tidak dapat digunakan; angka yang bergantung padanya "
                           "ditandai.",
                           "The data below cannot be used; figures that depend on it are "
                           "marked."),
    "report.printed_note": ("≠ angka tercetak di laporan, berbeda dari hasil hitung ulang "
                            "di luar pembulatannya",
                            "≠ the figure the report prints, where it differs from the "
                            "recomputation beyond its rounding"),
    "report.source.recomputed": ("dihitung ulang", "recomputed"),
    "report.source.printed": ("tercetak, {where}", "printed, {where}"),
    "report.source.none": ("tidak ada data", "no data"),
    "report.series.target": ("Target", "Target"),
    "report.series.realisasi": ("Realisasi", "Realisasi"),
    "report.series.renstra": ("Target Renstra {year}", "Renstra target {year}"),
    "report.series.target_year": ("Target {year}", "Target {year}"),
    "report.series.realisasi_year": ("Realisasi {year}", "Realisasi {year}"),
    "report.generated": ("Dibuat dengan iku dari {manuals} dan {data}.",
                         "Made by iku from {manuals} and {data}."),
    "report.objective": ("Sasaran Strategis {code}", "Strategic objective {code}"),
    "report.cascade": ("Penanggung jawab: {units}", "Responsible units: {units}"),
    "report.owner_only": ("Diukur pada tingkat {owner}", "Measured at the level of {owner}"),
    "report.npss_line": ("Nilai Pencapaian Sasaran Strategis (NPSS): {value}",
                         "NPSS (score of the strategic objectives): {value}"),
    "report.average_line": ("Rata-rata capaian seluruh IKU: {value}",
                            "Average capaian of all IKUs: {value}"),
    "report.figure": ("Gambar {n}. {title}", "Figure {n}. {title}"),
    "report.table": ("Tabel {n}. {title}", "Table {n}. {title}"),
    "report.chart_alt": ("Grafik: {title}", "Chart: {title}"),
}


class ScoreLike(Protocol):
    """What `Catalogue.score` reads of an engine.rollup.Score."""

    @property
    def state(self) -> str: ...

    @property
    def value(self) -> Decimal | None: ...

    @property
    def partial(self) -> Decimal | None: ...


@dataclass(frozen=True)
class Catalogue:
    """The labels and number formats of one language."""

    lang: str  # id or en

    def __call__(self, key: str, **values: object) -> str:
        text = LABELS[key][0 if self.lang == "id" else 1]
        return text.format(**values) if values else text

    def num(self, x: Decimal | int | None, places: int = 2, dash: str = "—") -> str:
        """A number with the language's separators, rounded half up to `places`.

        >>> Catalogue("id").num(Decimal("99.935")), Catalogue("en").num(Decimal("99.935"))
        ('99,94', '99.94')
        >>> Catalogue("id").num(Decimal(637535251), 0), Catalogue("en").num(637535251, 0)
        ('637.535.251', '637,535,251')
        """
        if x is None:
            return dash
        from engine.functions import round_half_up  # our rounding: 82.615 -> 82.62

        text = f"{round_half_up(Decimal(x), places):,.{places}f}"
        if self.lang == "id":
            text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
        return text

    def rupiah(self, x: Decimal | int) -> str:
        """An amount of rupiah, as the report writes it.

        >>> Catalogue("id").rupiah(637535251)
        'Rp 637.535.251'
        """
        return f"Rp {self.num(x, 0)}"

    def natural(self, x: TargetValue | None) -> str:
        """A target as the manual writes it: no trailing zeros (`88`, `99,5`); a range with
        a dash (`80–90`)."""
        if x is None:
            return "—"
        if isinstance(x, Range):
            return f"{self.natural(x.low)}–{self.natural(x.high)}"
        exponent = x.normalize().as_tuple().exponent
        places = max(0, -exponent) if isinstance(exponent, int) else 2
        return self.num(x, places)

    def group(self, group: str | None) -> str:
        return self(f"group.{group}") if group else ""

    def score(self, s: ScoreLike, prec: int) -> str:
        """A score as a cell: the figure; n/a; or — with why, the partial value apart (a
        partial value is never written where the figure stands)."""
        if s.state == "ok":
            return self.num(s.value, prec)
        if s.state == "not_scored":
            return self("state.not_scored")
        partial = f", {self('state.partial', value=self.num(s.partial, prec))}" \
            if s.partial is not None else ""
        state = self("state.error") if s.state == "error" else self("state.incomplete")
        return f"— ({state}{partial})"

    def note(self, note: str) -> str:
        """An engine note (`no target in TW II 2023 (not measured)`, `no data: X for INTI
        2023-TW2`) in this language. The engine writes its notes in English with a fixed
        lead; the rest (codes, names, periods) is the same in both languages.

        >>> Catalogue("id").note("no target in TW II 2023 (not measured)")
        'tidak ada target pada TW II 2023 (tidak diukur)'
        >>> Catalogue("id").note("no data: X1, Y1 for INTI 2023-TW2")
        'tidak ada data: X1, Y1 untuk INTI 2023-TW2'
        """
        if self.lang == "en" or not note:
            return note
        for lead, key in _NOTE_LEADS:
            if note.startswith(lead):
                rest = note[len(lead):]
                if key == "note.no_target":
                    period, _, why = rest.partition(" (")
                    head = self(key, period=period)
                    return f"{head} ({self.note(why[:-1])})" if why else head
                return self(key) + self.note_rest(rest)
        return note

    def note_rest(self, rest: str) -> str:
        # "no data: X for U P; no data: ..." : the lead of every part and its "for"
        rest = rest.replace(" for ", f" {self('note.for')} ")
        for lead, key in _NOTE_LEADS:
            rest = rest.replace(f"; {lead}", f"; {self(key)}")
        return rest


# The leads of the engine's notes (engine.scoring, engine.values), longest first.
_NOTE_LEADS = (
    ("no target in ", "note.no_target"),
    ("not measured", "note.not_measured"),
    ("no data", "note.no_data"),
    ("data error", "note.data_error"),
)


def resolve(option: str | None, default: str) -> Catalogue:
    """The catalogue of `--lang`, else of IKU_LANG, else of the command's default; an
    unknown language is a usage error."""
    lang = (option or os.environ.get(ENV) or default).strip().lower()
    if lang not in LANGS:
        from engine.errors import EXIT_USAGE, InputError, error

        where = "--lang" if option else ENV
        raise InputError((error(f"{where}: unknown language `{lang}`",
                                hint=f"use one of {', '.join(LANGS)}", code="usage"),),
                         EXIT_USAGE)
    return Catalogue(lang)


EN = Catalogue("en")
ID = Catalogue("id")
