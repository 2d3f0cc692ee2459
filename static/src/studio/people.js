// In the share dialog: suggestions of people the owner works with as they type a username
// (GET users/search, which never lists strangers), and inviting someone by email.
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
    } catch (error) {
      shareMessage.className = "message error";
      shareMessage.textContent = error.message;
    }
  });
}

export function setupPeople(shareMessage) {
  const input = $("share-username");
  const list = $("share-suggestions");
  if (input && list) suggest(input, list);
  if ($("invite-send")) invite(shareMessage);
}
