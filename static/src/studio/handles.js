// Editing a drawing's shape, with no DOM (unit-tested under Node): which points get handles,
// which handle is under the pointer, and the drawing moved whole or by one point. Points stay in
// 0..1 of the picture, to 5 decimals (as drawings are stored). The studio and the comparison
// page's panes drag drawings with the same two steps: grabAt, then dragged.
import { distanceTo } from "./geometry.js";

const round5 = (value) => Number(value.toFixed(5));
const clamp01 = (value) => Math.max(0, Math.min(1, value));

/** The indexes of the points a person can drag one by one (a pen stroke moves only whole). */
export function handleIndexes(data) {
  if (data.tool_type === "pen") return [];
  return data.points.map((_, index) => index);
}

/** The handle under (x, y) in pixels of a picture width x height, within `radius`; else -1. */
export function handleAt(data, width, height, x, y, radius) {
  let best = -1;
  let bestDistance = radius;
  for (const index of handleIndexes(data)) {
    const [px, py] = data.points[index];
    const distance = Math.hypot(px * width - x, py * height - y);
    if (distance <= bestDistance) {
      best = index;
      bestDistance = distance;
    }
  }
  return best;
}

/** The drawing moved by (dx, dy) in 0..1 units, stopped at the picture's edges as a whole. */
export function movedBy(data, dx, dy) {
  const xs = data.points.map(([x]) => x);
  const ys = data.points.map(([, y]) => y);
  const moveX = Math.max(-Math.min(...xs), Math.min(1 - Math.max(...xs), dx));
  const moveY = Math.max(-Math.min(...ys), Math.min(1 - Math.max(...ys), dy));
  return { ...data, points: data.points.map(([x, y]) => [round5(x + moveX), round5(y + moveY)]) };
}

/** The drawing with point `index` at `point` (a corner of a box resizes it, an angle's vertex
 * or an arm's end changes the angle). */
export function withPoint(data, index, [x, y]) {
  const points = data.points.map((point, i) => (i === index ? [round5(clamp01(x)), round5(clamp01(y))] : point));
  return { ...data, points };
}

/** Whether two drawings' data differ (what an edit would PATCH). */
export function drawingChanged(before, after) {
  return JSON.stringify(before) !== JSON.stringify(after);
}

/**
 * What a press at (x, y) px on a picture width x height grabs of a drawing: a handle's index, -1
 * for the drawing as a whole, or null when it misses both (within `radius` px).
 */
export function grabAt(data, width, height, x, y, radius) {
  const index = handleAt(data, width, height, x, y, radius);
  if (index >= 0) return index;
  return distanceTo(data, width, height, x, y) <= radius ? -1 : null;
}

/** The drawing as a drag from `from` to `point` (0..1) leaves it: one point moved, or all. */
export function dragged(data, index, from, point) {
  return index >= 0 ? withPoint(data, index, point) : movedBy(data, point[0] - from[0], point[1] - from[1]);
}
