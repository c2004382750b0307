// My portfolio (signed in): my profile, my projects (create, edit, delete) and their
// images — dropped or chosen, uploaded with a progress bar, the thumbnail shown when
// the worker has made it; every refusal (413, 415, 422 …) said in words.
import { getJson, query } from "./api.js";
import { authed, session, uploadFile } from "./auth.js";
import { alertBox, el, show } from "./dom.js";

const REFUSALS = {
  413: "The file is too large (5 MiB at most).",
  415: "That is not an image Troupe takes (JPEG, PNG, GIF or WebP).",
  422: "The image cannot be read, or it has too many pixels.",
};

function say(where, error) {
  where.querySelector(".alert")?.remove();
  where.append(alertBox(REFUSALS[error.status] ? `${REFUSALS[error.status]} (${error.message})` : error.message));
}

function profileForm(profile) {
  const form = el(
    "form",
    { class: "stack", "aria-labelledby": "profile-heading" },
    el("h2", { id: "profile-heading", text: "Profile" }),
    el("p", { class: "field" }, el("label", { for: "name", text: "Name" }), el("input", { id: "name", name: "name", value: profile.name || "" })),
    el("p", { class: "field" }, el("label", { for: "bio", text: "About you" }), el("textarea", { id: "bio", name: "bio", rows: 3 })),
    el("p", { class: "field" }, el("label", { for: "avatar", text: "Avatar image" }), el("input", { id: "avatar", name: "avatar", type: "file", accept: "image/*" })),
    el("button", { type: "submit", text: "Save profile" }),
  );
  form.bio.value = profile.bio || "";
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    form.querySelector(".alert, .saved")?.remove();
    try {
      const changes = { name: form.name.value.trim() || null, bio: form.bio.value.trim() || null };
      const file = form.avatar.files[0];
      if (file) changes.avatar_url = (await uploadFile(file, null, () => {})).file_url;
      await authed("/profile/me", { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify(changes) });
      form.append(el("p", { class: "saved", role: "status", text: "Profile saved." }));
    } catch (error) {
      say(form, error);
    }
  });
  return form;
}

function dropZone(project, gallery) {
  const input = el("input", { type: "file", accept: "image/*", id: `file-${project.id}`, class: "visually-hidden" });
  const zone = el(
    "div",
    { class: "drop" },
    el("label", { for: `file-${project.id}`, text: `Add an image to ${project.title} (drop it here or choose)` }),
    input,
  );
  const start = async (file) => {
    zone.querySelector(".alert")?.remove();
    const bar = el("progress", { max: 100, value: 0, "aria-label": `Uploading ${file.name}` });
    zone.append(bar);
    try {
      const media = await uploadFile(file, project.id, (share) => (bar.value = Math.round(share * 100)));
      bar.remove();
      const item = el("li", {}, el("p", { class: "muted", role: "status", text: `${file.name}: making the thumbnail…` }));
      gallery.append(item);
      for (let i = 0; i < 60; i++) {
        const now = await getJson(`/media/${media.id}`);
        if (now.thumbnail_url) {
          item.replaceChildren(el("img", { src: now.thumbnail_url, alt: file.name }));
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    } catch (error) {
      bar.remove();
      say(zone, error);
    }
  };
  input.addEventListener("change", () => input.files[0] && start(input.files[0]));
  zone.addEventListener("dragover", (event) => {
    event.preventDefault();
    zone.classList.add("over");
  });
  zone.addEventListener("dragleave", () => zone.classList.remove("over"));
  zone.addEventListener("drop", (event) => {
    event.preventDefault();
    zone.classList.remove("over");
    const file = event.dataTransfer.files[0];
    if (file) start(file);
  });
  return zone;
}

async function projectItem(project, list) {
  const images = el("ul", { class: "grid images" });
  const media = await getJson(`/media${query({ project_id: project.id, size: 50 })}`).catch(() => ({ items: [] }));
  for (const m of media.items || []) {
    if (m.thumbnail_url) images.append(el("li", {}, el("img", { src: m.thumbnail_url, alt: m.original_filename || "" })));
  }
  const title = el("input", { id: `title-${project.id}`, value: project.title });
  const item = el(
    "li",
    { class: "card" },
    el("h3", {}, el("a", { href: `/app/projects/${project.id}`, text: project.title })),
    el("p", { class: "field" }, el("label", { for: `title-${project.id}`, text: "Title" }), title),
    el("button", {
      type: "button",
      text: "Save title",
      onclick: async () => {
        try {
          await authed(`/projects/${project.id}`, { method: "PATCH", headers: { "content-type": "application/json" }, body: JSON.stringify({ title: title.value }) });
          item.querySelector("h3 a").textContent = title.value.trim();
        } catch (error) {
          say(item, error);
        }
      },
    }),
    el("button", {
      type: "button",
      class: "danger",
      text: "Delete project",
      onclick: async () => {
        if (!confirm(`Delete ${project.title}?`)) return;
        try {
          await authed(`/projects/${project.id}`, { method: "DELETE" });
          item.remove();
        } catch (error) {
          say(item, error);
        }
      },
    }),
    images,
  );
  item.append(dropZone(project, images));
  list.append(item);
}

export async function portfolioPage(main) {
  const me = session();
  if (!me) return location.assign("/app/login");
  const profile = await authed("/profile/me");
  const list = el("ul", { class: "stack projects" });
  const create = el(
    "form",
    { class: "stack", "aria-labelledby": "new-heading" },
    el("h2", { id: "new-heading", text: "New project" }),
    el("p", { class: "field" }, el("label", { for: "new-title", text: "Title" }), el("input", { id: "new-title", name: "title", required: true })),
    el("p", { class: "field" }, el("label", { for: "new-description", text: "Description" }), el("textarea", { id: "new-description", name: "description", rows: 2 })),
    el("p", { class: "field" }, el("label", { for: "new-tags", text: "Tags (comma-separated)" }), el("input", { id: "new-tags", name: "tags" })),
    el("button", { type: "submit", text: "Create project" }),
  );
  create.addEventListener("submit", async (event) => {
    event.preventDefault();
    create.querySelector(".alert")?.remove();
    const tags = create.tags.value.split(",").map((t) => t.trim()).filter(Boolean);
    try {
      const project = await authed("/projects", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ title: create.title.value, description: create.description.value || null, tags }),
      });
      create.reset();
      await projectItem(project, list);
    } catch (error) {
      say(create, error);
    }
  });
  show(main, el("h1", { text: "My portfolio" }), profileForm(profile), create, el("h2", { text: "My projects" }), list);
  const mine = await getJson(`/projects/user/${me.user.id}${query({ size: 50 })}`);
  for (const project of mine.items) await projectItem(project, list);
}
