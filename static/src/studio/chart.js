// A small chart of what a tracked drawing measures over time (an angle's degrees, a line's
// length, a point's speed), with the current time marked and the minimum and maximum labelled.
// It charts the selected drawing if it is tracked, else the first tracked one on the picture.
import { chartModel, chartSeries, formatValue } from "./measure.js";

const PAD = { left: 6, right: 6, top: 16, bottom: 16 };

/** The annotation to chart at `time` among `annotations`, or null. */
export function chartedAnnotation(annotations, selectedId, showing) {
  const selected = selectedId && annotations.get(selectedId);
  if (selected && chartSeries(selected)) return selected;
  for (const annotation of annotations.values()) {
    if (showing(annotation) && chartSeries(annotation)) return annotation;
  }
  return null;
}

/** Draw the chart of `annotation` on `canvas` (hidden when there is nothing to chart). */
export function drawChart(canvas, caption, annotation, time) {
  if (!canvas) return;
  const series = annotation && chartSeries(annotation);
  const model = series && chartModel(series.values, time);
  canvas.parentElement.hidden = !model;
  if (!model) return;
  const ctx = canvas.getContext("2d");
  const { width, height } = canvas;
  ctx.clearRect(0, 0, width, height);
  const span = Math.max(1e-6, model.end - model.start);
  const range = Math.max(1e-6, model.max[1] - model.min[1]);
  const x = (t) => PAD.left + ((t - model.start) / span) * (width - PAD.left - PAD.right);
  const y = (v) => height - PAD.bottom - ((v - model.min[1]) / range) * (height - PAD.top - PAD.bottom);
  ctx.strokeStyle = annotation.drawing_data.color || "#FF3B30";
  ctx.lineWidth = 2;
  ctx.beginPath();
  series.values.forEach(([t, v], index) => (index ? ctx.lineTo(x(t), y(v)) : ctx.moveTo(x(t), y(v))));
  ctx.stroke();
  ctx.font = "12px system-ui, sans-serif";
  ctx.fillStyle = "#ddd";
  ctx.textBaseline = "top";
  ctx.fillText(`max ${formatValue(model.max[1], series.unit)}`, PAD.left, 1);
  ctx.textBaseline = "bottom";
  ctx.fillText(`min ${formatValue(model.min[1], series.unit)}`, PAD.left, height - 1);
  if (time >= model.start && time <= model.end) {
    ctx.strokeStyle = "#fff";
    ctx.lineWidth = 1;
    ctx.beginPath();
    ctx.moveTo(x(time), PAD.top - 4);
    ctx.lineTo(x(time), height - PAD.bottom + 4);
    ctx.stroke();
  }
  const now = model.current ? formatValue(model.current[1], series.unit) : "–";
  if (caption.textContent !== `${series.label}: ${now}`) caption.textContent = `${series.label}: ${now}`;
}
