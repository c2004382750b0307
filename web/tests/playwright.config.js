// Playwright against a running Troupe (TROUPE_URL), in Debian's Chromium — never a
// downloaded browser. tests/api/browser.rs starts the server and runs this.
import { defineConfig } from "@playwright/test";
import { launchOptions } from "./browser-args.js";

export default defineConfig({
  testDir: ".",
  testMatch: "*.spec.js",
  timeout: 30_000,
  workers: 1,
  reporter: [["line"]],
  outputDir: "test-results",
  use: {
    baseURL: process.env.TROUPE_URL,
    browserName: "chromium",
    headless: true,
    launchOptions,
  },
});
