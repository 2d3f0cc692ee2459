// In the share dialog: suggestions of people the owner works with as they type a username
// (GET users/search, which never lists strangers), inviting someone by email, and the
// invitations nobody used yet, each of which can be taken back (its link stops working).
import { api, el } from "../lib/page.js";
import { $, page } from "./dom.js";

function suggest(input, list) {
  let timer = null;
  let asked = "";
  input.addEventListener("input", () => {
    clearTimeout(timer);
    const q = input.value.trim();
    if (!q || q === asked) return;
    timer = setTimeout(async () => {
      asked = q;
      try {
        const data = await api(`users/search?q=${encodeURIComponent(q)}`);
        list.replaceChildren(...data.results.map((person) => el("option", { value: person.username }, `${person.username} (${person.role || "user"})`)));
      } catch {
        list.replaceChildren(); // suggestions are a help, not a requirement
      }
    }, 200);
  });
}

function invite(shareMessage) {
  const email = $("invite-email");
  $("invite-send").addEventListener("click", async () => {
    if (!email.value.trim() || !email.checkValidity()) {
      shareMessage.className = "message error";
      shareMessage.textContent = "Type an email address to invite.";
      return;
    }
    try {
      const answer = await api("invites", { method: "POST", json: { video_id: page.video_id, email: email.value.trim() } });
      shareMessage.className = "message ok";
      shareMessage.textContent = answer.detail;
      email.value = "";
      await drawInvites(shareMessage);
    } catch (error) {
      shareMessage.className = "message error";
      shareMessage.textContent = error.message;
    }
  });
}

/** The video's open invitations, with "Take back" on each (GET/DELETE invites). */
export async function drawInvites(shareMessage) {
  const list = $("invite-list");
  if (!list) return;
  let invites;
  try {
    invites = (await api(`invites?video_id=${page.video_id}`)).filter((invite) => invite.state === "open");
  } catch (error) {
    list.replaceChildren(el("li", { class: "muted" }, `Invitations could not be listed: ${error.message}`));
    return;
  }
  const takeBack = (invite) => async () => {
    try {
      await api(`invites/${invite.id}`, { method: "DELETE" });
      shareMessage.className = "message ok";
      shareMessage.textContent = `The invitation to ${invite.email} was taken back.`;
    } catch (error) {
      shareMessage.className = "message error";
      shareMessage.textContent = error.message;
    }
    await drawInvites(shareMessage);
  };
  list.replaceChildren(
    ...invites.map((invite) =>
      el(
        "li",
        {},
        `${invite.email} · invited, until ${new Date(invite.expires_at).toLocaleDateString()} `,
        el("button", { type: "button", class: "small danger", "aria-label": `Take back the invitation to ${invite.email}`, onclick: takeBack(invite) }, "Take back"),
      ),
    ),
  );
}

export function setupPeople(shareMessage) {
  const input = $("share-username");
  const list = $("share-suggestions");
  if (input && list) suggest(input, list);
  if ($("invite-send")) invite(shareMessage);
}
