// A video's state in words, as the library cards and the upload page show it.
import { el } from "../lib/page.js";

/** Statuses after which nothing changes by itself (no live updates needed). */
export const SETTLED = new Set(["ready", "failed", "rejected"]);

export function statusText(video) {
  switch (video.status) {
    case "uploading":
      return "Uploading";
    case "uploaded":
      return "Uploaded, waiting to be processed";
    case "scanning":
      return "Scanning for malware";
    case "processing":
      return `Processing ${video.progress || 0} %`;
    case "ready":
      return "Ready";
    case "failed":
      return "Failed";
    case "rejected":
      return "Rejected";
    default:
      return video.status;
  }
}

/** The badge, a thin progress bar while processing, and the problem in words when it failed. */
export function statusBlock(video) {
  const block = el(
    "div",
    { class: "status", dataset: { status: video.status } },
    el("span", { class: `badge badge--${video.status}`, "data-testid": "status" }, statusText(video)),
  );
  if (!SETTLED.has(video.status)) {
    const percent = video.status === "processing" ? video.progress || 0 : 0;
    const bar = el("div", {
      class: "status__bar",
      role: "progressbar",
      "aria-label": "Processing",
      "aria-valuemin": 0,
      "aria-valuemax": 100,
      "aria-valuenow": percent,
    });
    const fill = el("div", { class: "status__fill" });
    fill.style.width = `${percent}%`;
    bar.append(fill);
    block.append(bar);
  }
  if ((video.status === "failed" || video.status === "rejected") && video.message) {
    block.append(el("p", { class: "status__problem", "data-testid": "problem" }, video.message));
  }
  return block;
}
