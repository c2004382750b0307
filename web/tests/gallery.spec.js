// The gallery, as a visitor sees it (issue 20).
import { test, expect, expectAccessible } from "./fixtures.js";

test("a visitor lands on the newest projects", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/app\/$/);
  await expect(page.getByRole("heading", { level: 1, name: "Newest projects" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name: process.env.TROUPE_PROJECT })).toBeVisible();
  await expectAccessible(page);
});
