/* xxgk static site: agency search, trend charts (Chart.js) and the query page (YASGUI).
   Everything the pages need is bundled; this script loads nothing from elsewhere. */
(function () {
  "use strict";

  function fold(s) {
    return (s || "").normalize("NFKC").toLowerCase().replace(/\s+/g, "");
  }

  // -- agency list: search every agency ----------------------------------------------------------
  // The list is split into pages; the search runs over agency/search.js, an index of every agency
  // (slug, name, search key, years) loaded as a script on first use, so it works from file:// too.
  // Hits are built with textContent: names are never parsed as HTML.
  function agencySearch() {
    var input = document.getElementById("agency-search");
    var hits = document.getElementById("agency-hits");
    var pageList = document.getElementById("agency-page");
    if (!input || !hits || !pageList) return;
    var count = document.getElementById("agency-count");
    var more = document.getElementById("agency-more");
    var home = input.getAttribute("data-home") || "";
    var limit = parseInt(input.getAttribute("data-limit"), 10) || 200;
    var pageCount = count ? count.textContent : "";
    var keys = null, loading = false, pending = null;

    function load(then) {  // `then` runs once the index is here; only the latest waiting one
      if (!keys && window.xxgkAgencies) keys = window.xxgkAgencies.map(function (e) { return fold(e[2]); });
      if (keys) return then();
      pending = then;
      if (loading) return;
      loading = true;
      var script = document.createElement("script");
      script.src = input.getAttribute("data-index");
      script.onload = function () { load(pending); };
      document.head.appendChild(script);
    }
    function item(e) {
      var li = document.createElement("li");
      var a = document.createElement("a");
      a.href = home + "agency/" + encodeURIComponent(e[0]) + "/";
      a.textContent = e[1];
      var years = document.createElement("span");
      years.className = "muted";
      years.textContent = " " + e[3].join(" · ");
      li.appendChild(a);
      li.appendChild(years);
      return li;
    }
    function run() {
      var q = fold(input.value);
      if (!q) {
        hits.hidden = true;
        if (more) more.hidden = true;
        pageList.hidden = false;
        if (count) count.textContent = pageCount;
        return;
      }
      load(function () {
        var found = [];
        for (var i = 0; i < keys.length; i++) if (keys[i].indexOf(q) >= 0) found.push(window.xxgkAgencies[i]);
        hits.replaceChildren.apply(hits, found.slice(0, limit).map(item));
        hits.hidden = false;
        pageList.hidden = true;
        if (more) { more.textContent = input.getAttribute("data-more"); more.hidden = found.length <= limit; }
        if (count) count.textContent = String(found.length);
      });
    }
    input.addEventListener("input", run);
    var q = new URLSearchParams(window.location.search).get("q");
    if (q) input.value = q;
    run();
  }

  // -- agency page: trend charts ------------------------------------------------------------------
  var PALETTE = ["#8b1a1a", "#1f6fb2", "#d98b00", "#2e8b57", "#7b4fa0", "#6b6b70", "#c2185b", "#00838f"];

  function charts() {
    var el = document.getElementById("chart-data");
    if (!el || typeof window.Chart === "undefined") return;
    var data = JSON.parse(el.textContent);
    data.charts.forEach(function (c) {
      var canvas = document.getElementById(c.id);
      if (!canvas) return;
      var datasets = c.series.map(function (s, i) {
        var color = PALETTE[i % PALETTE.length];
        return { label: s.label[data.lang] || s.label.zh, data: s.data, borderColor: color,
                 backgroundColor: c.type === "line" ? color : color + "cc", spanGaps: true, tension: 0.2 };
      });
      new window.Chart(canvas, {
        type: c.type,
        data: { labels: c.years.map(String), datasets: datasets },
        options: {
          animation: false, responsive: true, maintainAspectRatio: false,
          scales: { x: { stacked: !!c.stacked }, y: { stacked: !!c.stacked, beginAtZero: true, ticks: { precision: 0 } } },
          plugins: { legend: { position: "bottom", labels: { boxWidth: 12 } } }
        }
      });
    });
  }

  // -- query page: YASGUI and the gallery ---------------------------------------------------------
  function queryPage() {
    var el = document.getElementById("yasgui");
    if (!el || typeof window.Yasgui === "undefined") return;
    var Yasgui = window.Yasgui;
    var endpoint = el.getAttribute("data-endpoint") || "/sparql";
    // autocompleters that fetch from other hosts (prefix.cc, LOV) stay off: the page works offline
    var completers = Yasgui.Yasqe.defaults.autocompleters;
    completers.splice(0, completers.length, "variables");
    var first = document.querySelector("#gallery pre.query");
    var yasgui = new Yasgui(el, {
      requestConfig: { endpoint: endpoint, method: "POST" },
      copyEndpointOnNewTab: true,
      populateFromUrl: false,
      persistenceId: null,
      endpointCatalogueOptions: { getData: function () { return [{ endpoint: endpoint }]; } },
      yasqe: { value: first ? first.textContent : "SELECT * WHERE { ?s ?p ?o } LIMIT 10" }
    });
    window.xxgkYasgui = yasgui;

    function load(text, run) {
      var tab = yasgui.getTab();
      tab.setQuery(text);
      el.scrollIntoView({ block: "start" });
      if (run) return tab.query().catch(function () { /* YASR shows the error */ });
    }
    function byName(name) {
      var pre = document.getElementById("query-" + name);
      return pre ? pre.textContent : null;
    }
    Array.prototype.forEach.call(document.querySelectorAll("#gallery button[data-query]"), function (b) {
      b.addEventListener("click", function () {
        var text = byName(b.getAttribute("data-query"));
        if (text) load(text, b.classList.contains("run"));
      });
    });
    // ?gallery=NAME loads a query of the gallery (&run runs it); ?query=TEXT only loads the text:
    // a link never runs a query it brings along
    var params = new URLSearchParams(window.location.search);
    var mine = params.get("gallery") && byName(params.get("gallery"));
    if (mine) load(mine, params.has("run"));
    else if (params.get("query")) load(params.get("query"), false);
  }

  function start() {
    agencySearch();
    charts();
    queryPage();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
