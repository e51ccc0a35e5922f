/** A Gantt chart of calls per replica, and calls finished per second. */
import type { Bar, Throughput } from "../model/view-types.js";
import { s } from "./dom.js";

const ROW = 14;
const LABEL = 90;

export function timeline(bars: Bar[], width: number, now: number): SVGSVGElement {
  const lanes = [...new Set(bars.map((b) => b.lane))].sort((a, b) => a.localeCompare(b, undefined, { numeric: true }));
  const height = Math.max(1, lanes.length) * (ROW + 4) + 24;
  const svg = s("svg", { id: "timeline", class: "gantt", width, height, "data-bars": bars.length, "data-lanes": lanes.length });
  if (bars.length === 0) {
    svg.append(s("text", { x: 4, y: 16 }, "no calls yet"));
    return svg;
  }
  const t0 = Math.min(...bars.map((b) => b.start));
  const t1 = Math.max(now, ...bars.map((b) => b.end));
  const span = Math.max(1, t1 - t0);
  const x = (t: number): number => LABEL + ((width - LABEL - 8) * (t - t0)) / span;
  lanes.forEach((lane, i) => {
    const y = i * (ROW + 4) + 4;
    svg.append(s("text", { class: "lane-label", x: 4, y: y + ROW - 3 }, lane));
    svg.append(s("line", { class: "axis", x1: LABEL, x2: width - 8, y1: y + ROW + 1, y2: y + ROW + 1 }));
  });
  const row = new Map(lanes.map((l, i) => [l, i]));
  for (const b of bars) {
    const y = row.get(b.lane)! * (ROW + 4) + 4;
    const r = s("rect", {
      x: x(b.start).toFixed(1),
      y,
      width: Math.max(1, x(b.end) - x(b.start)).toFixed(1),
      height: ROW,
      "data-lane": b.lane,
      "data-step": b.step,
      "data-state": b.state,
    });
    r.append(s("title", {}, `${b.step} #${b.callId} on ${b.lane}: ${Math.round(b.end - b.start)} ms (${b.state})`));
    svg.append(r);
  }
  svg.append(s("text", { x: LABEL, y: height - 6 }, "0 s"), s("text", { x: width - 8, y: height - 6, "text-anchor": "end" }, `${(span / 1000).toFixed(1)} s`));
  return svg;
}

export function throughputChart(t: Throughput, width: number): SVGSVGElement {
  const height = 90;
  const perSecond = t.counts.map((c) => (c * 1000) / t.bucketMs);
  const max = Math.max(1, ...perSecond);
  const svg = s("svg", { id: "throughput", width, height, "data-buckets": t.counts.length, "data-total": t.counts.reduce((a, b) => a + b, 0) });
  const w = (width - 50) / Math.max(1, t.counts.length);
  perSecond.forEach((v, i) => {
    const bh = ((height - 24) * v) / max;
    const r = s("rect", {
      x: (50 + i * w).toFixed(1),
      y: (height - 16 - bh).toFixed(1),
      width: Math.max(1, w - 1).toFixed(1),
      height: bh.toFixed(1),
      "data-bucket": i,
      "data-count": t.counts[i],
    });
    r.append(s("title", {}, `${(i * t.bucketMs) / 1000} s: ${Math.round(v)} calls/s`));
    svg.append(r);
  });
  svg.append(s("text", { x: 0, y: 12 }, `${Math.round(max)}/s`), s("text", { x: 0, y: height - 4 }, "0"));
  svg.append(s("text", { x: width, y: height - 4, "text-anchor": "end" }, `${((t.counts.length * t.bucketMs) / 1000).toFixed(0)} s`));
  return svg;
}
