// Positions on the timeline (static/src/studio/positions.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { fractionAt, fractionAtTime, groupMarkers, keyedTime, loopRange, markerLeft, motionBars, sceneCutX, timeAtFraction } from "../src/studio/positions.js";

const track = { left: 100, width: 400 };

test("a pointer on the track is a fraction, clamped to the track", () => {
  assert.equal(fractionAt(100, track), 0);
  assert.equal(fractionAt(200, track), 0.25);
  assert.equal(fractionAt(500, track), 1);
  assert.equal(fractionAt(50, track), 0);
  assert.equal(fractionAt(900, track), 1);
});

test("fraction and time convert both ways", () => {
  assert.equal(timeAtFraction(0.25, 40), 10);
  assert.equal(timeAtFraction(0.25, null), 0);
  assert.equal(fractionAtTime(10, 40), 0.25);
  assert.equal(fractionAtTime(10, 0), 0);
  for (const time of [0, 1.5, 12.34, 39.96, 40]) {
    assert.ok(Math.abs(timeAtFraction(fractionAtTime(time, 40), 40) - time) < 1e-12);
  }
});

test("markers and the loop's range in percent", () => {
  assert.equal(markerLeft(5, 20), "25%");
  assert.equal(markerLeft(0, 20), "0%");
  assert.equal(markerLeft(2, 0), "200%"); // an unknown duration counts as one second
  assert.deepEqual(loopRange({ a: 2, b: 5 }, 10), { left: "20%", width: "30%" });
});

test("motion bars scale to the peak and scene cuts sit on their time", () => {
  assert.deepEqual(motionBars([1, 2, 4], 30, 28), [
    { x: 0, y: 21, width: 9, height: 7 },
    { x: 10, y: 14, width: 9, height: 14 },
    { x: 20, y: 0, width: 9, height: 28 },
  ]);
  assert.deepEqual(motionBars([0, 0], 1, 28), [
    { x: 0, y: 28, width: 1, height: 0 },
    { x: 0.5, y: 28, width: 1, height: 0 },
  ]);
  assert.equal(sceneCutX(5, 10, 200), 99);
});

test("markers closer than a marker's width share a group, with all their items", () => {
  const at = (timestamp, id) => ({ id, timestamp });
  const items = [at(0, "a"), at(0.05, "b"), at(0.1, "c"), at(5, "d"), at(9.9, "e"), at(10, "f")];
  const groups = groupMarkers(items, 10, 400, 24); // 24 px is 0.6 s on this track
  assert.deepEqual(
    groups.map((group) => group.items.map((item) => item.id)),
    [["a", "b", "c"], ["d"], ["e", "f"]],
  );
  assert.deepEqual(groups.map((group) => group.fraction), [0, 0.5, 0.99]);
  assert.equal(groupMarkers(items, 10, 8000, 24).length, 6, "a wide track: one marker each");
  assert.deepEqual(groupMarkers([], 10, 400, 24), []);
});

test("Home, End and the page keys move along the timeline, within it", () => {
  assert.equal(keyedTime("Home", 12, 40), 0);
  assert.equal(keyedTime("End", 12, 40), 40);
  assert.equal(keyedTime("PageUp", 12, 40), 16);
  assert.equal(keyedTime("PageDown", 12, 40), 8);
  assert.equal(keyedTime("PageDown", 0.5, 4), 0); // at least 1 s a page, never before 0
  assert.equal(keyedTime("PageUp", 3.5, 4), 4);
  assert.equal(keyedTime("x", 3.5, 4), null);
});
