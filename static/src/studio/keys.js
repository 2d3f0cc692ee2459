// Keyboard shortcuts: space plays, , and . step a frame, J K L shuttle, [ and ] change speed,
// f fullscreen, and the editing keys both pages share (lib/keys.js: undo, redo, delete, a letter
// per tool, the measuring ones too: C calibrate, D distance, I timer, X track).
import { editingKey } from "../lib/keys.js";
import { canDraw } from "./dom.js";
import { frameStep, shuttle, stepSpeed, toggleFullscreen, togglePlay } from "./player.js";
import { state } from "./state.js";
import { redo, remove, setTool, undo } from "./tools.js";

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
  if (editingKey(event, { canDraw, undo, redo, remove, selected: () => state.selected, setTool })) return;
  const key = event.key;
  if (!event.ctrlKey && !event.metaKey && !event.altKey && playbackKey(key)) {
    event.preventDefault();
  } else if (key === "[") {
    stepSpeed(-1);
  } else if (key === "]") {
    stepSpeed(1);
  } else if (key === "f" || key === "F") {
    toggleFullscreen();
  }
}
