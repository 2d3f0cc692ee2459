// Undo and redo of my drawings on this video (create, edit, delete): the shared history
// (lib/undo.js) bound to the studio's state, kept per user and video in sessionStorage.
import { undoHistory } from "../lib/undo.js";
import { page, say } from "./dom.js";
import { historyKey } from "./history.js";
import { annotationDeleted, annotationKeep, historySet, listsChanged } from "./state.js";

const history = undoHistory({
  storageKey: historyKey(page.user?.id, page.video_id),
  keep: annotationKeep,
  deleted: annotationDeleted,
  changed: listsChanged,
  say,
  onHistory: historySet,
});

export const loadHistory = history.load;
export const remember = history.remember;
export const undo = history.undo;
export const redo = history.redo;
