// The gate (committee): pick an event, then scan tickets — with the camera, a
// keyboard-wedge scanner (it types the code and Enter into the focused field) or by
// typing — and see a large green or red answer with its reason, hear it, and watch
// the event's counts live.
import { query } from "./api.js";
import { authed, session } from "./auth.js";
import { alertBox, el, show } from "./dom.js";
import { watchCounts } from "./live.js";
import { startCamera } from "./scanner.js";

const STAFF = ["committee", "admin", "superadmin"];
const GATE_KEY = "troupe.gate";

/** Each refusal in words (the problem's `code`). */
const REASONS = {
  already_checked_in: "Already checked in",
  capacity_reached: "The venue is full",
  not_inside: "This ticket is not inside",
  unknown_ticket: "Unknown ticket",
  revoked: "Ticket revoked",
  not_started: "The event has not started",
  ended: "The event has ended",
  invalid_signature: "Forged or altered code",
};

let audio = null;
/** Browsers let sound start only after a user's gesture: called from one. */
function wakeAudio() {
  audio ||= new AudioContext();
  if (audio.state === "suspended") audio.resume();
}

/** A short high tone for a pass, a low buzz for a refusal. */
function sound(passed) {
  wakeAudio();
  const tone = audio.createOscillator();
  const gain = audio.createGain();
  tone.type = passed ? "sine" : "square";
  tone.frequency.value = passed ? 880 : 180;
  gain.gain.value = 0.15;
  tone.connect(gain).connect(audio.destination);
  tone.start();
  tone.stop(audio.currentTime + (passed ? 0.15 : 0.45));
}

function when(iso) {
  return iso ? new Date(iso).toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" }) : "";
}

function holderLine(ticket) {
  return ticket ? [ticket.holder_name, ticket.category].filter(Boolean).join(" · ") : "";
}

function answerView(box, code, outcome) {
  const { passed, title, reason, ticket } = outcome;
  box.className = `answer ${passed ? "pass" : "refuse"}`;
  const lines = [
    el("p", { class: "verdict", text: title }),
    reason && el("p", { class: "reason", text: reason }),
    holderLine(ticket) && el("p", { class: "holder", text: holderLine(ticket) }),
    el("p", { class: "scanned", text: code.length > 40 ? `${code.slice(0, 37)}…` : code }),
  ];
  box.replaceChildren(...lines.filter(Boolean));
}

/** What the API answered, in words. */
function outcome(direction, answer, error) {
  if (answer) {
    return { passed: true, title: direction === "exit" ? "Goodbye" : "Welcome", reason: "", ticket: answer.ticket };
  }
  const body = error.body || {};
  let reason = REASONS[error.code] || error.message;
  if (error.code === "already_checked_in" && body.record) {
    reason += ` at ${when(body.record.checked_in_at)} by ${body.record.checked_in_by}`;
  }
  return { passed: false, title: "Refused", reason, ticket: body.ticket };
}

function countsView(event) {
  const value = (name) => el("dd", { "data-count": name, text: "–" });
  const list = el(
    "dl",
    { class: "counts" },
    el("div", {}, el("dt", { text: "Checked in" }), value("checked_in")),
    el("div", {}, el("dt", { text: event.capacity ? `Inside (of ${event.capacity})` : "Inside" }), value("inside")),
    el("div", {}, el("dt", { text: "Refused" }), value("refused")),
  );
  const update = (counts) => {
    const refused = Object.values(counts.refused || {}).reduce((sum, n) => sum + n, 0);
    for (const [name, n] of Object.entries({ checked_in: counts.checked_in, inside: counts.inside, refused })) {
      list.querySelector(`[data-count=${name}]`).textContent = String(n);
    }
  };
  return { list, update };
}

async function eventOf(id) {
  try {
    return await authed(`/events/${encodeURIComponent(id)}`);
  } catch (error) {
    // An id nobody registered is an open event (any ticket, admitted once).
    if (error.status === 404) return { id, name: id, venue: "", mode: "open", capacity: null };
    throw error;
  }
}

function deviceName() {
  let device = localStorage.getItem(`${GATE_KEY}.device`);
  if (!device) {
    device = `web-${crypto.randomUUID().slice(0, 8)}`;
    localStorage.setItem(`${GATE_KEY}.device`, device);
  }
  return device;
}

async function scanningPage(main, eventId) {
  const event = await eventOf(eventId);
  const box = el("section", { class: "answer idle", role: "status", "aria-live": "assertive", "aria-atomic": "true" },
    el("p", { class: "verdict", text: "Ready" }), el("p", { class: "reason", text: "Scan or type a ticket." }));
  const input = el("input", { id: "ticket-code", name: "code", autocomplete: "off", autocapitalize: "off", spellcheck: "false", enterkeyhint: "go", required: true, maxlength: "500" });
  const gateInput = el("input", { id: "gate-name", name: "gate", autocomplete: "off", maxlength: "100", value: localStorage.getItem(GATE_KEY) || "" });
  gateInput.addEventListener("change", () => localStorage.setItem(GATE_KEY, gateInput.value.trim()));
  const direction = el(
    "fieldset",
    { class: "direction" },
    el("legend", { text: "Direction" }),
    ...["entry", "exit"].map((value) =>
      el("label", {}, el("input", { type: "radio", name: "direction", value, checked: value === "entry" }), ` ${value === "entry" ? "Entry" : "Exit"}`),
    ),
  );
  let busy = Promise.resolve();
  const check = (raw) => {
    const code = raw.trim();
    if (!code) return;
    // One scan at a time, in the order they came.
    busy = busy.then(async () => {
      const way = direction.querySelector("input:checked").value;
      const body = { event_id: event.id, direction: way, device: deviceName() };
      if (gateInput.value.trim()) body.gate = gateInput.value.trim();
      if (code.startsWith("TRP1.")) body.code = code;
      else body.ticket_id = code;
      let result;
      try {
        const answer = await authed("/checkins", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
        result = outcome(way, answer, null);
      } catch (error) {
        result = outcome(way, null, error);
      }
      answerView(box, code, result);
      sound(result.passed);
    });
    return busy;
  };
  const form = el(
    "form",
    {
      class: "scan",
      onsubmit: (submitted) => {
        submitted.preventDefault();
        wakeAudio();
        const code = input.value;
        input.value = "";
        input.focus();
        check(code);
      },
    },
    el("label", { for: "ticket-code", text: "Ticket code" }),
    el("div", { class: "row" }, input, el("button", { type: "submit", text: "Check" })),
  );

  const video = el("video", { class: "camera", hidden: true, "aria-label": "Camera view" });
  const cameraNote = el("p", { class: "muted", role: "status" });
  let camera = null;
  const cameraButton = el("button", {
    type: "button",
    text: "Scan with the camera",
    onclick: async () => {
      if (camera) {
        camera.stop();
        camera = null;
        video.hidden = true;
        cameraButton.textContent = "Scan with the camera";
        cameraNote.textContent = "";
        return;
      }
      wakeAudio();
      try {
        video.hidden = false;
        camera = await startCamera(video, check);
        cameraButton.textContent = "Stop the camera";
        cameraNote.textContent = `Camera on (decoder: ${camera.decoder}).`;
      } catch (error) {
        video.hidden = true;
        cameraNote.textContent = `No camera: ${error.message}`;
      }
    },
  });

  const counts = countsView(event);
  const liveNote = el("p", { class: "muted", role: "status" });
  watchCounts(event.id, counts.update, (text) => (liveNote.textContent = text));

  const details = [event.venue, event.starts_at && `from ${new Date(event.starts_at).toLocaleString()}`, `${event.mode} tickets`]
    .filter(Boolean)
    .join(" · ");
  show(
    main,
    el("h1", { text: `Gate: ${event.name}` }),
    el("p", { class: "muted" }, `${details} · `, el("a", { href: "/app/gate", text: "Other event" })),
    form,
    box,
    el("section", { "aria-label": "Counts" }, counts.list, liveNote),
    el("div", { class: "camera-controls" }, cameraButton, cameraNote),
    video,
    el("details", {}, el("summary", { text: "Gate settings" }), el("div", { class: "field" }, el("label", { for: "gate-name", text: "Gate name" }), gateInput), direction),
  );
  input.focus();
}

async function pickPage(main) {
  const events = await authed(`/events${query({ size: 100 })}`);
  const other = el("input", { id: "event-id", name: "event_id", required: true, maxlength: "100", autocomplete: "off" });
  const list = events.items.length
    ? el(
        "ul",
        { class: "stack events" },
        ...events.items.map((event) =>
          el(
            "li",
            { class: "card" },
            el("a", { href: `/app/gate/${encodeURIComponent(event.id)}`, text: event.name }),
            el("p", { class: "muted", text: [event.venue, event.starts_at && new Date(event.starts_at).toLocaleString(), `${event.inside} inside`].filter(Boolean).join(" · ") }),
          ),
        ),
      )
    : el("p", { class: "muted", text: "No events are registered yet." });
  show(
    main,
    el("h1", { text: "Gate" }),
    el("h2", { text: "Pick an event" }),
    list,
    el(
      "form",
      {
        class: "stack",
        onsubmit: (submitted) => {
          submitted.preventDefault();
          location.assign(`/app/gate/${encodeURIComponent(other.value.trim())}`);
        },
      },
      el("div", { class: "field" }, el("label", { for: "event-id", text: "Or an event id (an unregistered one is an open event)" }), other),
      el("button", { type: "submit", text: "Open the gate" }),
    ),
  );
}

export async function gatePage(main, eventId) {
  const me = session();
  if (!me) return location.assign("/app/login");
  if (!STAFF.includes(me.user.role)) {
    return show(main, el("h1", { text: "Gate" }), alertBox("The gate is for the committee."));
  }
  return eventId ? scanningPage(main, decodeURIComponent(eventId)) : pickPage(main);
}
