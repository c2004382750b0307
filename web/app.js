// The web app's entry: the newest projects, a page at a time by cursor (issue 20
// builds the gallery, portfolio, gate and admin pages on this shell).
import { getJson } from "./api.js";

const main = document.getElementById("main");

function card(project) {
  const item = document.createElement("li");
  item.className = "card";
  const title = document.createElement("h2");
  title.textContent = project.title;
  const by = document.createElement("p");
  by.className = "muted";
  by.textContent = `by ${project.display_name || project.username || ""}`;
  item.append(title, by);
  return item;
}

async function gallery() {
  const heading = document.createElement("h1");
  heading.textContent = "Newest projects";
  const list = document.createElement("ul");
  list.className = "grid";
  main.replaceChildren(heading, list);
  const page = await getJson("/projects?size=24");
  list.append(...page.items.map(card));
}

gallery().catch((error) => {
  const message = document.createElement("p");
  message.setAttribute("role", "alert");
  message.textContent = `The gallery cannot be loaded (${error.message}).`;
  main.replaceChildren(message);
});
