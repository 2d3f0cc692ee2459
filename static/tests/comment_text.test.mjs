// Comments as data (static/src/studio/comment_text.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { commentThreads, formatMoment, textParts } from "../src/studio/comment_text.js";

const at = (id, timestamp, created, parent_id = null) => ({ id, timestamp, created_at: `2026-01-01T00:00:0${created}Z`, parent_id });

test("threads are in time order, whole-video first, replies under their thread", () => {
  const comments = [at("late", 5, 1), at("r2", 5, 4, "late"), at("whole", null, 3), at("early", 1, 2), at("r1", 5, 3, "late")];
  const threads = commentThreads(comments);
  assert.deepEqual(
    threads.map(({ thread }) => thread.id),
    ["whole", "early", "late"],
  );
  assert.deepEqual(
    threads[2].replies.map((reply) => reply.id),
    ["r1", "r2"],
  );
});

test("only recognised mentions stand out; the rest stays text", () => {
  const parts = textParts("@ath look, @stranger too. mail a@ath.com, cc @coach_o.", [
    { id: 1, username: "ath" },
    { id: 2, username: "coach_o" },
  ]);
  assert.deepEqual(parts, [
    { text: "@ath", mention: true },
    { text: " look, @stranger too. mail a@ath.com, cc ", mention: false },
    { text: "@coach_o", mention: true },
    { text: ".", mention: false },
  ]);
  assert.deepEqual(textParts("<b>plain</b>", []), [{ text: "<b>plain</b>", mention: false }]);
});

test("moments read as minutes, seconds and tenths", () => {
  assert.equal(formatMoment(0), "0:00.0");
  assert.equal(formatMoment(4.5), "0:04.5");
  assert.equal(formatMoment(62.49), "1:02.4");
  assert.equal(formatMoment(null), "");
});
