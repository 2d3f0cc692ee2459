// One video in the library grid: poster, title, duration, owner, sharing, status.
import { el, formatDuration } from "../lib/page.js";
import { statusBlock } from "./status.js";

export function videoCard(video, me) {
  const mine = video.owner && video.owner.id === me.id;
  const poster = video.poster_url
    ? el("img", { src: video.poster_url, alt: "", loading: "lazy", decoding: "async", "data-testid": "poster" })
    : el("div", { class: "video-card__placeholder", "aria-hidden": "true" }, placeholderText(video));
  const duration = video.duration ? el("span", { class: "video-card__duration" }, formatDuration(video.duration)) : null;
  const meta = el("p", { class: "video-card__meta" });
  if (!mine) meta.append(el("span", {}, `by ${video.owner.username}`));
  if (!mine && !me.is_staff) meta.append(el("span", { class: "tag tag--shared", "data-testid": "shared" }, "Shared with me"));
  const card = el(
    "li",
    { class: "video-card", dataset: { videoId: video.id, status: video.status }, "data-testid": "video-card" },
    el(
      "a",
      { class: "video-card__link", href: `/videos/${video.id}` },
      el("div", { class: "video-card__thumb" }, poster, duration),
      el("h2", { class: "video-card__title" }, video.title || video.original_filename || "Untitled"),
      // Said by screen readers after the visible text (a name that holds what is seen).
      el("span", { class: "visually-hidden" }, `, ${cardSummary(video)}`),
    ),
    meta.childNodes.length ? meta : null,
    statusBlock(video),
    video.moderation === "hidden"
      ? el("p", { class: "video-card__hidden", "data-testid": "hidden" }, `Hidden by staff: ${video.moderation_reason}`)
      : null,
    // Two clips side by side, in sync: this one on the left, the other picked on the next page.
    video.status === "ready" && video.moderation !== "hidden"
      ? el("a", { class: "video-card__compare", href: `/compare/new?left=${video.id}`, "data-testid": "compare-with" }, "Compare with…")
      : null,
  );
  return card;
}

function placeholderText(video) {
  if (video.status === "failed") return "!";
  if (video.status === "rejected") return "×";
  if (video.status === "ready") return "▶";
  return "…";
}

function cardSummary(video) {
  const parts = [];
  if (video.duration) parts.push(formatDuration(video.duration));
  parts.push(video.status === "processing" ? `processing ${video.progress || 0} %` : video.status);
  return parts.join(", ");
}
