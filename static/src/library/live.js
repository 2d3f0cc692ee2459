// Live status for the cards still on their way: the video's real-time channel, plus a slow poll
// for the transitions that send no event (uploaded -> scanning, failure).
import { api, videoSocket } from "../lib/page.js";
import { SETTLED } from "./status.js";

const POLL_MS = 15000;

export class LiveStatus {
  /** onChange(video) is called with the fresh video (or a partial update) whenever it moves. */
  constructor(onChange) {
    this.onChange = onChange;
    this.watched = new Map(); // id -> {socket, timer}
  }

  watch(video) {
    if (SETTLED.has(video.status) || this.watched.has(video.id)) return;
    const entry = { socket: null, timer: null };
    this.watched.set(video.id, entry);
    // follows the status only: not shown among the people looking at the video
    entry.socket = videoSocket(video.id, (event) => this.onEvent(video.id, event), { presence: false });
    entry.timer = setInterval(() => this.refresh(video.id), POLL_MS);
  }

  onEvent(id, event) {
    const payload = event.payload || {};
    if (event.type === "video.progress") {
      this.onChange({ id, status: "processing", progress: payload.progress }, { partial: true });
    } else if (event.type === "video.ready") {
      this.refresh(id);
    }
  }

  async refresh(id) {
    try {
      const video = await api(`videos/${id}`);
      this.onChange(video, { partial: false });
      if (SETTLED.has(video.status)) this.unwatch(id);
    } catch (error) {
      if (error.status === 404) this.unwatch(id);
      else console.warn("Could not refresh a video's status", error);
    }
  }

  unwatch(id) {
    const entry = this.watched.get(id);
    if (!entry) return;
    entry.socket.close();
    clearInterval(entry.timer);
    this.watched.delete(id);
  }

  clear() {
    for (const id of [...this.watched.keys()]) this.unwatch(id);
  }
}
