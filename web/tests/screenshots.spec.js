// A picture of each page (issue 20) into TROUPE_SCREENSHOTS (tests/api/browser.rs
// sets it: a temporary folder in CI, docs/screenshots when regenerating them — the
// README names the command). Each page is shown with data and checked for problems
// like every other test.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { test, expect, logIn } from "./fixtures.js";

const folder = process.env.TROUPE_SCREENSHOTS;
mkdirSync(folder, { recursive: true });

async function snap(page, name) {
  // Wait for images, then a stable picture (no blinking caret).
  await page.evaluate(() => Promise.all([...document.images].map((img) => img.decode().catch(() => null))));
  await page.screenshot({ path: join(folder, `${name}.png`), fullPage: true, caret: "hide", animations: "disabled" });
}

test("screenshots of the visitor's pages", async ({ page }) => {
  await page.setViewportSize({ width: 1100, height: 760 });
  await page.goto("/app/");
  await expect(page.getByRole("link", { name: process.env.TROUPE_PROJECT })).toBeVisible();
  await snap(page, "gallery");
  await page.getByRole("link", { name: process.env.TROUPE_PROJECT }).click();
  await expect(page.getByRole("heading", { level: 1, name: process.env.TROUPE_PROJECT })).toBeVisible();
  await snap(page, "project");
  await page.locator("main a[href^='/app/profiles/']").first().click();
  await expect(page.getByRole("heading", { level: 1 })).toBeVisible();
  await snap(page, "profile");
  await page.goto("/app/login");
  await snap(page, "login");
});

test("screenshots of the signed-in pages", async ({ page }) => {
  await page.setViewportSize({ width: 1100, height: 760 });
  await logIn(page, process.env.TROUPE_ROOT_USER, process.env.TROUPE_ROOT_PASSWORD);
  await snap(page, "portfolio");
  await page.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
  await snap(page, "admin");
});

test("screenshot of the gate on a phone", async ({ page }) => {
  await page.setViewportSize({ width: 360, height: 740 });
  await logIn(page, process.env.TROUPE_GATE_USER, process.env.TROUPE_GATE_PASSWORD);
  await page.goto("/app/gate");
  await expect(page.getByRole("heading", { level: 1, name: "Gate" })).toBeVisible();
  await snap(page, "gate-events");
  await page.getByRole("link", { name: "Harbour Night" }).click();
  await expect(page.getByLabel("Ticket code")).toBeFocused();
  await page.keyboard.type("T-101\n");
  const answer = page.getByRole("status").filter({ has: page.locator(".verdict") });
  await expect(answer).toContainText("Welcome");
  await expect(page.locator("[data-count=checked_in]")).not.toHaveText("–");
  await snap(page, "gate");
});
