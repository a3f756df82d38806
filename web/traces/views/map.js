// The service map panel: the graph of the traces in scope (stage, time
// range), its nodes and edges selectable, or why there is none.
import { $, el, clear, focusKey, restoreFocus, memo } from "./dom.js";
import { drawGraph } from "./graph.js";

// mapView draws into #map-canvas; onSelect(node or null) toggles a node,
// onSelectEdge(edge or null) an edge.
export function mapView(onSelect, onSelectEdge) {
  const draw = memo((p) => drawMap($("map-canvas"), p, onSelect, onSelectEdge));
  // p: {graph, layout, graphText, selected, selectedEdge, loaded, apiError, scopeText}
  return (p) => draw([p.graphText, p.selected ? p.selected.key : "", p.selectedEdge ? p.selectedEdge.from.key + ">" + p.selectedEdge.to.key : "",
    p.loaded, !!p.apiError, p.scopeText].join("|"), p);
}

function drawMap(canvas, p, onSelect, onSelectEdge) {
  const keep = focusKey();
  clear(canvas);
  const { graph, loaded, apiError, scopeText } = p;
  if (!graph || !graph.nodes.length) {
    const text = !loaded ? (apiError ? "The service map appears once the trace API answers." : "Loading the service map…")
      : scopeText ? "No traces " + scopeText + "." : "The service map is empty.";
    canvas.append(el("p", { class: "placeholder muted" }, text));
    return;
  }
  drawGraph(canvas, { graph, layout: p.layout, id: "map", label: "Service map", selected: p.selected, selectedEdge: p.selectedEdge, onSelect, onSelectEdge });
  restoreFocus(keep, canvas);
}
