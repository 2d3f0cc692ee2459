// Editing pane drawings with the studio's parts: select a drawing on a pane (or its row), drag
// it or its handles (studio/handles.js), restyle it with the tool controls and delete it
// (lib/drawing_edit.js), and undo or redo any of that or a new drawing (lib/undo.js). Each step
// is a PATCH, DELETE or restore through the API, which the other pages get live.
import { bindStyleEditing, commitEdit as commit, isMine, reach, showSelection } from "../lib/drawing_edit.js";
import { api } from "../lib/page.js";
import { undoHistory } from "../lib/undo.js";
import { drawingShowing } from "../studio/frames.js";
import { angleDegrees, distanceTo } from "../studio/geometry.js";
import { dragged, drawingChanged, grabAt } from "../studio/handles.js";
import { historyKey } from "../studio/history.js";
import { $, canDraw, canvases, page, say } from "./dom.js";
import { annotationDeleted, annotationKeep, listsChanged, state } from "./state.js";
import { sideTime } from "./sync.js";

// Kept per user and comparison in this tab's sessionStorage (a reload keeps it).
const history = undoHistory({
  storageKey: historyKey(page.user?.id, `comparison:${page.comparison_id}`),
  keep: annotationKeep,
  deleted: annotationDeleted,
  changed: () => listsChanged(),
  say,
});
export const { remember, undo, redo } = history;

function ownTime(side) {
  return sideTime(state.time, state.timeline.offsets[side], state.panes[side].duration);
}

/** A pane drawing showing on its side now. */
export function showingNow(annotation) {
  const time = ownTime(annotation.side);
  return time !== null && drawingShowing(annotation, time, state.panes[annotation.side].fps);
}

/** The selected drawing if I may edit it (my own, saved), else null. */
export function editableSelection() {
  const annotation = state.annotations.get(state.selected);
  return canDraw && isMine(annotation, page.user) ? annotation : null;
}

/** Select a pane drawing (or none with null): mine become editable with the tool controls. */
export function selectDrawing(id) {
  state.selected = id;
  if (canDraw) showSelection(editableSelection());
  listsChanged();
}

/** A press on a pane in pixels of its picture, from `point` (0..1 in the video's own frame). */
function pixels(side, point) {
  const canvas = canvases[side];
  return { width: canvas.clientWidth, height: canvas.clientHeight, x: point[0] * canvas.clientWidth, y: point[1] * canvas.clientHeight };
}

function pickAt(side, event, point) {
  const { width, height, x, y } = pixels(side, point);
  let best = null;
  for (const annotation of state.annotations.values()) {
    if (annotation.side !== side || String(annotation.id).startsWith("pending") || !showingNow(annotation)) continue;
    const distance = distanceTo(annotation.drawing_data, width, height, x, y);
    if (distance < reach(event) + 2 && (!best || distance < best.distance)) best = { annotation, distance };
  }
  return best && best.annotation;
}

/** The select tool's press on a pane: grab my selected drawing, or select what is under it. */
export function selectPress(side, event, point) {
  if (editStart(side, event, point)) return;
  const hit = pickAt(side, event, point);
  if (hit && !isMine(hit, page.user)) {
    selectDrawing(hit.id);
    say(`That drawing is ${hit.author?.username || "someone else"}'s: only its author changes it.`, "info");
    return;
  }
  selectDrawing(hit ? hit.id : null);
  say(hit ? `Selected on the ${side} clip: drag it or its handles, or change its colour, width or time shown.` : "", "info");
  editStart(side, event, point); // pressed on a drawing of mine: it follows at once
}

function editStart(side, event, point) {
  const annotation = editableSelection();
  if (!annotation || annotation.side !== side || !showingNow(annotation)) return false;
  const { width, height, x, y } = pixels(side, point);
  const index = grabAt(annotation.drawing_data, width, height, x, y, reach(event));
  if (index === null) return false;
  state.edit = { side, original: annotation, index, from: point };
  return true;
}

/** Follow the pointer on `side`: the drawing moves, or its point does. */
export function editMove(side, point) {
  const edit = state.edit;
  if (!edit || edit.side !== side) return false;
  const data = dragged(edit.original.drawing_data, edit.index, edit.from, point);
  annotationKeep({ ...edit.original, drawing_data: data });
  if (data.tool_type === "angle") {
    const { width, height } = pixels(side, point);
    say(`Angle ${angleDegrees(data.points, width, height).toFixed(1)}°`, "info");
  }
  return true;
}

/** The drag ends: PATCH the new shape if it changed (one step to undo). */
export function editEnd() {
  const edit = state.edit;
  if (!edit) return false;
  state.edit = null;
  const now = state.annotations.get(edit.original.id);
  if (now && drawingChanged(edit.original.drawing_data, now.drawing_data)) commitEdit(edit.original, { drawing_data: now.drawing_data });
  return true;
}

const commitEdit = (original, fields) => commit(original, fields, { keep: annotationKeep, remember, changed: listsChanged, say });

/** Delete a pane drawing (mine, or any as the comparison's owner or staff); undo restores it. */
export async function remove(id) {
  try {
    await api(`annotations/${id}`, { method: "DELETE" });
    annotationDeleted(id);
    remember({ op: "delete", id });
    if (canDraw) showSelection(editableSelection());
  } catch (error) {
    say(`Could not delete: ${error.message}`);
  }
  listsChanged();
}

/** Whether I may delete a pane drawing (as the API allows: its author, the owner, staff). */
export function mayDelete(annotation) {
  return canDraw && (annotation.author?.id === page.user.id || page.is_owner || page.user.is_staff);
}

export function setupEditing() {
  bindStyleEditing(editableSelection, commitEdit);
  $("undo").addEventListener("click", undo);
  $("redo").addEventListener("click", redo);
  $("delete-selected").addEventListener("click", () => state.selected && remove(state.selected));
  history.load();
  showSelection(null);
}
