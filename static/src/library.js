// The library: my videos and those shared with me, with live processing progress.
import { api, el, formatDuration, pageData, videoSocket } from "./lib/page.js";

const page = pageData();
const list = document.getElementById("library");
const message = document.getElementById("library-message");
const form = document.getElementById("filters");
const prev = document.getElementById("prev-page");
const next = document.getElementById("next-page");
const sockets = new Map(); // video id -> real-time channel, for videos not ready yet
let current = "/api/v1/videos";

const STATUS_TEXT = {
  uploading: "Uploading",
  uploaded: "Waiting",
  scanning: "Scanning",
  processing: "Processing",
  ready: "Ready",
  failed: "Failed",
  rejected: "Rejected",
};

function badgeText(video) {
  if (video.status === "processing") return `Processing ${video.progress || 0} %`;
  return STATUS_TEXT[video.status] || video.status;
}

function card(video) {
  const mine = video.owner.id === page.user.id;
  const poster = video.poster_url
    ? el("img", { src: video.poster_url, alt: "", loading: "lazy", class: "poster" })
    : el("div", { class: "poster placeholder", "aria-hidden": "true" }, "▶");
  const badge = el("span", { class: `badge status-${video.status}`, "data-testid": "status" }, badgeText(video));
  const bits = [
    el("a", { class: "card-link", href: `/videos/${video.id}` },
      el("div", { class: "thumb" }, poster, video.duration ? el("span", { class: "duration" }, formatDuration(video.duration)) : null),
      el("h2", { class: "card-title" }, video.title)),
    el("p", { class: "meta" }, badge,
      mine ? null : el("span", { class: "shared" }, `shared by ${video.owner.username}`)),
  ];
  if (video.moderation === "hidden") {
    bits.push(el("p", { class: "hidden-note" }, `Hidden by staff: ${video.moderation_reason}`));
  }
  if ((video.status === "failed" || video.status === "rejected") && video.message) {
    bits.push(el("p", { class: "error" }, video.message));
  }
  return el("li", { class: "card", "data-video-id": video.id }, ...bits);
}

function follow(video) {
  if (["ready", "failed", "rejected"].includes(video.status) || sockets.has(video.id)) return;
  const channel = videoSocket(video.id, async (event) => {
    const item = list.querySelector(`[data-video-id="${video.id}"]`);
    if (!item) return;
    if (event.type === "video.progress") {
      item.querySelector("[data-testid=status]").textContent = `Processing ${event.payload.progress} %`;
    } else if (event.type === "video.ready" || event.type === "video.failed") {
      const fresh = await api(`videos/${video.id}`);
      item.replaceWith(card(fresh));
      channel.close();
      sockets.delete(video.id);
    }
  });
  sockets.set(video.id, channel);
}

async function load(url) {
  current = url;
  message.textContent = "Loading…";
  try {
    const data = await api(url);
    for (const channel of sockets.values()) channel.close();
    sockets.clear();
    list.replaceChildren(...data.results.map(card));
    data.results.forEach(follow);
    prev.hidden = !data.previous;
    next.hidden = !data.next;
    prev.onclick = () => load(data.previous);
    next.onclick = () => load(data.next);
    if (data.results.length) {
      message.textContent = `${data.count} video${data.count === 1 ? "" : "s"}`;
    } else if (form.q.value || form.status.value || form.shared.checked) {
      message.textContent = "No video matches these filters.";
    } else {
      message.replaceChildren("No videos yet. ", page.can_upload ? el("a", { href: "/upload" }, "Upload your first one.") : "Videos shared with you will appear here.");
    }
  } catch (error) {
    message.textContent = `The library could not be loaded: ${error.message}`;
  }
}

function query() {
  const params = new URLSearchParams();
  if (form.q.value.trim()) params.set("q", form.q.value.trim());
  if (form.status.value) params.set("status", form.status.value);
  if (form.shared.checked) params.set("shared", "true");
  const text = params.toString();
  history.replaceState(null, "", text ? `?${text}` : location.pathname);
  return `/api/v1/videos${text ? `?${text}` : ""}`;
}

let typing = null;
form.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => load(query()), 250);
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  load(query());
});

const initial = new URLSearchParams(location.search);
form.q.value = initial.get("q") || "";
form.status.value = initial.get("status") || "";
form.shared.checked = initial.get("shared") === "true";
load(query());
