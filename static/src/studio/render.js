// How a drawing looks: the same rules as the MP4 export (annotations/drawing.py,
// processing/export.py). Sizes are pixels on a picture REFERENCE_HEIGHT high, scaled.
export const REFERENCE_HEIGHT = 1080;
const ARROW_HEAD_MIN = 12;
const ARROW_HEAD_PER_WIDTH = 4;
const ARROW_HEAD_DEGREES = 28;
const FONT_SIZE = 28;
const TEXT_OUTLINE = 4;
const ANGLE_LABEL_OFFSET = 14;

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

function label(ctx, text, x, y, scale, color) {
  ctx.font = `bold ${FONT_SIZE * scale}px system-ui, "DejaVu Sans", Arial, sans-serif`;
  ctx.textBaseline = "top";
  ctx.lineJoin = "round";
  ctx.lineWidth = TEXT_OUTLINE * scale;
  ctx.strokeStyle = "#000";
  ctx.strokeText(text, x, y);
  ctx.fillStyle = color;
  ctx.fillText(text, x, y);
}

/**
 * Draw one drawing on a 2D context whose picture is `width` x `height` pixels.
 * `highlight` draws a halo first (the selected annotation).
 */
export function drawDrawing(ctx, data, width, height, { highlight = false } = {}) {
  const scale = height / REFERENCE_HEIGHT;
  const color = data.color || "#FF3B30";
  const strokeWidth = Math.max(1, (Number(data.width) || 3) * scale);
  const points = data.points.map(([x, y]) => [x * width, y * height]);
  const paths = [];
  const segment = (a, b) => paths.push([a, b]);
  switch (data.tool_type) {
    case "pen":
      paths.push(points);
      break;
    case "line":
      segment(points[0], points[1]);
      break;
    case "arrow": {
      const [[x0, y0], [x1, y1]] = points;
      segment([x0, y0], [x1, y1]);
      const head = Math.max(ARROW_HEAD_MIN, ARROW_HEAD_PER_WIDTH * (Number(data.width) || 3)) * scale;
      const shaft = Math.atan2(y1 - y0, x1 - x0);
      for (const side of [-1, 1]) {
        const angle = shaft + Math.PI + (side * ARROW_HEAD_DEGREES * Math.PI) / 180;
        segment([x1, y1], [x1 + head * Math.cos(angle), y1 + head * Math.sin(angle)]);
      }
      break;
    }
    case "angle":
      if (points.length >= 2) segment(points[1], points[0]);
      if (points.length === 3) segment(points[1], points[2]);
      break;
    default:
      break;
  }
  const strokeAll = (style, lineWidth) => {
    ctx.strokeStyle = style;
    ctx.lineWidth = lineWidth;
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    for (const path of paths) {
      ctx.beginPath();
      path.forEach(([x, y], index) => (index ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
      ctx.stroke();
    }
    if (data.tool_type === "rectangle") {
      const [[x0, y0], [x1, y1]] = points;
      ctx.strokeRect(Math.min(x0, x1), Math.min(y0, y1), Math.abs(x1 - x0), Math.abs(y1 - y0));
    } else if (data.tool_type === "ellipse") {
      const [[x0, y0], [x1, y1]] = points;
      ctx.beginPath();
      ctx.ellipse((x0 + x1) / 2, (y0 + y1) / 2, Math.abs(x1 - x0) / 2, Math.abs(y1 - y0) / 2, 0, 0, Math.PI * 2);
      ctx.stroke();
    }
  };
  if (highlight) strokeAll("rgba(255, 255, 255, 0.55)", strokeWidth + 8 * Math.max(scale, 0.5));
  strokeAll(color, strokeWidth);
  if (data.tool_type === "angle" && points.length === 3) {
    const degrees = angleDegrees(data.points, width, height);
    const offset = ANGLE_LABEL_OFFSET * scale;
    label(ctx, `${degrees.toFixed(1)}°`, points[1][0] + offset, points[1][1] - offset - FONT_SIZE * scale, scale, color);
  } else if (data.tool_type === "text" && data.text) {
    label(ctx, data.text, points[0][0], points[0][1], scale, color);
  }
}

/** Distance in pixels from (x, y) to the drawing, for picking it with a click or a tap. */
export function distanceTo(data, width, height, x, y) {
  const points = data.points.map(([px, py]) => [px * width, py * height]);
  const toSegment = ([ax, ay], [bx, by]) => {
    const dx = bx - ax;
    const dy = by - ay;
    const length = dx * dx + dy * dy;
    const t = length ? Math.max(0, Math.min(1, ((x - ax) * dx + (y - ay) * dy) / length)) : 0;
    return Math.hypot(x - (ax + t * dx), y - (ay + t * dy));
  };
  switch (data.tool_type) {
    case "rectangle": {
      const [[x0, y0], [x1, y1]] = points;
      const corners = [[x0, y0], [x1, y0], [x1, y1], [x0, y1]];
      return Math.min(...corners.map((corner, i) => toSegment(corner, corners[(i + 1) % 4])));
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
      return Math.hypot(x - points[0][0], y - points[0][1]) - 20;
    case "angle":
      return Math.min(toSegment(points[1], points[0]), toSegment(points[1], points[2]));
    default: {
      let best = Infinity;
      for (let i = 1; i < points.length; i += 1) best = Math.min(best, toSegment(points[i - 1], points[i]));
      return best;
    }
  }
}
