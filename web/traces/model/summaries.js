// Trace summaries (GetTraceSummaries): the list, its narrowing to a map
// node, root causes and the overview's counts.
import { num } from "./format.js";

// summaryList is the usable summaries of a GetTraceSummaries body.
export function summaryList(body) {
  const list = body && Array.isArray(body.TraceSummaries) ? body.TraceSummaries : [];
  return list.filter((t) => t && typeof t === "object" && t.Id);
}

export const newestFirst = (list) => [...list].sort((a, b) => num(b.StartTime) - num(a.StartTime));

// responseTime in seconds; summaries without one fall back to the duration.
export const responseTime = (t) => (t.ResponseTime !== undefined ? num(t.ResponseTime) : num(t.Duration));

// slowThreshold is the response time (seconds) above which a trace is slow,
// as the server works it out from the data (api/slow); 0 when unknown.
export function slowThreshold(slow) {
  return slow && num(slow.threshold) > 0 ? num(slow.threshold) : 0;
}

// through keeps the traces whose services (ServiceIds, or the EntryPoint)
// hold a service of that name and, when both tell one, that type.
function through(list, name, type) {
  const matches = (svc) => svc && (svc.Name === name || (Array.isArray(svc.Names) && svc.Names.includes(name))) && (!type || !svc.Type || svc.Type === type);
  return list.filter((t) => (Array.isArray(t.ServiceIds) && t.ServiceIds.some(matches)) || matches(t.EntryPoint));
}

const tellsServices = (list) => list.some((t) => Array.isArray(t.ServiceIds));

// narrowed applies a node selection (wanted: {name, type}; node: the map
// node it resolved to, if any) to the list, from each summary's ServiceIds
// and EntryPoint; a client node narrows nothing.
export function narrowed(list, wanted, node) {
  if (!wanted) return { list, scoped: false };
  const type = node ? node.type : wanted.type;
  const name = node ? node.name : wanted.name;
  if (type === "client") return { list, scoped: false };
  if (!tellsServices(list)) return { list, scoped: false, unsupported: true };
  return { list: through(list, name, type), scoped: true, name, type };
}

// narrowedToEdge applies an edge selection (wanted: {from, to}, each
// {name, type}; edge: the map edge it resolved to, if any): the traces
// through both its ends (a client end narrows nothing). type is "" (the
// scope is a connection, not a service).
export function narrowedToEdge(list, wanted, edge) {
  if (!wanted) return { list, scoped: false };
  const from = edge ? edge.from : wanted.from, to = edge ? edge.to : wanted.to;
  const ends = [from, to].filter((end) => end.type !== "client");
  if (!ends.length) return { list, scoped: false };
  if (!tellsServices(list)) return { list, scoped: false, unsupported: true };
  const name = (from.type === "client" ? "Client" : from.name) + " → " + to.name;
  return { list: ends.reduce((acc, end) => through(acc, end.name, end.type), list), scoped: true, name, type: "" };
}

// firstCause reads the first root cause of FaultRootCauses or
// ErrorRootCauses: the deepest entity of its path that recorded an
// exception, else the last entity.
export function firstCause(groups) {
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

// rootCauseText is the cause line of a trace row: the fault's cause for a
// faulted trace, the error's for one that erred.
export function rootCauseText(summary) {
  const groups = summary.HasFault ? summary.FaultRootCauses : summary.HasError || summary.HasThrottle ? summary.ErrorRootCauses : null;
  const cause = firstCause(groups) || firstCause(summary.FaultRootCauses) || firstCause(summary.ErrorRootCauses);
  return cause ? cause.text : "";
}

// outcomeOf is a trace's worst outcome: fault > throttle > error > ok.
export const outcomeOf = (t) => (t.HasFault ? "fault" : t.HasThrottle ? "throttle" : t.HasError ? "error" : "ok");

// overviewCounts are the triage numbers of the traces listed.
export function overviewCounts(list) {
  return {
    traces: list.length,
    faults: list.filter((t) => t.HasFault).length,
    errors: list.filter((t) => t.HasError && !t.HasThrottle).length,
    throttles: list.filter((t) => t.HasThrottle).length,
    slowest: list.reduce((m, t) => Math.max(m, responseTime(t)), 0),
  };
}

// causeGroups groups failed traces by kind and root cause, most frequent
// first, each with its newest trace (the one a click opens).
export function causeGroups(list) {
  const groups = new Map();
  for (const t of list) {
    const kind = outcomeOf(t);
    if (kind === "ok") continue;
    const cause = firstCause(kind === "fault" ? t.FaultRootCauses : t.ErrorRootCauses);
    if (!cause) continue;
    const key = kind + "|" + cause.service + "|" + cause.serviceType + "|" + cause.entity + "|" + cause.message;
    const g = groups.get(key) || { kind, cause, count: 0, newest: t };
    g.count++;
    if (num(t.StartTime) > num(g.newest.StartTime)) g.newest = t;
    groups.set(key, g);
  }
  return [...groups.values()].sort((a, b) => b.count - a.count);
}

// causeFallback names a root cause that recorded no exception.
export function causeFallback(group) {
  const status = group.newest.Http && Number(group.newest.Http.HttpStatus);
  return status ? group.kind + ", HTTP " + status : group.kind;
}
