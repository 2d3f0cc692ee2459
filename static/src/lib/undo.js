// Undo and redo of a person's drawings (create, edit, delete) through the API, for any page that
// edits drawings (the studio, the comparison page's panes). The history is kept per user and
// page subject in sessionStorage (studio/history.js holds the pure part). Undoing a delete
// restores the same annotation, id included (POST /annotations/{id}/restore).
import { api } from "./page.js";
import { emptyHistory, historyDrop, historyParse, historyPush, historyRedo, historyUndo } from "../studio/history.js";

const WORDS = { create: "drawing", delete: "delete", edit: "change" };

/**
 * One page's undo history. `storageKey` names it in sessionStorage; `keep(annotation)` and
 * `deleted(id)` change the page's state; `changed()` redraws the page after a step; `say(text,
 * kind)` is its message line; `onHistory(history)` hears every new history (and the Undo and
 * Redo buttons, #undo and #redo when present, follow it).
 */
export function undoHistory({ storageKey, keep, deleted, changed, say, onHistory = () => {} }) {
  let history = emptyHistory();

  function store(next) {
    history = next;
    onHistory(history);
    try {
      sessionStorage.setItem(storageKey, JSON.stringify(history));
    } catch {
      /* storage full or refused: the history lives as long as the page */
    }
    const undoButton = document.getElementById("undo");
    const redoButton = document.getElementById("redo");
    if (undoButton) undoButton.disabled = !history.done.length;
    if (redoButton) redoButton.disabled = !history.undone.length;
  }

  const patch = async (id, fields) => keep(await api(`annotations/${id}`, { method: "PATCH", json: fields }));
  const restore = async (id) => keep(await api(`annotations/${id}/restore`, { method: "POST" }));
  const destroy = async (id) => {
    await api(`annotations/${id}`, { method: "DELETE" });
    deleted(id);
  };
  const UNDO = { create: (step) => destroy(step.id), delete: (step) => restore(step.id), edit: (step) => patch(step.id, step.before) };
  const REDO = { create: (step) => restore(step.id), delete: (step) => destroy(step.id), edit: (step) => patch(step.id, step.after) };

  async function walk(move, actions, verb) {
    const { step, history: next } = move(history);
    if (!step) {
      say(`Nothing of yours to ${verb}.`, "info");
      return;
    }
    store(next);
    try {
      await actions[step.op](step);
      say(`${verb === "undo" ? "Undone" : "Redone"}: ${WORDS[step.op]}.`, "ok");
    } catch (error) {
      store(historyDrop(history, step)); // its drawing is gone or changed hands
      say(`Could not ${verb}: ${error.message}`);
    }
    changed();
  }

  return {
    /** The history this tab kept (a reload keeps it). */
    load() {
      let text = null;
      try {
        text = sessionStorage.getItem(storageKey);
      } catch {
        /* storage refused: start afresh */
      }
      store(historyParse(text));
    },
    /** A step done now: it can be undone. */
    remember: (step) => store(historyPush(history, step)),
    undo: () => walk(historyUndo, UNDO, "undo"),
    redo: () => walk(historyRedo, REDO, "redo"),
  };
}
