// Comments as data, with no DOM (unit-tested under Node): threads in the order the panel shows
// them, the parts of a comment's text (mentions stand out; everything stays text), and moments.

/** Threads in time order (whole-video ones first), each with its replies oldest first. */
export function commentThreads(comments) {
  const threads = [];
  const replies = new Map();
  for (const comment of comments) {
    if (comment.parent_id) {
      if (!replies.has(comment.parent_id)) replies.set(comment.parent_id, []);
      replies.get(comment.parent_id).push(comment);
    } else {
      threads.push(comment);
    }
  }
  const when = (comment) => Date.parse(comment.created_at) || 0;
  threads.sort((a, b) => {
    const at = a.timestamp === null ? -1 : a.timestamp;
    const bt = b.timestamp === null ? -1 : b.timestamp;
    return at - bt || when(a) - when(b);
  });
  return threads.map((thread) => ({
    thread,
    replies: (replies.get(thread.id) || []).sort((a, b) => when(a) - when(b)),
  }));
}

/**
 * The text in parts: `@name` of someone the server recognised (in `mentions`) is a mention;
 * everything else, other `@words` included, is plain text. The page puts each part in as text.
 */
export function textParts(text, mentions = []) {
  const names = new Set(mentions.map((mention) => mention.username));
  const parts = [];
  let plain = "";
  const pattern = /(^|[^\w@.+-])@([\w.@+-]{1,150})/gu;
  let last = 0;
  for (const match of text.matchAll(pattern)) {
    const name = match[2].replace(/\.+$/u, "");
    if (!names.has(name)) continue;
    const start = match.index + match[1].length;
    plain += text.slice(last, start);
    if (plain) parts.push({ text: plain, mention: false });
    plain = "";
    parts.push({ text: `@${name}`, mention: true });
    last = start + 1 + name.length;
  }
  plain += text.slice(last);
  if (plain) parts.push({ text: plain, mention: false });
  return parts;
}

/** "1:02.5": minutes, seconds and tenths, for a comment's moment. */
export function formatMoment(seconds) {
  if (seconds === null || seconds === undefined || !isFinite(seconds)) return "";
  const tenths = Math.floor(seconds * 10 + 1e-6);
  const minutes = Math.floor(tenths / 600);
  const rest = (tenths % 600) / 10;
  return `${minutes}:${rest.toFixed(1).padStart(4, "0")}`;
}
