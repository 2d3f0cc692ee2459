// How a drawing looks on a 2D canvas: the geometry (geometry.js, the same rules as the MP4 export in
// processing/export.py) stroked in the drawing's colour, with outlined labels.
import { angleDegrees, distanceTo, geometry, REFERENCE_HEIGHT } from "./geometry.js";

export { angleDegrees, distanceTo, REFERENCE_HEIGHT };

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

function strokeAll(ctx, shape, style, lineWidth) {
  ctx.strokeStyle = style;
  ctx.lineWidth = lineWidth;
  ctx.lineCap = "round";
  ctx.lineJoin = "round";
  for (const path of shape.paths) {
    ctx.beginPath();
    path.forEach(([x, y], index) => (index ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.stroke();
  }
  if (shape.rectangle) {
    ctx.strokeRect(...shape.rectangle);
  } else if (shape.ellipse) {
    const { centre, axes } = shape.ellipse;
    ctx.beginPath();
    ctx.ellipse(centre[0], centre[1], axes[0], axes[1], 0, 0, Math.PI * 2);
    ctx.stroke();
  }
}

/**
 * Draw one drawing on a 2D context whose picture is `width` x `height` pixels.
 * `highlight` draws a halo first (the selected annotation).
 */
export function drawDrawing(ctx, data, width, height, { highlight = false } = {}) {
  const shape = geometry(data, width, height);
  const color = data.color || "#FF3B30";
  if (highlight) strokeAll(ctx, shape, "rgba(255, 255, 255, 0.55)", shape.stroke_width + 8 * Math.max(shape.scale, 0.5));
  strokeAll(ctx, shape, color, shape.stroke_width);
  if (shape.angle_label) {
    label(ctx, `${shape.angle_degrees.toFixed(1)}°`, shape.angle_label, shape, color);
  } else if (data.tool_type === "text" && data.text) {
    label(ctx, data.text, shape.text_anchor, shape, color);
  }
}

/** The handles of the selected drawing: a square per point that can be dragged (handles.js). */
export function drawHandles(ctx, data, width, height, indexes) {
  ctx.lineWidth = 2;
  for (const index of indexes) {
    const [x, y] = data.points[index];
    ctx.fillStyle = "#fff";
    ctx.strokeStyle = "#111";
    ctx.fillRect(x * width - 6, y * height - 6, 12, 12);
    ctx.strokeRect(x * width - 6, y * height - 6, 12, 12);
  }
}
