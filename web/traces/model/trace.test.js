import { test } from "node:test";
import assert from "node:assert/strict";
import { buildTrace, traceIn, rootCauseOf, selectedItem, exceptionsOf, httpStatusOf, itemHealth, isSegment, itemSummary, traceRoot } from "./trace.js";
import { segmentFields, flattenFields } from "./fields.js";
import { summaryList } from "./summaries.js";
import { page, traceAnswers } from "./testdata.js";

const FAULTED = "1-6b0f28a0-22cc7e8d6c2dba7b5ad5b175"; // a stage-3 502
const STORED = "1-6b0f28a2-fce7446e840c54ff95e1a29f"; // a stage-3 201
const traceOf = (stage, id) => buildTrace(traceAnswers(stage).get(id).Traces[0]);
const names = (trace) => trace.rows.map((r) => "  ".repeat(r.depth) + r.name);

// countDocs counts the documents of a BatchGetTraces trace, nested ones too.
function countDocs(answer) {
  const count = (doc) => 1 + (doc.subsegments || []).reduce((a, s) => a + count(s), 0);
  return answer.Segments.reduce((a, s) => a + count(JSON.parse(s.Document)), 0);
}

test("a stage-3 fault nests from the API stage down to hangingException", () => {
  const t = traceOf("stage3", FAULTED);
  assert.deepEqual(names(t), [
    "mysfits-questions/prod",
    "  Lambda",
    "    mysfits-questions-post",
    "      mysfits-questions-post",
    "        hangingException",
  ]);
  assert.equal(t.id, FAULTED);
  assert.equal(traceRoot(t).name, "mysfits-questions/prod");
  assert.equal(httpStatusOf(traceRoot(t).doc), 502);
  assert.equal(t.incomplete, false);
  assert.deepEqual(t.problems, []);
  assert.ok(t.duration > 1 && t.duration < 1.1, "the fault delay is 1 s");
  assert.ok(t.end - t.start >= t.rows.at(-1).end - t.rows.at(-1).start);
});

test("every document of every recorded trace becomes one row, children after their parent", () => {
  for (const stage of ["stage1", "stage3"]) {
    for (const [id, answer] of traceAnswers(stage)) {
      const t = buildTrace(answer.Traces[0]);
      assert.equal(t.rows.length, countDocs(answer.Traces[0]), stage + " " + id);
      const index = new Map(t.rows.map((r, i) => [r.id, i]));
      for (const [i, r] of t.rows.entries()) {
        const parent = r.parentId && index.has(r.parentId) ? t.rows[index.get(r.parentId)] : null;
        if (parent) {
          assert.ok(index.get(r.parentId) < i, r.name + " comes before its parent");
          assert.equal(r.depth, parent.depth + 1);
        } else {
          assert.equal(r.depth, 0);
        }
      }
      assert.ok(t.rows.some((r) => r.top && !r.parentId), stage + " " + id + " has no root");
    }
  }
});

test("each summary's fault and status agree with its trace's root", () => {
  const answers = traceAnswers("stage3");
  for (const s of summaryList(page("stage3/summaries.json"))) {
    const root = traceRoot(buildTrace(answers.get(s.Id).Traces[0]));
    assert.equal(root.fault, s.HasFault, s.Id);
    assert.equal(httpStatusOf(root.doc), s.Http.HttpStatus, s.Id);
  }
});

test("traceIn finds the trace asked for, or says the store does not hold it", () => {
  assert.equal(traceIn(traceAnswers("stage3").get(FAULTED), FAULTED).found.Id, FAULTED);
  const gone = "1-00000000-000000000000000000000000";
  assert.match(traceIn(page("not-held.json"), gone).missing, /^The store does not hold trace 1-0+-0+ /);
  assert.equal(traceIn({ Traces: [] }, gone).missing, "Trace " + gone + " is not in the answer.");
  assert.ok(traceIn({ Traces: [{ Segments: [] }] }, gone).found, "a lone trace without an id is the one asked for");
});

test("a faulted trace opens on hangingException and its exception", () => {
  const t = traceOf("stage3", FAULTED);
  const cause = rootCauseOf(t);
  assert.equal(cause.name, "hangingException");
  assert.equal(itemHealth(cause), "fault");
  assert.equal(isSegment(cause), false);
  const [ex] = exceptionsOf(cause, t);
  assert.match(ex.message, /hangingException hung for 1s/);
  assert.equal(ex.type, "fmt.wrapError");
  assert.ok(ex.stack.length > 0);
  assert.equal(selectedItem(t, "").id, cause.id);
  assert.equal(selectedItem(t, "no-such-id").id, cause.id);
  assert.equal(selectedItem(t, t.rows[1].id), t.rows[1]);
});

test("among several failed leaves, the one that recorded an exception is the cause", () => {
  const t = buildTrace({ Segments: [{ Document: JSON.stringify({
    id: "r", name: "root", start_time: 1, end_time: 3, fault: true, subsegments: [
      { id: "a", name: "threw", start_time: 1, end_time: 2, fault: true, cause: { exceptions: [{ message: "boom" }] } },
      { id: "b", name: "later", start_time: 2, end_time: 3, fault: true },
    ],
  }) }] });
  assert.equal(rootCauseOf(t).name, "threw");
});

test("a trace without failures opens on its root", () => {
  const t = traceOf("stage3", STORED);
  assert.equal(rootCauseOf(t), t.rows[0]);
  assert.equal(t.rows[0].name, "mysfits-questions/prod");
});

test("a DynamoDB call reads as an AWS call with its operation", () => {
  const t = traceOf("stage3", STORED);
  const put = t.rows.find((r) => r.name === "DynamoDB");
  assert.ok(put, names(t).join("\n"));
  assert.equal(itemSummary(put), "AWS call · PutItem");
  const fields = segmentFields(put, t);
  assert.equal(fields.find((f) => f.key === "aws.operation").value, "PutItem");
  assert.equal(fields.find((f) => f.key === "id").label, "Subsegment ID");
  assert.match(fields.find((f) => f.key === "duration").value, /^\d+(\.\d)? ms$/);
  assert.ok(!fields.some((f) => f.value === "" || f.value === undefined), "empty fields are left out");
});

test("the telling AWS fields come first, the target joins the summary", () => {
  const t = buildTrace({ Segments: [{ Document: JSON.stringify({
    id: "s", name: "DynamoDB", type: "subsegment", namespace: "aws", start_time: 1, end_time: 2,
    aws: { zeta: 1, request_id: "r", table_name: "questions", operation: "PutItem", account_id: "a" },
  }) }] });
  const item = t.rows[0];
  assert.equal(itemSummary(item), "AWS call · PutItem · questions");
  assert.deepEqual(segmentFields(item, t).filter((f) => f.key.startsWith("aws.")).map((f) => f.key),
    ["aws.operation", "aws.table_name", "aws.request_id", "aws.account_id", "aws.zeta"]);
});

test("the API stage's fields carry the request and the 502", () => {
  const t = traceOf("stage3", FAULTED);
  const fields = Object.fromEntries(segmentFields(t.rows[0], t).map((f) => [f.key, f]));
  assert.equal(fields["http.status"].value, "502");
  assert.equal(fields["http.status"].cls, "status-text fault");
  assert.equal(fields["http.request"].value, "POST http://127.0.0.1:18080/prod/questions");
  assert.equal(fields.origin.value, "AWS::ApiGateway::Stage");
  assert.equal(fields.id.label, "Segment ID");
  assert.equal(fields.start.value.slice(0, 9), "+0.0 ms ·");
});

test("a closed copy replaces an in-progress document, not the other way round", () => {
  const open = { id: "a", name: "s", start_time: 10, in_progress: true };
  const closed = { id: "a", name: "s", start_time: 10, end_time: 11 };
  for (const docs of [[open, closed], [closed, open]]) {
    const t = buildTrace({ Id: "1-x", Segments: docs.map((d, i) => ({ Id: "s" + i, Document: JSON.stringify(d) })) });
    assert.equal(t.rows.length, 1);
    assert.equal(t.rows[0].inProgress, false);
    assert.equal(t.incomplete, false);
  }
});

test("an in-progress segment is drawn to the end of the trace and marks it incomplete", () => {
  const t = buildTrace({ Segments: [
    { Document: JSON.stringify({ id: "r", name: "root", start_time: 10, end_time: 12 }) },
    { Document: JSON.stringify({ id: "c", name: "child", parent_id: "r", start_time: 10.5, in_progress: true }) },
  ] });
  assert.equal(t.incomplete, true);
  assert.equal(t.rows[1].drawEnd, 12);
  assert.equal(t.duration, 2);
});

test("bad documents are reported, parent cycles still show every item", () => {
  const t = buildTrace({ Segments: [
    { Id: "bad", Document: "{not json" },
    { Document: JSON.stringify({ id: "a", name: "a", parent_id: "b", start_time: 1, end_time: 2 }) },
    { Document: JSON.stringify({ id: "b", name: "b", parent_id: "a", start_time: 1, end_time: 2 }) },
  ] });
  assert.equal(t.problems.length, 1);
  assert.match(t.problems[0], /^segment bad: the document is not JSON/);
  assert.deepEqual(t.rows.map((r) => r.name).sort(), ["a", "b"]);
  assert.equal(t.incomplete, true, "no root: the trace is not all there");
});

test("a cause given as an exception id points at the item that recorded it", () => {
  const t = buildTrace({ Segments: [{ Document: JSON.stringify({
    id: "r", name: "root", start_time: 1, end_time: 2, fault: true, cause: "ex1",
    subsegments: [{ id: "c", name: "call", start_time: 1, end_time: 2, fault: true, cause: { exceptions: [{ id: "ex1", message: "boom" }] } }],
  }) }] });
  const [ex] = exceptionsOf(t.rows[0], t);
  assert.equal(ex.message, "boom");
  assert.equal(ex.referencedFrom.name, "call");
  assert.equal(rootCauseOf(t).name, "call");
  assert.match(exceptionsOf({ doc: { cause: "gone" } }, t)[0].message, /recorded elsewhere/);
});

test("flattenFields dots nested keys and joins arrays", () => {
  assert.deepEqual(flattenFields({ a: { b: 1, c: [1, { d: 2 }] }, e: null }), { "a.b": "1", "a.c": '1, {"d":2}', e: "null" });
});
