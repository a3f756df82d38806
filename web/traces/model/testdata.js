// For the tests only: the trace API's answers recorded in
// testdata/traces/page (see its README), read with node:fs.
import { readFileSync, readdirSync } from "node:fs";

const root = new URL("../../../testdata/traces/page/", import.meta.url);

// page reads one answer, e.g. page("stage3/graph.json").
export const page = (path) => JSON.parse(readFileSync(new URL(path, root), "utf8"));

// traceAnswers are the BatchGetTraces answers of a stage, by trace id.
export function traceAnswers(stage) {
  const dir = new URL(stage + "/traces/", root);
  return new Map(readdirSync(dir).map((f) => [f.replace(/\.json$/, ""), JSON.parse(readFileSync(new URL(f, dir), "utf8"))]));
}
