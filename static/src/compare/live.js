// The comparison's real-time channel (/ws/comparisons/{id}/): pane drawings made by others, the
// sync and layout changed by others, who is here, export progress, and access changes.
import { el } from "../lib/page.js";
import { authorColor } from "../studio/authors.js";
import { $, dropDrawingTools, page, say } from "./dom.js";
import { exportProgress, refreshExport } from "./exports.js";
import { selectDrawing } from "./editing.js";
import { applyComparison } from "./panes.js";
import { annotationDeleted, annotationKeep, listsChanged, mergeSettings, state } from "./state.js";

function showPresence(viewers) {
  $("presence").replaceChildren(
    ...viewers.map((viewer) => {
      const chip = el("li", { class: "chip", title: `${viewer.username} is here` }, viewer.username);
      chip.style.borderColor = authorColor(viewer.username); // CSSOM: the CSP refuses style attributes
      return chip;
    }),
  );
}

export function onEvent(event) {
  const payload = event.payload || {};
  switch (event.type) {
    case "annotation.created": // a restore (an undone delete) comes back as created, same id
    case "annotation.updated":
      if (payload.comparison_id === page.comparison_id) {
        // not under my pointer: a drag of mine in progress keeps its own shape until it ends
        if (state.edit?.original.id !== payload.id) annotationKeep(payload);
        listsChanged();
      }
      break;
    case "annotation.deleted":
      if (state.selected === payload.id) selectDrawing(null); // its controls go with it
      annotationDeleted(payload.id);
      listsChanged();
      break;
    case "comparison.updated":
      mergeSettings(payload);
      applyComparison();
      break;
    case "presence.joined":
    case "presence.left":
      showPresence(payload.viewers || []);
      break;
    case "export.progress":
      exportProgress(payload.id, payload.progress);
      break;
    case "export.ready":
    case "export.failed":
      refreshExport(payload.id);
      break;
    case "access.changed":
      if (payload.permission === "view") {
        dropDrawingTools();
        listsChanged(); // no more Delete buttons
        say("Your access changed: you can now only view this comparison.", "info");
      }
      break;
    default:
      break;
  }
}

/** The channel, reconnecting with backoff; a 4403 (no longer allowed) ends it. */
export function connect() {
  let delay = 500;
  const open = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    const socket = new WebSocket(`${scheme}://${location.host}${page.websocket_path}`);
    socket.addEventListener("open", () => (delay = 500));
    socket.addEventListener("message", (message) => {
      try {
        onEvent(JSON.parse(message.data));
      } catch (error) {
        console.warn("Ignoring a malformed real-time message", error);
      }
    });
    socket.addEventListener("close", (event) => {
      if (event.code === 4403) {
        say("You can no longer see this comparison (or one of its videos).");
        return;
      }
      setTimeout(open, delay);
      delay = Math.min(delay * 2, 10000);
    });
  };
  open();
}
