// Text for numbers, times and statuses as the page shows them.

// num reads a number from untrusted JSON: anything else counts as 0.
export function num(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

export function fmtSeconds(secs) {
  if (secs === null || secs === undefined || !Number.isFinite(secs)) return "–";
  if (secs < 0.01) return (secs * 1000).toFixed(1) + " ms";
  if (secs < 1) return Math.round(secs * 1000) + " ms";
  if (secs < 10) return secs.toFixed(2) + " s";
  return secs.toFixed(1) + " s";
}

export function fmtMs(ms) {
  if (!Number.isFinite(ms)) return "–";
  if (ms < 10) return ms.toFixed(1) + " ms";
  return Math.round(ms) + " ms";
}

// fmtTick labels a timeline tick with as many decimals as its step needs.
export function fmtTick(ms, step) {
  const digits = step >= 1 ? 0 : step >= 0.1 ? 1 : 2;
  return ms.toFixed(digits) + " ms";
}

// fmtSecondsTick labels a histogram tick: decimals follow the step, at most 3.
export function fmtSecondsTick(secs, step) {
  const digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return secs.toFixed(Math.min(digits, 3)) + " s";
}

const pad = (n, w = 2) => String(n).padStart(w, "0");
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

// fmtClock: local wall-clock time with milliseconds; the date when not
// today (today is a parameter so tests need not depend on the clock).
export function fmtClock(epoch, today = new Date()) {
  if (!Number.isFinite(epoch) || epoch <= 0) return { main: "–", date: "", ms: "", full: "" };
  const d = new Date(epoch * 1000);
  const sameDay = d.toDateString() === today.toDateString();
  const clock = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  return {
    main: clock, date: sameDay ? "" : d.getDate() + " " + MONTHS[d.getMonth()] + (d.getFullYear() === today.getFullYear() ? "" : " " + d.getFullYear()),
    ms: "." + pad(d.getMilliseconds(), 3),
    full: d.toString().replace(/ \(.*\)$/, "") + ", " + clock + "." + pad(d.getMilliseconds(), 3) + " (epoch " + epoch.toFixed(3) + ")",
  };
}

export function truncate(text, max) {
  text = String(text);
  return text.length > max ? text.slice(0, Math.max(1, max - 1)) + "…" : text;
}

export function plural(n, word) {
  return n + " " + word + (n === 1 ? "" : "s");
}

// statusClass names the health class of an HTTP status.
export function statusClass(status) {
  if (!status) return "none";
  if (status === 429) return "throttle";
  if (status >= 500) return "fault";
  if (status >= 400) return "error";
  return "ok";
}

// pathOf shows a request URL by its path; what is not a URL stays as it is.
export function pathOf(url) {
  const text = String(url);
  try {
    return new URL(text).pathname;
  } catch (_) {
    return text;
  }
}
