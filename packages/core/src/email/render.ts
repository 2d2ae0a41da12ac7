import { compile } from "html-to-text";
import { Marked } from "marked";
import sanitizeHtml from "sanitize-html";
import { InvalidEmailMessageError } from "./errors.ts";
import type { BroadcastMessage } from "./message.ts";
import { INLINE_STYLES } from "./styles.ts";

/** A broadcast rendered once, ready to be personalized for each recipient. */
export type RenderedBroadcast = {
  subject: string;
  /** Sanitized HTML fragment: the body of the HTML part, without the footer. */
  html: string;
  /** The plain-text part, without the footer. */
  text: string;
};

const SANITIZE_OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    ...["h1", "h2", "h3", "h4", "h5", "h6", "p", "br", "hr", "blockquote", "pre", "code"],
    ...["a", "strong", "b", "em", "i", "del", "s", "ul", "ol", "li", "img"],
    ...["table", "thead", "tbody", "tr", "th", "td"],
  ],
  // `style` only where INLINE_STYLES sets it.
  allowedAttributes: {
    a: ["href", "title"],
    img: ["src", "alt", "title", "width", "height", "style"],
    ol: ["start"],
    th: ["align", "style"],
    td: ["align", "style"],
    pre: ["style"],
    code: ["style"],
    blockquote: ["style"],
    table: ["style"],
  },
  // Deeper tags are dropped, their text kept: html-to-text recurses per level and would
  // overflow the stack on a few thousand.
  nestingLimit: 50,
  allowedSchemes: ["http", "https", "mailto"],
  allowProtocolRelative: false,
  // Dropped with everything inside them, not just their tags: none of it is meant to be read.
  nonTextTags: [
    ...["script", "style", "textarea", "option", "noscript", "title"],
    ...["iframe", "object", "embed", "svg", "math", "template"],
  ],
  transformTags: Object.fromEntries(
    Object.entries(INLINE_STYLES).map(([tag, style]) => [
      tag,
      (tagName: string, attribs: sanitizeHtml.Attributes) => ({ tagName, attribs: { ...attribs, style } }),
    ]),
  ),
  // An image must be absolute https: a relative source cannot load in a mail client, and plain
  // http is fetched in clear text, which many clients block.
  exclusiveFilter: (frame) => frame.tag === "img" && !/^https:\/\//i.test(frame.attribs.src ?? ""),
};

const markdown = new Marked({ gfm: true });

// The text part is always derived from the sanitized HTML, even for Markdown: it then says
// exactly what the HTML part says (no raw HTML or script that the sanitizer removed) and reads
// as plain prose, with links as "text (url)".
const htmlToText = compile({
  wordwrap: false, // clients wrap for their own width; hard breaks look ragged on a phone
  selectors: [
    { selector: "a", options: { linkBrackets: ["(", ")"], hideLinkHrefIfSameAsText: true } },
    { selector: "img", options: { linkBrackets: ["(", ")"] } },
    { selector: "table", format: "dataTable" },
  ],
});

/**
 * Renders a broadcast once into a sanitized HTML fragment and a plain-text part, from `html` when
 * it is given and from the Markdown `contents` otherwise.
 * @throws InvalidEmailMessageError when nothing visible is left after sanitizing.
 */
export function renderBroadcast(message: BroadcastMessage): RenderedBroadcast {
  const source = message.html ?? markdownToHtml(message.contents);
  const html = sanitizeHtml(source, SANITIZE_OPTIONS);
  const text = htmlToText(html).trim();
  if (!text) {
    const what = message.html === undefined ? "The contents have" : "The HTML has";
    throw new InvalidEmailMessageError(`${what} no visible text once unsafe markup is removed`);
  }
  return { subject: message.title, html, text };
}

function markdownToHtml(contents: string): string {
  try {
    return markdown.parse(contents, { async: false });
  } catch (error) {
    // marked recurses per level of nesting, so a few thousand `>` in a row overflow the stack.
    if (error instanceof RangeError) throw new InvalidEmailMessageError("The contents are nested too deeply to render");
    throw error;
  }
}
