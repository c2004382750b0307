// Every test fails on an uncaught exception or a console.error from the app's own
// code, and can check a page with axe-core (no serious or critical violations).
import { test as base, expect } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";

export const test = base.extend({
  page: async ({ page }, use) => {
    const problems = [];
    page.on("pageerror", (error) => problems.push(`uncaught: ${error.message}`));
    page.on("console", (message) => {
      // The browser's own line for an HTTP error answer is not the app's.
      if (message.type() === "error" && !/Failed to load resource/.test(message.text())) {
        problems.push(`console.error: ${message.text()}`);
      }
    });
    await use(page);
    expect(problems, "no uncaught exception or console.error").toEqual([]);
  },
});

export async function expectAccessible(page) {
  const { violations } = await new AxeBuilder({ page }).analyze();
  const serious = violations.filter((v) => ["serious", "critical"].includes(v.impact));
  expect(serious.map((v) => `${v.id}: ${v.help}`)).toEqual([]);
}

export { expect };

/** Logs in through the page, as a person would. */
export async function logIn(page, username, password) {
  await page.goto("/app/login");
  await page.getByLabel("Username or email").fill(username);
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "My portfolio" })).toBeVisible();
}
