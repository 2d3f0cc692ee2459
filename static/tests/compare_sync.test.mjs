// The comparison's sync math (static/src/compare/sync.js), against the same cases as
// tests/compare/test_sync.py for videos/sync.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { nudgedSync, seekTime, sharedFps, sideFrame, sideTime, stepShared, timeline } from "../src/compare/sync.js";

test("the later sync point sets the shared timeline", () => {
  const shared = timeline({ sync: 1.0, duration: 3.0, fps: 30 }, { sync: 0.5, duration: 2.0, fps: 24 });
  assert.deepEqual(shared, { syncAt: 1.0, offsets: { left: 0, right: 0.5 }, duration: 3.0, fps: 30 });
});

test("the sync moments show together", () => {
  const shared = timeline({ sync: 1.0, duration: 3.0, fps: 30 }, { sync: 0.5, duration: 2.0, fps: 24 });
  assert.equal(sideFrame(shared.syncAt, shared.offsets.left, 3.0, 30), 30);
  assert.equal(sideFrame(shared.syncAt, shared.offsets.right, 2.0, 24), 12);
  assert.equal(sideTime(shared.syncAt, shared.offsets.right, 2.0), 0.5);
});

test("black before a side starts and after it ends", () => {
  assert.equal(sideFrame(0.49, 0.5, 2.0, 24), null);
  assert.equal(sideFrame(0.5, 0.5, 2.0, 24), 0);
  assert.equal(sideFrame(2.49, 0.5, 2.0, 24), 47);
  assert.equal(sideFrame(2.5, 0.5, 2.0, 24), null);
  assert.equal(seekTime(2.5, 0.5, 2.0, 24), null);
});

test("the frames the export shows: every shared frame of the counter clips", () => {
  // as tests/compare/test_export.py: right (24 fps) from 0.5 s, left (30 fps) from 0
  const right = [];
  for (let n = 0; n < 90; n += 1) right.push(sideFrame(n / 30, 0.5, 2.0, 24));
  assert.equal(right.slice(0, 15).every((frame) => frame === null), true);
  assert.deepEqual(right.slice(15, 22), [0, 0, 1, 2, 3, 4, 4]);
  assert.equal(right[74], 47);
  assert.equal(right[75], null);
});

test("one shared frame is one frame of the faster clip", () => {
  const fps = sharedFps(30, 60);
  let time = 0;
  const seen = [];
  for (let step = 0; step < 5; step += 1) {
    seen.push([sideFrame(time, 0, 10, 60), sideFrame(time, 0, 10, 30)]);
    time = stepShared(time, fps, 1, 10);
  }
  assert.deepEqual(seen, [[0, 0], [1, 0], [2, 1], [3, 1], [4, 2]]);
  assert.equal(stepShared(0, 60, -1, 10), 0);
  assert.equal(stepShared(9.99, 60, 1, 10), 599 / 60); // never past the last frame
  // a seek lands in the middle of the side's frame
  assert.equal(seekTime(2 / 60, 0, 10, 30), 1.5 / 30);
});

test("rates are capped at 60 and default to 30", () => {
  assert.equal(sharedFps(120, 30), 60);
  assert.equal(sharedFps(null, 25), 25);
  assert.equal(sharedFps(null, null), 30);
});

test("a nudge stays within the video", () => {
  assert.equal(nudgedSync(1.0, 1 / 30, 3.0), 1.033333);
  assert.equal(nudgedSync(0.05, -0.1, 3.0), 0);
  assert.equal(nudgedSync(2.95, 0.1, 3.0), 3.0);
});
