// The time range the page shows: everything held, the last 5 minutes,
// 15 minutes or hour (relative to each refresh), or a custom [start, end].
// The trace API takes start and end as epoch seconds (either may be left
// out: unbounded), and so does the address bar.
//
// A range is {kind: "all"}, {kind: "preset", id: "5m" | "15m" | "1h"} or
// {kind: "custom", start, end} (epoch seconds, start < end).

import { fmtClock } from "./format.js";

export const PRESETS = [
  { id: "5m", seconds: 5 * 60, label: "Last 5 minutes" },
  { id: "15m", seconds: 15 * 60, label: "Last 15 minutes" },
  { id: "1h", seconds: 60 * 60, label: "Last hour" },
];

export const ALL = Object.freeze({ kind: "all" });

const presetOf = (id) => PRESETS.find((p) => p.id === id) || null;

// epochParam reads an epoch-seconds parameter; NaN when absent or bad.
function epochParam(text) {
  if (text === null || text === undefined || String(text).trim() === "") return NaN;
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : NaN;
}

// rangeFromParams reads range= (5m, 15m, 1h) or start= and end= (epoch
// seconds, a custom range) from URLSearchParams; anything else is all.
export function rangeFromParams(params) {
  const preset = presetOf(params.get("range"));
  if (preset) return { kind: "preset", id: preset.id };
  const start = epochParam(params.get("start"));
  const end = epochParam(params.get("end"));
  if (start < end) return { kind: "custom", start, end };
  return ALL;
}

// rangeParams are the address bar's parameters of range, as [name, value].
export function rangeParams(range) {
  if (range.kind === "preset") return [["range", range.id]];
  if (range.kind === "custom") return [["start", fmtEpoch(range.start)], ["end", fmtEpoch(range.end)]];
  return [];
}

// fmtEpoch writes epoch seconds with at most millisecond digits.
export const fmtEpoch = (epoch) => String(Math.round(epoch * 1000) / 1000);

// rangeWindow is the {start, end} (epoch seconds, null: unbounded) the API
// is asked for at `now` (epoch seconds). A preset leaves the end open, so
// traces that finish while the answer is on its way are not cut off.
export function rangeWindow(range, now) {
  if (range.kind === "preset") {
    const preset = presetOf(range.id);
    return { start: Math.floor((now - preset.seconds) * 1000) / 1000, end: null };
  }
  if (range.kind === "custom") return { start: range.start, end: range.end };
  return { start: null, end: null };
}

// inWindow tells whether epoch lies within a window from rangeWindow.
export function inWindow(epoch, win) {
  return (win.start === null || epoch >= win.start) && (win.end === null || epoch <= win.end);
}

function clockText(epoch) {
  const c = fmtClock(epoch);
  return (c.date ? c.date + " " : "") + c.main;
}

const pad = (n) => String(n).padStart(2, "0");

// localInputValue writes epoch seconds as a datetime-local input's value
// (local time, to the second).
export function localInputValue(epoch) {
  const d = new Date(epoch * 1000);
  return d.getFullYear() + "-" + pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + "T" +
    pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
}

const LOCAL_INPUT = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;

// parseLocalInput reads a datetime-local value as local time: epoch
// seconds, NaN for anything else (including dates that do not exist).
export function parseLocalInput(text) {
  const m = LOCAL_INPUT.exec(String(text || "").trim());
  if (!m) return NaN;
  const [y, mo, d, h, mi, s, ms] = m.slice(1).map((v) => (v === undefined ? 0 : Number(v)));
  const date = new Date(y, mo - 1, d, h, mi, s, m[7] ? Number(m[7].padEnd(3, "0")) : 0);
  if (date.getFullYear() !== y || date.getMonth() !== mo - 1 || date.getDate() !== d || date.getHours() !== h || date.getMinutes() !== mi) return NaN;
  return date.getTime() / 1000;
}

// customRange reads the custom range's two inputs: {range} or {error}
// (a sentence for people).
export function customRange(startText, endText) {
  const start = parseLocalInput(startText);
  const end = parseLocalInput(endText);
  if (Number.isNaN(start)) return { error: "Give the start of the range as a date and time." };
  if (Number.isNaN(end)) return { error: "Give the end of the range as a date and time." };
  if (!(start < end)) return { error: "The start of the range must come before its end." };
  return { range: { kind: "custom", start, end } };
}

// selectValue is the range picker's option for range.
export const selectValue = (range) => (range.kind === "preset" ? range.id : range.kind);

// describeRange says which traces range holds, for headings and messages,
// e.g. "in the last 5 minutes", "from 09:05:07 to 09:20:00" (clock writes
// a time; the default is fmtClock's, with the date when not today).
export function describeRange(range, clock = clockText) {
  if (range.kind === "preset") return "in the " + presetOf(range.id).label.toLowerCase();
  if (range.kind === "custom") return "from " + clock(range.start) + " to " + clock(range.end);
  return "";
}
