// Tracing stages on the page: the settings each local trace ran under
// (TraceSummary.Settings, the local store's addition: AWS has no such
// field), the stages the store holds (GET api/stages), the stage filter
// and the pair of stages the compare view sets side by side.
import { num } from "./format.js";

export const STAGES = [1, 2, 3];

// What each stage adds to the map, as the design's table says.
export const STAGE_INFO = {
  1: "Lambda tracing only",
  2: "API Gateway stage, DynamoDB and SNS traced",
  3: "faults injected",
};

// parseStage reads a stage number (1 to 3); 0 stands for all stages.
export function parseStage(text) {
  const n = Number(text);
  return STAGES.includes(n) ? n : 0;
}

// settingsOf reads a summary's Settings: {stage, faultPercent, faultDelay},
// null when the trace has none (from AWS, or recorded before any).
export function settingsOf(summary) {
  const s = summary && summary.Settings;
  if (!s || typeof s !== "object" || !parseStage(s.Stage)) return null;
  return { stage: parseStage(s.Stage), faultPercent: num(s.FaultPercent), faultDelay: String(s.FaultDelay || "") };
}

export const stageOf = (summary) => (settingsOf(summary) || { stage: 0 }).stage;

// onStage keeps the traces of stage (0: all). The API already answers one
// stage's traces for stage=N; this keeps the list right with an API that
// ignores the parameter but tells each trace's settings.
export function onStage(list, stage) {
  if (!stage || !list.some((t) => settingsOf(t))) return list;
  return list.filter((t) => stageOf(t) === stage);
}

// describeSettings: "stage 3 · 50 % faults after 5s", "stage 2".
export function describeSettings(settings) {
  if (!settings) return "";
  const base = "stage " + settings.stage;
  if (settings.stage < 3) return base;
  return base + " · " + settings.faultPercent + " % faults" + (settings.faultDelay ? " after " + settings.faultDelay : "");
}

// stagesHeld reads GET api/stages ({Stages: [{Stage, TraceCount,
// FirstStartTime, LastStartTime}], Current}) as {stages: [{stage, count,
// first, last}], current (settings or null), known}; without a usable
// answer (an older API) it counts the summaries' settings instead, and
// known says whether any source told the stages at all.
export function stagesHeld(body, summaries) {
  if (body && Array.isArray(body.Stages)) {
    const stages = body.Stages.filter((s) => s && parseStage(s.Stage))
      .map((s) => ({ stage: parseStage(s.Stage), count: num(s.TraceCount), first: num(s.FirstStartTime), last: num(s.LastStartTime) }))
      .sort((a, b) => a.stage - b.stage);
    return { stages, current: settingsOf({ Settings: body.Current }), known: true };
  }
  const by = new Map();
  for (const t of summaries || []) {
    const stage = stageOf(t);
    if (!stage) continue;
    const at = num(t.StartTime);
    const e = by.get(stage) || { stage, count: 0, first: at, last: at };
    e.count++;
    e.first = Math.min(e.first, at);
    e.last = Math.max(e.last, at);
    by.set(stage, e);
  }
  return { stages: [...by.values()].sort((a, b) => a.stage - b.stage), current: null, known: by.size > 0 };
}

// parsePair reads compare=A,B (two different stages), null otherwise.
export function parsePair(text) {
  const parts = String(text || "").split(",");
  if (parts.length !== 2) return null;
  const [a, b] = parts.map(parseStage);
  return a && b && a !== b ? { a, b } : null;
}

export const pairText = (pair) => pair.a + "," + pair.b;

// defaultPair is what the compare view opens on: the filtered stage beside
// its neighbour (the one before it, stage 1 beside 2), else the two newest
// stages held, else the one held beside its neighbour, else 1 and 2.
export function defaultPair(held, stage) {
  const stages = held.map((s) => s.stage);
  const around = (s) => (s > 1 ? { a: s - 1, b: s } : { a: 1, b: 2 });
  if (stage) return around(stage);
  if (stages.length >= 2) return { a: stages.at(-2), b: stages.at(-1) };
  return around(stages[0] || 1);
}
