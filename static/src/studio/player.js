// Playback: the source (adaptive HLS through hls.js, loaded on demand, or a fixed MP4 quality),
// speed, frame stepping, the A-B loop, fullscreen, and the clock under the picture. A video still
// processing plays what is published so far: its HLS is an EVENT playlist that grows (hls.js
// reloads it and plays on as segments arrive) until it ends as VOD.
import { attachHls, loadHls, playsHlsNatively } from "../lib/hls.js";
import { el } from "../lib/page.js";
import { $, player, say, stage, track } from "./dom.js";
import { clockText, frameAt, frameStepTime, nextSpeed, timelineValueText } from "./frames.js";
import { qualityLabel } from "./labels.js";
import { fractionAtTime, loopRange } from "./positions.js";
import { loopSet, state } from "./state.js";

let Hls = null; // hls.js, loaded only for adaptive playback (lib/hls.js: its own bundle chunk)

/** Ready, or processing with its first segments published. */
export function isPlayable(video) {
  return video.status === "ready" || Boolean(video.playable && video.hls_url);
}

/** Seconds that can be played and drawn on now: all of a ready video; while it processes, the
 * published part (the server counts progress in published media, and draws the same line). */
export function availableSeconds(video) {
  const duration = video.duration || 0;
  if (video.status === "ready") return duration;
  return video.playable ? (duration * (video.progress || 0)) / 100 : 0;
}

/** While processing: a seek past the published part goes to its end, the live edge. */
function keepWithinAvailable() {
  if (state.video.status === "ready") return;
  const end = availableSeconds(state.video);
  if (player.currentTime > end) player.currentTime = end;
}

/** A progress event while processing: more is published; the message line says how much (the
 * picture stays uncovered). */
export function followProcessing(progress) {
  if (!state.video?.playable || state.video.status === "ready") return;
  state.video.progress = progress;
  const seconds = availableSeconds(state.video).toFixed(1);
  say(`Processing ${progress} %: the first ${seconds} s can be watched and drawn on.`, "info");
}

/** The first segments are out: a page that waited for them starts playing. */
export function onPlayable() {
  if (state.video && !isPlayable(state.video)) location.reload();
}

/** Play `choice` ("auto" or a quality) from where the player is; onMetadata runs once it is known. */
function setSource(choice, onMetadata) {
  const time = player.currentTime;
  const wasPaused = player.paused;
  if (state.hls) {
    state.hls.destroy();
    state.hls = null;
  }
  if (choice === "auto" && Hls) {
    state.hls = attachHls(Hls, player, state.video.hls_url, {
      startPosition: time,
      onFatal: (details) => say(`Adaptive playback failed (${details}); pick a fixed quality.`),
    });
  } else if (choice === "auto" && state.video.hls_url && playsHlsNatively(player)) {
    player.src = state.video.hls_url;
  } else if (state.video.renditions.length) {
    const rendition = state.video.renditions.find((r) => r.quality === choice) || state.video.renditions[0];
    player.src = rendition.url;
  } else {
    say("This browser cannot play the video while it is processing; it will play once it is ready.");
    return;
  }
  player.addEventListener(
    "loadedmetadata",
    () => {
      if (time) player.currentTime = time;
      if (!wasPaused) player.play().catch(() => {});
      onMetadata();
    },
    { once: true },
  );
}

/** Fill the quality menu and start playing its first choice. */
export async function setupQuality(onMetadata) {
  Hls = await loadHls(state.video);
  const select = $("quality");
  const options = [];
  if (state.video.hls_url) options.push(el("option", { value: "auto" }, "Auto (adaptive)"));
  for (const r of state.video.renditions) {
    options.push(el("option", { value: r.quality }, qualityLabel(r)));
  }
  select.replaceChildren(...options);
  select.addEventListener("change", () => setSource(select.value, onMetadata));
  player.addEventListener("seeking", keepWithinAvailable);
  if (state.video.status !== "ready") followProcessing(state.video.progress);
  setSource(select.value, onMetadata);
}

export function frameStep(direction) {
  player.pause();
  player.currentTime = frameStepTime(player.currentTime, state.fps, direction, state.video.duration);
}

export function setSpeed(value) {
  const select = $("speed");
  select.value = String(value);
  player.playbackRate = Number(select.value) || 1;
}

export function stepSpeed(direction) {
  const values = [...$("speed").options].map((o) => Number(o.value));
  setSpeed(nextSpeed(values, player.playbackRate, direction));
}

/**
 * The J/K/L shuttle: K pauses; L plays, and plays faster at each press; J slows a fast playback
 * down, else pauses and jumps a second back at each press (browsers do not play backwards).
 */
export function shuttle(key) {
  if (key === "k") {
    player.pause();
  } else if (key === "l" && player.paused) {
    setSpeed(1);
    togglePlay();
  } else if (key === "l") {
    stepSpeed(1);
  } else if (!player.paused && player.playbackRate > 1) {
    stepSpeed(-1);
  } else {
    player.pause();
    player.currentTime = Math.max(0, player.currentTime - 1);
  }
}

export function togglePlay() {
  if (player.paused) player.play().catch((error) => say(`Playback failed: ${error.message}`));
  else player.pause();
}

export function toggleFullscreen() {
  if (document.fullscreenElement) document.exitFullscreen();
  else stage.requestFullscreen().catch((error) => say(`Fullscreen is not available: ${error.message}`));
}

/** Set loop end "a" or "b" at the current time, or clear the loop (null). */
export function setLoop(which) {
  loopSet(which, player.currentTime);
  const range = $("loop-range");
  range.hidden = state.loop.a === null || state.loop.b === null;
  if (!range.hidden) {
    Object.assign(range.style, loopRange(state.loop, state.video?.duration));
    say(`Looping ${state.loop.a.toFixed(2)}–${state.loop.b.toFixed(2)} s.`, "info");
  }
}

export function updateClock(time) {
  const duration = state.video?.duration || 0;
  $("time").textContent = clockText(time, duration);
  $("frame-number").textContent = `frame ${frameAt(time, state.fps)}`;
  $("played").style.width = `${fractionAtTime(time, duration) * 100}%`;
  const now = time.toFixed(2);
  if (track.getAttribute("aria-valuenow") !== now) {
    track.setAttribute("aria-valuenow", now);
    track.setAttribute("aria-valuetext", timelineValueText(time, duration, state.fps));
  }
  const label = player.paused ? "Play" : "Pause";
  if ($("play").lastChild.textContent !== label) {
    $("play").firstChild.textContent = player.paused ? "▶ " : "❚❚ ";
    $("play").lastChild.textContent = label;
  }
}
