// Trace console of the local stack: service map, response-time histogram,
// trace list and timeline, drawn from the X-Ray API shapes the stack serves
// (internal/traces/handler.go serves them). Plain script: no build step, no library,
// no network beyond the three endpoints below, so it works offline.
//
// Endpoints, relative to this page (so the page must be served at /traces/,
// with the trailing slash):
//   GET api/graph                  GetServiceGraph body
//   GET api/summaries[?filter=EXPR] GetTraceSummaries body, newest first;
//                                  400 {"error": "filter: ..."} for a bad filter
//   GET api/traces?id=ID           BatchGetTraces body (Segments[].Document is
//                                  the segment document as a JSON string)
//   GET api/slow                   the "Slow" quick filter the data calls for:
//                                  {"threshold": seconds, "label": "800ms",
//                                  "filterExpression": "responsetime > 0.8"}
//                                  (threshold 0 while the store is empty)
//
// URL parameters (deep links; the page keeps the address bar up to date, so
// a copied address reopens the same view):
//   filter=EXPR     filter expression of the trace list (sent as filter=)
//   node=NAME       selected map node; narrows the trace list to the traces
//                   through it. type=TYPE picks among nodes sharing a name
//                   (a Lambda service and its function); without type= the
//                   node furthest from the client (the function) is chosen.
//   select=TRACE_ID opened trace (its timeline)
//   segment=ID      selected segment or subsegment in that timeline (default:
//                   the deepest faulted one, else the root)
//   paused=1        start with the 2-second updates paused
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
//
// Segment documents are untrusted input: every piece of data reaches the page
// through textContent or an attribute value, never as HTML.
"use strict";

(function () {
  const SVG_NS = "http://www.w3.org/2000/svg";
  const REFRESH_MS = 2000;
  const FETCH_TIMEOUT_MS = 8000;
  const MAX_ROWS = 300;
  const HEALTH = ["ok", "error", "throttle", "fault"]; // drawing order of the ring
  const TYPE_INFO = {
    "client": { label: "Client", glyph: "", rank: 0 },
    "AWS::ApiGateway::Stage": { label: "API Gateway stage", glyph: "API", rank: 1 },
    "AWS::ApiGateway": { label: "API Gateway", glyph: "API", rank: 1 },
    "AWS::Lambda": { label: "Lambda service", glyph: "λ", rank: 2 },
    "AWS::Lambda::Function": { label: "Lambda function", glyph: "ƒ", rank: 3 },
    "AWS::DynamoDB::Table": { label: "DynamoDB table", glyph: "DDB", rank: 4 },
    "AWS::DynamoDB": { label: "DynamoDB", glyph: "DDB", rank: 4 },
    "AWS::SNS": { label: "SNS topic", glyph: "SNS", rank: 4 },
    "AWS::SQS": { label: "SQS queue", glyph: "SQS", rank: 4 },
    "AWS::SQS::Queue": { label: "SQS queue", glyph: "SQS", rank: 4 },
    "AWS::S3": { label: "S3", glyph: "S3", rank: 4 },
    "AWS::S3::Bucket": { label: "S3 bucket", glyph: "S3", rank: 4 },
    "AWS::EC2::Instance": { label: "EC2 instance", glyph: "EC2", rank: 2 },
    "remote": { label: "Remote", glyph: "⇢", rank: 4 },
  };

  // ------------------------------------------------------------ DOM helpers

  const $ = (id) => document.getElementById(id);

  // el builds an HTML element; children are nodes or strings (as text).
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    setAttrs(node, attrs);
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  // s builds an SVG element; text children become text nodes.
  function s(tag, attrs, ...children) {
    const node = document.createElementNS(SVG_NS, tag);
    setAttrs(node, attrs);
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
    }
    return node;
  }

  function setAttrs(node, attrs) {
    if (!attrs) return;
    for (const [key, value] of Object.entries(attrs)) {
      if (value === null || value === undefined || value === false) continue;
      if (key === "class") node.setAttribute("class", value);
      else if (key === "text") node.textContent = String(value);
      else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
      else node.setAttribute(key, value === true ? "true" : String(value));
    }
  }

  function clear(node) {
    while (node.firstChild) node.removeChild(node.firstChild);
  }

  // activate makes a non-button element behave as one: click, Enter, Space.
  function activate(node, handler) {
    node.addEventListener("click", handler);
    node.addEventListener("keydown", (event) => {
      if (event.key === "Enter" || event.key === " ") {
        event.preventDefault();
        handler(event);
      }
    });
  }

  // Focus survives a redraw through data-focus-key.
  function focusKey() {
    const active = document.activeElement;
    return active && active.dataset ? active.dataset.focusKey || null : null;
  }

  function restoreFocus(key, root) {
    if (!key) return;
    for (const candidate of root.querySelectorAll("[data-focus-key]")) {
      if (candidate.dataset.focusKey === key) {
        candidate.focus({ preventScroll: true });
        return;
      }
    }
  }

  // ------------------------------------------------------------ formatting

  function num(value) {
    const n = Number(value);
    return Number.isFinite(n) ? n : 0;
  }

  function fmtSeconds(secs) {
    if (secs === null || secs === undefined || !Number.isFinite(secs)) return "–";
    if (secs < 0.01) return (secs * 1000).toFixed(1) + " ms";
    if (secs < 1) return Math.round(secs * 1000) + " ms";
    if (secs < 10) return secs.toFixed(2) + " s";
    return secs.toFixed(1) + " s";
  }

  function fmtMs(ms) {
    if (!Number.isFinite(ms)) return "–";
    if (ms < 10) return ms.toFixed(1) + " ms";
    return Math.round(ms) + " ms";
  }

  function fmtTick(ms, step) {
    const digits = step >= 1 ? 0 : step >= 0.1 ? 1 : 2;
    return ms.toFixed(digits) + " ms";
  }

  function fmtSecondsTick(secs, step) {
    const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    return secs.toFixed(Math.min(digits, 3)) + " s";
  }

  const pad = (n, w = 2) => String(n).padStart(w, "0");

  // fmtClock: local wall-clock time with milliseconds; the date when not today.
  function fmtClock(epoch) {
    if (!Number.isFinite(epoch) || epoch <= 0) return { main: "–", date: "", ms: "", full: "" };
    const d = new Date(epoch * 1000);
    const today = new Date();
    const sameDay = d.toDateString() === today.toDateString();
    const months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    const clock = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
    return {
      main: clock, date: sameDay ? "" : d.getDate() + " " + months[d.getMonth()] + (d.getFullYear() === today.getFullYear() ? "" : " " + d.getFullYear()),
      ms: "." + pad(d.getMilliseconds(), 3),
      full: d.toString().replace(/ \(.*\)$/, "") + ", " + clock + "." + pad(d.getMilliseconds(), 3) + " (epoch " + epoch.toFixed(3) + ")",
    };
  }

  function truncate(text, max) {
    text = String(text);
    return text.length > max ? text.slice(0, Math.max(1, max - 1)) + "…" : text;
  }

  function plural(n, word) {
    return n + " " + word + (n === 1 ? "" : "s");
  }

  // niceStep: 1, 2 or 5 times a power of ten, the nearest to range/target.
  function niceStep(range, target) {
    if (!(range > 0)) return 1;
    const raw = range / Math.max(1, target);
    const power = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / power;
    return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * power;
  }

  function typeInfo(type) {
    return TYPE_INFO[type] || { label: type || "service", glyph: shortGlyph(type), rank: null };
  }

  function shortGlyph(type) {
    if (!type) return "?";
    const last = String(type).split("::").filter(Boolean)[1] || String(type);
    return last.replace(/[^A-Za-z0-9]/g, "").slice(0, 3).toUpperCase() || "?";
  }

  function statusClass(status) {
    if (!status) return "none";
    if (status === 429) return "throttle";
    if (status >= 500) return "fault";
    if (status >= 400) return "error";
    return "ok";
  }

  // ------------------------------------------------------------ the model

  // counts reads an X-Ray SummaryStatistics object.
  function counts(stats) {
    const st = stats || {};
    const errors = st.ErrorStatistics || {};
    const faults = st.FaultStatistics || {};
    const throttle = num(errors.ThrottleCount);
    const error = errors.OtherCount !== undefined ? num(errors.OtherCount) : Math.max(0, num(errors.TotalCount) - throttle);
    const fault = faults.TotalCount !== undefined ? num(faults.TotalCount) : num(faults.OtherCount);
    const ok = num(st.OkCount);
    const total = st.TotalCount !== undefined ? num(st.TotalCount) : ok + error + throttle + fault;
    return { ok, error, throttle, fault, total, totalTime: num(st.TotalResponseTime) };
  }

  function addCounts(a, b) {
    return {
      ok: a.ok + b.ok, error: a.error + b.error, throttle: a.throttle + b.throttle,
      fault: a.fault + b.fault, total: a.total + b.total, totalTime: a.totalTime + b.totalTime,
    };
  }

  const noCounts = () => ({ ok: 0, error: 0, throttle: 0, fault: 0, total: 0, totalTime: 0 });

  function health(c) {
    if (c.fault > 0) return "fault";
    if (c.throttle > 0) return "throttle";
    if (c.error > 0) return "error";
    if (c.total > 0 || c.ok > 0) return "ok";
    return "none";
  }

  function average(c) {
    return c.total > 0 ? c.totalTime / c.total : null;
  }

  function histogramOf(list) {
    return (Array.isArray(list) ? list : [])
      .map((b) => ({ value: num(b && b.Value), count: num(b && b.Count) }))
      .filter((b) => b.count > 0 && b.value >= 0);
  }

  const nodeKey = (name, type) => type + "\u0000" + name;

  // buildGraph turns a GetServiceGraph body into nodes and edges.
  function buildGraph(body) {
    const services = body && Array.isArray(body.Services) ? body.Services : [];
    const byRef = new Map();
    const nodes = [];
    for (const svc of services) {
      if (!svc || typeof svc !== "object") continue;
      const type = String(svc.Type || "unknown");
      const name = String(svc.Name || (Array.isArray(svc.Names) && svc.Names[0]) || (type === "client" ? "client" : "unnamed"));
      const node = {
        ref: svc.ReferenceId, name, type, key: nodeKey(name, type) + "\u0000" + svc.ReferenceId, root: !!svc.Root,
        counts: svc.SummaryStatistics ? counts(svc.SummaryStatistics) : null,
        histogram: histogramOf(svc.ResponseTimeHistogram && svc.ResponseTimeHistogram.length ? svc.ResponseTimeHistogram : svc.DurationHistogram),
        out: [], in: [],
      };
      nodes.push(node);
      byRef.set(svc.ReferenceId, node);
    }
    const edges = [];
    for (const svc of services) {
      const from = byRef.get(svc && svc.ReferenceId);
      if (!from) continue;
      for (const e of Array.isArray(svc.Edges) ? svc.Edges : []) {
        const to = byRef.get(e && e.ReferenceId);
        if (!to || to === from) continue;
        const edge = { from, to, counts: counts(e.SummaryStatistics), histogram: histogramOf(e.ResponseTimeHistogram) };
        edge.key = from.name + "->" + to.name;
        edges.push(edge);
        from.out.push(edge);
        to.in.push(edge);
      }
    }
    // Nodes without statistics of their own (clients) count what their
    // edges carry; so does their histogram.
    for (const node of nodes) {
      if (!node.counts) {
        node.counts = node.out.reduce((acc, e) => addCounts(acc, e.counts), noCounts());
        if (!node.histogram.length) node.histogram = mergeHistograms(node.out.map((e) => e.histogram));
      }
    }
    return { nodes, edges };
  }

  function mergeHistograms(lists) {
    const merged = new Map();
    for (const list of lists) for (const b of list) merged.set(b.value, (merged.get(b.value) || 0) + b.count);
    return [...merged.entries()].map(([value, count]) => ({ value, count })).sort((a, b) => a.value - b.value);
  }

  // layout places nodes in columns by depth from the client: known types keep
  // their natural column (client, API Gateway, Lambda service, function,
  // downstream resource), every edge goes at least one column to the right,
  // empty columns close up. Within a column nodes sit level with their
  // callers where they can and never closer than one row.
  function layout(graph) {
    const { nodes, edges } = graph;
    const rank = new Map();
    for (const n of nodes) {
      const info = typeInfo(n.type);
      let r = info.rank;
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

    const COL_W = 200, ROW_H = 132, LEFT = 112, TOP = 56;
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
    // Sources placed with no caller (a stream-triggered function) sit one row
    // below everything else in their column already; now move the whole
    // drawing so its top node is at TOP.
    let minY = Infinity, maxY = -Infinity;
    for (const p of pos.values()) { minY = Math.min(minY, p.y); maxY = Math.max(maxY, p.y); }
    if (!Number.isFinite(minY)) { minY = TOP; maxY = TOP; }
    for (const p of pos.values()) p.y += TOP - minY;
    const width = LEFT * 2 + Math.max(0, columns.length - 1) * COL_W;
    const height = TOP + (maxY - minY) + 86;
    return { pos, width, height, columns: columns.length, columnWidth: COL_W, margin: LEFT };

    function reaches(from, target) {
      // true when target is reachable from `from` (the edge would close a cycle)
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
  }

  // ------------------------------------------------------------ state

  const params = new URLSearchParams(window.location.search);
  const state = {
    filter: params.get("filter") || "",
    nodeWanted: params.get("node") ? { name: params.get("node"), type: params.get("type") || "" } : null,
    traceId: params.get("select") || "",
    segmentId: params.get("segment") || "",
    paused: params.get("paused") === "1",
    graph: null, graphText: null,
    summaries: null, summariesText: null, summariesFilter: null,
    slow: null, // api/slow: the threshold of the Slow button and of the slow response times
    filterError: "",
    apiError: "",
    loaded: false,
    trace: null, traceText: null, traceFor: "", traceError: "", traceSummarySig: "",
    lastUpdate: null,
    timer: null, seq: 0, inFlight: false,
  };

  // ------------------------------------------------------------ fetching

  class ApiError extends Error {}

  async function getJSON(path) {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), FETCH_TIMEOUT_MS);
    let response;
    try {
      response = await fetch(path, { cache: "no-store", headers: { Accept: "application/json" }, signal: controller.signal });
    } catch (err) {
      throw new ApiError("GET " + path + ": " + (err.name === "AbortError" ? "no answer within " + FETCH_TIMEOUT_MS / 1000 + " s" : err.message));
    } finally {
      clearTimeout(timeout);
    }
    const text = await response.text();
    let body = null;
    try {
      body = JSON.parse(text);
    } catch (_) {
      body = null;
    }
    return { status: response.status, ok: response.ok, text, body, path, statusText: response.statusText };
  }

  function answerError(res) {
    const detail = res.body && typeof res.body === "object" && (res.body.error || res.body.message);
    if (res.ok && !res.body) return "GET " + res.path + " did not answer JSON";
    return "GET " + res.path + " answered " + res.status + (res.statusText ? " " + res.statusText : "") + (detail ? ": " + detail : "");
  }

  function summariesPath(filter) {
    return filter ? "api/summaries?filter=" + encodeURIComponent(filter) : "api/summaries";
  }

  async function refresh() {
    const seq = ++state.seq;
    clearTimeout(state.timer);
    state.inFlight = true;
    const filter = state.filter;
    try {
      const [graphRes, sumRes, slowRes] = await Promise.all([getJSON("api/graph"), getJSON(summariesPath(filter)), getJSON("api/slow")]);
      if (seq !== state.seq) return;
      // The Slow button is a convenience: without its answer the page works on.
      if (slowRes.ok && slowRes.body && typeof slowRes.body === "object") state.slow = slowRes.body;
      if (!graphRes.ok || !graphRes.body || typeof graphRes.body !== "object") throw new ApiError(answerError(graphRes));
      if (sumRes.status === 400 && filter) {
        state.filterError = (sumRes.body && (sumRes.body.error || sumRes.body.message)) || sumRes.text || "the filter was rejected";
        state.summaries = { TraceSummaries: [] };
        state.summariesText = null;
      } else if (!sumRes.ok || !sumRes.body || typeof sumRes.body !== "object") {
        throw new ApiError(answerError(sumRes));
      } else {
        state.filterError = "";
        if (sumRes.text !== state.summariesText || state.summariesFilter !== filter) {
          state.summaries = sumRes.body;
          state.summariesText = sumRes.text;
        }
      }
      state.summariesFilter = filter;
      if (graphRes.text !== state.graphText) {
        state.graph = buildGraph(graphRes.body);
        state.layout = layout(state.graph);
        state.graphText = graphRes.text;
      }
      state.apiError = "";
      state.loaded = true;
      state.lastUpdate = new Date();
      await refreshTrace(seq);
      if (seq !== state.seq) return;
    } catch (err) {
      if (seq !== state.seq) return;
      state.apiError = err instanceof ApiError ? err.message : "the answer could not be read: " + err.message;
      state.lastUpdate = state.lastUpdate || null;
    } finally {
      if (seq === state.seq) {
        state.inFlight = false;
        render();
        schedule();
      }
    }
  }

  // refreshTrace fetches the open trace when it changed: another trace was
  // selected, its summary changed, or it still had segments in progress.
  async function refreshTrace(seq) {
    const id = state.traceId;
    if (!id) {
      state.trace = null;
      state.traceText = null;
      state.traceFor = "";
      state.traceError = "";
      return;
    }
    const summary = summaryList().find((t) => t.Id === id);
    const sig = summary ? JSON.stringify(summary) : "";
    // A summary that changed or vanished (the store restarted) means the
    // documents may have changed too.
    const stale = state.traceFor !== id || sig !== state.traceSummarySig || (state.trace && state.trace.incomplete) || state.traceError;
    if (!stale) return;
    const res = await getJSON("api/traces?id=" + encodeURIComponent(id));
    if (seq !== state.seq || state.traceId !== id) return;
    if (!res.ok || !res.body || typeof res.body !== "object") {
      if (res.status >= 400 && res.status < 500) {
        state.traceError = answerError(res);
        state.trace = null;
        state.traceFor = id;
        return;
      }
      throw new ApiError(answerError(res));
    }
    state.traceSummarySig = sig;
    if (res.text === state.traceText && state.traceFor === id) return;
    const traces = Array.isArray(res.body.Traces) ? res.body.Traces : [];
    const found = traces.find((t) => t && t.Id === id) || (traces.length === 1 && !traces[0].Id ? traces[0] : null);
    state.traceFor = id;
    state.traceText = res.text;
    if (!found) {
      const unprocessed = Array.isArray(res.body.UnprocessedTraceIds) && res.body.UnprocessedTraceIds.includes(id);
      state.trace = null;
      state.traceError = unprocessed
        ? "The store does not hold trace " + id + " (it may have been dropped, or not finished yet)."
        : "Trace " + id + " is not in the answer.";
      return;
    }
    state.traceError = "";
    state.trace = buildTrace(found);
  }

  function schedule() {
    clearTimeout(state.timer);
    if (state.paused) return;
    state.timer = setTimeout(() => {
      if (document.hidden) schedule();
      else refresh();
    }, REFRESH_MS);
  }

  // ------------------------------------------------------------ trace model

  // buildTrace parses every segment document and nests them: subsegments sent
  // on their own and downstream segments name their parent in parent_id,
  // subsegments sent inside their parent are in `subsegments`.
  function buildTrace(trace) {
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
    for (const item of rows) if (item.inProgress) item.drawEnd = end;
    return {
      id: String(trace.Id || ""), rows, items, start, end, problems,
      duration: trace.Duration !== undefined ? num(trace.Duration) : end - start,
      incomplete: rows.some((r) => r.inProgress) || !rows.some((r) => r.top && !r.parentId),
      limitExceeded: !!trace.LimitExceeded,
    };
  }

  // rootCauseOf picks the segment to show first: the deepest faulted one
  // (a fault none of whose children faulted), else the deepest error, else the root.
  function rootCauseOf(trace) {
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
  // an exception id refers to an exception recorded on a child.
  function exceptionsOf(item, trace) {
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

  function httpStatusOf(doc) {
    const status = doc && doc.http && doc.http.response && doc.http.response.status;
    return Number.isFinite(Number(status)) && status ? Number(status) : null;
  }

  function itemHealth(item) {
    if (item.fault) return "fault";
    if (item.throttle) return "throttle";
    if (item.error) return "error";
    return "ok";
  }

  // A segment (not a subsegment sent on its own) stands for a service.
  function isSegment(item) {
    return item.top && item.doc.type !== "subsegment";
  }

  function itemKind(item) {
    const doc = item.doc;
    if (doc.origin) return typeInfo(doc.origin).label;
    if (doc.namespace === "aws") return "AWS call";
    if (doc.namespace === "remote") return "remote call";
    return isSegment(item) ? "segment" : "subsegment";
  }

  // itemSummary: the second line of a timeline row.
  function itemSummary(item) {
    const doc = item.doc;
    const aws = doc.aws && typeof doc.aws === "object" ? doc.aws : {};
    const parts = [itemKind(item)];
    if (aws.operation) parts.push(String(aws.operation));
    const target = aws.table_name || aws.function_name || (aws.topic_arn && String(aws.topic_arn).split(":").pop()) || (aws.queue_url && String(aws.queue_url).split("/").pop());
    if (target && target !== item.name) parts.push(String(target));
    if (!doc.origin && !doc.namespace && doc.http && doc.http.request && doc.http.request.url) parts.push(String(doc.http.request.url));
    return parts.join(" · ");
  }

  // ------------------------------------------------------------ summaries

  function summaryList() {
    const list = state.summaries && Array.isArray(state.summaries.TraceSummaries) ? state.summaries.TraceSummaries : [];
    return list.filter((t) => t && typeof t === "object" && t.Id);
  }

  function selectedNode() {
    if (!state.nodeWanted || !state.graph) return null;
    const { name, type } = state.nodeWanted;
    const matches = state.graph.nodes.filter((n) => n.name === name && (!type || n.type === type));
    if (!matches.length) return null;
    if (matches.length === 1) return matches[0];
    const clicked = matches.find((n) => state.nodeWanted.ref !== undefined && n.ref === state.nodeWanted.ref);
    if (clicked) return clicked;
    const ranked = matches.map((n) => [n, state.layout && state.layout.pos.get(n) ? state.layout.pos.get(n).column : 0]);
    ranked.sort((a, b) => b[1] - a[1]);
    return ranked[0][0];
  }

  // narrowed applies the node selection to the trace list (client side, from
  // each summary's ServiceIds); a client node narrows nothing.
  function narrowed(list) {
    const wanted = state.nodeWanted;
    if (!wanted) return { list, scoped: false };
    const node = selectedNode();
    const type = node ? node.type : wanted.type;
    const name = node ? node.name : wanted.name;
    if (type === "client") return { list, scoped: false };
    if (!list.some((t) => Array.isArray(t.ServiceIds))) return { list, scoped: false, unsupported: true };
    const matches = (svc) => svc && (svc.Name === name || (Array.isArray(svc.Names) && svc.Names.includes(name))) && (!type || !svc.Type || svc.Type === type);
    return {
      list: list.filter((t) => (Array.isArray(t.ServiceIds) && t.ServiceIds.some(matches)) || matches(t.EntryPoint)),
      scoped: true, name, type,
    };
  }

  function rootCauseText(summary) {
    const groups = summary.HasFault ? summary.FaultRootCauses : summary.HasError || summary.HasThrottle ? summary.ErrorRootCauses : null;
    const cause = firstCause(groups) || firstCause(summary.FaultRootCauses) || firstCause(summary.ErrorRootCauses);
    return cause ? cause.text : "";
  }

  function firstCause(groups) {
    for (const group of Array.isArray(groups) ? groups : []) {
      for (const svc of Array.isArray(group && group.Services) ? group.Services : []) {
        const path = Array.isArray(svc.EntityPath) ? svc.EntityPath : [];
        for (let i = path.length - 1; i >= 0; i--) {
          const exceptions = Array.isArray(path[i] && path[i].Exceptions) ? path[i].Exceptions : [];
          const ex = exceptions.find((e) => e && (e.Message || e.Name));
          if (ex || i === path.length - 1) {
            const entity = String((path[i] && path[i].Name) || svc.Name || "");
            const message = ex ? String(ex.Message || ex.Name) : "";
            return {
              service: String(svc.Name || ""), serviceType: String(svc.Type || ""), entity,
              exception: ex ? String(ex.Name || "") : "", message,
              text: message ? (message.startsWith(entity) ? message : entity + ": " + message) : entity,
            };
          }
        }
      }
    }
    return null;
  }

  // ------------------------------------------------------------ rendering

  function render() {
    const body = document.body;
    const hasGraph = !!(state.graph && state.graph.nodes.length);
    const list = summaryList();
    let next;
    if (state.apiError) next = "error";
    else if (!state.loaded) next = "loading";
    else if (!hasGraph && !list.length && !state.filterError) next = "empty";
    else next = "ready";
    if (body.dataset.state !== next) {
      body.dataset.state = next;
      announce(next === "error" ? "The trace API is unreachable." : next === "empty" ? "No traces yet." : next === "ready" ? "Traces loaded." : "");
    }
    renderTopbar();
    renderApiError();
    $("empty-state").hidden = next !== "empty";
    $("map-canvas").hidden = next === "empty";
    renderMap();
    renderNodePanel();
    renderFilter();
    renderList();
    renderTimeline();
    updateURL();
  }

  function announce(text) {
    if (text) $("announcer").textContent = text;
  }

  function renderTopbar() {
    const text = $("live-text");
    const indicator = $("live-indicator");
    const pause = $("pause");
    pause.setAttribute("aria-pressed", state.paused ? "true" : "false");
    pause.textContent = state.paused ? "Resume" : "Pause";
    const at = state.lastUpdate ? " · updated " + fmtClock(state.lastUpdate.getTime() / 1000).main : "";
    if (state.apiError) {
      indicator.className = "live-indicator down";
      text.textContent = state.paused ? "Paused · API unreachable" : "API unreachable · retrying every 2 s";
    } else if (state.paused) {
      indicator.className = "live-indicator paused";
      text.textContent = "Paused" + at;
    } else {
      indicator.className = "live-indicator on";
      text.textContent = (state.loaded ? "Live" : "Loading…") + at;
    }
  }

  function renderApiError() {
    const box = $("api-error");
    if (!state.apiError) {
      box.hidden = true;
      document.querySelector("main").classList.remove("stale");
      return;
    }
    clear(box);
    box.append(
      el("strong", null, "The trace API is unreachable. "),
      el("span", null, state.apiError + ". "),
      el("span", null, "Is the local stack running? "),
      el("code", null, "make dev"),
      el("span", null, " serves this page and its API at /traces/. " + (state.paused ? "Updates are paused." : "Retrying every 2 s."))
    );
    box.hidden = false;
    document.querySelector("main").classList.toggle("stale", state.loaded);
  }

  // ---------------------------------------------------------------- map

  let mapSig = "";

  function renderMap() {
    const canvas = $("map-canvas");
    const graph = state.graph;
    const selected = selectedNode();
    const sig = state.graphText + "|" + (selected ? selected.key : "") + "|" + state.loaded + "|" + !!state.apiError;
    if (sig === mapSig) return;
    mapSig = sig;
    const keep = focusKey();
    clear(canvas);
    if (!graph || !graph.nodes.length) {
      canvas.append(el("p", { class: "placeholder muted" }, state.loaded ? "The service map is empty." : state.apiError ? "The service map appears once the trace API answers." : "Loading the service map…"));
      return;
    }
    const lay = state.layout;
    const svg = s("svg", {
      viewBox: "0 0 " + lay.width + " " + lay.height, class: "map", role: "group",
      "aria-label": "Service map: " + plural(graph.nodes.length, "node") + ", " + plural(graph.edges.length, "edge"),
      preserveAspectRatio: "xMidYMin meet",
    });
    svg.style.maxWidth = lay.width * 1.15 + "px";
    const defs = s("defs");
    for (const kind of ["ok", "error", "throttle", "fault", "none", "selected"]) {
      defs.append(s("marker", {
        id: "arrow-" + kind, viewBox: "0 0 10 10", refX: 9, refY: 5, markerWidth: 9, markerHeight: 9,
        orient: "auto-start-reverse", markerUnits: "userSpaceOnUse",
      }, s("path", { d: "M0,0 L10,5 L0,10 z", class: "arrowhead " + kind })));
    }
    svg.append(defs);
    const edgeLayer = s("g", { class: "edges" });
    const labelLayer = s("g", { class: "edge-labels" });
    const nodeLayer = s("g", { class: "nodes" });
    svg.append(edgeLayer, labelLayer, nodeLayer);
    const R = 30;
    const labels = [];
    for (const edge of graph.edges) {
      const a = lay.pos.get(edge.from), b = lay.pos.get(edge.to);
      if (!a || !b) continue;
      const h = health(edge.counts);
      const touches = selected && (edge.from === selected || edge.to === selected);
      let pts;
      if (b.x > a.x) {
        const x1 = a.x + R + 9, y1 = a.y, x2 = b.x - R - 11, y2 = b.y;
        const dx = Math.min((x2 - x1) / 2, 90);
        pts = [[x1, y1], [x1 + dx, y1], [x2 - dx, y2], [x2, y2]];
      } else {
        // Same column or backwards: loop under the nodes.
        const x1 = a.x, y1 = a.y + R + 9, x2 = b.x, y2 = b.y + R + 11;
        const drop = Math.max(y1, y2) + 60;
        pts = [[x1, y1], [x1, drop], [x2, drop], [x2, y2]];
      }
      const d = "M" + pts[0] + " C" + pts[1] + " " + pts[2] + " " + pts[3];
      const avg = average(edge.counts);
      const g = s("g", {
        class: "edge health-" + h + (touches ? " touches" : ""), "data-edge": edge.key,
        "data-from-type": edge.from.type, "data-to-type": edge.to.type,
        "data-requests": edge.counts.total, "data-health": h, "data-avg": avg === null ? "" : avg.toFixed(6),
      });
      g.append(
        s("title", null, edge.from.name + " → " + edge.to.name + ": " + describeCounts(edge.counts)),
        s("path", { d, class: "edge-line", "marker-end": "url(#arrow-" + (touches ? "selected" : h) + ")" })
      );
      edgeLayer.append(g);
      const label = s("text", { class: "edge-label", "text-anchor": "middle", "aria-hidden": "true", "data-edge-label": edge.key },
        edge.counts.total + " req" + (avg === null ? "" : " · " + fmtSeconds(avg)));
      labelLayer.append(label);
      labels.push({ text: label, pts, span: Math.hypot(pts[3][0] - pts[0][0], pts[3][1] - pts[0][1]) });
    }
    // Column by column, top to bottom: the order Tab walks them in.
    const inReadingOrder = graph.nodes.slice().sort((m, n) => {
      const pm = lay.pos.get(m), pn = lay.pos.get(n);
      return pm.column - pn.column || pm.y - pn.y;
    });
    for (const node of inReadingOrder) {
      const p = lay.pos.get(node);
      const c = node.counts;
      const h = health(c);
      const info = typeInfo(node.type);
      const avg = average(c);
      const isSelected = selected === node;
      const g = s("g", {
        class: "node health-" + h + (isSelected ? " selected" : ""), transform: "translate(" + p.x + "," + p.y + ")",
        tabindex: 0, role: "button", "aria-pressed": isSelected ? "true" : "false",
        "aria-label": node.name + ", " + info.label + ": " + describeCounts(c),
        "data-node": node.name, "data-type": node.type, "data-health": h,
        "data-requests": c.total, "data-ok": c.ok, "data-errors": c.error, "data-throttles": c.throttle, "data-faults": c.fault,
        "data-avg": avg === null ? "" : avg.toFixed(6), "data-focus-key": "node:" + node.key,
      });
      g.append(s("title", null, node.name + " (" + node.type + ")\n" + describeCounts(c)));
      g.append(s("circle", { r: R + 13, class: "hit" }));
      if (isSelected) g.append(s("circle", { r: R + 10, class: "selection-halo" }));
      g.append(...ring(c, R + 4));
      g.append(s("circle", { r: R - 1, class: "node-body" }));
      g.append(s("text", { y: -2, class: "node-avg", "text-anchor": "middle" }, avg === null ? "–" : fmtSeconds(avg)));
      g.append(s("text", { y: 13, class: "node-count", "text-anchor": "middle" }, c.total + " req"));
      // Type badge on the ring, top left.
      const badge = s("g", { class: "type-badge", transform: "translate(" + -(R - 2) + "," + -(R - 2) + ")" });
      if (node.type === "client") {
        badge.append(s("circle", { r: 11 }), s("circle", { cy: -3, r: 3.2, class: "glyph-shape" }),
          s("path", { d: "M-6,7 C-6,1 6,1 6,7 Z", class: "glyph-shape" }));
      } else {
        badge.append(s("circle", { r: 11 }), s("text", { y: 3.5, "text-anchor": "middle", class: "glyph" + (info.glyph.length > 2 ? " long" : "") }, info.glyph));
      }
      g.append(badge);
      g.append(s("text", { y: R + 22, class: "node-name", "text-anchor": "middle" }, node.type === "client" && node.name === "client" ? "Client" : node.name));
      g.append(s("text", { y: R + 37, class: "node-type", "text-anchor": "middle" }, info.label));
      activate(g, () => selectNode(isSelected ? null : node));
      nodeLayer.append(g);
    }
    canvas.append(svg);
    // Now that the text can be measured: fit names into their column and
    // put each edge label where it hides no node, name or other label.
    const obstacles = [];
    for (const g of nodeLayer.children) {
      const p = lay.pos.get(graph.nodes.find((n) => n.key === g.dataset.focusKey.slice(5)));
      // The first and last columns have the margin to spare on one side.
      const outer = p.column === 0 || p.column === lay.columns - 1;
      for (const text of g.querySelectorAll(".node-name, .node-type")) fitText(text, outer ? 2 * lay.margin - 12 : lay.columnWidth - 10);
      obstacles.push({ x: p.x - R - 10, y: p.y - R - 10, w: 2 * R + 20, h: 2 * R + 20 });
      for (const text of g.querySelectorAll(".node-name, .node-type")) {
        const box = text.getBBox();
        obstacles.push({ x: p.x + box.x - 2, y: p.y + box.y - 1, w: box.width + 4, h: box.height + 2 });
      }
    }
    placeLabels(labels, obstacles);
    restoreFocus(keep, canvas);
  }

  // fitText shortens an SVG text with an ellipsis until it fits; the full
  // text stays in a <title> for the tooltip.
  function fitText(text, maxWidth) {
    const full = text.textContent;
    if (!(text.getComputedTextLength() > maxWidth)) return;
    let lo = 1, hi = full.length;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      text.textContent = full.slice(0, mid) + "…";
      if (text.getComputedTextLength() <= maxWidth) lo = mid;
      else hi = mid - 1;
    }
    text.textContent = full.slice(0, lo) + "…";
    text.append(s("title", null, full));
  }

  function bezier(pts, t) {
    const u = 1 - t;
    const k = [u * u * u, 3 * u * u * t, 3 * u * t * t, t * t * t];
    return { x: k.reduce((a, c, i) => a + c * pts[i][0], 0), y: k.reduce((a, c, i) => a + c * pts[i][1], 0) };
  }

  // placeLabels tries points along each edge, above then below the line,
  // shortest edges first (they have the least room).
  function placeLabels(labels, obstacles) {
    const placed = obstacles.slice();
    const free = (b) => !placed.some((o) => b.x < o.x + o.w && o.x < b.x + b.w && b.y < o.y + o.h && o.y < b.y + b.h);
    labels.sort((a, b) => a.span - b.span);
    for (const label of labels) {
      const w = label.text.getComputedTextLength() + 6, h = 13;
      let choice = null;
      for (const t of [0.5, 0.4, 0.6, 0.3, 0.7, 0.2, 0.8]) {
        const p = bezier(label.pts, t);
        for (const dy of [-6, 14]) {
          const box = { x: p.x - w / 2, y: p.y + dy - 10, w, h };
          if (free(box)) {
            choice = { p, dy, box };
            break;
          }
        }
        if (choice) break;
      }
      if (!choice) {
        const p = bezier(label.pts, 0.5);
        choice = { p, dy: -6, box: { x: p.x - w / 2, y: p.y - 16, w, h } };
      }
      label.text.setAttribute("x", choice.p.x.toFixed(1));
      label.text.setAttribute("y", (choice.p.y + choice.dy).toFixed(1));
      placed.push(choice.box);
    }
  }

  // ring draws the health ring: one arc per class, proportional to its count.
  function ring(c, radius) {
    const circumference = 2 * Math.PI * radius;
    const total = c.ok + c.error + c.throttle + c.fault;
    if (!total) return [s("circle", { r: radius, class: "ring ring-none" })];
    const arcs = [];
    let offset = 0;
    for (const kind of HEALTH) {
      const n = c[kind];
      if (!n) continue;
      const len = (n / total) * circumference;
      arcs.push(s("circle", {
        r: radius, class: "ring ring-" + kind, "data-ring": kind,
        "stroke-dasharray": len === circumference ? null : len + " " + (circumference - len),
        "stroke-dashoffset": -offset, transform: "rotate(-90)",
      }));
      offset += len;
    }
    return arcs;
  }

  function describeCounts(c) {
    const parts = [plural(c.total, "request")];
    if (c.ok) parts.push(c.ok + " ok");
    if (c.error) parts.push(plural(c.error, "error"));
    if (c.throttle) parts.push(plural(c.throttle, "throttle"));
    if (c.fault) parts.push(plural(c.fault, "fault"));
    const avg = average(c);
    if (avg !== null) parts.push("average " + fmtSeconds(avg));
    return parts.join(", ");
  }

  function selectNode(node) {
    state.nodeWanted = node ? { name: node.name, type: node.type, ref: node.ref } : null;
    render();
  }

  // ---------------------------------------------------------------- node panel

  let panelSig = "";

  function renderNodePanel() {
    const node = selectedNode();
    const heading = $("node-heading");
    const body = $("node-body");
    const histo = $("histogram");
    const sig = state.graphText + "|" + state.summariesText + "|" + (node ? node.key : "") + "|" + state.loaded + "|" + state.filter + "|" + state.filterError + "|" + !!state.apiError;
    if (sig === panelSig) return;
    panelSig = sig;
    const keep = focusKey();
    clear(body);
    clear(histo);
    $("clear-node").hidden = !node;
    if (!node) {
      heading.textContent = "Overview";
      renderOverview(body);
      restoreFocus(keep, $("node-panel"));
      return;
    }
    const info = typeInfo(node.type);
    heading.textContent = node.type === "client" ? "Client" : node.name;
    const c = node.counts;
    body.append(el("p", { class: "node-kind muted" }, info.label + (info.label !== node.type ? " · " + node.type : "")));
    const stats = el("dl", { class: "stats" });
    const stat = (label, value, cls) => stats.append(el("div", { class: "stat " + (cls || "") }, el("dt", null, label), el("dd", null, value)));
    stat("Requests", String(c.total));
    stat("OK", String(c.ok), "ok");
    stat("Errors 4xx", String(c.error), c.error ? "error" : "");
    stat("Throttles", String(c.throttle), c.throttle ? "throttle" : "");
    stat("Faults 5xx", String(c.fault), c.fault ? "fault" : "");
    stat("Average", fmtSeconds(average(c)));
    body.append(stats);
    drawHistogram(histo, node.histogram, average(c), node.name);
    restoreFocus(keep, $("node-panel"));
  }

  // renderOverview: the triage summary when no node is selected.
  function renderOverview(body) {
    const list = summaryList();
    if (!state.loaded) {
      body.append(el("p", { class: "muted" }, state.apiError ? "Nothing to show until the trace API answers." : "Loading…"));
      return;
    }
    const faults = list.filter((t) => t.HasFault).length;
    const errors = list.filter((t) => t.HasError && !t.HasThrottle).length;
    const throttles = list.filter((t) => t.HasThrottle).length;
    const scope = state.filter ? "matching the filter" : "in the store";
    const stats = el("dl", { class: "stats" });
    const stat = (label, value, cls) => stats.append(el("div", { class: "stat " + (cls || "") }, el("dt", null, label), el("dd", null, value)));
    stat("Traces", String(list.length));
    stat("Faults", String(faults), faults ? "fault" : "");
    stat("Errors", String(errors), errors ? "error" : "");
    stat("Throttles", String(throttles), throttles ? "throttle" : "");
    const slowest = list.reduce((m, t) => Math.max(m, num(t.ResponseTime !== undefined ? t.ResponseTime : t.Duration)), 0);
    stat("Slowest", list.length ? fmtSeconds(slowest) : "–");
    body.append(stats, el("p", { class: "muted small-text" }, "Counts of the traces " + scope + "."));

    // Fault and error root causes, grouped, newest trace first.
    const groups = new Map();
    for (const t of list) {
      const kind = t.HasFault ? "fault" : t.HasThrottle ? "throttle" : t.HasError ? "error" : "";
      if (!kind) continue;
      const cause = firstCause(kind === "fault" ? t.FaultRootCauses : t.ErrorRootCauses);
      if (!cause) continue;
      const key = kind + "|" + cause.service + "|" + cause.serviceType + "|" + cause.entity + "|" + cause.message;
      const g = groups.get(key) || { kind, cause, count: 0, newest: t };
      g.count++;
      if (num(t.StartTime) > num(g.newest.StartTime)) g.newest = t;
      groups.set(key, g);
    }
    if (!groups.size) {
      body.append(el("p", { class: "muted" }, state.filterError ? "The filter was rejected; fix it to see the summary." : list.length ? "No fault or error root causes among these traces." : state.filter ? "No traces match the filter." : "No traces to summarise yet."));
      body.append(el("p", { class: "muted" }, "Select a node on the map to see its response-time distribution."));
      return;
    }
    body.append(el("h3", null, "Root causes"));
    const ul = el("ul", { class: "causes" });
    const sorted = [...groups.values()].sort((a, b) => b.count - a.count);
    for (const g of sorted.slice(0, 6)) {
      const button = el("button", {
        type: "button", class: "cause " + g.kind, "data-focus-key": "cause:" + g.cause.service + g.cause.entity + g.cause.message,
        title: "Open the newest of these traces",
      },
      el("span", { class: "cause-count" }, "×" + g.count),
      el("span", { class: "cause-where" }, g.cause.service + (g.cause.entity && g.cause.entity !== g.cause.service ? " › " + g.cause.entity : "")),
      el("span", { class: "cause-message" }, (g.cause.exception ? g.cause.exception + ": " : "") + (g.cause.message || causeFallback(g))));
      button.addEventListener("click", () => {
        state.nodeWanted = g.cause.service ? { name: g.cause.service, type: g.cause.serviceType } : state.nodeWanted;
        openTrace(g.newest.Id);
      });
      ul.append(el("li", null, button));
    }
    body.append(ul);
  }

  // causeFallback names a root cause that recorded no exception.
  function causeFallback(group) {
    const status = group.newest.Http && Number(group.newest.Http.HttpStatus);
    return status ? group.kind + ", HTTP " + status : group.kind;
  }

  // drawHistogram: response times in bins of a round width, seconds on x.
  function drawHistogram(container, histogram, avg, name) {
    container.append(el("h3", null, "Response time distribution"));
    if (!histogram.length) {
      container.append(el("p", { class: "muted" }, "No response times recorded for this node."));
      return;
    }
    const maxValue = Math.max(...histogram.map((b) => b.value));
    const total = histogram.reduce((a, b) => a + b.count, 0);
    const axisStep = niceStep(Math.max(maxValue, 0.01) * 1.05, 5);
    const xMax = Math.max(axisStep, Math.ceil((maxValue * 1.05) / axisStep) * axisStep);
    const binWidth = niceStep(xMax, 40);
    const bins = new Map();
    for (const b of histogram) {
      const i = Math.min(Math.floor(b.value / binWidth + 1e-9), Math.ceil(xMax / binWidth) - 1);
      bins.set(i, (bins.get(i) || 0) + b.count);
    }
    const maxCount = Math.max(...bins.values());
    const W = 420, H = 150, L = 34, Rm = 12, T = 14, B = 32;
    const x = (v) => L + (v / xMax) * (W - L - Rm);
    const y = (n) => H - B - (n / maxCount) * (H - B - T);
    const svg = s("svg", {
      viewBox: "0 0 " + W + " " + H, class: "histo", role: "img",
      "aria-label": "Response times of " + name + ": " + plural(total, "request") + " from " + fmtSeconds(Math.min(...histogram.map((b) => b.value))) + " to " + fmtSeconds(maxValue),
    });
    // y grid and ticks (whole requests)
    const yStep = Math.max(1, niceStep(maxCount, 4));
    for (let n = 0; n <= maxCount; n += yStep) {
      svg.append(s("line", { x1: L, x2: W - Rm, y1: y(n), y2: y(n), class: "grid" }));
      svg.append(s("text", { x: L - 6, y: y(n) + 3.5, class: "tick", "text-anchor": "end" }, String(n)));
    }
    for (let v = 0; v <= xMax + 1e-9; v += axisStep) {
      svg.append(s("line", { x1: x(v), x2: x(v), y1: H - B, y2: H - B + 4, class: "axis" }));
      svg.append(s("text", { x: x(v), y: H - B + 16, class: "tick", "text-anchor": "middle" }, fmtSecondsTick(v, axisStep)));
    }
    svg.append(s("line", { x1: L, x2: W - Rm, y1: H - B, y2: H - B, class: "axis" }));
    svg.append(s("text", { x: W - Rm, y: H - 2, class: "axis-title", "text-anchor": "end" }, "response time (seconds)"));
    const barW = Math.max(2, x(binWidth) - x(0) - 1);
    for (const [i, count] of [...bins.entries()].sort((a, b) => a[0] - b[0])) {
      const from = i * binWidth, to = from + binWidth;
      svg.append(s("rect", {
        x: x(from) + 0.5, y: y(count), width: barW, height: H - B - y(count), class: "bar",
        "data-bin-start": +from.toFixed(6), "data-bin-end": +to.toFixed(6), "data-count": count,
      }, s("title", null, plural(count, "request") + " between " + fmtSeconds(from) + " and " + fmtSeconds(to))));
      svg.append(s("text", { x: x(from) + barW / 2 + 0.5, y: y(count) - 3, class: "bar-label", "text-anchor": "middle" }, String(count)));
    }
    if (avg !== null && avg <= xMax) {
      svg.append(s("line", { x1: x(avg), x2: x(avg), y1: T, y2: H - B, class: "avg-line" }));
    }
    container.append(svg);
    const pct = (q) => {
      let seen = 0;
      const sortedBins = [...histogram].sort((a, b) => a.value - b.value);
      for (const b of sortedBins) {
        seen += b.count;
        if (seen >= q * total) return b.value;
      }
      return maxValue;
    };
    container.append(el("p", { class: "histo-caption muted" },
      (avg !== null ? "avg " + fmtSeconds(avg) + " (dashed) · " : "") + "p50 " + fmtSeconds(pct(0.5)) + " · p90 " + fmtSeconds(pct(0.9)) + " · max " + fmtSeconds(maxValue) + " · bins of " + fmtSeconds(binWidth)));
  }

  // ---------------------------------------------------------------- filter & list

  let shownFilter = null;

  function renderFilter() {
    const input = $("filter");
    // Only a filter that changed (a quick button, a deep link) overwrites
    // what is in the box: a refresh must not undo typing.
    if (shownFilter !== state.filter) {
      if (document.activeElement !== input || input.value.trim() === state.filter) input.value = state.filter;
      shownFilter = state.filter;
    }
    renderSlowButton();
    for (const b of document.querySelectorAll("[data-quick]")) {
      b.setAttribute("aria-pressed", !b.disabled && b.dataset.expression === state.filter ? "true" : "false");
    }
    const box = $("filter-error");
    if (state.filterError) {
      box.textContent = "The filter was rejected: " + state.filterError;
      box.hidden = false;
      input.setAttribute("aria-invalid", "true");
    } else {
      box.hidden = true;
      box.textContent = "";
      input.removeAttribute("aria-invalid");
    }
  }

  // slowThreshold is the response time (seconds) above which a trace is slow,
  // as the server works it out from the data; 0 when unknown.
  function slowThreshold() {
    return state.slow && num(state.slow.threshold) > 0 ? num(state.slow.threshold) : 0;
  }

  function renderSlowButton() {
    const b = document.querySelector('[data-quick="slow"]');
    if (!b) return;
    const threshold = slowThreshold();
    if (threshold > 0 && state.slow.filterExpression) {
      b.dataset.expression = String(state.slow.filterExpression);
      b.textContent = "Slow > " + String(state.slow.label || fmtSeconds(threshold));
      b.title = "Traces slower than 80 % of the slowest response time held: " + b.dataset.expression;
      b.disabled = false;
    } else {
      b.dataset.expression = "";
      b.textContent = "Slow";
      b.title = "No traces yet to tell slow from fast";
      b.disabled = true;
    }
  }

  function setFilter(expression) {
    state.filter = expression.trim();
    state.filterError = "";
    state.summariesText = null;
    render();
    refresh();
  }

  let listSig = "";

  function renderList() {
    const rowsBody = $("trace-rows");
    const message = $("list-message");
    const all = summaryList();
    const { list, scoped, name, type, unsupported } = narrowed(all);
    const sorted = [...list].sort((a, b) => num(b.StartTime) - num(a.StartTime));
    // data-filter: the filter the listed rows answer, absent while a new
    // filter's rows are on their way (or the filter was rejected).
    const table = $("trace-list");
    if (state.loaded && !state.filterError && state.summariesText !== null && state.summariesFilter === state.filter) table.dataset.filter = state.filter;
    else delete table.dataset.filter;
    const sig = state.summariesText + "|" + state.filter + "|" + state.filterError + "|" + JSON.stringify(state.nodeWanted) + "|" + state.traceId + "|" + state.loaded + "|" + (state.graphText || "").length + "|" + !!state.apiError + "|" + slowThreshold();
    if (sig === listSig) return;
    listSig = sig;
    const keep = focusKey();

    const scope = $("node-scope");
    clear(scope);
    if (scoped) {
      scope.append(el("span", null, "Only traces through "), el("strong", null, name), el("span", { class: "muted" }, " (" + typeInfo(type).label + ") "));
      scope.append(el("button", { type: "button", class: "small", onclick: () => selectNode(null), "data-focus-key": "scope-clear" }, "Show all"));
      scope.hidden = false;
    } else if (unsupported) {
      scope.append(el("span", { class: "muted" }, "These summaries do not list their services, so the list is not narrowed to the selected node."));
      scope.hidden = false;
    } else {
      scope.hidden = true;
    }
    const count = $("trace-count");
    count.textContent = !state.loaded ? "" : scoped ? sorted.length + " of " + plural(all.length, "trace") : plural(all.length, "trace");

    clear(rowsBody);
    for (const t of sorted.slice(0, MAX_ROWS)) rowsBody.append(traceRow(t));
    message.hidden = true;
    if (!state.loaded) {
      message.textContent = state.apiError ? "No traces: the trace API did not answer." : "Loading traces…";
      message.hidden = false;
    } else if (state.filterError) {
      message.textContent = "Fix the filter expression to see traces.";
      message.hidden = false;
    } else if (!sorted.length) {
      clear(message);
      if (!all.length && !state.filter) {
        message.append("No traces yet: post a question from the ", el("a", { href: "/" }, "Contact Us page"), ".");
      } else if (!all.length) {
        message.append("No traces match ", el("code", null, state.filter), ".");
      } else {
        message.append("No traces through " + name + (state.filter ? " match this filter." : "."));
      }
      message.hidden = false;
    } else if (sorted.length > MAX_ROWS) {
      message.textContent = "Showing the newest " + MAX_ROWS + " of " + sorted.length + " traces; narrow them with a filter.";
      message.hidden = false;
    }
    restoreFocus(keep, rowsBody);
  }

  function traceRow(t) {
    const http = t.Http && typeof t.Http === "object" ? t.Http : {};
    const status = Number(http.HttpStatus) || null;
    const selected = t.Id === state.traceId;
    const rt = t.ResponseTime !== undefined ? num(t.ResponseTime) : num(t.Duration);
    const time = fmtClock(num(t.StartTime));
    const tr = el("tr", {
      "data-trace-id": t.Id, "data-status": status ? String(status) : "",
      "data-fault": t.HasFault ? "true" : "false", "data-error": t.HasError ? "true" : "false",
      "data-throttle": t.HasThrottle ? "true" : "false", "aria-selected": selected ? "true" : "false",
      class: (selected ? "selected " : "") + (t.HasFault ? "row-fault" : t.HasThrottle ? "row-throttle" : t.HasError ? "row-error" : ""),
    });
    let path = "";
    if (http.HttpURL) {
      try {
        path = new URL(String(http.HttpURL)).pathname;
      } catch (_) {
        path = String(http.HttpURL);
      }
    }
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
    const idButton = el("button", {
      type: "button", class: "trace-id", "data-focus-key": "trace:" + t.Id,
      "aria-label": "Open trace " + t.Id, "aria-pressed": selected ? "true" : "false",
    }, t.Id);
    tr.append(
      el("td", { class: "col-time", title: time.full }, time.main, time.date ? el("span", { class: "date" }, time.date) : null),
      el("td", { class: "col-id" }, idButton),
      el("td", { class: "col-req" }, request, cause ? el("span", { class: "cause-line " + (t.HasFault ? "fault" : "error"), title: cause }, cause) : null),
      el("td", { class: "col-status" }, status ? el("span", { class: "status " + statusClass(status) }, String(status)) : el("span", { class: "status none" }, "–"), flags),
      el("td", { class: "col-rt" + (slowThreshold() > 0 && rt > slowThreshold() ? " slow" : "") }, fmtSeconds(rt))
    );
    tr.addEventListener("click", (event) => {
      if (event.target.closest("a")) return;
      openTrace(t.Id);
    });
    idButton.addEventListener("keydown", (event) => moveFocus(event, tr, "tr", ".trace-id"));
    return tr;
  }

  // moveFocus: arrow keys walk a list of rows.
  function moveFocus(event, current, rowSelector, focusSelector) {
    if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
    let next = event.key === "ArrowDown" ? current.nextElementSibling : current.previousElementSibling;
    while (next && !next.matches(rowSelector)) next = event.key === "ArrowDown" ? next.nextElementSibling : next.previousElementSibling;
    if (!next) return;
    event.preventDefault();
    const target = focusSelector ? next.querySelector(focusSelector) : next;
    if (target) target.focus();
  }

  function openTrace(id) {
    if (state.traceId === id) {
      render();
      return;
    }
    state.traceId = id;
    state.segmentId = "";
    state.trace = null;
    state.traceText = null;
    state.traceFor = "";
    state.traceError = "";
    render();
    refresh();
  }

  // ---------------------------------------------------------------- timeline

  let timelineSig = "";

  function renderTimeline() {
    const box = $("timeline");
    const meta = $("trace-meta");
    const detail = $("segment-detail");
    const trace = state.trace;
    const width = Math.max(520, Math.floor(box.clientWidth || 640));
    const sig = state.traceId + "|" + state.traceText + "|" + state.traceError + "|" + state.segmentId + "|" + width + "|" + (state.traceFor === state.traceId);
    if (sig === timelineSig) return;
    timelineSig = sig;
    const keep = focusKey();
    clear(box);
    clear(meta);
    clear(detail);
    if (!state.traceId) {
      box.append(el("p", { class: "placeholder muted" }, "Select a trace to see its timeline. A faulted trace opens at the segment that failed."));
      return;
    }
    if (state.traceError) {
      box.append(el("p", { class: "placeholder error-text" }, state.traceError));
      return;
    }
    if (!trace || state.traceFor !== state.traceId) {
      box.append(el("p", { class: "placeholder muted" }, "Loading trace " + state.traceId + "…"));
      return;
    }
    renderTraceMeta(meta, trace);
    if (!trace.rows.length) {
      box.append(el("p", { class: "placeholder muted" }, "This trace has no segments."));
      return;
    }
    let selected = state.segmentId ? trace.items.get(state.segmentId) : null;
    if (!selected) {
      selected = rootCauseOf(trace);
      state.segmentId = selected ? selected.id : "";
    }
    drawTimeline(box, trace, selected, width);
    renderSegmentDetail(detail, trace, selected);
    for (const p of trace.problems) box.append(el("p", { class: "error-text small-text" }, p));
    restoreFocus(keep, box);
  }

  function renderTraceMeta(meta, trace) {
    const summary = summaryList().find((t) => t.Id === trace.id);
    const root = trace.rows.find((r) => r.top && !r.parentId) || trace.rows[0];
    const req = root && root.doc.http && root.doc.http.request ? root.doc.http.request : null;
    const status = root ? httpStatusOf(root.doc) : null;
    const parts = [];
    if (req && (req.method || req.url)) {
      let path = String(req.url || "");
      try { path = new URL(path).pathname; } catch (_) { /* keep as is */ }
      parts.push(el("span", { class: "method" }, String(req.method || "")), " " + path + " ");
    } else if (root) {
      parts.push(root.name + " ");
    }
    if (status) parts.push(el("span", { class: "status " + statusClass(status) }, String(status)), " ");
    parts.push(el("span", null, "· " + fmtSeconds(trace.duration || trace.end - trace.start) + " · " + fmtClock(trace.start).main + " · "));
    parts.push(el("code", { class: "trace-id-text", title: "Trace ID" }, trace.id));
    if (trace.incomplete) parts.push(el("span", { class: "flag partial" }, "in progress"));
    if (trace.limitExceeded) parts.push(el("span", { class: "flag partial" }, "limit exceeded"));
    if (summary && summary.IsPartial) parts.push(el("span", { class: "flag partial" }, "partial"));
    meta.append(...parts);
  }

  function drawTimeline(box, trace, selected, width) {
    const ROW = 34, AXIS = 24, PAD_BOTTOM = 4, INDENT = 13;
    const labelW = Math.min(330, Math.max(210, Math.round(width * 0.42)));
    const x0 = labelW + 14, x1 = width - 66;
    const spanMs = Math.max((trace.end - trace.start) * 1000, 0.001);
    const step = niceStep(spanMs, Math.max(2, Math.floor((x1 - x0) / 80)));
    const scale = (ms) => x0 + (ms / spanMs) * (x1 - x0);
    const height = AXIS + trace.rows.length * ROW + PAD_BOTTOM;
    const svg = s("svg", {
      viewBox: "0 0 " + width + " " + height, width, height, class: "timeline-svg", role: "group",
      "aria-label": "Timeline of trace " + trace.id + ": " + plural(trace.rows.length, "segment") + " over " + fmtMs(spanMs),
    });
    // Axis: ticks in milliseconds from the start of the trace, grid lines across the rows.
    const axis = s("g", { class: "time-axis", "aria-hidden": "true" });
    for (let i = 0; i * step <= spanMs * 1.0001; i++) {
      const ms = i * step;
      const x = scale(ms);
      axis.append(s("line", { x1: x, x2: x, y1: AXIS - 5, y2: height - PAD_BOTTOM, class: "grid" }));
      axis.append(s("text", { x, y: AXIS - 9, class: "tick", "text-anchor": i === 0 ? "start" : "middle" }, fmtTick(ms, step)));
    }
    axis.append(s("line", { x1: x1, x2: x1, y1: AXIS - 5, y2: height - PAD_BOTTOM, class: "grid end" }));
    axis.append(s("text", { x: 8, y: AXIS - 9, class: "axis-title" }, "segment"));
    svg.append(axis);
    trace.rows.forEach((item, i) => {
      const y = AXIS + i * ROW;
      const h = itemHealth(item);
      const startMs = (item.start - trace.start) * 1000;
      const endSec = item.end !== null ? item.end : item.drawEnd;
      const durMs = Math.max(0, (endSec - item.start) * 1000);
      const isSelected = selected === item;
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
      const bx = scale(startMs);
      const bw = Math.max(2, scale(startMs + durMs) - bx);
      g.append(s("rect", { x: bx, y: y + 8, width: bw, height: ROW - 16, rx: 2, class: "bar" + (item.inProgress ? " in-progress" : "") }));
      const text = fmtMs(durMs) + (item.inProgress ? " …" : "");
      const after = bx + bw + 5;
      g.append(s("text", after + 58 <= width ? { x: after, y: y + 21, class: "seg-duration" } : { x: bx - 5, y: y + 21, class: "seg-duration", "text-anchor": "end" }, text));
      activate(g, () => {
        state.segmentId = item.id;
        render();
      });
      g.addEventListener("keydown", (event) => {
        if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
        const sibling = event.key === "ArrowDown" ? g.nextElementSibling : g.previousElementSibling;
        if (sibling && sibling.matches(".seg")) {
          event.preventDefault();
          sibling.focus();
        }
      });
      svg.append(g);
    });
    box.append(svg);
  }

  function renderSegmentDetail(detail, trace, item) {
    if (!item) return;
    const doc = item.doc;
    const h = itemHealth(item);
    detail.dataset.segmentId = item.id;
    const head = el("div", { class: "detail-head" },
      el("h3", null, item.name),
      el("span", { class: "flag " + h }, h === "ok" ? "ok" : h),
      el("span", { class: "muted" }, itemSummary(item)));
    detail.append(head);

    const exceptions = exceptionsOf(item, trace);
    if (exceptions.length) {
      const list = el("div", { class: "exceptions" });
      for (const ex of exceptions) {
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
          const frames = el("ol", { class: "stack" });
          for (const f of stack) {
            frames.append(el("li", null, el("span", { class: "frame-label" }, String(f.label || "?")), el("span", { class: "muted" }, " " + String(f.path || "") + (f.line ? ":" + f.line : ""))));
          }
          box.append(el("details", null, el("summary", null, "Stack (" + plural(stack.length, "frame") + ")"), frames));
        }
        list.append(box);
      }
      detail.append(list);
    } else if (item.fault || item.error || item.throttle) {
      const failedChild = item.children.find((c) => c.fault || c.error || c.throttle);
      if (failedChild) {
        const p = el("p", { class: "propagated" }, "The " + h + " comes from ");
        const jump = el("button", { type: "button", class: "small", "data-focus-key": "jump:" + failedChild.id }, failedChild.name);
        jump.addEventListener("click", () => {
          state.segmentId = failedChild.id;
          render();
        });
        p.append(jump, ".");
        detail.append(p);
      }
    }

    const dl = el("dl", { class: "fields" });
    const field = (key, label, value, cls) => {
      if (value === null || value === undefined || value === "") return;
      dl.append(el("dt", null, label), el("dd", { "data-field": key, class: cls || null }, String(value)));
    };
    const startMs = (item.start - trace.start) * 1000;
    const endSec = item.end !== null ? item.end : item.drawEnd;
    field("duration", "Duration", fmtMs((endSec - item.start) * 1000) + (item.inProgress ? " (in progress)" : ""));
    field("start", "Starts at", "+" + fmtMs(startMs) + " · " + fmtClock(item.start).main + fmtClock(item.start).ms);
    const http = doc.http && typeof doc.http === "object" ? doc.http : {};
    const req = http.request && typeof http.request === "object" ? http.request : {};
    const resp = http.response && typeof http.response === "object" ? http.response : {};
    field("http.status", "HTTP status", resp.status, "status-text " + statusClass(Number(resp.status)));
    if (req.method || req.url) field("http.request", "Request", [req.method, req.url].filter(Boolean).join(" "));
    field("http.content_length", "Response length", resp.content_length !== undefined ? resp.content_length + " bytes" : null);
    field("http.client_ip", "Client IP", req.client_ip);
    field("http.user_agent", "User agent", req.user_agent);
    const aws = doc.aws && typeof doc.aws === "object" ? doc.aws : {};
    const flat = flatten(aws, "");
    const first = ["operation", "table_name", "function_name", "topic_arn", "queue_url", "region", "retries", "request_id"];
    const keys = Object.keys(flat).sort((a, b) => {
      const ia = first.indexOf(a), ib = first.indexOf(b);
      return (ia < 0 ? 99 : ia) - (ib < 0 ? 99 : ib) || a.localeCompare(b);
    });
    for (const k of keys) field("aws." + k, "aws." + k, flat[k]);
    field("origin", "Origin", doc.origin);
    field("namespace", "Namespace", doc.namespace);
    field("id", isSegment(item) ? "Segment ID" : "Subsegment ID", item.id);
    field("parent_id", "Parent ID", item.parentId);
    if (doc.annotations && typeof doc.annotations === "object") {
      const ann = flatten(doc.annotations, "");
      for (const k of Object.keys(ann).sort()) field("annotations." + k, "annotation " + k, ann[k]);
    }
    detail.append(dl);
    if (doc.metadata && typeof doc.metadata === "object") {
      detail.append(el("details", null, el("summary", null, "Metadata"), el("pre", null, JSON.stringify(doc.metadata, null, 2))));
    }
    const raw = Object.assign({}, doc);
    if (Array.isArray(raw.subsegments)) raw.subsegments = "[" + plural(raw.subsegments.length, "subsegment") + ", shown as their own rows]";
    detail.append(el("details", { class: "raw" }, el("summary", null, "Raw document"), el("pre", null, JSON.stringify(raw, null, 2))));
  }

  function flatten(obj, prefix) {
    const out = {};
    for (const [k, v] of Object.entries(obj)) {
      const key = prefix ? prefix + "." + k : k;
      if (v && typeof v === "object" && !Array.isArray(v)) Object.assign(out, flatten(v, key));
      else if (Array.isArray(v)) out[key] = v.map((x) => (x && typeof x === "object" ? JSON.stringify(x) : String(x))).join(", ");
      else out[key] = v === null ? "null" : String(v);
    }
    return out;
  }

  // ---------------------------------------------------------------- URL

  function updateURL() {
    const p = new URLSearchParams();
    if (state.filter) p.set("filter", state.filter);
    if (state.nodeWanted) {
      const node = selectedNode();
      p.set("node", node ? node.name : state.nodeWanted.name);
      const type = node ? node.type : state.nodeWanted.type;
      if (type) p.set("type", type);
    }
    if (state.traceId) p.set("select", state.traceId);
    if (state.traceId && state.segmentId) p.set("segment", state.segmentId);
    if (state.paused) p.set("paused", "1");
    const query = p.toString();
    const next = window.location.pathname + (query ? "?" + query : "") + window.location.hash;
    if (next !== window.location.pathname + window.location.search + window.location.hash) {
      try {
        window.history.replaceState(null, "", next);
      } catch (_) {
        // file: URLs and sandboxed frames may refuse; the page works without.
      }
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
  let resizeTimer = null;
  window.addEventListener("resize", () => {
    clearTimeout(resizeTimer);
    resizeTimer = setTimeout(renderTimeline, 120);
  });

  $("filter").value = state.filter;
  render();
  refresh();
})();
