import { test } from "node:test";
import assert from "node:assert/strict";
import { readURL, queryOf } from "./url.js";

test("a deep link sets the filter, node, trace, segment and pause", () => {
  const s = readURL("?filter=fault+AND+responsetime+%3E+0.8&node=mysfits-questions-post&type=AWS%3A%3ALambda&select=1-a&segment=b&paused=1");
  assert.deepEqual(s, {
    filter: "fault AND responsetime > 0.8", nodeWanted: { name: "mysfits-questions-post", type: "AWS::Lambda" },
    traceId: "1-a", segmentId: "b", paused: true,
  });
  assert.deepEqual(readURL(""), { filter: "", nodeWanted: null, traceId: "", segmentId: "", paused: false });
});

test("the address the page writes reopens the same view", () => {
  for (const search of ["", "?filter=fault", "?node=n&type=AWS%3A%3ALambda%3A%3AFunction&select=1-a&segment=b&paused=1", "?select=1-a"]) {
    const state = readURL(search);
    assert.deepEqual(readURL("?" + queryOf(state, null)), state, search);
  }
});

test("the node the selection resolved to names it in the address", () => {
  const state = readURL("?node=mysfits-questions-post");
  assert.equal(queryOf(state, { name: "mysfits-questions-post", type: "AWS::Lambda::Function" }), "node=mysfits-questions-post&type=AWS%3A%3ALambda%3A%3AFunction");
  assert.equal(queryOf({ ...readURL(""), segmentId: "b" }, null), "", "a segment without its trace is not kept");
});
