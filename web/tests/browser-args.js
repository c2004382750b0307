// How Debian's Chromium is launched for every test (playwright.config.js) and for the
// fake-camera test, which adds its own flags.
export const launchOptions = {
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  // This machine's network is closed: no background connections at start.
  args: [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
  ],
};
