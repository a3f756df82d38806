// The service map's model: nodes and edges of a GetServiceGraph body, with
// their counts and response-time histograms.
import { num } from "./format.js";
import { counts, addCounts, noCounts } from "./counts.js";

// histogramOf reads an X-Ray histogram ([{Value, Count}]) as {value, count}.
export function histogramOf(list) {
  return (Array.isArray(list) ? list : [])
    .map((b) => ({ value: num(b && b.Value), count: num(b && b.Count) }))
    .filter((b) => b.count > 0 && b.value >= 0);
}

export function mergeHistograms(lists) {
  const merged = new Map();
  for (const list of lists) for (const b of list) merged.set(b.value, (merged.get(b.value) || 0) + b.count);
  return [...merged.entries()].map(([value, count]) => ({ value, count })).sort((a, b) => a.value - b.value);
}

// buildGraph turns a GetServiceGraph body into nodes and edges. A node's
// key is unique: names are not (a Lambda service and its function share
// one, and each entry point has its own client).
export function buildGraph(body) {
  const services = body && Array.isArray(body.Services) ? body.Services : [];
  const byRef = new Map();
  const nodes = [];
  for (const svc of services) {
    if (!svc || typeof svc !== "object") continue;
    const type = String(svc.Type || "unknown");
    const name = String(svc.Name || (Array.isArray(svc.Names) && svc.Names[0]) || (type === "client" ? "client" : "unnamed"));
    const node = {
      ref: svc.ReferenceId, name, type, key: type + "\u0000" + name + "\u0000" + svc.ReferenceId, root: !!svc.Root,
      counts: svc.SummaryStatistics ? counts(svc.SummaryStatistics) : null,
      histogram: histogramOf(svc.ResponseTimeHistogram && svc.ResponseTimeHistogram.length ? svc.ResponseTimeHistogram : svc.DurationHistogram),
      out: [], in: [],
    };
    nodes.push(node);
    byRef.set(svc.ReferenceId, node);
  }
  const edges = [];
  for (const svc of services) {
    const from = byRef.get(svc && svc.ReferenceId);
    if (!from) continue;
    for (const e of Array.isArray(svc.Edges) ? svc.Edges : []) {
      const to = byRef.get(e && e.ReferenceId);
      if (!to || to === from) continue;
      const edge = { from, to, key: from.name + "->" + to.name, counts: counts(e.SummaryStatistics), histogram: histogramOf(e.ResponseTimeHistogram) };
      edges.push(edge);
      from.out.push(edge);
      to.in.push(edge);
    }
  }
  // Nodes without statistics of their own (clients) count what their
  // edges carry; so does their histogram.
  for (const node of nodes) {
    if (!node.counts) {
      node.counts = node.out.reduce((acc, e) => addCounts(acc, e.counts), noCounts());
      if (!node.histogram.length) node.histogram = mergeHistograms(node.out.map((e) => e.histogram));
    }
  }
  return { nodes, edges };
}

// pickNode finds the node a selection ({name, type, ref}) means: the one
// clicked (ref) when it is still there, else, among nodes sharing the name,
// the one in the rightmost column (a Lambda function over its service).
export function pickNode(graph, lay, wanted) {
  if (!wanted || !graph) return null;
  const { name, type } = wanted;
  const matches = graph.nodes.filter((n) => n.name === name && (!type || n.type === type));
  if (!matches.length) return null;
  if (matches.length === 1) return matches[0];
  const clicked = matches.find((n) => wanted.ref !== undefined && n.ref === wanted.ref);
  if (clicked) return clicked;
  const column = (n) => (lay && lay.pos.get(n) ? lay.pos.get(n).column : 0);
  return matches.slice().sort((a, b) => column(b) - column(a))[0];
}

// pickEdge finds the edge a selection ({from, to}, each {name, type})
// means: the first edge between nodes of those names and types.
export function pickEdge(graph, wanted) {
  if (!wanted || !graph) return null;
  const is = (node, end) => node.name === end.name && (!end.type || node.type === end.type);
  return graph.edges.find((e) => is(e.from, wanted.from) && is(e.to, wanted.to)) || null;
}
