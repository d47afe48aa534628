/**
 * The pages' one stylesheet (served by ./assets.ts). Calm and legible: system fonts, one accent,
 * contrast ≥ 4.5:1 for text in both colour schemes, a visible focus ring, and nothing that needs
 * JavaScript.
 */
export const STYLESHEET = `:root {
  color-scheme: light dark;
  --bg: #f4f5f7; --card: #ffffff; --text: #1b1f24; --muted: #555d68; --line: #d5d9df;
  --accent: #2f5bd3; --accent-hover: #244ab3; --accent-text: #ffffff;
  --alert-bg: #fdf1f0; --alert-line: #e3a6a0; --alert-text: #8a1c12; --focus: #f2b01e;
}
@media (prefers-color-scheme: dark) {
  :root {
    --bg: #14171c; --card: #1d2128; --text: #e8eaed; --muted: #a9b0ba; --line: #363c46;
    --accent: #7ea2ff; --accent-hover: #9ab6ff; --accent-text: #0d1526;
    --alert-bg: #3a1d1b; --alert-line: #7a3a34; --alert-text: #ffc7c0;
  }
}
*, *::before, *::after { box-sizing: border-box; }
html { font-size: 100%; }
body {
  margin: 0; min-height: 100vh; display: flex; flex-direction: column; align-items: center;
  background: var(--bg); color: var(--text); line-height: 1.5;
  font-family: system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif;
}
.brand { width: calc(100% - 2rem); max-width: 26rem; padding: 2.5rem 1.75rem 1rem; font-weight: 600; color: var(--muted); }
.brand span { display: inline-flex; align-items: center; gap: .5rem; }
.brand span::before {
  content: ""; width: .75rem; height: .75rem; border-radius: .2rem; background: var(--accent);
}
main {
  width: calc(100% - 2rem); max-width: 26rem; padding: 2rem 1.75rem; background: var(--card);
  border: 1px solid var(--line); border-radius: .75rem; box-shadow: 0 1px 3px rgba(16, 24, 40, .06);
}
h1 { margin: 0 0 .5rem; font-size: 1.5rem; line-height: 1.25; overflow-wrap: anywhere; }
h2 { margin: 1.75rem 0 .75rem; font-size: 1rem; }
p { margin: 0 0 1rem; }
.lede { color: var(--muted); }
label { display: block; margin: 1.25rem 0 .375rem; font-weight: 600; }
input[type="email"] {
  width: 100%; padding: .65rem .75rem; font: inherit; color: var(--text); background: var(--card);
  border: 1px solid var(--muted); border-radius: .5rem;
}
input[aria-invalid="true"] { border-color: var(--alert-text); }
button {
  display: block; width: 100%; margin-top: 1rem; padding: .7rem 1rem; font: inherit; font-weight: 600;
  color: var(--accent-text); background: var(--accent); border: 1px solid var(--accent); border-radius: .5rem;
  cursor: pointer;
}
button:hover { background: var(--accent-hover); border-color: var(--accent-hover); }
button.secondary { color: var(--text); background: transparent; border-color: var(--line); margin-top: .5rem; }
button.secondary:hover { background: var(--bg); }
:focus-visible { outline: 3px solid var(--focus); outline-offset: 2px; }
[role="alert"] {
  margin: 1rem 0 0; padding: .75rem 1rem; color: var(--alert-text); background: var(--alert-bg);
  border: 1px solid var(--alert-line); border-radius: .5rem; overflow-wrap: anywhere;
}
.divider { display: flex; align-items: center; gap: .75rem; margin: 1.75rem 0 .25rem; color: var(--muted); font-size: .875rem; font-weight: 400; }
.divider::before, .divider::after { content: ""; flex: 1; border-top: 1px solid var(--line); }
.reference { margin: 1.5rem 0 0; font-size: .875rem; color: var(--muted); }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; font-size: .875em; overflow-wrap: anywhere; }
footer { max-width: 26rem; padding: 1.25rem; font-size: .8125rem; color: var(--muted); text-align: center; }
.visually-hidden {
  position: absolute; width: 1px; height: 1px; margin: -1px; padding: 0; overflow: hidden;
  clip: rect(0 0 0 0); white-space: nowrap; border: 0;
}
`;
