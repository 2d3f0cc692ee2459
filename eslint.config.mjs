// ESLint 9 flat config: the recommended rules for the pages' browser code (static/src) and the
// Node scripts around it (the bundler, the unit tests under static/tests).
import js from "@eslint/js";
import globals from "globals";

export default [
  {
    // Generated, installed or not ours: the bundle, packages, the virtualenv, collected static files.
    ignores: ["static/dist/", "node_modules/", ".venv/", "staticfiles/", "media/", "htmlcov/", "test-artifacts/", ".run/"],
  },
  js.configs.recommended,
  {
    linterOptions: { reportUnusedDisableDirectives: "error" },
    languageOptions: { ecmaVersion: "latest", sourceType: "module" },
  },
  {
    files: ["static/src/**/*.js"],
    languageOptions: { globals: globals.browser },
  },
  {
    files: ["static/build.mjs", "static/tests/**/*.mjs", "eslint.config.mjs"],
    languageOptions: { globals: globals.node },
  },
];
