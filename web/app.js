// The web app's entry: routes /app/… on the client (every /app/ path answers this
// shell) and shows in the header what the visitor may open.
import { loginPage, registerPage } from "./account.js";
import { adminPage } from "./admin.js";
import { logout, session } from "./auth.js";
import { alertBox, el, show } from "./dom.js";
import { gallery } from "./gallery.js";
import { gatePage } from "./gate.js";
import { portfolioPage } from "./portfolio.js";
import { profilePage } from "./profile.js";
import { projectPage } from "./project.js";

const main = document.getElementById("main");

function navigation() {
  const nav = document.querySelector("nav[aria-label=Main]");
  const me = session();
  const links = [el("a", { href: "/app/", text: "Gallery" })];
  if (me) {
    links.push(el("a", { href: "/app/me", text: "My portfolio" }));
    if (["committee", "admin", "superadmin"].includes(me.user.role)) links.push(el("a", { href: "/app/gate", text: "Gate" }));
    if (["admin", "superadmin"].includes(me.user.role)) links.push(el("a", { href: "/app/admin", text: "Admin" }));
    links.push(
      el("button", {
        type: "button",
        class: "link",
        text: `Log out (${me.user.username})`,
        onclick: async () => {
          await logout();
          location.assign("/app/");
        },
      }),
    );
  } else {
    links.push(el("a", { href: "/app/login", text: "Log in" }));
  }
  nav.replaceChildren(...links);
}

function route() {
  const path = location.pathname.replace(/^\/app\/?/, "");
  const [section, id] = path.split("/");
  if (!section) return gallery(main);
  if (section === "projects" && id) return projectPage(main, id);
  if (section === "profiles" && id) return profilePage(main, id);
  if (section === "login") return loginPage(main);
  if (section === "register") return registerPage(main);
  if (section === "me") return portfolioPage(main);
  if (section === "admin") return adminPage(main);
  if (section === "gate") return gatePage(main, id);
  return show(main, el("h1", { text: "Not found" }), el("p", {}, el("a", { href: "/app/", text: "To the gallery" })));
}

navigation();
window.addEventListener("popstate", () => route());
Promise.resolve(route()).catch((error) =>
  show(main, el("h1", { text: "Troupe" }), alertBox(`Something failed (${error.message}).`)),
);
