// After the upload: the new video with its live processing status (real-time channel + poll).
import { api, el, formatDuration } from "../lib/page.js";
import { LiveStatus } from "../library/live.js";
import { statusBlock } from "../library/status.js";

export class UploadResult {
  constructor(container) {
    this.container = container;
    this.video = null;
    this.live = new LiveStatus((change, { partial }) => {
      if (!this.video || change.id !== this.video.id) return;
      if (partial && this.video.status === "ready") return;
      this.render(partial ? { ...this.video, ...change } : change);
    });
  }

  async show(videoId, { title, description }) {
    this.live.clear();
    this.render({ id: videoId, title, status: "uploaded", progress: 0 });
    try {
      let video = await api(`videos/${videoId}`);
      // A resumed upload keeps the title it was created with; apply what the form says now.
      const changes = {};
      if (title && title !== video.title) changes.title = title;
      if (description !== video.description) changes.description = description;
      if (Object.keys(changes).length) video = await api(`videos/${videoId}`, { method: "PATCH", json: changes });
      this.render(video);
      this.live.watch(video);
    } catch (error) {
      this.container.append(el("p", { class: "error", role: "alert" }, `The new video could not be loaded: ${error.message}`));
    }
  }

  render(video) {
    this.video = video;
    const facts = [video.duration ? formatDuration(video.duration) : null, video.width ? `${video.width}×${video.height}` : null]
      .filter(Boolean)
      .join(" · ");
    const poster = video.poster_url ? el("img", { class: "upload-done__poster", src: video.poster_url, alt: "", "data-testid": "poster" }) : null;
    // replaceChildren() writes a null as the text "null": pass only the nodes there are.
    const text = el(
      "div",
      { class: "upload-done__text" },
      el("p", { class: "upload-done__title" }, el("a", { href: `/videos/${video.id}` }, video.title || "Untitled")),
      facts ? el("p", { class: "muted" }, facts) : null,
      statusBlock(video),
      video.status === "ready" ? null : el("p", { class: "muted" }, "You can leave this page; processing continues on the server."),
    );
    this.container.replaceChildren(...[poster, text].filter(Boolean));
  }

  clear() {
    this.live.clear();
    this.video = null;
    this.container.replaceChildren();
  }
}
