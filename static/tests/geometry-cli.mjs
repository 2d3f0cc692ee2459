// The browser's drawing geometry for a list of drawings, for the Python test that compares it with
// annotations/drawing.py (tests/annotations/test_drawing_rules.py). Reads
// [{"data": {...}, "width": w, "height": h}, ...] on stdin, writes the geometries as JSON.
import { geometry } from "../src/studio/geometry.js";

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const cases = JSON.parse(input);
process.stdout.write(JSON.stringify(cases.map(({ data, width, height }) => geometry(data, width, height))));
