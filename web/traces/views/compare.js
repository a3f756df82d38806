// The compare view: two stages' service maps side by side, the nodes and
// edges the later one added marked NEW (and the ones it lost GONE on the
// earlier one), with a sentence and a list of what changed.
import { $, el, clear, memo } from "./dom.js";
import { drawGraph } from "./graph.js";
import { diffGraphs, describeDiff } from "../model/stagediff.js";
import { STAGE_INFO } from "../model/stages.js";
import { plural } from "../model/format.js";
import { typeInfo } from "../model/types.js";

// compareView draws into #compare-view; onShowStage(n) leaves the compare
// view for stage n on its own.
export function compareView(onShowStage) {
  const draw = memo((p) => drawCompare($("compare-view"), p, onShowStage));
  // p: {pair: {a, b} or null, sides: {a, b: {graph, layout, text} or null}, held (stagesHeld().stages), scopeText}
  return (p) => {
    $("compare-view").hidden = !p.pair;
    $("map-section").classList.toggle("comparing", !!p.pair);
    document.body.classList.toggle("comparing", !!p.pair);
    if (!p.pair) return draw("", p);
    const side = (k) => (p.sides[k] ? p.sides[k].text : "…");
    draw([p.pair.a, p.pair.b, side("a"), side("b"), p.scopeText, JSON.stringify(p.held)].join("|"), p);
  };
}

function drawCompare(box, p, onShowStage) {
  clear(box);
  if (!p.pair) return;
  const { pair, sides } = p;
  const [a, b] = [sides.a, sides.b];
  const ready = a && b && a.graph.nodes.length && b.graph.nodes.length;
  // The earlier stage is the one a change is measured from.
  const [early, late] = pair.a < pair.b ? ["a", "b"] : ["b", "a"];
  const diff = ready ? diffGraphs(sides[early].graph, sides[late].graph) : null;
  box.append(summary(p, diff, pair[early], pair[late]));
  const maps = el("div", { class: "compare-maps" });
  for (const k of ["a", "b"]) maps.append(sideFigure(k, pair[k], sides[k], p, onShowStage));
  box.append(maps);
  // One scale for both: the larger map fills its half, the other is drawn
  // as large, not blown up.
  const drawn = ["a", "b"].filter((k) => sides[k] && sides[k].graph.nodes.length);
  const size = {
    width: Math.max(...drawn.map((k) => sides[k].layout.width)),
    height: Math.max(...drawn.map((k) => sides[k].layout.height)),
  };
  for (const k of drawn) {
    const host = maps.querySelector('[data-compare-side="' + k + '"] .compare-map');
    drawGraph(host, { graph: sides[k].graph, layout: sides[k].layout, size, id: "compare-" + k, label: "Service map of stage " + pair[k], mark: diff ? diff.mark : null });
  }
}

function summary(p, diff, early, late) {
  const box = el("div", { id: "compare-summary", class: "compare-summary", role: "status" });
  if (!p.sides.a || !p.sides.b) {
    box.append(el("p", { class: "muted" }, "Loading the maps of stage " + p.pair.a + " and stage " + p.pair.b + "…"));
    return box;
  }
  if (!diff) {
    const missing = ["a", "b"].filter((k) => !p.sides[k].graph.nodes.length).map((k) => p.pair[k]);
    box.append(el("p", null, "No traces at stage " + missing.join(" or ") + (p.scopeText ? " " + p.scopeText : "") +
      " to compare: switch the stack to that stage (", el("code", null, "pulumi config set stage " + missing[0]), ") and post a question."));
    return box;
  }
  box.append(el("p", { class: "compare-sentence" }, describeDiff(diff, early, late)));
  const items = [
    ...diff.added.map((n) => ["added", n]),
    ...diff.removed.map((n) => ["removed", n]),
  ];
  if (items.length) {
    box.append(el("ul", { class: "compare-changes" }, items.map(([kind, n]) => el("li", {
      class: "diff-" + kind, ["data-" + kind + "-node"]: n.name, "data-type": n.type,
    }, el("span", { class: "diff-chip " + kind }, kind === "added" ? "new at stage " + late : "gone at stage " + late), " ", n.type === "client" ? "Client" : n.name, el("span", { class: "muted" }, " " + typeInfo(n.type).label)))));
  }
  return box;
}

function sideFigure(k, stage, side, p, onShowStage) {
  const held = p.held.find((s) => s.stage === stage);
  const show = el("button", { type: "button", class: "small", "data-show-stage": stage, title: "Leave the compare view and show stage " + stage + " on its own" }, "Show alone");
  show.addEventListener("click", () => onShowStage(stage));
  const fig = el("figure", { class: "compare-side", "data-compare-side": k, "data-stage": stage },
    el("figcaption", null,
      el("strong", null, "Stage " + stage),
      el("span", { class: "muted" }, " · " + STAGE_INFO[stage] + (held ? " · " + plural(held.count, "trace") + " held" : "")),
      show),
    el("div", { class: "compare-map" }));
  if (side && !side.graph.nodes.length) fig.lastChild.append(el("p", { class: "placeholder muted" }, "No traces at stage " + stage + (p.scopeText ? " " + p.scopeText : "") + "."));
  else if (!side) fig.lastChild.append(el("p", { class: "placeholder muted" }, "Loading…"));
  return fig;
}
