// Where the service map draws things: node positions, edge curves, labels.
import { typeInfo } from "./types.js";

const COL_W = 200, ROW_H = 132, LEFT = 112, TOP = 56;

// layout places nodes in columns by depth from the client: known types keep
// their natural column (client, API Gateway, Lambda service, function,
// downstream resource), every edge goes at least one column to the right,
// empty columns close up. Within a column nodes sit level with their
// callers where they can and never closer than one row.
export function layout(graph) {
  const { nodes, edges } = graph;
  const rank = new Map();
  for (const n of nodes) {
    let r = typeInfo(n.type).rank;
    if (r === null) r = n.out.length ? 0 : 4;
    rank.set(n, r);
  }
  // Longest-path relaxation; bounded so a cycle cannot loop forever.
  for (let i = 0; i < nodes.length; i++) {
    let changed = false;
    for (const e of edges) {
      if (rank.get(e.to) < rank.get(e.from) + 1 && !reaches(e.to, e.from)) {
        rank.set(e.to, rank.get(e.from) + 1);
        changed = true;
      }
    }
    if (!changed) break;
  }
  const used = [...new Set(rank.values())].sort((a, b) => a - b);
  const columns = used.map(() => []);
  for (const n of nodes) columns[used.indexOf(rank.get(n))].push(n);

  const pos = new Map();
  columns.forEach((col, ci) => {
    const x = LEFT + ci * COL_W;
    // Order: by the mean row of the callers already placed, nodes without
    // callers last, names as tie-break.
    const desired = new Map();
    for (const n of col) {
      const ys = n.in.map((e) => pos.get(e.from)).filter(Boolean).map((p) => p.y);
      desired.set(n, ys.length ? ys.reduce((a, b) => a + b, 0) / ys.length : null);
    }
    col.sort((a, b) => {
      const da = desired.get(a), db = desired.get(b);
      if (da !== null && db !== null && da !== db) return da - db;
      if ((da === null) !== (db === null)) return da === null ? 1 : -1;
      // Busiest first (the API's chain above a stream-triggered one), then by name.
      return b.counts.total - a.counts.total || a.name.localeCompare(b.name) || a.type.localeCompare(b.type);
    });
    const ys = [];
    let prev = null;
    for (const n of col) {
      const want = desired.get(n);
      let y = want === null ? (prev === null ? TOP : prev + ROW_H) : want;
      if (prev !== null && y < prev + ROW_H) y = prev + ROW_H;
      ys.push(y);
      prev = y;
    }
    // Centre the column on its callers (a uniform shift keeps the spacing).
    const placed = col.map((n, i) => [desired.get(n), ys[i]]).filter(([d]) => d !== null);
    if (placed.length) {
      const shift = placed.reduce((a, [d, y]) => a + d - y, 0) / placed.length;
      for (let i = 0; i < ys.length; i++) ys[i] += shift;
    }
    col.forEach((n, i) => pos.set(n, { x, y: ys[i], column: ci }));
  });
  // Shifts may have moved nodes above TOP or left a gap: move the whole
  // drawing so its top node is at TOP.
  let minY = Infinity, maxY = -Infinity;
  for (const p of pos.values()) { minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y); }
  if (!Number.isFinite(minY)) { minY = TOP; maxY = TOP; }
  for (const p of pos.values()) p.y += TOP - minY;
  const width = LEFT * 2 + Math.max(0, columns.length - 1) * COL_W;
  const height = TOP + (maxY - minY) + 86;
  return { pos, width, height, columns: columns.length, columnWidth: COL_W, rowHeight: ROW_H, margin: LEFT, top: TOP };
}

// reaches tells whether target is reachable from `from` (an edge from
// target to `from` would close a cycle).
function reaches(from, target) {
  const seen = new Set();
  const stack = [from];
  while (stack.length) {
    const n = stack.pop();
    if (n === target) return true;
    if (seen.has(n)) continue;
    seen.add(n);
    for (const e of n.out) stack.push(e.to);
  }
  return false;
}

// edgePath is the cubic Bézier of an edge between node centres a and b
// (radius r): rightwards between the rings, or a loop under the nodes for
// an edge within a column or backwards. The gaps leave room for the arrow.
export function edgePath(a, b, r) {
  let pts;
  if (b.x > a.x) {
    const x1 = a.x + r + 9, y1 = a.y, x2 = b.x - r - 11, y2 = b.y;
    const dx = Math.min((x2 - x1) / 2, 90);
    pts = [[x1, y1], [x1 + dx, y1], [x2 - dx, y2], [x2, y2]];
  } else {
    const x1 = a.x, y1 = a.y + r + 9, x2 = b.x, y2 = b.y + r + 11;
    const drop = Math.max(y1, y2) + 60;
    pts = [[x1, y1], [x1, drop], [x2, drop], [x2, y2]];
  }
  return { pts, d: "M" + pts[0] + " C" + pts[1] + " " + pts[2] + " " + pts[3] };
}

export function bezier(pts, t) {
  const u = 1 - t;
  const k = [u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t];
  return { x: k.reduce((a, c, i) => a + c * pts[i][0], 0), y: k.reduce((a, c, i) => a + c * pts[i][1], 0) };
}

const LABEL_H = 13;

// overlaps tells whether two {x, y, w, h} boxes share any area.
export const overlaps = (a, b) => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;

// placeLabels puts each edge label ({pts, width}: its curve and measured
// text width) at the first free spot along its curve, above then below the
// line, shortest edges first (they have the least room); with no free spot,
// at the middle. It returns {x, y (text baseline), box} per label, in the
// order given.
export function placeLabels(labels, obstacles) {
  const placed = obstacles.slice();
  const free = (box) => !placed.some((o) => overlaps(box, o));
  const span = (pts) => Math.hypot(pts[3][0] - pts[0][0], pts[3][1] - pts[0][1]);
  const order = labels.map((label, i) => i).sort((i, j) => span(labels[i].pts) - span(labels[j].pts));
  const out = new Array(labels.length);
  for (const i of order) {
    const { pts, width } = labels[i];
    const w = width + 6;
    let choice = null;
    for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
      const p = bezier(pts, t);
      for (const dy of [-6, 14]) {
        const box = { x: p.x - w / 2, y: p.y + dy - 10, w, h: LABEL_H };
        if (free(box)) {
          choice = { p, dy, box };
          break;
        }
      }
      if (choice) break;
    }
    if (!choice) {
      const p = bezier(pts, 0.5);
      choice = { p, dy: -6, box: { x: p.x - w / 2, y: p.y - 16, w, h: LABEL_H } };
    }
    out[i] = { x: choice.p.x, y: choice.p.y + choice.dy, box: choice.box };
    placed.push(choice.box);
  }
  return out;
}
