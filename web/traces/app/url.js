// The address bar as the page's deep link. The page keeps it up to date,
// so a copied address reopens the same view:
//   filter=EXPR     filter expression of the trace list (sent as filter=)
//   range=5m|15m|1h the last 5 minutes, 15 minutes or hour (relative to
//                   each refresh); start=EPOCH&end=EPOCH a custom range
//                   (epoch seconds); neither: every trace held
//   stage=1|2|3     only the traces that ran at that stage (map, charts, list)
//   compare=A,B     the compare view: stage A's map beside stage B's
//   node=NAME       selected map node; narrows the trace list to the traces
//                   through it. type=TYPE picks among nodes sharing a name
//                   (a Lambda service and its function); without type= the
//                   node furthest from the client (the function) is chosen.
//   edge=FROM->TO   selected map edge (by node names; instead of node=), with
//                   edgetypes=FROMTYPE->TOTYPE; narrows the list to the
//                   traces through both ends
//   latency=A-B     the latency range dragged across the list's chart
//                   (response time in seconds, [A, B))
//   select=TRACE_ID opened trace (its timeline)
//   segment=ID      selected segment or subsegment in that timeline (default:
//                   the deepest faulted one, else the root)
//   paused=1        start with the 2-second updates paused
import { rangeFromParams, rangeParams } from "../model/timerange.js";
import { parseStage, parsePair, pairText } from "../model/stages.js";
import { parseLatency, latencyText } from "../model/latency.js";

const ARROW = "->";

// splitPair cuts "A->B" at its arrow; null without one.
function splitPair(text) {
  const at = String(text || "").indexOf(ARROW);
  return at < 0 ? null : [text.slice(0, at), text.slice(at + ARROW.length)];
}

function readEdge(params) {
  const names = splitPair(params.get("edge"));
  if (!names || !names[0] || !names[1]) return null;
  const types = splitPair(params.get("edgetypes")) || ["", ""];
  return { from: { name: names[0], type: types[0] }, to: { name: names[1], type: types[1] } };
}

// readURL is the part of the page's state a query string sets.
export function readURL(search) {
  const params = new URLSearchParams(search);
  const edgeWanted = readEdge(params);
  return {
    filter: params.get("filter") || "",
    range: rangeFromParams(params),
    stage: parseStage(params.get("stage")),
    compare: parsePair(params.get("compare")),
    nodeWanted: !edgeWanted && params.get("node") ? { name: params.get("node"), type: params.get("type") || "" } : null,
    edgeWanted,
    latency: parseLatency(params.get("latency")),
    traceId: params.get("select") || "",
    segmentId: params.get("segment") || "",
    paused: params.get("paused") === "1",
  };
}

// queryOf is the query string of state; node and edge are the map node and
// edge the selection resolved to (their names and types win over what was
// asked for).
export function queryOf(state, node, edge) {
  const p = new URLSearchParams();
  if (state.filter) p.set("filter", state.filter);
  for (const [k, v] of rangeParams(state.range)) p.set(k, v);
  if (state.stage) p.set("stage", String(state.stage));
  if (state.compare) p.set("compare", pairText(state.compare));
  if (state.nodeWanted) {
    p.set("node", node ? node.name : state.nodeWanted.name);
    const type = node ? node.type : state.nodeWanted.type;
    if (type) p.set("type", type);
  }
  if (state.edgeWanted) {
    const { from, to } = edge || state.edgeWanted;
    p.set("edge", from.name + ARROW + to.name);
    if (from.type || to.type) p.set("edgetypes", from.type + ARROW + to.type);
  }
  if (state.latency) p.set("latency", latencyText(state.latency));
  if (state.traceId) p.set("select", state.traceId);
  if (state.traceId && state.segmentId) p.set("segment", state.segmentId);
  if (state.paused) p.set("paused", "1");
  return p.toString();
}
