// Undo and redo, with no DOM (unit-tested under Node): a list of steps done and a list of steps
// undone, kept per user and video in sessionStorage so a reload keeps them. A step is
//   { op: "create", id }                       a drawing made (undo deletes, redo restores it)
//   { op: "delete", id }                       a drawing deleted (undo restores the same id)
//   { op: "edit", id, before, after }          fields PATCHed (undo sends `before` back)

export const HISTORY_LIMIT = 100;

export function emptyHistory() {
  return { done: [], undone: [] };
}

/** A new step: it can be undone, and whatever was undone before can no longer be redone. */
export function historyPush(history, step) {
  return { done: [...history.done, step].slice(-HISTORY_LIMIT), undone: [] };
}

/** The step to undo now and the history once it is undone (step null when there is none). */
export function historyUndo(history) {
  if (!history.done.length) return { step: null, history };
  const step = history.done[history.done.length - 1];
  return { step, history: { done: history.done.slice(0, -1), undone: [...history.undone, step] } };
}

/** The step to redo now and the history once it is redone (step null when there is none). */
export function historyRedo(history) {
  if (!history.undone.length) return { step: null, history };
  const step = history.undone[history.undone.length - 1];
  return { step, history: { done: [...history.done, step], undone: history.undone.slice(0, -1) } };
}

/** The history without a step that failed (say, its drawing was deleted by someone else). */
export function historyDrop(history, step) {
  return { done: history.done.filter((s) => s !== step), undone: history.undone.filter((s) => s !== step) };
}

/** The sessionStorage key of a user's history on a video. */
export function historyKey(userId, videoId) {
  return `studio-history:${userId}:${videoId}`;
}

/** A history read back from storage: anything unreadable is an empty one. */
export function historyParse(text) {
  try {
    const value = JSON.parse(text);
    if (Array.isArray(value?.done) && Array.isArray(value?.undone)) return value;
  } catch {
    /* not JSON: start afresh */
  }
  return emptyHistory();
}
