/** The frame every page shares: the HTML document, and for the sign-in pages a brand line and one `main` landmark. */
import type { Child } from "hono/jsx";
import { FAVICON_PATH, STYLESHEET_PATH } from "./assets";

export interface LayoutProps {
  /** The document title (the tab, and the first thing a screen reader announces). */
  title: string;
  /** Shown above the card: the project's name, or "Fedgate". */
  brand: string;
  children?: Child;
}

/**
 * The HTML document of every page Fedgate renders (sign-in pages, console, setup): language, title,
 * icon, stylesheet; `skipLink` adds "Skip to content" (to `#main`) for pages with navigation.
 */
export function HtmlDocument({ title, bodyClass, skipLink = false, children }: { title: string; bodyClass?: string; skipLink?: boolean; children?: Child }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="robots" content="noindex" />
        <title>{title}</title>
        <link rel="icon" type="image/svg+xml" href={FAVICON_PATH} />
        <link rel="stylesheet" href={STYLESHEET_PATH} />
      </head>
      <body class={bodyClass}>
        {skipLink ? (
          <a class="skip" href="#main">
            Skip to content
          </a>
        ) : null}
        {children}
      </body>
    </html>
  );
}

export function Layout({ title, brand, children }: LayoutProps) {
  return (
    <HtmlDocument title={title}>
      <header class="brand">
        <span>{brand}</span>
      </header>
      <main>{children}</main>
      <footer>Secured by Fedgate</footer>
    </HtmlDocument>
  );
}
