// The side panel: the selected node's or edge's counts and response-time
// histogram (X-Ray's own, from the service graph), or, with nothing
// selected, the overview of the listed traces and their root causes.
import { $, el, cleared, focusKey, restoreFocus, memo } from "./dom.js";
import { drawHistogram } from "./histogram.js";
import { brushing } from "./brush.js";
import { average } from "../model/counts.js";
import { fmtSeconds } from "../model/format.js";
import { histogramBins } from "../model/scale.js";
import { brushRange } from "../model/latency.js";
import { typeInfo } from "../model/types.js";
import { overviewCounts, causeGroups, causeFallback } from "../model/summaries.js";

const MAX_CAUSES = 6;

// panelView: onCause(group) opens the newest trace of a root cause group;
// onBrush(range) filters the traces by the selected node's or edge's own
// response time.
export function panelView(onCause, onBrush) {
  const draw = memo((p) => drawPanel(p, onCause, onBrush));
  // p: {node, edge, list, graphText, summariesText, loaded, filter, filterError, apiError, scopeText}
  return (p) => brushing($("histogram")) || draw([p.graphText, p.summariesText, p.node ? p.node.key : "", p.edge ? p.edge.from.key + ">" + p.edge.to.key : "",
    p.loaded, p.filter, p.filterError, !!p.apiError, p.scopeText, p.list.length].join("|"), p);
}

const nameOf = (n) => (n.type === "client" ? "Client" : n.name);

function drawPanel(p, onCause, onBrush) {
  const { node, edge } = p;
  const heading = $("node-heading");
  const keep = focusKey();
  const [body, histo] = cleared("node-body", "histogram");
  const clear = $("clear-node");
  clear.hidden = !node && !edge;
  if (edge) {
    heading.textContent = nameOf(edge.from) + " → " + nameOf(edge.to);
    clear.textContent = "Show all services";
    body.append(el("p", { class: "node-kind muted" }, "Edge · " + typeInfo(edge.from.type).label + " calling " + typeInfo(edge.to.type).label));
    body.append(countTiles(edge.counts));
    graphHistogram(histo, edge.histogram, average(edge.counts), "the edge " + nameOf(edge.from) + " → " + nameOf(edge.to), "edge", onBrush);
  } else if (node) {
    const info = typeInfo(node.type);
    heading.textContent = nameOf(node);
    body.append(el("p", { class: "node-kind muted" }, info.label + (info.label !== node.type ? " · " + node.type : "")));
    body.append(countTiles(node.counts));
    graphHistogram(histo, node.histogram, average(node.counts), node.name, "node", onBrush);
  } else {
    heading.textContent = "Overview";
    drawOverview(body, p, onCause);
  }
  histo.dataset.of = edge ? "edge" : node ? "node" : "";
  restoreFocus(keep, $("node-panel"));
}

function countTiles(c) {
  return statList([
    ["Requests", c.total], ["OK", c.ok, "ok"], ["Errors 4xx", c.error, c.error ? "error" : ""],
    ["Throttles", c.throttle, c.throttle ? "throttle" : ""], ["Faults 5xx", c.fault, c.fault ? "fault" : ""],
    ["Average", fmtSeconds(average(c))],
  ]);
}

// graphHistogram: the response times the service graph holds for a node
// or an edge; a drag across it filters the traces by them.
function graphHistogram(box, entries, avg, name, kind, onBrush) {
  box.append(el("h3", null, "Response time distribution"));
  if (!entries.length) {
    box.append(el("p", { class: "muted" }, "No response times recorded for this " + kind + "."));
    return;
  }
  const h = histogramBins(entries);
  drawHistogram(box, h, { name, entries, avg, onBrush: (v0, v1) => onBrush(brushRange(h, v0, v1)) });
  box.append(el("p", { class: "muted small-text" }, "Drag across the bars to filter the traces by this " + kind + "'s own response time. " +
    "The service graph does not tell which of these requests failed; the chart over the trace list splits the traces by outcome."));
}

// statList: a <dl> of [label, value, class] tiles.
function statList(stats) {
  return el("dl", { class: "stats" }, stats.map(([label, value, cls]) =>
    el("div", { class: "stat " + (cls || "") }, el("dt", null, label), el("dd", null, String(value)))));
}

// drawOverview: the triage summary when no node is selected.
function drawOverview(body, { list, loaded, apiError, filter, filterError, scopeText }, onCause) {
  if (!loaded) {
    body.append(el("p", { class: "muted" }, apiError ? "Nothing to show until the trace API answers." : "Loading…"));
    return;
  }
  const o = overviewCounts(list);
  body.append(statList([
    ["Traces", o.traces], ["Faults", o.faults, o.faults ? "fault" : ""], ["Errors", o.errors, o.errors ? "error" : ""],
    ["Throttles", o.throttles, o.throttles ? "throttle" : ""], ["Slowest", list.length ? fmtSeconds(o.slowest) : "–"],
  ]), el("p", { class: "muted small-text" }, "Counts of the traces " + (filter ? "matching the filter" : "in the store") + (scopeText ? " " + scopeText : "") + "."));

  const groups = causeGroups(list);
  if (!groups.length) {
    body.append(el("p", { class: "muted" }, filterError ? "The filter was rejected; fix it to see the summary." : list.length ? "No fault or error root causes among these traces." : filter ? "No traces match the filter." : "No traces to summarise yet."));
    body.append(el("p", { class: "muted" }, "Select a node or an edge on the map to see its response-time distribution."));
    return;
  }
  body.append(el("h3", null, "Root causes"));
  const ul = el("ul", { class: "causes" });
  for (const g of groups.slice(0, MAX_CAUSES)) {
    const { cause } = g;
    const button = el("button", {
      type: "button", class: "cause " + g.kind, "data-focus-key": "cause:" + cause.service + cause.entity + cause.message,
      title: "Open the newest of these traces",
    },
    el("span", { class: "cause-count" }, "×" + g.count),
    el("span", { class: "cause-where" }, cause.service + (cause.entity && cause.entity !== cause.service ? " › " + cause.entity : "")),
    el("span", { class: "cause-message" }, (cause.exception ? cause.exception + ": " : "") + (cause.message || causeFallback(g))));
    button.addEventListener("click", () => onCause(g));
    ul.append(el("li", null, button));
  }
  body.append(ul);
}
