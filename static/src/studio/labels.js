// Words for things on the page, with no DOM (unit-tested under Node).

/** "1080p", "720p", "360p": a rendition named by its short side, so a portrait clip is no "HD 1920p". */
export function qualityLabel(rendition) {
  const sides = [rendition.width, rendition.height].filter(Boolean);
  return sides.length ? `${Math.min(...sides)}p` : rendition.quality.toUpperCase();
}
