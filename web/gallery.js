// The gallery (anyone): the newest projects a page at a time by cursor, or search
// with as-you-type suggestions and tag chips that filter. The state is in the URL
// (?q=&tags=), so a search can be shared and the back button works.
import { getJson, query } from "./api.js";
import { projectCard } from "./cards.js";
import { alertBox, el, show } from "./dom.js";

const SIZE = 24;

export async function gallery(main) {
  const params = new URLSearchParams(location.search);
  const state = {
    q: params.get("q") || "",
    tags: (params.get("tags") || "").split(",").filter(Boolean),
  };
  const input = el("input", {
    id: "q",
    type: "search",
    name: "q",
    list: "suggestions",
    autocomplete: "off",
    value: state.q,
  });
  const suggestions = el("datalist", { id: "suggestions" });
  const form = el(
    "form",
    { role: "search", class: "search" },
    el("label", { for: "q", text: "Search projects" }),
    input,
    suggestions,
    el("button", { type: "submit", text: "Search" }),
  );
  const chips = el("div", { class: "chips", "aria-label": "Filter by tag", role: "group" });
  const status = el("p", { class: "muted", role: "status" });
  const list = el("ul", { class: "grid" });
  const more = el("button", { type: "button", class: "more", text: "Load more", hidden: true });
  const searching = () => state.q || state.tags.length;
  show(
    main,
    el("h1", { text: searching() ? "Search" : "Newest projects" }),
    form,
    chips,
    status,
    list,
    more,
  );

  let typed = 0;
  input.addEventListener("input", async () => {
    const mine = ++typed;
    const prefix = input.value.trim();
    if (prefix.length < 2) return suggestions.replaceChildren();
    const found = await getJson(`/search/suggest${query({ query: prefix })}`).catch(() => null);
    if (mine !== typed || !found) return; // a newer keystroke won, or no answer
    suggestions.replaceChildren(...found.suggestions.map((s) => el("option", { value: s.text })));
  });
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    go({ q: input.value.trim(), tags: state.tags });
  });

  function go(next) {
    const params = query({ q: next.q, tags: next.tags.join(",") });
    history.pushState(null, "", `/app/${params}`);
    gallery(main);
  }

  function drawChips(tags) {
    const all = [...new Set([...state.tags, ...tags])].slice(0, 20);
    chips.replaceChildren(
      ...all.map((tag) => {
        const on = state.tags.includes(tag);
        return el("button", {
          type: "button",
          class: "chip",
          "aria-pressed": on ? "true" : "false",
          text: tag,
          onclick: () => go({ q: state.q, tags: on ? state.tags.filter((t) => t !== tag) : [...state.tags, tag] }),
        });
      }),
    );
  }

  let next = null; // a cursor (newest) or a page number (search)
  async function load() {
    more.disabled = true;
    try {
      if (searching()) {
        const page = next || 1;
        const body = await getJson(
          `/search${query({ query: state.q, tags: state.tags.join(","), page, size: SIZE })}`,
        );
        list.append(...body.results.map(projectCard));
        status.textContent = `${body.total} project${body.total === 1 ? "" : "s"} found`;
        next = page < body.pages ? page + 1 : null;
        drawChips(body.results.flatMap((r) => r.tags));
      } else {
        const body = await getJson(`/projects${query({ size: SIZE, cursor: next })}`);
        list.append(...body.items.map(projectCard));
        status.textContent = `${body.total} project${body.total === 1 ? "" : "s"}`;
        next = body.next_cursor || null;
        drawChips(body.items.flatMap((p) => p.tags || []));
      }
      more.hidden = next === null;
    } catch (error) {
      list.after(alertBox(`The projects cannot be loaded (${error.message}).`));
    } finally {
      more.disabled = false;
    }
  }
  more.addEventListener("click", load);
  await load();
}
