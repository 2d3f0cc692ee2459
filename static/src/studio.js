// The player and annotation studio: playback (HLS or MP4), frame stepping, loops, the timeline
// (storyboard previews, motion, markers), drawing on a canvas over the picture, voice-overs in
// sync, live collaboration, sharing, and a read-only mode. The parts live in ./studio/ around one
// explicit state (studio/state.js); this entry wires them to the page and starts.
import { api, errorMessage, videoSocket } from "./lib/page.js";
import { layout, render } from "./studio/canvas.js";
import { $, canDraw, overlay, page, player, say, stage, track } from "./studio/dom.js";
import { onCommentEvent, setupComments } from "./studio/comments.js";
import { setupExports } from "./studio/exports.js";
import { onKey } from "./studio/keys.js";
import { refreshLists } from "./studio/lists.js";
import { onEvent } from "./studio/live.js";
import {
  frameStep,
  isPlayable,
  setLoop,
  setSpeed,
  setupQuality,
  toggleFullscreen,
  togglePlay,
} from "./studio/player.js";
import { setupShare } from "./studio/share.js";
import { annotationKeep, onListsChanged, setVideo, state } from "./studio/state.js";
import { refreshMarkers } from "./studio/markers.js";
import { loadMotion, loadStoryboard, setupTimeline } from "./studio/timeline.js";
import { setTool, setupTools } from "./studio/tools.js";
import { record } from "./studio/voiceovers.js";

async function loadAnnotations() {
  let url = `annotations?video_id=${page.video_id}`;
  while (url) {
    const data = await api(url);
    for (const annotation of data.results) annotationKeep(annotation);
    url = data.next;
  }
}

function showNotReady(video) {
  const box = $("processing");
  box.hidden = false;
  box.textContent = video.status === "processing" ? `Processing ${video.progress} %` : video.message || `This video is ${video.status}.`;
}

async function start() {
  try {
    setVideo(await api(`videos/${page.video_id}`));
  } catch (error) {
    say(`The video could not be loaded: ${errorMessage(error) || error.message}`);
    return;
  }
  track.setAttribute("aria-valuemax", (state.video.duration || 0).toFixed(2));
  videoSocket(page.video_id, (event) => {
    onCommentEvent(event);
    onEvent(event);
  });
  if (!isPlayable(state.video)) {
    showNotReady(state.video);
    setupComments({ playable: false }); // the conversation need not wait for the picture
    return;
  }
  await setupQuality(layout);
  // While processing there is no storyboard or motion timeline yet (they come with `ready`).
  const ready = state.video.status === "ready";
  await Promise.all([
    loadAnnotations().catch((error) => say(error.message)),
    loadStoryboard(),
    ready ? loadMotion() : null,
    setupExports(),
  ]);
  refreshLists();
  setupComments();
  new ResizeObserver(layout).observe(stage);
  new ResizeObserver(refreshMarkers).observe(track); // groups depend on the track's width
  document.addEventListener("fullscreenchange", layout);
  window.addEventListener("resize", layout);
  requestAnimationFrame(render);
}

onListsChanged(refreshLists);
$("play").addEventListener("click", togglePlay);
$("frame-back").addEventListener("click", () => frameStep(-1));
$("frame-forward").addEventListener("click", () => frameStep(1));
$("speed").addEventListener("change", () => setSpeed($("speed").value));
$("fullscreen").addEventListener("click", toggleFullscreen);
$("loop-a").addEventListener("click", () => setLoop("a"));
$("loop-b").addEventListener("click", () => setLoop("b"));
$("loop-clear").addEventListener("click", () => setLoop(null));
player.addEventListener("click", togglePlay);
player.addEventListener("ratechange", () => ($("speed").value = String(player.playbackRate)));
setupTimeline();
document.addEventListener("keydown", onKey);
if (canDraw) {
  setupTools();
  $("record").addEventListener("click", record);
  setTool("pen");
} else {
  overlay.classList.add("readonly");
}
setupShare();

window.studio = { state, player }; // for people debugging in the console, and for the tests
start();
