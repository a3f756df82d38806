import { test } from "node:test";
import assert from "node:assert/strict";
import { num, fmtSeconds, fmtMs, fmtTick, fmtSecondsTick, fmtClock, truncate, plural, statusClass, pathOf } from "./format.js";

test("num reads numbers and counts anything else as 0", () => {
  assert.deepEqual([num("1.5"), num(2), num("x"), num(undefined), num(Infinity), num(null)], [1.5, 2, 0, 0, 0, 0]);
});

test("fmtSeconds switches unit and precision at 10 ms, 1 s and 10 s", () => {
  const cases = [
    [0.000114, "0.1 ms"], [0.0042, "4.2 ms"], [0.01, "10 ms"], [0.119008, "119 ms"],
    [1.00225, "1.00 s"], [9.994, "9.99 s"], [10, "10.0 s"], [61.25, "61.3 s"],
    [null, "–"], [undefined, "–"], [NaN, "–"],
  ];
  for (const [secs, want] of cases) assert.equal(fmtSeconds(secs), want, "fmtSeconds(" + secs + ")");
});

test("fmtMs keeps a decimal under 10 ms", () => {
  assert.deepEqual([fmtMs(0.05), fmtMs(9.94), fmtMs(10), fmtMs(1001.4), fmtMs(NaN)], ["0.1 ms", "9.9 ms", "10 ms", "1001 ms", "–"]);
});

test("tick labels carry as many decimals as their step needs, seconds at most 3", () => {
  assert.deepEqual([fmtTick(200, 100), fmtTick(0.5, 0.5), fmtTick(0.04, 0.02)], ["200 ms", "0.5 ms", "0.04 ms"]);
  assert.deepEqual([fmtSecondsTick(0.4, 0.2), fmtSecondsTick(2, 1), fmtSecondsTick(0.002, 0.0005), fmtSecondsTick(0.05, 0.05)],
    ["0.4 s", "2 s", "0.002 s", "0.05 s"]);
});

test("fmtClock shows local time with milliseconds, and the date only when not today", () => {
  const at = new Date(2026, 2, 14, 9, 5, 7, 42);
  const epoch = at.getTime() / 1000;
  const today = fmtClock(epoch, new Date(2026, 2, 14, 23, 0));
  assert.equal(today.main, "09:05:07");
  assert.equal(today.ms, ".042");
  assert.equal(today.date, "");
  assert.match(today.full, /09:05:07\.042 \(epoch \d+\.042\)$/);
  assert.equal(fmtClock(epoch, new Date(2026, 2, 15)).date, "14 Mar");
  assert.equal(fmtClock(epoch, new Date(2027, 0, 1)).date, "14 Mar 2026");
  assert.deepEqual(fmtClock(0), { main: "–", date: "", ms: "", full: "" });
});

test("truncate ends a shortened text with an ellipsis within max", () => {
  assert.equal(truncate("mysfits-questions-post", 10), "mysfits-q…");
  assert.equal(truncate("short", 5), "short");
  assert.equal(truncate(12345, 3), "12…");
});

test("plural and statusClass", () => {
  assert.deepEqual([plural(1, "trace"), plural(0, "trace"), plural(2, "fault")], ["1 trace", "0 traces", "2 faults"]);
  assert.deepEqual([201, 400, 429, 502, null].map(statusClass), ["ok", "error", "throttle", "fault", "none"]);
});

test("pathOf shows a URL by its path and leaves anything else", () => {
  assert.equal(pathOf("http://127.0.0.1:18080/prod/questions?x=1"), "/prod/questions");
  assert.equal(pathOf("/questions"), "/questions");
});
