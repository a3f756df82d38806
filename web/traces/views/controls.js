// The scope bar: the time-range picker (presets and a custom range), the
// stage filter with each stage's trace count, the compare switch with its
// two stages, and the settings the stack runs now.
import { $, el, clear } from "./dom.js";
import { selectValue, localInputValue, customRange, rangeWindow } from "../model/timerange.js";
import { STAGES, STAGE_INFO, describeSettings } from "../model/stages.js";
import { plural } from "../model/format.js";

// controlsView wires the controls: onRange(range), onStage(n, 0 for all),
// onCompare(on: boolean), onPair({a, b}); it returns the draw function.
export function controlsView({ onRange, onStage, onCompare, onPair }) {
  const select = $("range");
  const custom = $("custom-range");
  const error = $("range-error");
  let current = null; // the range last drawn
  const showError = (text) => {
    error.textContent = text;
    error.hidden = !text;
  };
  select.addEventListener("change", () => {
    showError("");
    if (select.value !== "custom") {
      custom.hidden = true;
      onRange(select.value === "all" ? { kind: "all" } : { kind: "preset", id: select.value });
      return;
    }
    // Open the custom range on what is shown now (the last 15 minutes for all).
    const now = Date.now() / 1000;
    const win = rangeWindow(current && current.kind !== "all" ? current : { kind: "preset", id: "15m" }, now);
    $("range-start").value = localInputValue(win.start);
    $("range-end").value = localInputValue(win.end === null ? now : win.end);
    custom.hidden = false;
    $("range-start").focus();
  });
  $("custom-form").addEventListener("submit", (event) => {
    event.preventDefault();
    const read = customRange($("range-start").value, $("range-end").value);
    showError(read.error || "");
    if (read.range) onRange(read.range);
  });
  for (const b of document.querySelectorAll("[data-stage-filter]")) {
    b.addEventListener("click", () => onStage(Number(b.dataset.stageFilter) || 0));
  }
  $("compare-toggle").addEventListener("click", () => onCompare($("compare-toggle").getAttribute("aria-pressed") !== "true"));
  for (const id of ["compare-a", "compare-b"]) {
    $(id).addEventListener("change", () => {
      const a = Number($("compare-a").value), b = Number($("compare-b").value);
      if (a !== b) onPair({ a, b });
    });
  }

  // p: {range, stage, held (stagesHeld's), compare ({a, b} or null)}
  return (p) => {
    current = p.range;
    // A custom range being typed stays open until applied or left.
    if (document.activeElement !== select && (p.range.kind === "custom" || custom.hidden)) select.value = selectValue(p.range);
    if (p.range.kind === "custom" && !(document.activeElement && document.activeElement.closest("#custom-range"))) {
      $("range-start").value = localInputValue(p.range.start);
      $("range-end").value = localInputValue(p.range.end);
      custom.hidden = false;
    }
    const counts = new Map(p.held.stages.map((s) => [s.stage, s.count]));
    for (const b of document.querySelectorAll("[data-stage-filter]")) {
      const n = Number(b.dataset.stageFilter) || 0;
      b.setAttribute("aria-pressed", n === p.stage ? "true" : "false");
      const count = b.querySelector(".count");
      if (n && p.held.known) {
        b.dataset.count = String(counts.get(n) || 0);
        count.textContent = String(counts.get(n) || 0);
        b.title = "Stage " + n + ": " + STAGE_INFO[n] + " · " + plural(counts.get(n) || 0, "trace") + " held";
      } else if (n) {
        delete b.dataset.count;
        count.textContent = "";
        b.title = "Stage " + n + ": " + STAGE_INFO[n];
      }
    }
    const running = $("running-settings");
    running.textContent = p.held.current ? "Running now: " + describeSettings(p.held.current) : "";
    running.hidden = !p.held.current;
    $("compare-toggle").setAttribute("aria-pressed", p.compare ? "true" : "false");
    $("compare-pick").hidden = !p.compare;
    if (p.compare) {
      fillStages($("compare-a"), p.compare.a, counts);
      fillStages($("compare-b"), p.compare.b, counts);
    }
  };
}

// fillStages makes select list the stages with their counts, value chosen.
function fillStages(select, chosen, counts) {
  if (document.activeElement === select && Number(select.value) === chosen) return;
  clear(select);
  for (const n of STAGES) {
    select.append(el("option", { value: n, selected: n === chosen }, "Stage " + n + (counts.has(n) ? " (" + counts.get(n) + ")" : "")));
  }
  select.value = String(chosen);
}
