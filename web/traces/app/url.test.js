import { test } from "node:test";
import assert from "node:assert/strict";
import { readURL, queryOf } from "./url.js";
import { ALL } from "../model/timerange.js";

const EMPTY = { filter: "", range: ALL, stage: 0, compare: null, nodeWanted: null, edgeWanted: null, latency: null, traceId: "", segmentId: "", paused: false };

test("a deep link sets the filter, node, trace, segment and pause", () => {
  const s = readURL("?filter=fault+AND+responsetime+%3E+0.8&node=mysfits-questions-post&type=AWS%3A%3ALambda&select=1-a&segment=b&paused=1");
  assert.deepEqual(s, {
    ...EMPTY, filter: "fault AND responsetime > 0.8", nodeWanted: { name: "mysfits-questions-post", type: "AWS::Lambda" },
    traceId: "1-a", segmentId: "b", paused: true,
  });
  assert.deepEqual(readURL(""), EMPTY);
});

test("a deep link sets the range, stage, compared stages, edge and latency range", () => {
  const s = readURL("?range=15m&stage=2&compare=1,2&edge=client->mysfits-questions/prod&edgetypes=client->AWS::ApiGateway::Stage&latency=0.8-1.2");
  assert.deepEqual(s, {
    ...EMPTY, range: { kind: "preset", id: "15m" }, stage: 2, compare: { a: 1, b: 2 },
    edgeWanted: { from: { name: "client", type: "client" }, to: { name: "mysfits-questions/prod", type: "AWS::ApiGateway::Stage" } },
    latency: { from: 0.8, to: 1.2 },
  });
  assert.deepEqual(readURL("?start=100&end=200").range, { kind: "custom", start: 100, end: 200 });
  assert.equal(readURL("?edge=a->b&node=n").nodeWanted, null, "an edge and a node: the edge is selected");
  assert.deepEqual(readURL("?edge=a->b").edgeWanted, { from: { name: "a", type: "" }, to: { name: "b", type: "" } });
  for (const bad of ["?edge=ab", "?edge=->b", "?edge=a->"]) assert.equal(readURL(bad).edgeWanted, null, bad);
  assert.deepEqual([readURL("?stage=5").stage, readURL("?compare=2,2").compare, readURL("?latency=2-1").latency], [0, null, null]);
});

test("the address the page writes reopens the same view", () => {
  for (const search of [
    "", "?filter=fault", "?node=n&type=AWS%3A%3ALambda%3A%3AFunction&select=1-a&segment=b&paused=1", "?select=1-a",
    "?range=5m&stage=3&latency=0.02-0.04", "?start=1796155552.5&end=1796155560&compare=2,3",
    "?edge=mysfits-questions-post->DynamoDB&edgetypes=AWS::Lambda::Function->AWS::DynamoDB::Table&stage=2",
  ]) {
    const state = readURL(search);
    assert.deepEqual(readURL("?" + queryOf(state, null, null)), state, search);
  }
});

test("the node or edge the selection resolved to names it in the address", () => {
  const state = readURL("?node=mysfits-questions-post");
  assert.equal(queryOf(state, { name: "mysfits-questions-post", type: "AWS::Lambda::Function" }), "node=mysfits-questions-post&type=AWS%3A%3ALambda%3A%3AFunction");
  assert.equal(queryOf({ ...readURL(""), segmentId: "b" }, null), "", "a segment without its trace is not kept");
  const edge = readURL("?edge=a->b");
  const resolved = { from: { name: "a", type: "AWS::Lambda" }, to: { name: "b", type: "AWS::SNS" } };
  assert.equal(queryOf(edge, null, resolved), "edge=a-%3Eb&edgetypes=AWS%3A%3ALambda-%3EAWS%3A%3ASNS");
});
