// The selected timeline bar in full: its exceptions (or where its failure
// comes from), its fields, metadata and raw document.
import { el } from "./dom.js";
import { plural } from "../model/format.js";
import { exceptionsOf, itemHealth, itemSummary } from "../model/trace.js";
import { segmentFields } from "../model/fields.js";

// drawSegmentDetail fills detail for item; onSelect(id) jumps to another.
export function drawSegmentDetail(detail, trace, item, onSelect) {
  if (!item) return;
  const doc = item.doc;
  const h = itemHealth(item);
  detail.dataset.segmentId = item.id;
  detail.append(el("div", { class: "detail-head" },
    el("h3", null, item.name),
    el("span", { class: "flag " + h }, h),
    el("span", { class: "muted" }, itemSummary(item))));

  const exceptions = exceptionsOf(item, trace);
  if (exceptions.length) {
    detail.append(el("div", { class: "exceptions" }, exceptions.map((ex) => exceptionBox(ex, h))));
  } else if (item.fault || item.error || item.throttle) {
    // A failure with no exception of its own was passed up from a child.
    const failedChild = item.children.find((c) => c.fault || c.error || c.throttle);
    if (failedChild) {
      const jump = el("button", { type: "button", class: "small", "data-focus-key": "jump:" + failedChild.id }, failedChild.name);
      jump.addEventListener("click", () => onSelect(failedChild.id));
      detail.append(el("p", { class: "propagated" }, "The " + h + " comes from ", jump, "."));
    }
  }

  detail.append(el("dl", { class: "fields" }, segmentFields(item, trace).flatMap((f) =>
    [el("dt", null, f.label), el("dd", { "data-field": f.key, class: f.cls }, f.value)])));
  if (doc.metadata && typeof doc.metadata === "object") {
    detail.append(el("details", null, el("summary", null, "Metadata"), el("pre", null, JSON.stringify(doc.metadata, null, 2))));
  }
  const raw = Object.assign({}, doc);
  if (Array.isArray(raw.subsegments)) raw.subsegments = "[" + plural(raw.subsegments.length, "subsegment") + ", shown as their own rows]";
  detail.append(el("details", { class: "raw" }, el("summary", null, "Raw document"), el("pre", null, JSON.stringify(raw, null, 2))));
}

function exceptionBox(ex, h) {
  const box = el("div", { class: "exception " + h });
  box.append(el("p", { class: "exception-message", "data-exception-message": "" }, String(ex.message || "(no message)")));
  const meta = el("p", { class: "exception-meta" });
  if (ex.type) meta.append(el("code", { "data-exception-type": "" }, String(ex.type)));
  if (ex.remote) meta.append(el("span", { class: "flag partial" }, "remote"));
  if (ex.referencedFrom) meta.append(el("span", { class: "muted" }, " recorded on " + ex.referencedFrom.name));
  if (ex.id) meta.append(el("span", { class: "muted" }, " exception " + String(ex.id)));
  box.append(meta);
  const stack = Array.isArray(ex.stack) ? ex.stack.filter((f) => f && typeof f === "object") : [];
  if (stack.length) {
    const frames = el("ol", { class: "stack" }, stack.map((f) =>
      el("li", null, el("span", { class: "frame-label" }, String(f.label || "?")), el("span", { class: "muted" }, " " + String(f.path || "") + (f.line ? ":" + f.line : "")))));
    box.append(el("details", null, el("summary", null, "Stack (" + plural(stack.length, "frame") + ")"), frames));
  }
  return box;
}
