// Keeping the state in step with the trace API: the map, the list, the
// Slow filter and the stages held every 2 seconds (with the compare view,
// the two stages' maps too), the open trace when it may have changed.
import { ApiError, getJSON, answerError, errorOf, usable, graphPath, slowPath, summariesPath, tracePath, stagesPath } from "./api.js";
import { buildGraph } from "../model/graph.js";
import { layout } from "../model/layout.js";
import { buildTrace, traceIn } from "../model/trace.js";
import { summaryList } from "../model/summaries.js";
import { rangeWindow } from "../model/timerange.js";
import { scopeKey } from "../model/scope.js";

const REFRESH_MS = 2000;

// syncer returns refresh (fetch now, then every 2 s unless paused) and
// schedule; render runs after each answer. An answer to an older refresh
// than the newest (state.seq) is dropped.
export function syncer(state, render) {
  async function refresh() {
    const seq = ++state.seq;
    clearTimeout(state.timer);
    state.inFlight = true;
    const filter = state.filter;
    const key = scopeKey(state.stage, state.range);
    const scope = { ...rangeWindow(state.range, Date.now() / 1000), stage: state.stage };
    const pair = state.compare;
    try {
      const [graphRes, sumRes, slowRes, stagesRes, ...pairRes] = await Promise.all([
        getJSON(graphPath(scope)), getJSON(summariesPath(filter, scope)), getJSON(slowPath(scope)), getJSON(stagesPath),
        ...(pair ? [pair.a, pair.b].map((stage) => getJSON(graphPath({ ...scope, stage }))) : []),
      ]);
      if (seq !== state.seq) return;
      // The Slow button and the stage counts are conveniences: without
      // their answers (an older API has no api/stages) the page works on.
      if (usable(slowRes)) state.slow = slowRes.body;
      state.stagesBody = usable(stagesRes) ? stagesRes.body : null;
      if (pair) keepPair(pair, key, pairRes);
      if (!usable(graphRes)) throw new ApiError(answerError(graphRes));
      if (sumRes.status === 400 && filter) {
        state.filterError = errorOf(sumRes) || sumRes.text || "the filter was rejected";
        state.summaries = { TraceSummaries: [] };
        state.summariesText = null;
      } else if (!usable(sumRes)) {
        throw new ApiError(answerError(sumRes));
      } else {
        state.filterError = "";
        if (sumRes.text !== state.summariesText || state.summariesFilter !== filter) {
          state.summaries = sumRes.body;
          state.summariesText = sumRes.text;
        }
      }
      state.summariesFilter = filter;
      state.summariesScope = key;
      // Unchanged text, unchanged model: the views keep what they drew.
      if (graphRes.text !== state.graphText) {
        const { graph, layout: lay, text } = graphState(graphRes);
        Object.assign(state, { graph, layout: lay, graphText: text });
      }
      state.graphScope = key;
      state.apiError = "";
      state.loaded = true;
      state.lastUpdate = new Date();
      await refreshTrace(seq);
    } catch (err) {
      if (seq !== state.seq) return;
      state.apiError = err instanceof ApiError ? err.message : "the answer could not be read: " + err.message;
    } finally {
      if (seq === state.seq) {
        state.inFlight = false;
        render();
        schedule();
      }
    }
  }

  // keepPair keeps the compare view's two maps; a map that cannot be read
  // is an API error like the main one.
  function keepPair(pair, key, answers) {
    const sides = {};
    ["a", "b"].forEach((k, i) => {
      const res = answers[i];
      if (!usable(res)) throw new ApiError(answerError(res));
      const old = state.compareSides && state.compareSides[k];
      sides[k] = old && old.text === res.text && old.stage === pair[k] ? old : { stage: pair[k], ...graphState(res) };
      sides[k].scope = key;
    });
    state.compareSides = sides;
  }

  // refreshTrace fetches the open trace when it changed: another trace was
  // selected, its summary changed, or it still had segments in progress.
  async function refreshTrace(seq) {
    const id = state.traceId;
    if (!id) {
      Object.assign(state, { trace: null, traceText: null, traceFor: "", traceError: "" });
      return;
    }
    const summary = summaryList(state.summaries).find((t) => t.Id === id);
    const sig = summary ? JSON.stringify(summary) : "";
    // A summary that changed or vanished (the store restarted) means the
    // documents may have changed too.
    const stale = state.traceFor !== id || sig !== state.traceSummarySig || (state.trace && state.trace.incomplete) || state.traceError;
    if (!stale) return;
    const res = await getJSON(tracePath(id));
    if (seq !== state.seq || state.traceId !== id) return;
    if (!usable(res)) {
      if (res.status >= 400 && res.status < 500) {
        Object.assign(state, { traceError: answerError(res), trace: null, traceFor: id });
        return;
      }
      throw new ApiError(answerError(res));
    }
    state.traceSummarySig = sig;
    if (res.text === state.traceText && state.traceFor === id) return;
    const { found, missing } = traceIn(res.body, id);
    state.traceFor = id;
    state.traceText = res.text;
    state.traceError = missing || "";
    state.trace = found ? buildTrace(found) : null;
  }

  // schedule the next refresh; a hidden tab waits until it is shown.
  function schedule() {
    clearTimeout(state.timer);
    if (state.paused) return;
    state.timer = setTimeout(() => {
      if (document.hidden) schedule();
      else refresh();
    }, REFRESH_MS);
  }

  return { refresh, schedule };
}

// graphState is the map's model of a graph answer.
function graphState(res) {
  const graph = buildGraph(res.body);
  return { graph, layout: layout(graph), text: res.text };
}
