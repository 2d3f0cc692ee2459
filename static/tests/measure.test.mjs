// Measuring (static/src/studio/measure.js): the same numbers as annotations/measure.py.
import assert from "node:assert/strict";
import { test } from "node:test";

import { parseSplits, chartModel, formatLength, formatValue, lengthLabel, metresPerPixel, pointsAt, timerElapsed, timerLabel, trajectory } from "../src/studio/measure.js";

const VIDEO = { width: 1280, height: 720 };
const ACROSS_100 = [[0.1, 0.5], [0.1 + 100 / 1280, 0.5]];

test("a 100 px segment calibrated as 1 m gives a hundredth of a metre per pixel", () => {
  const scale = metresPerPixel({ points: ACROSS_100, length_m: 1 }, VIDEO.width, VIDEO.height);
  assert.ok(Math.abs(scale - 0.01) < 1e-12);
  const down250 = { tool_type: "distance", points: [[0.5, 0.1], [0.5, 0.1 + 250 / 720]] };
  assert.equal(lengthLabel(down250, VIDEO, scale), "2.50 m"); // aspect-correct
  assert.equal(lengthLabel({ tool_type: "distance", points: [[0.5, 0.1], [0.5, 0.1 + 40 / 720]] }, VIDEO, scale), "40.0 cm");
  assert.equal(lengthLabel(down250, VIDEO, null), "250 px (not calibrated)");
});

test("lengths are metres, centimetres under a metre", () => {
  assert.equal(formatLength(2.2), "2.20 m");
  assert.equal(formatLength(0.456), "45.6 cm");
  assert.equal(formatValue(92.345, "degrees"), "92.3°");
  assert.equal(formatValue(2.345, "m/s"), "2.35 m/s");
});

test("a timer counts inside its window and is frozen after", () => {
  const timer = { timestamp: 1, duration: 0.5, drawing_data: { tool_type: "timer", splits: [0.2] } };
  assert.equal(timerElapsed(timer, 0.5), 0);
  assert.equal(timerElapsed(timer, 1.25), 0.25);
  assert.equal(timerElapsed(timer, 3), 0.5);
  assert.equal(timerLabel(timer, 1.1), "0.10 s");
  assert.equal(timerLabel(timer, 1.3), "0.30 s (split 1: 0.20 s)");
});

test("a trajectory fades behind the current point and stops where the point was lost", () => {
  const positions = Array.from({ length: 31 }, (_, i) => [i / 30, 0.1 + i / 100, 0.5]);
  const { segments, current } = trajectory(positions, 0.5, 1);
  assert.deepEqual(current, [0.1 + 15 / 100, 0.5]);
  assert.equal(segments.length, 15);
  assert.ok(segments[0].alpha < segments[14].alpha);
  assert.equal(pointsAt(positions, -0.1), null);
  assert.deepEqual(pointsAt(positions, 1.0), [[0.4, 0.5]]);
  assert.equal(pointsAt(positions, 2.0), null); // tracking ended (lost) at 1 s
});

test("a chart model has the extremes and the value now", () => {
  const model = chartModel([[0, 90], [0.5, 60], [1, 120]], 0.6);
  assert.deepEqual(model.min, [0.5, 60]);
  assert.deepEqual(model.max, [1, 120]);
  assert.deepEqual(model.current, [0.5, 60]);
});

test("splits are typed as numbers separated by commas or spaces", () => {
  assert.deepEqual(parseSplits("0.12, 0.3"), [0.12, 0.3]);
  assert.deepEqual(parseSplits(" 1 2;x "), [1, 2]);
  assert.deepEqual(parseSplits(""), []);
});
