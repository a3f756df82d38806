import { test } from "node:test";
import assert from "node:assert/strict";
import { ALL, PRESETS, rangeFromParams, rangeParams, rangeWindow, inWindow, localInputValue, parseLocalInput, customRange, selectValue, describeRange, fmtEpoch } from "./timerange.js";

const params = (q) => new URLSearchParams(q);
const NOW = 1796155560.25;

test("the address keeps a preset by name and a custom range by its epoch seconds", () => {
  for (const q of ["range=5m", "range=15m", "range=1h", "start=1796155552.888&end=1796155558.123", ""]) {
    const range = rangeFromParams(params(q));
    assert.equal(new URLSearchParams(rangeParams(range)).toString(), q, q);
  }
  assert.deepEqual(rangeFromParams(params("range=1h")), { kind: "preset", id: "1h" });
  assert.deepEqual(rangeFromParams(params("start=10&end=20")), { kind: "custom", start: 10, end: 20 });
});

test("a range the page cannot use reads as every trace", () => {
  for (const q of ["range=2d", "start=20&end=10", "start=10&end=10", "start=x&end=20", "start=10", "end=20", "start=-5&end=20"]) {
    assert.equal(rangeFromParams(params(q)), ALL, q);
  }
});

test("a preset asks for the traces since now minus its length, with the end open", () => {
  assert.deepEqual(PRESETS.map((p) => p.seconds), [300, 900, 3600]);
  assert.deepEqual(rangeWindow({ kind: "preset", id: "5m" }, NOW), { start: 1796155260.25, end: null });
  assert.deepEqual(rangeWindow({ kind: "preset", id: "1h" }, NOW), { start: NOW - 3600, end: null });
  assert.deepEqual(rangeWindow(ALL, NOW), { start: null, end: null });
  assert.deepEqual(rangeWindow({ kind: "custom", start: 5, end: 9 }, NOW), { start: 5, end: 9 });
  assert.equal(fmtEpoch(1796155260.2500001), "1796155260.25");
});

test("inWindow holds both ends and treats null as unbounded", () => {
  const win = { start: 10, end: 20 };
  assert.deepEqual([9.99, 10, 15, 20, 20.01].map((t) => inWindow(t, win)), [false, true, true, true, false]);
  assert.equal(inWindow(1, { start: null, end: null }), true);
  assert.equal(inWindow(25, { start: 10, end: null }), true);
});

test("datetime-local values read and write local time to the second", () => {
  const epoch = new Date(2026, 2, 14, 9, 5, 7).getTime() / 1000;
  assert.equal(localInputValue(epoch), "2026-03-14T09:05:07");
  assert.equal(parseLocalInput("2026-03-14T09:05:07"), epoch);
  assert.equal(parseLocalInput("2026-03-14T09:05"), epoch - 7, "the seconds are optional");
  assert.equal(parseLocalInput("2026-03-14T09:05:07.5"), epoch + 0.5);
  for (const bad of ["", "yesterday", "2026-02-30T10:00", "2026-13-01T10:00", "2026-03-14T25:00", null]) {
    assert.ok(Number.isNaN(parseLocalInput(bad)), String(bad));
  }
});

test("a custom range needs two times, the start first", () => {
  const ok = customRange("2026-03-14T09:00", "2026-03-14T09:30:00");
  assert.equal(ok.range.kind, "custom");
  assert.equal(ok.range.end - ok.range.start, 1800);
  assert.match(customRange("", "2026-03-14T09:30").error, /start/);
  assert.match(customRange("2026-03-14T09:30", "soon").error, /end/);
  assert.match(customRange("2026-03-14T09:30", "2026-03-14T09:30").error, /before its end/);
});

test("the picker and the headings name the range", () => {
  assert.deepEqual([ALL, { kind: "preset", id: "15m" }, { kind: "custom", start: 1, end: 2 }].map(selectValue), ["all", "15m", "custom"]);
  assert.equal(describeRange(ALL), "");
  assert.equal(describeRange({ kind: "preset", id: "15m" }), "in the last 15 minutes");
  assert.equal(describeRange({ kind: "custom", start: 1, end: 2 }, (e) => "t" + e), "from t1 to t2");
});
