// A colour per author (markers, chips), stable for a name; no DOM.
export function authorColor(name) {
  let hash = 0;
  for (const ch of String(name)) hash = (hash * 31 + ch.charCodeAt(0)) >>> 0;
  return `hsl(${hash % 360} 75% 60%)`;
}
