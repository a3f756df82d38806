// Axes and bins: round steps, linear scales, histogram bins, percentiles.

// niceStep: 1, 2 or 5 times a power of ten, the nearest to range/target.
export function niceStep(range, target) {
  if (!(range > 0)) return 1;
  const raw = range / Math.max(1, target);
  const power = Math.pow(10, Math.floor(Math.log10(raw)));
  const f = raw / power;
  return (f < 1.5 ? 1 : f < 3.5 ? 2 : f < 7.5 ? 5 : 10) * power;
}

// linear maps [0, domainMax] onto [from, to] (to may be below from: a y axis).
export function linear(domainMax, from, to) {
  return (v) => from + (v / domainMax) * (to - from);
}

// unlinear is linear's inverse: a pixel back to the domain, clamped to
// [0, domainMax].
export function unlinear(domainMax, from, to) {
  return (px) => Math.min(domainMax, Math.max(0, ((px - from) / (to - from)) * domainMax));
}

// binIndex is the bin of value at binWidth, the last bin at most; 1e-9: a
// value on a bin edge lands in the bin it starts, despite rounding.
export const binIndex = (value, binWidth, last) => Math.min(Math.floor(value / binWidth + 1e-9), last);

// histogramBins puts response times ({value, count}, seconds) in about 40
// bins of a round width on an axis of about 5 round ticks with 5 % headroom.
export function histogramBins(histogram) {
  const values = histogram.map((b) => b.value);
  const maxValue = Math.max(...values);
  const total = histogram.reduce((a, b) => a + b.count, 0);
  const axisStep = niceStep(Math.max(maxValue, 0.01) * 1.05, 5);
  const xMax = Math.max(axisStep, Math.ceil((maxValue * 1.05) / axisStep) * axisStep);
  const binWidth = niceStep(xMax, 40);
  const last = Math.ceil(xMax / binWidth) - 1;
  const byIndex = new Map();
  for (const b of histogram) {
    const i = binIndex(b.value, binWidth, last);
    byIndex.set(i, (byIndex.get(i) || 0) + b.count);
  }
  const bins = [...byIndex.entries()].sort((a, b) => a[0] - b[0])
    .map(([index, count]) => ({ index, from: index * binWidth, to: index * binWidth + binWidth, count }));
  const maxCount = Math.max(...byIndex.values());
  const xTicks = [];
  for (let v = 0; v <= xMax + 1e-9; v += axisStep) xTicks.push(v);
  const yStep = Math.max(1, niceStep(maxCount, 4)); // whole requests
  const yTicks = [];
  for (let n = 0; n <= maxCount; n += yStep) yTicks.push(n);
  return { minValue: Math.min(...values), maxValue, total, axisStep, xMax, binWidth, last, bins, maxCount, xTicks, yTicks };
}

// percentile: the smallest recorded value with at least q of the requests
// at or below it.
export function percentile(histogram, q) {
  const total = histogram.reduce((a, b) => a + b.count, 0);
  let seen = 0;
  const sorted = [...histogram].sort((a, b) => a.value - b.value);
  for (const b of sorted) {
    seen += b.count;
    if (seen >= q * total) return b.value;
  }
  return Math.max(...histogram.map((b) => b.value));
}

// timeAxis lays the milliseconds of a trace over [x0, x1] with a tick about
// every 80 px (at least 2).
export function timeAxis(spanMs, x0, x1) {
  const span = Math.max(spanMs, 0.001);
  const step = niceStep(span, Math.max(2, Math.floor((x1 - x0) / 80)));
  const ticks = [];
  for (let i = 0; i * step <= span * 1.0001; i++) ticks.push(i * step);
  return { span, step, ticks, x: linear(span, x0, x1) };
}
