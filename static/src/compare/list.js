// The comparison's drawings beside the panes, in time order per side: a row's click goes to the
// drawing's frame and selects it; my own (or, as the owner or staff, anyone's) have Delete.
import { el } from "../lib/page.js";
import { $ } from "./dom.js";
import { mayDelete, remove, selectDrawing } from "./editing.js";
import { seek } from "./playback.js";
import { state } from "./state.js";

function row(annotation) {
  const shared = annotation.timestamp + state.timeline.offsets[annotation.side];
  const selected = state.selected === annotation.id;
  const tool = annotation.drawing_data.tool_type;
  const open = () => {
    seek(shared);
    selectDrawing(annotation.id);
  };
  return el(
    "li",
    { "data-annotation-id": annotation.id, "data-side": annotation.side, class: selected ? "selected" : null },
    el("button", { type: "button", class: "link", "aria-pressed": String(selected), onclick: open }, `${annotation.side}, frame ${annotation.frame}: ${tool}`),
    ` ${annotation.author?.username || ""} `,
    mayDelete(annotation) ? el("button", { type: "button", class: "danger", "aria-label": `Delete the ${tool} on the ${annotation.side} clip`, onclick: () => remove(annotation.id) }, "Delete") : null,
  );
}

export function refreshList() {
  const items = [...state.annotations.values()]
    .filter((annotation) => !String(annotation.id).startsWith("pending-"))
    .sort((a, b) => a.side.localeCompare(b.side) || a.timestamp - b.timestamp)
    .map(row);
  $("drawing-list").replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, "No drawings yet.")]));
}
