// What the page's controls do to its state: each action changes it, draws
// the page again (render) and, when the data asked for changed, fetches it
// now (refresh).
import { announce } from "../views/status.js";
import { pickNode, pickEdge } from "../model/graph.js";
import { summaryList } from "../model/summaries.js";
import { stagesHeld, defaultPair } from "../model/stages.js";
import { latencyClause, withClause, clauseServiceOf, describeLatency } from "../model/latency.js";

export function actions(state, render, refresh) {
  function selectNode(node) {
    state.nodeWanted = node ? { name: node.name, type: node.type, ref: node.ref } : null;
    state.edgeWanted = null;
    state.latency = null;
    render();
  }

  function selectEdge(edge) {
    const end = (n) => ({ name: n.name, type: n.type });
    state.edgeWanted = edge ? { from: end(edge.from), to: end(edge.to) } : null;
    state.nodeWanted = null;
    state.latency = null;
    render();
  }

  function setLatency(range) {
    state.latency = range;
    announce(range ? "Listing the traces with " + describeLatency(range) + "." : "Listing every response time.");
    render();
  }

  // brushGraph: a drag across the selected node's or edge's own histogram
  // filters the traces by that service's response time, as X-Ray's console
  // writes it.
  function brushGraph(range) {
    const node = state.edgeWanted ? null : pickNode(state.graph, state.layout, state.nodeWanted);
    const edge = pickEdge(state.graph, state.edgeWanted);
    setFilter(withClause(state.filter, latencyClause(range, clauseServiceOf(node, edge))));
  }

  // A new scope: the data on screen belongs to the old one until the answer
  // comes (data-scope says which), the latency range is dropped.
  function setScope(change) {
    Object.assign(state, change, { latency: null });
    render();
    refresh();
  }

  function setCompare(on) {
    const held = stagesHeld(state.stagesBody, summaryList(state.summaries)).stages;
    state.compare = on ? defaultPair(held, state.stage) : null;
    state.compareSides = null;
    announce(on ? "Comparing stage " + state.compare.a + " with stage " + state.compare.b + "." : "Compare view closed.");
    render();
    refresh();
  }

  function setPair(pair) {
    state.compare = pair;
    state.compareSides = null;
    render();
    refresh();
  }

  function showStage(stage) {
    state.compare = null;
    state.compareSides = null;
    setScope({ stage });
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
    if (group.cause.service) Object.assign(state, { nodeWanted: { name: group.cause.service, type: group.cause.serviceType }, edgeWanted: null });
    openTrace(group.newest.Id);
  }

  function setFilter(expression) {
    state.filter = expression.trim();
    state.filterError = "";
    state.summariesText = null;
    render();
    refresh();
  }

  return { selectNode, selectEdge, setLatency, brushGraph, setScope, setCompare, setPair, showStage, openTrace, selectSegment, openCause, setFilter };
}
