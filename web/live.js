// An event's live counts: its text/event-stream read with fetch (EventSource cannot
// send the access token), reconnecting after a pause whenever the stream ends.
import { authedResponse } from "./auth.js";

const RETRY_MS = 2000;

/** Calls `onCounts(counts)` for each update and `onState(text)` when the stream
 * fails or comes back (""); returns a function that stops watching. */
export function watchCounts(eventId, onCounts, onState) {
  const controller = new AbortController();
  const run = async () => {
    while (!controller.signal.aborted) {
      try {
        const response = await authedResponse(`/events/${encodeURIComponent(eventId)}/live`, {
          headers: { accept: "text/event-stream" },
          signal: controller.signal,
        });
        if (response.status === 403) return onState("Live counts are for the committee.");
        if (!response.ok) onState(`Live counts unavailable (HTTP ${response.status}); retrying.`);
        else {
          onState("");
          await readEvents(response.body, (type, data) => type === "counts" && onCounts(JSON.parse(data)));
        }
      } catch {
        if (controller.signal.aborted) return;
        onState("Live counts reconnecting…");
      }
      await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
    }
  };
  run();
  return () => controller.abort();
}

/** Server-Sent Events from a byte stream: blocks separated by a blank line, `event:`
 * and `data:` fields, comments (`:`) skipped. */
async function readEvents(body, onEvent) {
  const reader = body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += value.replace(/\r\n?/g, "\n");
    let end;
    while ((end = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let type = "message";
      const data = [];
      for (const line of block.split("\n")) {
        if (line.startsWith("event:")) type = line.slice(6).trim();
        else if (line.startsWith("data:")) data.push(line.slice(5).replace(/^ /, ""));
      }
      if (data.length) onEvent(type, data.join("\n"));
    }
  }
}
