/**
 * Which part of src/ may import which (DESIGN.md "Two faces, one core"); `npm test` runs it
 * (`npm run deps`). Type-only imports count: a cycle of types is still a cycle for the reader.
 * Parsed with swc: dependency-cruiser cannot use TypeScript 7's compiler yet.
 */
const CORE = "^src/(identity|sessions|tokens|registry|store|security)/";
const TOP = "^src/(app|context|error-response|index)[.]ts$";

module.exports = {
  forbidden: [
    { name: "no-circular", severity: "error", comment: "No import cycles anywhere in src/.", from: { path: "^src/" }, to: { circular: true } },
    {
      name: "faces-apart-federation",
      severity: "error",
      comment: "The relying party (federation/) never imports the authorization server (oauth/) or the admin API.",
      from: { path: "^src/federation/" },
      to: { path: "^src/(oauth|admin)/" },
    },
    {
      name: "faces-apart-oauth",
      severity: "error",
      comment: "oauth/ and admin/ reach federation/ only through its public surface, federation/index.ts.",
      from: { path: "^src/(oauth|admin)/" },
      to: { path: "^src/federation/", pathNot: "^src/federation/index[.]ts$" },
    },
    {
      name: "core-below-faces",
      severity: "error",
      comment: "The core (identity, tokens, registry, store, security) serves both faces and imports neither, nor admin/ui or the app.",
      from: { path: CORE },
      to: { path: ["^src/(oauth|federation|admin|ui)/", TOP] },
    },
    {
      name: "store-at-the-bottom",
      severity: "error",
      comment: "store/ imports nothing of ours but itself, config types and encoding helpers.",
      from: { path: "^src/store/" },
      to: { path: "^src/", pathNot: ["^src/store/", "^src/config[.]ts$", "^src/encoding[.]ts$"] },
    },
    {
      name: "console-is-a-face",
      severity: "error",
      comment: "The admin console (console/) reads and writes through the app's own endpoints, in process: it may use the core, the leaves, ui/ and admin/index.ts, never the admin API's internals or the other faces.",
      from: { path: "^src/console/" },
      to: { path: "^src/(oauth|federation|admin)/", pathNot: "^src/admin/index[.]ts$" },
    },
    {
      name: "only-the-app-mounts-the-console",
      severity: "error",
      comment: "Nothing but the app imports the console (the setup pages borrow its form parts and in-process call).",
      from: { path: "^src/", pathNot: ["^src/console/", "^src/setup/", "^src/app[.]ts$"] },
      to: { path: "^src/console/" },
    },
    {
      name: "setup-is-a-face",
      severity: "error",
      comment: "The self-service setup pages (setup/) act only through the admin API, in process, with the link's credential: never the API's internals, the registry or the other faces.",
      from: { path: "^src/setup/" },
      to: { path: ["^src/(oauth|federation|admin|identity|tokens|registry|store)/", "^src/console/"], pathNot: "^src/console/(forms[.]tsx|in-process[.]ts)$" },
    },
    {
      name: "only-the-app-mounts-setup",
      severity: "error",
      comment: "Nothing but the app imports the setup pages.",
      from: { path: "^src/", pathNot: ["^src/setup/", "^src/app[.]ts$"] },
      to: { path: "^src/setup/" },
    },
    {
      name: "ui-is-rendering",
      severity: "error",
      comment: "ui/ renders pages; it knows nothing of flows or records.",
      from: { path: "^src/ui/" },
      to: { path: "^src/", pathNot: ["^src/ui/", "^src/encoding[.]ts$", "^src/env[.]ts$"] },
    },
    {
      name: "leaves-stay-leaves",
      severity: "error",
      comment: "The shared leaves at the root import only each other (and the audit event's type).",
      from: { path: "^src/(errors|config|log|cache|ids|encoding|cached-document|urls|form)[.]ts$" },
      to: { path: "^src/", pathNot: ["^src/(errors|config|log|cache|ids|encoding|cached-document|urls|form)[.]ts$", "^src/security/audit-event[.]ts$"] },
    },
    {
      name: "env-is-types-only",
      severity: "error",
      comment: "env.ts names the Hono env's types; importing it never runs a module.",
      from: { path: "^src/env[.]ts$" },
      to: { dependencyTypesNot: ["type-only"] },
    },
    {
      name: "nothing-imports-the-top",
      severity: "error",
      comment: "Only the Worker entry and the app assemble the parts.",
      from: { path: "^src/", pathNot: TOP },
      to: { path: TOP },
    },
  ],
  options: {
    doNotFollow: { path: "node_modules" },
    parser: "swc",
    tsPreCompilationDeps: false,
    tsConfig: { fileName: "tsconfig.json" },
    exclude: { path: "^(node_modules|test|bench|idp-fixtures)/" },
  },
};
