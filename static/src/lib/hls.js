// Adaptive playback shared by the studio and the comparison page: hls.js, loaded on demand (its
// own bundle chunk, fetched only by a page that plays HLS through Media Source Extensions), and
// one way to attach it to a <video>.

let loading = null;

/** hls.js when this browser can use it for `video` (an HLS URL and MSE), else null. */
export async function loadHls(video) {
  if (!video?.hls_url || !window.MediaSource) return null;
  loading ??= import("hls.js")
    .then((module) => module.default)
    .catch((error) => {
      console.warn("hls.js did not load; playing MP4 renditions", error);
      return null;
    });
  const Hls = await loading;
  return Hls && Hls.isSupported() ? Hls : null;
}

/**
 * Play `url` in `media` through hls.js from `startPosition` seconds. `onFatal(details)` runs once
 * when hls.js gives up (the caller falls back to an MP4). Returns the instance (destroy() it
 * before another source).
 */
export function attachHls(Hls, media, url, { startPosition = -1, onFatal = () => {} } = {}) {
  const hls = new Hls({ enableWorker: true, startPosition });
  let failed = false;
  hls.on(Hls.Events.ERROR, (_event, data) => {
    if (!data.fatal || failed) return;
    failed = true;
    onFatal(data.details);
  });
  hls.loadSource(url);
  hls.attachMedia(media);
  return hls;
}

/** Whether the browser plays HLS itself (Safari), without hls.js. */
export function playsHlsNatively(media) {
  return Boolean(media.canPlayType("application/vnd.apple.mpegurl"));
}
