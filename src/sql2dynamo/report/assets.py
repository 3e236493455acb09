"""The report's inline style sheet and script: the page loads nothing else.

The script only sorts and filters the access-pattern table (plain DOM, no
library); the page is complete without it.  The Content-Security-Policy in
the page's head allows inline style and script and nothing from anywhere.
"""

from __future__ import annotations

PALETTE = (
    "#4e79a7",
    "#f28e2b",
    "#59a14f",
    "#e15759",
    "#b07aa1",
    "#76b7b2",
    "#edc948",
    "#9c755f",
    "#ff9da7",
    "#8cd17d",
    "#bab0ac",
    "#d37295",
)
"""Entity colours (by slot, cycling); readable under dark text on a light tint."""

CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:; base-uri 'none'"


def _entity_rules() -> str:
    rules = []
    for n, colour in enumerate(PALETTE):
        rules.append(
            f".ent-{n}{{--ent:{colour}}} tr.item.ent-{n} td{{background:color-mix(in srgb,{colour} 12%,white)}}"
        )
    return "\n".join(rules)


STYLE = (
    """
:root{--fg:#1d2433;--muted:#5b6478;--line:#d9dee8;--bg:#f6f7fb;--card:#fff;--pass:#1a7f37;--fail:#cf222e;
--unsup:#9a6700;--none:#6e7781;--reads:#4e79a7;--writes:#f28e2b;--storage:#9c9c9c;--accent:#3b5bdb}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;
color:var(--fg);background:var(--bg)}
header{background:#1d2433;color:#fff;padding:18px 28px}
header h1{margin:0 0 6px;font-size:22px}
header .facts{color:#c9d1e3}
header nav a{color:#fff;margin-right:16px;text-decoration:none;border-bottom:1px solid #6b7a99}
.chips{display:flex;flex-wrap:wrap;gap:8px;margin:10px 0}
.chip{background:#2e3850;border-radius:12px;padding:3px 10px;font-size:13px}
main{padding:8px 28px 40px;max-width:1500px}
section{margin-top:26px}
h2{font-size:19px;border-bottom:2px solid var(--line);padding-bottom:4px}
h3{font-size:16px;margin:0 0 6px}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;margin:14px 0}
.purpose,.missing,.note{color:var(--muted)}
table{border-collapse:collapse;margin:6px 0 10px}
th,td{border:1px solid var(--line);padding:4px 7px;text-align:left;vertical-align:top}
th{background:#eef1f7;font-weight:600}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font:12.5px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{background:#f0f2f7;border-radius:3px;padding:0 3px;overflow-wrap:anywhere}
pre{background:#f0f2f7;padding:6px 8px;border-radius:4px;white-space:pre-wrap;overflow-wrap:anywhere;margin:4px 0}
dl.keys{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:6px 0 10px}
dl.keys dt{color:var(--muted)}
dl.keys dd{margin:0}
.legend{display:flex;flex-wrap:wrap;gap:6px 14px;margin:8px 0}
.legend .ent{display:inline-flex;align-items:center;gap:6px;border-left:6px solid var(--ent);
background:color-mix(in srgb,var(--ent) 12%,white);padding:2px 8px;border-radius:3px}
table.items{width:100%;table-layout:fixed}
table.items th:nth-child(1){width:22%}table.items.keyed th:nth-child(2){width:20%}
table.items td{overflow-wrap:anywhere}
table.items td.pk{background:#fff;font-weight:600;border-left:4px solid var(--accent)}
table.items tbody.collection{border-top:3px solid #8f9bb3}
tr.item td.sk{border-left:6px solid var(--ent)}
.attr{display:inline-block;margin:1px 8px 1px 0;white-space:nowrap;max-width:100%;overflow:hidden;
text-overflow:ellipsis}
.attr b{font-weight:600}
.attr i{color:var(--muted);font-style:normal;font-size:11px;margin:0 3px}
.etag{display:inline-block;font-size:11px;padding:0 6px;border-radius:8px;background:var(--ent);color:#fff;
margin-right:6px}
.status{font-weight:700;text-transform:uppercase;font-size:12px;letter-spacing:.03em}
.status-pass{color:var(--pass)}.status-fail{color:var(--fail)}.status-unsupported{color:var(--unsup)}
.status-unvalidated{color:var(--none)}
tr.pattern-row[data-status="fail"] td:first-child{border-left:4px solid var(--fail)}
#pattern-table{width:100%}
#pattern-table th[data-sort]{cursor:pointer;user-select:none}
#pattern-table th[data-sort]::after{content:" \\2195";color:var(--muted)}
#pattern-table th[aria-sort="ascending"]::after{content:" \\2191"}
#pattern-table th[aria-sort="descending"]::after{content:" \\2193"}
ol.plan{margin:0;padding-left:18px}
ol.plan li.depth-1{margin-left:14px;list-style:circle}
.filters{display:flex;gap:10px;align-items:center;flex-wrap:wrap;margin:6px 0}
.filters input{padding:4px 8px;width:280px}
details>summary{cursor:pointer}
.warn{border-left:5px solid var(--unsup)}
.warn.raised-0{border-left-color:var(--pass)}
.ok{color:var(--pass);font-weight:600}.bad{color:var(--fail);font-weight:600}
svg.chart text{font:12px system-ui,sans-serif;fill:var(--fg)}
svg.chart .seg-reads{fill:var(--reads)}svg.chart .seg-writes{fill:var(--writes)}
svg.chart .seg-storage{fill:var(--storage)}svg.chart .seg-total{fill:#7f8ba3}
svg.chart .mode-provisioned{fill-opacity:.55}
svg.chart .group-line{stroke:var(--line)}
.swatch{display:inline-block;width:12px;height:12px;border-radius:2px;vertical-align:-1px;margin-right:4px}
tr.hot td{background:#ffebe9}
:target{outline:3px solid var(--accent);outline-offset:2px}
"""
    + _entity_rules()
    + "\n"
)

SCRIPT = """
(function () {
  "use strict";
  var table = document.getElementById("pattern-table");
  if (!table) { return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var text = document.getElementById("pattern-filter");
  var status = document.getElementById("pattern-status");
  var kind = document.getElementById("pattern-kind");
  var shown = document.getElementById("pattern-shown");
  function apply() {
    var q = text.value.toLowerCase(), s = status.value, k = kind.value, n = 0;
    rows.forEach(function (r) {
      var ok = (!q || r.textContent.toLowerCase().indexOf(q) >= 0) &&
        (!s || r.getAttribute("data-status") === s) && (!k || r.getAttribute("data-kind") === k);
      r.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = n + " of " + rows.length + " patterns shown";
  }
  text.addEventListener("input", apply);
  status.addEventListener("change", apply);
  kind.addEventListener("change", apply);
  var heads = table.tHead.rows[0].cells;
  Array.prototype.forEach.call(heads, function (th, col) {
    if (!th.hasAttribute("data-sort")) { return; }
    th.tabIndex = 0;
    function sort() {
      var numeric = th.getAttribute("data-sort") === "num";
      var dir = th.getAttribute("aria-sort") === "ascending" ? -1 : 1;
      Array.prototype.forEach.call(heads, function (h) { h.removeAttribute("aria-sort"); });
      th.setAttribute("aria-sort", dir === 1 ? "ascending" : "descending");
      var order = rows.slice();
      order.sort(function (a, b) {
        var x = a.cells[col].getAttribute("data-value"), y = b.cells[col].getAttribute("data-value");
        var c = numeric ? parseFloat(x) - parseFloat(y) : x.localeCompare(y);
        return c * dir || rows.indexOf(a) - rows.indexOf(b);
      });
      order.forEach(function (r) { body.appendChild(r); });
    }
    th.addEventListener("click", sort);
    th.addEventListener("keydown", function (e) {
      if (e.key === "Enter" || e.key === " ") { e.preventDefault(); sort(); }
    });
  });
  apply();
}());
"""
