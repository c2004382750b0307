// Small DOM helpers: elements are built with textContent only (never innerHTML), so
// nothing a user typed can become markup.
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") node.textContent = value;
    else if (key.startsWith("on")) node.addEventListener(key.slice(2), value);
    else node.setAttribute(key, value === true ? "" : value);
  }
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

/** Replaces the page's content and moves focus to its heading (for screen readers). */
export function show(main, ...children) {
  main.replaceChildren(...children.filter((c) => c !== null && c !== undefined && c !== false));
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus({ preventScroll: true });
  }
}

export function alertBox(text) {
  return el("p", { role: "alert", class: "alert", text });
}
