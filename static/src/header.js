// Every signed-in page: the inbox badge in the header, kept live by the person's own channel
// (/ws/me/), and on the inbox page the new notifications themselves.
import { el } from "./lib/page.js";
import { unreadLabel } from "./lib/inbox.js";

const badge = document.getElementById("inbox-badge");
const link = document.getElementById("inbox-link");

function showUnread(count) {
  if (!badge) return;
  badge.textContent = count > 0 ? String(count) : "";
  badge.hidden = count <= 0;
  badge.dataset.unread = String(count);
  link.setAttribute("aria-label", unreadLabel(count));
}

function showOnInbox(notification) {
  const list = document.getElementById("inbox-list");
  if (!list) return;
  document.getElementById("inbox-empty")?.remove();
  list.querySelector(`[data-id="${notification.id}"]`)?.remove(); // a grouped one, counted again
  const item = el(
    "li",
    { class: "inbox-item unread", "data-id": String(notification.id) },
    el("a", { href: notification.link }, notification.sentence),
    " ",
    el("time", { class: "muted", datetime: notification.updated_at }, "just now"),
  );
  list.prepend(item);
  const readAll = document.getElementById("inbox-read-all");
  if (readAll) readAll.disabled = false;
}

function connect(delay = 500) {
  const scheme = location.protocol === "https:" ? "wss" : "ws";
  const socket = new WebSocket(`${scheme}://${location.host}/ws/me/`);
  let opened = false;
  socket.addEventListener("open", () => (opened = true));
  socket.addEventListener("message", (message) => {
    let event;
    try {
      event = JSON.parse(message.data);
    } catch {
      return;
    }
    const payload = event.payload || {};
    if (typeof payload.unread === "number") showUnread(payload.unread);
    if (event.type === "notification.created" || event.type === "notification.updated") showOnInbox(payload.notification);
  });
  socket.addEventListener("close", (event) => {
    if (event.code === 4403) return; // signed out or deactivated: nothing more to hear
    setTimeout(() => connect(opened ? 500 : Math.min(delay * 2, 10000)), delay);
  });
}

if (badge) {
  showUnread(Number(badge.dataset.unread || 0));
  connect();
}
