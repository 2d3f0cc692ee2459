// What each pane plays: its video's adaptive HLS through hls.js (lib/hls.js, as the studio plays
// it: loaded on demand as its own chunk), or a fixed MP4 rendition picked in the pane's quality
// menu, or fallen back to when hls.js fails or the browser has no Media Source Extensions. The
// lockstep (playback.js) seeks whichever source plays to the middle of the frame the sync says;
// hls.js starts loading at that place (`startPosition`), so it opens on the right fragment.
import { attachHls, loadHls, playsHlsNatively } from "../lib/hls.js";
import { el } from "../lib/page.js";
import { qualityLabel } from "../studio/labels.js";
import { $, say, SIDES, videos } from "./dom.js";
import { state } from "./state.js";

/** Each pane's source now, for the page and the tests: {kind: "hls" | "native-hls" | "mp4", quality}. */
export const sources = { left: null, right: null };
const players = { left: null, right: null }; // the hls.js instances
let Hls = null;

const videoOf = (side) => state.comparison[side].video;

/** The MP4 to fall back to: the rendition nearest 720 lines, else the first. */
export function fallbackRendition(video) {
  const sorted = [...video.renditions].sort((a, b) => Math.abs(a.height - 720) - Math.abs(b.height - 720));
  return sorted[0];
}

function metadata(media) {
  return new Promise((resolve) => media.addEventListener("loadedmetadata", () => resolve(), { once: true }));
}

/** Drop the pane's source (hls.js detaches and empties the <video>), so `loadedmetadata` is new. */
function reset(side) {
  if (players[side]) {
    players[side].destroy();
    players[side] = null;
  }
  videos[side].removeAttribute("src");
  videos[side].load();
}

/**
 * Play `choice` ("auto" or a quality) in a pane, from `startAt` seconds of its own (null: the
 * start); resolves once the pane's next source has its metadata: this one's, or, when hls.js
 * fails first, the MP4's it falls back to (`onFallback(side, quality)` sets that one).
 */
export function setSource(side, choice, startAt, onFallback) {
  const media = videos[side];
  const video = videoOf(side);
  reset(side);
  const ready = metadata(media);
  if (choice === "auto" && Hls && video.hls_url) {
    sources[side] = { kind: "hls", quality: "auto" };
    players[side] = attachHls(Hls, media, video.hls_url, {
      startPosition: startAt ?? 0,
      onFatal: (details) => fallBack(side, details, onFallback),
    });
  } else if (choice === "auto" && video.hls_url && playsHlsNatively(media)) {
    sources[side] = { kind: "native-hls", quality: "auto" };
    media.src = video.hls_url;
  } else {
    const rendition = video.renditions.find((r) => r.quality === choice) || fallbackRendition(video);
    sources[side] = { kind: "mp4", quality: rendition.quality };
    media.src = rendition.url;
  }
  $(`quality-${side}`).value = sources[side].quality;
  media.dataset.source = sources[side].kind; // for people inspecting the page
  return ready;
}

function fallBack(side, details, onFallback) {
  const rendition = fallbackRendition(videoOf(side));
  say(`Adaptive playback failed on the ${side} clip (${details}); playing the ${qualityLabel(rendition)} MP4.`, "info");
  onFallback(side, rendition.quality);
}

function fillMenu(side) {
  const video = videoOf(side);
  const options = [];
  if (video.hls_url && (Hls || playsHlsNatively(videos[side]))) options.push(el("option", { value: "auto" }, "Auto (adaptive)"));
  for (const rendition of video.renditions) options.push(el("option", { value: rendition.quality }, qualityLabel(rendition)));
  $(`quality-${side}`).replaceChildren(...options);
}

/**
 * Load hls.js if a pane can use it, fill each pane's quality menu (Auto first when adaptive
 * playback works here), and start each pane from `startAt[side]`; `choose(side, choice)` runs
 * when a person picks another quality, or a pane falls back to an MP4.
 */
export async function setupSources(startAt, choose) {
  const loaded = await Promise.all(SIDES.map((side) => loadHls(videoOf(side))));
  Hls = loaded.find(Boolean) || null;
  const started = [];
  for (const side of SIDES) {
    fillMenu(side);
    const menu = $(`quality-${side}`);
    menu.addEventListener("change", () => choose(side, menu.value));
    started.push(setSource(side, menu.options[0]?.value || "auto", startAt[side], choose));
  }
  await Promise.all(started);
}
