import { test } from "node:test";
import assert from "node:assert/strict";
import { answerError, errorOf, usable, summariesPath, tracePath, graphPath, slowPath, scopeParams } from "./api.js";
import { page } from "../model/testdata.js";

test("a rejected filter's 400 carries the server's word", () => {
  const res = { status: 400, ok: false, body: page("filter-error.json"), path: "api/summaries?filter=fault%20AND", statusText: "Bad Request" };
  assert.match(errorOf(res), /^filter: at position 10: /);
  assert.equal(usable(res), false);
  assert.equal(answerError(res), "GET api/summaries?filter=fault%20AND answered 400 Bad Request: " + errorOf(res));
});

test("an answer that is not JSON is named as such", () => {
  const res = { status: 200, ok: true, body: null, path: "api/graph", statusText: "OK" };
  assert.equal(usable(res), false);
  assert.equal(answerError(res), "GET api/graph did not answer JSON");
  assert.equal(usable({ ok: true, body: page("stage3/graph.json") }), true);
});

test("paths escape what they carry", () => {
  assert.equal(summariesPath(""), "api/summaries");
  assert.equal(summariesPath("http.status = 502 AND responsetime > 1"), "api/summaries?filter=http.status%20%3D%20502%20AND%20responsetime%20%3E%201");
  assert.equal(tracePath("1-a&b"), "api/traces?id=1-a%26b");
});

test("the scope travels as start, end and stage, left out when unset", () => {
  assert.equal(graphPath(), "api/graph");
  assert.equal(graphPath({ start: null, end: null, stage: 0 }), "api/graph");
  assert.equal(graphPath({ start: 1796155260.2500001, end: null, stage: 2 }), "api/graph?start=1796155260.25&stage=2");
  assert.equal(slowPath({ start: 10, end: 20, stage: 0 }), "api/slow?start=10&end=20");
  assert.equal(summariesPath("fault", { start: null, end: null, stage: 3 }), "api/summaries?stage=3&filter=fault");
  assert.deepEqual(scopeParams({ stage: 1 }), [["stage", "1"]]);
});
