// A profile page (anyone): the person and their projects, a page at a time by cursor.
import { getJson, query } from "./api.js";
import { projectCard } from "./cards.js";
import { alertBox, el, show } from "./dom.js";

export async function profilePage(main, userId) {
  let profile;
  try {
    profile = await getJson(`/profiles/${encodeURIComponent(userId)}`);
  } catch (error) {
    const text = error.status === 404 ? "No such person." : `The profile cannot be loaded (${error.message}).`;
    return show(main, el("h1", { text: "Profile" }), alertBox(text));
  }
  const list = el("ul", { class: "grid" });
  const more = el("button", { type: "button", class: "more", text: "Load more", hidden: true });
  show(
    main,
    el("h1", { text: profile.name || profile.username }),
    profile.avatar_url ? el("img", { class: "avatar", src: profile.avatar_url, alt: "", width: 96, height: 96 }) : null,
    profile.bio ? el("p", { class: "description", text: profile.bio }) : null,
    el("h2", { text: "Projects" }),
    list,
    more,
  );
  let cursor = null;
  async function load() {
    const body = await getJson(`/projects/user/${encodeURIComponent(userId)}${query({ size: 24, cursor })}`);
    list.append(...body.items.map(projectCard));
    cursor = body.next_cursor || null;
    more.hidden = cursor === null;
  }
  more.addEventListener("click", () => load().catch((e) => list.after(alertBox(e.message))));
  await load();
}
