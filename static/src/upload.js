import { pageData } from "./lib/page.js";

// Placeholder: the upload page is built in issue 6.
console.debug("upload", pageData().user);
