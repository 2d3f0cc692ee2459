// The studio page's fixed elements and data, looked up once, and its message line.
import { pageData } from "../lib/page.js";

export const page = pageData();
export const $ = (id) => document.getElementById(id);
export const player = $("player");
export const stage = $("stage");
export const overlay = $("overlay");
export const track = $("track");
export const canDraw = Boolean(page.can_annotate);
const message = $("studio-message");

export function say(text, kind = "error") {
  message.className = `message ${kind}`;
  message.textContent = text;
}
