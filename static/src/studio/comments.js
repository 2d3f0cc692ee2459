// The comments panel and their markers: threads at a moment of the video (or on all of it),
// replies, resolve and reopen, edit and delete, a jump to the moment (selecting the drawing a
// comment is about), kept live by the video's channel (comment.* events). Comments are kept here,
// not in state.js: nothing else in the studio reads them.
import { api, el } from "../lib/page.js";
import { authorColor } from "./authors.js";
import { commentThreads, formatMoment, textParts } from "./comment_text.js";
import { $, page, player } from "./dom.js";
import { seekAndSelect } from "./edit.js";
import { frameAt, frameMiddle } from "./frames.js";
import { state } from "./state.js";

const comments = new Map(); // id -> comment
let focused = null; // the comment the page was opened for, or last jumped to
const me = () => page.user.id;

function keep(comment) {
  comments.set(comment.id, comment);
}

async function load() {
  let url = `videos/${page.video_id}/comments`;
  while (url) {
    const data = await api(url);
    for (const comment of data.results) keep(comment);
    url = data.next;
  }
}

function tell(text, kind = "error") {
  const line = $("comment-message");
  line.className = `message ${kind}`;
  line.textContent = text;
}

async function act(work) {
  try {
    await work();
    draw();
    tell("", "ok");
  } catch (error) {
    tell(error.message);
  }
}

/** Show the comment's moment (and its drawing), and the comment in the panel. */
export function jumpTo(comment) {
  focused = comment.id;
  const annotation = comment.annotation_id && state.annotations.get(comment.annotation_id);
  if (annotation && annotation.type === "drawing") {
    seekAndSelect(annotation);
  } else if (comment.timestamp !== null) {
    player.pause();
    const frame = comment.frame ?? frameAt(comment.timestamp, state.fps);
    player.currentTime = frameMiddle(frame, state.fps);
  }
  draw();
  const item = document.querySelector(`[data-comment-id="${comment.id}"]`);
  if (item) item.scrollIntoView({ block: "nearest" });
}

function textOf(comment) {
  return el(
    "p",
    { class: "comment-text" },
    ...textParts(comment.text, comment.mentions).map((part) => (part.mention ? el("strong", { class: "mention" }, part.text) : part.text)),
  );
}

function postForm({ label, placeholder, onSend, withMoment = false }) {
  const text = el("textarea", { rows: "2", maxlength: "5000", required: true, "aria-label": label, placeholder });
  const moment = withMoment ? el("input", { type: "checkbox", id: "comment-at-time", checked: true }) : null;
  const drawing = withMoment ? el("input", { type: "checkbox", id: "comment-on-drawing" }) : null;
  const form = el(
    "form",
    { class: "comment-form" },
    text,
    moment ? el("label", { class: "check" }, moment, " At the current moment") : null,
    drawing ? el("label", { class: "check" }, drawing, " About the selected drawing") : null,
    el("button", { type: "submit", class: "small primary" }, "Send"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    if (!text.value.trim()) return;
    act(async () => {
      await onSend(text.value, { atMoment: moment ? moment.checked : false, onDrawing: drawing ? drawing.checked : false });
      text.value = "";
    });
  });
  return form;
}

function editForm(comment) {
  const text = el("textarea", { rows: "2", maxlength: "5000", "aria-label": "Edit your comment" });
  text.value = comment.text;
  const form = el(
    "form",
    { class: "comment-form" },
    text,
    el("button", { type: "submit", class: "small primary" }, "Save"),
    el("button", { type: "button", class: "small", onclick: () => draw() }, "Cancel"),
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(async () => keep(await api(`comments/${comment.id}`, { method: "PATCH", json: { text: text.value } })));
  });
  return form;
}

function actions(comment, item) {
  const mine = comment.author.id === me();
  const isThread = !comment.parent_id;
  const buttons = [];
  if (isThread) {
    buttons.push(
      el("button", { type: "button", class: "small", onclick: () => item.querySelector(".replies-form").toggleAttribute("hidden") }, "Reply"),
    );
    if (mine || page.can_annotate) {
      const verb = comment.resolved ? "reopen" : "resolve";
      buttons.push(
        el(
          "button",
          { type: "button", class: "small", onclick: () => act(async () => keep(await api(`comments/${comment.id}/${verb}`, { method: "POST" }))) },
          comment.resolved ? "Reopen" : "Resolve",
        ),
      );
    }
  }
  if (mine) {
    buttons.push(el("button", { type: "button", class: "small", onclick: () => item.querySelector(".comment-text").replaceWith(editForm(comment)) }, "Edit"));
  }
  if (mine || page.is_owner || page.user.is_staff) {
    const remove = async () => {
      await api(`comments/${comment.id}`, { method: "DELETE" });
      forget([comment.id, ...[...comments.values()].filter((c) => c.parent_id === comment.id).map((c) => c.id)]);
    };
    buttons.push(el("button", { type: "button", class: "small danger", onclick: () => act(remove) }, "Delete"));
  }
  return el("div", { class: "comment-actions" }, ...buttons);
}

function commentItem(comment) {
  const moment = comment.timestamp === null ? "whole video" : formatMoment(comment.timestamp);
  const author = el("span", { class: "chip" }, comment.author.username);
  author.style.borderColor = authorColor(comment.author.username);
  const item = el(
    "li",
    {
      class: ["comment", comment.resolved ? "resolved" : "", focused === comment.id ? "selected" : ""].join(" ").trim(),
      "data-comment-id": comment.id,
    },
    el(
      "div",
      { class: "comment-head" },
      author,
      comment.parent_id
        ? null
        : el("button", { type: "button", class: "small comment-jump", title: "Jump to this moment", onclick: () => jumpTo(comment) }, moment),
      comment.resolved ? el("span", { class: "muted" }, `resolved by ${comment.resolved_by_username}`) : null,
      comment.edited ? el("span", { class: "muted" }, "edited") : null,
    ),
    textOf(comment),
  );
  item.append(actions(comment, item));
  return item;
}

function threadItem({ thread, replies }) {
  const item = commentItem(thread);
  const reply = postForm({
    label: `Reply to ${thread.author.username}`,
    placeholder: "Reply…",
    onSend: async (text) => keep(await api(`videos/${page.video_id}/comments`, { method: "POST", json: { text, parent_id: thread.id } })),
  });
  reply.classList.add("replies-form");
  reply.hidden = true;
  item.append(el("ul", { class: "replies" }, ...replies.map(commentItem)), reply);
  return item;
}

function drawMarkers() {
  const lane = $("comment-markers");
  if (!lane) return;
  const duration = state.video?.duration || 0;
  const threads = commentThreads([...comments.values()]).filter(({ thread }) => thread.timestamp !== null && duration);
  lane.replaceChildren(
    ...threads.map(({ thread, replies }) => {
      const fraction = Math.min(1, thread.timestamp / duration);
      const label = `Comment by ${thread.author.username} at ${formatMoment(thread.timestamp)}${replies.length ? `, ${replies.length} replies` : ""}`;
      const button = el("button", {
        type: "button",
        class: `marker comment-marker${thread.resolved ? " resolved" : ""}`,
        title: label,
        "aria-label": label,
        onclick: () => jumpTo(thread),
      });
      button.style.left = `clamp(12px, ${fraction * 100}%, calc(100% - 12px))`;
      return button;
    }),
  );
}

function draw() {
  const threads = commentThreads([...comments.values()]);
  const list = $("comment-list");
  list.replaceChildren(...(threads.length ? threads.map(threadItem) : [el("li", { class: "muted" }, "No comments yet.")]));
  $("comment-count").textContent = threads.length ? `(${threads.length})` : "";
  drawMarkers();
}

function forget(ids) {
  for (const id of ids) comments.delete(id);
  for (const comment of [...comments.values()]) if (ids.includes(comment.parent_id)) comments.delete(comment.id);
  draw();
}

/** The video's channel: comments made, changed or removed by anyone (this page included). */
export function onCommentEvent(event) {
  const payload = event.payload || {};
  switch (event.type) {
    case "comment.created":
    case "comment.updated":
    case "comment.resolved":
      if (payload.video_id !== page.video_id) return;
      keep(payload);
      draw();
      break;
    case "comment.deleted":
      forget(payload.ids || [payload.id]);
      break;
    default:
      break;
  }
}

function openFromLink() {
  const query = new URLSearchParams(location.search);
  const wanted = query.get("comment");
  if (wanted && comments.has(wanted)) {
    const comment = comments.get(wanted);
    jumpTo(comment.parent_id ? comments.get(comment.parent_id) || comment : comment);
    focused = wanted;
    draw();
    return;
  }
  const time = Number.parseFloat(query.get("t"));
  if (Number.isFinite(time) && time >= 0) player.currentTime = frameMiddle(frameAt(time, state.fps), state.fps);
}

/** The panel; before a video can be played (uploaded, scanning, failed) comments are about the
 * whole video only (the server takes moments on the playable part, as for drawings). */
export async function setupComments({ playable = true } = {}) {
  const panel = $("comments");
  if (!panel) return;
  if (page.can_annotate) {
    const form = postForm({
      label: "New comment",
      placeholder: playable ? "A note for this moment… (@username to mention)" : "A note on this video… (@username to mention)",
      withMoment: playable,
      onSend: async (text, { atMoment, onDrawing }) => {
        const json = { text };
        if (onDrawing) {
          if (!state.selected || !state.annotations.has(state.selected)) throw new Error("Select a drawing first (Select tool, or its row).");
          json.annotation_id = state.selected; // the comment takes the drawing's moment
        } else if (atMoment) {
          json.timestamp = player.currentTime;
        }
        keep(await api(`videos/${page.video_id}/comments`, { method: "POST", json }));
      },
    });
    form.id = "comment-form";
    $("comment-list").before(form);
  }
  try {
    await load();
  } catch (error) {
    tell(error.message);
  }
  draw();
  openFromLink();
}
