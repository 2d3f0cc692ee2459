// The studio's one mutable state, and the small functions that change it. No DOM here: the
// modules around it read the state and draw the page from it.
import { loopWith } from "./frames.js";
import { emptyHistory } from "./history.js";

export const state = {
  video: null,
  fps: 30,
  annotations: new Map(), // id -> annotation (drawings and voice-overs)
  history: emptyHistory(), // my steps to undo and redo (history.js), kept in sessionStorage
  edit: null, // a drag on the selected drawing: { original, index (-1: the whole), from }
  tool: "pen",
  draft: null, // the shape being drawn
  draftTime: null, // the video time the draft was started at
  selected: null,
  loop: { a: null, b: null },
  picture: { x: 0, y: 0, width: 0, height: 0 },
  storyboard: [],
  analysis: null, // motion and scene cuts, for the timeline
  hls: null,
  recorder: null, // the voice-over being recorded
  ducked: false,
  audio: new Map(), // voice-over id -> <audio>
};

const listWatchers = [];

/** Ask to be called whenever the lists of annotations (and their markers) must be drawn again. */
export function onListsChanged(callback) {
  listWatchers.push(callback);
}

/** The annotations changed in a way people should see in the lists: redraw them. */
export function listsChanged() {
  for (const callback of listWatchers) callback();
}

export function setVideo(video) {
  state.video = video;
  state.fps = video.fps || 30;
}

export function annotationKeep(annotation) {
  state.annotations.set(annotation.id, annotation);
}

export function annotationForget(id) {
  state.annotations.delete(id);
}

/** An annotation deleted: gone from the map and the selection. */
export function annotationDeleted(id) {
  state.annotations.delete(id);
  if (state.selected === id) state.selected = null;
  if (state.edit?.original.id === id) state.edit = null;
}

export function historySet(history) {
  state.history = history;
}

export function editStartState(edit) {
  state.edit = edit;
}

/** The drag on the selected drawing, taken out of the state (it is saved next). */
export function editTake() {
  const edit = state.edit;
  state.edit = null;
  return edit;
}

export function select(id) {
  state.selected = id;
}

export function toolChoose(tool) {
  state.tool = tool;
  state.draft = null;
}

export function draftStart(draft, time) {
  state.draft = draft;
  state.draftTime = time;
}

/** The finished draft, taken out of the state (it is saved next). */
export function draftTake() {
  const draft = state.draft;
  state.draft = null;
  return draft;
}

/** Set one end of the loop ("a" or "b") at `time`, or clear it with which = null. */
export function loopSet(which, time) {
  state.loop = which === null ? { a: null, b: null } : loopWith(state.loop, which, time);
}
