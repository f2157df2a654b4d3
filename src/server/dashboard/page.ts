/**
 * The dashboard page: one HTML document with its style and script inline, so that it works
 * offline and asks nothing of any other host (the route's Content-Security-Policy says so too).
 *
 * @module
 */
import { PAGE_SCRIPT } from "./page_script.ts";
import { PAGE_STYLE } from "./page_style.ts";

const chart = (id: string, title: string) =>
  `<section><h2>${title}</h2><svg class="chart" id="${id}-chart" role="img" aria-label="${title}"></svg>` +
  `<div class="legend" id="${id}-legend"></div></section>`;

/** The whole page. */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>workloom</title>
<style>${PAGE_STYLE}</style>
</head>
<body>
<header>
  <h1>workloom</h1>
  <span id="status">loading…</span>
  <span id="updated" class="muted"></span>
  <form id="token-form" autocomplete="off">
    <label for="token-input">Token</label>
    <input id="token-input" type="password" name="token" autocomplete="off">
    <button type="submit">Connect</button>
  </form>
</header>
<main>
  <section class="wide"><div class="stats" id="stats"></div></section>
  ${chart("workers", "Workers by state")}
  ${chart("queue", "Queue depth")}
  ${chart("throughput", "Throughput")}
  ${chart("run", "Run time p50 / p99 per task (last 60 s)")}
  <section><h2>Controller decisions</h2>
    <ol id="decisions"><li class="muted">No decision yet.</li></ol></section>
  <section><h2>SLA</h2><div id="sla" class="muted">–</div></section>
  <section class="wide"><h2>Nodes</h2>
    <table><thead><tr><th>node</th><th>runtime</th><th>workers</th><th>jobs in flight</th>
    <th>last heartbeat</th></tr></thead><tbody id="nodes"></tbody></table></section>
  <section class="wide"><h2>Schedules</h2>
    <table><thead><tr><th>id</th><th>task</th><th>when</th><th>next</th><th>last run</th></tr>
    </thead><tbody id="schedules"></tbody></table>
    <p id="schedules-empty" class="muted">No schedule (POST /schedules).</p></section>
  <section class="wide"><h2>Recent jobs</h2>
    <table><thead><tr><th>id</th><th>task</th><th>status</th><th>progress</th><th>attempts</th>
    <th>submitted</th></tr></thead><tbody id="jobs"></tbody></table>
    <p id="jobs-empty" class="muted">No job submitted yet.</p></section>
</main>
<script>${PAGE_SCRIPT}</script>
</body>
</html>
`;
