// Words on the page (static/src/studio/labels.js).
import assert from "node:assert/strict";
import { test } from "node:test";

import { qualityLabel } from "../src/studio/labels.js";

test("a quality is named by the rendition's short side", () => {
  assert.equal(qualityLabel({ quality: "hd", width: 1920, height: 1080 }), "1080p");
  assert.equal(qualityLabel({ quality: "hd", width: 1080, height: 1920 }), "1080p"); // portrait
  assert.equal(qualityLabel({ quality: "sd", width: 720, height: 1280 }), "720p");
  assert.equal(qualityLabel({ quality: "mobile", width: 640, height: 360 }), "360p");
  assert.equal(qualityLabel({ quality: "sd" }), "SD");
});
