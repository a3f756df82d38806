import { test } from "node:test";
import assert from "node:assert/strict";
import { diffGraphs, describeDiff, nodeIdentity, edgeIdentity } from "./stagediff.js";
import { buildGraph } from "./graph.js";
import { page } from "./testdata.js";

const graphOf = (stage) => buildGraph(page(stage + "/graph.json"));
const ids = (nodes) => nodes.map((n) => n.type + " " + n.name).sort();
const edgeIds = (edges) => edges.map((e) => e.from.type + " " + e.key + " " + e.to.type).sort();

test("stage 3 adds the API Gateway stage, DynamoDB and SNS to stage 1's map, and removes nothing", () => {
  const before = graphOf("stage1"), after = graphOf("stage3");
  const d = diffGraphs(before, after);
  assert.deepEqual(ids(d.added), ["AWS::ApiGateway::Stage mysfits-questions/prod", "AWS::DynamoDB::Table DynamoDB", "AWS::SNS SNS"]);
  assert.deepEqual(d.removed, [], "the two clients of stage 1 are the clients of stage 3");
  assert.deepEqual(edgeIds(d.addedEdges), [
    "AWS::ApiGateway::Stage mysfits-questions/prod->mysfits-questions-post AWS::Lambda",
    "AWS::Lambda::Function mysfits-questions-post->DynamoDB AWS::DynamoDB::Table",
    "AWS::Lambda::Function mysfits-questions-process->SNS AWS::SNS",
    "client client->mysfits-questions/prod AWS::ApiGateway::Stage",
  ]);
  // The client no longer calls the post function's Lambda service directly.
  assert.deepEqual(edgeIds(d.removedEdges), ["client client->mysfits-questions-post AWS::Lambda"]);
  // Every node and edge of either map is marked.
  for (const n of after.nodes) assert.equal(d.mark(n), d.added.some((a) => nodeIdentity(a) === nodeIdentity(n)) ? "added" : "same", n.name);
  for (const n of before.nodes) assert.equal(d.mark(n), "same", n.name);
  const removedEdge = before.edges.find((e) => e.from.type === "client" && e.to.name === "mysfits-questions-post");
  assert.equal(d.mark(removedEdge), "removed");
  assert.equal(d.mark(after.edges.find((e) => e.to.type === "AWS::SNS")), "added");
});

test("read the other way, stage 1 no longer has what stage 3 added", () => {
  const d = diffGraphs(graphOf("stage3"), graphOf("stage1"));
  assert.deepEqual(d.added, []);
  assert.deepEqual(ids(d.removed), ["AWS::ApiGateway::Stage mysfits-questions/prod", "AWS::DynamoDB::Table DynamoDB", "AWS::SNS SNS"]);
  assert.match(describeDiff(d, 3, 1), /^Stage 1 no longer has mysfits-questions\/prod \(API Gateway stage\), /);
});

test("the sentence names what a stage added", () => {
  const d = diffGraphs(graphOf("stage1"), graphOf("stage3"));
  assert.equal(describeDiff(d, 1, 3), "Stage 3 adds mysfits-questions/prod (API Gateway stage), DynamoDB (DynamoDB table), SNS (SNS topic), compared with stage 1.");
});

test("on the walk, stage 2 adds API Gateway, DynamoDB and SNS, and stage 3 only faults", () => {
  const walk = (n) => buildGraph(page("walk/stage" + n + "/graph.json"));
  const d12 = diffGraphs(walk(1), walk(2));
  assert.deepEqual(ids(d12.added), ["AWS::ApiGateway::Stage mysfits-questions/prod", "AWS::DynamoDB::Table DynamoDB", "AWS::SNS SNS"]);
  assert.deepEqual(d12.removed, []);
  assert.equal(describeDiff(d12, 1, 2), "Stage 2 adds mysfits-questions/prod (API Gateway stage), DynamoDB (DynamoDB table), SNS (SNS topic), compared with stage 1.");
  const d23 = diffGraphs(walk(2), walk(3));
  assert.deepEqual([d23.added, d23.removed, d23.addedEdges, d23.removedEdges], [[], [], [], []]);
  assert.equal(describeDiff(d23, 2, 3), "Stage 3 has the nodes of stage 2, connected alike.");
});

test("a map compared with itself, or with an empty one, says so", () => {
  const same = diffGraphs(graphOf("stage3"), graphOf("stage3"));
  assert.deepEqual([same.added, same.removed, same.addedEdges, same.removedEdges], [[], [], [], []]);
  assert.equal(describeDiff(same, 2, 3), "Stage 3 has the nodes of stage 2, connected alike.");
  const fromNothing = diffGraphs(graphOf("empty"), graphOf("stage1"));
  assert.equal(fromNothing.added.length, 5, "one client for both entry points");
  assert.equal(new Set(fromNothing.addedEdges.map(edgeIdentity)).size, fromNothing.addedEdges.length);
});
