"""The parser against the synthetic corpus of bench/synth.py: every cell exactly as truth says.

A handful of reports in text, HTML and DOCX (no LibreOffice, so no PDF; a few seconds), covering
both format versions, the single 2019-style （六）其他处理 row in the 2021 format, blanks, published
inconsistencies and every layout. A cell agrees when the parser reads truth's number, or truth is
null and the cell is blank or unreadable.
"""

from __future__ import annotations

import importlib.util
import json
import sys
from decimal import Decimal
from pathlib import Path

import pytest

from publisher.model import Report, State
from publisher.pipeline import parse_file
from publisher.values import read_value

ROOT = Path(__file__).resolve().parent.parent


def _synth():
    if "xxgk_bench_synth" in sys.modules:
        return sys.modules["xxgk_bench_synth"]
    spec = importlib.util.spec_from_file_location("xxgk_bench_synth", ROOT / "bench" / "synth.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is made
    spec.loader.exec_module(module)
    return module


def _number(cell) -> Decimal | None:
    return cell.value if cell is not None and cell.state is State.NUMBER else None


def _same(got: Decimal | None, want) -> bool:
    if got is None or want is None:
        return got is None and want is None
    return abs(got - Decimal(str(want))) <= Decimal("0.000001")


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("synth")
    _synth().generate(out, agencies=4, years=[2020, 2021, 2023], formats="txt,html,docx", seed=1,
                      inconsistent=0.3, blanks=0.4, single_other=0.4, log=lambda m: None)
    return out


def test_the_corpus_covers_the_variants(corpus: Path):
    truths = [json.loads(p.read_text(encoding="utf-8")) for p in (corpus / "truth").glob("*.json")]
    notes = " ".join(t["notes"] for t in truths)
    assert {t["format"] for t in truths} == {"2019", "2021"}
    assert "single 2019-style" in notes and "published inconsistency" in notes
    assert any(v is None for t in truths for v in t["cells"].values())
    assert "zeros of tables 三 and 四 printed blank" in notes
    for layout in ("text", "html-portal", "html-cms", "html-word", "html-clean", "docx-template-2021",
                   "docx-tables-2019"):
        assert f"synthetic ({layout})" in notes, layout
    assert len({t["agency"] for t in truths}) >= 4
    assert len(list((corpus / "raw").iterdir())) == len(truths) == 4 * 3 * 3


def test_the_parser_reads_every_synthetic_cell_as_truth_says(corpus: Path):
    wrong: list[str] = []
    for truth_file in sorted((corpus / "truth").glob("*.json")):
        want = json.loads(truth_file.read_text(encoding="utf-8"))
        raw = next((corpus / "raw").glob(truth_file.stem + ".*"))
        report = parse_file(str(raw))
        assert isinstance(report, Report), report
        assert (report.year, report.format) == (want["year"], want["format"]), raw.name
        assert report.agency and "".join(report.agency.split()) == want["agency"], raw.name
        assert report.published == want["published"], raw.name
        assert set(report.cells) == set(want["cells"]), raw.name
        for cid, value in want["cells"].items():
            cell = report.cells.get(cid)
            if _same(_number(cell), value):
                continue
            wrong.append(f"{raw.name} {cid}: read {cell.text if cell else None!r} "
                         f"({cell.state.value if cell else 'absent'}), truth {value}")
    assert not wrong, "\n".join(wrong[:20])


def test_a_zero_amount_needs_no_unit():
    assert read_value("0", money=True).number == Decimal(0)
