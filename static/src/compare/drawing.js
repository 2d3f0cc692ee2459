// Drawings on the panes: each pane's canvas shows the comparison's drawings of that side (and,
// with the toggle, its video's own) at that side's own time, with the studio's rendering and
// frame rule; the tools draw on whichever pane is pressed (overlaid: the pane chosen with "Draw
// on"), saved with comparison_id and side. The select tool edits (editing.js).
import { askText } from "../lib/drawing_edit.js";
import { api } from "../lib/page.js";
import { drawingShowing, frameStart } from "../studio/frames.js";
import { normalisedPoint, rules } from "../studio/geometry.js";
import { handleIndexes } from "../studio/handles.js";
import { drawDrawing, drawHandles } from "../studio/render.js";
import { $, canDraw, canvases, page, say, SIDES } from "./dom.js";
import { editableSelection, editEnd, editMove, remember, selectDrawing, selectPress, setupEditing } from "./editing.js";
import { pause } from "./playback.js";
import { sideTime } from "./sync.js";
import { annotationForget, annotationKeep, listsChanged, state } from "./state.js";

function ownTime(side) {
  return sideTime(state.time, state.timeline.offsets[side], state.panes[side].duration);
}

function videoIdOf(side) {
  return state.comparison[side].video_id;
}

export function layoutCanvases() {
  const dpr = window.devicePixelRatio || 1;
  for (const canvas of Object.values(canvases)) {
    canvas.width = Math.round(canvas.clientWidth * dpr);
    canvas.height = Math.round(canvas.clientHeight * dpr);
  }
}

function drawingsOf(side) {
  const mine = [...state.annotations.values()].filter((annotation) => annotation.side === side);
  if (!state.showOwn) return mine;
  const own = [...state.own.values()].filter((annotation) => annotation.video_id === videoIdOf(side));
  return [...mine, ...own];
}

export function render() {
  const dpr = window.devicePixelRatio || 1;
  for (const side of SIDES) {
    const canvas = canvases[side];
    const ctx = canvas.getContext("2d");
    ctx.setTransform(1, 0, 0, 1, 0, 0);
    ctx.clearRect(0, 0, canvas.width, canvas.height);
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    const time = ownTime(side);
    const width = canvas.width / dpr;
    const height = canvas.height / dpr;
    if (time !== null) {
      for (const annotation of drawingsOf(side)) {
        if (!drawingShowing(annotation, time, state.panes[side].fps)) continue;
        drawDrawing(ctx, annotation.drawing_data, width, height, { highlight: annotation.id === state.selected });
      }
      const mine = editableSelection();
      if (mine?.side === side && drawingShowing(mine, time, state.panes[side].fps)) {
        drawHandles(ctx, mine.drawing_data, width, height, handleIndexes(mine.drawing_data));
      }
    }
    if (state.drafts[side]) drawDrawing(ctx, state.drafts[side], width, height);
  }
  requestAnimationFrame(render);
}

/** The pointer's place as fractions of the picture, in the video's own (unmirrored) frame. */
function pointOf(side, event) {
  const [x, y] = normalisedPoint(event.clientX, event.clientY, canvases[side].getBoundingClientRect());
  return state.comparison[side].mirror ? [Math.round((1 - x) * 1e6) / 1e6, y] : [x, y];
}

function style() {
  return { color: $("color").value.toUpperCase(), width: Number($("width").value) };
}

function onPointerDown(side, event) {
  if (!canDraw) return;
  event.preventDefault();
  if (state.playing) pause();
  const time = ownTime(side);
  if (time === null) {
    say("This clip is not playing here: draw where it shows a picture.");
    return;
  }
  try {
    canvases[side].setPointerCapture(event.pointerId);
  } catch {
    /* a pointer the browser no longer tracks */
  }
  const point = pointOf(side, event);
  if (state.tool === "select") {
    selectPress(side, event, point);
    return;
  }
  if (state.tool === "text") {
    placeText(side, point, time);
    return;
  }
  const draft = state.drafts[side];
  if (state.tool === "angle" && draft && draft.points.length === 3) {
    draft.points[2] = point; // the second click: the other end
    return;
  }
  state.drafts[side] = { tool_type: state.tool, points: state.tool === "pen" ? [point] : [point, point], ...style() };
  state.draftTimes[side] = time;
}

function onPointerMove(side, event) {
  if (state.edit) editMove(side, pointOf(side, event));
  const draft = state.drafts[side];
  if (!draft) return;
  const point = pointOf(side, event);
  const points = draft.points;
  if (draft.tool_type === "pen") {
    const [lx, ly] = points[points.length - 1];
    if (Math.hypot(point[0] - lx, point[1] - ly) > 0.002 && points.length < rules.max_points) points.push(point);
  } else {
    points[points.length - 1] = point;
  }
}

function onPointerUp(side, event) {
  if (editEnd()) return;
  const draft = state.drafts[side];
  if (!draft) return;
  if (draft.tool_type === "angle" && draft.points.length === 2) {
    draft.points.push(pointOf(side, event)); // released at the joint: now aim the other arm
    return;
  }
  if (draft.tool_type === "pen" && draft.points.length < 2) draft.points.push(draft.points[0]);
  state.drafts[side] = null;
  save(side, draft, state.draftTimes[side]);
}

/** The text tool: a box at the pressed place on the pane; its text is saved on that frame. */
function placeText(side, point, time) {
  const canvas = canvases[side];
  const input = $("text-entry");
  canvas.parentElement.append(input); // over this pane's picture
  const x = state.comparison[side].mirror ? 1 - point[0] : point[0]; // where it was pressed on screen
  askText(input, x * canvas.clientWidth, point[1] * canvas.clientHeight, (text) => save(side, { tool_type: "text", points: [point], text, ...style() }, time));
}

async function save(side, drawing, time) {
  const fps = state.panes[side].fps;
  const timestamp = frameStart(time, fps); // that side's frame's own time
  const temp = { id: `pending-${Math.random()}`, type: "drawing", side, timestamp, duration: Number($("duration").value) || 3, drawing_data: drawing, author: page.user };
  annotationKeep(temp);
  try {
    const saved = await api("annotations/drawing", {
      method: "POST",
      json: { comparison_id: page.comparison_id, side, timestamp, duration: temp.duration, drawing_data: drawing },
    });
    annotationForget(temp.id);
    annotationKeep(saved);
    remember({ op: "create", id: saved.id });
    say(`Saved on the ${side} clip, frame ${saved.frame}.`, "ok");
  } catch (error) {
    annotationForget(temp.id);
    say(`Not saved: ${error.message}`);
  }
  listsChanged();
}

export function setTool(tool) {
  state.tool = tool;
  state.drafts = { left: null, right: null };
  // A drawing tool: the colour and width controls are for the next drawing, not the selected one.
  if (tool !== "select" && state.selected) selectDrawing(null);
  for (const button of document.querySelectorAll(".tool")) button.setAttribute("aria-pressed", String(button.dataset.tool === tool));
  for (const canvas of Object.values(canvases)) canvas.dataset.tool = tool;
}

export function setupDrawing() {
  for (const side of SIDES) {
    const canvas = canvases[side];
    if (!canDraw) {
      canvas.classList.add("readonly");
      continue;
    }
    canvas.addEventListener("pointerdown", (event) => onPointerDown(side, event));
    canvas.addEventListener("pointermove", (event) => onPointerMove(side, event));
    canvas.addEventListener("pointerup", (event) => onPointerUp(side, event));
    canvas.addEventListener("pointercancel", (event) => onPointerUp(side, event));
  }
  if (!canDraw) return;
  for (const button of document.querySelectorAll(".tool")) button.addEventListener("click", () => setTool(button.dataset.tool));
  setupEditing();
}

async function loadAll(url, into) {
  while (url) {
    const data = await api(url);
    for (const annotation of data.results) if (annotation.type === "drawing") into.set(annotation.id, annotation);
    url = data.next;
  }
}

export async function loadDrawings() {
  await loadAll(`annotations?comparison_id=${page.comparison_id}`, state.annotations);
  listsChanged();
}

/** The videos' own drawings, loaded the first time the toggle shows them. */
export async function loadOwnDrawings() {
  const ids = new Set(SIDES.map(videoIdOf));
  for (const id of ids) await loadAll(`annotations?video_id=${id}`, state.own);
}
