import { pageData } from "./lib/page.js";

// Placeholder: the library page is built in issue 6.
console.debug("library", pageData().user);
