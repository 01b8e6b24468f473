// The Content-Security-Policy of the app page, in both shells (Electron's session headers and
// `whittle serve`'s responses): only the app's own scripts, styles and API; no plugins, no <base>,
// no form posts, and no framing by any other page (clickjacking).
export const APP_CSP = [
  "default-src 'self'", "script-src 'self'", "style-src 'self' 'unsafe-inline'", "img-src 'self' data: blob:",
  "connect-src 'self'", "object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'",
].join('; ');
