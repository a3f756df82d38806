// Latency: the listed traces' response times as a histogram split by
// outcome (ok, error, throttle, fault, from each summary's ResponseTime
// and HasFault, HasThrottle, HasError), the range a drag across a
// histogram selects (whole bins, as the X-Ray console's does), the list
// narrowed to it, and the filter expression a drag across a node's or an
// edge's own histogram stands for.
import { histogramBins, binIndex } from "./scale.js";
import { responseTime, outcomeOf } from "./summaries.js";
import { fmtSeconds } from "./format.js";

export const OUTCOMES = ["ok", "error", "throttle", "fault"];

const EPS = 1e-9;
const round9 = (x) => Math.round(x * 1e9) / 1e9;
const timeOf = (t) => Math.max(0, responseTime(t));

// splitHistogram bins the traces' response times as histogramBins does,
// each bin with its count per outcome (ok + error + throttle + fault =
// count); null without traces.
export function splitHistogram(list) {
  if (!list.length) return null;
  const byValue = new Map();
  for (const t of list) byValue.set(timeOf(t), (byValue.get(timeOf(t)) || 0) + 1);
  const h = histogramBins([...byValue].map(([value, count]) => ({ value, count })));
  const bins = h.bins.map((b) => ({ ...b, ok: 0, error: 0, throttle: 0, fault: 0 }));
  const byIndex = new Map(bins.map((b) => [b.index, b]));
  for (const t of list) byIndex.get(binIndex(timeOf(t), h.binWidth, h.last))[outcomeOf(t)]++;
  return { ...h, bins };
}

// brushRange is the range a drag from v0 to v1 (seconds, either way) over
// histogram h selects: from the start of the bin it starts in to the end of
// the bin it ends in, [from, to). A click (v0 = v1) selects its bin.
export function brushRange(h, v0, v1) {
  const i0 = binIndex(Math.max(0, Math.min(v0, v1)), h.binWidth, h.last);
  const i1 = binIndex(Math.max(0, Math.max(v0, v1)), h.binWidth, h.last);
  return { from: round9(i0 * h.binWidth), to: round9((i1 + 1) * h.binWidth) };
}

// inLatency tells whether response time rt (seconds) is in range: exactly
// the traces of the bins brushRange spanned.
export const inLatency = (rt, range) => rt >= range.from - EPS && rt < range.to - EPS;

// withinLatency keeps the traces whose response time is in range (null:
// all of them).
export function withinLatency(list, range) {
  return range ? list.filter((t) => inLatency(timeOf(t), range)) : list;
}

// parseLatency reads latency=FROM-TO (seconds, FROM < TO), null otherwise.
export function parseLatency(text) {
  const m = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(String(text || "").trim());
  if (!m) return null;
  const from = Number(m[1]), to = Number(m[2]);
  return from < to ? { from, to } : null;
}

export const latencyText = (range) => String(round9(range.from)) + "-" + String(round9(range.to));

// describeLatency: "response time 20 ms to 60 ms".
export const describeLatency = (range) => "response time " + fmtSeconds(range.from) + " to " + fmtSeconds(range.to);

// latencyClause is the filter expression of range: over the whole trace,
// or, given a service name, over that service's own response time.
export function latencyClause(range, service) {
  const inner = "responsetime >= " + round9(range.from) + " AND responsetime < " + round9(range.to);
  return service ? "service(" + JSON.stringify(service) + ") { " + inner + " }" : inner;
}

// A clause latencyClause wrote, at the end of an expression.
const TRAILING_CLAUSE = /(?:^|\s+AND\s+)(?:service\("(?:[^"\\]|\\.)*"\)\s*\{\s*)?responsetime >= [0-9.e-]+ AND responsetime < [0-9.e-]+(?:\s*\})?$/;

// withClause adds clause to filter: the clause alone for an empty filter,
// in place of the latency clause a previous drag added, else ANDed to it.
export function withClause(filter, clause) {
  const rest = String(filter || "").trim().replace(TRAILING_CLAUSE, "").trim();
  if (!rest) return clause;
  const wrapped = /\s(?:OR|\|\|)\s/i.test(rest) && !enclosed(rest) ? "(" + rest + ")" : rest;
  return wrapped + " AND " + clause;
}

// enclosed tells whether text is one parenthesised whole: "(a OR b)", not
// "(a) OR (b)". Quoted strings may hold parentheses.
function enclosed(text) {
  if (!text.startsWith("(")) return false;
  let depth = 0, quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === "\\") i++;
      else if (c === '"') quoted = false;
    } else if (c === '"') quoted = true;
    else if (c === "(") depth++;
    else if (c === ")" && --depth === 0) return i === text.length - 1;
  }
  return false;
}

// clauseServiceOf names the service whose own response time a node's or an
// edge's histogram shows (an edge's is its target's; a client has none).
export function clauseServiceOf(node, edge) {
  const target = edge ? edge.to : node;
  return target && target.type !== "client" ? target.name : "";
}
