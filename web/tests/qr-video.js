// A QR code as a Y4M video, the file Chromium's fake camera plays
// (--use-file-for-fake-video-capture): white frames with the code in the middle,
// drawn from npm qrcode's module matrix.
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import QRCode from "qrcode";

const WIDTH = 640;
const HEIGHT = 480;
const MODULE_PX = 10;
const FRAMES = 5;

/** Writes the video for `text` and returns its path. */
export function qrVideo(text) {
  const { modules } = QRCode.create(text, { errorCorrectionLevel: "M" });
  const size = modules.size * MODULE_PX;
  const left = Math.floor((WIDTH - size) / 2);
  const top = Math.floor((HEIGHT - size) / 2);
  const luma = Buffer.alloc(WIDTH * HEIGHT, 235);
  for (let row = 0; row < modules.size; row++) {
    for (let col = 0; col < modules.size; col++) {
      if (!modules.get(row, col)) continue;
      for (let y = 0; y < MODULE_PX; y++) {
        const start = (top + row * MODULE_PX + y) * WIDTH + left + col * MODULE_PX;
        luma.fill(16, start, start + MODULE_PX);
      }
    }
  }
  const chroma = Buffer.alloc((WIDTH / 2) * (HEIGHT / 2), 128);
  const frame = Buffer.concat([Buffer.from("FRAME\n"), luma, chroma, chroma]);
  const header = Buffer.from(`YUV4MPEG2 W${WIDTH} H${HEIGHT} F10:1 Ip A1:1 C420jpeg\n`);
  const path = join(tmpdir(), `troupe-qr-${Buffer.from(text).toString("hex")}.y4m`);
  writeFileSync(path, Buffer.concat([header, ...Array(FRAMES).fill(frame)]));
  return path;
}
