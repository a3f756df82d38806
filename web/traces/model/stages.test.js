import { test } from "node:test";
import assert from "node:assert/strict";
import { parseStage, settingsOf, stageOf, onStage, describeSettings, stagesHeld, parsePair, pairText, defaultPair } from "./stages.js";
import { summaryList } from "./summaries.js";
import { page } from "./testdata.js";

// The walk: one store through stages 1, 2 and 3 in turn, each summary
// with the Settings it ran under (the stage filter's answers, ?stage=N).
const walk = (stage) => summaryList(page("walk/stage" + stage + "/summaries.json"));
const mixed = () => [...walk(3), ...walk(2), ...walk(1)];

test("parseStage knows 1 to 3, anything else is all (0)", () => {
  assert.deepEqual(["1", "2", "3", 3, "0", "4", "", null, "x", "1.5"].map(parseStage), [1, 2, 3, 3, 0, 0, 0, 0, 0, 0]);
});

test("a summary's Settings tell its stage and fault settings", () => {
  const t = walk(3)[0];
  assert.deepEqual(settingsOf(t), { stage: 3, faultPercent: 50, faultDelay: "1s" });
  for (const stage of [1, 2, 3]) assert.ok(walk(stage).every((x) => stageOf(x) === stage), "every trace of ?stage=" + stage + " ran at it");
  assert.equal(stageOf(t), 3);
  assert.equal(settingsOf({ Id: "1-a" }), null, "a trace from AWS has none");
  assert.equal(settingsOf({ Settings: { Stage: 7 } }), null);
  assert.equal(stageOf({}), 0);
  assert.equal(describeSettings(settingsOf(t)), "stage 3 · 50 % faults after 1s");
  assert.equal(describeSettings(settingsOf(walk(1)[0])), "stage 1", "the fault settings mean nothing before stage 3");
  assert.equal(describeSettings(null), "");
});

test("onStage keeps one stage's traces, and leaves a list without settings alone", () => {
  const all = mixed();
  assert.equal(all.length, 22);
  assert.deepEqual([1, 2, 3].map((n) => onStage(all, n).length), [5, 6, 11]);
  assert.deepEqual(onStage(all, 2), walk(2));
  assert.equal(onStage(all, 0), all);
  const bare = summaryList(page("stage3/summaries.json"));
  assert.equal(onStage(bare, 1), bare, "an API that tells no settings filtered already, or cannot be");
});

test("stagesHeld reads api/stages, else counts the summaries' settings", () => {
  const held = stagesHeld(page("walk/stages.json"), []);
  assert.deepEqual(held.stages.map((s) => [s.stage, s.count]), [[1, 5], [2, 6], [3, 11]]);
  assert.deepEqual(held.current, { stage: 3, faultPercent: 50, faultDelay: "1s" });
  assert.equal(held.known, true);
  assert.deepEqual(stagesHeld(page("empty/stages.json"), []), { stages: [], current: null, known: true });
  const odd = { Stages: [{ Stage: 3, TraceCount: 11, FirstStartTime: 30, LastStartTime: 40 }, { Stage: 1, TraceCount: 5, FirstStartTime: 10, LastStartTime: 20 }, { Stage: 9 }] };
  assert.deepEqual(stagesHeld(odd, []).stages, [{ stage: 1, count: 5, first: 10, last: 20 }, { stage: 3, count: 11, first: 30, last: 40 }], "in stage order, unknown stages left out");
  // Counted from the summaries, the answer agrees with api/stages.
  const counted = stagesHeld(null, mixed());
  assert.deepEqual(counted.stages, held.stages.map((s) => ({ ...s })));
  assert.equal(counted.current, null);
  assert.deepEqual(stagesHeld({ error: "no" }, summaryList(page("stage3/summaries.json"))), { stages: [], current: null, known: false });
});

test("compare=A,B names two different stages", () => {
  assert.deepEqual(parsePair("1,2"), { a: 1, b: 2 });
  assert.deepEqual(parsePair("3,1"), { a: 3, b: 1 });
  for (const bad of ["", "1", "1,1", "1,4", "1,2,3", null]) assert.equal(parsePair(bad), null, String(bad));
  assert.equal(pairText({ a: 1, b: 3 }), "1,3");
});

test("the compare view opens on the filtered stage beside its neighbour, else the newest two held", () => {
  const held = (...stages) => stages.map((stage) => ({ stage }));
  assert.deepEqual(defaultPair(held(1, 2, 3), 3), { a: 2, b: 3 });
  assert.deepEqual(defaultPair(held(1, 2, 3), 1), { a: 1, b: 2 });
  assert.deepEqual(defaultPair(held(1, 2, 3), 0), { a: 2, b: 3 });
  assert.deepEqual(defaultPair(held(1, 3), 0), { a: 1, b: 3 });
  assert.deepEqual(defaultPair(held(3), 0), { a: 2, b: 3 });
  assert.deepEqual(defaultPair(held(1), 0), { a: 1, b: 2 });
  assert.deepEqual(defaultPair([], 0), { a: 1, b: 2 });
});
