// The gallery, as a visitor sees it (issue 20). tests/api/browser.rs seeds one
// project (TROUPE_PROJECT, tags night and harbour, an image) of the user TROUPE_OWNER.
import { test, expect, expectAccessible } from "./fixtures.js";

const title = process.env.TROUPE_PROJECT;
const owner = process.env.TROUPE_OWNER;

test("a visitor lands on the newest projects", async ({ page }) => {
  await page.goto("/");
  await expect(page).toHaveURL(/\/app\/$/);
  await expect(page.getByRole("heading", { level: 1, name: "Newest projects" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name: title })).toBeVisible();
  await expectAccessible(page);
});

test("a visitor searches with suggestions, filters by a tag and opens the project and its owner", async ({ page }) => {
  await page.goto("/app/");
  const box = page.getByRole("combobox", { name: "Search projects" });
  await box.pressSequentially("lant", { delay: 30 });
  // As-you-type suggestions fill the search box's list.
  await expect(page.locator("#suggestions option").first()).toHaveAttribute("value", /lantern/i);
  await box.fill("lanterns");
  await page.getByRole("button", { name: "Search" }).click();
  await expect(page).toHaveURL(/\?q=lanterns$/);
  await expect(page.getByRole("heading", { level: 1, name: "Search" })).toBeVisible();
  await expect(page.getByRole("status")).toHaveText("1 project found");
  await expectAccessible(page);

  // A tag chip filters, and says so.
  const chip = page.getByRole("button", { name: "night" });
  await chip.click();
  await expect(page).toHaveURL(/tags=night/);
  await expect(page.getByRole("button", { name: "night" })).toHaveAttribute("aria-pressed", "true");
  await expect(page.getByRole("heading", { level: 2, name: title })).toBeVisible();

  await page.getByRole("link", { name: title }).click();
  await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
  await expect(page.getByRole("main").getByRole("img")).toHaveCount(1);
  await expectAccessible(page);

  await page.getByRole("link", { name: owner }).click();
  await expect(page.getByRole("heading", { level: 1, name: owner })).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name: title })).toBeVisible();
  await expectAccessible(page);
});

test("an unknown project says so", async ({ page }) => {
  await page.goto("/app/projects/01900000-0000-7000-8000-000000000000");
  await expect(page.getByRole("alert")).toHaveText("No such project.");
});

test.describe("on a 360 px phone", () => {
  test.use({ viewport: { width: 360, height: 740 } });

  test("the gallery, a project and a profile fit the screen", async ({ page }) => {
    const overflow = () => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.goto("/app/");
    await expect(page.getByRole("heading", { level: 2, name: title })).toBeVisible();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.getByRole("link", { name: title }).click();
    await expect(page.getByRole("heading", { level: 1, name: title })).toBeVisible();
    expect(await overflow()).toBeLessThanOrEqual(0);
    await page.getByRole("link", { name: owner }).click();
    await expect(page.getByRole("heading", { level: 1, name: owner })).toBeVisible();
    expect(await overflow()).toBeLessThanOrEqual(0);
  });
});
