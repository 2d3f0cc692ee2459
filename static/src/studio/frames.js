// Time and frame math for the player, with no DOM (unit-tested under Node).
import { formatDuration } from "../lib/format.js";

/**
 * The frame shown at `time` (the number on the clock): frames start at k / fps, counted at the
 * source's rate (video.fps) whichever rendition plays. The same rule as frame_rule in
 * annotations/services.py; the epsilon absorbs floating-point error (123 / 30 * 30 < 123).
 * Browsers keep media time in whole microseconds, so a player parked on frame 1 of a 29.97 fps
 * clip (1001 / 30000 s = 33366.67 us) reports 0.033366 s: one microsecond of slack first.
 */
export const MEDIA_CLOCK_TICK = 1e-6;

export function frameAt(time, fps) {
  return Math.max(0, Math.floor((time + MEDIA_CLOCK_TICK) * fps + 1e-6));
}

/** A frame's own start time, unrounded: what a drawing made on that frame is saved at. */
export function frameTime(frame, fps) {
  return frame / fps;
}

/** The middle of a frame: where seeking to it lands safely inside it whatever the rounding. */
export function frameMiddle(frame, fps) {
  return (frame + 0.5) / fps;
}

/** The start time of the frame on screen at `time` (frameAt then frameTime). */
export function frameStart(time, fps) {
  return frameTime(frameAt(time, fps), fps);
}

/**
 * Where one frame forward (+1) or back (-1) lands: the middle of the target frame, so rounding
 * never lands on its neighbour; never before 0 nor after the end.
 */
export function frameStepTime(time, fps, direction, duration) {
  const frame = Math.round(time * fps - 0.5);
  const target = Math.max(0, frame + direction);
  return Math.min(duration, (target + 0.5) / fps);
}

/** "m:ss.mmm / m:ss": the time to the millisecond, then the duration. */
export function clockText(time, duration) {
  const ms = String(Math.floor((time % 1) * 1000)).padStart(3, "0");
  return `${formatDuration(time) || "0:00"}.${ms} / ${formatDuration(duration)}`;
}

/** The timeline's spoken value: the time, the duration and the frame on screen. */
export function timelineValueText(time, duration, fps) {
  const [now, total] = clockText(time, duration).split(" / ");
  return `${now} of ${total}, frame ${frameAt(time, fps)}`;
}

/** The next speed in `values` from `current` (-1 slower, +1 faster), stopping at the ends. */
export function nextSpeed(values, current, direction) {
  const index = values.indexOf(current);
  return values[Math.max(0, Math.min(values.length - 1, index + direction))];
}

/** A loop with one end moved to `time` (`which` is "a" or "b"), its ends swapped if crossed. */
export function loopWith(loop, which, time) {
  const next = { ...loop, [which]: time };
  if (next.a !== null && next.b !== null && next.b <= next.a) return { a: next.b, b: next.a };
  return next;
}

/** Whether playback at `time` has reached the loop's end (and must jump back to its start). */
export function loopEnded(loop, time) {
  return loop.a !== null && loop.b !== null && time >= loop.b;
}

/** Whether an annotation is on screen at `time`: from its timestamp for its duration. */
export function isShowing(annotation, time) {
  return annotation.timestamp <= time && time < annotation.timestamp + annotation.duration;
}

/**
 * Whether a drawing is on the picture at `time` (voice-overs never are): from the frame it was
 * drawn on (compared as frame numbers, so the player's time anywhere inside that frame shows it)
 * for its duration.
 */
export function drawingShowing(annotation, time, fps) {
  if (annotation.type !== "drawing") return false;
  return frameAt(time, fps) >= frameAt(annotation.timestamp, fps) && time < annotation.timestamp + annotation.duration;
}
