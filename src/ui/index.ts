/**
 * Fedgate's pages: render functions that return a complete `Response` with security headers (pure
 * `render…`, and `…Page(c, …)` for route handlers), and the route serving their stylesheet and icon
 * (`app.route(ASSETS_BASE, uiAssets)`).
 */
export { ASSETS_BASE, FAVICON_PATH, STYLESHEET_PATH, uiAssets } from "./assets";
export { pageHeaders } from "./headers";
export { HtmlDocument } from "./layout";
export { errorPage, renderConfirmSignOutPage, renderErrorPage, renderSignedOutPage, renderSignInPage, signedOutPage, signInPage } from "./pages";
