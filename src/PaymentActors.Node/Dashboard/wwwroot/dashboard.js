// PaymentActors live dashboard: one snapshot a second from /dashboard/events (server-sent events), drawn as plain SVG.
"use strict";

const HISTORY = 300; // seconds kept for the throughput and latency charts
const SVG = "http://www.w3.org/2000/svg";
const COLORS = { approved: "#22c55e", flagged: "#f59e0b", declined: "#ef4444", rejected: "#a855f7", conflict: "#64748b" };
const SERIES = ["#38bdf8", "#22c55e", "#f59e0b", "#ef4444", "#a855f7", "#e2e8f0"];
const TYPES = ["PAYMENT", "TRANSFER", "CASH_IN", "CASH_OUT", "DEBIT"];
const throughput = [];
const latency = [];
const clusterThroughput = [];
const clusterLatency = [];

const $ = id => document.getElementById(id);
const fmt = n => Number(n).toLocaleString("en-US");
const money = minor => (minor / 100).toLocaleString("en-US", { maximumFractionDigits: 2 });

function el(name, attrs, text) {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function clear(svg) { while (svg.firstChild) svg.removeChild(svg.firstChild); }

// dashed[i]: draw series i dashed (the cluster's, beside this node's solid lines).
function lineChart(svg, seriesList, colors, dashed = []) {
  clear(svg);
  const [, , w, h] = svg.getAttribute("viewBox").split(" ").map(Number);
  const max = Math.max(1, ...seriesList.flat().filter(v => v !== null));
  svg.appendChild(el("line", { x1: 0, y1: h - 1, x2: w, y2: h - 1, class: "axis" }));
  svg.appendChild(el("text", { x: 4, y: 11 }, fmt(Math.round(max * 10) / 10)));
  seriesList.forEach((series, i) => {
    const points = series.map((v, j) => v === null ? null : `${(j + HISTORY - series.length) / (HISTORY - 1) * w},${h - 2 - v / max * (h - 14)}`)
      .filter(p => p !== null).join(" ");
    if (!points) return;
    const line = el("polyline", { points, fill: "none", stroke: colors[i], "stroke-width": 1.5, "vector-effect": "non-scaling-stroke" });
    if (dashed[i]) line.setAttribute("stroke-dasharray", "4 3");
    svg.appendChild(line);
  });
}

function barChart(svg, groups, keys, colorOf) {
  clear(svg);
  const [, , w, h] = svg.getAttribute("viewBox").split(" ").map(Number);
  const labels = Object.keys(groups);
  const max = Math.max(1, ...labels.map(g => keys.reduce((s, k) => s + (groups[g][k] || 0), 0)));
  const slot = w / Math.max(1, labels.length);
  labels.forEach((label, i) => {
    let y = h - 16;
    keys.forEach(k => {
      const v = groups[label][k] || 0;
      if (v <= 0) return;
      const bh = v / max * (h - 30);
      y -= bh;
      const rect = el("rect", { x: i * slot + slot * 0.15, y, width: slot * 0.7, height: bh, fill: colorOf(k) });
      rect.appendChild(el("title", {}, `${label} ${k}: ${fmt(v)}`));
      svg.appendChild(rect);
    });
    svg.appendChild(el("text", { x: i * slot + slot / 2, y: h - 4, "text-anchor": "middle" }, label));
  });
  svg.appendChild(el("text", { x: 4, y: 11 }, fmt(max)));
}

function showMembers(members, self) {
  const body = $("members");
  body.replaceChildren(...members.map(m => {
    const row = document.createElement("tr");
    row.className = "member";
    const cells = [m.address + (m.address === self ? " (this node)" : ""), m.unreachable ? "unreachable" : m.status, fmt(m.shards), m.roles.join(", ")];
    cells.forEach((text, i) => {
      const td = document.createElement("td");
      td.textContent = text;
      if (i === 1) td.className = m.unreachable ? "unreachable" : "status-" + m.status;
      row.appendChild(td);
    });
    return row;
  }));
}

function showOutcomes(outcomes) {
  const groups = {};
  for (const [key, n] of Object.entries(outcomes)) {
    const [outcome, type] = key.split("/");
    (groups[type] ||= {})[outcome] = n;
  }
  barChart($("outcomes-chart"), groups, ["approved", "flagged", "declined", "rejected", "conflict"], k => COLORS[k]);
}

function showWindows(windows) {
  const hourly = {};
  const types = new Set();
  for (const p of windows.hourly) {
    const hour = new Date(p.start).toISOString().slice(5, 13).replace("T", " ") + "h";
    const type = p.key.slice("type:".length).split("/")[0];
    types.add(type);
    (hourly[hour] ||= {})[type] = ((hourly[hour] || {})[type] || 0) + p.count;
  }
  const typeList = TYPES.filter(t => types.has(t));
  const hours = Object.keys(hourly).sort().slice(-12);
  barChart($("hourly-chart"), Object.fromEntries(hours.map(h => [h.slice(6), hourly[h]])), typeList, t => SERIES[TYPES.indexOf(t) % SERIES.length]);
  $("hourly-legend").replaceChildren(...typeList.map(t => {
    const s = document.createElement("span");
    s.textContent = t;
    s.style.color = SERIES[TYPES.indexOf(t) % SERIES.length];
    return s;
  }));
  const sliding = {};
  for (const p of windows.sliding) sliding[p.start] = (sliding[p.start] || 0) + p.count;
  const starts = Object.keys(sliding).sort();
  const svg = $("sliding-chart");
  clear(svg);
  const max = Math.max(1, ...Object.values(sliding));
  const pts = starts.map((s, i) => `${starts.length < 2 ? 0 : i / (starts.length - 1) * 400},${178 - sliding[s] / max * 160}`).join(" ");
  svg.appendChild(el("text", { x: 4, y: 11 }, fmt(max)));
  if (pts) svg.appendChild(el("polyline", { points: pts, fill: "none", stroke: SERIES[0], "stroke-width": 2, "vector-effect": "non-scaling-stroke" }));
}

function showAlerts(alerts) {
  $("alerts").replaceChildren(...alerts.map(a => {
    const li = document.createElement("li");
    const flagged = a.status === "Flagged";
    li.className = "alert " + (flagged ? "flag" : "decline");
    li.textContent = `${flagged ? "⚑ flagged" : "✖ declined"} ${a.type} ${money(a.amountMinor)} ${a.currency} — ${a.accountId} (${a.transactionId}) — ${a.rules.join(", ")}`;
    return li;
  }));
}

function push(history, value) {
  history.push(value);
  if (history.length > HISTORY) history.shift();
}

const quantiles = l => l ? [l.p50, l.p95, l.p99] : [null, null, null];

function showLatency(prefix, l) {
  for (const q of ["p50", "p95", "p99"]) $(prefix + q).textContent = l ? fmt(Math.round(l[q] * 10) / 10) : "–";
}

function show(s) {
  $("self").textContent = s.self + (s.leader === s.self ? " · leader" : "");
  const c = s.cluster;
  push(throughput, s.throughput);
  push(latency, quantiles(s.latency));
  push(clusterThroughput, c.throughput);
  push(clusterLatency, quantiles(c.latency));
  $("throughput").textContent = fmt(s.throughput);
  $("decided").textContent = fmt(s.totals.decided);
  showLatency("", s.latency);
  // The cluster's figures cover the Up nodes that answered within a second; the count says how many that was.
  $("cluster-nodes").textContent = `${c.answered} of ${c.members} nodes`;
  $("cluster-nodes").className = c.answered < c.members ? "partial" : "";
  $("cluster-throughput").textContent = fmt(c.throughput);
  $("cluster-decided").textContent = fmt(c.decided);
  showLatency("cluster-", c.latency);
  lineChart($("throughput-chart"), [throughput, clusterThroughput], [SERIES[0], SERIES[5]], [false, true]);
  const colors = ["#38bdf8", "#f59e0b", "#ef4444"];
  lineChart($("latency-chart"), [0, 1, 2].map(i => latency.map(l => l[i])).concat([0, 1, 2].map(i => clusterLatency.map(l => l[i]))),
    colors.concat(colors), [false, false, false, true, true, true]);
  showMembers(s.members, s.self);
  const t = s.totals;
  for (const [id, v] of [["ingest-read", t.ingestRead], ["ingest-accepted", t.ingestAccepted], ["ingest-rejected", t.ingestRejected],
    ["ingest-duplicates", t.ingestDuplicates], ["dead-letters", t.deadLetters], ["in-flight", t.inFlight], ["throttled", t.throttled]]) {
    $(id).textContent = fmt(v);
  }
  $("alerts-raised").textContent = `${fmt(t.alertsRaised)} raised by this node`;
  showOutcomes(t.outcomes);
  if (s.windows) showWindows(s.windows);
  if (s.alerts) showAlerts(s.alerts);
}

function connect() {
  const source = new EventSource("/dashboard/events");
  source.addEventListener("snapshot", e => {
    $("connection").textContent = "live";
    $("connection").className = "badge live";
    show(JSON.parse(e.data));
  });
  source.onerror = () => {
    $("connection").textContent = "reconnecting…";
    $("connection").className = "badge";
  };
}

// A secured node: the event stream needs the read role, and EventSource cannot send a bearer header. The page
// exchanges a key for an HttpOnly session cookie (POST /dashboard/session with the key in the Authorization
// header) and then connects; the cookie is sent with the stream by the browser, never seen by this script.
async function start() {
  const state = await (await fetch("/dashboard/session", { credentials: "same-origin" })).json();
  if (!state.secured || state.signedIn) {
    connect();
    return;
  }
  $("connection").textContent = "signed out";
  const form = $("login");
  form.hidden = false;
  form.addEventListener("submit", async e => {
    e.preventDefault();
    $("login-error").textContent = "";
    const response = await fetch("/dashboard/session", {
      method: "POST",
      credentials: "same-origin",
      headers: { Authorization: "Bearer " + $("login-key").value.trim() },
    });
    $("login-key").value = "";
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      $("login-error").textContent = body.reason || `refused (${response.status})`;
      return;
    }
    form.hidden = true;
    connect();
  });
}

start();
