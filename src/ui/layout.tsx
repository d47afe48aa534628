/** The frame every page shares: language, title, stylesheet, a brand line, one `main` landmark. */
import type { Child } from "hono/jsx";
import { FAVICON_PATH, STYLESHEET_PATH } from "./assets";

export interface LayoutProps {
  /** The document title (the tab, and the first thing a screen reader announces). */
  title: string;
  /** Shown above the card: the project's name, or "Fedgate". */
  brand: string;
  children?: Child;
}

export function Layout({ title, brand, children }: LayoutProps) {
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
      <body>
        <header class="brand">
          <span>{brand}</span>
        </header>
        <main>{children}</main>
        <footer>Secured by Fedgate</footer>
      </body>
    </html>
  );
}
