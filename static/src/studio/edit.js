// Editing my own drawings: select one (on the picture or its row), drag it or its handles
// (handles.js), and change its colour, width, duration or text with the tool controls. Every
// change is one PATCH, seen live by the others (annotation.updated), and one step to undo.
import { api } from "../lib/page.js";
import { $, canDraw, overlay, page, player, say } from "./dom.js";
import { drawingShowing, frameAt, frameMiddle } from "./frames.js";
import { angleDegrees, distanceTo } from "./geometry.js";
import { drawingChanged, handleAt, movedBy, withPoint } from "./handles.js";
import { annotationKeep, editStartState, editTake, listsChanged, select, state } from "./state.js";
import { remember } from "./undo.js";

/** How near (px) a pointer must come to a drawing or a handle: a finger gets more room. */
export const reach = (event) => (event.pointerType === "touch" ? 22 : 10);

export function isMine(annotation) {
  return Boolean(annotation) && annotation.author.id === page.user.id && !String(annotation.id).startsWith("pending");
}

const selectedDrawing = () => state.annotations.get(state.selected);

/** The selected drawing if I may edit it, else null. */
export function editableSelection() {
  const annotation = selectedDrawing();
  return canDraw && annotation?.type === "drawing" && isMine(annotation) ? annotation : null;
}

function syncControls(annotation) {
  if (!canDraw) return;
  const data = annotation?.drawing_data;
  $("delete-selected").disabled = !annotation;
  $("edit-text-field").hidden = data?.tool_type !== "text";
  if (!data) return;
  $("color").value = (data.color || "#FF3B30").toLowerCase();
  if (data.width) $("width").value = String(data.width);
  $("duration").value = String(annotation.duration);
  if (data.tool_type === "text") $("edit-text").value = data.text || "";
}

/** Select a drawing (or none with null): mine become editable with the tool controls. */
export function selectDrawing(id) {
  select(id);
  syncControls(editableSelection());
  listsChanged();
}

/** A row's click: seek to the middle of the drawing's frame, and select it. */
export function seekAndSelect(annotation) {
  player.pause();
  player.currentTime = frameMiddle(frameAt(annotation.timestamp, state.fps), state.fps);
  selectDrawing(annotation.id);
}

function pick(fields, annotation) {
  const picked = {};
  for (const name of Object.keys(fields)) picked[name] = annotation[name];
  return picked;
}

/** PATCH `fields` of my drawing (shown at once), and remember the step to undo it. */
export async function commitEdit(original, fields) {
  annotationKeep({ ...original, ...fields });
  listsChanged();
  try {
    annotationKeep(await api(`annotations/${original.id}`, { method: "PATCH", json: fields }));
    remember({ op: "edit", id: original.id, before: pick(fields, original), after: fields });
    say("Changed.", "ok");
  } catch (error) {
    annotationKeep(original);
    say(`Not changed: ${error.message}`);
  }
  listsChanged();
}

function pointerAt(event) {
  const box = overlay.getBoundingClientRect();
  return { x: event.clientX - box.left, y: event.clientY - box.top, box };
}

/** Start dragging the selected drawing (its body) or one of its handles; false if missed. */
export function editStart(event, point) {
  const annotation = editableSelection();
  if (!annotation || !drawingShowing(annotation, player.currentTime, state.fps)) return false;
  const { x, y, box } = pointerAt(event);
  const data = annotation.drawing_data;
  const index = handleAt(data, box.width, box.height, x, y, reach(event));
  if (index < 0 && distanceTo(data, box.width, box.height, x, y) > reach(event)) return false;
  editStartState({ original: annotation, index, from: point });
  return true;
}

/** Follow the pointer: the drawing moves, or its point does (an angle says its degrees). */
export function editMove(point) {
  const edit = state.edit;
  if (!edit) return false;
  const before = edit.original.drawing_data;
  const data = edit.index >= 0 ? withPoint(before, edit.index, point) : movedBy(before, point[0] - edit.from[0], point[1] - edit.from[1]);
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

function onStyleChange(change) {
  const annotation = editableSelection();
  if (!annotation) return;
  const fields = change(annotation);
  if (fields) commitEdit(annotation, fields);
}

/** The colour, width, duration and text controls edit the selected drawing of mine. */
export function setupEditing() {
  const data = (annotation, extra) => ({ drawing_data: { ...annotation.drawing_data, ...extra } });
  $("color").addEventListener("change", () => onStyleChange((a) => data(a, { color: $("color").value.toUpperCase() })));
  $("width").addEventListener("change", () => onStyleChange((a) => data(a, { width: Number($("width").value) })));
  $("duration").addEventListener("change", () =>
    onStyleChange(() => {
      const duration = Number($("duration").value);
      return duration >= 0.1 ? { duration } : null;
    }),
  );
  $("edit-text").addEventListener("change", () =>
    onStyleChange((a) => {
      const text = $("edit-text").value.trim();
      return text && a.drawing_data.tool_type === "text" ? data(a, { text }) : null;
    }),
  );
}
