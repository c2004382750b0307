// My portfolio, as a creator uses it (issue 20): sign up, create a project, upload an
// image with a progress bar and see its thumbnail; every refused upload (415, 422, 413)
// is said in words.
import { readFileSync } from "node:fs";
import { test, expect, expectAccessible } from "./fixtures.js";

test("a creator signs up, creates a project, uploads and sees the thumbnail", async ({ page }) => {
  const name = `maker${Date.now() % 1e6}`;
  await page.goto("/app/login");
  await page.getByRole("link", { name: "Create an account" }).click();
  await page.getByLabel("Username").fill(name);
  await page.getByLabel("Password (8 characters or more)").fill("maker-password-1");
  await page.getByRole("button", { name: "Create account" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "My portfolio" })).toBeVisible();
  await expect(page.getByRole("button", { name: `Log out (${name})` })).toBeVisible();
  await expectAccessible(page);

  await page.getByLabel("Title", { exact: true }).first().fill("Tide pools");
  await page.getByLabel("Tags (comma-separated)").fill("sea, macro");
  await page.getByRole("button", { name: "Create project" }).click();
  await expect(page.getByRole("link", { name: "Tide pools" })).toBeVisible();

  const image = readFileSync(process.env.TROUPE_IMAGE);
  await page.getByLabel("Add an image to Tide pools (drop it here or choose)").setInputFiles({
    name: "pool.png",
    mimeType: "image/png",
    buffer: image,
  });
  await expect(page.getByRole("img", { name: "pool.png" })).toBeVisible({ timeout: 20_000 });

  // Not an image: 415, said in words; nothing else breaks.
  await page.getByLabel("Add an image to Tide pools (drop it here or choose)").setInputFiles({
    name: "notes.png",
    mimeType: "image/png",
    buffer: Buffer.from("these are not the bytes of an image"),
  });
  await expect(page.getByRole("alert")).toContainText("not an image Troupe takes");

  // A PNG cut short: 422, said in words.
  await page.getByLabel("Add an image to Tide pools (drop it here or choose)").setInputFiles({
    name: "cut.png",
    mimeType: "image/png",
    buffer: image.subarray(0, 12),
  });
  await expect(page.getByRole("alert")).toContainText("The image cannot be read");

  // Over the 5 MiB limit: 413, said in words.
  await page.getByLabel("Add an image to Tide pools (drop it here or choose)").setInputFiles({
    name: "huge.png",
    mimeType: "image/png",
    buffer: Buffer.concat([image, Buffer.alloc(6 * 1024 * 1024)]),
  });
  await expect(page.getByRole("alert")).toContainText("The file is too large");
  await expect(page.getByRole("img", { name: "pool.png" })).toBeVisible();

  // The profile saves.
  await page.getByLabel("Name", { exact: true }).fill("Maker Person");
  await page.getByRole("button", { name: "Save profile" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Profile saved." })).toBeVisible();

  // Signed out, the portfolio asks for a login.
  await page.getByRole("button", { name: `Log out (${name})` }).click();
  await expect(page.getByRole("link", { name: "Log in" })).toBeVisible();
  await page.goto("/app/me");
  await expect(page.getByRole("heading", { level: 1, name: "Log in" })).toBeVisible();
});

test("a wrong password is refused with a message", async ({ page }) => {
  await page.goto("/app/login");
  await page.getByLabel("Username or email").fill("nobody-here");
  await page.getByLabel("Password").fill("wrong-password");
  await page.getByRole("button", { name: "Log in" }).click();
  await expect(page.getByRole("alert")).toContainText("wrong username/email or password");
});
