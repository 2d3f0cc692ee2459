// The comparison page's fixed elements and data, looked up once, and its message line.
import { pageData } from "../lib/page.js";

export const page = pageData();
export const $ = (id) => document.getElementById(id);
export const SIDES = ["left", "right"];
export const videos = { left: $("video-left"), right: $("video-right") };
export const canvases = { left: $("canvas-left"), right: $("canvas-right") };
export let canDraw = Boolean(page.can_annotate);

export function say(text, kind = "error") {
  const message = $("studio-message");
  message.className = `message ${kind}`;
  message.textContent = text;
}

/** Lowered to view while the page is open: the tools and nudges go, the drawings stay. */
export function dropDrawingTools() {
  canDraw = false;
  document.querySelectorAll(".nudge, #draw-on, #text-entry").forEach((node) => node.remove());
  const tools = document.querySelector(".tools");
  if (tools) {
    const note = document.createElement("p");
    note.id = "readonly-note";
    note.className = "readonly-note";
    note.textContent = "View only: you can watch both clips and see the coaching, not draw or move the sync.";
    tools.replaceWith(note);
  }
  for (const canvas of Object.values(canvases)) canvas.classList.add("readonly");
}
