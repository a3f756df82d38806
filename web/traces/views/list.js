// The trace list: one row per trace, newest first, narrowed to the
// selected node or edge and to the latency range dragged across its chart,
// with its stage, status, flags, root cause and response time.
import { $, el, clear, focusKey, restoreFocus, arrowFocus, memo } from "./dom.js";
import { fmtClock, fmtSeconds, num, pathOf, plural, statusClass } from "../model/format.js";
import { typeInfo } from "../model/types.js";
import { newestFirst, responseTime, rootCauseText, slowThreshold } from "../model/summaries.js";
import { settingsOf, describeSettings } from "../model/stages.js";

const MAX_ROWS = 300;

// listView: onOpen(id) opens a trace, onClearNode() drops the node or
// edge scope.
export function listView(onOpen, onClearNode) {
  const draw = memo((p, shown) => drawList(p, shown, onOpen, onClearNode));
  // p: {scope (scopeList's), sig (what it was made of), filter, filterError, summariesText, summariesFilter, traceId, loaded, graphText, apiError, slow, scopeText}
  return (p) => {
    const shown = p.scope;
    // data-filter: the filter the listed rows answer, absent while a new
    // filter's rows are on their way (or the filter was rejected).
    const table = $("trace-list");
    if (p.loaded && !p.filterError && p.summariesText !== null && p.summariesFilter === p.filter) table.dataset.filter = p.filter;
    else delete table.dataset.filter;
    draw([p.sig, p.filter, p.filterError, p.traceId, p.loaded,
      (p.graphText || "").length, !!p.apiError, slowThreshold(p.slow), p.scopeText].join("|"), p, shown);
  };
}

function drawList(p, { staged: all, inScope, list, scoped, name, type, unsupported }, onOpen, onClearNode) {
  const { loaded, filter } = p;
  const sorted = newestFirst(list);
  const keep = focusKey();
  const rowsBody = $("trace-rows");
  const message = $("list-message");

  const scope = $("node-scope");
  clear(scope);
  if (scoped) {
    scope.append(el("span", null, "Only traces through "), el("strong", null, name), el("span", { class: "muted" }, " (" + (type ? typeInfo(type).label : "edge") + ") "));
    scope.append(el("button", { type: "button", class: "small", onclick: onClearNode, "data-focus-key": "scope-clear" }, "Show all"));
    scope.hidden = false;
  } else if (unsupported) {
    scope.append(el("span", { class: "muted" }, "These summaries do not list their services, so the list is not narrowed to the selected node."));
    scope.hidden = false;
  } else {
    scope.hidden = true;
  }
  $("trace-count").textContent = !loaded ? "" : sorted.length !== all.length ? sorted.length + " of " + plural(all.length, "trace") : plural(all.length, "trace");

  clear(rowsBody);
  const slow = slowThreshold(p.slow);
  for (const t of sorted.slice(0, MAX_ROWS)) rowsBody.append(traceRow(t, t.Id === p.traceId, slow, onOpen));
  message.hidden = true;
  if (!loaded) {
    message.textContent = p.apiError ? "No traces: the trace API did not answer." : "Loading traces…";
    message.hidden = false;
  } else if (p.filterError) {
    message.textContent = "Fix the filter expression to see traces.";
    message.hidden = false;
  } else if (!sorted.length) {
    clear(message);
    if (!all.length && !filter && p.scopeText) {
      message.append("No traces " + p.scopeText + ".");
    } else if (!all.length && !filter) {
      message.append("No traces yet: post a question from the ", el("a", { href: "/" }, "Contact Us page"), ".");
    } else if (!all.length) {
      message.append("No traces match ", el("code", null, filter), p.scopeText ? " " + p.scopeText + "." : ".");
    } else if (inScope.length) {
      message.append("No traces in the response-time range selected on the chart.");
    } else {
      message.append("No traces through " + name + (filter ? " match this filter." : "."));
    }
    message.hidden = false;
  } else if (sorted.length > MAX_ROWS) {
    message.textContent = "Showing the newest " + MAX_ROWS + " of " + sorted.length + " traces; narrow them with a filter.";
    message.hidden = false;
  }
  restoreFocus(keep, rowsBody);
}

function traceRow(t, selected, slow, onOpen) {
  const http = t.Http && typeof t.Http === "object" ? t.Http : {};
  const status = Number(http.HttpStatus) || null;
  const rt = responseTime(t);
  const time = fmtClock(num(t.StartTime));
  const settings = settingsOf(t);
  const tr = el("tr", {
    "data-trace-id": t.Id, "data-status": status ? String(status) : "", "data-stage": settings ? String(settings.stage) : "",
    "data-fault": t.HasFault ? "true" : "false", "data-error": t.HasError ? "true" : "false",
    "data-throttle": t.HasThrottle ? "true" : "false", "aria-selected": selected ? "true" : "false",
    class: (selected ? "selected " : "") + (t.HasFault ? "row-fault" : t.HasThrottle ? "row-throttle" : t.HasError ? "row-error" : ""),
  });
  const path = http.HttpURL ? pathOf(http.HttpURL) : "";
  const entry = t.EntryPoint && t.EntryPoint.Name ? String(t.EntryPoint.Name) : "";
  const request = path
    ? el("span", { class: "req", title: String(http.HttpURL) }, el("span", { class: "method" }, String(http.HttpMethod || "")), " ", path)
    : el("span", { class: "req entry", title: entry + (t.EntryPoint && t.EntryPoint.Type ? " (" + t.EntryPoint.Type + ")" : "") }, entry || "–");
  const cause = rootCauseText(t);
  const flags = el("span", { class: "flags" });
  if (t.HasFault) flags.append(el("span", { class: "flag fault" }, "fault"));
  if (t.HasThrottle) flags.append(el("span", { class: "flag throttle" }, "throttle"));
  else if (t.HasError) flags.append(el("span", { class: "flag error" }, "error"));
  if (t.IsPartial) flags.append(el("span", { class: "flag partial" }, "partial"));
  if (settings) flags.append(el("span", { class: "flag stage", title: "Ran at " + describeSettings(settings) }, "S" + settings.stage));
  const idButton = el("button", {
    type: "button", class: "trace-id", "data-focus-key": "trace:" + t.Id,
    "aria-label": "Open trace " + t.Id, "aria-pressed": selected ? "true" : "false",
  }, t.Id);
  tr.append(
    el("td", { class: "col-time", title: time.full }, time.main, time.date ? el("span", { class: "date" }, time.date) : null),
    el("td", { class: "col-id" }, idButton),
    el("td", { class: "col-req" }, request, cause ? el("span", { class: "cause-line " + (t.HasFault ? "fault" : "error"), title: cause }, cause) : null),
    el("td", { class: "col-status" }, status ? el("span", { class: "status " + statusClass(status) }, String(status)) : el("span", { class: "status none" }, "–"), flags),
    el("td", { class: "col-rt" + (slow > 0 && rt > slow ? " slow" : "") }, fmtSeconds(rt))
  );
  tr.addEventListener("click", (event) => {
    if (event.target.closest("a")) return;
    onOpen(t.Id);
  });
  idButton.addEventListener("keydown", (event) => arrowFocus(event, tr, "tr", ".trace-id"));
  return tr;
}
