// Dragging across a chart to select a range of its x axis: press, drag and
// release over the plot area of an SVG (a click selects where it landed).
import { s } from "./dom.js";

// brushing tells whether a drag is going on within root: a redraw then
// would drop it, so views wait until it ends.
export const brushing = (root) => !!root.querySelector("svg.brushing");

// brushable makes svg's plot area [left, right] x [top, bottom] (SVG units)
// draggable; toValue maps an x back to the axis; onBrush(v0, v1) gets the
// values where the drag started and ended.
export function brushable(svg, { left, right, top, bottom, toValue, onBrush }) {
  const band = s("rect", { class: "brush", x: left, y: top, width: 0, height: bottom - top, visibility: "hidden" });
  svg.append(band);
  svg.classList.add("brushable");
  let startX = null;
  const xOf = (event) => {
    const matrix = svg.getScreenCTM();
    const p = new DOMPoint(event.clientX, event.clientY).matrixTransform(matrix ? matrix.inverse() : new DOMMatrix());
    return Math.min(right, Math.max(left, p.x));
  };
  const show = (x0, x1) => {
    band.setAttribute("x", Math.min(x0, x1).toFixed(1));
    band.setAttribute("width", Math.abs(x1 - x0).toFixed(1));
    band.setAttribute("visibility", "visible");
  };
  svg.addEventListener("pointerdown", (event) => {
    if (event.button !== 0) return;
    event.preventDefault();
    startX = xOf(event);
    svg.setPointerCapture(event.pointerId);
    svg.classList.add("brushing");
    show(startX, startX);
  });
  svg.addEventListener("pointermove", (event) => {
    if (startX !== null) show(startX, xOf(event));
  });
  svg.addEventListener("pointerup", (event) => {
    if (startX === null) return;
    const x0 = startX;
    stop();
    onBrush(toValue(x0), toValue(xOf(event)));
  });
  svg.addEventListener("pointercancel", stop);
  function stop() {
    startX = null;
    svg.classList.remove("brushing");
    band.setAttribute("visibility", "hidden");
  }
}
