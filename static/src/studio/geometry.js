// The geometry of a drawing, with no DOM: where its lines, arrow head, labels and shapes go on a
// picture width x height pixels. annotations/drawing.py computes the same from the same rules
// (drawing_rules.json, next to this file, read by both), and tests/annotations/test_drawing_rules.py
// checks that the two agree.
import rules from "./drawing_rules.json" with { type: "json" };

export { rules };
export const REFERENCE_HEIGHT = rules.reference_height;

/** The angle at the middle point, measured on the picture (as annotations.drawing does). */
export function angleDegrees(points, width, height) {
  const [[ax, ay], [bx, by], [cx, cy]] = points;
  const v1 = [(ax - bx) * width, (ay - by) * height];
  const v2 = [(cx - bx) * width, (cy - by) * height];
  const norm = Math.hypot(...v1) * Math.hypot(...v2);
  if (!norm) return 0;
  const cosine = Math.max(-1, Math.min(1, (v1[0] * v2[0] + v1[1] * v2[1]) / norm));
  return (Math.acos(cosine) * 180) / Math.PI;
}

function arrowHead([x0, y0], [x1, y1], strokeSetting, scale) {
  const length = Math.max(rules.arrow_head_min, rules.arrow_head_per_width * strokeSetting) * scale;
  const shaft = Math.atan2(y1 - y0, x1 - x0);
  return [-1, 1].map((side) => {
    const angle = shaft + Math.PI + (side * rules.arrow_head_degrees * Math.PI) / 180;
    return [x1 + length * Math.cos(angle), y1 + length * Math.sin(angle)];
  });
}

function corners(points) {
  const [[x0, y0], [x1, y1]] = points;
  return { x0, y0, x1, y1 };
}

/**
 * Everything needed to draw `data` on a picture `width` x `height`: sizes in pixels, the open
 * paths to stroke, and the shapes and label anchors. Absent parts are null.
 */
export function geometry(data, width, height) {
  const scale = height / rules.reference_height;
  const strokeSetting = Number(data.width) || rules.default_width;
  const points = data.points.map(([x, y]) => [x * width, y * height]);
  const result = {
    scale,
    stroke_width: Math.max(1, strokeSetting * scale),
    font_size: rules.font_size * scale,
    text_outline: rules.text_outline * scale,
    points,
    paths: [],
    arrow_head: null,
    rectangle: null,
    ellipse: null,
    angle_degrees: null,
    angle_label: null,
    text_anchor: null,
    length_px: null,
  };
  const tool = data.tool_type;
  if (LENGTH_TOOLS.has(tool) && points.length === 2) result.length_px = segmentLength(data.points, width, height);
  if (tool === "pen") {
    result.paths.push(points);
  } else if (tool === "line") {
    result.paths.push([points[0], points[1]]);
  } else if (tool === "arrow") {
    result.arrow_head = arrowHead(points[0], points[1], strokeSetting, scale);
    result.paths.push([points[0], points[1]], ...result.arrow_head.map((end) => [points[1], end]));
  } else if (tool === "rectangle") {
    const { x0, y0, x1, y1 } = corners(points);
    result.rectangle = [Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0)];
  } else if (tool === "ellipse") {
    const { x0, y0, x1, y1 } = corners(points);
    result.ellipse = { centre: [(x0 + x1) / 2, (y0 + y1) / 2], axes: [Math.abs(x1 - x0) / 2, Math.abs(y1 - y0) / 2] };
  } else if (tool === "angle") {
    angleParts(result, data, width, height);
  } else if (tool === "calibration" || tool === "distance") {
    result.paths.push([points[0], points[1]]);
    const offset = rules.angle_label_offset * scale;
    const middle = [(points[0][0] + points[1][0]) / 2, (points[0][1] + points[1][1]) / 2];
    result.text_anchor = [middle[0] + offset, middle[1] - offset - result.font_size];
  } else if (tool === "text" || tool === "timer") {
    result.text_anchor = points[0];
  }
  return result;
}

const LENGTH_TOOLS = new Set(["calibration", "distance", "line", "arrow"]);

/** Length in pixels of a picture width x height between two normalised points (aspect-correct). */
export function segmentLength(points, width, height) {
  const [[ax, ay], [bx, by]] = points;
  return Math.hypot((bx - ax) * width, (by - ay) * height);
}

// An angle being drawn has two points (one arm) until the second click.
function angleParts(result, data, width, height) {
  const points = result.points;
  if (points.length >= 2) result.paths.push([points[1], points[0]]);
  if (points.length !== 3) return;
  result.paths.push([points[1], points[2]]);
  result.angle_degrees = angleDegrees(data.points, width, height);
  const offset = rules.angle_label_offset * result.scale;
  result.angle_label = [points[1][0] + offset, points[1][1] - offset - result.font_size];
}

function toSegment([ax, ay], [bx, by], x, y) {
  const dx = bx - ax;
  const dy = by - ay;
  const length = dx * dx + dy * dy;
  const t = length ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / length)) : 0;
  return Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
}

/** Distance in pixels from (x, y) to the drawing, for picking it with a click or a tap. */
export function distanceTo(data, width, height, x, y) {
  const points = data.points.map(([px, py]) => [px * width, py * height]);
  switch (data.tool_type) {
    case "rectangle": {
      const [[x0, y0], [x1, y1]] = points;
      const box = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
      return Math.min(...box.map((corner, i) => toSegment(corner, box[(i + 1) % 4], x, y)));
    }
    case "ellipse": {
      const [[x0, y0], [x1, y1]] = points;
      const rx = Math.abs(x1 - x0) / 2 || 1;
      const ry = Math.abs(y1 - y0) / 2 || 1;
      const nx = (x - (x0 + x1) / 2) / rx;
      const ny = (y - (y0 + y1) / 2) / ry;
      return Math.abs(Math.hypot(nx, ny) - 1) * Math.min(rx, ry);
    }
    case "text":
    case "timer":
    case "track":
      return Math.hypot(x - points[0][0], y - points[0][1]) - 20;
    case "angle":
      return Math.min(toSegment(points[1], points[0], x, y), toSegment(points[1], points[2], x, y));
    default: {
      let best = Infinity;
      for (let i = 1; i < points.length; i += 1) best = Math.min(best, toSegment(points[i - 1], points[i], x, y));
      return best;
    }
  }
}

/**
 * Where the picture sits inside the <video> box (letterboxed, aspect kept), relative to the stage:
 * the canvas is laid exactly over it.
 */
export function fitPicture(videoBox, stageBox, videoWidth, videoHeight) {
  const scale = Math.min(videoBox.width / videoWidth, videoBox.height / videoHeight);
  const width = videoWidth * scale;
  const height = videoHeight * scale;
  const x = videoBox.left - stageBox.left + (videoBox.width - width) / 2;
  const y = videoBox.top - stageBox.top + (videoBox.height - height) / 2;
  return { x, y, width, height };
}

/** A pointer position as [x, y] in 0..1 of the canvas box, to 5 decimals (as drawings store it). */
export function normalisedPoint(clientX, clientY, box) {
  const x = Math.max(0, Math.min(1, (clientX - box.left) / box.width));
  const y = Math.max(0, Math.min(1, (clientY - box.top) / box.height));
  return [Number(x.toFixed(5)), Number(y.toFixed(5))];
}
