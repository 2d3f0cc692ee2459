// Editing my own drawings: select one (on the picture or its row), drag it or its handles
// (handles.js), and change its colour, width, duration or text with the tool controls. Every
// change is one PATCH, seen live by the others (annotation.updated), and one step to undo. The
// parts the comparison page shares live in lib/drawing_edit.js and handles.js.
import { bindStyleEditing, commitEdit as commit, isMine as mine, reach, showSelection } from "../lib/drawing_edit.js";
import { canDraw, overlay, page, player, say } from "./dom.js";
import { drawingShowing, frameAt, frameMiddle } from "./frames.js";
import { angleDegrees } from "./geometry.js";
import { dragged, drawingChanged, grabAt } from "./handles.js";
import { annotationKeep, editStartState, editTake, listsChanged, select, state } from "./state.js";
import { remember } from "./undo.js";

export { reach };

export const isMine = (annotation) => mine(annotation, page.user);

const selectedDrawing = () => state.annotations.get(state.selected);

/** The selected drawing if I may edit it, else null. */
export function editableSelection() {
  const annotation = selectedDrawing();
  return canDraw && annotation?.type === "drawing" && isMine(annotation) ? annotation : null;
}

/** Select a drawing (or none with null): mine become editable with the tool controls. */
export function selectDrawing(id) {
  select(id);
  if (canDraw) showSelection(editableSelection());
  listsChanged();
}

/** A row's click: seek to the middle of the drawing's frame, and select it. */
export function seekAndSelect(annotation) {
  player.pause();
  player.currentTime = frameMiddle(frameAt(annotation.timestamp, state.fps), state.fps);
  selectDrawing(annotation.id);
}

/** PATCH `fields` of my drawing (shown at once), and remember the step to undo it. */
export const commitEdit = (original, fields) => commit(original, fields, { keep: annotationKeep, remember, changed: listsChanged, say });

/** Start dragging the selected drawing (its body) or one of its handles; false if missed. */
export function editStart(event, point) {
  const annotation = editableSelection();
  if (!annotation || !drawingShowing(annotation, player.currentTime, state.fps)) return false;
  const box = overlay.getBoundingClientRect();
  const index = grabAt(annotation.drawing_data, box.width, box.height, event.clientX - box.left, event.clientY - box.top, reach(event));
  if (index === null) return false;
  editStartState({ original: annotation, index, from: point });
  return true;
}

/** Follow the pointer: the drawing moves, or its point does (an angle says its degrees). */
export function editMove(point) {
  const edit = state.edit;
  if (!edit) return false;
  const data = dragged(edit.original.drawing_data, edit.index, edit.from, point);
  annotationKeep({ ...edit.original, drawing_data: data });
  if (data.tool_type === "angle") say(`Angle ${angleDegrees(data.points, state.picture.width, state.picture.height).toFixed(1)}°`, "info");
  return true;
}

/** The drag ends: PATCH the new shape if it changed. */
export function editEnd() {
  const edit = editTake();
  if (!edit) return false;
  const now = state.annotations.get(edit.original.id);
  if (now && drawingChanged(edit.original.drawing_data, now.drawing_data)) commitEdit(edit.original, { drawing_data: now.drawing_data });
  return true;
}

/** The colour, width, duration and text controls edit the selected drawing of mine. */
export function setupEditing() {
  bindStyleEditing(editableSelection, commitEdit);
}
