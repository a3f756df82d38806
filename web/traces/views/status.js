// The page's state as a whole: body[data-state], the live indicator and
// Pause button, the API error banner, the empty state, announcements.
import { $, el, clear } from "./dom.js";
import { fmtClock } from "../model/format.js";

const ANNOUNCEMENTS = { error: "The trace API is unreachable.", empty: "No traces yet.", ready: "Traces loaded.", loading: "" };

// announce tells screen readers what changed (nothing for an empty text).
export function announce(text) {
  if (text) $("announcer").textContent = text;
}

// pageState: "error" (the API is unreachable), "loading" (before the first
// answer), "empty" (no graph and no traces, and no rejected filter, stage
// or time range (narrowed) to blame) or "ready".
export function pageState({ apiError, loaded, hasGraph, traceCount, filterError, narrowed }) {
  if (apiError) return "error";
  if (!loaded) return "loading";
  if (!hasGraph && !traceCount && !filterError && !narrowed) return "empty";
  return "ready";
}

// drawStatus: p {state, apiError, loaded, paused, lastUpdate (Date or null)}
export function drawStatus(p) {
  const body = document.body;
  if (body.dataset.state !== p.state) {
    body.dataset.state = p.state;
    announce(ANNOUNCEMENTS[p.state]);
  }
  drawTopbar(p);
  drawApiError(p);
  $("empty-state").hidden = p.state !== "empty";
  $("map-canvas").hidden = p.state === "empty";
}

function drawTopbar({ apiError, loaded, paused, lastUpdate }) {
  const text = $("live-text");
  const indicator = $("live-indicator");
  const pause = $("pause");
  pause.setAttribute("aria-pressed", paused ? "true" : "false");
  pause.textContent = paused ? "Resume" : "Pause";
  const at = lastUpdate ? " · updated " + fmtClock(lastUpdate.getTime() / 1000).main : "";
  if (apiError) {
    indicator.className = "live-indicator down";
    text.textContent = paused ? "Paused · API unreachable" : "API unreachable · retrying every 2 s";
  } else if (paused) {
    indicator.className = "live-indicator paused";
    text.textContent = "Paused" + at;
  } else {
    indicator.className = "live-indicator on";
    text.textContent = (loaded ? "Live" : "Loading…") + at;
  }
}

function drawApiError({ apiError, loaded, paused }) {
  const box = $("api-error");
  const main = document.querySelector("main");
  if (!apiError) {
    box.hidden = true;
    main.classList.remove("stale");
    return;
  }
  clear(box);
  box.append(
    el("strong", null, "The trace API is unreachable. "),
    el("span", null, apiError + ". "),
    el("span", null, "Is the local stack running? "),
    el("code", null, "make dev"),
    el("span", null, " serves this page and its API at /traces/. " + (paused ? "Updates are paused." : "Retrying every 2 s."))
  );
  box.hidden = false;
  // The last data stays, dimmed, once there was some.
  main.classList.toggle("stale", loaded);
}
