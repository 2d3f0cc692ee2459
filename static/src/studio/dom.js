// The studio page's fixed elements and data, looked up once, and its message line.
import { pageData } from "../lib/page.js";

export const page = pageData();
export const $ = (id) => document.getElementById(id);
export const player = $("player");
export const stage = $("stage");
export const overlay = $("overlay");
export const track = $("track");
// Reassigned (live binding) when the server lowers this person's share to view.
export let canDraw = Boolean(page.can_annotate);
const message = $("studio-message");

export function say(text, kind = "error") {
  message.className = `message ${kind}`;
  message.textContent = text;
}

/** The share was lowered to view while the page is open: the tools go, the drawings stay. */
export function dropDrawingTools() {
  canDraw = false;
  for (const id of ["record", "record-time"]) $(id)?.remove();
  const tools = document.querySelector(".tools");
  if (tools) {
    const note = document.createElement("p");
    note.id = "readonly-note";
    note.className = "readonly-note";
    note.textContent = "View only: you can watch and see the coaching, not draw or record.";
    tools.replaceWith(note);
  }
  overlay.classList.add("readonly");
}
