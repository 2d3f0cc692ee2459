// Editing saved drawings, shared by the studio and the comparison page's panes: which drawings
// are mine, how near a pointer must come, the tool controls (colour, width, duration, text)
// showing and editing the selected drawing, every change as one PATCH that can be undone, and the
// text box for the text tool. Each page keeps its own state and passes in how to change it.
import { api } from "./page.js";

const $ = (id) => document.getElementById(id);

/** How near (px) a pointer must come to a drawing or a handle: a finger gets more room. */
export const reach = (event) => (event.pointerType === "touch" ? 22 : 10);

/** A saved drawing of `user`'s (a drawing on its way to the server is nobody's yet). */
export function isMine(annotation, user) {
  return Boolean(annotation && user) && annotation.author?.id === user.id && !String(annotation.id).startsWith("pending");
}

/** The tool controls show the selected drawing of mine (or, with null, stay for the next one). */
export function showSelection(annotation) {
  const data = annotation?.drawing_data;
  if ($("delete-selected")) $("delete-selected").disabled = !annotation;
  if ($("edit-text-field")) $("edit-text-field").hidden = data?.tool_type !== "text";
  if (!data) return;
  $("color").value = (data.color || "#FF3B30").toLowerCase();
  if (data.width) $("width").value = String(data.width);
  $("duration").value = String(annotation.duration);
  if (data.tool_type === "text" && $("edit-text")) $("edit-text").value = data.text || "";
}

function pick(fields, annotation) {
  const picked = {};
  for (const name of Object.keys(fields)) picked[name] = annotation[name];
  return picked;
}

/**
 * PATCH `fields` of my drawing `original` (shown at once through `keep`, put back if refused),
 * and `remember` the step to undo it. `changed()` redraws the page's lists.
 */
export async function commitEdit(original, fields, { keep, remember, changed, say }) {
  keep({ ...original, ...fields });
  changed();
  try {
    keep(await api(`annotations/${original.id}`, { method: "PATCH", json: fields }));
    remember({ op: "edit", id: original.id, before: pick(fields, original), after: fields });
    say("Changed.", "ok");
  } catch (error) {
    keep(original);
    say(`Not changed: ${error.message}`);
  }
  changed();
}

/** The colour, width, duration and text controls edit `selection()` (my selected drawing or
 * null) through `commit(annotation, fields)`. */
export function bindStyleEditing(selection, commit) {
  const edit = (change) => {
    const annotation = selection();
    if (!annotation) return;
    const fields = change(annotation);
    if (fields) commit(annotation, fields);
  };
  const data = (annotation, extra) => ({ drawing_data: { ...annotation.drawing_data, ...extra } });
  $("color").addEventListener("change", () => edit((a) => data(a, { color: $("color").value.toUpperCase() })));
  $("width").addEventListener("change", () => edit((a) => data(a, { width: Number($("width").value) })));
  $("duration").addEventListener("change", () =>
    edit(() => {
      const duration = Number($("duration").value);
      return duration >= 0.1 ? { duration } : null;
    }),
  );
  $("edit-text")?.addEventListener("change", () =>
    edit((a) => {
      const text = $("edit-text").value.trim();
      return text && a.drawing_data.tool_type === "text" ? data(a, { text }) : null;
    }),
  );
}

/**
 * The text tool's box at (left, top) px of its positioned parent: Enter or leaving it places the
 * text (`onText(text)`), Escape drops it.
 */
export function askText(input, left, top, onText) {
  input.hidden = false;
  input.value = "";
  Object.assign(input.style, { left: `${left}px`, top: `${top}px` });
  input.focus();
  const finish = (keep) => {
    input.onkeydown = null;
    input.onblur = null; // hiding the input blurs it: finish once
    input.hidden = true;
    if (keep && input.value.trim()) onText(input.value.trim());
  };
  input.onkeydown = (event) => {
    if (event.key === "Enter") finish(true);
    if (event.key === "Escape") finish(false);
  };
  input.onblur = () => finish(true);
}
