// The filter box, its quick buttons (the Slow one follows api/slow) and
// the server's word on a rejected filter.
import { $ } from "./dom.js";
import { fmtSeconds } from "../model/format.js";
import { slowThreshold } from "../model/summaries.js";

export function filterView() {
  let shown = null; // the filter last put in the box
  // p: {filter, filterError, slow}
  return (p) => {
    const input = $("filter");
    // Only a filter that changed (a quick button, a deep link) overwrites
    // what is in the box: a refresh must not undo typing.
    if (shown !== p.filter) {
      if (document.activeElement !== input || input.value.trim() === p.filter) input.value = p.filter;
      shown = p.filter;
    }
    drawSlowButton(p.slow);
    for (const b of document.querySelectorAll("[data-quick]")) {
      b.setAttribute("aria-pressed", !b.disabled && b.dataset.expression === p.filter ? "true" : "false");
    }
    const box = $("filter-error");
    if (p.filterError) {
      box.textContent = "The filter was rejected: " + p.filterError;
      box.hidden = false;
      input.setAttribute("aria-invalid", "true");
    } else {
      box.hidden = true;
      box.textContent = "";
      input.removeAttribute("aria-invalid");
    }
  };
}

function drawSlowButton(slow) {
  const b = document.querySelector('[data-quick="slow"]');
  if (!b) return;
  const threshold = slowThreshold(slow);
  if (threshold > 0 && slow.filterExpression) {
    b.dataset.expression = String(slow.filterExpression);
    b.textContent = "Slow > " + String(slow.label || fmtSeconds(threshold));
    b.title = "Traces slower than 80 % of the slowest response time held: " + b.dataset.expression;
    b.disabled = false;
  } else {
    b.dataset.expression = "";
    b.textContent = "Slow";
    b.title = "No traces yet to tell slow from fast";
    b.disabled = true;
  }
}
