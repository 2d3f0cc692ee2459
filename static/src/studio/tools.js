// Drawing with the tools: pointer handling on the canvas, drafts, text entry, picking and deleting
// a drawing, and saving through the API (editing a saved one is edit.js, undo and redo undo.js).
import { askText } from "../lib/drawing_edit.js";
import { api } from "../lib/page.js";
import { $, canDraw, overlay, page, player, say } from "./dom.js";
import { drawingShowing, frameStart } from "./frames.js";
import { angleDegrees, distanceTo, normalisedPoint, rules } from "./geometry.js";
import { editEnd, editMove, editStart, editableSelection, reach, selectDrawing, setupEditing } from "./edit.js";
import { correctionEnd, correctionMove, correctionStart } from "./track.js";
import { parseSplits } from "./measure.js";
import { annotationDeleted, annotationForget, annotationKeep, draftStart, draftTake, listsChanged, state, toolChoose } from "./state.js";
import { loadHistory, redo, remember, undo } from "./undo.js";

export { redo, undo };

export function setTool(tool) {
  toolChoose(tool);
  // A drawing tool: the colour and width controls are for the next drawing, not the selected one.
  if (tool !== "select" && state.selected) selectDrawing(null);
  for (const button of document.querySelectorAll(".tool")) {
    button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
  }
  overlay.dataset.tool = tool;
  // A tool's own options (a calibration's length, following a shape) show with it only.
  for (const option of document.querySelectorAll(".tool-option")) option.hidden = !option.dataset.tools.split(" ").includes(tool);
}

const ONE_POINT = new Set(["timer", "track"]); // placed with one click (measure.js, track.js)

/** The measuring options of a new drawing: a calibration's length, `track` on shapes. */
function measureDraft(drawing) {
  if (drawing.tool_type === "calibration") return { ...drawing, length_m: Number($("calibration-length").value) || 1 };
  if (drawing.tool_type === "timer") {
    const splits = parseSplits($("timer-splits").value);
    return splits.length ? { ...drawing, splits } : drawing;
  }
  if (["angle", "line", "arrow"].includes(drawing.tool_type) && $("track-shapes")?.checked) return { ...drawing, track: true };
  return drawing;
}

/** A press on a point of my selected tracked drawing, after its first frame: a correction. */
function startCorrection(event, point) {
  const box = overlay.getBoundingClientRect();
  const annotation = editableSelection();
  const where = { time: player.currentTime, width: box.width, height: box.height, x: event.clientX - box.left, y: event.clientY - box.top };
  return correctionStart(annotation, { ...where, reach: reach(event), point });
}

async function saveCorrection({ id, tracking_correction }) {
  try {
    annotationKeep(await api(`annotations/${id}`, { method: "PATCH", json: { tracking_correction } }));
    say("Corrected: following it again from this frame…", "ok");
  } catch (error) {
    say(`Not corrected: ${error.message}`);
  }
  listsChanged();
}

function style() {
  return { color: $("color").value.toUpperCase(), width: Number($("width").value) };
}

function normalised(event) {
  return normalisedPoint(event.clientX, event.clientY, overlay.getBoundingClientRect());
}

function pickAt(event) {
  const box = overlay.getBoundingClientRect();
  const x = event.clientX - box.left;
  const y = event.clientY - box.top;
  let best = null;
  for (const annotation of state.annotations.values()) {
    if (!drawingShowing(annotation, player.currentTime, state.fps)) continue;
    const distance = distanceTo(annotation.drawing_data, box.width, box.height, x, y);
    if (distance < reach(event) + 2 && (!best || distance < best.distance)) best = { annotation, distance };
  }
  return best && best.annotation;
}

function selectAt(event) {
  const hit = pickAt(event);
  if (hit && hit.author.id !== page.user.id) {
    selectDrawing(null);
    say(`That drawing is ${hit.author.username}'s; you can delete only your own.`);
  } else {
    selectDrawing(hit ? hit.id : null);
    say(hit ? "Selected: drag it or its handles, or change its colour, width or time shown." : "", "info");
  }
}

function onPointerDown(event) {
  if (!canDraw) return;
  event.preventDefault();
  try {
    overlay.setPointerCapture(event.pointerId); // keep the stroke when the finger leaves the canvas
  } catch {
    /* a pointer the browser no longer tracks: draw without capture */
  }
  player.pause();
  const point = normalised(event);
  if (state.tool === "select") {
    if (startCorrection(event, point)) return;
    if (!editStart(event, point)) {
      selectAt(event);
      editStart(event, point); // pressed on a drawing of mine: it follows at once
    }
  } else if (state.tool === "text") {
    placeText(point);
  } else if (ONE_POINT.has(state.tool)) {
    save(measureDraft({ tool_type: state.tool, points: [point], ...style() }), player.currentTime);
  } else if (state.tool === "angle" && state.draft && state.draft.points.length === 3) {
    state.draft.points[2] = point; // the second click: the other end
  } else {
    draftStart({ tool_type: state.tool, points: state.tool === "pen" ? [point] : [point, point], ...style() }, player.currentTime);
  }
}

function onPointerMove(event) {
  if (correctionMove(normalised(event))) return;
  if (state.edit) editMove(normalised(event));
  if (!state.draft) return;
  const point = normalised(event);
  const points = state.draft.points;
  if (state.tool === "pen") {
    const [lx, ly] = points[points.length - 1];
    if (Math.hypot(point[0] - lx, point[1] - ly) > 0.002 && points.length < rules.max_points) points.push(point);
  } else {
    points[points.length - 1] = point;
  }
  if (state.tool === "angle" && points.length === 3) {
    const degrees = angleDegrees(points, state.picture.width, state.picture.height);
    say(`Angle ${degrees.toFixed(1)}°`, "info");
  }
}

function onPointerUp(event) {
  const corrected = correctionEnd();
  if (corrected) {
    saveCorrection(corrected);
    return;
  }
  if (editEnd() || !state.draft) return;
  const draft = state.draft;
  if (draft.tool_type === "angle" && draft.points.length === 2) {
    draft.points.push(normalised(event)); // released at the joint: now aim the other arm
    return;
  }
  if (draft.tool_type === "pen" && draft.points.length < 2) draft.points.push(draft.points[0]);
  draftTake();
  save(measureDraft(draft), state.draftTime);
}

function placeText(point) {
  const time = player.currentTime;
  const left = state.picture.x + point[0] * state.picture.width;
  const top = state.picture.y + point[1] * state.picture.height;
  askText($("text-entry"), left, top, (text) => save({ tool_type: "text", points: [point], text, ...style() }, time));
}

async function save(drawing, time) {
  const timestamp = frameStart(time, state.fps); // the frame's own time, unrounded
  const temp = { id: `pending-${Math.random()}`, type: "drawing", timestamp, duration: Number($("duration").value) || 3, drawing_data: drawing, author: page.user };
  annotationKeep(temp);
  try {
    const saved = await api("annotations/drawing", {
      method: "POST",
      json: { video_id: page.video_id, timestamp, duration: temp.duration, drawing_data: drawing },
    });
    annotationForget(temp.id);
    annotationKeep(saved);
    remember({ op: "create", id: saved.id });
    say(savedMessage(drawing, saved), "ok");
  } catch (error) {
    annotationForget(temp.id);
    say(`Not saved: ${error.message}`);
  }
  listsChanged();
}

function savedMessage(drawing, saved) {
  if (saved.tracking) return "Saved: the points are being followed through the video…";
  if (drawing.tool_type === "angle") return `Saved: ${saved.angle_degrees.toFixed(1)}°`;
  if (saved.length_m != null) return `Saved: ${saved.length_m < 1 ? `${(saved.length_m * 100).toFixed(1)} cm` : `${saved.length_m.toFixed(2)} m`}`;
  return "Saved.";
}

export async function remove(id) {
  const annotation = state.annotations.get(id);
  try {
    await api(`annotations/${id}`, { method: "DELETE" });
    annotationDeleted(id);
    if (annotation?.type === "drawing") remember({ op: "delete", id });
    if (canDraw) $("delete-selected").disabled = !state.selected;
    listsChanged();
  } catch (error) {
    say(`Could not delete: ${error.message}`);
  }
}

/** Draw with the pointer on the canvas, and the tool buttons, undo and delete. */
export function setupTools() {
  overlay.addEventListener("pointerdown", onPointerDown);
  overlay.addEventListener("pointermove", onPointerMove);
  overlay.addEventListener("pointerup", onPointerUp);
  overlay.addEventListener("pointercancel", onPointerUp);
  for (const button of document.querySelectorAll(".tool")) button.addEventListener("click", () => setTool(button.dataset.tool));
  $("undo").addEventListener("click", undo);
  $("redo").addEventListener("click", redo);
  loadHistory();
  setupEditing();
  $("delete-selected").addEventListener("click", () => state.selected && remove(state.selected));
}
