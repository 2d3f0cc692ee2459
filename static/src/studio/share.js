// Sharing (the owner only: the dialog is on the page for them): who the video is shared with,
// adding a person by username, and removing one.
import { api, ApiError, el } from "../lib/page.js";
import { $, page } from "./dom.js";
import { drawInvites, setupPeople } from "./people.js";
import { state } from "./state.js";

async function reloadVideo() {
  state.video = await api(`videos/${page.video_id}`);
}

function drawShares(list, shareMessage) {
  const redraw = () => drawShares(list, shareMessage);
  const unshare = (share) => async () => {
    try {
      await api(`videos/${page.video_id}/shares/${encodeURIComponent(share.username)}`, { method: "DELETE" });
      await reloadVideo();
      redraw();
    } catch (error) {
      shareMessage.textContent = error.message;
    }
  };
  const shares = state.video.shares || [];
  list.replaceChildren(
    ...(shares.length
      ? shares.map((share) =>
          el(
            "li",
            {},
            `${share.username} · ${share.permission} `,
            el("button", { type: "button", class: "small danger", "aria-label": `Stop sharing with ${share.username}`, onclick: unshare(share) }, "Remove"),
          ),
        )
      : [el("li", { class: "muted" }, "Not shared with anyone yet.")]),
  );
}

async function shareWith(list, shareMessage) {
  const username = $("share-username").value.trim();
  if (!username) {
    shareMessage.textContent = "Type the username of the person to share with.";
    return;
  }
  try {
    await api(`videos/${page.video_id}/shares`, { method: "POST", json: { username, permission: $("share-permission").value } });
    await reloadVideo();
    $("share-username").value = "";
    shareMessage.className = "message ok";
    shareMessage.textContent = `Shared with ${username}.`;
    drawShares(list, shareMessage);
  } catch (error) {
    shareMessage.className = "message error";
    shareMessage.textContent = error instanceof ApiError ? error.message : String(error);
  }
}

export function setupShare() {
  const dialog = $("share-dialog");
  if (!dialog) return;
  const list = $("share-list");
  const shareMessage = $("share-message");
  $("share-open").addEventListener("click", () => {
    shareMessage.textContent = "";
    drawShares(list, shareMessage);
    drawInvites(shareMessage);
    dialog.showModal();
  });
  $("share-close").addEventListener("click", () => dialog.close());
  setupPeople(shareMessage);
  $("share-form").addEventListener("submit", (event) => {
    event.preventDefault();
    shareWith(list, shareMessage);
  });
}
