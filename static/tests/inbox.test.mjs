// Words for the inbox (static/src/lib/inbox.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { unreadLabel } from "../src/lib/inbox.js";

test("the inbox link says how many are unread", () => {
  assert.equal(unreadLabel(0), "Inbox, nothing unread");
  assert.equal(unreadLabel(3), "Inbox, 3 unread");
});
