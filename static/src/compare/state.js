// The comparison page's one mutable state and the small functions that change it (no DOM).
import { timeline } from "./sync.js";

export const state = {
  comparison: null, // as the API answers it: {left: {video_id, sync, mirror, video}, right, layout, ...}
  panes: { left: null, right: null }, // {sync, duration, fps}, per side
  timeline: null, // sync.timeline(panes.left, panes.right)
  time: 0, // the shared clock, seconds from the earlier start
  playing: false,
  speed: 1,
  annotations: new Map(), // the comparison's pane drawings, id -> annotation
  own: new Map(), // the videos' own drawings (shown with the toggle), id -> annotation
  showOwn: false,
  tool: "pen",
  drafts: { left: null, right: null }, // the shape being drawn on each pane
  draftTimes: { left: null, right: null }, // the side's own time the draft was started at
  selected: null, // the selected pane drawing's id (the select tool)
  edit: null, // a drag on the selected drawing: { side, original, index (-1: the whole), from }
  drawOn: null, // overlaid, the pane the tools draw on ("left" or "right"; null: the top one)
};

const listWatchers = [];

/** Ask to be called whenever the list of pane drawings must be drawn again. */
export function onListsChanged(callback) {
  listWatchers.push(callback);
}

/** The pane drawings changed in a way people should see in the list: redraw it. */
export function listsChanged() {
  for (const callback of listWatchers) callback();
}

function paneOf(pane) {
  return { sync: pane.sync, duration: pane.video.duration || 0, fps: pane.video.fps || 30 };
}

/** A new or changed comparison (the API's answer, or comparison.updated merged into it). */
export function setComparison(comparison) {
  state.comparison = comparison;
  state.panes = { left: paneOf(comparison.left), right: paneOf(comparison.right) };
  state.timeline = timeline(state.panes.left, state.panes.right);
  state.time = Math.min(state.time, state.timeline.duration);
}

/** comparison.updated carries the settings without the videos: merge them in. */
export function mergeSettings(settings) {
  const merged = { ...state.comparison, ...settings };
  for (const side of ["left", "right"]) merged[side] = { ...state.comparison[side], ...settings[side] };
  setComparison(merged);
}

export function setTime(time) {
  state.time = Math.max(0, Math.min(time, state.timeline ? state.timeline.duration : 0));
}

export function annotationKeep(annotation) {
  state.annotations.set(annotation.id, annotation);
}

export function annotationForget(id) {
  state.annotations.delete(id);
}

/** A drawing deleted (here or by someone else): gone from the map, the selection and a drag. */
export function annotationDeleted(id) {
  state.annotations.delete(id);
  if (state.selected === id) state.selected = null;
  if (state.edit?.original.id === id) state.edit = null;
}
