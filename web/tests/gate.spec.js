// The gate (issue 20), as a committee member uses it on a phone: checks a ticket in
// by typing (a keyboard-wedge scanner types the same way), sees it admitted in green
// with the holder and the live count move, scans it again and sees it refused in red
// with the first admission; an unknown ticket is refused with its reason.
import { test, expect, expectAccessible, logIn } from "./fixtures.js";

test.use({ viewport: { width: 360, height: 740 } });

test("a committee member checks a ticket in twice and sees the second refused", async ({ page }) => {
  await logIn(page, process.env.TROUPE_GATE_USER, process.env.TROUPE_GATE_PASSWORD);
  await page.getByRole("link", { name: "Gate" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Gate" })).toBeVisible();
  await page.getByRole("link", { name: "Harbour Night" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Gate: Harbour Night" })).toBeVisible();
  const counts = page.getByRole("region", { name: "Counts" });
  await expect(counts.locator("[data-count=checked_in]")).toHaveText("0");

  const code = page.getByLabel("Ticket code");
  await expect(code).toBeFocused();
  // A keyboard-wedge scanner: the code's keys, then Enter.
  await page.keyboard.type("T-100\n", { delay: 5 });
  const answer = page.getByRole("status").filter({ has: page.locator(".verdict") });
  await expect(answer).toHaveClass(/pass/);
  await expect(answer).toContainText("Welcome");
  await expect(answer).toContainText("Ana Lima · VIP");
  await expect(counts.locator("[data-count=checked_in]")).toHaveText("1");
  await expect(counts.locator("[data-count=inside]")).toHaveText("1");
  await expectAccessible(page);

  await expect(code).toBeFocused();
  await code.fill("T-100");
  await page.getByRole("button", { name: "Check" }).click();
  await expect(answer).toHaveClass(/refuse/);
  await expect(answer).toContainText("Refused");
  await expect(answer).toContainText(`Already checked in at`);
  await expect(answer).toContainText(`by ${process.env.TROUPE_GATE_USER}`);

  await page.keyboard.type("NOT-A-TICKET\n");
  await expect(answer).toContainText("Unknown ticket");
  await expect(answer).toHaveText(/^RefusedUnknown ticketNOT-A-TICKET$/);
  await expect(counts.locator("[data-count=refused]")).toHaveText("2");
  await expect(counts.locator("[data-count=checked_in]")).toHaveText("1");
  await expectAccessible(page);

  // Usable on a 360 px phone: nothing wider than the screen.
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  expect(overflow).toBeLessThanOrEqual(0);
});
