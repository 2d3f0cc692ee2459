// The sync math of a comparison, with no DOM (unit-tested under Node): the same rules as
// videos/sync.py, which the MP4 export follows.
//
// `left.sync` seconds into the left video is the same moment as `right.sync` into the right one.
// On the shared timeline (from the earlier start) the sync point is at max(left.sync, right.sync);
// each side starts at its offset (sync point - its sync) and shows its own time `t - offset`,
// black before its start and after its end. "One frame" on the shared timeline is one frame of
// the faster clip (capped at 60 fps): a step moves both sides by that much time, each showing its
// own frame (frameAt, the studio's rule), so 60 fps beside 30 fps steps 1:1 in time, not frames.
import { frameAt } from "../studio/frames.js";

export const MAX_FPS = 60;
export const DEFAULT_FPS = 30;

export function sharedFps(leftFps, rightFps) {
  const rates = [leftFps, rightFps].filter((rate) => rate && rate > 0);
  return rates.length ? Math.min(MAX_FPS, Math.max(...rates)) : DEFAULT_FPS;
}

/** The shared timeline of two panes ({sync, duration, fps} each). */
export function timeline(left, right) {
  const syncAt = Math.max(left.sync, right.sync);
  const offsets = { left: syncAt - left.sync, right: syncAt - right.sync };
  const duration = Math.max(offsets.left + left.duration, offsets.right + right.duration);
  return { syncAt, offsets, duration, fps: sharedFps(left.fps, right.fps) };
}

/** A side's own time at a shared time, or null while it has not started or has ended. */
export function sideTime(sharedTime, offset, duration) {
  const own = sharedTime - offset;
  if (own < -1e-6 || own >= duration) return null;
  return Math.max(0, own);
}

/** The side's frame on screen at a shared time (null: black). */
export function sideFrame(sharedTime, offset, duration, fps) {
  const own = sideTime(sharedTime, offset, duration);
  return own === null ? null : frameAt(own, fps);
}

/**
 * Where to seek a side's <video> to show the frame the shared time says: the middle of that
 * frame, so the browser's rounding never lands on a neighbour.
 */
export function seekTime(sharedTime, offset, duration, fps) {
  const frame = sideFrame(sharedTime, offset, duration, fps);
  return frame === null ? null : Math.min(duration, (frame + 0.5) / fps);
}

/**
 * One shared frame forward (+1) or back (-1): to the start of the next shared frame (frame n of
 * the shared rate starts at n / fps), within the timeline. Starts, not middles: a side's frame
 * starting exactly there shows from that step on.
 */
export function stepShared(time, fps, direction, duration) {
  const frame = Math.max(0, frameAt(time, fps) + direction);
  const lastFrame = Math.max(0, Math.ceil(duration * fps - 1e-6) - 1);
  return Math.min(lastFrame, frame) / fps;
}

/** A sync point moved by `delta` seconds, kept within the video (rounded to the microsecond). */
export function nudgedSync(sync, delta, duration) {
  return Math.round(Math.min(duration, Math.max(0, sync + delta)) * 1e6) / 1e6;
}
