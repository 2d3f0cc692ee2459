// Upload failures in words. The tus endpoint answers with the API's shape {"code", "detail"}:
// at creation (POST) it refuses a file that is too large, empty, over quota or rate limited; the
// malware scan and the "is it a video?" probe run when the last bytes arrive (the final PATCH).
import { formatBytes } from "../lib/page.js";

/** {status, code, detail} from a tus-js-client error (DetailedError has originalResponse). */
export function serverError(error) {
  const response = error && error.originalResponse;
  if (!response) return null;
  const status = response.getStatus();
  let body = {};
  try {
    body = JSON.parse(response.getBody() || "{}") || {};
  } catch {
    body = {};
  }
  const retryAfter = parseInt(response.getHeader("Retry-After") || "", 10);
  return { status, code: body.code || `http_${status}`, detail: body.detail || "", retryAfter };
}

/** Whether the failure is final for this file (sending it again would fail the same way). */
export function isFinal(failure) {
  return Boolean(failure) && failure.status >= 400 && failure.status < 500 && ![409, 423, 429].includes(failure.status);
}

export function describeUploadError(error, { maxBytes } = {}) {
  const failure = serverError(error);
  if (!failure || failure.status === 0) {
    return navigator.onLine === false
      ? "You are offline. The upload resumes when the connection is back (or click Resume)."
      : "The connection to the server was lost. Click Resume to continue where it stopped.";
  }
  const detail = failure.detail;
  switch (failure.code) {
    case "file_too_large":
      return `This file is too large: the limit is ${formatBytes(maxBytes)}.`;
    case "quota_exceeded":
      return detail || "This upload would exceed your storage quota; delete some videos first.";
    case "malware_detected":
      return `The file was refused: ${detail || "it contains malware and was deleted."}`;
    case "unsupported_format":
    case "no_video_stream":
    case "corrupt_media":
    case "unsupported_media_type":
      return /not a video/i.test(detail) ? detail : `This is not a video we can use: ${detail || "the file could not be read."}`;
    case "empty_file":
      return "The file is empty.";
    case "rate_limited": {
      const wait = Number.isFinite(failure.retryAfter) ? ` Try again in ${failure.retryAfter} seconds.` : "";
      return `Too many uploads in a short time.${wait}`;
    }
    case "not_authenticated":
      return "Your session has ended: sign in again (in another tab), then click Resume.";
    case "permission_denied":
      return detail || "You may not upload videos.";
    default:
      if (failure.status >= 500) return `The server had a problem (${failure.status}); click Resume to try again.`;
      return detail || `The server refused the upload (${failure.status}).`;
  }
}
