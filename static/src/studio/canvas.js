// The canvas laid exactly over the picture, and the drawing loop: every animation frame it draws
// the drawings showing now and the draft, updates the clock, keeps voice-overs in sync and loops.
import { overlay, player, stage } from "./dom.js";
import { drawingShowing, loopEnded } from "./frames.js";
import { fitPicture } from "./geometry.js";
import { updateClock } from "./player.js";
import { editableSelection } from "./edit.js";
import { handleIndexes } from "./handles.js";
import { drawDrawing, drawHandles } from "./render.js";
import { chartedAnnotation, drawChart } from "./chart.js";
import { drawCorrection, drawMeasure, drawsHere, measureShowing } from "./track.js";
import { state } from "./state.js";
import { drawMotion } from "./timeline.js";
import { syncVoices } from "./voiceovers.js";

const ctx = overlay.getContext("2d");
const chartCanvas = document.getElementById("measure-chart");
const chartCaption = document.getElementById("measure-chart-caption");

/** The stage takes the picture's shape at the full width (a portrait clip stands tall), up to
 * the CSS max-height; a fullscreen stage fills the screen. */
function fitStage(vw, vh) {
  const height = document.fullscreenElement === stage ? "" : `${Math.round((stage.clientWidth * vh) / vw)}px`;
  if (stage.style.height !== height) {
    stage.style.aspectRatio = height ? "auto" : "";
    stage.style.height = height;
  }
}

export function layout() {
  const vw = player.videoWidth || state.video?.width || 16;
  const vh = player.videoHeight || state.video?.height || 9;
  fitStage(vw, vh);
  const { x, y, width, height } = fitPicture(player.getBoundingClientRect(), stage.getBoundingClientRect(), vw, vh);
  state.picture = { x, y, width, height };
  const dpr = window.devicePixelRatio || 1;
  Object.assign(overlay.style, { left: `${x}px`, top: `${y}px`, width: `${width}px`, height: `${height}px` });
  overlay.width = Math.round(width * dpr);
  overlay.height = Math.round(height * dpr);
  drawMotion();
}

export function render() {
  const dpr = window.devicePixelRatio || 1;
  ctx.setTransform(1, 0, 0, 1, 0, 0);
  ctx.clearRect(0, 0, overlay.width, overlay.height);
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  const { width, height } = state.picture;
  const time = player.currentTime;
  const showing = (annotation) => measureShowing(annotation, time, state.fps, drawingShowing(annotation, time, state.fps));
  for (const annotation of state.annotations.values()) {
    if (!showing(annotation)) continue;
    const highlight = annotation.id === state.selected;
    if (drawsHere(annotation.drawing_data)) {
      drawMeasure(ctx, annotation, { width, height, time, video: state.video, annotations: state.annotations.values(), highlight });
    } else {
      drawDrawing(ctx, annotation.drawing_data, width, height, { highlight });
    }
  }
  drawChart(chartCanvas, chartCaption, chartedAnnotation(state.annotations, state.selected, showing), time);
  const mine = editableSelection();
  if (mine && drawingShowing(mine, time, state.fps)) drawHandles(ctx, mine.drawing_data, width, height, handleIndexes(mine.drawing_data));
  if (state.draft) drawDrawing(ctx, state.draft, width, height);
  drawCorrection(ctx, width, height);
  updateClock(time);
  syncVoices(time);
  if (loopEnded(state.loop, time)) player.currentTime = state.loop.a;
  requestAnimationFrame(render);
}
