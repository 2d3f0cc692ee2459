// The library: my videos and those shared with me, with search, a status filter, pages, and
// live status for the videos still being processed.
import { api, el, pageData } from "./lib/page.js";
import { videoCard } from "./library/card.js";
import { LiveStatus } from "./library/live.js";

const data = pageData();
const me = data.user;
const grid = document.getElementById("library");
const form = document.getElementById("library-filters");
const search = document.getElementById("library-q");
const statusSelect = document.getElementById("library-status");
const count = document.getElementById("library-count");
const errorBox = document.getElementById("library-error");
const empty = document.getElementById("library-empty");
const pager = document.getElementById("library-pager");
const pageLabel = document.getElementById("library-page");
const prev = document.getElementById("library-prev");
const next = document.getElementById("library-next");

const videos = new Map();
const live = new LiveStatus(update);
const state = readState();
let loading = null;

search.value = state.q;
statusSelect.value = state.status;

function readState() {
  const params = new URLSearchParams(location.search);
  return {
    q: params.get("q") || "",
    status: params.get("status") || "",
    page: Math.max(1, parseInt(params.get("page") || "1", 10) || 1),
  };
}

function writeState() {
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.status) params.set("status", state.status);
  if (state.page > 1) params.set("page", String(state.page));
  const query = params.toString();
  history.replaceState(null, "", query ? `?${query}` : location.pathname);
}

async function load() {
  writeState();
  loading && loading.abort();
  const controller = new AbortController();
  loading = controller;
  const params = new URLSearchParams();
  if (state.q) params.set("q", state.q);
  if (state.status) params.set("status", state.status);
  if (state.page > 1) params.set("page", String(state.page));
  grid.setAttribute("aria-busy", "true");
  try {
    const body = await api(`videos?${params}`, { signal: controller.signal });
    showError("");
    render(body);
  } catch (error) {
    if (error.name === "AbortError") return;
    if (error.status === 404 && state.page > 1) {
      state.page = 1; // the page emptied meanwhile
      load();
      return;
    }
    showError(`The videos could not be loaded: ${error.message}`);
  } finally {
    if (loading === controller) grid.setAttribute("aria-busy", "false");
  }
}

function render(body) {
  live.clear();
  videos.clear();
  grid.replaceChildren();
  for (const video of body.results) {
    videos.set(video.id, video);
    grid.append(videoCard(video, me));
    live.watch(video);
  }
  const filtered = Boolean(state.q || state.status);
  count.textContent = body.count === 1 ? "1 video" : `${body.count} videos`;
  renderEmpty(body.count === 0, filtered);
  const pages = Math.max(1, Math.ceil(body.count / (data.page_size || 25)));
  pager.hidden = pages < 2;
  prev.disabled = !body.previous;
  next.disabled = !body.next;
  pageLabel.textContent = `Page ${state.page} of ${pages}`;
}

function renderEmpty(isEmpty, filtered) {
  empty.hidden = !isEmpty;
  if (!isEmpty) return;
  if (filtered) {
    empty.replaceChildren(
      el("p", {}, "No videos match this search."),
      el("button", { type: "button", onclick: clearFilters }, "Clear the search and filter"),
    );
  } else {
    empty.replaceChildren(
      el("p", {}, "No videos yet. Videos you upload and those shared with you appear here."),
      data.can_upload ? el("a", { class: "button primary", href: "/upload" }, "Upload your first video") : null,
    );
  }
}

/** A card's video moved on (live event or refresh): redraw that card only. */
function update(change, { partial }) {
  const current = videos.get(change.id);
  if (!current) return;
  const video = partial ? { ...current, ...change } : change;
  if (partial && current.status === "ready") return; // a late progress event
  videos.set(video.id, video);
  const old = grid.querySelector(`[data-video-id="${video.id}"]`);
  if (old) old.replaceWith(videoCard(video, me));
}

function showError(message) {
  errorBox.textContent = message;
  errorBox.hidden = !message;
}

function clearFilters() {
  state.q = "";
  state.status = "";
  state.page = 1;
  search.value = "";
  statusSelect.value = "";
  load();
}

let typing = null;
search.addEventListener("input", () => {
  clearTimeout(typing);
  typing = setTimeout(() => {
    state.q = search.value.trim();
    state.page = 1;
    load();
  }, 300);
});
search.addEventListener("keydown", (event) => {
  if (event.key === "Escape" && search.value) {
    search.value = "";
    search.dispatchEvent(new Event("input"));
  }
});
statusSelect.addEventListener("change", () => {
  state.status = statusSelect.value;
  state.page = 1;
  load();
});
form.addEventListener("submit", (event) => {
  event.preventDefault();
  clearTimeout(typing);
  state.q = search.value.trim();
  state.page = 1;
  load();
});
prev.addEventListener("click", () => {
  state.page = Math.max(1, state.page - 1);
  load();
});
next.addEventListener("click", () => {
  state.page += 1;
  load();
});
document.addEventListener("keydown", (event) => {
  const target = event.target;
  const typingInField = target instanceof HTMLElement && target.closest("input, textarea, select, [contenteditable]");
  if (event.key === "/" && !typingInField && !event.ctrlKey && !event.metaKey && !event.altKey) {
    event.preventDefault();
    search.focus();
  }
});
window.addEventListener("pagehide", () => live.clear());

load();
