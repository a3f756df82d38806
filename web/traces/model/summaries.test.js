import { test } from "node:test";
import assert from "node:assert/strict";
import { summaryList, newestFirst, responseTime, slowThreshold, narrowed, firstCause, rootCauseText, overviewCounts, causeGroups, causeFallback } from "./summaries.js";
import { buildGraph, pickNode } from "./graph.js";
import { layout } from "./layout.js";
import { page } from "./testdata.js";

const stage3 = () => summaryList(page("stage3/summaries.json"));
const POST = "mysfits-questions-post";

test("summaryList keeps summaries with an id", () => {
  assert.equal(stage3().length, 11);
  assert.deepEqual(summaryList({ TraceSummaries: [null, {}, { Id: "1-a" }, "x"] }), [{ Id: "1-a" }]);
  assert.deepEqual(summaryList(page("empty/summaries.json")), []);
  assert.deepEqual(summaryList(null), []);
});

test("newestFirst orders by start time", () => {
  const starts = newestFirst([...stage3()].reverse()).map((t) => t.StartTime);
  assert.deepEqual(starts, [...starts].sort((a, b) => b - a));
  assert.equal(responseTime({ Duration: 2 }), 2);
  assert.equal(responseTime({ ResponseTime: 1, Duration: 2 }), 1);
});

test("the Slow threshold follows api/slow, 0 while it has nothing to go by", () => {
  assert.equal(slowThreshold(page("stage3/slow.json")), 0.8);
  assert.equal(page("stage3/slow.json").filterExpression, "responsetime > 0.8");
  assert.equal(slowThreshold(page("empty/slow.json")), 0);
  assert.equal(slowThreshold(null), 0);
  // Exactly the five faulted requests waited longer.
  assert.equal(stage3().filter((t) => responseTime(t) > 0.8).length, 5);
});

test("selecting the post function narrows the list to the nine POSTs through it", () => {
  const graph = buildGraph(page("stage3/graph.json"));
  const wanted = { name: POST, type: "" };
  const node = pickNode(graph, layout(graph), wanted);
  const n = narrowed(stage3(), wanted, node);
  assert.equal(n.scoped, true);
  assert.equal(n.type, "AWS::Lambda::Function");
  // Not the OPTIONS preflight (the API answered it) nor the stream's batch.
  assert.equal(n.list.length, 9, "the function answered the 400 too");
  assert.ok(n.list.every((t) => t.Http.HttpMethod === "POST"));
});

test("the API stage narrows through EntryPoint; a client and an unknown node narrow nothing", () => {
  const list = stage3();
  assert.equal(narrowed(list, { name: "mysfits-questions/prod", type: "AWS::ApiGateway::Stage" }, null).list.length, 10);
  assert.equal(narrowed(list, { name: "client", type: "client" }, null).scoped, false);
  assert.equal(narrowed(list, null, null).list, list);
  const bare = list.map(({ ServiceIds, ...rest }) => rest);
  assert.equal(narrowed(bare, { name: POST, type: "" }, null).unsupported, true);
});

test("a node's type tells apart services that share its name", () => {
  const list = [
    { Id: "1-a", ServiceIds: [{ Name: "x", Type: "AWS::Lambda" }] },
    { Id: "1-b", ServiceIds: [{ Names: ["x"], Type: "AWS::Lambda::Function" }] },
    { Id: "1-c", ServiceIds: [{ Name: "x" }] },
  ];
  assert.deepEqual(narrowed(list, { name: "x", type: "AWS::Lambda::Function" }, null).list.map((t) => t.Id), ["1-b", "1-c"]);
  assert.deepEqual(narrowed(list, { name: "x", type: "" }, null).list.length, 3);
});

test("the root cause of a stage-3 fault is hangingException in the post function", () => {
  const faulted = stage3().find((t) => t.HasFault);
  const cause = firstCause(faulted.FaultRootCauses);
  assert.equal(cause.service, POST);
  assert.equal(cause.serviceType, "AWS::Lambda::Function");
  assert.equal(cause.entity, "hangingException");
  assert.match(cause.message, /hangingException hung for 1s/);
  assert.equal(rootCauseText(faulted), "hangingException: " + cause.message);
  assert.equal(rootCauseText(stage3().find((t) => !t.HasFault && !t.HasError)), "");
});

test("a cause without an exception names its last entity", () => {
  const cause = firstCause([{ Services: [{ Name: "svc", Type: "AWS::Lambda", EntityPath: [{ Name: "svc" }, { Name: "call" }] }] }]);
  assert.deepEqual([cause.entity, cause.message, cause.text], ["call", "", "call"]);
  assert.equal(firstCause([]), null);
});

test("the overview counts the listed traces and groups their causes", () => {
  const list = stage3();
  assert.deepEqual(overviewCounts(list), { traces: 11, faults: 5, errors: 1, throttles: 0, slowest: Math.max(...list.map(responseTime)) });
  const groups = causeGroups(list);
  assert.deepEqual(causeGroups([...list].reverse())[0].newest, groups[0].newest, "the order of the list does not matter");
  assert.equal(groups[0].kind, "fault");
  assert.equal(groups[0].count, 5, "the five injected faults share one cause");
  const newest = Math.max(...list.filter((t) => t.HasFault).map((t) => t.StartTime));
  assert.equal(groups[0].newest.StartTime, newest, "a click opens the newest");
  for (let i = 1; i < groups.length; i++) assert.ok(groups[i].count <= groups[i - 1].count);
  assert.deepEqual(overviewCounts([]), { traces: 0, faults: 0, errors: 0, throttles: 0, slowest: 0 });
});

test("a cause without a message falls back to its kind and status", () => {
  assert.equal(causeFallback({ kind: "fault", newest: { Http: { HttpStatus: 502 } } }), "fault, HTTP 502");
  assert.equal(causeFallback({ kind: "error", newest: {} }), "error");
});
