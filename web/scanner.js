// Scanning QR codes with the camera: frames from getUserMedia, decoded by the
// browser's BarcodeDetector where it reads QR codes and otherwise by jsQR (npm jsqr
// 1.4.0, vendored as web/vendor/jsQR.js and loaded only when needed — Linux Chromium
// has no built-in detector).
const EVERY_MS = 150;
/** A code held in view is read once; it counts again after this long out of view. */
const FORGET_MS = 2500;

let jsQRLoaded = null;
function loadJsQR() {
  // A classic script (the library is UMD: it sets self.jsQR); its hashed URL comes
  // from the import map, so the strict CSP ('self') allows it.
  jsQRLoaded ||= new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = import.meta.resolve("/app/assets/vendor/jsQR.js");
    script.addEventListener("load", () => resolve(self.jsQR));
    script.addEventListener("error", () => reject(new Error("the QR decoder did not load")));
    document.head.append(script);
  });
  return jsQRLoaded;
}

async function builtInDecoder() {
  if (!("BarcodeDetector" in self)) return null;
  const formats = await self.BarcodeDetector.getSupportedFormats().catch(() => []);
  if (!formats.includes("qr_code")) return null;
  const detector = new self.BarcodeDetector({ formats: ["qr_code"] });
  return { name: "built-in", decode: async (video) => (await detector.detect(video))[0]?.rawValue };
}

async function jsQRDecoder() {
  const jsQR = await loadJsQR();
  const canvas = document.createElement("canvas");
  const context = canvas.getContext("2d", { willReadFrequently: true });
  return {
    name: "jsQR",
    decode: async (video) => {
      // At most 640 px wide: enough for a code that fills part of the frame.
      const scale = Math.min(1, 640 / video.videoWidth);
      canvas.width = Math.round(video.videoWidth * scale);
      canvas.height = Math.round(video.videoHeight * scale);
      context.drawImage(video, 0, 0, canvas.width, canvas.height);
      const frame = context.getImageData(0, 0, canvas.width, canvas.height);
      return jsQR(frame.data, frame.width, frame.height, { inversionAttempts: "attemptBoth" })?.data;
    },
  };
}

/** Starts the camera into `video` and calls `onCode(text)` for each code read.
 * Resolves to `{ decoder, stop() }`; rejects when there is no camera or no leave. */
export async function startCamera(video, onCode) {
  const stream = await navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" }, audio: false });
  video.muted = true;
  video.playsInline = true;
  video.srcObject = stream;
  await video.play();
  let decoder;
  try {
    decoder = (await builtInDecoder()) || (await jsQRDecoder());
  } catch (error) {
    stream.getTracks().forEach((track) => track.stop());
    throw error;
  }
  let running = true;
  let last = "";
  let lastSeen = 0;
  const tick = async () => {
    if (!running) return;
    if (video.readyState >= 2 && video.videoWidth) {
      const code = await decoder.decode(video).catch(() => null);
      const now = performance.now();
      if (code) {
        if (code !== last || now - lastSeen > FORGET_MS) onCode(code);
        last = code;
        lastSeen = now;
      }
    }
    setTimeout(tick, EVERY_MS);
  };
  tick();
  return {
    decoder: decoder.name,
    stop() {
      running = false;
      stream.getTracks().forEach((track) => track.stop());
      video.srcObject = null;
    },
  };
}
