// The editing keys the studio and the comparison page share: Ctrl/Cmd+Z undo, Ctrl/Cmd+Shift+Z
// or Ctrl+Y redo, Delete (or Backspace) removes the selection, and a letter per drawing tool. A
// page takes only the letters of the tools it shows (the comparison has no measuring tools).

export const TOOL_KEYS = {
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

/**
 * Handle `event` if it is an editing key; true when it was. `editor` is the page's:
 * {canDraw, undo, redo, remove(id), selected() -> id or null, setTool(name)}.
 */
export function editingKey(event, { canDraw, undo, redo, remove, selected, setTool }) {
  const key = event.key.toLowerCase();
  const command = event.ctrlKey || event.metaKey;
  if (command && (key === "y" || (key === "z" && event.shiftKey))) {
    event.preventDefault();
    if (canDraw) redo();
    return true;
  }
  if (command && key === "z") {
    event.preventDefault();
    if (canDraw) undo();
    return true;
  }
  if ((event.key === "Delete" || event.key === "Backspace") && canDraw && selected()) {
    remove(selected());
    return true;
  }
  const tool = TOOL_KEYS[key];
  if (canDraw && tool && !command && !event.altKey && document.querySelector(`.tool[data-tool="${tool}"]`)) {
    setTool(tool);
    return true;
  }
  return false;
}
