// The traces the list, its latency chart and the overview show: the
// answer's summaries on the stage asked for, narrowed to the selected node
// or edge, then to the latency range dragged across the chart.
import { onStage } from "./stages.js";
import { narrowed, narrowedToEdge } from "./summaries.js";
import { withinLatency } from "./latency.js";
import { rangeParams, describeRange } from "./timerange.js";

// scopeList: p {all, stage, nodeWanted, node, edgeWanted, edge, latency}
// gives {staged (on the stage), inScope (narrowed to the node or edge: what
// the latency chart draws), list (within the latency range: the rows),
// scoped, name, type, unsupported (as narrowed tells)}.
export function scopeList({ all, stage, nodeWanted, node, edgeWanted, edge, latency }) {
  const staged = onStage(all, stage);
  const n = edgeWanted ? narrowedToEdge(staged, edgeWanted, edge) : narrowed(staged, nodeWanted, node);
  return { ...n, staged, inScope: n.list, list: withinLatency(n.list, latency) };
}

// scopeKey names the stage and time range asked for, as the address bar
// writes them ("stage=2&range=5m"; "" for every trace): the data-scope of
// the map and the list say which scope their content answers.
export function scopeKey(stage, range) {
  const p = new URLSearchParams(rangeParams(range));
  if (stage) p.set("stage", String(stage));
  return p.toString();
}

// describeScope says which traces the page shows, to finish "No traces…",
// e.g. "at stage 2 in the last 5 minutes"; "" for every trace.
export function describeScope(stage, range, clock) {
  return [stage ? "at stage " + stage : "", describeRange(range, clock)].filter(Boolean).join(" ");
}
