import { test } from "node:test";
import assert from "node:assert/strict";
import { niceStep, linear, histogramBins, percentile, timeAxis } from "./scale.js";
import { buildGraph } from "./graph.js";
import { page } from "./testdata.js";

const near = (a, b, msg) => assert.ok(Math.abs(a - b) < 1e-9, msg + ": " + a + " is not " + b);

test("niceStep rounds range/target to 1, 2 or 5 times a power of ten", () => {
  const cases = [[10, 5, 2], [1.05, 5, 0.2], [7, 1, 5], [1002, 10, 100], [0.3, 40, 0.01], [8, 1, 10], [0, 5, 1], [-3, 5, 1]];
  for (const [range, target, want] of cases) near(niceStep(range, target), want, "niceStep(" + range + ", " + target + ")");
});

test("linear maps 0 and the maximum onto the ends, also reversed (a y axis)", () => {
  const x = linear(2, 34, 408);
  assert.deepEqual([x(0), x(1), x(2)], [34, 221, 408]);
  const y = linear(5, 118, 14);
  assert.deepEqual([y(0), y(5)], [118, 14]);
});

// The post function's response times at stage 3: four fast answers and
// five that waited for the 1 s injected fault.
const postFunction = () => buildGraph(page("stage3/graph.json")).nodes.find((n) => n.type === "AWS::Lambda::Function" && n.name === "mysfits-questions-post");

test("histogram bins of the stage-3 post function keep every request in the bin of its time", () => {
  const { histogram } = postFunction();
  const h = histogramBins(histogram);
  assert.equal(h.total, 9);
  assert.equal(h.bins.reduce((a, b) => a + b.count, 0), 9, "bins lose or add requests");
  for (const entry of histogram) {
    const bin = h.bins.find((b) => entry.value >= b.from - 1e-9 && entry.value < b.to);
    assert.ok(bin, entry.value + " s is in no bin");
  }
  // The axis ends on a tick, with room above the slowest request.
  assert.ok(h.xMax >= h.maxValue * 1.05, "xMax " + h.xMax + " leaves no headroom over " + h.maxValue);
  near(h.xMax / h.axisStep, Math.round(h.xMax / h.axisStep), "xMax is a whole number of axis steps");
  assert.equal(h.xTicks[0], 0);
  near(h.xTicks.at(-1), h.xMax, "last tick");
  // About 40 bins over the axis, so the fast and the slow requests part.
  const binsOnAxis = h.xMax / h.binWidth;
  assert.ok(binsOnAxis >= 20 && binsOnAxis <= 100, binsOnAxis + " bins");
  assert.ok(h.bins.length >= 2, "fast and faulted requests share a bin");
  assert.equal(h.bins.at(-1).count, 5, "the five faulted requests, about 1 s each");
  assert.equal(h.maxCount, Math.max(...h.bins.map((b) => b.count)));
  assert.deepEqual(h.yTicks, [0, 1, 2, 3, 4, 5].filter((n) => n <= h.maxCount));
  for (let i = 1; i < h.bins.length; i++) assert.ok(h.bins[i].index > h.bins[i - 1].index, "bins are in order");
});

test("a value on a bin edge lands in the bin it starts", () => {
  const h = histogramBins([{ value: 0.1, count: 2 }, { value: 0.3, count: 1 }]);
  const first = h.bins[0];
  near(first.from, 0.1, "0.1 s starts its bin");
  assert.equal(first.count, 2);
});

test("percentile is the smallest recorded time covering the share", () => {
  const hist = [{ value: 0.02, count: 3 }, { value: 0.12, count: 1 }, { value: 1.0, count: 5 }];
  assert.equal(percentile(hist, 0.3), 0.02);
  assert.equal(percentile(hist, 0.5), 1.0);
  assert.equal(percentile(hist, 0.9), 1.0);
  const { histogram } = postFunction();
  assert.ok(percentile(histogram, 0.5) > 1, "half the stage-3 posts waited for the 1 s fault");
  assert.ok(percentile(histogram, 0.4) < 0.2, "and the others answered fast");
});

test("timeAxis ticks start at 0, step evenly within the span and map it onto the pixels", () => {
  const axis = timeAxis(1002.25, 300, 900);
  assert.equal(axis.ticks[0], 0);
  // 600 px at about one tick per 80 px: 7 ticks wanted, 100 ms the nice step.
  assert.equal(axis.step, 100);
  assert.deepEqual(axis.ticks, [0, 100, 200, 300, 400, 500, 600, 700, 800, 900, 1000]);
  assert.equal(axis.x(0), 300);
  assert.equal(axis.x(1002.25), 900);
  const tiny = timeAxis(0, 300, 900);
  assert.equal(tiny.span, 0.001, "an empty trace still has a span to divide by");
  assert.ok(Number.isFinite(tiny.x(0)));
});
