import { test } from "node:test";
import assert from "node:assert/strict";
import { buildGraph, pickNode, histogramOf, mergeHistograms } from "./graph.js";
import { counts, health, average, describeCounts } from "./counts.js";
import { layout } from "./layout.js";
import { summaryList } from "./summaries.js";
import { page } from "./testdata.js";

const graphOf = (stage) => buildGraph(page(stage + "/graph.json"));
const find = (graph, name, type) => graph.nodes.find((n) => n.name === name && n.type === type);
const edgeKeys = (graph) => graph.edges.map((e) => e.from.type + " " + e.key + " " + e.to.type).sort();

test("stage 1 draws a client in front of each function's Lambda service, no API Gateway", () => {
  const g = graphOf("stage1");
  assert.equal(g.nodes.length, 6);
  assert.deepEqual(edgeKeys(g), [
    "AWS::Lambda mysfits-questions-post->mysfits-questions-post AWS::Lambda::Function",
    "AWS::Lambda mysfits-questions-process->mysfits-questions-process AWS::Lambda::Function",
    "client client->mysfits-questions-post AWS::Lambda",
    "client client->mysfits-questions-process AWS::Lambda",
  ]);
  assert.ok(!g.nodes.some((n) => n.type.startsWith("AWS::ApiGateway")));
  const post = find(g, "mysfits-questions-post", "AWS::Lambda::Function");
  assert.deepEqual([post.counts.total, post.counts.ok, post.counts.fault], [4, 4, 0]);
  assert.equal(health(post.counts), "ok");
});

test("stage 3 adds API Gateway, DynamoDB and SNS, and the post function faults", () => {
  const g = graphOf("stage3");
  assert.equal(g.nodes.length, 9);
  assert.equal(g.edges.length, 7);
  const before = edgeKeys(graphOf("stage1"));
  // The client now calls the API, which invokes the post function.
  assert.deepEqual(edgeKeys(g).filter((k) => !before.includes(k)), [
    "AWS::ApiGateway::Stage mysfits-questions/prod->mysfits-questions-post AWS::Lambda",
    "AWS::Lambda::Function mysfits-questions-post->DynamoDB AWS::DynamoDB::Table",
    "AWS::Lambda::Function mysfits-questions-process->SNS AWS::SNS",
    "client client->mysfits-questions/prod AWS::ApiGateway::Stage",
  ]);
  assert.deepEqual(before.filter((k) => !edgeKeys(g).includes(k)), ["client client->mysfits-questions-post AWS::Lambda"]);
  const fn = find(g, "mysfits-questions-post", "AWS::Lambda::Function");
  assert.deepEqual([fn.counts.total, fn.counts.ok, fn.counts.error, fn.counts.fault], [9, 4, 0, 5]);
  assert.equal(health(fn.counts), "fault");
  const api = find(g, "mysfits-questions/prod", "AWS::ApiGateway::Stage");
  // The preflight OPTIONS, nine POSTs: four answered, one 400, five 502.
  assert.deepEqual([api.counts.total, api.counts.ok, api.counts.error, api.counts.fault], [10, 4, 1, 5]);
  assert.equal(find(g, "DynamoDB", "AWS::DynamoDB::Table").counts.total, 3, "only the three stored questions reach the table");
  // Names are not unique; keys are.
  assert.equal(new Set(g.nodes.map((n) => n.key)).size, g.nodes.length);
  assert.equal(g.nodes.filter((n) => n.name === "mysfits-questions-post").length, 2);
});

test("clients count what their edges carry, and each trace enters through one client", () => {
  for (const stage of ["stage1", "stage3"]) {
    const g = graphOf(stage);
    const clients = g.nodes.filter((n) => n.type === "client");
    assert.equal(clients.length, 2, stage + ": one client per entry point");
    for (const c of clients) {
      assert.equal(c.counts.total, c.out.reduce((a, e) => a + e.counts.total, 0));
      assert.equal(c.histogram.reduce((a, b) => a + b.count, 0), c.counts.total, stage + ": the client's histogram is its edges'");
    }
    const entered = clients.reduce((a, c) => a + c.counts.total, 0);
    assert.equal(entered, summaryList(page(stage + "/summaries.json")).length, stage + ": traces through the clients");
  }
});

test("every node's histogram counts its requests", () => {
  for (const n of graphOf("stage3").nodes) {
    assert.equal(n.histogram.reduce((a, b) => a + b.count, 0), n.counts.total, n.name + " (" + n.type + ")");
  }
});

test("an empty store draws nothing", () => {
  assert.deepEqual(graphOf("empty"), { nodes: [], edges: [] });
  assert.deepEqual(buildGraph(null), { nodes: [], edges: [] });
});

test("edges to unknown nodes and to the node itself are left out", () => {
  const g = buildGraph({ Services: [
    { ReferenceId: 1, Name: "a", Type: "AWS::Lambda", Edges: [{ ReferenceId: 1 }, { ReferenceId: 9 }, { ReferenceId: 2 }] },
    { ReferenceId: 2, Names: ["b"], Type: "AWS::SNS" },
    null,
  ] });
  assert.deepEqual(g.edges.map((e) => e.key), ["a->b"]);
  assert.equal(g.nodes[1].name, "b", "the first of Names when there is no Name");
});

test("counts read X-Ray statistics, with older answers' TotalCount only", () => {
  const c = counts({ OkCount: 4, ErrorStatistics: { ThrottleCount: 1, OtherCount: 2 }, FaultStatistics: { TotalCount: 3 }, TotalCount: 10, TotalResponseTime: 5 });
  assert.deepEqual(c, { ok: 4, error: 2, throttle: 1, fault: 3, total: 10, totalTime: 5 });
  assert.equal(health(c), "fault");
  assert.equal(average(c), 0.5);
  assert.equal(counts({ ErrorStatistics: { ThrottleCount: 1, TotalCount: 3 } }).error, 2);
  assert.equal(counts({ OkCount: 2, FaultStatistics: { OtherCount: 1 } }).total, 3);
  assert.equal(health(counts({ ErrorStatistics: { ThrottleCount: 1 } })), "throttle");
  assert.equal(health(counts({})), "none");
  assert.equal(average(counts({})), null);
  assert.equal(describeCounts(c), "10 requests, 4 ok, 2 errors, 1 throttle, 3 faults, average 500 ms");
});

test("histograms drop empty and negative entries and merge by value", () => {
  assert.deepEqual(histogramOf([{ Value: 0.1, Count: 2 }, { Value: 0.2, Count: 0 }, { Value: -1, Count: 1 }, null]), [{ value: 0.1, count: 2 }]);
  assert.deepEqual(mergeHistograms([[{ value: 0.2, count: 1 }, { value: 0.1, count: 1 }], [{ value: 0.1, count: 2 }]]),
    [{ value: 0.1, count: 3 }, { value: 0.2, count: 1 }]);
});

test("pickNode prefers the clicked node, else the one furthest right (the function)", () => {
  const g = graphOf("stage3");
  const lay = layout(g);
  const fn = find(g, "mysfits-questions-post", "AWS::Lambda::Function");
  const svc = find(g, "mysfits-questions-post", "AWS::Lambda");
  assert.equal(pickNode(g, lay, { name: "mysfits-questions-post", type: "" }), fn);
  assert.equal(pickNode(g, lay, { name: "mysfits-questions-post", type: "AWS::Lambda" }), svc);
  assert.equal(pickNode(g, lay, { name: "mysfits-questions-post", type: "", ref: svc.ref }), svc);
  assert.equal(pickNode(g, lay, { name: "gone", type: "" }), null);
  assert.equal(pickNode(g, lay, null), null);
});
