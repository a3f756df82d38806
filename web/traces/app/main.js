// Trace console of the local stack: service map, response-time histograms,
// trace list and timeline, drawn from the X-Ray API shapes the stack serves
// (app/api.js), for the time range and the stage picked in the scope bar;
// the compare view sets two stages' maps side by side. Native ES modules,
// no build step, no library, no network beyond that API, so it works
// offline. model/ is the pure model (no DOM, tested with node --test),
// views/ draw it, app/ holds the state.
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
//       data-from-type, data-to-type, data-requests, data-health, data-avg,
//       aria-pressed="true" when selected (a click selects it: the side
//       panel shows its counts and histogram, the list its traces);
//       its label is [data-edge-label="FROM->TO"]
//   #map-canvas[data-scope]   the scope the map answers ("" for every trace,
//       else as the address writes it: "stage=2", "range=5m&stage=2",
//       "start=...&end=..."); the same on #trace-list[data-scope]
//   #histogram svg [data-bin-start][data-bin-end][data-count]   bars (seconds)
//       of the selected node's or edge's own response times (#histogram
//       [data-of="node" | "edge"]); a drag across them sets the filter to
//       service("NAME") { responsetime >= A AND responsetime < B }
//   #latency svg [data-bin-start][data-bin-end][data-count][data-ok]
//       [data-errors][data-throttles][data-faults]   the listed traces'
//       response times split by outcome; a drag across it (or Enter on a
//       bar) keeps the rows in that range: #trace-list[data-latency="A-B"],
//       #latency-scope says so, #clear-latency drops it
//   #range (select: all, 5m, 15m, 1h, custom), #range-start, #range-end
//       (datetime-local), #range-apply, #range-error
//   [data-stage-filter="all|1|2|3"] (aria-pressed; data-count: the traces
//       held at that stage), #running-settings
//   #compare-toggle (aria-pressed), #compare-a, #compare-b, #compare-view
//       [data-compare-side="a|b"][data-stage=N] svg [data-node][data-type]
//       [data-diff="added|removed|same"], the same data-diff on edges;
//       #compare-summary [data-added-node][data-type], [data-removed-node];
//       [data-show-stage=N] leaves the compare view for stage N
//   #filter, #filter-form, [data-quick="all|faults|errors|slow"] (aria-pressed;
//       the slow one's data-expression and label follow api/slow, and it is
//       disabled while there is nothing to go by),
//   #filter-error   the server's message for a bad filter (hidden otherwise)
//   #trace-list[data-filter]   the filter expression the listed rows answer
//       ("" for all); absent while the rows of a new filter are on their way
//   #trace-list [data-trace-id]   one <tr> per trace, newest first, with
//       data-stage (the stage it ran at, "" when unknown),
//       data-status (HTTP status, "" without one), data-fault, data-error,
//       data-throttle ("true" | "false"), aria-selected="true" when open;
//       its button.trace-id opens it. #node-scope says when the list is
//       narrowed to a node or an edge, #trace-count counts, #list-message
//       explains an empty list.
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
// Keyboard: Tab reaches every node, edge, trace, chart bar and timeline
// bar; Enter or Space selects (on a latency bar: its range); arrow keys
// move within the trace list and the timeline; "/" focuses the filter box;
// Escape clears the node or edge selection, then the latency range.
import { $ } from "../views/dom.js";
import { announce, drawStatus, pageState } from "../views/status.js";
import { mapView } from "../views/map.js";
import { compareView } from "../views/compare.js";
import { controlsView } from "../views/controls.js";
import { panelView } from "../views/panel.js";
import { filterView } from "../views/filter.js";
import { listView } from "../views/list.js";
import { latencyView } from "../views/latency.js";
import { timelineView } from "../views/timeline.js";
import { pickNode, pickEdge } from "../model/graph.js";
import { summaryList } from "../model/summaries.js";
import { selectedItem } from "../model/trace.js";
import { stagesHeld } from "../model/stages.js";
import { scopeList, scopeKey, describeScope } from "../model/scope.js";
import { latencyText, describeLatency } from "../model/latency.js";
import { describeRange } from "../model/timerange.js";
import { readURL, queryOf } from "./url.js";
import { syncer } from "./refresh.js";
import { actions } from "./actions.js";

const state = {
  ...readURL(window.location.search),
  graph: null, layout: null, graphText: null, graphScope: null,
  summaries: null, summariesText: null, summariesFilter: null, summariesScope: null,
  stagesBody: null, // api/stages: the stages held, with their counts
  compareSides: null, // the compare view's maps: {a, b: {stage, graph, layout, text, scope}}
  slow: null, // api/slow: the threshold of the Slow button and of the slow response times
  filterError: "",
  apiError: "",
  loaded: false,
  trace: null, traceText: null, traceFor: "", traceError: "", traceSummarySig: "",
  lastUpdate: null,
  timer: null, seq: 0, inFlight: false,
};

const { refresh } = syncer(state, render);

const { selectNode, selectEdge, setLatency, brushGraph, setScope, setCompare, setPair, showStage, openTrace, selectSegment, openCause, setFilter } =
  actions(state, render, refresh);

// ---------------------------------------------------------------- rendering

const drawMap = mapView(selectNode, selectEdge);
const drawCompare = compareView(showStage);
const drawControls = controlsView({
  onRange: (range) => setScope({ range }),
  onStage: (stage) => setScope({ stage }),
  onCompare: setCompare,
  onPair: setPair,
});
const drawPanel = panelView(openCause, brushGraph);
const drawFilter = filterView();
const drawList = listView(openTrace, () => selectNode(null));
const drawLatency = latencyView(setLatency);
const drawTimeline = timelineView(selectSegment);

function render() {
  const all = summaryList(state.summaries);
  const edge = pickEdge(state.graph, state.edgeWanted);
  const node = state.edgeWanted ? null : pickNode(state.graph, state.layout, state.nodeWanted);
  const scope = scopeList({ all, stage: state.stage, nodeWanted: state.nodeWanted, node, edgeWanted: state.edgeWanted, edge, latency: state.latency });
  const { apiError, loaded, filter, filterError, graphText, summariesText } = state;
  const key = scopeKey(state.stage, state.range);
  const scopeText = describeScope(state.stage, state.range);
  const held = stagesHeld(state.stagesBody, all);
  // What the list's traces were made of, for the views' memos.
  const sig = [summariesText, state.summariesScope, state.stage, JSON.stringify(state.nodeWanted), JSON.stringify(state.edgeWanted),
    node ? node.key : "", edge ? edge.from.key + ">" + edge.to.key : "", (graphText || "").length, JSON.stringify(state.latency)].join("|");
  drawStatus({
    state: pageState({ apiError, loaded, hasGraph: !!(state.graph && state.graph.nodes.length), traceCount: all.length, filterError, narrowed: !!key }),
    apiError, loaded, paused: state.paused, lastUpdate: state.lastUpdate,
  });
  drawControls({ range: state.range, stage: state.stage, held, compare: state.compare });
  $("map-heading").textContent = state.compare ? "Service maps by stage" : "Service map" + (state.stage ? " · stage " + state.stage : "");
  // data-scope: the scope the map and the list answer, absent while a new
  // scope's answer is on its way.
  for (const [id, answered] of [["map-canvas", state.graphScope], ["trace-list", state.summariesScope]]) {
    if (answered === key) $(id).dataset.scope = key;
    else delete $(id).dataset.scope;
  }
  drawMap({ graph: state.graph, layout: state.layout, graphText, selected: node, selectedEdge: edge, loaded, apiError, scopeText });
  drawCompare({ pair: state.compare, sides: state.compareSides && state.compareSides.a.scope === key ? state.compareSides : { a: null, b: null }, held: held.stages, scopeText: describeRange(state.range) });
  // The overview counts the listed traces: say what narrowed them.
  const listedText = [scopeText, state.latency ? "with " + describeLatency(state.latency) : ""].filter(Boolean).join(" ");
  drawPanel({ node, edge, list: scope.list, graphText, summariesText, loaded, filter, filterError, apiError, scopeText: listedText });
  drawFilter({ filter, filterError, slow: state.slow });
  const table = $("trace-list");
  if (state.latency) table.dataset.latency = latencyText(state.latency);
  else delete table.dataset.latency;
  drawLatency({ inScope: scope.inScope, list: scope.list, range: state.latency });
  drawList({
    scope, sig, filter, filterError, summariesText, summariesFilter: state.summariesFilter,
    traceId: state.traceId, loaded, graphText, apiError, slow: state.slow, scopeText,
  });
  renderTimeline(all);
  updateURL(node, edge);
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

function updateURL(node, edge) {
  const query = queryOf(state, node, edge);
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
  if (event.key === "Escape" && !event.target.closest("input, select")) {
    if (state.nodeWanted || state.edgeWanted) selectNode(null);
    else if (state.latency) setLatency(null);
  }
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
