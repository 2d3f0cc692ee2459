// The Export panel: start an MP4 of the comparison, list its exports with progress and links.
import { api, el } from "../lib/page.js";
import { $, page, say } from "./dom.js";

const exportsById = new Map();
const base = () => `comparisons/${page.comparison_id}/exports`;

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

export function exportProgress(id, progress) {
  const job = exportsById.get(id);
  if (job) {
    exportsById.set(id, { ...job, state: "running", progress });
    showExports();
  }
}

export async function refreshExport(id) {
  try {
    exportsById.set(id, await api(`${base()}/${id}`));
    showExports();
  } catch {
    /* deleted with the comparison */
  }
}

async function startExport(event) {
  event.preventDefault();
  try {
    const job = await api(base(), {
      method: "POST",
      json: { quality: $("export-quality").value, audio: $("export-audio").value, include_drawings: $("export-drawings").checked },
    });
    exportsById.set(job.id, job);
    showExports();
  } catch (error) {
    say(`The export could not start: ${error.message}`);
  }
}

export async function setupExports() {
  $("export-form").addEventListener("submit", startExport);
  try {
    for (const job of await api(base())) exportsById.set(job.id, job);
  } catch {
    /* listed again on the next event */
  }
  showExports();
}
