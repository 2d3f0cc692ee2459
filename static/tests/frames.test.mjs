// Time and frame math of the player (static/src/studio/frames.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { clockText, drawingShowing, frameAt, frameMiddle, frameStart, frameStepTime, frameTime, isShowing, timelineValueText, loopEnded, loopWith, nextSpeed } from "../src/studio/frames.js";

test("a frame step lands in the middle of the next or previous frame", () => {
  assert.equal(frameStepTime(1.0, 25, 1, 10), 26.5 / 25);
  assert.equal(frameStepTime(1.0, 25, -1, 10), 24.5 / 25);
  // from the middle of frame 26, one more step forward is the middle of frame 27
  assert.equal(frameStepTime(26.5 / 25, 25, 1, 10), 27.5 / 25);
  assert.equal(frameStepTime(0, 30, 1, 10), 1.5 / 30);
});

test("a frame step lands on a frame the clock then shows", () => {
  for (const fps of [25, 29.97, 30, 60]) {
    let time = 0;
    for (let expected = 1; expected <= 200; expected += 1) {
      time = frameStepTime(time, fps, 1, 100);
      assert.equal(frameAt(time, fps), expected, `fps ${fps}, step ${expected}`);
    }
    for (let expected = 199; expected >= 0; expected -= 1) {
      time = frameStepTime(time, fps, -1, 100);
      assert.equal(frameAt(time, fps), expected, `fps ${fps}, back to ${expected}`);
    }
  }
});

test("a frame step stops at the start and at the end", () => {
  assert.equal(frameStepTime(0, 25, -1, 10), 0.5 / 25);
  assert.equal(frameStepTime(0.01, 25, -1, 10), 0.5 / 25);
  assert.equal(frameStepTime(9.99, 25, 1, 10), 10);
});

test("the frame number at a time", () => {
  assert.equal(frameAt(0, 25), 0);
  assert.equal(frameAt(1, 25), 25);
  assert.equal(frameAt(0.999, 25), 24);
  assert.equal(frameAt(1, 29.97), 29);
  assert.equal(frameAt(1001 / 30000, 29.97), 1);
  // the browser's media clock keeps whole microseconds: frame k's start, truncated, is still k
  for (const fps of [29.97, 59.94, 23.976, 30, 60, 120]) {
    for (let frame = 0; frame < 2000; frame += 1) {
      const truncated = Math.floor((frame / fps) * 1e6) / 1e6;
      assert.equal(frameAt(truncated, fps), frame, `fps ${fps}, frame ${frame}`);
    }
  }
  assert.equal(frameAt(10, 29.97), 299);
  assert.equal(frameAt(123 / 30, 30), 123); // 123 / 30 * 30 is a hair under 123 in floating point
  assert.equal(frameAt(0.5, 60), 30);
  assert.equal(frameAt(1 / 60 - 0.001, 60), 0);
  // every frame's own start time shows that frame
  for (const fps of [25, 29.97, 30, 60]) {
    for (let frame = 0; frame < 5000; frame += 1) assert.equal(frameAt(frame / fps, fps), frame, `fps ${fps}`);
  }
});

test("the clock shows the time to the millisecond and the duration", () => {
  assert.equal(clockText(0, 0), "0:00.000 / 0:00");
  assert.equal(clockText(65.25, 125), "1:05.250 / 2:05");
  assert.equal(clockText(3725.5, 3725.5), "1:02:05.500 / 1:02:05");
  assert.equal(clockText(9.0419, 60), "0:09.041 / 1:00");
});

test("speed steps stop at the slowest and fastest", () => {
  const speeds = [0.1, 0.25, 0.5, 1, 2];
  assert.equal(nextSpeed(speeds, 1, 1), 2);
  assert.equal(nextSpeed(speeds, 2, 1), 2);
  assert.equal(nextSpeed(speeds, 0.25, -1), 0.1);
  assert.equal(nextSpeed(speeds, 0.1, -1), 0.1);
});

test("a loop keeps its ends in order and ends at b", () => {
  assert.deepEqual(loopWith({ a: null, b: null }, "a", 2), { a: 2, b: null });
  assert.deepEqual(loopWith({ a: 2, b: null }, "b", 5), { a: 2, b: 5 });
  assert.deepEqual(loopWith({ a: 2, b: null }, "b", 1), { a: 1, b: 2 });
  assert.deepEqual(loopWith({ a: 2, b: 5 }, "a", 6), { a: 5, b: 6 });
  assert.equal(loopEnded({ a: 2, b: 5 }, 4.99), false);
  assert.equal(loopEnded({ a: 2, b: 5 }, 5), true);
  assert.equal(loopEnded({ a: 2, b: null }, 9), false);
});

test("an annotation shows from its timestamp for its duration", () => {
  const annotation = { timestamp: 1, duration: 3 };
  assert.equal(isShowing(annotation, 0.999), false);
  assert.equal(isShowing(annotation, 1), true);
  assert.equal(isShowing(annotation, 3.999), true);
  assert.equal(isShowing(annotation, 4), false);
});

const RATES = [25, 29.97, 30, 60, 120];

test("a drawing is saved at its frame's own start time, unrounded", () => {
  // the bug: 2.116666 at 30 fps was sent as 2.1167, after the frame's start
  assert.equal(frameStart(2.116666, 30), 2.1);
  for (const fps of RATES) {
    for (const frame of [0, 1, 63, 299, 1799, 7001]) {
      for (const inside of [0, 0.25, 0.5, 0.99]) {
        const time = frameTime(frame, fps) + inside / fps;
        assert.equal(frameStart(time, fps), frame / fps, `fps ${fps}, frame ${frame} + ${inside}`);
        assert.equal(frameAt(frameStart(time, fps), fps), frame);
      }
    }
  }
});

test("a drawing shows on the frame it was drawn on, wherever in that frame the player is", () => {
  for (const fps of RATES) {
    for (const frame of [0, 1, 63, 299, 1799]) {
      const drawing = { type: "drawing", timestamp: frameTime(frame, fps), duration: 1 };
      for (const inside of [0, 0.01, 0.5, 0.99]) {
        assert.ok(drawingShowing(drawing, (frame + inside) / fps, fps), `fps ${fps}, frame ${frame} + ${inside}`);
      }
      assert.ok(drawingShowing(drawing, frameMiddle(frame, fps), fps));
      if (frame > 0) assert.ok(!drawingShowing(drawing, frameMiddle(frame - 1, fps), fps), `fps ${fps}, frame before ${frame}`);
      assert.ok(!drawingShowing(drawing, frameTime(frame, fps) + 1, fps), "gone after its duration");
    }
  }
  // a hair before the start time in floating point is still the same frame
  assert.ok(drawingShowing({ type: "drawing", timestamp: 123 / 30, duration: 1 }, 4.1 - 1e-9, 30));
  assert.ok(!drawingShowing({ type: "voice_over", timestamp: 0, duration: 1 }, 0.5, 30));
});

test("the middle of a frame is inside that frame", () => {
  for (const fps of RATES) {
    for (let frame = 0; frame < 3000; frame += 1) assert.equal(frameAt(frameMiddle(frame, fps), fps), frame);
  }
});

test("the timeline says the time and the frame", () => {
  assert.equal(timelineValueText(1.04, 4, 25), "0:01.040 of 0:04, frame 26");
  assert.equal(timelineValueText(0, 0, 30), "0:00.000 of 0:00, frame 0");
});
