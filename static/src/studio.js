import { pageData } from "./lib/page.js";

// Placeholder: the studio page is built in issue 6.
console.debug("studio", pageData().user);
