// Drawing geometry (static/src/studio/geometry.js) and how render.js strokes it on a canvas.
import assert from "node:assert/strict";
import { test } from "node:test";

import { angleDegrees, distanceTo, fitPicture, geometry, normalisedPoint, rules } from "../src/studio/geometry.js";
import { drawDrawing } from "../src/studio/render.js";

const close = (actual, expected, message) => assert.ok(Math.abs(actual - expected) < 1e-9, `${message}: ${actual} != ${expected}`);
const closePoint = (actual, expected, message) => expected.forEach((value, i) => close(actual[i], value, message));

test("the rules come from drawing_rules.json", () => {
  assert.equal(rules.reference_height, 1080);
  assert.equal(rules.arrow_head_degrees, 28);
  assert.deepEqual(rules.point_counts.angle, [3, 3]);
});

test("sizes scale with the picture's height, never below one pixel", () => {
  const line = { tool_type: "line", points: [[0, 0], [1, 1]], width: 6 };
  assert.equal(geometry(line, 1920, 1080).stroke_width, 6);
  assert.equal(geometry(line, 1280, 720).stroke_width, 4);
  assert.equal(geometry(line, 1280, 720).font_size, 28 * (720 / 1080));
  assert.equal(geometry({ ...line, width: undefined }, 1920, 1080).stroke_width, 3);
  assert.equal(geometry(line, 192, 108).stroke_width, 1);
});

test("an arrow's head: two strokes back from the tip at 28 degrees either side", () => {
  const arrow = { tool_type: "arrow", points: [[0.1, 0.5], [0.5, 0.5]], width: 3 };
  const shape = geometry(arrow, 1920, 1080);
  const back = 12 * Math.cos((28 * Math.PI) / 180);
  const side = 12 * Math.sin((28 * Math.PI) / 180);
  closePoint(shape.arrow_head[0], [960 - back, 540 + side], "left of the tip");
  closePoint(shape.arrow_head[1], [960 - back, 540 - side], "right of the tip");
  assert.equal(shape.paths.length, 3);
  // a wide stroke gets a longer head: 4 px per unit of width past 3
  const wide = geometry({ ...arrow, width: 10 }, 1920, 1080);
  closePoint(wide.arrow_head[0], [960 - 40 * Math.cos((28 * Math.PI) / 180), 540 + 40 * Math.sin((28 * Math.PI) / 180)], "wide");
});

test("an angle is measured on the picture and labelled above right of its vertex", () => {
  const angle = { tool_type: "angle", points: [[0.5, 0.2], [0.5, 0.5], [0.8, 0.5]] };
  const shape = geometry(angle, 1920, 1080);
  assert.equal(shape.angle_degrees, 90);
  assert.deepEqual(shape.angle_label, [974, 498]);
  const small = geometry(angle, 960, 540);
  assert.deepEqual(small.angle_label, [480 + 7, 270 - 7 - 14]);
  // 45 degrees on a 16:9 picture is not 45 degrees in normalised coordinates
  close(angleDegrees([[1, 0.5], [0.5, 0.5], [0.75, 0.5 - 0.25 * (16 / 9)]], 1920, 1080), 45, "45 on the picture");
  assert.equal(angleDegrees([[0.5, 0.5], [0.5, 0.5], [0.7, 0.5]], 1920, 1080), 0);
  const draft = geometry({ tool_type: "angle", points: [[0.5, 0.2], [0.5, 0.5]] }, 1920, 1080);
  assert.equal(draft.paths.length, 1);
  assert.equal(draft.angle_label, null);
});

test("rectangles, ellipses and text anchors", () => {
  const rectangle = geometry({ tool_type: "rectangle", points: [[0.5, 0.5], [0.25, 0.25]] }, 1000, 800);
  assert.deepEqual(rectangle.rectangle, [250, 200, 250, 200]);
  const ellipse = geometry({ tool_type: "ellipse", points: [[0.25, 0.25], [0.75, 0.5]] }, 1000, 800);
  assert.deepEqual(ellipse.ellipse, { centre: [500, 300], axes: [250, 100] });
  const text = geometry({ tool_type: "text", points: [[0.1, 0.2]], text: "Hips" }, 1000, 800);
  assert.deepEqual(text.text_anchor, [100, 160]);
});

test("the canvas sits on the letterboxed picture, and pointers are normalised", () => {
  const picture = fitPicture({ left: 10, top: 20, width: 1000, height: 500 }, { left: 0, top: 0 }, 1920, 1080);
  close(picture.width, 888.8888888888889, "width");
  assert.equal(picture.height, 500);
  close(picture.x, 10 + (1000 - 888.8888888888889) / 2, "x");
  assert.equal(picture.y, 20);
  const box = { left: 100, top: 50, width: 300, height: 200 };
  assert.deepEqual(normalisedPoint(200, 100, box), [0.33333, 0.25]);
  assert.deepEqual(normalisedPoint(0, 900, box), [0, 1]);
});

test("picking: the distance from a click to a drawing", () => {
  assert.equal(distanceTo({ tool_type: "line", points: [[0, 0.5], [1, 0.5]] }, 100, 100, 30, 50), 0);
  assert.equal(distanceTo({ tool_type: "line", points: [[0, 0.5], [1, 0.5]] }, 100, 100, 30, 58), 8);
  assert.equal(distanceTo({ tool_type: "rectangle", points: [[0.2, 0.2], [0.8, 0.8]] }, 100, 100, 50, 25), 5);
  assert.equal(distanceTo({ tool_type: "ellipse", points: [[0.2, 0.4], [0.8, 0.6]] }, 100, 100, 80, 50), 0);
  assert.equal(distanceTo({ tool_type: "text", points: [[0.5, 0.5]] }, 100, 100, 80, 90), 30);
});

function recordingContext() {
  const calls = [];
  const ctx = new Proxy(
    { calls },
    {
      get: (target, name) => (name in target ? target[name] : (...args) => calls.push([name, ...args])),
      set: (target, name, value) => calls.push([`${String(name)}=`, value]),
    },
  );
  return { ctx, calls };
}

test("render strokes the geometry in the drawing's colour, with a halo when selected", () => {
  const { ctx, calls } = recordingContext();
  drawDrawing(ctx, { tool_type: "arrow", points: [[0.1, 0.5], [0.5, 0.5]], color: "#00FF00", width: 3 }, 1920, 1080);
  assert.equal(calls.filter(([name]) => name === "stroke").length, 3);
  assert.deepEqual(calls.filter(([name]) => name === "strokeStyle=" || name === "lineWidth="), [["strokeStyle=", "#00FF00"], ["lineWidth=", 3]]);
  assert.deepEqual(calls.find(([name]) => name === "moveTo"), ["moveTo", 192, 540]);

  const selected = recordingContext();
  drawDrawing(selected.ctx, { tool_type: "rectangle", points: [[0.25, 0.25], [0.5, 0.5]] }, 1920, 1080, { highlight: true });
  assert.deepEqual(selected.calls.filter(([name]) => name === "strokeRect"), [
    ["strokeRect", 480, 270, 480, 270],
    ["strokeRect", 480, 270, 480, 270],
  ]);
  assert.deepEqual(selected.calls.filter(([name]) => name === "lineWidth="), [["lineWidth=", 11], ["lineWidth=", 3]]);
});

test("render labels an angle with its degrees and text at its anchor, outlined", () => {
  const { ctx, calls } = recordingContext();
  drawDrawing(ctx, { tool_type: "angle", points: [[0.5, 0.2], [0.5, 0.5], [0.8, 0.5]], color: "#FF3B30" }, 1920, 1080);
  assert.deepEqual(calls.filter(([name]) => name === "strokeText" || name === "fillText"), [
    ["strokeText", "90.0°", 974, 498],
    ["fillText", "90.0°", 974, 498],
  ]);
  assert.ok(calls.some(([name, value]) => name === "font=" && value.startsWith("bold 28px ")));

  const text = recordingContext();
  drawDrawing(text.ctx, { tool_type: "text", points: [[0.1, 0.2]], text: "Hips", color: "#FFFFFF" }, 960, 540);
  assert.deepEqual(text.calls.filter(([name]) => name === "fillText"), [["fillText", "Hips", 96, 108]]);
  assert.ok(text.calls.some(([name, value]) => name === "font=" && value.startsWith("bold 14px ")));
  assert.ok(text.calls.some(([name, value]) => name === "lineWidth=" && value === 2));
});
