// Keyboard-only driving of a page for the console's browser tests: after sign-in a journey uses only
// Tab / Shift+Tab to move, Space / Enter / arrow keys to act, and typing (Control+A to select a field's
// text before typing over it). Nothing here clicks or fills: if a control cannot be reached or used by
// keyboard, the helper throws naming it, so the test fails the way a keyboard user would be stuck.
import type { Page } from "playwright-core";

/** What has the focus, as a keyboard user would perceive it. */
export interface Focused {
  tag: string;
  id: string;
  type: string;
  /** The visible text of a button or link, or the label of a control (its <label>, or aria-label). */
  name: string;
  checked: boolean;
  value: string;
  /** Whether the focus is drawn (an outline from :focus-visible), so a keyboard user sees where they are. */
  ring: boolean;
}

export async function focused(page: Page): Promise<Focused> {
  return page.evaluate(() => {
    const el = document.activeElement as HTMLInputElement | null;
    if (!el || el === document.body) return { tag: "body", id: "", type: "", name: "", checked: false, value: "", ring: false };
    const style = getComputedStyle(el);
    const labelled = el.labels?.[0]?.textContent ?? el.getAttribute("aria-label") ?? el.textContent ?? "";
    return {
      tag: el.tagName.toLowerCase(), id: el.id, type: el.getAttribute("type") ?? "", name: labelled.replace(/\s+/g, " ").trim(),
      checked: el.checked === true, value: typeof el.value === "string" ? el.value : "",
      ring: style.outlineStyle !== "none" && parseFloat(style.outlineWidth) >= 2,
    };
  });
}

/** A focus target: an element id, or the accessible text of a button, link or control. */
export type Target = { id: string } | { name: string | RegExp };

const matches = (f: Focused, target: Target) =>
  "id" in target ? f.id === target.id : typeof target.name === "string" ? f.name === target.name : target.name.test(f.name);
const describe = (target: Target) => ("id" in target ? `#${target.id}` : `"${String(target.name)}"`);

/** Presses Tab (or Shift+Tab) until `target` has the focus (with a visible focus ring); throws after `max` presses. */
export async function tabTo(page: Page, target: Target, options: { backwards?: boolean; max?: number } = {}): Promise<Focused> {
  const seen: string[] = [];
  for (let i = 0; i < (options.max ?? 60); i++) {
    await page.keyboard.press(options.backwards ? "Shift+Tab" : "Tab");
    const now = await focused(page);
    if (matches(now, target)) {
      if (!now.ring) throw new Error(`${describe(target)} has the focus but no visible focus ring`);
      return now;
    }
    seen.push(now.id ? `#${now.id}` : `${now.tag} "${now.name.slice(0, 30)}"`);
  }
  throw new Error(`${options.backwards ? "Shift+Tab" : "Tab"} never reached ${describe(target)}; focus went through: ${seen.join(", ")}`);
}

/** From a freshly loaded page: the skip link first, Enter, so Tab continues inside <main>. */
export async function skipToContent(page: Page): Promise<void> {
  await page.keyboard.press("Tab");
  const skip = await focused(page);
  if (skip.name !== "Skip to content") throw new Error(`the first Tab reached ${skip.tag} "${skip.name}", not the skip link`);
  await page.keyboard.press("Enter");
  const main = await page.evaluate(() => document.activeElement?.id);
  if (main !== "main") throw new Error(`the skip link left the focus on #${main}, not <main>`);
}

/** Tabs to the field `id`, selects what it holds and types `text` over it. */
export async function typeInto(page: Page, id: string, text: string): Promise<void> {
  await tabTo(page, { id });
  await page.keyboard.press("Control+A");
  if (text === "") await page.keyboard.press("Delete");
  else await page.keyboard.type(text);
}

/** Tabs to the button or link named `name` and presses `key` on it (Enter by default), waiting for the page it loads. */
export async function activate(page: Page, name: string | RegExp, options: { key?: "Enter" | "Space"; backwards?: boolean } = {}): Promise<void> {
  await tabTo(page, { name }, { backwards: options.backwards });
  await Promise.all([page.waitForEvent("load"), page.keyboard.press(options.key ?? "Enter")]);
}

/** Presses an arrow key in a radio group until the radio labelled `label` is checked (arrows move and check). */
export async function arrowToRadio(page: Page, label: string, key: "ArrowDown" | "ArrowUp" = "ArrowDown"): Promise<void> {
  for (let i = 0; i < 10; i++) {
    const now = await focused(page);
    if (now.type !== "radio") throw new Error(`the focus left the radio group at ${now.tag} "${now.name}"`);
    if (now.name === label) {
      if (!now.checked) throw new Error(`the radio "${label}" has the focus but is not checked`);
      return;
    }
    await page.keyboard.press(key);
  }
  throw new Error(`${key} never reached the radio "${label}"`);
}

/** In a focused <select>, presses ArrowDown (then ArrowUp) until the option whose text starts with `text` is selected. */
export async function arrowToOption(page: Page, text: string): Promise<void> {
  const selected = () => page.evaluate(() => {
    const el = document.activeElement as HTMLSelectElement | null;
    return el?.tagName === "SELECT" ? (el.selectedOptions[0]?.textContent ?? "") : null;
  });
  for (const key of ["ArrowDown", "ArrowUp"] as const) {
    for (let i = 0; i < 20; i++) {
      const now = await selected();
      if (now === null) throw new Error("the focus is not on a <select>");
      if (now.startsWith(text)) return;
      await page.keyboard.press(key);
    }
  }
  throw new Error(`the arrow keys never selected the option "${text}"`);
}
