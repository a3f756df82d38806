import { test } from "node:test";
import assert from "node:assert/strict";
import { scopeList, scopeKey, describeScope } from "./scope.js";
import { narrowedToEdge, summaryList } from "./summaries.js";
import { buildGraph, pickEdge } from "./graph.js";
import { page } from "./testdata.js";

const graph = () => buildGraph(page("stage3/graph.json"));
const stage3 = () => summaryList(page("stage3/summaries.json"));
const ends = (from, fromType, to, toType) => ({ from: { name: from, type: fromType }, to: { name: to, type: toType } });
const toDynamoDB = ends("mysfits-questions-post", "AWS::Lambda::Function", "DynamoDB", "AWS::DynamoDB::Table");

test("pickEdge finds an edge by its ends' names and types", () => {
  const g = graph();
  assert.equal(pickEdge(g, toDynamoDB).to.type, "AWS::DynamoDB::Table");
  const lambdaToFunction = pickEdge(g, ends("mysfits-questions-post", "AWS::Lambda", "mysfits-questions-post", ""));
  assert.equal(lambdaToFunction.to.type, "AWS::Lambda::Function", "an end without a type matches any");
  assert.equal(pickEdge(g, ends("client", "client", "DynamoDB", "")), null);
  assert.equal(pickEdge(g, null), null);
  assert.equal(pickEdge(null, toDynamoDB), null);
});

test("an edge narrows the list to the traces through both its ends", () => {
  const g = graph();
  const edge = pickEdge(g, toDynamoDB);
  const n = narrowedToEdge(stage3(), toDynamoDB, edge);
  assert.equal(n.scoped, true);
  assert.equal(n.name, "mysfits-questions-post → DynamoDB");
  assert.equal(n.list.length, 3, "the three stored questions");
  const intoApi = ends("client", "client", "mysfits-questions/prod", "AWS::ApiGateway::Stage");
  const viaClient = narrowedToEdge(stage3(), intoApi, pickEdge(g, intoApi));
  assert.equal(viaClient.list.length, 10, "a client end narrows nothing: every request through the API");
  assert.equal(viaClient.name, "Client → mysfits-questions/prod");
  assert.equal(narrowedToEdge(stage3(), null, null).scoped, false);
  const bare = stage3().map(({ ServiceIds, ...rest }) => rest);
  assert.equal(narrowedToEdge(bare, toDynamoDB, edge).unsupported, true);
});

test("scopeList narrows by stage, then node or edge, then latency", () => {
  const all = [
    ...stage3().map((t) => ({ ...t, Settings: { Stage: 3, FaultPercent: 50, FaultDelay: "1s" } })),
    ...summaryList(page("stage1/summaries.json")).map((t) => ({ ...t, Settings: { Stage: 1, FaultPercent: 0, FaultDelay: "0s" } })),
  ];
  const g = graph();
  const post = g.nodes.find((n) => n.type === "AWS::Lambda::Function" && n.name === "mysfits-questions-post");
  const base = { all, stage: 3, nodeWanted: { name: post.name, type: post.type }, node: post, edgeWanted: null, edge: null, latency: null };
  const s = scopeList(base);
  assert.deepEqual([s.staged.length, s.inScope.length, s.list.length, s.scoped], [11, 9, 9, true]);
  const slow = scopeList({ ...base, latency: { from: 0.8, to: 1.2 } });
  assert.deepEqual([slow.inScope.length, slow.list.length], [9, 5]);
  assert.ok(slow.list.every((t) => t.HasFault));
  const everything = scopeList({ ...base, stage: 0, nodeWanted: null, node: null });
  assert.deepEqual([everything.list.length, everything.scoped], [16, false]);
  const edge = pickEdge(g, toDynamoDB);
  const viaEdge = scopeList({ ...base, nodeWanted: null, node: null, edgeWanted: toDynamoDB, edge });
  assert.equal(viaEdge.list.length, 3, "the edge wins over no node");
  assert.equal(scopeList({ ...base, stage: 1 }).list.length, 4, "stage 1: the four posts, not the stream's batch");
});

test("the scope's key and words follow the stage and the time range", () => {
  assert.equal(scopeKey(0, { kind: "all" }), "");
  assert.equal(scopeKey(2, { kind: "preset", id: "5m" }), "range=5m&stage=2");
  assert.equal(scopeKey(0, { kind: "custom", start: 10, end: 20.5 }), "start=10&end=20.5");
  assert.equal(describeScope(0, { kind: "all" }), "");
  assert.equal(describeScope(2, { kind: "all" }), "at stage 2");
  assert.equal(describeScope(3, { kind: "preset", id: "1h" }), "at stage 3 in the last hour");
  assert.equal(describeScope(0, { kind: "custom", start: 1, end: 2 }, (e) => "t" + e), "from t1 to t2");
});
