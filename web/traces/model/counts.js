// Request counts of a node or edge, read from X-Ray's SummaryStatistics.
import { num, plural, fmtSeconds } from "./format.js";

export function counts(stats) {
  const st = stats || {};
  const errors = st.ErrorStatistics || {};
  const faults = st.FaultStatistics || {};
  const throttle = num(errors.ThrottleCount);
  // Older answers carry only TotalCount: what is not a throttle is an error.
  const error = errors.OtherCount !== undefined ? num(errors.OtherCount) : Math.max(0, num(errors.TotalCount) - throttle);
  const fault = faults.TotalCount !== undefined ? num(faults.TotalCount) : num(faults.OtherCount);
  const ok = num(st.OkCount);
  const total = st.TotalCount !== undefined ? num(st.TotalCount) : ok + error + throttle + fault;
  return { ok, error, throttle, fault, total, totalTime: num(st.TotalResponseTime) };
}

export function addCounts(a, b) {
  return {
    ok: a.ok + b.ok, error: a.error + b.error, throttle: a.throttle + b.throttle,
    fault: a.fault + b.fault, total: a.total + b.total, totalTime: a.totalTime + b.totalTime,
  };
}

export const noCounts = () => ({ ok: 0, error: 0, throttle: 0, fault: 0, total: 0, totalTime: 0 });

// health is the worst class with a non-zero count: fault > throttle > error > ok.
export function health(c) {
  if (c.fault > 0) return "fault";
  if (c.throttle > 0) return "throttle";
  if (c.error > 0) return "error";
  if (c.total > 0 || c.ok > 0) return "ok";
  return "none";
}

// average response time in seconds, null without requests.
export function average(c) {
  return c.total > 0 ? c.totalTime / c.total : null;
}

export function describeCounts(c) {
  const parts = [plural(c.total, "request")];
  if (c.ok) parts.push(c.ok + " ok");
  if (c.error) parts.push(plural(c.error, "error"));
  if (c.throttle) parts.push(plural(c.throttle, "throttle"));
  if (c.fault) parts.push(plural(c.fault, "fault"));
  const avg = average(c);
  if (avg !== null) parts.push("average " + fmtSeconds(avg));
  return parts.join(", ");
}
