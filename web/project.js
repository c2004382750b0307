// A project page (anyone): title, owner, description, tags, link and its images.
import { getJson, query } from "./api.js";
import { alertBox, el, show } from "./dom.js";

export async function projectPage(main, id) {
  let project;
  try {
    project = await getJson(`/projects/${encodeURIComponent(id)}`);
  } catch (error) {
    const text = error.status === 404 ? "No such project." : `The project cannot be loaded (${error.message}).`;
    return show(main, el("h1", { text: "Project" }), alertBox(text));
  }
  const media = await getJson(`/media${query({ project_id: project.id, size: 50 })}`).catch(() => ({ items: [] }));
  const images = (media.items || []).filter((m) => m.mime_type && m.mime_type.startsWith("image/"));
  show(
    main,
    el("h1", { text: project.title }),
    el("p", { class: "muted" }, "by ", el("a", { href: `/app/profiles/${project.user_id}`, text: project.display_name || project.username })),
    project.description ? el("p", { class: "description", text: project.description }) : null,
    project.tags && project.tags.length
      ? el("p", { class: "tags" }, ...project.tags.map((t) => el("a", { class: "tag", href: `/app/?tags=${encodeURIComponent(t)}`, text: t })))
      : null,
    project.link ? el("p", {}, el("a", { href: project.link, rel: "noopener noreferrer", text: "Project link" })) : null,
    images.length
      ? el(
          "ul",
          { class: "grid images" },
          ...images.map((m) =>
            el("li", {}, el("a", { href: m.file_url }, el("img", { src: m.thumbnail_url || m.file_url, alt: m.original_filename || "", loading: "lazy" }))),
          ),
        )
      : null,
  );
}
