// The Export panel: start an MP4 export at a quality, and list the exports with their progress and
// download links (kept up to date by the real-time events, see live.js).
import { api, el } from "../lib/page.js";
import { $, page, say } from "./dom.js";
import { qualityLabel } from "./labels.js";
import { state } from "./state.js";

const exportsById = new Map();

function exportItem(job) {
  const who = job.requested_by ? job.requested_by.username : "someone";
  const words =
    job.state === "succeeded"
      ? el("a", { href: job.url, download: "" }, `Download ${job.quality.toUpperCase()} MP4`)
      : job.state === "failed"
        ? `failed: ${job.error ? job.error.message : "unknown error"}`
        : `${job.state === "queued" ? "waiting" : "rendering"} ${job.progress || 0} %`;
  return el("li", { "data-export-id": job.id, "data-state": job.state }, el("span", { class: "chip" }, who), " ", words);
}

function showExports() {
  const items = [...exportsById.values()].sort((a, b) => (a.created_at < b.created_at ? 1 : -1)).map(exportItem);
  $("export-list").replaceChildren(...(items.length ? items : [el("li", { class: "muted" }, "No exports yet.")]));
}

/** An export of this page moved on: show its progress (exports started elsewhere are not listed). */
export function exportProgress(id, progress) {
  const job = exportsById.get(id);
  if (job) {
    exportsById.set(id, { ...job, state: "running", progress });
    showExports();
  }
}

export async function refreshExport(id) {
  try {
    exportsById.set(id, await api(`videos/${page.video_id}/exports/${id}`));
    showExports();
  } catch {
    /* it was deleted with the video */
  }
}

async function startExport(event) {
  event.preventDefault();
  try {
    const job = await api(`videos/${page.video_id}/exports`, {
      method: "POST",
      json: { quality: $("export-quality").value, include_drawings: $("export-drawings").checked, include_voice_overs: $("export-voices").checked },
    });
    exportsById.set(job.id, job);
    showExports();
  } catch (error) {
    say(`The export could not start: ${error.message}`);
  }
}

export async function setupExports() {
  const select = $("export-quality");
  if (!select) return; // no exports of a video staff hid
  select.replaceChildren(...state.video.renditions.map((r) => el("option", { value: r.quality }, qualityLabel(r))));
  $("export-form").addEventListener("submit", startExport);
  try {
    for (const job of await api(`videos/${page.video_id}/exports`)) exportsById.set(job.id, job);
  } catch {
    /* listed again on the next event */
  }
  showExports();
}
