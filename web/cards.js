// A project as a card of the grid: thumbnail, title (to the project page), owner
// (to the profile page), tags.
import { el } from "./dom.js";

export function projectCard(project) {
  const id = project.id || project.project_id;
  const owner = project.display_name || project.username || "";
  const picture = project.thumbnail_url
    ? el("img", { src: project.thumbnail_url, alt: "", loading: "lazy", width: 320, height: 240 })
    : el("div", { class: "placeholder", "aria-hidden": "true" });
  return el(
    "li",
    { class: "card" },
    picture,
    el("h2", {}, el("a", { href: `/app/projects/${id}`, text: project.title })),
    el("p", { class: "muted" }, "by ", el("a", { href: `/app/profiles/${project.user_id}`, text: owner })),
    project.tags && project.tags.length
      ? el("p", { class: "tags" }, ...project.tags.map((t) => el("span", { class: "tag", text: t })))
      : null,
  );
}
