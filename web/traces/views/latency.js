// The trace list's latency chart: the response times of the traces in
// scope, each bar split into ok, error, throttle and fault; a drag across
// it (or Enter on a bar) narrows the list to that range, as the X-Ray
// console's response-time distribution does.
import { $, el, cleared, memo, focusKey, restoreFocus } from "./dom.js";
import { drawHistogram } from "./histogram.js";
import { brushing } from "./brush.js";
import { splitHistogram, brushRange, describeLatency, OUTCOMES } from "../model/latency.js";
import { responseTime, outcomeOf } from "../model/summaries.js";
import { plural } from "../model/format.js";

// latencyView: onRange(range or null) selects a latency range or drops it.
export function latencyView(onRange) {
  const draw = memo((p) => drawLatency(p, onRange));
  // p: {inScope (the traces before the latency range), list (after it), range}
  return (p) => {
    if (brushing($("latency"))) return;
    // What is charted: each trace's id, response time and outcome.
    const charted = p.inScope.map((t) => t.Id + " " + responseTime(t) + " " + outcomeOf(t)).join(",");
    draw([charted, p.list.length, JSON.stringify(p.range)].join("|"), p);
  };
}

function drawLatency(p, onRange) {
  const keep = focusKey();
  const [box, chip] = cleared("latency", "latency-scope");
  const h = splitHistogram(p.inScope);
  box.hidden = !h;
  chip.hidden = !p.range;
  if (p.range) {
    chip.append(el("span", null, "Only traces with " + describeLatency(p.range) + ": "), el("strong", null, p.list.length + " of " + plural(p.inScope.length, "trace")));
    const clear = el("button", { type: "button", class: "small", id: "clear-latency", "data-focus-key": "latency-clear" }, "Show all response times");
    clear.addEventListener("click", () => onRange(null));
    chip.append(clear);
  }
  if (!h) return;
  const totals = Object.fromEntries(OUTCOMES.map((k) => [k, p.inScope.filter((t) => outcomeOf(t) === k).length]));
  box.append(el("div", { class: "latency-head" },
    el("h3", null, "Response time"),
    el("ul", { class: "legend", "aria-label": "Outcomes of the traces charted" }, OUTCOMES.filter((k) => totals[k] || k === "ok" || k === "fault").map((k) =>
      el("li", { "data-outcome": k, "data-count": totals[k] }, el("span", { class: "swatch-bar " + k }), totals[k] + " " + k)))));
  const entries = p.inScope.map((t) => ({ value: Math.max(0, responseTime(t)), count: 1 }));
  drawHistogram(box, h, {
    name: "the " + plural(p.inScope.length, "trace") + " in the list", entries, height: 120, range: p.range,
    onBrush: (v0, v1) => onRange(brushRange(h, v0, v1)),
  });
  restoreFocus(keep, box.parentNode);
}
