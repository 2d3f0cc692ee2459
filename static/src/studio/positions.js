// Positions on the timeline, with no DOM (unit-tested under Node): pointer <-> time, markers,
// the loop's range, and the motion bars with their scene cuts.

/** The fraction 0..1 of the track under a pointer at clientX. */
export function fractionAt(clientX, box) {
  return Math.max(0, Math.min(1, (clientX - box.left) / box.width));
}

export function timeAtFraction(fraction, duration) {
  return fraction * (duration || 0);
}

/** The fraction of the video played at `time` (0 while the duration is unknown). */
export function fractionAtTime(time, duration) {
  return duration ? time / duration : 0;
}

/** A marker's CSS `left` for an annotation at `timestamp`. */
export function markerLeft(timestamp, duration) {
  return `${(timestamp / (duration || 1)) * 100}%`;
}

/** The loop's highlighted range as CSS `left` and `width`. */
export function loopRange(loop, duration) {
  const total = duration || 1;
  return { left: `${(loop.a / total) * 100}%`, width: `${((loop.b - loop.a) / total) * 100}%` };
}

/** One bar per motion sample, scaled to the peak, on a canvas width x height. */
export function motionBars(motion, width, height) {
  const peak = Math.max(...motion, 1e-6);
  const step = width / motion.length;
  return motion.map((value, index) => {
    const h = (value / peak) * height;
    return { x: index * step, y: height - h, width: Math.max(1, step - 1), height: h };
  });
}

/** The left edge of a scene cut's 2-px line. */
export function sceneCutX(cut, duration, width) {
  return (cut / (duration || 1)) * width - 1;
}

/**
 * Markers for `items` (sorted by timestamp) on a track `width` px wide, grouped when they would
 * overlap: a marker is `size` px wide, so two closer than that share one group. Each group has
 * its items and the fraction of the track at its first item.
 */
export function groupMarkers(items, duration, width, size) {
  const groups = [];
  for (const item of items) {
    const fraction = fractionAtTime(item.timestamp, duration);
    const last = groups[groups.length - 1];
    if (last && (fraction - last.fraction) * width < size) last.items.push(item);
    else groups.push({ fraction, items: [item] });
  }
  return groups;
}

/** Where Home, End, PageUp and PageDown take the player: a tenth of the video a page, at least 1 s. */
export function keyedTime(key, time, duration) {
  const page = Math.max(1, (duration || 0) / 10);
  const targets = { Home: 0, End: duration || 0, PageUp: time + page, PageDown: time - page };
  if (!(key in targets)) return null;
  return Math.max(0, Math.min(duration || 0, targets[key]));
}
