// One trace's model: its segment documents (a BatchGetTraces entry) nested
// into rows for the timeline, and what the page reads off a document.
import { num } from "./format.js";
import { typeInfo } from "./types.js";

// buildTrace parses every segment document and nests them: subsegments sent
// on their own and downstream segments name their parent in parent_id,
// subsegments sent inside their parent are in `subsegments`. Documents are
// untrusted: a bad one is reported in problems, not thrown.
export function buildTrace(trace) {
  const items = new Map();
  const order = [];
  const problems = [];
  let counter = 0;
  function visit(doc, container, top) {
    if (!doc || typeof doc !== "object") return;
    const id = typeof doc.id === "string" && doc.id ? doc.id : "anonymous-" + ++counter;
    const item = {
      id, doc, top, children: [],
      name: String(doc.name || "(unnamed)"),
      parentId: top ? (typeof doc.parent_id === "string" ? doc.parent_id : "") : container.id,
      start: num(doc.start_time),
      end: doc.end_time !== undefined ? num(doc.end_time) : null,
      inProgress: !!doc.in_progress || doc.end_time === undefined,
      fault: doc.fault === true, error: doc.error === true, throttle: doc.throttle === true,
    };
    const existing = items.get(id);
    if (existing) {
      // The same document sent twice (in progress, then closed): keep the closed one.
      if (!existing.inProgress || item.inProgress) return;
      order.splice(order.indexOf(existing), 1);
    }
    items.set(id, item);
    order.push(item);
    for (const sub of Array.isArray(doc.subsegments) ? doc.subsegments : []) visit(sub, item, false);
  }
  for (const seg of Array.isArray(trace.Segments) ? trace.Segments : []) {
    let doc;
    try {
      doc = typeof seg.Document === "string" ? JSON.parse(seg.Document) : seg.Document;
    } catch (err) {
      problems.push("segment " + (seg && seg.Id) + ": the document is not JSON (" + err.message + ")");
      continue;
    }
    visit(doc, null, true);
  }
  const roots = [];
  for (const item of order) {
    const parent = item.parentId ? items.get(item.parentId) : null;
    if (parent && parent !== item) parent.children.push(item);
    else roots.push(item);
  }
  const byStart = (a, b) => a.start - b.start || (a.top === b.top ? 0 : a.top ? -1 : 1);
  // Flatten depth first; a parent_id cycle leaves items unvisited, which
  // then show as roots.
  const rows = [];
  const seen = new Set();
  function flatten(item, depth) {
    if (seen.has(item)) return;
    seen.add(item);
    item.depth = depth;
    rows.push(item);
    item.children.sort(byStart);
    for (const child of item.children) flatten(child, depth + 1);
  }
  roots.sort(byStart);
  for (const root of roots) flatten(root, 0);
  for (const item of order) if (!seen.has(item)) flatten(item, 0);

  let start = Infinity, end = -Infinity;
  for (const item of rows) {
    if (item.start > 0) start = Math.min(start, item.start);
    end = Math.max(end, item.end !== null ? item.end : item.start);
  }
  if (!Number.isFinite(start)) start = 0;
  if (!Number.isFinite(end) || end < start) end = start;
  // An open item is drawn up to the end of the trace.
  for (const item of rows) if (item.inProgress) item.drawEnd = end;
  return {
    id: String(trace.Id || ""), rows, items, start, end, problems,
    duration: trace.Duration !== undefined ? num(trace.Duration) : end - start,
    incomplete: rows.some((r) => r.inProgress) || !rows.some((r) => r.top && !r.parentId),
    limitExceeded: !!trace.LimitExceeded,
  };
}

// traceIn finds trace id in a BatchGetTraces body; missing says why it is
// not there.
export function traceIn(body, id) {
  const traces = Array.isArray(body.Traces) ? body.Traces : [];
  const found = traces.find((t) => t && t.Id === id) || (traces.length === 1 && !traces[0].Id ? traces[0] : null);
  if (found) return { found };
  const unprocessed = Array.isArray(body.UnprocessedTraceIds) && body.UnprocessedTraceIds.includes(id);
  return {
    missing: unprocessed
      ? "The store does not hold trace " + id + " (it may have been dropped, or not finished yet)."
      : "Trace " + id + " is not in the answer.",
  };
}

// itemEnd is when an item ends, or is drawn to end while in progress.
export const itemEnd = (item) => (item.end !== null ? item.end : item.drawEnd);

// selectedItem is the item the timeline opens on: the one asked for when
// the trace holds it, else the root cause.
export function selectedItem(trace, id) {
  return (id ? trace.items.get(id) : null) || rootCauseOf(trace);
}

// rootCauseOf picks the segment to show first: the deepest faulted one
// (a fault none of whose children faulted), else the deepest throttle or
// error, else the root. Among several, one that recorded an exception.
export function rootCauseOf(trace) {
  for (const flag of ["fault", "throttle", "error"]) {
    const hit = trace.rows.filter((r) => r[flag] && !r.children.some((c) => c[flag]));
    if (hit.length) {
      const withCause = hit.find((r) => exceptionsOf(r, trace).length);
      return withCause || hit[hit.length - 1];
    }
  }
  return trace.rows[0] || null;
}

// exceptionsOf returns the exceptions recorded on a segment; a cause that is
// an exception id refers to an exception recorded on another item.
export function exceptionsOf(item, trace) {
  const cause = item.doc.cause;
  if (!cause) return [];
  if (typeof cause === "string") {
    for (const other of trace.rows) {
      const list = other.doc.cause && Array.isArray(other.doc.cause.exceptions) ? other.doc.cause.exceptions : [];
      const hit = list.find((e) => e && e.id === cause);
      if (hit) return [Object.assign({ referencedFrom: other }, hit)];
    }
    return [{ id: cause, message: "exception " + cause + " (recorded elsewhere)" }];
  }
  return Array.isArray(cause.exceptions) ? cause.exceptions.filter((e) => e && typeof e === "object") : [];
}

export function httpStatusOf(doc) {
  const status = doc && doc.http && doc.http.response && doc.http.response.status;
  return Number.isFinite(Number(status)) && status ? Number(status) : null;
}

export function itemHealth(item) {
  if (item.fault) return "fault";
  if (item.throttle) return "throttle";
  if (item.error) return "error";
  return "ok";
}

// A segment (not a subsegment sent on its own) stands for a service.
export function isSegment(item) {
  return item.top && item.doc.type !== "subsegment";
}

function itemKind(item) {
  const doc = item.doc;
  if (doc.origin) return typeInfo(doc.origin).label;
  if (doc.namespace === "aws") return "AWS call";
  if (doc.namespace === "remote") return "remote call";
  return isSegment(item) ? "segment" : "subsegment";
}

// itemSummary: the second line of a timeline row, e.g.
// "AWS call · PutItem · mysfits-questions-questions".
export function itemSummary(item) {
  const doc = item.doc;
  const aws = doc.aws && typeof doc.aws === "object" ? doc.aws : {};
  const parts = [itemKind(item)];
  if (aws.operation) parts.push(String(aws.operation));
  const target = aws.table_name || aws.function_name || (aws.topic_arn && String(aws.topic_arn).split(":").pop()) || (aws.queue_url && String(aws.queue_url).split("/").pop());
  if (target && target !== item.name) parts.push(String(target));
  if (!doc.origin && !doc.namespace && doc.http && doc.http.request && doc.http.request.url) parts.push(String(doc.http.request.url));
  return parts.join(" · ");
}

// traceRoot is the row that stands for the whole trace: the first segment
// without a parent (the entry point), else the first row.
export function traceRoot(trace) {
  return trace.rows.find((r) => r.top && !r.parentId) || trace.rows[0];
}
