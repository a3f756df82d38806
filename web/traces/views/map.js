// The service map: one node per service with its health ring, one curve
// per edge with its request count and average.
import { $, s, el, clear, activate, focusKey, restoreFocus, memo } from "./dom.js";
import { health, average, describeCounts } from "../model/counts.js";
import { fmtSeconds, plural } from "../model/format.js";
import { typeInfo } from "../model/types.js";
import { edgePath, placeLabels } from "../model/layout.js";

const R = 30; // node radius
const RING_ORDER = ["ok", "error", "throttle", "fault"];

// mapView draws into #map-canvas; onSelect(node or null) toggles a node.
export function mapView(onSelect) {
  const draw = memo((p) => drawMap($("map-canvas"), p, onSelect));
  // p: {graph, layout, graphText, selected, loaded, apiError}
  return (p) => draw(p.graphText + "|" + (p.selected ? p.selected.key : "") + "|" + p.loaded + "|" + !!p.apiError, p);
}

function drawMap(canvas, { graph, layout: lay, selected, loaded, apiError }, onSelect) {
  const keep = focusKey();
  clear(canvas);
  if (!graph || !graph.nodes.length) {
    canvas.append(el("p", { class: "placeholder muted" }, loaded ? "The service map is empty." : apiError ? "The service map appears once the trace API answers." : "Loading the service map…"));
    return;
  }
  const svg = s("svg", {
    viewBox: "0 0 " + lay.width + " " + lay.height, class: "map", role: "group",
    "aria-label": "Service map: " + plural(graph.nodes.length, "node") + ", " + plural(graph.edges.length, "edge"),
    preserveAspectRatio: "xMidYMin meet",
  });
  svg.style.maxWidth = lay.width * 1.15 + "px";
  const defs = s("defs");
  for (const kind of ["ok", "error", "throttle", "fault", "none", "selected"]) {
    defs.append(s("marker", {
      id: "arrow-" + kind, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9,
      orient: "auto-start-reverse", markerUnits: "userSpaceOnUse",
    }, s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead " + kind })));
  }
  svg.append(defs);
  const edgeLayer = s("g", { class: "edges" });
  const labelLayer = s("g", { class: "edge-labels" });
  const nodeLayer = s("g", { class: "nodes" });
  svg.append(edgeLayer, labelLayer, nodeLayer);
  const labels = [];
  for (const edge of graph.edges) {
    const a = lay.pos.get(edge.from), b = lay.pos.get(edge.to);
    if (!a || !b) continue;
    const { g, label, pts } = edgeShape(edge, a, b, selected);
    edgeLayer.append(g);
    labelLayer.append(label);
    labels.push({ text: label, pts });
  }
  // Column by column, top to bottom: the order Tab walks them in.
  const inReadingOrder = graph.nodes.slice().sort((m, n) => {
    const pm = lay.pos.get(m), pn = lay.pos.get(n);
    return pm.column - pn.column || pm.y - pn.y;
  });
  const placedNodes = [];
  for (const node of inReadingOrder) {
    const g = nodeShape(node, lay.pos.get(node), selected === node);
    activate(g, () => onSelect(selected === node ? null : node));
    nodeLayer.append(g);
    placedNodes.push([node, g]);
  }
  canvas.append(svg);
  // Now that the text can be measured: fit names into their column and
  // put each edge label where it hides no node, name or other label.
  const obstacles = [];
  for (const [node, g] of placedNodes) {
    const p = lay.pos.get(node);
    // The first and last columns have the margin to spare on one side.
    const outer = p.column === 0 || p.column === lay.columns - 1;
    const texts = g.querySelectorAll(".node-name, .node-type");
    for (const text of texts) fitText(text, outer ? 2 * lay.margin - 12 : lay.columnWidth - 10);
    obstacles.push({ x: p.x - R - 10, y: p.y - R - 10, w: 2 * R + 20, h: 2 * R + 20 });
    for (const text of texts) {
      const box = text.getBBox();
      obstacles.push({ x: p.x + box.x - 2, y: p.y + box.y - 1, w: box.width + 4, h: box.height + 2 });
    }
  }
  const spots = placeLabels(labels.map((l) => ({ pts: l.pts, width: l.text.getComputedTextLength() })), obstacles);
  labels.forEach((l, i) => {
    l.text.setAttribute("x", spots[i].x.toFixed(1));
    l.text.setAttribute("y", spots[i].y.toFixed(1));
  });
  restoreFocus(keep, canvas);
}

function edgeShape(edge, a, b, selected) {
  const h = health(edge.counts);
  const touches = selected && (edge.from === selected || edge.to === selected);
  const { pts, d } = edgePath(a, b, R);
  const avg = average(edge.counts);
  const g = s("g", {
    class: "edge health-" + h + (touches ? " touches" : ""), "data-edge": edge.key,
    "data-from-type": edge.from.type, "data-to-type": edge.to.type,
    "data-requests": edge.counts.total, "data-health": h, "data-avg": avg === null ? "" : avg.toFixed(6),
  });
  g.append(
    s("title", null, edge.from.name + " → " + edge.to.name + ": " + describeCounts(edge.counts)),
    s("path", { d, class: "edge-line", "marker-end": "url(#arrow-" + (touches ? "selected" : h) + ")" })
  );
  const label = s("text", { class: "edge-label", "text-anchor": "middle", "aria-hidden": "true", "data-edge-label": edge.key },
    edge.counts.total + " req" + (avg === null ? "" : " · " + fmtSeconds(avg)));
  return { g, label, pts };
}

function nodeShape(node, p, isSelected) {
  const c = node.counts;
  const h = health(c);
  const info = typeInfo(node.type);
  const avg = average(c);
  const g = s("g", {
    class: "node health-" + h + (isSelected ? " selected" : ""), transform: "translate(" + p.x + "," + p.y + ")",
    tabindex: 0, role: "button", "aria-pressed": isSelected ? "true" : "false",
    "aria-label": node.name + ", " + info.label + ": " + describeCounts(c),
    "data-node": node.name, "data-type": node.type, "data-health": h,
    "data-requests": c.total, "data-ok": c.ok, "data-errors": c.error, "data-throttles": c.throttle, "data-faults": c.fault,
    "data-avg": avg === null ? "" : avg.toFixed(6), "data-focus-key": "node:" + node.key,
  });
  g.append(s("title", null, node.name + " (" + node.type + ")\n" + describeCounts(c)));
  g.append(s("circle", { r: R + 13, class: "hit" }));
  if (isSelected) g.append(s("circle", { r: R + 10, class: "selection-halo" }));
  g.append(...ring(c, R + 4));
  g.append(s("circle", { r: R - 1, class: "node-body" }));
  g.append(s("text", { y: -2, class: "node-avg", "text-anchor": "middle" }, avg === null ? "–" : fmtSeconds(avg)));
  g.append(s("text", { y: 13, class: "node-count", "text-anchor": "middle" }, c.total + " req"));
  // Type badge on the ring, top left.
  const badge = s("g", { class: "type-badge", transform: "translate(" + -(R - 2) + "," + -(R - 2) + ")" });
  if (node.type === "client") {
    badge.append(s("circle", { r: 11 }), s("circle", { cy: -3, r: 3.2, class: "glyph-shape" }),
      s("path", { d: "M-6,7 C-6,1 6,1 6,7 Z", class: "glyph-shape" }));
  } else {
    badge.append(s("circle", { r: 11 }), s("text", { y: 3.5, "text-anchor": "middle", class: "glyph" + (info.glyph.length > 2 ? " long" : "") }, info.glyph));
  }
  g.append(badge);
  g.append(s("text", { y: R + 22, class: "node-name", "text-anchor": "middle" }, node.type === "client" && node.name === "client" ? "Client" : node.name));
  g.append(s("text", { y: R + 37, class: "node-type", "text-anchor": "middle" }, info.label));
  return g;
}

// ring draws the health ring: one arc per class, proportional to its count.
function ring(c, radius) {
  const circumference = 2 * Math.PI * radius;
  const total = c.ok + c.error + c.throttle + c.fault;
  if (!total) return [s("circle", { r: radius, class: "ring ring-none" })];
  const arcs = [];
  let offset = 0;
  for (const kind of RING_ORDER) {
    const n = c[kind];
    if (!n) continue;
    const len = (n / total) * circumference;
    arcs.push(s("circle", {
      r: radius, class: "ring ring-" + kind, "data-ring": kind,
      "stroke-dasharray": len === circumference ? null : len + " " + (circumference - len),
      "stroke-dashoffset": -offset, transform: "rotate(-90)",
    }));
    offset += len;
  }
  return arcs;
}

// fitText shortens an SVG text with an ellipsis until it fits; the full
// text stays in a <title> for the tooltip.
function fitText(text, maxWidth) {
  const full = text.textContent;
  if (!(text.getComputedTextLength() > maxWidth)) return;
  let lo = 1, hi = full.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    text.textContent = full.slice(0, mid) + "…";
    if (text.getComputedTextLength() <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  text.textContent = full.slice(0, lo) + "…";
  text.append(s("title", null, full));
}
