/**
 * The admin console's rules, appended to the pages' one stylesheet (./assets.ts): a wider frame with
 * navigation, tables, fieldsets and field errors. Scoped to `body.console`, so the sign-in pages are
 * unchanged.
 */
export const CONSOLE_STYLESHEET = `
body.console { align-items: stretch; }
.console .skip { position: absolute; left: -9999px; }
.console .skip:focus { left: 1rem; top: 1rem; z-index: 1; padding: .5rem 1rem; background: var(--card); }
.console .topbar {
  display: flex; flex-wrap: wrap; align-items: center; justify-content: space-between; gap: .75rem;
  padding: .75rem 1.5rem; background: var(--card); border-bottom: 1px solid var(--line);
}
.console .topbar .brand { width: auto; max-width: none; padding: 0; }
.console .topbar form { display: flex; align-items: center; gap: .75rem; margin: 0; color: var(--muted); }
.console .topbar button { width: auto; margin: 0; padding: .35rem .8rem; }
.console .frame { display: flex; flex-wrap: wrap; gap: 1.5rem; width: 100%; max-width: 76rem; margin: 0 auto; padding: 1.5rem; }
.console nav { flex: 0 0 14rem; }
.console nav ul { list-style: none; margin: 0 0 1rem; padding: 0; }
.console nav li { margin: .15rem 0; }
.console nav a { display: block; padding: .35rem .6rem; border-radius: .4rem; color: var(--text); text-decoration: none; }
.console nav a[aria-current="page"] { background: var(--accent); color: var(--accent-text); }
.console nav .nav-project { margin: 1rem 0 .25rem; font-size: .8125rem; color: var(--muted); overflow-wrap: anywhere; }
.console main { flex: 1 1 30rem; width: auto; max-width: none; min-width: 0; }
.console a { color: var(--accent); }
.console table { width: 100%; border-collapse: collapse; margin: 0 0 1rem; font-size: .9375rem; }
.console th, .console td { text-align: left; padding: .5rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; overflow-wrap: break-word; }
/* Only long ids may break anywhere: on every cell it let the table squeeze words ("Outcom|e") into narrow columns. */
.console td code { overflow-wrap: anywhere; }
.console fieldset { margin: 1.25rem 0 0; padding: .5rem 1rem 1rem; border: 1px solid var(--line); border-radius: .5rem; }
.console legend { padding: 0 .25rem; font-weight: 600; }
.console fieldset label, .console .choice label { display: inline; margin: 0 0 0 .35rem; font-weight: 400; }
.console .choice { margin: .4rem 0; }
.console input[type="text"], .console input[type="number"], .console textarea, .console select {
  width: 100%; padding: .5rem .65rem; font: inherit; color: var(--text); background: var(--card);
  border: 1px solid var(--muted); border-radius: .5rem;
}
.console textarea { min-height: 5rem; font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .875rem; }
.console textarea[aria-invalid="true"], .console input[aria-invalid="true"] { border-color: var(--alert-text); border-width: 2px; }
.console .hint { margin: .25rem 0 0; font-size: .8125rem; color: var(--muted); }
.console .field-error { margin: .25rem 0 0; font-weight: 600; color: var(--alert-text); }
.console .error-summary h2 { margin: 0 0 .5rem; }
.console .error-summary ul { margin: 0; padding-left: 1.25rem; }
.console .error-summary a { color: var(--alert-text); }
.console .notice { margin: 1rem 0; padding: .75rem 1rem; border: 1px solid var(--line); border-radius: .5rem; background: var(--bg); }
.console .secret { display: block; margin: .5rem 0; padding: .75rem; font-size: 1rem; background: var(--bg); border: 1px dashed var(--muted); border-radius: .5rem; user-select: all; }
.console .actions { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; }
.console .actions button, .console button.inline { width: auto; }
.console button.danger { background: var(--alert-text); border-color: var(--alert-text); color: #fff; }
.console dl { display: grid; grid-template-columns: max-content 1fr; gap: .35rem 1rem; margin: 0 0 1rem; }
.console dt { font-weight: 600; }
.console dd { margin: 0; overflow-wrap: anywhere; }
.console section + section { margin-top: 2rem; padding-top: 1rem; border-top: 1px solid var(--line); }
`;
