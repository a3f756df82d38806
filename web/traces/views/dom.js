// Building and keeping DOM: every piece of data reaches the page through
// textContent or an attribute value, never as HTML (segment documents are
// untrusted input).

const SVG_NS = "http://www.w3.org/2000/svg";

export const $ = (id) => document.getElementById(id);

// el builds an HTML element; children are nodes or strings (as text).
export function el(tag, attrs, ...children) {
  return fill(document.createElement(tag), attrs, children);
}

// s builds an SVG element the same way.
export function s(tag, attrs, ...children) {
  return fill(document.createElementNS(SVG_NS, tag), attrs, children);
}

// fill sets attributes ("text" sets the text, on* adds a listener; null,
// undefined and false are left out) and appends the children.
function fill(node, attrs, children) {
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") node.setAttribute("class", value);
    else if (key === "text") node.textContent = String(value);
    else if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "true" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(typeof child === "string" || typeof child === "number" ? document.createTextNode(String(child)) : child);
  }
  return node;
}

export function clear(node) {
  while (node.firstChild) node.removeChild(node.firstChild);
}

// cleared empties the elements with these ids and returns them.
export function cleared(...ids) {
  return ids.map((id) => {
    const node = $(id);
    clear(node);
    return node;
  });
}

// activate makes a non-button element behave as one: click, Enter, Space.
export function activate(node, handler) {
  node.addEventListener("click", handler);
  node.addEventListener("keydown", (event) => {
    if (event.key === "Enter" || event.key === " ") {
      event.preventDefault();
      handler(event);
    }
  });
}

// Focus survives a redraw through data-focus-key: read it before clearing,
// restore it after drawing.
export function focusKey() {
  const active = document.activeElement;
  return active && active.dataset ? active.dataset.focusKey || null : null;
}

export function restoreFocus(key, root) {
  if (!key) return;
  for (const candidate of root.querySelectorAll("[data-focus-key]")) {
    if (candidate.dataset.focusKey === key) {
      candidate.focus({ preventScroll: true });
      return;
    }
  }
}

// arrowFocus: ArrowDown and ArrowUp move from row `current` to the next or
// previous sibling matching rowSelector (focusing its focusSelector, or the
// row itself).
export function arrowFocus(event, current, rowSelector, focusSelector) {
  if (event.key !== "ArrowDown" && event.key !== "ArrowUp") return;
  const step = (n) => (event.key === "ArrowDown" ? n.nextElementSibling : n.previousElementSibling);
  let next = step(current);
  while (next && !next.matches(rowSelector)) next = step(next);
  if (!next) return;
  event.preventDefault();
  const target = focusSelector ? next.querySelector(focusSelector) : next;
  if (target) target.focus();
}

// memo runs draw only when the signature of what it draws changed; each
// view keeps its own, so a refresh that changed nothing redraws nothing
// (and keeps focus, scroll and hover).
export function memo(draw) {
  let last = null;
  return (sig, ...args) => {
    if (sig === last) return;
    last = sig;
    draw(...args);
  };
}
