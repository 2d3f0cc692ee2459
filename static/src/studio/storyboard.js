// The storyboard: a WebVTT file whose cues name a tile of a sprite image (file#xywh=x,y,w,h),
// parsed with no DOM (unit-tested under Node).

function seconds(stamp) {
  return stamp.split(":").reduce((total, part) => total * 60 + Number(part), 0);
}

/**
 * The cues of a storyboard as {start, end, url, x, y, w, h}. Sprite files are relative to the VTT's
 * own address, which may itself be a path ("/media/..."): it is resolved against `origin` (the
 * page's location.origin) first.
 */
export function parseStoryboard(text, vttUrl, origin) {
  const base = new URL(vttUrl, origin);
  const cues = [];
  for (const cue of text.split(/\n\n+/)) {
    const match = cue.match(/([\d:.]+)\s+-->\s+([\d:.]+)\s*\n(\S+)#xywh=(\d+),(\d+),(\d+),(\d+)/);
    if (match) {
      const [, start, end, file, x, y, w, h] = match;
      cues.push({ start: seconds(start), end: seconds(end), url: new URL(file, base).href, x: +x, y: +y, w: +w, h: +h });
    }
  }
  return cues;
}

/** The tile to preview at `time`, or undefined. */
export function tileAt(cues, time) {
  return cues.find((cue) => cue.start <= time && time < cue.end);
}
