// The fields the segment detail lists for one timeline item, in order.
import { fmtMs, fmtClock, statusClass } from "./format.js";
import { isSegment, itemEnd } from "./trace.js";

// The AWS fields that say most about a call come first.
const AWS_FIRST = ["operation", "table_name", "function_name", "topic_arn", "queue_url", "region", "retries", "request_id"];

// flattenFields turns nested objects into dotted keys; arrays become one
// comma-separated value.
export function flattenFields(obj, prefix = "") {
  const out = {};
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix ? prefix + "." + k : k;
    if (v && typeof v === "object" && !Array.isArray(v)) Object.assign(out, flattenFields(v, key));
    else if (Array.isArray(v)) out[key] = v.map((x) => (x && typeof x === "object" ? JSON.stringify(x) : String(x))).join(", ");
    else out[key] = v === null ? "null" : String(v);
  }
  return out;
}

const objectOr = (v) => (v && typeof v === "object" ? v : {});

// segmentFields lists {key, label, value, cls} for item; fields without a
// value are left out. key is the data-field hook of browser tests.
export function segmentFields(item, trace) {
  const out = [];
  const field = (key, label, value, cls) => {
    if (value === null || value === undefined || value === "") return;
    out.push({ key, label, value: String(value), cls: cls || null });
  };
  const doc = item.doc;
  const clock = fmtClock(item.start);
  field("duration", "Duration", fmtMs((itemEnd(item) - item.start) * 1000) + (item.inProgress ? " (in progress)" : ""));
  field("start", "Starts at", "+" + fmtMs((item.start - trace.start) * 1000) + " · " + clock.main + clock.ms);
  const http = objectOr(doc.http);
  const req = objectOr(http.request);
  const resp = objectOr(http.response);
  field("http.status", "HTTP status", resp.status, "status-text " + statusClass(Number(resp.status)));
  if (req.method || req.url) field("http.request", "Request", [req.method, req.url].filter(Boolean).join(" "));
  field("http.content_length", "Response length", resp.content_length !== undefined ? resp.content_length + " bytes" : null);
  field("http.client_ip", "Client IP", req.client_ip);
  field("http.user_agent", "User agent", req.user_agent);
  const aws = flattenFields(objectOr(doc.aws));
  const rank = (k) => (AWS_FIRST.indexOf(k) < 0 ? 99 : AWS_FIRST.indexOf(k));
  for (const k of Object.keys(aws).sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))) field("aws." + k, "aws." + k, aws[k]);
  field("origin", "Origin", doc.origin);
  field("namespace", "Namespace", doc.namespace);
  field("id", isSegment(item) ? "Segment ID" : "Subsegment ID", item.id);
  field("parent_id", "Parent ID", item.parentId);
  if (doc.annotations && typeof doc.annotations === "object") {
    const ann = flattenFields(doc.annotations);
    for (const k of Object.keys(ann).sort()) field("annotations." + k, "annotation " + k, ann[k]);
  }
  return out;
}
