// Words for the inbox, with no DOM (unit-tested under Node).

/** What a screen reader hears on the header's inbox link. */
export function unreadLabel(count) {
  if (!count) return "Inbox, nothing unread";
  return `Inbox, ${count} unread`;
}
