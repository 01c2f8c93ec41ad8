"""No command removes or overwrites a file it did not write (issue: safety)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import AS_OF, VALID, run


def snapshot(folder: Path) -> dict[str, bytes | str]:
    """Every file and link under `folder`, by relative path: the bytes, or the target."""
    out: dict[str, bytes | str] = {}
    for path in sorted(folder.rglob("*")):
        rel = str(path.relative_to(folder))
        if path.is_symlink():
            out[rel] = f"-> {os.readlink(path)}"
        elif path.is_file():
            out[rel] = path.read_bytes()
        else:
            out[rel] = "dir"
    return out


@pytest.fixture
def clone(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A git work tree holding a dataset and an uncommitted file; the current folder."""
    root = tmp_path / "clone"
    shutil.copytree(VALID, root / "dataset")
    (root / "notes.md").write_text("uncommitted thoughts\n")
    subprocess.run(["git", "init", "-q", str(root)], check=True)
    monkeypatch.chdir(root)
    return root


def build(dataset: Path | str, out: Path | str):
    return run("build", dataset, "--out", out, "--as-of", AS_OF)


def refused(result, line: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.output == f"Error: {line}\n"


def test_build_into_the_current_clone_is_refused(clone):
    before = snapshot(clone)
    result = build("dataset", ".")
    refused(
        result,
        "refusing to write .: it contains the dataset folder; choose a new or empty "
        "folder (e.g. build/)",
    )
    assert snapshot(clone) == before


def test_build_into_the_dataset_is_refused(clone):
    before = snapshot(clone)
    refused(
        build("dataset", "dataset"),
        "refusing to write dataset: it is the dataset folder; choose a new or empty "
        "folder (e.g. build/)",
    )
    refused(
        build("dataset", "dataset/out"),
        "refusing to write dataset/out: it lies inside the dataset folder; choose a "
        "new or empty folder (e.g. build/)",
    )
    assert snapshot(clone) == before


def test_build_into_a_git_root_or_home_is_refused(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    subprocess.run(["git", "init", "-q", str(repo)], check=True)
    before = snapshot(repo)
    refused(
        build(VALID, repo),
        f"refusing to write {repo}: it is the root of a git work tree; choose a new "
        "or empty folder (e.g. build/)",
    )
    assert snapshot(repo) == before
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    refused(
        build(VALID, home),
        f"refusing to write {home}: it is the home folder; choose a new or empty "
        "folder (e.g. build/)",
    )
    refused(
        build(VALID, tmp_path),
        f"refusing to write {tmp_path}: it contains the home folder; choose a new or "
        "empty folder (e.g. build/)",
    )


def test_build_into_a_folder_of_other_files_is_refused(tmp_path):
    thesis = tmp_path / "thesis"
    thesis.mkdir()
    (thesis / "chapter1.tex").write_text("years of work\n")
    before = snapshot(thesis)
    refused(
        build(VALID, thesis),
        f"refusing to replace {thesis}: it is not empty and is not an earlier output "
        "of `allyledger build` (no manifest.json; it has chapter1.tex); choose a new "
        "or empty folder",
    )
    assert snapshot(thesis) == before


def test_build_replaces_only_its_own_earlier_output(tmp_path):
    out = tmp_path / "out"
    assert build(VALID, out).exit_code == 0
    first = snapshot(out)
    assert build(VALID, out).exit_code == 0
    assert snapshot(out) == first
    (out / "my-analysis.ipynb").write_text("{}")
    before = snapshot(out)
    refused(
        build(VALID, out),
        f"refusing to replace {out}: it holds my-analysis.ipynb, which no allyledger "
        "command wrote; move them away or choose another folder",
    )
    assert snapshot(out) == before


def test_an_empty_folder_is_built_into(tmp_path):
    out = tmp_path / "empty"
    out.mkdir()
    assert build(VALID, out).exit_code == 0
    assert (out / "manifest.json").exists()


def test_report_never_replaces_its_input_or_other_files(tmp_path):
    b = tmp_path / "b"
    assert build(VALID, b).exit_code == 0
    before = snapshot(b)
    refused(
        run("report", b, "--out", b),
        f"refusing to write {b}: it is the input folder; choose a new or empty "
        "folder (e.g. build/)",
    )
    # A build folder is an earlier output, but not of `report`.
    other = tmp_path / "other-build"
    shutil.copytree(b, other)
    refused(
        run("report", b, "--out", other),
        f"refusing to replace {other}: it is not empty and is not an earlier output "
        "of `allyledger report` (its manifest.json is another command's); choose a "
        "new or empty folder",
    )
    assert snapshot(b) == before
    r = tmp_path / "r"
    assert run("report", b, "--out", r).exit_code == 0
    assert sorted(p.name for p in r.iterdir()) == ["index.html", "manifest.json"]
    assert run("report", b, "--out", r).exit_code == 0


def release(edition: str, dataset: Path, dist: Path, *extra: str, as_of: str = AS_OF):
    return run("release", edition, dataset, "--dist", dist, "--as-of", as_of, *extra)


def test_release_refuses_a_dist_that_is_not_editions(tmp_path, clone):
    refused(
        release("2026.1", clone / "dataset", clone / "dataset"),
        "refusing to write "
        f"{clone / 'dataset'}: it is the dataset folder; choose a new or empty folder "
        "(e.g. build/)",
    )
    papers = tmp_path / "papers"
    papers.mkdir()
    (papers / "draft.docx").write_bytes(b"\x00draft")
    before = snapshot(papers)
    refused(
        release("2026.1", VALID, papers, "--changelog", tmp_path / "log.md"),
        f"refusing to release into {papers}: it holds files (draft.docx) but no "
        "editions.json, so it is not a folder of editions; choose a new or empty folder",
    )
    assert snapshot(papers) == before


def test_fmt_keeps_a_link_inside_the_dataset(ds):
    real = ds / "real-sources.csv"
    (ds / "sources.csv").rename(real)
    (ds / "sources.csv").symlink_to("real-sources.csv")
    text = real.read_text()
    real.write_text(text.replace("\n", "\r\n"))
    result = run("fmt", ds)
    assert result.exit_code == 0, result.output
    assert (ds / "sources.csv").is_symlink()
    assert real.read_text() == text


def test_download_target_kind_is_an_edition_manifest(tmp_path):
    from allyledger.outputs import made_by

    manifest = json.loads(
        (
            VALID.parent.parent.parent / "editions" / "2026.1" / "manifest.json"
        ).read_text()
    )
    assert made_by(manifest) == "download"
    assert made_by({"generator": "allyledger build", "files": []}) == "build"
    assert made_by({"schema_version": "1.0.0", "files": []}) == "build"


def test_two_releases_at_once_both_land_in_the_index(tmp_path):
    dist = tmp_path / "dist"
    log = tmp_path / "CHANGELOG.md"
    assert release("2026.1", VALID, dist, "--changelog", log).exit_code == 0
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = {
        edition: subprocess.Popen(
            [
                sys.executable,
                "-m",
                "allyledger",
                "release",
                edition,
                str(VALID),
                "--dist",
                str(dist),
                "--as-of",
                AS_OF,
                "--changelog",
                str(log),
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            env=env,
            text=True,
        )
        for edition in ("2026.2", "2026.3")
    }
    outputs = {edition: p.communicate(timeout=300)[0] for edition, p in procs.items()}
    codes = {edition: p.returncode for edition, p in procs.items()}
    landed = {e for e, code in codes.items() if code == 0}
    index = json.loads((dist / "editions.json").read_text())
    listed = {e["edition"] for e in index["editions"]}
    folders = {p.name for p in dist.iterdir() if p.is_dir()}
    # Whatever the order the lock gave them, the index lists exactly the editions
    # that exist, and every release that said it succeeded is among them.
    assert listed == folders == {"2026.1", *landed}
    assert "2026.3" in landed
    if "2026.2" not in landed:
        assert codes["2026.2"] == 2
        assert "is not later than 2026.3" in outputs["2026.2"]
    assert index["latest"] == "2026.3"


@pytest.fixture
def dist2(tmp_path: Path) -> Path:
    """DIST holding 2026.1 and 2026.2 of the valid fixture."""
    dist = tmp_path / "dist"
    for edition in ("2026.1", "2026.2"):
        result = release(edition, VALID, dist, "--changelog", tmp_path / "log.md")
        assert result.exit_code == 0, result.output
    return dist


def test_an_edition_not_later_than_the_latest_is_refused(dist2, tmp_path):
    before = snapshot(dist2)
    refused(
        release("2025.1", VALID, dist2, "--as-of", "2025-12-31"),
        "edition 2025.1 is not later than 2026.2, the latest in "
        f"{dist2}; editions are numbered in order (release it as a later YEAR.N)",
    )
    assert snapshot(dist2) == before


def test_an_edition_year_must_be_its_as_of_year(dist2):
    before = snapshot(dist2)
    refused(
        release("2027.1", VALID, dist2),
        f"edition 2027.1 is dated {AS_OF}: an edition's year is the year of its "
        "--as-of date (use 2026.N, or an --as-of in 2027)",
    )
    assert snapshot(dist2) == before


def test_a_damaged_index_is_refused_in_one_line(dist2):
    (dist2 / "editions.json").write_text('{"editions": [{"edition": "../x"}]}')
    before = snapshot(dist2)
    refused(
        release("2026.3", VALID, dist2),
        f"{dist2 / 'editions.json'} is not an allyledger index (expected an object "
        'whose "editions" lists objects with an "edition" named YEAR.N and its '
        '"files"); restore it from version control',
    )
    (dist2 / "editions.json").write_text('{"editions": [')
    result = release("2026.3", VALID, dist2)
    assert result.exit_code == 2
    assert result.output.startswith(f"Error: {dist2 / 'editions.json'} is not readable")
    assert result.output.count("\n") == 1
    assert snapshot(dist2) == {**before, "editions.json": b'{"editions": ['}


def test_release_edits_the_changelog_beside_the_dataset(tmp_path, monkeypatch):
    project = tmp_path / "project"
    shutil.copytree(VALID, project / "dataset")
    (project / "CHANGELOG.md").write_text("# Changelog\n\n## Unreleased\n\n- First.\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "CHANGELOG.md").write_text("someone else's changelog\n")
    monkeypatch.chdir(elsewhere)
    result = release("2026.1", project / "dataset", tmp_path / "dist")
    assert result.exit_code == 0, result.output
    assert (elsewhere / "CHANGELOG.md").read_text() == "someone else's changelog\n"
    log = (project / "CHANGELOG.md").read_text()
    assert log.index("## Unreleased") < log.index(f"## 2026.1 ({AS_OF})")
    assert log.index("## 2026.1") < log.index("- First.")
    assert result.output.endswith(
        f"added the 2026.1 entry to {project / 'CHANGELOG.md'}\n"
    )
