/** The page's styles (inlined in the HTML, live and report alike). */
export const PAGE_CSS = `
:root { --bg:#fff; --fg:#1d2330; --muted:#6b7280; --line:#d6dae1; --run:#2563eb; --done:#16a34a; --fail:#dc2626; --wait:#9ca3af; --cancel:#d97706; --held:#7c3aed; --retry:#ca8a04; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 16px; align-items: baseline; padding: 10px 16px; border-bottom: 1px solid var(--line); flex-wrap: wrap; }
header h1 { font-size: 16px; margin: 0; }
.status { font-weight: 600; text-transform: uppercase; font-size: 11px; padding: 2px 6px; border-radius: 3px; color: #fff; background: var(--wait); }
.status[data-status=running] { background: var(--run); } .status[data-status=finished] { background: var(--done); }
.status[data-status=failed] { background: var(--fail); } .status[data-status=cancelled], .status[data-status=interrupted] { background: var(--cancel); }
.totals span { margin-right: 12px; } .muted { color: var(--muted); }
main { display: grid; grid-template-columns: 220px minmax(0, 1fr); }
nav { border-right: 1px solid var(--line); padding: 8px; max-height: calc(100vh - 48px); overflow: auto; }
nav h2, section h2 { font-size: 12px; text-transform: uppercase; letter-spacing: .05em; color: var(--muted); margin: 8px 0; }
nav a { display: block; padding: 4px 6px; border-radius: 3px; color: inherit; text-decoration: none; font-size: 12px; }
nav a[aria-current=true] { background: #eef2ff; } nav a .status { font-size: 9px; }
.content { padding: 8px 16px; min-width: 0; }
section { margin-bottom: 16px; }
svg text { font: 12px ui-monospace, "DejaVu Sans Mono", monospace; fill: var(--fg); }
.node rect.box { fill: #f9fafb; stroke: var(--wait); stroke-width: 2; rx: 6; cursor: pointer; }
.node[data-state=running] rect.box { stroke: var(--run); fill: #eff6ff; } .node[data-state=done] rect.box { stroke: var(--done); fill: #f0fdf4; }
.node[data-state=failed] rect.box { stroke: var(--fail); fill: #fef2f2; } .node[data-state=cancelled] rect.box { stroke: var(--cancel); }
.node[data-kind=held] rect.box { stroke-width: 3; } .node[data-selected=true] rect.box { stroke-dasharray: 4 2; }
.node rect.bar { fill: var(--run); opacity: .25; } .node[data-state=done] rect.bar { fill: var(--done); }
.node .name { font-weight: bold; } .node .counters { fill: var(--muted); } .node .held { fill: var(--held); }
.sink rect { fill: #fff; stroke: var(--line); stroke-width: 1.5; }
path.edge { fill: none; stroke: #64748b; stroke-width: 1.5; } path.edge[data-feedback=true] { stroke: var(--held); stroke-dasharray: 6 4; }
.edge-label { fill: var(--held); font-size: 11px; }
table { border-collapse: collapse; width: 100%; font-size: 12px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
tr[data-state=failed] td { color: var(--fail); } tr.clickable { cursor: pointer; } tr.clickable:hover { background: #f3f4f6; }
.split { display: inline-flex; height: 8px; width: 120px; background: #eee; vertical-align: middle; }
.split i { display: block; height: 8px; } .split .q { background: var(--cancel); } .split .t { background: #64748b; } .split .w { background: var(--run); } .split .u { background: #cbd5e1; }
#failure { border: 1px solid var(--fail); border-radius: 4px; padding: 8px 12px; background: #fff7f7; }
#failure .error { white-space: pre-wrap; font-family: ui-monospace, monospace; color: var(--fail); }
pre.log { background: #0f172a; color: #e2e8f0; padding: 8px; overflow: auto; max-height: 320px; font-size: 12px; }
pre.log .after { color: #94a3b8; } pre.log .mark { border-top: 1px dashed #f87171; display: block; }
#failures li { cursor: pointer; color: var(--fail); } #failures li:hover { text-decoration: underline; }
.lane-label { font-size: 11px; } .gantt rect[data-state=done] { fill: var(--done); } .gantt rect[data-state=failed] { fill: var(--fail); }
.gantt rect[data-state=running] { fill: var(--run); } .gantt rect[data-state=held] { fill: var(--held); } .gantt rect[data-state=retrying] { fill: var(--retry); }
.gantt rect[data-state=cancelled] { fill: var(--cancel); } .axis { stroke: var(--line); } #throughput rect { fill: var(--run); }
.note { color: var(--muted); font-size: 12px; }
`;
