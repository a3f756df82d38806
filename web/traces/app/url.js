// The address bar as the page's deep link. The page keeps it up to date,
// so a copied address reopens the same view:
//   filter=EXPR     filter expression of the trace list (sent as filter=)
//   node=NAME       selected map node; narrows the trace list to the traces
//                   through it. type=TYPE picks among nodes sharing a name
//                   (a Lambda service and its function); without type= the
//                   node furthest from the client (the function) is chosen.
//   select=TRACE_ID opened trace (its timeline)
//   segment=ID      selected segment or subsegment in that timeline (default:
//                   the deepest faulted one, else the root)
//   paused=1        start with the 2-second updates paused

// readURL is the part of the page's state a query string sets.
export function readURL(search) {
  const params = new URLSearchParams(search);
  return {
    filter: params.get("filter") || "",
    nodeWanted: params.get("node") ? { name: params.get("node"), type: params.get("type") || "" } : null,
    traceId: params.get("select") || "",
    segmentId: params.get("segment") || "",
    paused: params.get("paused") === "1",
  };
}

// queryOf is the query string of state; node is the map node the selection
// resolved to (its name and type win over what was asked for).
export function queryOf(state, node) {
  const p = new URLSearchParams();
  if (state.filter) p.set("filter", state.filter);
  if (state.nodeWanted) {
    p.set("node", node ? node.name : state.nodeWanted.name);
    const type = node ? node.type : state.nodeWanted.type;
    if (type) p.set("type", type);
  }
  if (state.traceId) p.set("select", state.traceId);
  if (state.traceId && state.segmentId) p.set("segment", state.segmentId);
  if (state.paused) p.set("paused", "1");
  return p.toString();
}
