// Measuring on the picture, with no DOM (unit-tested under Node): lengths in metres or
// centimetres against the video's latest calibration, timers, tracked points and the values of
// tracked shapes over time. The server answers the same numbers (annotations/measure.py); the
// rules (which tools, trail and hold times) are drawing_rules.json, shared with it.
import { frameAt } from "./frames.js";
import { rules, segmentLength } from "./geometry.js";

const MEASURE = rules.measure;

/** "2.20 m", or "45.0 cm" under a metre. */
export function formatLength(metres) {
  if (metres < MEASURE.centimetres_below_m) return `${(metres * 100).toFixed(1)} cm`;
  return `${metres.toFixed(2)} m`;
}

/** Metres per source pixel from a calibration drawing on a width x height source picture. */
export function metresPerPixel(calibration, width, height) {
  if (!calibration || !width || !height) return null;
  const pixels = segmentLength(calibration.points, width, height);
  return pixels > 0 ? calibration.length_m / pixels : null;
}

/** The calibration that applies: the most recently made one among the annotations. */
export function latestCalibration(annotations) {
  let latest = null;
  for (const annotation of annotations) {
    if (annotation.drawing_data?.tool_type !== "calibration" || String(annotation.id).startsWith("pending-")) continue;
    if (!latest || annotation.created_at > latest.created_at) latest = annotation;
  }
  return latest ? latest.drawing_data : null;
}

/** A calibration's or a distance's label: its real length, or pixels when not calibrated. */
export function lengthLabel(data, video, scale) {
  if (data.tool_type === "calibration") return `${formatLength(data.length_m)} (calibration)`;
  const pixels = segmentLength(data.points, video.width, video.height);
  return scale ? formatLength(pixels * scale) : `${pixels.toFixed(0)} px (not calibrated)`;
}

/** Seconds a timer shows at `time`: counting inside it, frozen at its end after it. */
export function timerElapsed(annotation, time) {
  return Math.min(annotation.duration, Math.max(0, time - annotation.timestamp));
}

/** "0.43 s", with the split just passed: "0.43 s (split 2: 0.30 s)". */
export function timerLabel(annotation, time) {
  const elapsed = timerElapsed(annotation, time);
  const splits = (annotation.drawing_data.splits || []).filter((split) => split <= elapsed + 1e-9);
  const text = `${elapsed.toFixed(2)} s`;
  return splits.length ? `${text} (split ${splits.length}: ${splits[splits.length - 1].toFixed(2)} s)` : text;
}

/** Whether a timer is on the picture: from its first frame to its end plus the hold time. */
export function timerShowing(annotation, time, fps) {
  const end = annotation.timestamp + annotation.duration + MEASURE.timer_hold_seconds;
  return frameAt(time, fps) >= frameAt(annotation.timestamp, fps) && time < end;
}

/** The points of one tracked frame: [t, x, y] (a track) or [t, [[x, y], ...]]. */
export function entryPoints(entry) {
  return Array.isArray(entry[1]) ? entry[1] : [[entry[1], entry[2]]];
}

/** The tracked points at `time`: the last tracked frame at or before it; null before the first
 * and after the last when tracking stopped short (a lost point is drawn no further). */
export function pointsAt(positions, time) {
  if (!positions?.length) return null;
  let low = 0;
  let high = positions.length - 1;
  if (positions[0][0] > time + 1e-6) return null;
  while (low < high) {
    const middle = Math.ceil((low + high) / 2);
    if (positions[middle][0] <= time + 1e-6) low = middle;
    else high = middle - 1;
  }
  const step = positions.length > 1 ? positions[1][0] - positions[0][0] : 1;
  if (low === positions.length - 1 && time - positions[low][0] > 1.5 * step) return null;
  return entryPoints(positions[low]);
}

/** The path a tracked point took over the last `trail` seconds up to `time`, each segment with
 * an opacity fading with its age, and the current point. */
export function trajectory(positions, time, trail = MEASURE.trail_seconds) {
  const recent = (positions || []).filter(([t]) => t <= time + 1e-6 && t >= time - trail);
  const segments = [];
  for (let i = 1; i < recent.length; i += 1) {
    const age = time - recent[i - 1][0];
    segments.push({ from: entryPoints(recent[i - 1])[0], to: entryPoints(recent[i])[0], alpha: Math.max(0.15, 1 - age / trail) });
  }
  const current = pointsAt(positions, time);
  return { segments, current: current ? current[0] : null };
}

/** What a small chart of [[t, value], ...] shows at `time`: the extremes and the current value. */
export function chartModel(values, time) {
  if (!values?.length) return null;
  let min = values[0];
  let max = values[0];
  let current = null;
  for (const entry of values) {
    if (entry[1] < min[1]) min = entry;
    if (entry[1] > max[1]) max = entry;
    if (entry[0] <= time + 1e-6) current = entry;
  }
  return { start: values[0][0], end: values[values.length - 1][0], min, max, current };
}

/** "12.3°", "1.25 m", "340 px", "2.4 m/s": a value in its unit. */
export function formatValue(value, unit) {
  if (unit === "degrees") return `${value.toFixed(1)}°`;
  if (unit === "m") return formatLength(value);
  if (unit === "px") return `${value.toFixed(0)} px`;
  if (unit === "m/s") return `${value.toFixed(2)} m/s`;
  if (unit === "px/s") return `${value.toFixed(0)} px/s`;
  return String(value);
}

/** The series a tracked drawing charts: its tracked values, or a track's speed. */
export function chartSeries(annotation) {
  const tracking = annotation.tracking;
  if (!tracking) return null;
  if (annotation.drawing_data?.tool_type === "track") {
    return annotation.speed?.length ? { values: annotation.speed, unit: annotation.speed_unit, label: "Speed" } : null;
  }
  const label = annotation.drawing_data?.tool_type === "angle" ? "Angle" : "Length";
  return tracking.values?.length ? { values: tracking.values, unit: tracking.unit, label } : null;
}

/** Whether a drawing follows the picture (the track tool, or track: true). */
export function isTracked(data) {
  return data?.tool_type === "track" || Boolean(data?.track);
}

/** "0.12, 0.3" -> [0.12, 0.3]: a timer's splits as typed (the server checks them). */
export function parseSplits(text) {
  return String(text || "")
    .split(/[,;\s]+/)
    .filter(Boolean)
    .map(Number)
    .filter((value) => Number.isFinite(value));
}
