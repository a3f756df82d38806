// The open trace: its headline, one bar per segment and subsegment on a
// millisecond axis, and the detail of the selected bar.
import { $, s, el, cleared, activate, focusKey, restoreFocus, arrowFocus, memo } from "./dom.js";
import { drawSegmentDetail } from "./segment.js";
import { fmtClock, fmtMs, fmtSeconds, fmtTick, pathOf, plural, statusClass, truncate } from "../model/format.js";
import { timeAxis } from "../model/scale.js";
import { httpStatusOf, isSegment, itemEnd, itemHealth, itemSummary, traceRoot } from "../model/trace.js";

const PLACEHOLDER = "Select a trace to see its timeline. A faulted trace opens at the segment that failed.";

// timelineView: onSelect(id) selects a segment.
export function timelineView(onSelect) {
  const draw = memo((p, width) => drawView(p, width, onSelect));
  // p: {traceId, trace, traceText, traceFor, traceError, segment (the
  // selected item), summary (the open trace's, for its partial flag)}
  return (p) => {
    const width = Math.max(520, Math.floor($("timeline").clientWidth || 640));
    draw([p.traceId, p.traceText, p.traceError, p.segment ? p.segment.id : "", width, p.traceFor === p.traceId].join("|"), p, width);
  };
}

function drawView({ traceId, trace, traceFor, traceError, segment, summary }, width, onSelect) {
  const keep = focusKey();
  const [box, meta, detail] = cleared("timeline", "trace-meta", "segment-detail");
  if (!traceId) {
    box.append(el("p", { class: "placeholder muted" }, PLACEHOLDER));
    return;
  }
  if (traceError) {
    box.append(el("p", { class: "placeholder error-text" }, traceError));
    return;
  }
  if (!trace || traceFor !== traceId) {
    box.append(el("p", { class: "placeholder muted" }, "Loading trace " + traceId + "…"));
    return;
  }
  meta.append(...headline(trace, summary));
  if (!trace.rows.length) {
    box.append(el("p", { class: "placeholder muted" }, "This trace has no segments."));
    return;
  }
  box.append(bars(trace, segment, width, onSelect));
  drawSegmentDetail(detail, trace, segment, onSelect);
  for (const p of trace.problems) box.append(el("p", { class: "error-text small-text" }, p));
  restoreFocus(keep, box);
}

// headline: request, status, duration, start and id of the trace.
function headline(trace, summary) {
  const root = traceRoot(trace);
  const req = root && root.doc.http && root.doc.http.request ? root.doc.http.request : null;
  const status = root ? httpStatusOf(root.doc) : null;
  const parts = [];
  if (req && (req.method || req.url)) {
    parts.push(el("span", { class: "method" }, String(req.method || "")), " " + pathOf(req.url || "") + " ");
  } else if (root) {
    parts.push(root.name + " ");
  }
  if (status) parts.push(el("span", { class: "status " + statusClass(status) }, String(status)), " ");
  parts.push(el("span", null, "· " + fmtSeconds(trace.duration || trace.end - trace.start) + " · " + fmtClock(trace.start).main + " · "));
  parts.push(el("code", { class: "trace-id-text", title: "Trace ID" }, trace.id));
  if (trace.incomplete) parts.push(el("span", { class: "flag partial" }, "in progress"));
  if (trace.limitExceeded) parts.push(el("span", { class: "flag partial" }, "limit exceeded"));
  if (summary && summary.IsPartial) parts.push(el("span", { class: "flag partial" }, "partial"));
  return parts;
}

const ROW = 34, AXIS = 24, PAD_BOTTOM = 4, INDENT = 13;

function bars(trace, selected, width, onSelect) {
  const labelW = Math.min(330, Math.max(210, Math.round(width * 0.42)));
  const axis = timeAxis((trace.end - trace.start) * 1000, labelW + 14, width - 66);
  const x1 = width - 66;
  const height = AXIS + trace.rows.length * ROW + PAD_BOTTOM;
  const svg = s("svg", {
    viewBox: "0 0 " + width + " " + height, width, height, class: "timeline-svg", role: "group",
    "aria-label": "Timeline of trace " + trace.id + ": " + plural(trace.rows.length, "segment") + " over " + fmtMs(axis.span),
  });
  // Ticks in milliseconds from the start of the trace, grid lines across the rows.
  const grid = s("g", { class: "time-axis", "aria-hidden": "true" });
  axis.ticks.forEach((ms, i) => {
    const x = axis.x(ms);
    grid.append(s("line", { x1: x, x2: x, y1: AXIS - 5, y2: height - PAD_BOTTOM, class: "grid" }));
    grid.append(s("text", { x, y: AXIS - 9, class: "tick", "text-anchor": i === 0 ? "start" : "middle" }, fmtTick(ms, axis.step)));
  });
  grid.append(s("line", { x1: x1, x2: x1, y1: AXIS - 5, y2: height - PAD_BOTTOM, class: "grid end" }));
  grid.append(s("text", { x: 8, y: AXIS - 9, class: "axis-title" }, "segment"));
  svg.append(grid);
  trace.rows.forEach((item, i) => svg.append(bar(item, AXIS + i * ROW, selected === item, { trace, axis, labelW, width }, onSelect)));
  return svg;
}

function bar(item, y, isSelected, { trace, axis, labelW, width }, onSelect) {
  const h = itemHealth(item);
  const startMs = (item.start - trace.start) * 1000;
  const durMs = Math.max(0, (itemEnd(item) - item.start) * 1000);
  const status = httpStatusOf(item.doc);
  const summary = itemSummary(item);
  const g = s("g", {
    class: "seg health-" + h + (isSelected ? " selected" : "") + (isSegment(item) ? " top" : ""), tabindex: 0, role: "button",
    "aria-pressed": isSelected ? "true" : "false",
    "aria-label": item.name + " (" + summary + "), " + fmtMs(durMs) + " starting at " + fmtMs(startMs) + (h !== "ok" ? ", " + h : "") + (status ? ", HTTP " + status : ""),
    "data-segment-id": item.id, "data-segment-name": item.name, "data-depth": item.depth,
    "data-parent-id": item.parentId || "", "data-fault": item.fault ? "true" : "false",
    "data-error": item.error ? "true" : "false", "data-throttle": item.throttle ? "true" : "false",
    "data-focus-key": "seg:" + item.id,
  });
  g.append(s("title", null, item.name + "\n" + summary + "\nstarts at +" + fmtMs(startMs) + ", takes " + fmtMs(durMs) + (item.inProgress ? " (in progress)" : "")));
  g.append(s("rect", { x: 0, y, width, height: ROW, class: "row-bg" }));
  const indent = 10 + item.depth * INDENT;
  if (item.depth > 0) {
    g.append(s("path", { d: "M" + (indent - 9) + "," + (y + 5) + " v9 h6", class: "tree-line" }));
  }
  const tag = status ? String(status) : h !== "ok" ? h : "";
  const room = labelW - indent - (tag ? 40 : 6);
  g.append(s("text", { x: indent, y: y + 15, class: "seg-name" + (isSegment(item) ? " top" : "") }, truncate(item.name, Math.max(6, Math.floor(room / 7)))));
  g.append(s("text", { x: indent, y: y + 28, class: "seg-kind" }, truncate(summary, Math.max(6, Math.floor(room / 5.6)))));
  if (tag) g.append(s("text", { x: labelW, y: y + 15, class: "seg-status " + (status ? statusClass(status) : h), "text-anchor": "end" }, tag));
  const bx = axis.x(startMs);
  const bw = Math.max(2, axis.x(startMs + durMs) - bx);
  g.append(s("rect", { x: bx, y: y + 8, width: bw, height: ROW - 16, rx: 2, class: "bar" + (item.inProgress ? " in-progress" : "") }));
  const text = fmtMs(durMs) + (item.inProgress ? " …" : "");
  const after = bx + bw + 5;
  // The duration goes after the bar, or before it when the bar ends too far right.
  g.append(s("text", after + 58 <= width ? { x: after, y: y + 21, class: "seg-duration" } : { x: bx - 5, y: y + 21, class: "seg-duration", "text-anchor": "end" }, text));
  activate(g, () => onSelect(item.id));
  g.addEventListener("keydown", (event) => arrowFocus(event, g, ".seg", null));
  return g;
}
