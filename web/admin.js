// Admin (admins): users and their roles, dead-lettered events with replay, and a
// search reindex.
import { query } from "./api.js";
import { authed, session } from "./auth.js";
import { alertBox, el, show } from "./dom.js";

const ROLES = ["user", "committee", "admin", "superadmin"];

function grantable(callerRole) {
  // Strictly below one's own role; a superadmin grants any.
  const rank = ROLES.indexOf(callerRole);
  return callerRole === "superadmin" ? ROLES : ROLES.slice(0, Math.max(rank, 0));
}

function userRow(user, roles) {
  const select = el("select", { id: `role-${user.id}`, "aria-label": `Role of ${user.username}` });
  for (const role of new Set([user.role, ...roles])) {
    select.append(el("option", { value: role, text: role, selected: role === user.role }));
  }
  const note = el("span", { role: "status" });
  return el(
    "tr",
    {},
    el("td", { text: user.username }),
    el("td", { text: user.email || "" }),
    el("td", {}, select),
    el(
      "td",
      {},
      el("button", {
        type: "button",
        text: "Save role",
        onclick: async () => {
          note.textContent = "";
          note.nextSibling?.remove();
          try {
            const saved = await authed(`/users/${user.id}`, {
              method: "PATCH",
              headers: { "content-type": "application/json" },
              body: JSON.stringify({ role: select.value }),
            });
            note.textContent = `${saved.username} is now ${saved.role}.`;
          } catch (error) {
            note.after(alertBox(error.message));
          }
        },
      }),
      note,
    ),
  );
}

async function deadEvents() {
  const section = el("section", { "aria-labelledby": "dead-heading" }, el("h2", { id: "dead-heading", text: "Dead events" }));
  const list = await authed(`/admin/dead-events${query({ size: 50 })}`);
  if (!list.items.length) {
    section.append(el("p", { class: "muted", text: "No dead-lettered events." }));
    return section;
  }
  const items = el("ul", { class: "stack" });
  for (const dead of list.items) {
    const item = el("li", { class: "card" }, el("p", { text: `${dead.event_type} in ${dead.queue}: ${dead.last_error} (${dead.attempts} tries)` }));
    item.append(
      el("button", {
        type: "button",
        text: "Replay",
        onclick: async () => {
          try {
            await authed(`/admin/dead-events/${dead.id}/replay`, { method: "POST" });
            item.replaceChildren(el("p", { role: "status", text: `${dead.event_type} replayed.` }));
          } catch (error) {
            item.append(alertBox(error.message));
          }
        },
      }),
    );
    items.append(item);
  }
  section.append(items);
  return section;
}

export async function adminPage(main) {
  const me = session();
  if (!me) return location.assign("/app/login");
  if (!["admin", "superadmin"].includes(me.user.role)) {
    return show(main, el("h1", { text: "Admin" }), alertBox("Only admins may open this page."));
  }
  const users = await authed(`/users${query({ size: 100 })}`);
  const roles = grantable(me.user.role);
  const table = el(
    "table",
    {},
    el("caption", { text: "Users" }),
    el("thead", {}, el("tr", {}, ...["Username", "Email", "Role", ""].map((h) => el("th", { scope: "col", text: h })))),
    el("tbody", {}, ...users.items.filter((u) => u.id !== me.user.id).map((u) => userRow(u, roles))),
  );
  const reindexNote = el("p", { role: "status" });
  const reindex = el("button", {
    type: "button",
    text: "Rebuild the search index",
    onclick: async () => {
      try {
        const answer = await authed("/admin/reindex-projects", { method: "POST" });
        reindexNote.textContent = `${answer.queued} projects queued for indexing.`;
      } catch (error) {
        reindexNote.textContent = error.message;
      }
    },
  });
  // On a narrow screen the table scrolls sideways in its own region; the page does not.
  const scroller = el("div", { class: "scroll-x", role: "region", "aria-label": "Users", tabindex: "0" }, table);
  show(
    main,
    el("h1", { text: "Admin" }),
    scroller,
    await deadEvents(),
    el("section", { "aria-labelledby": "search-heading" }, el("h2", { id: "search-heading", text: "Search" }), reindex, reindexNote),
  );
}
