// What changed between two stages' service maps: the nodes and edges the
// later stage added and the ones it no longer has. A node is the same node
// in both maps when its type and name are (references differ between two
// answers, and each entry point has a client of its own, which count as
// one); an edge when both its ends are.
import { typeInfo } from "./types.js";

export const nodeIdentity = (n) => n.type + "\u0000" + n.name;
export const edgeIdentity = (e) => nodeIdentity(e.from) + "\u0001" + nodeIdentity(e.to);

// uniqueBy keeps the first item of each identity.
function uniqueBy(items, id) {
  const seen = new Map();
  for (const item of items) if (!seen.has(id(item))) seen.set(id(item), item);
  return [...seen.values()];
}

// inFlowOrder sorts nodes as a request meets them (the map's columns),
// edges by the node they start from; names break ties.
const rankOf = (n) => (typeInfo(n.type).rank === null ? 5 : typeInfo(n.type).rank);
const byFlow = (a, b) => rankOf(a) - rankOf(b) || a.name.localeCompare(b.name);
const inFlowOrder = (items) => items.sort((a, b) => (a.from ? byFlow(a.from, b.from) || byFlow(a.to, b.to) : byFlow(a, b)));

// diffGraphs compares graph `before` (stage A) with `after` (stage B),
// both from buildGraph: added are B's nodes A lacks, removed A's nodes B
// lacks (each identity once), likewise addedEdges and removedEdges; mark(x)
// tells any node or edge of either graph "added", "removed" or "same".
export function diffGraphs(before, after) {
  const ids = (graph, id, list) => new Set(graph[list].map(id));
  const beforeNodes = ids(before, nodeIdentity, "nodes"), afterNodes = ids(after, nodeIdentity, "nodes");
  const beforeEdges = ids(before, edgeIdentity, "edges"), afterEdges = ids(after, edgeIdentity, "edges");
  const marks = new Map();
  const markAll = (items, id, other, changed) => {
    for (const x of items) marks.set(x, other.has(id(x)) ? "same" : changed);
    return inFlowOrder(uniqueBy(items.filter((x) => !other.has(id(x))), id));
  };
  return {
    added: markAll(after.nodes, nodeIdentity, beforeNodes, "added"),
    removed: markAll(before.nodes, nodeIdentity, afterNodes, "removed"),
    addedEdges: markAll(after.edges, edgeIdentity, beforeEdges, "added"),
    removedEdges: markAll(before.edges, edgeIdentity, afterEdges, "removed"),
    mark: (x) => marks.get(x) || "same",
  };
}

const nodeText = (n) => (n.type === "client" ? "Client" : n.name + " (" + typeInfo(n.type).label + ")");

// describeDiff says in a sentence what stage b changed over stage a.
export function describeDiff(diff, a, b) {
  const parts = [];
  if (diff.added.length) parts.push("adds " + diff.added.map(nodeText).join(", "));
  if (diff.removed.length) parts.push("no longer has " + diff.removed.map(nodeText).join(", "));
  if (!parts.length) {
    const edges = diff.addedEdges.length + diff.removedEdges.length;
    return "Stage " + b + " has the nodes of stage " + a + (edges ? "; " + edges + " connection" + (edges === 1 ? "" : "s") + " changed." : ", connected alike.");
  }
  return "Stage " + b + " " + parts.join("; it ") + ", compared with stage " + a + ".";
}
