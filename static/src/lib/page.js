// Shared by every page: the JSON the server hands over, and a fetch wrapper for the REST API
// that sends the session's CSRF token and turns the API's error shape into readable messages.

export function pageData() {
  const node = document.getElementById("page-data");
  return node ? JSON.parse(node.textContent) : {};
}

export function cookie(name) {
  const match = document.cookie.split("; ").find((part) => part.startsWith(`${name}=`));
  return match ? decodeURIComponent(match.slice(name.length + 1)) : "";
}

export function csrfToken() {
  return cookie(pageData().csrf_cookie_name || "csrftoken");
}

export class ApiError extends Error {
  // The API's one error shape: {"code": "...", "detail": "a sentence for people", "errors": {...}}
  constructor(status, body) {
    const error = body || {};
    super(errorMessage(error) || `The server answered ${status}.`);
    this.status = status;
    this.code = error.code || "http_" + status;
    this.errors = error.errors || null;
  }
}

/** The sentence to show: the detail, with the first field error when there is one. */
export function errorMessage(error) {
  if (!error) return "";
  const fields = error.errors ? Object.entries(error.errors) : [];
  if (fields.length && fields[0][1] && fields[0][1].length) {
    const [field, messages] = fields[0];
    const text = Array.isArray(messages) ? messages[0] : String(messages);
    return field === "non_field_errors" ? text : `${field.replaceAll("_", " ")}: ${text}`;
  }
  return error.detail || "";
}

/** fetch() against the API with the session cookie and CSRF header; JSON in, JSON out. */
export async function api(path, { method = "GET", json, body, headers = {}, signal } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers }, credentials: "same-origin", signal };
  if (method !== "GET" && method !== "HEAD") init.headers["X-CSRFToken"] = csrfToken();
  if (json !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(json);
  } else if (body !== undefined) {
    init.body = body;
  }
  const url = path.startsWith("/") ? path : `${pageData().api || "/api/v1"}/${path}`;
  const response = await fetch(url, init);
  const text = await response.text();
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

/** Create an element: el("button", {class: "primary", onclick}, "Save"). */
export function el(tag, attributes = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith("on") && typeof value === "function") node.addEventListener(key.slice(2), value);
    else if (key === "class") node.className = value;
    else if (key === "dataset") Object.assign(node.dataset, value);
    else node.setAttribute(key, value === true ? "" : String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    node.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return node;
}

export { formatBytes, formatDuration } from "./format.js";

/**
 * The real-time channel of a video (same-origin session), reconnecting with backoff.
 * `presence: false` listens without showing up in the video's "who is here".
 */
export function videoSocket(videoId, onEvent, { onOpen, onClose, presence = true } = {}) {
  let socket = null;
  let delay = 500;
  let closed = false;
  const connect = () => {
    const scheme = location.protocol === "https:" ? "wss" : "ws";
    socket = new WebSocket(`${scheme}://${location.host}/ws/videos/${videoId}/${presence ? "" : "?presence=0"}`);
    socket.addEventListener("open", () => {
      delay = 500;
      onOpen && onOpen(socket);
    });
    socket.addEventListener("message", (message) => {
      try {
        onEvent(JSON.parse(message.data), socket);
      } catch (error) {
        console.warn("Ignoring a malformed real-time message", error);
      }
    });
    socket.addEventListener("close", (event) => {
      onClose && onClose(event);
      if (closed || event.code === 4403) return;
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    });
  };
  connect();
  return {
    send: (data) => socket && socket.readyState === WebSocket.OPEN && socket.send(JSON.stringify(data)),
    close: () => {
      closed = true;
      socket && socket.close();
    },
  };
}
