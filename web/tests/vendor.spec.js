// The vendored QR decoder is npm jsqr 1.4.0's dist/jsQR.js byte for byte (the lock
// file pins it; `npm ci` installs it), so web/vendor holds nothing hand-edited.
import { readFileSync } from "node:fs";
import { test, expect } from "@playwright/test";

test("web/vendor/jsQR.js is the published jsqr 1.4.0", () => {
  const installed = new URL("./node_modules/jsqr/", import.meta.url);
  expect(JSON.parse(readFileSync(new URL("package.json", installed))).version).toBe("1.4.0");
  const published = readFileSync(new URL("dist/jsQR.js", installed));
  const vendored = readFileSync(new URL("../vendor/jsQR.js", import.meta.url));
  expect(vendored.equals(published)).toBe(true);
});
