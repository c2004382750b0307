// Log in and register: forms with labels; a refusal is said next to the form.
import { login, register } from "./auth.js";
import { alertBox, el, show } from "./dom.js";

function field(id, label, attributes = {}) {
  return el("p", { class: "field" }, el("label", { for: id, text: label }), el("input", { id, name: id, ...attributes }));
}

function refusal(form, error) {
  form.querySelector(".alert")?.remove();
  const fields = error.fields ? Object.entries(error.fields).map(([k, v]) => `${k} ${v}`).join("; ") : "";
  form.append(alertBox(fields ? `${error.message}: ${fields}` : error.message));
}

export function loginPage(main) {
  const form = el(
    "form",
    { class: "stack" },
    field("login", "Username or email", { autocomplete: "username", required: true }),
    field("password", "Password", { type: "password", autocomplete: "current-password", required: true }),
    el("button", { type: "submit", text: "Log in" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await login(form.login.value.trim(), form.password.value);
      location.assign("/app/me");
    } catch (error) {
      refusal(form, error);
    }
  });
  show(main, el("h1", { text: "Log in" }), form, el("p", {}, "New here? ", el("a", { href: "/app/register", text: "Create an account" })));
}

export function registerPage(main) {
  const form = el(
    "form",
    { class: "stack" },
    field("username", "Username", { autocomplete: "username", required: true, minlength: 3, maxlength: 50 }),
    field("email", "Email (optional)", { type: "email", autocomplete: "email" }),
    field("password", "Password (8 characters or more)", { type: "password", autocomplete: "new-password", required: true, minlength: 8 }),
    el("button", { type: "submit", text: "Create account" }),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const account = { username: form.username.value.trim(), password: form.password.value };
    if (form.email.value.trim()) account.email = form.email.value.trim();
    try {
      await register(account);
      location.assign("/app/me");
    } catch (error) {
      refusal(form, error);
    }
  });
  show(main, el("h1", { text: "Create an account" }), form);
}
