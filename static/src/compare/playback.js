// Both clips in lockstep from the sync point. One clock (the shared time) runs the page; each
// <video> follows it: seeked to its own frame when paused or stepped, played at the same speed
// and pulled back when it drifts. Before a side starts or after it ends, its pane is black.
import { formatDuration } from "../lib/format.js";
import { $, SIDES, videos } from "./dom.js";
import { seekTime, sideFrame, sideTime, stepShared } from "./sync.js";
import { setTime, state } from "./state.js";

const DRIFT = 0.08; // seconds a playing side may drift before it is pulled back
let lastTick = null;

function own(side) {
  return sideTime(state.time, state.timeline.offsets[side], state.panes[side].duration);
}

/** Show each side's frame for the shared time (paused), or keep it playing in step. */
export function follow() {
  for (const side of SIDES) {
    const video = videos[side];
    const time = own(side);
    $(`black-${side}`).hidden = time !== null;
    video.style.visibility = time === null ? "hidden" : "visible";
    if (time === null) {
      if (!video.paused) video.pause();
      continue;
    }
    if (state.playing) {
      video.playbackRate = state.speed;
      if (Math.abs(video.currentTime - time) > DRIFT) video.currentTime = time;
      if (video.paused) video.play().catch(() => {});
    } else {
      if (!video.paused) video.pause();
      const target = seekTime(state.time, state.timeline.offsets[side], state.panes[side].duration, state.panes[side].fps);
      if (Math.abs(video.currentTime - target) > 1e-4) video.currentTime = target;
    }
  }
  showClock();
}

function clock(seconds) {
  const ms = String(Math.floor((seconds % 1) * 1000)).padStart(3, "0");
  return `${formatDuration(seconds) || "0:00"}.${ms}`;
}

export function showClock() {
  const { duration } = state.timeline;
  $("time").textContent = `${clock(state.time)} / ${formatDuration(duration)}`;
  for (const side of SIDES) {
    const frame = sideFrame(state.time, state.timeline.offsets[side], state.panes[side].duration, state.panes[side].fps);
    $(`frame-${side}`).textContent = frame === null ? "not playing" : `frame ${frame}`;
    $(`frame-${side}`).dataset.frame = frame === null ? "" : String(frame);
  }
  const scrub = $("scrub");
  scrub.max = String(duration);
  scrub.step = String(1 / state.timeline.fps);
  if (document.activeElement !== scrub) scrub.value = String(state.time);
  $("play").lastChild.textContent = state.playing ? "Pause" : "Play";
  $("play").firstChild.textContent = state.playing ? "❚❚ " : "▶ ";
}

function tick(now) {
  if (!state.playing) return;
  if (lastTick !== null) setTime(state.time + ((now - lastTick) / 1000) * state.speed);
  lastTick = now;
  if (state.time >= state.timeline.duration - 1e-3) {
    pause();
    return;
  }
  follow();
  requestAnimationFrame(tick);
}

export function play() {
  if (state.time >= state.timeline.duration - 1e-3) setTime(0);
  state.playing = true;
  lastTick = null;
  follow();
  requestAnimationFrame(tick);
}

export function pause() {
  state.playing = false;
  // land on a shared frame's start, so the step and the frame numbers agree with what is shown
  setTime(Math.floor(state.time * state.timeline.fps + 1e-6) / state.timeline.fps);
  follow();
}

export function togglePlay() {
  if (state.playing) pause();
  else play();
}

/** One frame of the faster clip forward (+1) or back (-1), both sides together. */
export function step(direction) {
  state.playing = false;
  setTime(stepShared(state.time, state.timeline.fps, direction, state.timeline.duration));
  follow();
}

export function seek(time) {
  state.playing = false;
  setTime(time);
  follow();
}

export function setSpeed(value) {
  state.speed = Number(value) || 1;
  $("speed").value = String(state.speed);
  follow();
}
