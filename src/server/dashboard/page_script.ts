/**
 * The dashboard page's script, inline. It reads `dashboard/events` with `fetch` (EventSource
 * cannot send an Authorization header), parses the Server-Sent Events itself, keeps two minutes
 * of history and draws it as SVG. The token, when the server wants one, is typed into a form,
 * kept in sessionStorage (this tab only) and sent as a header: never in a URL.
 *
 * Written without template literals, so that it can live inside one.
 *
 * @module
 */

/** The page's script. */
export const PAGE_SCRIPT = `
"use strict";
const HISTORY = 120;
const KEY = "workloom.token";
const COLORS = ["#3b6fd8", "#1a7f37", "#b7791f", "#cf222e", "#8250df", "#0a7f8c", "#bf3989"];
const STATE_COLORS = { busy: "#3b6fd8", idle: "#1a7f37", starting: "#b7791f", retiring: "#8a8f98" };
const history = [];
const base = location.href.split(/[?#]/)[0].replace(/\\/?$/, "/");
const $ = (id) => document.getElementById(id);
const NS = "http://www.w3.org/2000/svg";

function el(tag, attrs, text) {
  const e = tag.startsWith("svg:") ? document.createElementNS(NS, tag.slice(4)) : document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = String(text);
  return e;
}

function fmt(n, digits) {
  if (n === null || n === undefined || Number.isNaN(n)) return "–";
  if (Math.abs(n) >= 10000) return Math.round(n / 1000) + "k";
  if (Math.abs(n) >= 1000) return (n / 1000).toFixed(1) + "k";
  return Number(n.toFixed(digits === undefined ? 1 : digits)).toString();
}

// series: [{ name, color, values: (number|null)[], dash? }]
function lineChart(svg, series, unit) {
  const W = 400, H = 140, L = 50, T = 8, B = 16;
  svg.setAttribute("viewBox", "0 0 " + W + " " + H);
  svg.replaceChildren();
  let max = 0;
  for (const s of series) for (const v of s.values) if (v !== null && v > max) max = v;
  max = max > 0 ? max * 1.1 : 1;
  const x = (i) => L + (W - L - 4) * (i / (HISTORY - 1));
  const y = (v) => T + (H - T - B) * (1 - v / max);
  for (const f of [0, 0.5, 1]) {
    svg.append(el("svg:line", { x1: L, x2: W - 4, y1: y(max * f), y2: y(max * f), stroke: "currentColor", "stroke-opacity": 0.12 }));
    svg.append(el("svg:text", { x: L - 4, y: y(max * f) + 3, "text-anchor": "end" }, fmt(max * f) + (unit || "")));
  }
  // The span the full width stands for, from the interval between the last two snapshots.
  const n = history.length;
  const step = n > 1 ? (history[n - 1].at - history[n - 2].at) / 1000 : 1;
  svg.append(el("svg:text", { x: L, y: H - 3 }, "-" + Math.round(step * HISTORY) + " s"));
  svg.append(el("svg:text", { x: W - 4, y: H - 3, "text-anchor": "end" }, "now"));
  for (const s of series) {
    const offset = HISTORY - s.values.length;
    let d = "";
    s.values.forEach((v, i) => {
      if (v === null) return;
      d += (d && s.values[i - 1] !== null ? " L" : " M") + x(offset + i).toFixed(1) + " " + y(v).toFixed(1);
    });
    if (d) svg.append(el("svg:path", { d, fill: "none", stroke: s.color, "stroke-width": 1.8, "stroke-dasharray": s.dash ? "4 3" : "none" }));
  }
}

function legend(box, series) {
  box.replaceChildren(...series.map((s) => {
    const span = el("span");
    const swatch = el("i");
    swatch.style.background = s.color;
    span.append(swatch, s.name);
    return span;
  }));
}

function stat(label, value) {
  const d = el("div", { class: "stat" });
  d.append(el("b", {}, value), el("span", {}, label));
  return d;
}

function progressCell(p) {
  const td = el("td");
  if (p === undefined) return td;
  if (typeof p === "number" && p >= 0 && p <= 1) {
    const bar = el("span", { class: "bar" });
    const fill = el("span");
    fill.style.width = Math.round(p * 100) + "%";
    bar.append(fill);
    td.append(bar, Math.round(p * 100) + " %");
  } else td.append(typeof p === "object" ? JSON.stringify(p) : String(p));
  return td;
}

function render(s) {
  history.push(s);
  if (history.length > HISTORY) history.shift();
  const down = s.queue && !s.queue.reachable ? " · job queue out of reach: " + s.queue.problem : "";
  $("updated").textContent = "updated " + new Date(s.at).toLocaleTimeString("en-GB") + down;
  const states = ["busy", "idle", "starting", "retiring"].map((st) => ({ name: st, color: STATE_COLORS[st], values: history.map((h) => h.workers[st]) }));
  lineChart($("workers-chart"), states);
  legend($("workers-legend"), states.map((st) => ({ name: st.name + " " + s.workers[st.name], color: st.color })));
  lineChart($("queue-chart"), [{ name: "queue", color: COLORS[0], values: history.map((h) => h.queueDepth) }, { name: "in flight", color: COLORS[1], values: history.map((h) => h.inFlight) }]);
  legend($("queue-legend"), [{ name: "queued " + s.queueDepth, color: COLORS[0] }, { name: "in flight " + s.inFlight + " / " + s.capacity + " slots", color: COLORS[1] }]);
  lineChart($("throughput-chart"), [{ name: "tasks/s", color: COLORS[0], values: history.map((h) => h.throughput) }], "/s");
  legend($("throughput-legend"), [{ name: "tasks finished per second: " + fmt(s.throughput), color: COLORS[0] }]);
  const names = [...new Set(history.flatMap((h) => h.tasks.map((t) => t.name)))].sort();
  const runSeries = [];
  names.forEach((name, i) => {
    const pick = (h, k) => { const t = h.tasks.find((t) => t.name === name); return t ? t[k] : null; };
    runSeries.push({ name: name + " p50", color: COLORS[i % COLORS.length], values: history.map((h) => pick(h, "p50Ms")) });
    runSeries.push({ name: name + " p99", color: COLORS[i % COLORS.length], dash: true, values: history.map((h) => pick(h, "p99Ms")) });
  });
  lineChart($("run-chart"), runSeries, " ms");
  legend($("run-legend"), runSeries.map((r) => {
    const last = r.values[r.values.length - 1];
    return { name: r.name + " " + fmt(last) + " ms", color: r.color };
  }));
  $("stats").replaceChildren(
    stat("jobs queued", s.jobs.queued), stat("jobs running", s.jobs.running), stat("jobs delayed", s.jobs.delayed),
    stat("submitted", s.totals.submitted), stat("succeeded", s.totals.succeeded), stat("failed", s.totals.failed),
    stat("cancelled", s.totals.cancelled), stat("rejected", s.rejected), stat("retries", s.totals.retried),
    stat("respawns", s.respawns), stat("machine CPU", s.cpu === null ? "–" : Math.round(s.cpu * 100) + " %"));
  const ol = $("decisions");
  if (s.decisions.length) {
    ol.replaceChildren(...s.decisions.slice().reverse().map((d) => {
      const li = el("li", { "data-kind": d.kind });
      // A route's from/to are lane codes: its reason says which lanes.
      const what = d.kind === "route" ? "route " + d.task : d.kind + " " + d.from + "→" + d.to;
      li.append(el("span", { class: "kind" }, what), ": " + d.reason);
      return li;
    }));
  }
  const sla = $("sla");
  if (!s.sla) sla.replaceChildren(el("span", { class: "muted" }, "No SLA targets set (createServer's sla option)."));
  else {
    const head = el("p");
    const state = s.sla.met ? (s.sla.findings.length ? "warning" : "met") : "violated";
    head.append(el("span", { class: "badge " + state, id: "sla-state" }, state), " " + s.sla.targets + " target(s)" + (s.sla.blocking ? ", blocking" : ""));
    sla.replaceChildren(head, ...s.sla.findings.map((f) => el("div", { class: f.level }, f.message)));
  }
  $("nodes").replaceChildren(...(s.nodes || []).map((n) => {
    const tr = el("tr", { "data-node": String(n.id) });
    const beat = n.lastHeartbeat ? new Date(n.lastHeartbeat).toLocaleTimeString("en-GB") : "-";
    tr.append(el("td", {}, String(n.id)), el("td", {}, String(n.runtime ?? "-")), el("td", {}, String(n.workers ?? "-")), el("td", {}, String(n.inFlight ?? "-")), el("td", {}, beat));
    return tr;
  }));
  const time = (iso) => iso ? new Date(iso).toLocaleTimeString("en-GB") : "-";
  const plans = (s.schedules || []).map((p) => {
    const tr = el("tr", { "data-schedule": p.id });
    const last = el("td");
    if (p.last) last.append(el("span", { class: "badge " + p.last.status }, p.last.status), " " + time(p.last.at));
    else last.append("-");
    tr.append(el("td", {}, p.id), el("td", {}, p.task), el("td", {}, p.when), el("td", {}, p.paused ? "paused" : time(p.next)), last);
    return tr;
  });
  $("schedules").replaceChildren(...plans);
  $("schedules-empty").style.display = plans.length ? "none" : "";
  const rows = s.recentJobs.map((j) => {
    const tr = el("tr", { "data-id": j.id, "data-status": j.status });
    const status = el("td");
    status.append(el("span", { class: "badge " + j.status }, j.status));
    tr.append(el("td", { title: j.id }, j.id.slice(0, 8)), el("td", {}, j.task), status, progressCell(j.progress), el("td", {}, j.attempts), el("td", {}, new Date(j.submittedAt).toLocaleTimeString("en-GB")));
    return tr;
  });
  $("jobs").replaceChildren(...rows);
  $("jobs-empty").style.display = rows.length ? "none" : "";
}

function setStatus(text, live) {
  $("status").textContent = text;
  $("status").className = live ? "live" : "";
}

function askToken(message) {
  setStatus(message);
  $("token-form").classList.add("shown");
  $("token-input").focus();
}

$("token-form").addEventListener("submit", (e) => {
  e.preventDefault();
  const token = $("token-input").value.trim();
  if (!token) return;
  sessionStorage.setItem(KEY, token);
  $("token-input").value = "";
  $("token-form").classList.remove("shown");
  connect();
});

// A small Server-Sent Events reader over a fetch body: blocks end with a blank line; "event:"
// names the block, "data:" lines join with newlines.
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer = (buffer + value).replace(/\\r\\n?/g, "\\n");
    let end;
    while ((end = buffer.indexOf("\\n\\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      const data = [];
      for (const line of block.split("\\n")) {
        if (line.startsWith(":")) continue;
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        const val = colon < 0 ? "" : line.slice(colon + 1).replace(/^ /, "");
        if (field === "event") event = val;
        else if (field === "data") data.push(val);
      }
      if (data.length) onEvent(event, data.join("\\n"));
    }
  }
}

async function connect() {
  const token = sessionStorage.getItem(KEY);
  const headers = token ? { authorization: "Bearer " + token } : {};
  setStatus("connecting…");
  try {
    const res = await fetch(base + "dashboard/events", { headers, cache: "no-store" });
    if (res.status === 401) {
      sessionStorage.removeItem(KEY);
      return askToken(token ? "The token was refused: enter it again" : "This server needs its token");
    }
    if (!res.ok || !res.body) throw new Error("HTTP " + res.status);
    setStatus("live", true);
    await readEvents(res.body, (event, data) => { if (event === "snapshot") render(JSON.parse(data)); });
    setStatus("disconnected: reconnecting");
  } catch (e) {
    setStatus("offline (" + (e && e.message || e) + "): retrying");
  }
  setTimeout(connect, 2000);
}

connect();
`;
