// The storyboard's WebVTT (static/src/studio/storyboard.js), as processing/storyboard.py writes it.
import assert from "node:assert/strict";
import { test } from "node:test";

import { parseStoryboard, tileAt } from "../src/studio/storyboard.js";

const VTT = [
  "WEBVTT",
  "",
  "00:00:00.000 --> 00:00:02.000",
  "sheet-001.jpg#xywh=0,0,160,90",
  "",
  "00:00:02.000 --> 00:00:04.000",
  "sheet-001.jpg#xywh=160,0,160,90",
  "",
  "01:02:03.500 --> 01:02:05.000",
  "sheet-002.jpg#xywh=320,90,160,90",
  "",
].join("\n");

test("a relative sprite is resolved against a path-only storyboard URL and the page's origin", () => {
  // new URL(file, "/media/...") alone throws: the VTT's address has no origin
  assert.throws(() => new URL("sheet-001.jpg", "/media/videos/7/storyboard.vtt"), TypeError);
  const cues = parseStoryboard(VTT, "/media/videos/7/storyboard.vtt", "http://127.0.0.1:8000");
  assert.deepEqual(cues, [
    { start: 0, end: 2, url: "http://127.0.0.1:8000/media/videos/7/sheet-001.jpg", x: 0, y: 0, w: 160, h: 90 },
    { start: 2, end: 4, url: "http://127.0.0.1:8000/media/videos/7/sheet-001.jpg", x: 160, y: 0, w: 160, h: 90 },
    { start: 3723.5, end: 3725, url: "http://127.0.0.1:8000/media/videos/7/sheet-002.jpg", x: 320, y: 90, w: 160, h: 90 },
  ]);
});

test("an absolute storyboard URL (another host) keeps its own origin", () => {
  const cues = parseStoryboard(VTT, "https://cdn.example.com/bucket/videos/7/storyboard.vtt", "http://127.0.0.1:8000");
  assert.equal(cues[0].url, "https://cdn.example.com/bucket/videos/7/sheet-001.jpg");
});

test("text that is not a cue is skipped", () => {
  assert.deepEqual(parseStoryboard("WEBVTT\n\nNOTE nothing here\n", "/s.vtt", "http://localhost"), []);
});

test("the tile at a time: start included, end excluded", () => {
  const cues = parseStoryboard(VTT, "/media/videos/7/storyboard.vtt", "http://127.0.0.1:8000");
  assert.equal(tileAt(cues, 0).x, 0);
  assert.equal(tileAt(cues, 1.999).x, 0);
  assert.equal(tileAt(cues, 2).x, 160);
  assert.equal(tileAt(cues, 3724).x, 320);
  assert.equal(tileAt(cues, 4), undefined);
});
