// Editing math and the undo history (static/src/studio/handles.js, history.js), shared by the
// studio and the comparison page.
import assert from "node:assert/strict";
import { test } from "node:test";

import { dragged, drawingChanged, grabAt, handleAt, handleIndexes, movedBy, withPoint } from "../src/studio/handles.js";
import { emptyHistory, HISTORY_LIMIT, historyDrop, historyKey, historyParse, historyPush, historyRedo, historyUndo } from "../src/studio/history.js";

const angle = { tool_type: "angle", points: [[0.2, 0.5], [0.5, 0.5], [0.5, 0.1]], color: "#FF0000" };
const box = { tool_type: "rectangle", points: [[0.1, 0.1], [0.3, 0.4]] };

test("every point but a pen stroke's gets a handle", () => {
  assert.deepEqual(handleIndexes(angle), [0, 1, 2]);
  assert.deepEqual(handleIndexes(box), [0, 1]);
  assert.deepEqual(handleIndexes({ tool_type: "pen", points: [[0, 0], [1, 1]] }), []);
  assert.deepEqual(handleIndexes({ tool_type: "text", points: [[0.5, 0.5]], text: "x" }), [0]);
});

test("the handle under the pointer, the nearest within the radius", () => {
  assert.equal(handleAt(angle, 1000, 500, 500, 250, 10), 1); // the vertex
  assert.equal(handleAt(angle, 1000, 500, 205, 252, 10), 0);
  assert.equal(handleAt(angle, 1000, 500, 350, 250, 10), -1);
  assert.equal(handleAt(angle, 1000, 500, 520, 250, 22), 1); // a finger's radius
});

test("moving a drawing keeps every point on the picture", () => {
  assert.deepEqual(movedBy(box, 0.1, 0.2).points, [[0.2, 0.3], [0.4, 0.6]]);
  assert.deepEqual(movedBy(box, -0.5, 0).points, [[0, 0.1], [0.2, 0.4]]); // stopped at the left edge
  assert.deepEqual(movedBy(box, 0, 0.9).points, [[0.1, 0.7], [0.3, 1]]);
  assert.equal(movedBy(box, 0.1, 0).tool_type, "rectangle");
  assert.deepEqual(box.points, [[0.1, 0.1], [0.3, 0.4]], "the original is left alone");
});

test("dragging one point resizes a box or changes an angle", () => {
  assert.deepEqual(withPoint(box, 1, [0.5, 0.6]).points, [[0.1, 0.1], [0.5, 0.6]]);
  assert.deepEqual(withPoint(angle, 2, [0.8, 1.2]).points[2], [0.8, 1]);
  assert.deepEqual(withPoint(angle, 1, [0.123456789, 0.5]).points[1], [0.12346, 0.5]);
  assert.ok(drawingChanged(angle, withPoint(angle, 1, [0.4, 0.5])));
  assert.ok(!drawingChanged(angle, { ...angle }));
});

test("undo and redo walk the steps back and forth", () => {
  let history = emptyHistory();
  history = historyPush(history, { op: "create", id: "a" });
  history = historyPush(history, { op: "edit", id: "a", before: { duration: 3 }, after: { duration: 5 } });
  let { step, history: next } = historyUndo(history);
  assert.equal(step.op, "edit");
  ({ step, history: next } = historyUndo(next));
  assert.deepEqual(step, { op: "create", id: "a" });
  assert.equal(historyUndo(next).step, null);
  ({ step, history: next } = historyRedo(next));
  assert.equal(step.op, "create");
  assert.equal(next.undone.length, 1);
  next = historyPush(next, { op: "delete", id: "a" }); // a new step: nothing left to redo
  assert.equal(historyRedo(next).step, null);
  assert.deepEqual(historyDrop(next, next.done[0]).done, [{ op: "delete", id: "a" }]);
});

test("the history keeps the last steps and survives storage", () => {
  let history = emptyHistory();
  for (let i = 0; i < HISTORY_LIMIT + 5; i += 1) history = historyPush(history, { op: "create", id: String(i) });
  assert.equal(history.done.length, HISTORY_LIMIT);
  assert.equal(history.done[0].id, "5");
  assert.deepEqual(historyParse(JSON.stringify(history)), history);
  assert.deepEqual(historyParse("not json"), emptyHistory());
  assert.deepEqual(historyParse('{"done": 1}'), emptyHistory());
  assert.deepEqual(historyParse(null), emptyHistory());
  assert.equal(historyKey(7, "v"), "studio-history:7:v");
});

test("a press grabs a handle, the drawing's body, or nothing", () => {
  assert.equal(grabAt(angle, 1000, 500, 500, 250, 10), 1); // the vertex: its handle
  assert.equal(grabAt(angle, 1000, 500, 350, 252, 10), -1); // on an arm: the whole drawing
  assert.equal(grabAt(angle, 1000, 500, 900, 450, 10), null); // far off
  const pen = { tool_type: "pen", points: [[0.1, 0.1], [0.2, 0.1]] };
  assert.equal(grabAt(pen, 1000, 1000, 100, 100, 10), -1); // a stroke has no handles: moved whole
});

test("a drag moves one point or the whole drawing", () => {
  assert.deepEqual(dragged(box, 1, [0.3, 0.4], [0.5, 0.6]).points, [[0.1, 0.1], [0.5, 0.6]]);
  assert.deepEqual(dragged(box, -1, [0.2, 0.2], [0.3, 0.25]).points, [[0.2, 0.15], [0.4, 0.45]]);
  assert.deepEqual(dragged(box, -1, [0.2, 0.2], [0.2, -0.5]).points, [[0.1, 0], [0.3, 0.3]]); // stopped at the edge
});
