"""Parallel, incremental and fault-tolerant builds: what a rebuild reads again, and what survives a kill."""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pyoxigraph as ox
import pytest
from corpus import FIXTURES

from publisher.build import BuildError, build
from publisher.site import render_site

ROOT = FIXTURES.parent.parent
FILES = ["000_cq-yubei-luoqi-2020.txt", "012_pingtan-2019.html", "014_pingtan-2021.html", "016_pingtan-2023.html"]


def quiet(_message: str) -> None:
    pass


@pytest.fixture()
def reports(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    for name in FILES:
        shutil.copy(FIXTURES / name, folder / name)
    return folder


def triples_of(out) -> str:
    return gzip.open(out / "dumps" / "xxgk.nt.gz", "rt", encoding="utf-8").read()


def test_a_rebuild_reads_only_what_changed_and_drops_what_was_removed(reports, tmp_path):
    out = tmp_path / "out"
    first = build([str(reports)], str(out), log=quiet, jobs=2)
    assert first.parsed_again == 4 and first.validated_again == 4
    again = build([str(reports)], str(out), log=quiet, jobs=2)
    assert again.parsed_again == 0 and again.validated_again == 0
    assert again.triples == first.triples

    (reports / "016_pingtan-2023.html").write_text(
        (FIXTURES / "016_pingtan-2023.html").read_text(encoding="utf-8") + "\n<!-- edited -->", encoding="utf-8")
    changed = build([str(reports)], str(out), log=quiet, jobs=2)
    assert changed.parsed_again == 1

    (reports / "000_cq-yubei-luoqi-2020.txt").unlink()
    removed = build([str(reports)], str(out), log=quiet, jobs=2)
    assert removed.parsed_again == 0
    assert len(removed.published) == 3
    assert "洛碛镇" not in triples_of(out)
    assert "洛碛镇" not in (out / "dumps" / "observations.csv").read_text(encoding="utf-8")


def published(out) -> dict[str, object]:
    """What a publication says, with the names pyshacl draws at random for its results and the
    times each report was parsed blanked."""
    lines = [re.sub(r"(/validation/)[^>/]+>", r"\1_>", line) for line in triples_of(out).splitlines()
             if "prov#endedAtTime" not in line]
    lines = [re.sub(r"_:\w+", "_:b", line) for line in lines]
    store = ox.Store.read_only(str(out / "store"))
    return {"dump": sorted(lines), "store": len(store),
            **{name: (out / "dumps" / name).read_bytes() for name in ("observations.csv", "findings.csv")}}


def page(out, slug: str) -> Path:
    return next((out / "site" / "report" / slug).glob("*/index.html"))


def test_a_rebuild_from_the_previous_publication_equals_a_build_from_scratch(reports, tmp_path):
    out = tmp_path / "out"
    build([str(reports)], str(out), log=quiet, jobs=2, site=render_site)
    unchanged = page(out, next(p.name for p in (out / "site" / "report").iterdir() if "luoqi" in p.name))
    edited = (FIXTURES / "016_pingtan-2023.html").read_text(encoding="utf-8")
    assert edited.count(">5949.088667<") == 1  # 平潭 2023's fees, in 万元
    (reports / "016_pingtan-2023.html").write_text(edited.replace(">5949.088667<", ">5949.1<"), encoding="utf-8")
    (reports / "012_pingtan-2019.html").unlink()
    again = build([str(reports)], str(out), log=quiet, jobs=2, site=render_site)
    record = json.loads((out / "build.json").read_text(encoding="utf-8"))
    assert record["incremental"] and record["rendered_again"] == 1 and again.validated_again == 1
    assert page(out, unchanged.parent.parent.name).stat().st_ino == unchanged.stat().st_ino  # linked, not rendered
    assert not list((out / "site" / "report").glob("*/2019"))
    assert "5949.1," in (out / "dumps" / "observations.csv").read_text(encoding="utf-8")
    rendered = next((out / "site" / "report").glob("*/2023/index.html")).read_text(encoding="utf-8")
    assert "持续推进基层政务公开" in rendered  # the whole report, read back from the cache for its page
    assert "5949.1" in rendered
    scratch = build([str(reports)], str(tmp_path / "scratch"), log=quiet, jobs=2, use_cache=False)
    assert published(out) == published(tmp_path / "scratch")
    assert again.triples == scratch.triples


def test_the_previous_publication_is_removed_after_the_new_one_is_in_place(reports, tmp_path):
    out = tmp_path / "out"
    build([str(reports)], str(out), log=quiet, jobs=1)
    stray = tmp_path / ".out.old-left"  # one an interrupted removal left
    (stray / "site").mkdir(parents=True)
    build([str(reports)], str(out), log=quiet, jobs=1)
    assert (out / "build.json").exists() and (out / "dumps" / "xxgk.nt.gz").exists()
    deadline = time.monotonic() + 30
    while [p for p in tmp_path.iterdir() if ".old-" in p.name] and time.monotonic() < deadline:
        time.sleep(0.1)
    assert [p.name for p in tmp_path.iterdir() if ".old-" in p.name] == []


def test_one_and_two_processes_publish_the_same_data(reports, tmp_path):
    one = build([str(reports)], str(tmp_path / "one"), log=quiet, jobs=1, use_cache=False)
    two = build([str(reports)], str(tmp_path / "two"), log=quiet, jobs=2, use_cache=False)
    assert one.triples == two.triples
    assert (tmp_path / "one" / "dumps" / "observations.csv").read_bytes() == \
        (tmp_path / "two" / "dumps" / "observations.csv").read_bytes()


def test_parsing_runs_on_a_dask_cluster(reports, tmp_path):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  host="127.0.0.1") as cluster:
        address = cluster.scheduler_address.removeprefix("tcp://")
        result = build([str(reports)], str(tmp_path / "out"), log=quiet, executor_spec=f"dask://{address}",
                       use_cache=False)
    local = build([str(reports)], str(tmp_path / "local"), log=quiet, jobs=1, use_cache=False)
    assert result.parsed_again == 4
    assert result.triples == local.triples


def test_a_killed_build_leaves_the_previous_publication_and_the_next_one_completes(reports, tmp_path):
    out = tmp_path / "out"
    build([str(reports)], str(out), log=quiet, jobs=1)
    before = triples_of(out)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    for name in FILES[:3]:  # something new to read, so the killed build has work under way
        (reports / f"copy-{name}").write_bytes((FIXTURES / name).read_bytes() + b"\n")
    proc = subprocess.Popen([sys.executable, "-m", "publisher.cli", "build", str(reports), "--out", str(out),
                             "--jobs", "1", "--no-cache"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.monotonic() + 60  # killed once it writes the new publication's store, well before the swap
    while not list(tmp_path.glob(".out.building-*/store")) and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    assert proc.poll() is None, "the build ended before it could be killed"
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert triples_of(out) == before
    assert (out / "build.json").exists()
    done = build([str(reports)], str(out), log=quiet, jobs=1)
    assert len(done.published) == 4  # the copies are the same reports, published once
    leftovers = [p.name for p in tmp_path.iterdir() if ".building-" in p.name]
    assert len(leftovers) <= 1  # the killed build's folder; a later build may clean it


def test_an_unwritable_output_is_a_clear_error_and_leaves_the_previous_publication(reports, tmp_path):
    out = tmp_path / "out"
    build([str(reports)], str(out), log=quiet, jobs=1)
    before = triples_of(out)
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")
    with pytest.raises(BuildError, match="cannot write the output"):
        build([str(reports)], str(blocker / "out"), log=quiet, jobs=1)
    full = tmp_path / "full"
    full.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(full)],
                      capture_output=True).returncode != 0:
        pytest.skip("cannot mount a small tmpfs here to fill the disk")
    try:
        with pytest.raises(BuildError, match="writing the publication failed"):
            build([str(reports)], str(full / "out"), log=quiet, jobs=1)
        assert [p.name for p in full.iterdir() if not p.name.endswith(".cache")] == []
    finally:
        subprocess.run(["umount", str(full)], capture_output=True)
    assert triples_of(out) == before


def test_a_cache_that_lost_what_a_rebuild_takes_out_means_a_build_from_scratch(reports, tmp_path):
    out = tmp_path / "out"
    first = build([str(reports)], str(out), log=quiet, jobs=1)
    for kept in (tmp_path / ".out.cache").rglob("agency/*.pickle"):
        kept.unlink()  # the findings each agency put into the store
    (reports / "016_pingtan-2023.html").write_bytes((FIXTURES / "016_pingtan-2023.html").read_bytes() + b"\n")
    again = build([str(reports)], str(out), log=quiet, jobs=1)
    assert json.loads((out / "build.json").read_text(encoding="utf-8"))["incremental"] is False
    assert again.triples == first.triples and published(out)["store"] == first.triples
