"""An organisation, not one manual: owners named in organisation.yaml (or found in the
folders), each command resolving within one owner, and nothing ever mixing two."""

from __future__ import annotations

import json
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import Run, edit

ORG = Path("manual_iku/organisation.yaml")


def add_owner(project: Path, code: str, folder: str, *, later: bool = True) -> None:
    """A second owner made from a copy of SINKA's manuals and data, with a revision that takes
    effect later than SINKA's and other targets and values: if anything mixed owners, SINKA's
    figures would change."""
    shutil.copytree(project / "manual_iku" / "deputi-sinka", project / "manual_iku" / folder)
    shutil.copytree(project / "datasets" / "deputi-sinka", project / "datasets" / folder)
    for header in (project / "manual_iku" / folder).glob("*/manual.yaml"):
        edit(header, "owner: SINKA", f"owner: {code}")
        edit(header, "  - code: SINKA\n", f"  - code: {code}\n")
        text = header.read_text().replace("parent: SINKA", f"parent: {code}")
        header.write_text(text)
    if later:
        edit(project / "manual_iku" / folder / "2023-r2" / "manual.yaml",
             "effective_from: 2023-05-01", "effective_from: 2023-06-01")
    for path in (project / "manual_iku" / folder).rglob("IKU.*.yaml"):
        path.write_text(path.read_text().replace("value: 99\n", "value: 50\n"))
    for path in (project / "datasets" / folder / "2023").glob("IKU.*.yaml"):
        path.write_text(path.read_text().replace("77.54", "17.54").replace("87.05", "17.05")
                        .replace("unit: SINKA", f"unit: {code}"))
    ORG.write_text(ORG.read_text() + f"  - code: {code}\n    name: {code}\n    folder: {folder}\n")


def test_another_owner_never_changes_sinkas_figures(project: Path,
                                                    cli: Callable[..., Run]) -> None:
    before = cli("evaluate", "--format", "json")
    assert before.code == 0, before.err
    add_owner(project, "DUP", "dup")
    after = cli("evaluate", "--format", "json")
    assert after.code == 0, after.err
    assert after.out == before.out
    assert json.loads(after.out)["npss"] == 99.37
    other = json.loads(cli("evaluate", "--owner", "DUP", "--format", "json").out)
    assert other["owner"] == "DUP" and other["npss"] != 99.37  # its own targets and data
    assert cli("validate").code == 0
    # every command resolves within the owner asked for
    assert cli("diff", "2023-r1", "2023-r2", "--owner", "DUP", "--format", "json").code == 1
    shown = cli("show", "--owner", "dup", "--revision", "2023-r2")
    assert shown.code == 0 and "2023-r2 (revision 2, in force from 2023-06-01)" in shown.out


def test_several_owners_and_no_default_is_a_usage_error(project: Path,
                                                        cli: Callable[..., Run]) -> None:
    add_owner(project, "DUP", "dup")
    edit(ORG, "default_owner: SINKA\n", "")
    for argv in (("evaluate",), ("explain", "IKU.8"), ("show",), ("reconcile",),
                 ("diff", "2023-r1", "2023-r2")):
        result = cli(*argv)
        assert result.code == 2, argv
        assert "there are 6 owners and no default; say which with --owner" in result.err
        assert "owners: SINKA (Deputi SINKA), INTI (Dit. INTI), PPSIASN (Dit. PPSIASN), " \
               "PDPIK (Dit. PDPIK), AK (Dit. AK), DUP (DUP)" in result.err
    assert cli("evaluate", "--owner", "SINKA").code == 0
    assert cli("validate").code == 0  # validate checks every owner: it needs none


def test_without_an_organisation_file_one_owner_works_as_before(project: Path,
                                                                cli: Callable[..., Run]) -> None:
    ORG.unlink()
    # the owners are the folders: the deputy and its four directorates, whose manuals the
    # deputy's links lead into, found by their folders
    result = cli("evaluate", "--owner", "SINKA", "--format", "json")
    assert result.code == 0 and json.loads(result.out)["npss"] == 99.37
    result = cli("evaluate")
    assert result.code == 2 and "there are 5 owners and no default" in result.err
    # one owner folder alone is the default (Dit. PPSIASN: its manual links nowhere)
    for folder in ("deputi-sinka", "dit-inti", "dit-pdpik", "dit-ak"):
        shutil.rmtree(project / "manual_iku" / folder)
    result = cli("evaluate", "--as-of", "2023-S2", "--format", "json")
    assert result.code == 0 and json.loads(result.out)["npss"] == 99.89
    add_owner_folder = project / "manual_iku" / "other"
    shutil.copytree(project / "manual_iku" / "dit-ppsiasn", add_owner_folder)
    for header in add_owner_folder.glob("*/manual.yaml"):
        edit(header, "owner: PPSIASN", "owner: OTHER")
        edit(header, "  - code: PPSIASN\n", "  - code: OTHER\n")
    result = cli("evaluate")
    assert result.code == 2 and "there are 2 owners and no default" in result.err
    assert cli("evaluate", "--owner", "PPSIASN", "--format", "json").code == 0


def test_unknown_owner_suggests_the_nearest(project: Path, cli: Callable[..., Run]) -> None:
    result = cli("evaluate", "--owner", "SINKO")
    assert result.code == 2 and "no owner `SINKO` (did you mean `SINKA`?)" in result.err


def test_a_revision_in_the_wrong_owners_folder_is_refused(project: Path,
                                                         cli: Callable[..., Run]) -> None:
    header = Path("manual_iku/deputi-sinka/2023-r2/manual.yaml")
    edit(header, "owner: SINKA", "owner: INTI")
    edit(header, "  - code: INTI\n    name: Direktorat Infrastruktur Teknologi Informasi\n"
                 "    short_name: Dit. INTI\n    parent: SINKA\n", "")
    edit(header, "  - code: SINKA\n", "  - code: INTI\n")
    result = cli("validate", "--format", "json")
    assert result.code == 1
    issues = json.loads(result.out)["issues"]
    assert any("declares owner INTI, but lies in manual_iku/deputi-sinka, the folder of SINKA"
               in i["message"] for i in issues)


def test_organisation_file_errors_name_their_line(project: Path,
                                                 cli: Callable[..., Run]) -> None:
    line = len(ORG.read_text().splitlines()) + 1  # where the new owner starts
    ORG.write_text(ORG.read_text() + "  - code: KANREG\n    name: x\n    folder: kanreg\n"
                   "    parent: SINKAA\n")
    result = cli("validate", "--format", "json")
    assert result.code == 1
    issues = {i["message"]: i for i in json.loads(result.out)["issues"]}
    assert issues["KANREG: parent `SINKAA` is not an owner"]["line"] == line + 3
    assert issues["KANREG: parent `SINKAA` is not an owner"]["hint"] == "did you mean `SINKA`?"
    missing = next(i for m, i in issues.items() if "folder manual_iku/kanreg" in m)
    assert missing["file"] == str(ORG)
    assert cli("evaluate").code == 3  # an organisation with errors cannot be used


@pytest.mark.parametrize("argv", [("--data", "datasets/deputi-sinka/2023"),
                                  ("--data", "datasets/deputi-sinka"),
                                  ("--year", "2023")])
def test_data_folder_names_owner_and_year(argv: tuple[str, ...], in_root: Path,
                                          cli: Callable[..., Run]) -> None:
    result = cli("evaluate", *argv, "--format", "json")
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert (out["owner"], out["period"], out["npss"]) == ("SINKA", "2023", 99.37)
