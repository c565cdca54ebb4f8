"""The report page: one HTML file with its styles, charts (inline SVG), data and script inside."""
from __future__ import annotations

import json
from html import escape
from typing import Any

from . import svg

CSS = """
body{font:14px/1.45 system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
header{background:#23395b;color:#fff;padding:14px 24px}header h1{margin:0;font-size:20px}
main{padding:12px 24px;max-width:1400px}section{background:#fff;border:1px solid #ddd;border-radius:6px;
margin:14px 0;padding:12px 16px}h2{font-size:16px;margin:4px 0 10px}.charts{display:flex;flex-wrap:wrap;gap:18px}
figure{margin:0}figcaption{font-size:12px;color:#555}table{border-collapse:collapse;font-size:13px}
td,th{border-bottom:1px solid #eee;padding:3px 10px;text-align:right}td:first-child,th:first-child{text-align:left}
.chart .lbl,.chart .val,.chart .tick{font-size:11px;fill:#333}.chart .axis{stroke:#999}
#browser{display:grid;grid-template-columns:340px 1fr;gap:12px}#list{max-height:720px;overflow:auto;border:1px solid #eee}
#list div{padding:6px 8px;border-bottom:1px solid #eee;cursor:pointer;font-size:12px}#list div.sel{background:#e8f0fb}
.ok{color:#2b7a4b}.bad{color:#b0413e}.controls{display:flex;gap:8px;flex-wrap:wrap;margin-bottom:8px}
.msg{margin:6px 0;padding:6px 10px;border-radius:6px;white-space:pre-wrap;word-break:break-word}
.msg.system{background:#f1f1f1;color:#555;font-size:12px}.msg.user{background:#eef5ff}
.msg.assistant{background:#f4fbf0}.msg.tool{background:#fff8e6;font-family:monospace;font-size:12px}
.tool-call{font-family:monospace;font-size:12px;color:#7a4b00}.role{font-weight:600;font-size:11px;color:#666}
.checks li{font-size:12px}.evidence{font-family:monospace;font-size:11px;white-space:pre-wrap;background:#f7f7f7}
"""

SCRIPT = r"""
(function () {
  const data = JSON.parse(document.getElementById('gem-data').textContent);
  const items = data.trajectories;
  const $ = (id) => document.getElementById(id);
  const el = (tag, cls, text) => { const e = document.createElement(tag); if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text; return e; };
  function fill(select, values) { values.forEach(v => { const o = el('option', '', v); o.value = v; select.appendChild(o); }); }
  fill($('f-category'), [...new Set(items.map(t => t.category))].sort());
  fill($('f-domain'), [...new Set(items.map(t => t.domain))].sort());
  function text(t) { return (t.id + ' ' + t.goal + ' ' + t.messages.map(m => (m.content || '') +
    (m.tool_calls || []).map(c => ' ' + c.function.name + ' ' + c.function.arguments).join('')).join(' ')).toLowerCase(); }
  const haystack = items.map(text);
  function visible() {
    const q = $('f-search').value.toLowerCase(), v = $('f-verdict').value;
    const c = $('f-category').value, d = $('f-domain').value;
    return items.map((t, i) => [t, i]).filter(([t, i]) => (!q || haystack[i].includes(q)) &&
      (!v || (v === 'accepted') === t.passed) && (!c || t.category === c) && (!d || t.domain === d));
  }
  function renderList() {
    const list = $('list'); list.textContent = '';
    const shown = visible();
    $('count').textContent = shown.length + ' of ' + items.length;
    shown.forEach(([t, i]) => {
      const row = el('div', '', ''); row.dataset.index = i;
      row.appendChild(el('span', t.passed ? 'ok' : 'bad', t.passed ? '✓ ' : '✗ '));
      row.appendChild(document.createTextNode(t.domain + ' · ' + t.category + ' — ' + t.goal.slice(0, 90)));
      row.onclick = () => show(i); list.appendChild(row);
    });
    if (shown.length) show(shown[0][1]); else $('conversation').textContent = 'No trajectory matches.';
  }
  function message(m) {
    const box = el('div', 'msg ' + m.role);
    box.appendChild(el('div', 'role', m.role + (m.tool_call_id ? ' (' + m.tool_call_id + ')' : '')));
    if (m.content) box.appendChild(el('div', '', m.content));
    (m.tool_calls || []).forEach(c => box.appendChild(
      el('div', 'tool-call', '→ ' + c.function.name + '(' + c.function.arguments + ')  [' + c.id + ']')));
    return box;
  }
  function show(i) {
    const t = items[i], out = $('conversation'); out.textContent = '';
    document.querySelectorAll('#list div').forEach(d => d.classList.toggle('sel', Number(d.dataset.index) === i));
    out.appendChild(el('h3', '', t.id));
    out.appendChild(el('div', t.passed ? 'ok' : 'bad', (t.passed ? 'accepted' : 'rejected') +
      ' · ' + t.domain + ' · ' + t.category + ' · ' + (t.kind || '') + ' · ended: ' + (t.termination || '?')));
    const conv = el('div', 'conversation'); t.messages.forEach(m => conv.appendChild(message(m))); out.appendChild(conv);
    out.appendChild(el('h4', '', 'Verification'));
    const ul = el('ul', 'checks');
    t.checks.forEach(c => { const li = el('li', c.passed ? 'ok' : 'bad', (c.passed ? '✓ ' : '✗ ') + c.name);
      if (c.evidence !== null && c.evidence !== undefined)
        li.appendChild(el('div', 'evidence', JSON.stringify(c.evidence, null, 1)));
      ul.appendChild(li); });
    out.appendChild(ul);
  }
  ['f-search', 'f-verdict', 'f-category', 'f-domain'].forEach(id => $(id).addEventListener('input', renderList));
  renderList();
})();
"""


def _table(rows: list[dict[str, Any]], columns: list[tuple[str, str]]) -> str:
    head = "".join(f"<th>{escape(label)}</th>" for _, label in columns)
    body = []
    for r in rows:
        cells = []
        for key, _ in columns:
            v = r.get(key)
            cells.append(f"<td>{'' if v is None else escape(f'{v:.1%}' if isinstance(v, float) and key == 'acceptance' else str(v))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(body)}</table>"


def _funnel(report: dict[str, Any]) -> str:
    f = report["funnel"]
    chart = svg.hbars([(s["name"], s["count"]) for s in f["stages"]], "funnel per stage")
    reasons = "".join(f"<h3>{escape(stage)}</h3>" + _table([{"reason": r, "count": n} for r, n in top],
                                                           [("reason", "reason"), ("count", "count")])
                      for stage, top in f["rejections"].items())
    return f"<section id='funnel'><h2>Funnel</h2>{chart}<h2>Rejections by stage</h2>{reasons or '<p>none</p>'}</section>"


def _distributions(report: dict[str, Any]) -> str:
    figs, names = [], {"messages": "messages", "tool_calls": "tool calls", "distinct_tools": "distinct tools"}
    pub = report["published"]
    for key, label in names.items():
        marks = [("ours", report["means"][key]), ("GEM before", pub["before refinement"][key]),
                 ("GEM after", pub["after refinement"][key])]
        figs.append(f"<figure>{svg.histogram(report['distributions'][key], label + ' per trajectory', marks)}"
                    f"<figcaption>{escape(label)} per accepted trajectory</figcaption></figure>")
    rows = [{"what": "this run", **report["means"]},
            *({"what": f"GEM, {k}", **v} for k, v in pub.items())]
    table = _table(rows, [("what", ""), ("messages", "messages"), ("tool_calls", "tool calls"),
                          ("distinct_tools", "distinct tools")])
    return (f"<section id='distributions'><h2>Trajectory shape beside GEM's published means</h2>"
            f"<div class='charts'>{''.join(figs)}</div>{table}</section>")


def _tables(report: dict[str, Any]) -> str:
    cols = [("name", "name"), ("trajectories", "trajectories"), ("accepted", "accepted"),
            ("acceptance", "acceptance"), ("mean_messages", "messages"), ("mean_tool_calls", "tool calls")]
    return (f"<section id='tables'><h2>Per category</h2>{_table(report['by_category'], cols)}"
            f"<h2>Per domain</h2>{_table(report['by_domain'], cols)}</section>")


def _passk(report: dict[str, Any]) -> str:
    p = report["passk"]
    if not p:
        return ""
    chart = svg.lines(p["k"], p["series"], "pass^k by k")
    cats = svg.lines(p["k"], p["by_category"], "pass^k by category") if p["by_category"] else ""
    return (f"<section id='passk'><h2>pass^k ({p['trials']} trials per task)</h2>"
            f"<div class='charts'>{chart}{cats}</div></section>")


def _browser(report: dict[str, Any]) -> str:
    note = f"<p>The first {len(report['trajectories'])} are shown ({report['truncated']} more in the run).</p>" \
        if report["truncated"] else ""
    return ("<section id='trajectories'><h2>Trajectories</h2>" + note +
            "<div class='controls'><input id='f-search' type='search' placeholder='search text, tools, ids'>"
            "<select id='f-verdict'><option value=''>any verdict</option><option>accepted</option>"
            "<option>rejected</option></select><select id='f-category'><option value=''>any category</option>"
            "</select><select id='f-domain'><option value=''>any domain</option></select>"
            "<span id='count'></span></div><div id='browser'><div id='list'></div>"
            "<div id='conversation'></div></div></section>")


def render(report: dict[str, Any]) -> str:
    payload = json.dumps({"trajectories": report["trajectories"]}, ensure_ascii=False, default=str)
    payload = payload.replace("<", "\\u003c")  # nothing inside can close the script element
    m = report["manifest"]
    sub = f"{report['kind']} run · gem-env {escape(str(m.get('gem_env', '')))}"
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>gem report: {escape(report['run'])}</title><style>{CSS}</style></head><body>"
            f"<header><h1>gem report: {escape(report['run'])}</h1><div>{sub}</div></header><main>"
            + _funnel(report) + _distributions(report) + _tables(report) + _passk(report) + _browser(report)
            + f"</main><script type='application/json' id='gem-data'>{payload}</script>"
            f"<script>{SCRIPT}</script></body></html>")
