// The video's real-time events: annotations made or deleted by others, voice-overs ready, who is
// here, processing and export progress.
import { el } from "../lib/page.js";
import { authorColor } from "./authors.js";
import { $, dropDrawingTools, page, say } from "./dom.js";
import { exportProgress, refreshExport } from "./exports.js";
import { followProcessing, onPlayable } from "./player.js";
import { annotationForget, annotationKeep, listsChanged } from "./state.js";

function onAnnotation(event, payload) {
  if (payload.video_id && payload.video_id !== page.video_id) return;
  annotationKeep(payload);
  if (event.type === "voiceover.ready" && payload.author?.id === page.user.id && $("record-time")) {
    $("record-time").textContent = "Voice-over ready.";
  }
  listsChanged();
}

export function onEvent(event) {
  const payload = event.payload || {};
  switch (event.type) {
    case "annotation.created":
    case "annotation.updated":
    case "voiceover.ready":
      onAnnotation(event, payload);
      break;
    case "annotation.deleted":
      annotationForget(payload.id);
      listsChanged();
      break;
    case "presence.joined":
    case "presence.left":
      showPresence(payload.viewers || []);
      break;
    case "video.progress":
      $("processing").textContent = `Processing ${payload.progress} %`;
      followProcessing(payload.progress); // playing while processing: how much is out
      break;
    case "video.playable":
      onPlayable();
      break;
    case "video.ready":
      location.reload();
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
        listsChanged(); // no more Delete buttons on your own drawings
        say("The owner changed your access: you can now only view this video.", "info");
      } else {
        say("You may now draw on this video: reload the page to get the tools.", "info");
      }
      break;
    default:
      break;
  }
}

function showPresence(viewers) {
  $("presence").replaceChildren(
    ...viewers.map((viewer) => {
      const chip = el("li", { class: "chip", title: `${viewer.username} is here` }, viewer.username);
      chip.style.borderColor = authorColor(viewer.username);
      return chip;
    }),
  );
}
