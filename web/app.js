// The web app's entry: routes /app/… on the client (every /app/ path answers this
// shell). Pages: the gallery, a project, a profile.
import { gallery } from "./gallery.js";
import { alertBox, el, show } from "./dom.js";
import { profilePage } from "./profile.js";
import { projectPage } from "./project.js";

const main = document.getElementById("main");

function route() {
  const path = location.pathname.replace(/^\/app\/?/, "");
  const [section, id] = path.split("/");
  if (!section) return gallery(main);
  if (section === "projects" && id) return projectPage(main, id);
  if (section === "profiles" && id) return profilePage(main, id);
  return show(main, el("h1", { text: "Not found" }), el("p", {}, el("a", { href: "/app/", text: "To the gallery" })));
}

window.addEventListener("popstate", () => route());
route().catch((error) => show(main, el("h1", { text: "Troupe" }), alertBox(`Something failed (${error.message}).`)));
