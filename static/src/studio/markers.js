// The markers under the timeline: one button per drawing or voice-over, grouped with a count where
// they would overlap (positions.js); a group opens a list with a button for each. They sit in the
// page after the playback controls (the tab order reaches Play first), shown under the track.
import { el } from "../lib/page.js";
import { authorColor } from "./authors.js";
import { $, player } from "./dom.js";
import { seekAndSelect } from "./edit.js";
import { frameAt, frameMiddle } from "./frames.js";
import { groupMarkers } from "./positions.js";
import { state } from "./state.js";

/** A marker's width in px: a fingertip's on a phone or a coarse pointer. */
function markerSize() {
  return window.matchMedia("(pointer: coarse), (max-width: 600px)").matches ? 44 : 24;
}

function describe(annotation) {
  const what = annotation.type === "drawing" ? annotation.drawing_data.tool_type : "voice-over";
  return `${what} by ${annotation.author.username} at ${annotation.timestamp.toFixed(2)} s`;
}

function go(annotation) {
  closeGroup();
  if (annotation.type === "drawing") {
    seekAndSelect(annotation);
  } else {
    player.pause();
    player.currentTime = frameMiddle(frameAt(annotation.timestamp, state.fps), state.fps);
  }
}

function closeGroup() {
  const open = $("marker-menu");
  if (open) open.remove();
  for (const button of document.querySelectorAll(".marker[aria-expanded]")) button.setAttribute("aria-expanded", "false");
}

function openGroup(button, group) {
  const wasOpen = button.getAttribute("aria-expanded") === "true";
  closeGroup();
  if (wasOpen) return;
  const items = group.items.map((annotation) => el("li", {}, el("button", { type: "button", class: "small", onclick: () => go(annotation) }, describe(annotation))));
  const menu = el("ul", { id: "marker-menu", class: "marker-menu", "aria-label": "At this point of the timeline" }, ...items);
  // Opens towards the middle of the track, so it never hangs off the screen.
  if (group.fraction > 0.5) menu.style.right = `${(1 - group.fraction) * 100}%`;
  else menu.style.left = `${group.fraction * 100}%`;
  menu.addEventListener("keydown", (event) => {
    if (event.key !== "Escape") return;
    event.stopPropagation();
    closeGroup();
    button.focus();
  });
  button.setAttribute("aria-expanded", "true");
  button.after(menu);
  menu.querySelector("button").focus();
}

function markerButton(group) {
  const [first] = group.items;
  const many = group.items.length > 1;
  const button = el(
    "button",
    {
      type: "button",
      class: `marker ${many ? "group" : first.type}`,
      title: many ? `${group.items.length} here, from ${first.timestamp.toFixed(2)} s` : describe(first),
      "aria-label": many ? `${group.items.length} annotations from ${first.timestamp.toFixed(2)} seconds` : describe(first),
      "aria-expanded": many ? "false" : null,
      onclick: () => (many ? openGroup(button, group) : go(first)),
    },
    many ? String(group.items.length) : "",
  );
  // Right under its time on the track, kept whole inside the lane at the ends.
  const half = markerSize() / 2;
  button.style.left = `clamp(${half}px, ${group.fraction * 100}%, calc(100% - ${half}px))`;
  button.style.background = authorColor(first.author.username);
  return button;
}

/** Draw the markers again (the annotations or the track's width changed). */
export function refreshMarkers() {
  const lane = $("markers");
  const sorted = [...state.annotations.values()].sort((a, b) => a.timestamp - b.timestamp);
  const width = lane.getBoundingClientRect().width || 1;
  const groups = groupMarkers(sorted, state.video?.duration, width, markerSize());
  lane.replaceChildren(...groups.map(markerButton));
}
