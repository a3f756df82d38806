// The side panel: the selected node's counts and histogram, or, with no
// node selected, the overview of the listed traces and their root causes.
import { $, el, cleared, focusKey, restoreFocus, memo } from "./dom.js";
import { drawHistogram } from "./histogram.js";
import { average } from "../model/counts.js";
import { fmtSeconds } from "../model/format.js";
import { typeInfo } from "../model/types.js";
import { overviewCounts, causeGroups, causeFallback } from "../model/summaries.js";

const MAX_CAUSES = 6;

// panelView: onCause(group) opens the newest trace of a root cause group.
export function panelView(onCause) {
  const draw = memo((p) => drawPanel(p, onCause));
  // p: {node, list, graphText, summariesText, loaded, filter, filterError, apiError}
  return (p) => draw([p.graphText, p.summariesText, p.node ? p.node.key : "", p.loaded, p.filter, p.filterError, !!p.apiError].join("|"), p);
}

function drawPanel(p, onCause) {
  const { node } = p;
  const heading = $("node-heading");
  const keep = focusKey();
  const [body, histo] = cleared("node-body", "histogram");
  $("clear-node").hidden = !node;
  if (!node) {
    heading.textContent = "Overview";
    drawOverview(body, p, onCause);
  } else {
    const info = typeInfo(node.type);
    heading.textContent = node.type === "client" ? "Client" : node.name;
    const c = node.counts;
    body.append(el("p", { class: "node-kind muted" }, info.label + (info.label !== node.type ? " · " + node.type : "")));
    body.append(statList([
      ["Requests", c.total], ["OK", c.ok, "ok"], ["Errors 4xx", c.error, c.error ? "error" : ""],
      ["Throttles", c.throttle, c.throttle ? "throttle" : ""], ["Faults 5xx", c.fault, c.fault ? "fault" : ""],
      ["Average", fmtSeconds(average(c))],
    ]));
    drawHistogram(histo, node.histogram, average(c), node.name);
  }
  restoreFocus(keep, $("node-panel"));
}

// statList: a <dl> of [label, value, class] tiles.
function statList(stats) {
  return el("dl", { class: "stats" }, stats.map(([label, value, cls]) =>
    el("div", { class: "stat " + (cls || "") }, el("dt", null, label), el("dd", null, String(value)))));
}

// drawOverview: the triage summary when no node is selected.
function drawOverview(body, { list, loaded, apiError, filter, filterError }, onCause) {
  if (!loaded) {
    body.append(el("p", { class: "muted" }, apiError ? "Nothing to show until the trace API answers." : "Loading…"));
    return;
  }
  const o = overviewCounts(list);
  body.append(statList([
    ["Traces", o.traces], ["Faults", o.faults, o.faults ? "fault" : ""], ["Errors", o.errors, o.errors ? "error" : ""],
    ["Throttles", o.throttles, o.throttles ? "throttle" : ""], ["Slowest", list.length ? fmtSeconds(o.slowest) : "–"],
  ]), el("p", { class: "muted small-text" }, "Counts of the traces " + (filter ? "matching the filter" : "in the store") + "."));

  const groups = causeGroups(list);
  if (!groups.length) {
    body.append(el("p", { class: "muted" }, filterError ? "The filter was rejected; fix it to see the summary." : list.length ? "No fault or error root causes among these traces." : filter ? "No traces match the filter." : "No traces to summarise yet."));
    body.append(el("p", { class: "muted" }, "Select a node on the map to see its response-time distribution."));
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
