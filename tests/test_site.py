"""The static website, built by `publisher.site.render_site` and checked in a real browser.

One build directory is made per module, from real parsed fixture reports: 平潭 2019/2021/2023, 洛碛
2020, and two copies of 洛碛 renamed to hostile agency names. 平潭 2023 is altered (a number
changed, a cell made unreadable, one blank) and validated with the SHACL shapes, so its findings
are real; the store holds the ontology, the shapes, every report and that validation report. The
directory is served by the real `xxgk serve` and visited with Debian's Chromium (``make browser``
installs it) driven by Playwright; ``playwright install`` is never needed.
"""

from __future__ import annotations

import dataclasses
import gzip
import hashlib
import json
import os
import re
import socket
import subprocess
import sys
import time
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlparse

import httpx
import pyoxigraph as ox
import pytest
import rdflib

from publisher import store as st
from publisher.agencies import resolve
from publisher.codes import codes
from publisher.model import State
from publisher.pipeline import parse_file
from publisher.published import PublishedReport
from publisher.rdf import URIs, agency_graph, ontology_graph, report_graph
from publisher.site import gallery, render_site
from publisher.validate import Finding, shapes_graph, validate_graph

pytestmark = pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning")

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
BASE = "https://w3id.org/xxgk/"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCRIPT_NAME = "<script>alert(1)</script>"
IMG_NAME = '"><img src=x onerror=alert(1)>'
HOSTILE_TEXT = '"><script>alert(2)</script><img src=x onerror=alert(2)>\''
PAGE_SIZE = 2  # four agencies: the agency list and the year 2020 each take two pages


@dataclasses.dataclass
class Build:
    out: Path
    published: list[PublishedReport]
    url: str = ""

    @property
    def site(self) -> Path:
        return self.out / "site"

    def report(self, name: str, year: int) -> PublishedReport:
        return next(p for p in self.published if p.agency.name == name and p.year == year)


def _replace_cell(report, cell_id: str, **changes) -> None:
    report.cells[cell_id] = dataclasses.replace(report.cells[cell_id], **changes)


def make_build(out: Path) -> Build:
    """A build directory like `xxgk build` writes: store, dumps, site and build.json."""
    files = ["012_pingtan-2019.html", "014_pingtan-2021.html", "016_pingtan-2023.html", "000_cq-yubei-luoqi-2020.txt"]
    reports = [parse_file(str(FIXTURES / f)) for f in files]
    for r in reports:
        assert not hasattr(r, "error"), r
    pingtan23 = reports[2]
    new = pingtan23.cells["requests.new.natural_person"]
    _replace_cell(pingtan23, new.id, value=new.value + 5, text=str(new.value + 5))  # totals no longer add up
    _replace_cell(pingtan23, "requests.granted.business", state=State.UNREADABLE, value=None, text="l?")
    _replace_cell(pingtan23, "review.upheld", state=State.BLANK, value=None, text="/")
    luoqi = reports[3]
    for name in (SCRIPT_NAME, IMG_NAME):
        reports.append(dataclasses.replace(
            luoqi, agency=name, title=name + HOSTILE_TEXT, cells=dict(luoqi.cells),
            narrative={**luoqi.narrative, "1": HOSTILE_TEXT + "\n" + luoqi.narrative.get("1", "")}))

    uris = URIs(BASE)
    agencies = resolve([r.agency for r in reports])
    store = st.open_store(out / "store")
    for g in (ontology_graph(), shapes_graph()):
        st.load(store, g.serialize(format="nt", encoding="utf-8"), "nt")
    published = []
    for r in reports:
        a = agencies[r.agency]
        uri = str(uris.report(a.slug, r.year))
        g = report_graph(r, a, uris) + agency_graph(a, uris)
        st.load(store, g.serialize(format="nt", encoding="utf-8"), "nt")
        findings = []
        if r is pingtan23:  # real findings from the shapes
            v = validate_graph(g, uri)
            st.load(store, v.graph.serialize(format="nt", encoding="utf-8"), "nt")
            findings = v.findings
        elif r.agency == SCRIPT_NAME:
            findings = [Finding("row-total", "violation", "bad " + HOSTILE_TEXT, "错 " + HOSTILE_TEXT,
                                ("requests.new.total",), uri)]
        published.append(PublishedReport(r, a, uri, f"report/{a.slug}/{r.year}", findings,
                                          [str(FIXTURES / "019_huaian-city-2024-word.docx")] if r is pingtan23 else []))
    triples = st.count_triples(store)
    dump = out / "dumps" / "xxgk.nt.gz"
    dump.parent.mkdir(parents=True)
    nt = out / "xxgk.nt"
    store.dump(output=str(nt), format=ox.RdfFormat.N_TRIPLES, from_graph=ox.DefaultGraph())
    dump.write_bytes(gzip.compress(nt.read_bytes()))
    nt.unlink()
    dumps = [{"name": dump.name, "format": "N-Triples (gzip)", "media_type": "application/n-triples",
              "bytes": dump.stat().st_size, "sha256": hashlib.sha256(dump.read_bytes()).hexdigest()}]
    counts = {"reports": len(published), "agencies": len({p.agency.slug for p in published}),
              "observations": sum(len(p.report.cells) for p in published), "triples": triples,
              "findings": sum(f.severity != "info" for p in published for f in p.findings)}
    render_site(out / "site", published, BASE, lambda: (dumps, counts), store=store, page_size=PAGE_SIZE)
    del store
    (out / "build.json").write_text(json.dumps({"base": BASE, "counts": counts}), encoding="utf-8")
    return Build(out, published)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def build(tmp_path_factory):
    out = tmp_path_factory.mktemp("build")
    b = make_build(out)
    port = _free_port()
    log = open(out / "server.log", "wb")  # noqa: SIM115 - closed in teardown
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    process = subprocess.Popen([sys.executable, "-m", "publisher.cli", "serve", str(out), "--port", str(port),
                                "--workers", "1"], stdout=log, stderr=subprocess.STDOUT, env=env)
    b.url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            if process.poll() is not None:
                raise RuntimeError("the server exited:\n" + (out / "server.log").read_text())
            try:
                if httpx.get(b.url + "/sparql", params={"query": "ASK {}"}, timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the server did not start:\n" + (out / "server.log").read_text())
            time.sleep(0.1)
        yield b
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="module")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.skip(f"no {CHROMIUM}: run `make browser` (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Watched:
    """A page with its console errors, uncaught exceptions, dialogs and failed requests recorded."""

    def __init__(self, browser):
        self.context = browser.new_context()
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.page.on("console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error"
                     else None)
        self.page.on("pageerror", lambda e: self.errors.append(f"exception: {e}"))
        # a request cut short by leaving the page (ERR_ABORTED: the favicon, say) is no error of the page
        self.page.on("requestfailed", lambda r: None if "ERR_ABORTED" in (r.failure or "") else
                     self.errors.append(f"request failed: {r.url} {r.failure}"))

        def dialog(d):
            self.dialogs.append(d.message)
            d.dismiss()
        self.page.on("dialog", dialog)

    def close(self):
        self.context.close()


@pytest.fixture()
def page(browser):
    w = Watched(browser)
    yield w
    w.close()


# -- links --------------------------------------------------------------------------------------------------------


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.links: list[tuple[str, str, dict]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("href", "src"):
            if a.get(key) is not None:
                self.links.append((tag, a[key], a))


def links_of(html: str) -> list[tuple[str, str, dict]]:
    p = _Links()
    p.feed(html)
    return p.links


def pages(site: Path) -> list[Path]:
    """The site's pages; the copies of the source files (sources/) are the agencies' documents, not pages."""
    return sorted(f for f in site.rglob("*.html") if f.relative_to(site).parts[0] != "sources")


def url_of(site: Path, page: Path) -> str:
    rel = page.relative_to(site).as_posix()
    return "/" + (rel[: -len("index.html")] if rel.endswith("index.html") else rel)


# -- static checks ------------------------------------------------------------------------------------------------


def test_every_page_has_a_twin_in_the_other_language(build):
    site = build.site
    for page in pages(site):
        rel = page.relative_to(site).as_posix()
        if rel == "404.html" or (rel.startswith("def/") and not rel.startswith(("def/row/", "def/column/"))
                                 and rel != "def/index.html"):
            continue  # the ontology docs are not ours
        html = page.read_text(encoding="utf-8")
        switch = re.search(r'<a id="lang-switch"[^>]*href="([^"]+)"', html)
        assert switch, rel
        target = urljoin(url_of(site, page), switch.group(1))
        twin = site / target.lstrip("/") / "index.html" if target.endswith("/") else site / target.lstrip("/")
        assert twin.is_file(), (rel, target)
        assert ("/en/" in url_of(site, page)) != target.startswith("/en/"), (rel, target)


def test_no_page_loads_anything_from_another_host(build):
    for page in pages(build.site):
        for tag, url, attrs in links_of(page.read_text(encoding="utf-8")):
            if tag in ("script", "img", "iframe") or (tag == "link" and attrs.get("rel") in ("stylesheet", "icon")):
                assert not re.match(r"^(https?:)?//", url), (page, tag, url)
        html = page.read_text(encoding="utf-8")
        if 'id="lang-switch"' in html or page.name == "404.html":  # ours, not the ontology docs
            csp = re.search(r'<meta http-equiv="Content-Security-Policy" content="([^"]+)">', html)
            assert csp and "script-src &#39;self&#39;;" in csp.group(1), page  # no inline scripts, no eval
    for css in (build.site / "assets").glob("*.css"):
        assert not re.search(r"url\(\s*['\"]?(https?:)?//", css.read_text(encoding="utf-8")), css
        assert "@import" not in css.read_text(encoding="utf-8"), css


def test_resource_pages_link_their_rdf(build):
    site = build.site
    p = build.report("平潭综合实验区", 2023)
    expected = {f"{p.path}/": p.path, f"agency/{p.agency.slug}/": f"agency/{p.agency.slug}",
                "year/2023/": "year/2023",
                "def/row/requests.denied.state_secret/": "def/row/requests.denied.state_secret"}
    for path, stem in expected.items():
        for lang_prefix in ("", "en/"):
            html = (site / lang_prefix / path / "index.html").read_text(encoding="utf-8")
            for media, ext in (("text/turtle", ".ttl"), ("application/ld+json", ".jsonld")):
                m = re.search(rf'<link rel="alternate" type="{re.escape(media)}" href="([^"]+)">', html)
                assert m, (path, media)
                target = urljoin("/" + lang_prefix + path, m.group(1))
                assert target == "/" + stem + ext
                g = rdflib.Graph().parse(site / (stem + ext), format="turtle" if ext == ".ttl" else "json-ld")
                assert len(g) > 0
    g = rdflib.Graph().parse(site / (p.path + ".ttl"))
    assert (rdflib.URIRef(p.uri), rdflib.RDF.type, rdflib.URIRef(BASE + "def/AnnualReport")) in g


def test_home_page_describes_the_dataset(build):
    html = (build.site / "index.html").read_text(encoding="utf-8")
    m = re.search(r'<script type="application/ld\+json">(.*?)</script>', html, re.S)
    data = json.loads(m.group(1))
    assert data["@type"] == "Dataset" and data["license"] == "https://creativecommons.org/licenses/by/4.0/"
    assert data["distribution"][0]["contentUrl"] == BASE + "dumps/xxgk.nt.gz"
    dump = build.out / "dumps" / "xxgk.nt.gz"
    assert data["distribution"][0]["sha256"] == hashlib.sha256(dump.read_bytes()).hexdigest()
    assert hashlib.sha256(dump.read_bytes()).hexdigest() in html
    assert 'href="dumps/xxgk.nt.gz"' in html and 'href="./sparql/?gallery=' in html


def test_untrusted_text_is_escaped_in_the_html(build):
    for page in pages(build.site):
        html = page.read_text(encoding="utf-8")
        assert "<script>alert" not in html, page
        assert "<img src=x" not in html, page
        for block in re.findall(r"<script[^>]*>(.*?)</script>", html, re.S):
            assert "</" not in block and "<script" not in block, page
    agencies = "".join(p.read_text(encoding="utf-8") for p in (build.site / "agency").glob("**/index.html")
                       if p.parent.parent.name in ("agency", "page"))
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in agencies
    assert "&#34;&gt;&lt;img src=x onerror=alert(1)&gt;" in agencies  # the name as printed, escaped


def test_report_tables_follow_the_code_lists(build):
    c = codes()
    p = build.report("平潭综合实验区", 2023)
    zh = (build.site / p.path / "index.html").read_text(encoding="utf-8")
    en = (build.site / "en" / p.path / "index.html").read_text(encoding="utf-8")
    for cell_id, cell in p.report.cells.items():
        m = re.search(rf'<td id="c-{re.escape(cell_id)}" data-cell="{re.escape(cell_id)}" class="([^"]*)"[^>]*>([^<]*)',
                      zh)
        assert m, cell_id
        cls, text = m.groups()
        if cell.state is State.NUMBER:
            assert Decimal(text) == cell.value and cls.startswith("num"), cell_id
        elif cell.state is State.BLANK:
            assert (text, cls.split()[0]) == ("—", "blank"), cell_id
        else:
            assert (text, cls.split()[0]) == ("?", "unreadable"), cell_id
    for row in c.rows.values():  # every row of the 2021 form, in both languages, from codes.ttl
        if row.section in (3, 4) and (not row.formats or "2021" in row.formats):
            assert f'/def/row/{row.id}/">{row.label_zh}</a>' in zh, row.id
            assert f'/def/row/{row.id}/">{row.label_en}</a>'.replace("'", "&#39;") in en, row.id
    assert zh.count('class="form t2"') == 4  # 第二十条 (一) (五) (六) (八) in the 2021 form
    assert re.search(r'id="c-requests.new.total"[^>]*class="num finding f-warning"', zh)
    assert 'rowspan="3"' in zh  # the header of table 三: 申请人情况 > 法人或其他组织 > 商业企业…


# -- in the browser -----------------------------------------------------------------------------------------------


def test_internal_links_resolve(build):
    """Crawl from both home pages: every link and resource on the site is served."""
    seen, todo, checked = set(), ["/", "/en/"], set()
    with httpx.Client(base_url=build.url, timeout=10) as client:
        while todo:
            path = todo.pop()
            if path in seen:
                continue
            seen.add(path)
            r = client.get(path, headers={"Accept": "text/html"})
            assert r.status_code == 200, path
            for tag, url, _ in links_of(r.text):
                target, _ = urldefrag(urljoin(path, url))
                parsed = urlparse(target)
                if parsed.scheme or parsed.netloc or not target:
                    continue
                if target.endswith("/") and tag == "a" and not target.startswith(("/def/", "/dumps/")):
                    todo.append(target)
                elif target not in checked:
                    checked.add(target)
                    assert client.head(target).status_code in (200, 303), (path, url)
    assert len(seen) > 50


TYPES = ["/", "/agency/", "/agency/{slug}/", "/report/{slug}/2023/", "/year/", "/year/2023/",
         "/def/row/requests.denied.state_secret/", "/def/column/requests.business/", "/def/row/active.rules/",
         "/sparql/"]


def test_no_console_errors_on_any_kind_of_page(build, page):
    slug = build.report("平潭综合实验区", 2023).agency.slug
    for t in TYPES:
        for prefix in ("", "/en"):
            url = build.url + prefix + t.format(slug=slug)
            page.page.goto(url, wait_until="networkidle" if "sparql" in t else "load")
            assert page.errors == [], url
    assert page.dialogs == []


def test_trend_charts_render(build, page):
    slug = build.report("平潭综合实验区", 2023).agency.slug
    page.page.goto(f"{build.url}/en/agency/{slug}/")
    page.page.wait_for_function("document.querySelectorAll('canvas').length === 3")
    painted = page.page.evaluate("""() => Array.from(document.querySelectorAll('canvas')).map(c => {
        const chart = window.Chart.getChart(c);
        const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        let ink = 0;
        for (let i = 3; i < px.length; i += 4) if (px[i] > 0) ink++;
        return {id: c.id, ink, width: c.width, points: chart ? chart.data.labels.length : 0};
    })""")
    assert [c["id"] for c in painted] == ["chart-requests", "chart-outcomes", "chart-appeals"]
    for c in painted:
        assert c["width"] > 100 and c["ink"] > 1000 and c["points"] == 3, c
    assert page.errors == []


def _wait_for_text(page, selector: str, text: str, seconds: float = 10) -> None:
    """Poll from here: the pages' CSP forbids the eval behind Playwright's wait_for_function."""
    deadline = time.monotonic() + seconds
    while (found := page.text_content(selector)) != text:
        assert time.monotonic() < deadline, f"{selector} shows {found!r}, not {text!r}"
        time.sleep(0.05)


def test_agency_list_is_paged_and_search_covers_every_page(build, page):
    page.page.goto(f"{build.url}/agency/")
    assert page.page.locator("#agency-list li").count() == PAGE_SIZE
    page.page.click("nav.pager a[rel=next]")
    page.page.wait_for_url(f"{build.url}/agency/page/2/")
    assert page.page.locator("#agency-list li").count() == 2
    on_pages = set(page.page.locator("#agency-list li a").all_text_contents())
    page.page.goto(f"{build.url}/agency/")
    on_pages |= set(page.page.locator("#agency-list li a").all_text_contents())
    assert on_pages == {"平潭综合实验区", "重庆市渝北区洛碛镇人民政府", SCRIPT_NAME, IMG_NAME}

    hits = "#agency-hits li"
    page.page.fill("#agency-search", "平潭")  # loads agency/search.js, the index of every agency
    page.page.wait_for_selector(hits)
    assert page.page.text_content("#agency-count") == "1"
    assert page.page.locator(hits).all_text_contents()[0].startswith("平潭综合实验区")
    assert page.page.is_hidden("#agency-page")
    page.page.fill("#agency-search", "pingtan")
    assert page.page.locator(hits).count() == 1
    page.page.fill("#agency-search", "2020")
    assert page.page.locator(hits).count() == 3
    page.page.fill("#agency-search", "<script>")  # a hostile name is found, and shown as text
    assert page.page.locator(hits + " a").all_text_contents() == [SCRIPT_NAME]
    page.page.fill("#agency-search", "onerror")
    assert page.page.locator(hits + " a").all_text_contents() == [IMG_NAME]
    page.page.click(hits + " a")
    page.page.wait_for_load_state()
    assert page.page.text_content("h1") == IMG_NAME
    page.page.go_back()  # a fresh page: its index loads again, after the input event
    page.page.fill("#agency-search", "没有这个机关")
    _wait_for_text(page.page, "#agency-count", "0")
    assert page.page.locator(hits).count() == 0
    page.page.fill("#agency-search", "")
    assert page.page.is_visible("#agency-page") and page.page.is_hidden("#agency-hits")
    assert page.errors == []


def test_a_long_year_is_paged(build):
    first = (build.site / "year" / "2020" / "index.html").read_text(encoding="utf-8")
    second = (build.site / "year" / "2020" / "page" / "2" / "index.html").read_text(encoding="utf-8")
    rows = [re.findall(r'<tr><th><a href="[^"]*report/([^/"]+)/2020/">', html) for html in (first, second)]
    assert [len(r) for r in rows] == [2, 1]
    assert len(set(rows[0] + rows[1])) == 3
    assert 'rel="next" href="../../year/2020/page/2/"' in first
    assert not (build.site / "year" / "2020" / "page" / "3").exists()
    assert (build.site / "en" / "year" / "2020" / "page" / "2" / "index.html").is_file()


def test_language_switch(build, page):
    p = build.report("平潭综合实验区", 2023)
    page.page.goto(f"{build.url}/{p.path}/")
    assert page.page.get_attribute("html", "lang") == "zh-CN"
    page.page.click("#lang-switch")
    page.page.wait_for_url(f"{build.url}/en/{p.path}/")
    assert page.page.get_attribute("html", "lang") == "en"
    assert "Requests for government information received and handled" in page.page.content()
    page.page.click("#lang-switch")
    page.page.wait_for_url(f"{build.url}/{p.path}/")
    page.page.goto(f"{build.url}/en/")
    page.page.click("#lang-switch")
    page.page.wait_for_url(f"{build.url}/")
    assert page.errors == []


def test_cells_show_their_state_and_findings(build, page):
    p = build.report("平潭综合实验区", 2023)
    page.page.goto(f"{build.url}/en/{p.path}/")
    blank = page.page.locator('td[data-cell="review.upheld"]')
    assert blank.inner_text().startswith("—") and "blank" in blank.get_attribute("class")
    assert "cannot check" in blank.get_attribute("title").lower() or "Cannot check" in blank.get_attribute("title")
    unreadable = page.page.locator('td[data-cell="requests.granted.business"]')
    assert unreadable.inner_text().startswith("?") and "unreadable" in unreadable.get_attribute("class")
    assert "l?" in unreadable.get_attribute("title")
    total = page.page.locator('td[data-cell="requests.new.total"]')
    assert "f-warning" in total.get_attribute("class")
    assert "row total wrong" in total.get_attribute("title")
    total.locator("a.fref").first.click()
    assert page.page.evaluate("location.hash").startswith("#finding-")
    assert page.page.locator("ol.findings li.f-warning").count() >= 2
    assert page.page.locator("ol.findings li.f-info").count() >= 2
    src = page.page.locator("#source a[download]").first.get_attribute("href")
    assert httpx.get(urljoin(page.page.url, src)).content == Path(p.report.source.path).read_bytes()
    assert page.errors == []


def test_hostile_agency_names_render_as_text(build, page):
    hostile = [p for p in build.published if p.report.agency in (SCRIPT_NAME, IMG_NAME)]
    assert len(hostile) == 2
    urls = ["/agency/", "/en/agency/", "/year/2020/", "/def/row/requests.new/", "/en/def/column/requests.total/"]
    for p in hostile:
        urls += [f"/agency/{p.agency.slug}/", f"/{p.path}/", f"/en/{p.path}/"]
    for url in urls:
        page.page.goto(build.url + url, wait_until="load")
        assert page.page.locator("img[src='x']").count() == 0, url
        assert page.page.evaluate("document.querySelectorAll('script:not([src]):not([type])').length") == 0, url
    for p in hostile:
        page.page.goto(f"{build.url}/{p.path}/")
        assert p.agency.name in page.page.inner_text("h1")
        assert HOSTILE_TEXT in page.page.inner_text("#narrative")
        assert p.agency.name == page.page.inner_text(".crumbs a >> nth=0")
        if p.report.agency == SCRIPT_NAME:  # a finding's message, in an attribute and in the list
            assert HOSTILE_TEXT in page.page.get_attribute('td[data-cell="requests.new.total"]', "title")
            assert HOSTILE_TEXT in page.page.inner_text("ol.findings")
    assert page.dialogs == []
    assert page.errors == []


# -- the query page and its gallery -----------------------------------------------------------------------------


def test_gallery_queries_answer(build):
    names = [q["name"] for q in gallery()]
    assert {"denial-rate-by-reason", "agencies-most-requests", "arithmetic-findings", "agency-trend"} <= set(names)
    with httpx.Client(base_url=build.url, timeout=30) as client:
        for q in gallery():
            r = client.post("/sparql", data={"query": q["query"]},
                            headers={"Accept": "application/sparql-results+json"})
            assert r.status_code == 200, (q["name"], r.text)
            rows = r.json()["results"]["bindings"]
            assert rows, q["name"]
            if q["name"] == "arithmetic-findings":
                assert {b["rule"]["value"] for b in rows} >= {"row-total", "balance"}
                assert all("平潭" in b["name"]["value"] and b["year"]["value"] == "2023" for b in rows)
            if q["name"] == "agency-trend":
                assert [b["year"]["value"] for b in rows] == ["2019", "2021", "2023"]


def test_query_page_runs_a_gallery_query(build, page):
    page.page.goto(f"{build.url}/sparql", wait_until="load")  # the endpoint itself, for a browser
    page.page.wait_for_selector(".yasqe .CodeMirror")
    page.page.click("#q-arithmetic-findings button.run")
    page.page.wait_for_selector(".yasr table tbody tr td", timeout=15_000)
    text = page.page.inner_text(".yasr")
    assert "row-total" in text and "balance" in text
    page.page.click("#q-denial-rate-by-reason button.load")
    assert "skos:broader row:requests.denied" in page.page.evaluate("window.xxgkYasgui.getTab().getQuery()")
    assert page.errors == []


def test_agency_page_opens_its_trend_query(build, page):
    p = build.report("平潭综合实验区", 2023)
    page.page.goto(f"{build.url}/agency/{p.agency.slug}/")
    page.page.click("a[href*='sparql/?query=']")
    page.page.wait_for_selector(".yasqe .CodeMirror")
    query = page.page.evaluate("window.xxgkYasgui.getTab().getQuery()")
    assert f"VALUES ?agency {{ <{BASE}agency/{p.agency.slug}> }}" in query
    assert page.errors == []


# -- without a browser --------------------------------------------------------------------------------------------


def test_pages_rendered_on_two_processes_are_the_same(build, tmp_path, monkeypatch):
    """Agencies' and reports' pages, years' lists and concepts' rankings, rendered in worker processes."""
    from publisher import site

    monkeypatch.setattr(site, "PARALLEL_FROM", 1)
    store = ox.Store.read_only(str(build.out / "store"))
    render_site(tmp_path / "site", build.published, BASE, lambda: ([], {}), store=store, page_size=PAGE_SIZE,
                jobs=2, store_path=build.out / "store")
    pages = sorted(p.relative_to(tmp_path / "site") for p in (tmp_path / "site").rglob("*") if p.is_file())
    shared = [p for p in pages if re.match(r"(en/)?(agency/[^/]+/|report/|year/\d|def/(row|column)/)", str(p))]
    kinds = {re.sub(r"^en/", "", str(p)).split("/")[0] for p in shared}
    assert len(shared) > 300 and kinds == {"agency", "report", "year", "def"}
    for p in shared:
        assert (tmp_path / "site" / p).read_bytes() == (build.site / p).read_bytes(), p


def test_an_empty_publication_still_has_a_site(tmp_path):
    render_site(tmp_path, [], BASE, lambda: ([], {}), store=ox.Store())
    for page in ("index.html", "en/index.html", "agency/index.html", "year/index.html", "sparql/index.html",
                 "def/row/requests.denied/index.html", "404.html", "assets/yasgui.min.js", "assets/chart.umd.min.js"):
        assert (tmp_path / page).is_file(), page


def test_missing_npm_packages_are_a_clear_error(tmp_path, monkeypatch):
    from publisher import site

    monkeypatch.setattr(site, "NODE_MODULES", tmp_path / "node_modules")
    with pytest.raises(site.SiteAssetsMissing, match=r"@triply/yasgui.*make site-assets.*npm ci --prefix site"):
        render_site(tmp_path / "out", [], BASE, lambda: ([], {}), store=ox.Store())
