// Measuring and tracked drawings on the studio canvas: lengths labelled in metres or centimetres,
// timers counting, tracked points with their fading trajectory, and tracked angles and lines
// drawn where their points are now. Other drawings are render.js's; canvas.js asks here first.
import { geometry } from "./geometry.js";
import { isTracked, latestCalibration, lengthLabel, metresPerPixel, pointsAt, timerLabel, timerShowing, trajectory } from "./measure.js";
import { drawDrawing } from "./render.js";

const MEASURING = new Set(["calibration", "distance", "timer", "track"]);

/** Whether this module draws the drawing (measuring tools and tracked shapes). */
export function drawsHere(data) {
  return Boolean(data) && (MEASURING.has(data.tool_type) || isTracked(data));
}

/** Whether it is on the picture at `time`: a timer stays, frozen, a while after its end. */
export function measureShowing(annotation, time, fps, showing) {
  if (annotation.drawing_data?.tool_type === "timer") return annotation.type === "drawing" && timerShowing(annotation, time, fps);
  return showing;
}

function label(ctx, text, [x, y], shape, color) {
  ctx.font = `bold ${shape.font_size}px system-ui, "DejaVu Sans", Arial, sans-serif`;
  ctx.textBaseline = "top";
  ctx.lineJoin = "round";
  ctx.lineWidth = shape.text_outline;
  ctx.strokeStyle = "#000";
  ctx.strokeText(text, x, y);
  ctx.fillStyle = color;
  ctx.fillText(text, x, y);
}

function ring(ctx, [x, y], radius, color, lineWidth) {
  ctx.beginPath();
  ctx.arc(x, y, radius, 0, Math.PI * 2);
  ctx.strokeStyle = "#000";
  ctx.lineWidth = lineWidth + 2;
  ctx.stroke();
  ctx.strokeStyle = color;
  ctx.lineWidth = lineWidth;
  ctx.stroke();
}

function drawTrajectory(ctx, annotation, width, height, time) {
  const data = annotation.drawing_data;
  const shape = geometry(data, width, height);
  const color = data.color || "#FF3B30";
  const positions = annotation.tracking?.positions;
  if (!positions?.length) {
    // Not tracked yet: the point where it starts, dashed while the worker follows it.
    ctx.setLineDash([4, 4]);
    ring(ctx, shape.points[0], Math.max(4, 8 * shape.scale), color, shape.stroke_width);
    ctx.setLineDash([]);
    return;
  }
  const { segments, current } = trajectory(positions, time);
  ctx.lineCap = "round";
  ctx.lineWidth = shape.stroke_width;
  ctx.strokeStyle = color;
  for (const { from, to, alpha } of segments) {
    ctx.globalAlpha = alpha;
    ctx.beginPath();
    ctx.moveTo(from[0] * width, from[1] * height);
    ctx.lineTo(to[0] * width, to[1] * height);
    ctx.stroke();
  }
  ctx.globalAlpha = 1;
  if (current) ring(ctx, [current[0] * width, current[1] * height], Math.max(4, 8 * shape.scale), color, shape.stroke_width);
}

/**
 * Draw a measuring or tracked drawing as it is at `time`. `annotations` are all of the video's
 * (the latest calibration among them applies); `video` has the source's width and height.
 */
export function drawMeasure(ctx, annotation, { width, height, time, video, annotations, highlight = false }) {
  const data = annotation.drawing_data;
  const tool = data.tool_type;
  const color = data.color || "#FF3B30";
  if (tool === "track") {
    drawTrajectory(ctx, annotation, width, height, time);
    return;
  }
  if (isTracked(data)) {
    const now = pointsAt(annotation.tracking?.positions, time);
    drawDrawing(ctx, now ? { ...data, points: now } : data, width, height, { highlight });
    return;
  }
  drawDrawing(ctx, data, width, height, { highlight });
  const shape = geometry(data, width, height);
  if (tool === "timer") {
    label(ctx, timerLabel(annotation, time), shape.text_anchor, shape, color);
  } else if (tool === "calibration" || tool === "distance") {
    const scale = metresPerPixel(latestCalibration(annotations), video?.width, video?.height);
    label(ctx, lengthLabel(data, video || { width, height }, scale), shape.text_anchor, shape, color);
  }
}

// --- Correcting a tracked point: drag it where it really is, at the frame on screen ------------

let correction = null; // { annotation, index, point, time } while a tracked point is dragged

/** The index of the tracked point of `annotation` within `reach` px of (x, y) at `time`, or -1. */
export function trackedPointAt(annotation, time, width, height, x, y, reach) {
  const now = pointsAt(annotation.tracking?.positions, time);
  if (!now) return -1;
  let best = -1;
  let bestDistance = reach;
  now.forEach(([px, py], index) => {
    const distance = Math.hypot(px * width - x, py * height - y);
    if (distance <= bestDistance) [best, bestDistance] = [index, distance];
  });
  return best;
}

/** Start dragging a point of my selected tracked drawing after its first frame; false if not. */
export function correctionStart(annotation, { time, width, height, x, y, reach, point }) {
  if (!annotation || !isTracked(annotation.drawing_data) || time <= annotation.timestamp + 1e-3) return false;
  const index = trackedPointAt(annotation, time, width, height, x, y, reach);
  if (index < 0) return false;
  correction = { annotation, index, point, time };
  return true;
}

export function correctionMove(point) {
  if (!correction) return false;
  correction.point = point;
  return true;
}

/** The drag ends: where the point is, as a tracking correction (it is tracked again from here). */
export function correctionEnd() {
  if (!correction) return null;
  const { annotation, index, point, time } = correction;
  correction = null;
  return { id: annotation.id, tracking_correction: { t: time, point: index, x: point[0], y: point[1] } };
}

/** The point being dragged, drawn over the tracked drawing until the correction is saved. */
export function drawCorrection(ctx, width, height) {
  if (!correction) return;
  const [x, y] = correction.point;
  ring(ctx, [x * width, y * height], 8, "#FFFFFF", 2);
}
