// Keyboard shortcuts: space plays, , and . step a frame, J K L shuttle, [ and ] change speed,
// f fullscreen,
// Ctrl/Cmd+Z undo, Ctrl/Cmd+Shift+Z or Ctrl+Y redo, Delete removes the selection, and a letter per
// tool (the measuring ones too: C calibrate, D distance, I timer, X track).
import { canDraw } from "./dom.js";
import { frameStep, shuttle, stepSpeed, toggleFullscreen, togglePlay } from "./player.js";
import { state } from "./state.js";
import { redo, remove, setTool, undo } from "./tools.js";

const TOOL_KEYS = {
  s: "select",
  p: "pen",
  n: "line",
  a: "arrow",
  r: "rectangle",
  e: "ellipse",
  g: "angle",
  t: "text",
  c: "calibration",
  d: "distance",
  i: "timer",
  x: "track",
};

function playbackKey(key) {
  if (key === "," || key === "ArrowLeft") frameStep(-1);
  else if (key === "." || key === "ArrowRight") frameStep(1);
  else if (key === " ") togglePlay();
  else if (["j", "k", "l"].includes(key.toLowerCase())) shuttle(key.toLowerCase());
  else return false;
  return true;
}

export function onKey(event) {
  if (event.target.closest("input, textarea, select, dialog")) return;
  const key = event.key;
  const command = event.ctrlKey || event.metaKey;
  if (command && (key.toLowerCase() === "y" || (key.toLowerCase() === "z" && event.shiftKey))) {
    event.preventDefault();
    if (canDraw) redo();
  } else if (command && key.toLowerCase() === "z") {
    event.preventDefault();
    if (canDraw) undo();
  } else if (!event.ctrlKey && !event.metaKey && !event.altKey && playbackKey(key)) {
    event.preventDefault();
  } else if (key === "[") {
    stepSpeed(-1);
  } else if (key === "]") {
    stepSpeed(1);
  } else if (key === "f" || key === "F") {
    toggleFullscreen();
  } else if ((key === "Delete" || key === "Backspace") && canDraw && state.selected) {
    remove(state.selected);
  } else if (canDraw && !event.ctrlKey && !event.metaKey && TOOL_KEYS[key.toLowerCase()]) {
    setTool(TOOL_KEYS[key.toLowerCase()]);
  }
}
