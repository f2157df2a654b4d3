/**
 * The dashboard page's CSS: inline, so the page needs nothing from anywhere else.
 *
 * @module
 */

/** The page's style sheet. */
export const PAGE_STYLE = `
:root { color-scheme: light dark; --bg: #f6f7f9; --card: #fff; --fg: #1d2330; --muted: #6b7280;
  --line: #e3e6eb; --ok: #1a7f37; --bad: #cf222e; --warn: #b7791f; --accent: #3b6fd8; }
@media (prefers-color-scheme: dark) { :root { --bg: #14171c; --card: #1d2128; --fg: #e6e8eb;
  --muted: #9aa3ae; --line: #2c323b; } }
* { box-sizing: border-box; }
body { margin: 0; font: 14px/1.4 system-ui, sans-serif; background: var(--bg); color: var(--fg); }
header { display: flex; align-items: baseline; gap: 16px; padding: 12px 20px;
  border-bottom: 1px solid var(--line); background: var(--card); }
header h1 { font-size: 18px; margin: 0; }
#status { color: var(--muted); }
#status.live::before { content: "●"; color: var(--ok); margin-right: 4px; }
main { display: grid; grid-template-columns: repeat(auto-fill, minmax(380px, 1fr)); gap: 14px;
  padding: 14px 20px; }
section { background: var(--card); border: 1px solid var(--line); border-radius: 8px;
  padding: 10px 14px; min-width: 0; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 13px; margin: 0 0 6px; color: var(--muted); font-weight: 600;
  text-transform: uppercase; letter-spacing: .04em; }
svg.chart { width: 100%; height: 140px; display: block; }
svg.chart text { font-size: 10px; fill: var(--muted); }
.legend { display: flex; flex-wrap: wrap; gap: 10px; font-size: 12px; color: var(--muted); }
.legend i { display: inline-block; width: 10px; height: 3px; margin-right: 4px;
  vertical-align: middle; }
.stats { display: grid; grid-template-columns: repeat(auto-fill, minmax(110px, 1fr)); gap: 8px; }
.stat b { display: block; font-size: 20px; font-variant-numeric: tabular-nums; }
.stat span { color: var(--muted); font-size: 12px; }
table { width: 100%; border-collapse: collapse; font-size: 13px; }
th, td { text-align: left; padding: 4px 6px; border-bottom: 1px solid var(--line);
  white-space: nowrap; overflow: hidden; text-overflow: ellipsis; max-width: 320px; }
th { color: var(--muted); font-weight: 600; }
.badge { padding: 1px 7px; border-radius: 9px; font-size: 12px; background: var(--line); }
.badge.succeeded, .badge.met { background: #d6f0dc; color: var(--ok); }
.badge.failed, .badge.cancelled, .badge.violated { background: #fbe0e2; color: var(--bad); }
.badge.running { background: #dde7fb; color: var(--accent); }
.badge.warning { background: #fbefd5; color: var(--warn); }
.bar { display: inline-block; width: 80px; height: 8px; background: var(--line); border-radius: 4px;
  vertical-align: middle; margin-right: 6px; overflow: hidden; }
.bar > span { display: block; height: 100%; background: var(--accent); }
ol#decisions { margin: 0; padding-left: 18px; font-size: 13px; }
ol#decisions li { margin: 3px 0; }
ol#decisions .kind { font-weight: 600; }
.muted { color: var(--muted); }
form#token-form { display: none; gap: 8px; align-items: center; }
form#token-form.shown { display: flex; }
input { font: inherit; padding: 4px 8px; border: 1px solid var(--line); border-radius: 6px;
  background: var(--bg); color: var(--fg); }
button { font: inherit; padding: 4px 12px; border-radius: 6px; border: 1px solid var(--accent);
  background: var(--accent); color: #fff; cursor: pointer; }
`;
