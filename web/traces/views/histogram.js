// A response-time histogram: bars of a round bin width, seconds on x,
// requests on y, the average as a dashed line. Split bars stack ok, error,
// throttle and fault. With onBrush, a drag across it (or Enter on a bar)
// selects a latency range, which is shaded.
import { s, el } from "./dom.js";
import { brushable } from "./brush.js";
import { fmtSeconds, fmtSecondsTick, plural } from "../model/format.js";
import { percentile, linear, unlinear } from "../model/scale.js";
import { OUTCOMES } from "../model/latency.js";

const W = 420, L = 34, RM = 12, T = 14, B = 32; // width and margins

// drawHistogram appends the chart of h (histogramBins, or splitHistogram
// for split bars) to container. o: {name (what it measures, for the
// label), entries ({value, count}: the percentiles), avg (seconds or
// null), height, range (the selected {from, to} or null), onBrush(v0, v1)
// (none: not selectable)}.
export function drawHistogram(container, h, o) {
  const H = o.height || 150;
  const x = linear(h.xMax, L, W - RM);
  const y = linear(h.maxCount, H - B, T);
  const split = h.bins.length > 0 && h.bins[0].ok !== undefined;
  const svg = s("svg", {
    viewBox: "0 0 " + W + " " + H, class: "histo" + (split ? " split" : ""), role: "group",
    "aria-label": "Response times of " + o.name + ": " + plural(h.total, "request") + " from " + fmtSeconds(h.minValue) + " to " + fmtSeconds(h.maxValue) +
      (o.onBrush ? ". Drag across the bars, or press Enter on one, to list only the traces in that range." : ""),
  });
  for (const n of h.yTicks) {
    svg.append(s("line", { x1: L, x2: W - RM, y1: y(n), y2: y(n), class: "grid" }));
    svg.append(s("text", { x: L - 6, y: y(n) + 3.5, class: "tick", "text-anchor": "end" }, String(n)));
  }
  for (const v of h.xTicks) {
    svg.append(s("line", { x1: x(v), x2: x(v), y1: H - B, y2: H - B + 4, class: "axis" }));
    svg.append(s("text", { x: x(v), y: H - B + 16, class: "tick", "text-anchor": "middle" }, fmtSecondsTick(v, h.axisStep)));
  }
  svg.append(s("line", { x1: L, x2: W - RM, y1: H - B, y2: H - B, class: "axis" }));
  svg.append(s("text", { x: W - RM, y: H - 2, class: "axis-title", "text-anchor": "end" }, "response time (seconds)"));
  const range = o.range;
  if (range) {
    const x0 = x(Math.min(range.from, h.xMax)), x1 = x(Math.min(range.to, h.xMax));
    svg.append(s("rect", { x: x0, y: T - 6, width: Math.max(2, x1 - x0), height: H - B - T + 6, class: "brush-selection" }));
  }
  const barW = Math.max(2, x(h.binWidth) - x(0) - 1);
  let labelled = -2; // a narrow bar next to a labelled one goes without: the digits would run together
  for (const bin of h.bins) {
    const label = barW >= 14 || bin.index > labelled + 1;
    if (label) labelled = bin.index;
    svg.append(bar(bin, { x, y, barW, H, split, range, label, onBrush: o.onBrush }));
  }
  if (o.avg !== null && o.avg !== undefined && o.avg <= h.xMax) {
    svg.append(s("line", { x1: x(o.avg), x2: x(o.avg), y1: T, y2: H - B, class: "avg-line" }));
  }
  if (o.onBrush) brushable(svg, { left: L, right: W - RM, top: T - 6, bottom: H - B, toValue: unlinear(h.xMax, L, W - RM), onBrush: o.onBrush });
  container.append(svg);
  const entries = o.entries || [];
  if (entries.length) {
    container.append(el("p", { class: "histo-caption muted" },
      (o.avg !== null && o.avg !== undefined ? "avg " + fmtSeconds(o.avg) + " (dashed) · " : "") + "p50 " + fmtSeconds(percentile(entries, 0.5)) +
      " · p90 " + fmtSeconds(percentile(entries, 0.9)) + " · max " + fmtSeconds(h.maxValue) + " · bins of " + fmtSeconds(h.binWidth)));
  }
  return svg;
}

// bar draws one bin: a <g> with the bin's hooks, one rect, or one per
// outcome stacked ok at the bottom to fault at the top.
function bar(bin, { x, y, barW, H, split, range, label, onBrush }) {
  const outside = range && !(bin.from >= range.from - 1e-9 && bin.to <= range.to + 1e-9);
  const what = split ? OUTCOMES.filter((k) => bin[k]).map((k) => bin[k] + " " + k).join(", ") : plural(bin.count, "request");
  const g = s("g", {
    class: "bin" + (outside ? " outside" : ""), "data-bin-start": +bin.from.toFixed(6), "data-bin-end": +bin.to.toFixed(6), "data-count": bin.count,
    "data-ok": split ? bin.ok : null, "data-errors": split ? bin.error : null, "data-throttles": split ? bin.throttle : null, "data-faults": split ? bin.fault : null,
    tabindex: onBrush ? 0 : null, role: onBrush ? "button" : null, "data-focus-key": onBrush ? "bin:" + bin.from.toFixed(6) : null,
    "aria-label": onBrush ? what + " between " + fmtSeconds(bin.from) + " and " + fmtSeconds(bin.to) : null,
  }, s("title", null, what + " between " + fmtSeconds(bin.from) + " and " + fmtSeconds(bin.to)));
  const left = x(bin.from) + 0.5;
  if (split) {
    let below = 0;
    for (const k of OUTCOMES) {
      if (!bin[k]) continue;
      g.append(s("rect", { x: left, y: y(below + bin[k]), width: barW, height: y(below) - y(below + bin[k]), class: "bar " + k }));
      below += bin[k];
    }
  } else {
    g.append(s("rect", { x: left, y: y(bin.count), width: barW, height: H - B - y(bin.count), class: "bar" }));
  }
  if (label) g.append(s("text", { x: left + barW / 2, y: y(bin.count) - 3, class: "bar-label", "text-anchor": "middle" }, String(bin.count)));
  if (onBrush) {
    // The keyboard's way to brush: Enter or Space selects the bar's bin.
    g.addEventListener("keydown", (event) => {
      if (event.key !== "Enter" && event.key !== " ") return;
      event.preventDefault();
      const mid = (bin.from + bin.to) / 2;
      onBrush(mid, mid);
    });
  }
  return g;
}
