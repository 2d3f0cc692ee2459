// Undo and redo of my drawings (create, edit, delete) through the API, with the history kept per
// user and video in sessionStorage (history.js holds the pure part). Undoing a delete restores the
// same annotation, id included (POST /annotations/{id}/restore).
import { api } from "../lib/page.js";
import { $, page, say } from "./dom.js";
import { historyDrop, historyKey, historyParse, historyPush, historyRedo, historyUndo } from "./history.js";
import { annotationDeleted, annotationKeep, historySet, listsChanged, state } from "./state.js";

const storageKey = () => historyKey(page.user.id, page.video_id);

function store(history) {
  historySet(history);
  try {
    sessionStorage.setItem(storageKey(), JSON.stringify(history));
  } catch {
    /* storage full or refused: the history lives as long as the page */
  }
  if ($("undo")) $("undo").disabled = !history.done.length;
  if ($("redo")) $("redo").disabled = !history.undone.length;
}

/** The history this tab kept for this video (a reload keeps it). */
export function loadHistory() {
  let text = null;
  try {
    text = sessionStorage.getItem(storageKey());
  } catch {
    /* storage refused: start afresh */
  }
  store(historyParse(text));
}

/** A step done now: it can be undone. */
export function remember(step) {
  store(historyPush(state.history, step));
}

async function patch(id, fields) {
  annotationKeep(await api(`annotations/${id}`, { method: "PATCH", json: fields }));
}

async function restore(id) {
  annotationKeep(await api(`annotations/${id}/restore`, { method: "POST" }));
}

async function destroy(id) {
  await api(`annotations/${id}`, { method: "DELETE" });
  annotationDeleted(id);
}

const UNDO = { create: (step) => destroy(step.id), delete: (step) => restore(step.id), edit: (step) => patch(step.id, step.before) };
const REDO = { create: (step) => restore(step.id), delete: (step) => destroy(step.id), edit: (step) => patch(step.id, step.after) };
const WORDS = { create: "drawing", delete: "delete", edit: "change" };

async function walk(move, actions, verb) {
  const { step, history } = move(state.history);
  if (!step) {
    say(`Nothing of yours to ${verb}.`, "info");
    return;
  }
  store(history);
  try {
    await actions[step.op](step);
    say(`${verb === "undo" ? "Undone" : "Redone"}: ${WORDS[step.op]}.`, "ok");
  } catch (error) {
    store(historyDrop(state.history, step)); // its drawing is gone or changed hands
    say(`Could not ${verb}: ${error.message}`);
  }
  listsChanged();
}

export const undo = () => walk(historyUndo, UNDO, "undo");
export const redo = () => walk(historyRedo, REDO, "redo");
