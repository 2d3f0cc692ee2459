// "Compare with…": make a comparison of the studio's video and the one picked, then open it.
import { api, pageData } from "./lib/page.js";

const page = pageData();
const form = document.getElementById("compare-new");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const title = document.getElementById("compare-title").value.replace("…", "").trim();
  try {
    const comparison = await api("comparisons", {
      method: "POST",
      json: {
        title: title.endsWith("/") ? "" : title,
        left: { video_id: page.left_video_id, sync: 0 },
        right: { video_id: document.getElementById("compare-right").value, sync: 0 },
        layout: window.matchMedia("(max-width: 700px)").matches ? "stacked" : "side_by_side",
      },
    });
    location.assign(`/compare/${comparison.id}`);
  } catch (error) {
    const message = document.getElementById("studio-message");
    message.className = "message error";
    message.textContent = `Could not compare: ${error.message}`;
  }
});
