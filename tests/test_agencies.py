"""Agency identity: one agency, one URI, across years and the ways its name is printed."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys

from corpus import FIXTURES, REPORTS, agencies, parsed, truth

from publisher.agencies import resolve, slug
from publisher.rdf import URIs

HONGZE_2023, HONGZE_2024 = FIXTURES / "001_huaian-hongze-2023.pdf", FIXTURES / "002_huaian-hongze-2024.pdf"
HUAIAN = FIXTURES / "003_huaian-city-2024.pdf"


def test_hongze_is_one_agency_under_both_names():
    a, b = parsed(HONGZE_2023).agency, parsed(HONGZE_2024).agency
    assert (a, b) == ("洪泽区人民政府", "淮安市洪泽区人民政府")  # as the two reports print it
    assert agencies()[a] is agencies()[b]
    assert agencies()[a].name == "淮安市洪泽区人民政府"  # the most qualified name is the label
    assert agencies()[a].variants == {a, b}


def test_the_city_is_not_its_district():
    city = agencies()[parsed(HUAIAN).agency]
    assert city.name == "淮安市人民政府"
    assert city is not agencies()["洪泽区人民政府"]


def test_the_corpus_has_one_agency_per_publisher():
    by_truth = {}
    for p in REPORTS:
        by_truth.setdefault(agencies()[parsed(p).agency].slug, set()).add(truth(p)["agency"])
    # 重庆洛碛镇, 洪泽区 (two names), 淮安市, 上海市政府办公厅, 平潭
    assert len(by_truth) == 5
    assert {"洪泽区人民政府", "淮安市洪泽区人民政府"} in by_truth.values()


def test_ambiguous_tails_stay_separate():
    names = ["南京市鼓楼区人民政府", "福州市鼓楼区人民政府", "鼓楼区人民政府"]
    got = resolve(names)
    assert len({id(a) for a in got.values()}) == 3
    assert got["鼓楼区人民政府"].variants == {"鼓楼区人民政府"}
    # one longer name only: the tail is that agency
    got = resolve(["南京市鼓楼区人民政府", "鼓楼区人民政府"])
    assert got["鼓楼区人民政府"] is got["南京市鼓楼区人民政府"]


def test_a_chain_of_parents_is_one_agency():
    got = resolve(["洪泽区人民政府", "淮安市洪泽区人民政府", "江苏省淮安市洪泽区人民政府"])
    assert len({id(a) for a in got.values()}) == 1
    assert got["洪泽区人民政府"].name == "江苏省淮安市洪泽区人民政府"


def test_spaces_and_width_do_not_make_another_agency():
    got = resolve(["洪泽区人民政府", "淮安市 洪泽区人民政府", "淮安市洪泽区人民政府\u3000"])
    assert len({id(a) for a in got.values()}) == 1


def test_short_names_are_not_tails():
    # '人民政府' ends every name but is no agency's name: fewer than 4 characters are never a tail
    got = resolve(["淮安市人民政府", "政府"])
    assert got["政府"] is not got["淮安市人民政府"]


def test_uris_are_readable():
    a = agencies()["淮安市洪泽区人民政府"]
    assert re.fullmatch(r"hongzequrenminzhengfu-[0-9a-f]{6}", a.slug)
    uri = str(URIs().agency(a.slug))
    assert uri == f"https://w3id.org/xxgk/agency/{a.slug}" and uri.isascii()
    for agency in agencies().values():
        assert re.fullmatch(r"[a-z0-9]+-[0-9a-f]{6}", agency.slug)
    assert agencies()["平潭综合实验区"].slug.startswith("pingtanzongheshiyanqu-")


def test_uris_are_stable():
    short, long = "洪泽区人民政府", "淮安市洪泽区人民政府"
    # the URI does not change when a longer name appears, or with the order names come in
    assert resolve([short])[short].slug == resolve([short, long])[long].slug == resolve([long, short])[short].slug
    # the same name gives the same slug in another process (no hash seed in it)
    code = "import json; from publisher.agencies import slug; print(json.dumps([slug(n) for n in %r]))"
    names = [short, long, "平潭综合实验区"]
    runs = [subprocess.run([sys.executable, "-c", code % names], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": seed}).stdout for seed in ("1", "2")]
    assert json.loads(runs[0]) == json.loads(runs[1]) == [slug(n) for n in names]


def test_homophones_do_not_collide():
    # 鼓楼 and 古楼 read the same in pinyin; the digest of the name keeps them apart
    a, b = slug("鼓楼区人民政府"), slug("古楼区人民政府")
    assert a.split("-")[0] == b.split("-")[0] and a != b


def test_tails_found_by_index_are_those_found_by_comparing_every_pair():
    """`resolve` finds the longer names ending with each one from an index of tails; comparing
    every pair of names (what it did before, too slow for 200,000 names) groups them the same."""
    import random

    rng = random.Random(7)
    places = ["淮安市", "南京市", "福州市", "江苏省", "福建省", "鼓楼区", "洪泽区", "清江浦区", "城关镇", "新区"]
    bodies = ["人民政府", "人民政府办公室", "教育局", "财政局", "政府"]
    names = {"".join(rng.sample(places, rng.randint(0, 3))) + rng.choice(bodies) for _ in range(3000)}
    names |= {"海关总署", "中华人民共和国海关总署"}  # a tail of the shortest length taken

    def pairwise(names: set[str]) -> set[frozenset[str]]:
        keys = sorted(names, key=len)
        parent = {k: k for k in keys}
        for short in keys:
            longer = [k for k in keys if len(k) > len(short) and k.endswith(short)]
            tops = {k for k in longer if not any(o != k and o.endswith(k) for o in longer)}
            if len(tops) == 1 and len(short) >= 4:
                parent[short] = min(longer, key=len)
        groups: dict[str, set[str]] = {}
        for k in keys:
            r = k
            while parent[r] != r:
                r = parent[r]
            groups.setdefault(r, set()).add(k)
        return {frozenset(g) for g in groups.values()}

    groups = pairwise(names)
    assert sum(len(g) > 1 for g in groups) > 50  # merged tails, and ambiguous ones kept apart:
    alone = [m for g in groups if len(g) == 1 for m in g]
    assert any(n != m and n.endswith(m) for m in alone if len(m) >= 4 for n in names)
    assert {frozenset(a.variants) for a in resolve(sorted(names)).values()} == groups
