// The lists beside the picture (drawings, voice-overs) and the markers under the track, drawn
// again from the state whenever the annotations change.
import { el } from "../lib/page.js";
import { authorColor } from "./authors.js";
import { $, canDraw, page } from "./dom.js";
import { seekAndSelect } from "./edit.js";
import { state } from "./state.js";
import { refreshMarkers } from "./markers.js";
import { remove } from "./tools.js";
import { voiceItem } from "./voiceovers.js";

function drawingItem(annotation) {
  const mine = annotation.author.id === page.user.id;
  const tool = annotation.drawing_data.tool_type;
  const degrees = annotation.angle_degrees != null ? ` (${annotation.angle_degrees.toFixed(1)}°)` : "";
  const selected = state.selected === annotation.id;
  return el(
    "li",
    { "data-annotation-id": annotation.id, class: selected ? "selected" : null },
    el("span", { class: "chip" }, annotation.author.username),
    el(
      "button",
      { type: "button", class: "row-select", "aria-pressed": String(selected), onclick: () => seekAndSelect(annotation) },
      `${tool} at ${annotation.timestamp.toFixed(2)} s${degrees}`,
    ),
    canDraw && mine && !String(annotation.id).startsWith("pending")
      ? el("button", { type: "button", class: "small danger", "aria-label": `Delete your ${tool}`, onclick: () => remove(annotation.id) }, "Delete")
      : null,
  );
}

function orEmpty(items, text) {
  return items.length ? items : [el("li", { class: "muted" }, text)];
}

export function refreshLists() {
  const drawings = [];
  const voices = [];
  const sorted = [...state.annotations.values()].sort((a, b) => a.timestamp - b.timestamp);
  for (const annotation of sorted) {
    if (annotation.type === "drawing") drawings.push(drawingItem(annotation));
    else voices.push(voiceItem(annotation));
  }
  refreshMarkers();
  $("drawing-list").replaceChildren(...orEmpty(drawings, "No drawings yet."));
  $("voice-list").replaceChildren(...orEmpty(voices, "No voice-overs yet."));
  for (const chip of document.querySelectorAll(".chip")) chip.style.borderColor = authorColor(chip.textContent);
}
