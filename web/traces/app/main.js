// Trace console of the local stack: service map, response-time histogram,
// trace list and timeline, drawn from the X-Ray API shapes the stack serves
// (app/api.js). Native ES modules, no build step, no library, no network
// beyond that API, so it works offline. model/ is the pure model (no DOM,
// tested with node --test), views/ draw it, app/ holds the state.
//
// Stable hooks for browser tests:
//   document.body.dataset.state   "loading" (before the first answer),
//       "ready", "empty" (the graph and the unfiltered list are empty: the
//       page shows "No traces yet: post a question from the Contact Us
//       page") or "error" (the API is unreachable or answers something that
//       is not its JSON; #api-error says what; the last data stays, dimmed).
//       A rejected filter keeps "ready" and fills #filter-error.
//   #map-canvas svg [data-node="NAME"]   one <g> per node, with data-type (the
//       X-Ray type, e.g. AWS::Lambda::Function, client), data-health =
//       "ok" | "error" | "fault" | "throttle" (the worst class with a non-zero
//       count, fault > throttle > error > ok; "none" without requests),
//       data-requests, data-ok, data-errors, data-throttles, data-faults,
//       data-avg (seconds), aria-pressed="true" when selected. Client nodes
//       count what their edges carry. Names are not unique: a Lambda service
//       and its function share one, and the store draws one client per entry
//       point, so select with [data-type] too. data-node always holds the
//       full name (a long one is shortened on screen only).
//   [data-edge="FROM->TO"]   one <g> per edge, by node names, with
//       data-from-type, data-to-type, data-requests, data-health, data-avg;
//       its label is [data-edge-label="FROM->TO"]
//   #histogram svg [data-bin-start][data-bin-end][data-count]   bars (seconds)
//   #filter, #filter-form, [data-quick="all|faults|errors|slow"] (aria-pressed;
//       the slow one's data-expression and label follow api/slow, and it is
//       disabled while there is nothing to go by),
//   #filter-error   the server's message for a bad filter (hidden otherwise)
//   #trace-list[data-filter]   the filter expression the listed rows answer
//       ("" for all); absent while the rows of a new filter are on their way
//   #trace-list [data-trace-id]   one <tr> per trace, newest first, with
//       data-status (HTTP status, "" without one), data-fault, data-error,
//       data-throttle ("true" | "false"), aria-selected="true" when open;
//       its button.trace-id opens it. #node-scope says when the list is
//       narrowed to a node, #trace-count counts, #list-message explains an
//       empty list.
//   #timeline [data-segment-id][data-segment-name]   one <g> per segment and
//       subsegment, with data-fault, data-error, data-throttle, data-depth,
//       data-parent-id, aria-pressed="true" when selected
//   #segment-detail   details of the selected bar (data-segment-id):
//       [data-exception-type], [data-exception-message] (one per exception in
//       cause.exceptions), [data-field="http.status"], [data-field="aws.operation"],
//       [data-field="aws.table_name"], [data-field="duration"], ...
//   #trace-meta, #pause (aria-pressed), #refresh, #api-error, #empty-state,
//   #node-panel (with button.cause per root cause), #clear-node
//
// Keyboard: Tab reaches every node, trace and bar; Enter or Space selects;
// arrow keys move within the trace list and the timeline; "/" focuses the
// filter box; Escape clears the node selection.
import { $ } from "../views/dom.js";
import { announce, drawStatus, pageState } from "../views/status.js";
import { mapView } from "../views/map.js";
import { panelView } from "../views/panel.js";
import { filterView } from "../views/filter.js";
import { listView } from "../views/list.js";
import { timelineView } from "../views/timeline.js";
import { pickNode } from "../model/graph.js";
import { summaryList } from "../model/summaries.js";
import { selectedItem } from "../model/trace.js";
import { readURL, queryOf } from "./url.js";
import { syncer } from "./refresh.js";

const state = {
  ...readURL(window.location.search),
  graph: null, layout: null, graphText: null,
  summaries: null, summariesText: null, summariesFilter: null,
  slow: null, // api/slow: the threshold of the Slow button and of the slow response times
  filterError: "",
  apiError: "",
  loaded: false,
  trace: null, traceText: null, traceFor: "", traceError: "", traceSummarySig: "",
  lastUpdate: null,
  timer: null, seq: 0, inFlight: false,
};

const { refresh } = syncer(state, render);

// ---------------------------------------------------------------- actions

function selectNode(node) {
  state.nodeWanted = node ? { name: node.name, type: node.type, ref: node.ref } : null;
  render();
}

function openTrace(id) {
  if (state.traceId === id) {
    render();
    return;
  }
  Object.assign(state, { traceId: id, segmentId: "", trace: null, traceText: null, traceFor: "", traceError: "" });
  render();
  refresh();
}

function selectSegment(id) {
  state.segmentId = id;
  render();
}

// openCause opens the newest trace of a root cause with its service selected.
function openCause(group) {
  if (group.cause.service) state.nodeWanted = { name: group.cause.service, type: group.cause.serviceType };
  openTrace(group.newest.Id);
}

function setFilter(expression) {
  state.filter = expression.trim();
  state.filterError = "";
  state.summariesText = null;
  render();
  refresh();
}

// ---------------------------------------------------------------- rendering

const drawMap = mapView(selectNode);
const drawPanel = panelView(openCause);
const drawFilter = filterView();
const drawList = listView(openTrace, () => selectNode(null));
const drawTimeline = timelineView(selectSegment);

function render() {
  const list = summaryList(state.summaries);
  const node = pickNode(state.graph, state.layout, state.nodeWanted);
  const { apiError, loaded, filter, filterError, graphText, summariesText } = state;
  drawStatus({
    state: pageState({ apiError, loaded, hasGraph: !!(state.graph && state.graph.nodes.length), traceCount: list.length, filterError }),
    apiError, loaded, paused: state.paused, lastUpdate: state.lastUpdate,
  });
  drawMap({ graph: state.graph, layout: state.layout, graphText, selected: node, loaded, apiError });
  drawPanel({ node, list, graphText, summariesText, loaded, filter, filterError, apiError });
  drawFilter({ filter, filterError, slow: state.slow });
  drawList({
    all: list, nodeWanted: state.nodeWanted, node, filter, filterError, summariesText, summariesFilter: state.summariesFilter,
    traceId: state.traceId, loaded, graphText, apiError, slow: state.slow,
  });
  renderTimeline(list);
  updateURL(node);
}

function renderTimeline(list = summaryList(state.summaries)) {
  const { trace, traceId } = state;
  const shown = traceId && !state.traceError && trace && state.traceFor === traceId && trace.rows.length;
  // The timeline opens on the segment asked for, else on the root cause;
  // the choice goes into the address.
  const segment = shown ? selectedItem(trace, state.segmentId) : null;
  if (shown) state.segmentId = segment ? segment.id : "";
  drawTimeline({
    traceId, trace, traceText: state.traceText, traceFor: state.traceFor, traceError: state.traceError, segment,
    summary: trace ? list.find((t) => t.Id === trace.id) : null,
  });
}

function updateURL(node) {
  const query = queryOf(state, node);
  const { pathname, search, hash } = window.location;
  const next = pathname + (query ? "?" + query : "") + hash;
  if (next === pathname + search + hash) return;
  try {
    window.history.replaceState(null, "", next);
  } catch (_) {
    // file: URLs and sandboxed frames may refuse; the page works without.
  }
}

// ---------------------------------------------------------------- wiring

$("filter-form").addEventListener("submit", (event) => {
  event.preventDefault();
  setFilter($("filter").value);
});
for (const button of document.querySelectorAll("[data-quick]")) {
  button.addEventListener("click", () => {
    if (button.disabled) return;
    $("filter").value = button.dataset.expression;
    setFilter(button.dataset.expression);
  });
}
$("pause").addEventListener("click", () => {
  state.paused = !state.paused;
  announce(state.paused ? "Live updates paused." : "Live updates resumed.");
  if (state.paused) {
    clearTimeout(state.timer);
    render();
  } else {
    refresh();
  }
});
$("refresh").addEventListener("click", () => refresh());
$("clear-node").addEventListener("click", () => selectNode(null));
document.addEventListener("visibilitychange", () => {
  if (!document.hidden && !state.paused && !state.inFlight) refresh();
});
document.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && state.nodeWanted && !event.target.closest("input")) selectNode(null);
  if (event.key === "/" && !event.target.closest("input, textarea")) {
    event.preventDefault();
    $("filter").focus();
  }
});
// A resize redraws only the timeline, whose width follows the window.
let resizeTimer = null;
window.addEventListener("resize", () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => renderTimeline(), 120);
});

$("filter").value = state.filter;
render();
refresh();
