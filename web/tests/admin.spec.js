// Admin (issue 20): an admin changes a user's role.
import { test, expect, expectAccessible, logIn } from "./fixtures.js";

test("an admin changes a role", async ({ page }) => {
  await logIn(page, process.env.TROUPE_ROOT_USER, process.env.TROUPE_ROOT_PASSWORD);
  await page.getByRole("link", { name: "Admin" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
  const owner = process.env.TROUPE_OWNER;
  await page.getByLabel(`Role of ${owner}`).selectOption("committee");
  await page.getByRole("row", { name: new RegExp(owner) }).getByRole("button", { name: "Save role" }).click();
  await expect(page.getByRole("status").filter({ hasText: `${owner} is now committee.` })).toBeVisible();
  await expectAccessible(page);
  await page.reload();
  await expect(page.getByLabel(`Role of ${owner}`)).toHaveValue("committee");
});

test.describe("on a 360 px phone", () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test("the admin page fits the screen and its controls are reachable", async ({ page }) => {
    await logIn(page, process.env.TROUPE_ROOT_USER, process.env.TROUPE_ROOT_PASSWORD);
    await page.getByRole("link", { name: "Admin" }).click();
    await expect(page.getByRole("heading", { level: 1, name: "Admin" })).toBeVisible();
    const owner = process.env.TROUPE_OWNER;
    const save = page.getByRole("row", { name: new RegExp(owner) }).getByRole("button", { name: "Save role" });
    await save.scrollIntoViewIfNeeded();
    await expect(save).toBeInViewport();
    await expect(page.getByLabel(`Role of ${owner}`)).toBeVisible();
    // Nothing makes the page wider than the screen.
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await expectAccessible(page);
  });
});
