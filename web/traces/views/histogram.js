// A node's response-time distribution: bars of a round bin width, seconds
// on x, requests on y, the average as a dashed line.
import { s, el } from "./dom.js";
import { fmtSeconds, fmtSecondsTick, plural } from "../model/format.js";
import { histogramBins, percentile, linear } from "../model/scale.js";

const W = 420, H = 150, L = 34, RM = 12, T = 14, B = 32; // size and margins

export function drawHistogram(container, histogram, avg, name) {
  container.append(el("h3", null, "Response time distribution"));
  if (!histogram.length) {
    container.append(el("p", { class: "muted" }, "No response times recorded for this node."));
    return;
  }
  const h = histogramBins(histogram);
  const x = linear(h.xMax, L, W - RM);
  const y = linear(h.maxCount, H - B, T);
  const svg = s("svg", {
    viewBox: "0 0 " + W + " " + H, class: "histo", role: "img",
    "aria-label": "Response times of " + name + ": " + plural(h.total, "request") + " from " + fmtSeconds(h.minValue) + " to " + fmtSeconds(h.maxValue),
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
  const barW = Math.max(2, x(h.binWidth) - x(0) - 1);
  for (const bin of h.bins) {
    svg.append(s("rect", {
      x: x(bin.from) + 0.5, y: y(bin.count), width: barW, height: H - B - y(bin.count), class: "bar",
      "data-bin-start": +bin.from.toFixed(6), "data-bin-end": +bin.to.toFixed(6), "data-count": bin.count,
    }, s("title", null, plural(bin.count, "request") + " between " + fmtSeconds(bin.from) + " and " + fmtSeconds(bin.to))));
    svg.append(s("text", { x: x(bin.from) + barW / 2 + 0.5, y: y(bin.count) - 3, class: "bar-label", "text-anchor": "middle" }, String(bin.count)));
  }
  if (avg !== null && avg <= h.xMax) {
    svg.append(s("line", { x1: x(avg), x2: x(avg), y1: T, y2: H - B, class: "avg-line" }));
  }
  container.append(svg);
  container.append(el("p", { class: "histo-caption muted" },
    (avg !== null ? "avg " + fmtSeconds(avg) + " (dashed) · " : "") + "p50 " + fmtSeconds(percentile(histogram, 0.5)) +
    " · p90 " + fmtSeconds(percentile(histogram, 0.9)) + " · max " + fmtSeconds(h.maxValue) + " · bins of " + fmtSeconds(h.binWidth)));
}
