// The gate's camera path (issue 20), really exercised: Chromium's fake camera plays
// a video of a QR code; the page reads it (with jsQR — Linux Chromium has no
// BarcodeDetector) and checks the ticket in.
import { test, expect, logIn } from "./fixtures.js";
import { launchOptions } from "./browser-args.js";
import { qrVideo } from "./qr-video.js";

const TICKET = "CAM-0001";
const video = qrVideo(TICKET);

test.use({
  permissions: ["camera"],
  launchOptions: {
    ...launchOptions,
    args: [
      ...launchOptions.args,
      "--use-fake-device-for-media-stream",
      "--use-fake-ui-for-media-stream",
      `--use-file-for-fake-video-capture=${video}`,
    ],
  },
});

test("a QR code shown to the camera is read and checked in once", async ({ page }) => {
  await logIn(page, process.env.TROUPE_GATE_USER, process.env.TROUPE_GATE_PASSWORD);
  await page.goto("/app/gate/camera-check");
  await expect(page.getByRole("heading", { level: 1, name: "Gate: camera-check" })).toBeVisible();
  await page.getByRole("button", { name: "Scan with the camera" }).click();
  await expect(page.getByText(/Camera on \(decoder: (jsQR|built-in)\)/)).toBeVisible();
  const answer = page.getByRole("status").filter({ has: page.locator(".verdict") });
  await expect(answer).toHaveClass(/pass/, { timeout: 15_000 });
  await expect(answer).toContainText("Welcome");
  await expect(answer).toContainText(TICKET);
  const counts = page.getByRole("region", { name: "Counts" });
  await expect(counts.locator("[data-count=checked_in]")).toHaveText("1");
  // The code stays in view: it is read once, not again and again.
  await page.waitForTimeout(1000);
  await expect(answer).toHaveClass(/pass/);
  await expect(counts.locator("[data-count=refused]")).toHaveText("0");
  await page.getByRole("button", { name: "Stop the camera" }).click();
  await expect(page.getByRole("button", { name: "Scan with the camera" })).toBeVisible();
});
