// The trace API the local stack serves (internal/traces/handler.go), in the
// X-Ray API's shapes. Paths are relative to the page, so the page must be
// served at /traces/, with the trailing slash:
//   GET api/graph[?SCOPE]           GetServiceGraph body
//   GET api/summaries[?SCOPE][&filter=EXPR]  GetTraceSummaries body, newest
//                                   first; 400 {"error": "filter: ..."} for a
//                                   bad filter
//   GET api/traces?id=ID            BatchGetTraces body (Segments[].Document is
//                                   the segment document as a JSON string)
//   GET api/slow[?SCOPE]            the "Slow" quick filter the data calls for:
//                                   {"threshold": seconds, "label": "800ms",
//                                   "filterExpression": "responsetime > 0.8"}
//                                   (threshold 0 while the store is empty)
//   GET api/stages                  the stages the held traces ran at:
//                                   {"Stages": [{"Stage", "TraceCount",
//                                   "FirstStartTime", "LastStartTime"}],
//                                   "Current": {"Stage", "FaultPercent",
//                                   "FaultDelay"}}
// SCOPE is start=EPOCH&end=EPOCH (the traces started within, seconds, each
// optional) and stage=N (the traces that ran at stage N, the local stack's
// addition; each summary then carries its Settings).
import { fmtEpoch } from "../model/timerange.js";

const FETCH_TIMEOUT_MS = 8000;

// ApiError is an answer the page cannot use; its message is for people.
export class ApiError extends Error {}

// scopeParams are the [name, value] pairs of a scope {start, end (epoch
// seconds or null), stage (0: all)}.
export function scopeParams({ start = null, end = null, stage = 0 } = {}) {
  const out = [];
  if (start !== null) out.push(["start", fmtEpoch(start)]);
  if (end !== null) out.push(["end", fmtEpoch(end)]);
  if (stage) out.push(["stage", String(stage)]);
  return out;
}

const withQuery = (path, pairs) => (pairs.length ? path + "?" + pairs.map(([k, v]) => k + "=" + encodeURIComponent(v)).join("&") : path);

export const graphPath = (scope) => withQuery("api/graph", scopeParams(scope));
export const slowPath = (scope) => withQuery("api/slow", scopeParams(scope));
export const summariesPath = (filter, scope) => withQuery("api/summaries", [...scopeParams(scope), ...(filter ? [["filter", filter]] : [])]);
export const tracePath = (id) => "api/traces?id=" + encodeURIComponent(id);
export const stagesPath = "api/stages";

// getJSON fetches path; body is null when the answer is not JSON. Only a
// failed or timed-out request throws.
export async function getJSON(path) {
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

// usable: a 2xx answer with a JSON object.
export const usable = (res) => Boolean(res.ok && res.body && typeof res.body === "object");

// errorOf is the server's own word on an answer ({"error": ...}), if any.
export const errorOf = (res) => res.body && typeof res.body === "object" && (res.body.error || res.body.message);

// answerError says what is wrong with an answer.
export function answerError(res) {
  const detail = errorOf(res);
  if (res.ok && !res.body) return "GET " + res.path + " did not answer JSON";
  return "GET " + res.path + " answered " + res.status + (res.statusText ? " " + res.statusText : "") + (detail ? ": " + detail : "");
}
