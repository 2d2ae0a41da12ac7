// Every style a broadcast's HTML part carries, in a module of its own: the console's CSP hashes
// them at its cold start, which must not load the renderer's HTML tool chain with them.

// Styles go inline on each element because many mail clients drop <style> blocks. Only these
// tags may carry a style, and it is always ours: the sender's own styles are replaced.
// No trailing `;`: sanitize-html writes each style back without it, and a CSP hash is of the
// attribute exactly as sent (render.test.ts checks that every rendered style is one of these).
export const INLINE_STYLES: Record<string, string> = {
  pre:
    "background:#f6f8fa;padding:12px;border-radius:6px;white-space:pre-wrap;" +
    "font-family:Menlo,Consolas,monospace;font-size:14px",
  code: "font-family:Menlo,Consolas,monospace;font-size:14px",
  blockquote: "margin:0 0 16px;padding:0 12px;border-left:4px solid #d1d9e0;color:#59636e",
  table: "border-collapse:collapse;margin:0 0 16px",
  th: "border:1px solid #d1d9e0;padding:6px 12px",
  td: "border:1px solid #d1d9e0;padding:6px 12px",
  img: "max-width:100%;height:auto",
};

// The document and footer `personalize` wraps each email in.
export const BODY_STYLE =
  "max-width:640px;margin:0 auto;padding:24px 16px;color:#1f2328;font-size:16px;line-height:1.5;" +
  "font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;";
export const FOOTER_STYLE = "margin:0;font-size:13px;color:#59636e;";
export const PAGE_STYLE = "margin:0;padding:0;background:#ffffff;";
export const RULE_STYLE = "border:0;border-top:1px solid #d1d9e0;margin:32px 0 16px;";
export const LINK_STYLE = "color:#59636e;";

/**
 * Every `style` attribute a broadcast's HTML part can carry: ours alone, for the console's preview,
 * whose CSP allows exactly these (`'unsafe-hashes'`).
 */
export const EMAIL_STYLE_ATTRIBUTES = [
  ...new Set([...Object.values(INLINE_STYLES), BODY_STYLE, FOOTER_STYLE, PAGE_STYLE, RULE_STYLE, LINK_STYLE]),
];
