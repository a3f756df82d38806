import { test } from "node:test";
import assert from "node:assert/strict";
import { splitHistogram, brushRange, inLatency, withinLatency, parseLatency, latencyText, describeLatency, latencyClause, withClause, clauseServiceOf, OUTCOMES } from "./latency.js";
import { binIndex } from "./scale.js";
import { summaryList, responseTime, outcomeOf } from "./summaries.js";
import { buildGraph } from "./graph.js";
import { page } from "./testdata.js";

const stage3 = () => summaryList(page("stage3/summaries.json"));
const sum = (bin) => OUTCOMES.reduce((a, k) => a + bin[k], 0);

test("the stage-3 histogram splits the five faulted posts from the fast answers", () => {
  const h = splitHistogram(stage3());
  assert.equal(h.total, 11);
  for (const bin of h.bins) assert.equal(sum(bin), bin.count, "bin " + bin.index + " splits into its count");
  const slow = h.bins.filter((b) => b.from >= 0.8);
  assert.deepEqual(slow.map((b) => [b.fault, b.ok, b.error]), [[5, 0, 0]], "the 1 s fault delay: five faults, nothing else");
  const fast = h.bins.filter((b) => b.from < 0.8);
  // The OPTIONS preflight, three stored questions and the stream's batch
  // answered; one question was refused (400).
  assert.deepEqual(OUTCOMES.map((k) => fast.reduce((a, b) => a + b[k], 0)), [5, 1, 0, 0]);
  assert.equal(splitHistogram([]), null);
});

test("outcomeOf ranks fault over throttle over error", () => {
  assert.deepEqual([{ HasFault: true, HasError: true }, { HasThrottle: true, HasError: true }, { HasError: true }, {}].map(outcomeOf), ["fault", "throttle", "error", "ok"]);
});

test("a drag selects whole bins, either way, and a click its bin", () => {
  const h = splitHistogram(stage3());
  const slowBin = h.bins.at(-1);
  const mid = (slowBin.from + slowBin.to) / 2;
  const range = brushRange(h, mid, 0.5);
  assert.deepEqual(range, brushRange(h, 0.5, mid));
  assert.equal(range.to, slowBin.to);
  const listed = withinLatency(stage3(), range);
  assert.equal(listed.length, 5);
  assert.ok(listed.every((t) => t.HasFault), "dragging over the slow bar lists the faulted traces");
  const click = brushRange(h, mid, mid);
  assert.deepEqual([click.from, click.to], [slowBin.from, slowBin.to].map((x) => Math.round(x * 1e9) / 1e9));
  const pastTheEnd = brushRange(h, -1, h.xMax + 5);
  assert.equal(withinLatency(stage3(), pastTheEnd).length, 11, "a drag past both ends holds every trace");
});

test("a brushed range holds exactly the traces of the bins it spans", () => {
  const list = stage3();
  const h = splitHistogram(list);
  const indexOf = (t) => binIndex(responseTime(t), h.binWidth, h.last);
  for (let i0 = 0; i0 <= h.last; i0 += 3) {
    for (let i1 = i0; i1 <= h.last; i1 += 2) {
      const range = brushRange(h, i0 * h.binWidth, i1 * h.binWidth + h.binWidth / 2);
      const want = list.filter((t) => indexOf(t) >= i0 && indexOf(t) <= i1).map((t) => t.Id);
      assert.deepEqual(withinLatency(list, range).map((t) => t.Id), want, "bins " + i0 + " to " + i1);
      const counted = h.bins.filter((b) => b.index >= i0 && b.index <= i1).reduce((a, b) => a + b.count, 0);
      assert.equal(want.length, counted, "the bars drawn count the rows listed");
    }
  }
  assert.equal(withinLatency(list, null), list);
});

test("a value on a bin edge belongs to the bin it starts", () => {
  const range = { from: 0.02, to: 0.04 };
  assert.deepEqual([0.019999, 0.02, 0.03, 0.04].map((rt) => inLatency(rt, range)), [false, true, true, false]);
  assert.equal(inLatency(0.06, { from: 3 * 0.02, to: 0.08 }), true, "0.06 is 3 × 0.02 despite rounding");
});

test("latency=A-B round-trips, anything else is no range", () => {
  assert.deepEqual(parseLatency("0.8-1.05"), { from: 0.8, to: 1.05 });
  assert.equal(latencyText({ from: 0.1 + 0.2, to: 1 }), "0.3-1");
  assert.deepEqual(parseLatency(latencyText({ from: 0, to: 0.025 })), { from: 0, to: 0.025 });
  for (const bad of ["", "1", "1-1", "2-1", "-1-2", "a-b", null]) assert.equal(parseLatency(bad), null, String(bad));
  assert.equal(describeLatency({ from: 0.02, to: 1.2 }), "response time 20 ms to 1.20 s");
});

test("a drag across a node's or an edge's own histogram reads as X-Ray's service filter", () => {
  const range = { from: 0.8, to: 1.2 };
  assert.equal(latencyClause(range, ""), "responsetime >= 0.8 AND responsetime < 1.2");
  assert.equal(latencyClause(range, "mysfits-questions/prod"), 'service("mysfits-questions/prod") { responsetime >= 0.8 AND responsetime < 1.2 }');
  const g = buildGraph(page("stage3/graph.json"));
  const ddb = g.edges.find((e) => e.to.name === "DynamoDB");
  const client = g.nodes.find((n) => n.type === "client");
  assert.equal(clauseServiceOf(null, ddb), "DynamoDB", "an edge's times are its target's");
  assert.equal(clauseServiceOf(ddb.from, null), "mysfits-questions-post");
  assert.equal(clauseServiceOf(client, null), "", "a client is no service: the trace's own response time");
  assert.equal(clauseServiceOf(null, client.out[0]), client.out[0].to.name);
});

test("withClause replaces the clause of a previous drag and keeps the rest of the filter", () => {
  const a = latencyClause({ from: 0.1, to: 0.2 }, "DynamoDB");
  const b = latencyClause({ from: 0.3, to: 0.4 }, "");
  assert.equal(withClause("", a), a);
  assert.equal(withClause("fault", a), "fault AND " + a);
  assert.equal(withClause("fault AND " + a, b), "fault AND " + b);
  assert.equal(withClause(a, b), b);
  assert.equal(withClause("fault OR error", b), "(fault OR error) AND " + b);
  assert.equal(withClause("(fault OR error) AND " + a, b), "(fault OR error) AND " + b);
  assert.equal(withClause("(fault) OR (error)", b), "((fault) OR (error)) AND " + b);
  assert.equal(withClause('service("a)b") OR error', b), '(service("a)b") OR error) AND ' + b);
});
