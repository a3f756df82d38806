// One service graph as SVG: a node per service with its health ring, a
// curve per edge with its request count and average. The main map and the
// compare view's two maps are drawn by it.
import { s, activate } from "./dom.js";
import { health, average, describeCounts } from "../model/counts.js";
import { fmtSeconds, plural } from "../model/format.js";
import { typeInfo } from "../model/types.js";
import { edgePath, placeLabels } from "../model/layout.js";

const R = 30; // node radius
const RING_ORDER = ["ok", "error", "throttle", "fault"];

// drawGraph appends the SVG of graph to host. o: {graph, layout, id (unique
// on the page: the arrowheads' ids start with it), label, selected (node),
// selectedEdge, onSelect(node), onSelectEdge(edge) (none: not selectable),
// mark(node or edge) ("added" | "removed" | "same", the compare view's),
// size ({width, height}: a drawing area larger than the layout's, so that
// maps side by side share one scale)}.
export function drawGraph(host, o) {
  const { graph, layout: lay, selected, selectedEdge } = o;
  const mark = o.mark || (() => "");
  const { width, height } = o.size || lay;
  const svg = s("svg", {
    viewBox: "0 0 " + width + " " + height, class: "map", role: "group",
    "aria-label": o.label + ": " + plural(graph.nodes.length, "node") + ", " + plural(graph.edges.length, "edge"),
    preserveAspectRatio: "xMidYMin meet",
  });
  svg.style.maxWidth = width * 1.15 + "px";
  const defs = s("defs");
  for (const kind of ["ok", "error", "throttle", "fault", "none", "selected"]) {
    defs.append(s("marker", {
      id: o.id + "-arrow-" + kind, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9,
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
    const { g, label, pts } = edgeShape(edge, a, b, { selected, isSelected: edge === selectedEdge, diff: mark(edge), id: o.id });
    if (o.onSelectEdge) activate(g, () => o.onSelectEdge(edge === selectedEdge ? null : edge));
    else stripButton(g);
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
    const g = nodeShape(node, lay.pos.get(node), selected === node, mark(node));
    if (o.onSelect) activate(g, () => o.onSelect(selected === node ? null : node));
    else stripButton(g);
    nodeLayer.append(g);
    placedNodes.push([node, g]);
  }
  host.append(svg);
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
  return svg;
}

// stripButton leaves a shape that cannot be selected out of the Tab order.
function stripButton(g) {
  for (const attr of ["tabindex", "role", "aria-pressed", "data-focus-key"]) g.removeAttribute(attr);
  g.classList.add("static");
}

function edgeShape(edge, a, b, { selected, isSelected, diff, id }) {
  const h = health(edge.counts);
  const touches = isSelected || (selected && (edge.from === selected || edge.to === selected));
  const { pts, d } = edgePath(a, b, R);
  const avg = average(edge.counts);
  const from = edge.from.type === "client" ? "Client" : edge.from.name;
  const g = s("g", {
    class: "edge health-" + h + (touches ? " touches" : "") + (isSelected ? " selected" : "") + (diff ? " diff-" + diff : ""),
    "data-edge": edge.key, "data-from-type": edge.from.type, "data-to-type": edge.to.type,
    "data-requests": edge.counts.total, "data-health": h, "data-avg": avg === null ? "" : avg.toFixed(6),
    "data-diff": diff || null,
    tabindex: 0, role: "button", "aria-pressed": isSelected ? "true" : "false",
    "aria-label": "Edge " + from + " → " + edge.to.name + ": " + describeCounts(edge.counts),
    "data-focus-key": "edge:" + edge.from.key + "\u0001" + edge.to.key,
  });
  g.append(
    s("title", null, from + " → " + edge.to.name + ": " + describeCounts(edge.counts) + (diff === "added" ? " (new at this stage)" : "")),
    s("path", { d, class: "edge-hit" }),
    s("path", { d, class: "edge-line", "marker-end": "url(#" + id + "-arrow-" + (touches ? "selected" : h) + ")" })
  );
  const label = s("text", { class: "edge-label" + (isSelected ? " selected" : ""), "text-anchor": "middle", "aria-hidden": "true", "data-edge-label": edge.key },
    edge.counts.total + " req" + (avg === null ? "" : " · " + fmtSeconds(avg)));
  return { g, label, pts };
}

function nodeShape(node, p, isSelected, diff) {
  const c = node.counts;
  const h = health(c);
  const info = typeInfo(node.type);
  const avg = average(c);
  const g = s("g", {
    class: "node health-" + h + (isSelected ? " selected" : "") + (diff ? " diff-" + diff : ""), transform: "translate(" + p.x + "," + p.y + ")",
    tabindex: 0, role: "button", "aria-pressed": isSelected ? "true" : "false",
    "aria-label": node.name + ", " + info.label + ": " + describeCounts(c) + (diff === "added" ? " (new at this stage)" : diff === "removed" ? " (gone at the other stage)" : ""),
    "data-node": node.name, "data-type": node.type, "data-health": h,
    "data-requests": c.total, "data-ok": c.ok, "data-errors": c.error, "data-throttles": c.throttle, "data-faults": c.fault,
    "data-avg": avg === null ? "" : avg.toFixed(6), "data-focus-key": "node:" + node.key, "data-diff": diff || null,
  });
  g.append(s("title", null, node.name + " (" + node.type + ")\n" + describeCounts(c)));
  g.append(s("circle", { r: R + 13, class: "hit" }));
  if (isSelected) g.append(s("circle", { r: R + 10, class: "selection-halo" }));
  if (diff === "added" || diff === "removed") g.append(s("circle", { r: R + 10, class: "diff-halo" }));
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
  if (diff === "added" || diff === "removed") {
    // The compare view's tag, top right: NEW or GONE.
    g.append(s("g", { class: "diff-tag", transform: "translate(" + (R - 4) + "," + -(R + 2) + ")" },
      s("rect", { x: -2, y: -9, width: 34, height: 13, rx: 6.5 }),
      s("text", { x: 15, y: 1, "text-anchor": "middle" }, diff === "added" ? "NEW" : "GONE")));
  }
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
