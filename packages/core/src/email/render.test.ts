import { describe, expect, it } from "vitest";
import { InvalidEmailMessageError } from "./errors.ts";
import { renderBroadcast } from "./render.ts";
import { EMAIL_STYLE_ATTRIBUTES, INLINE_STYLES } from "./styles.ts";

const title = "OpenEMR 7.0.3 patch 4";

function fromMarkdown(contents: string) {
  return renderBroadcast({ title, contents });
}

function fromHtml(html: string) {
  return renderBroadcast({ title, contents: "unused when html is given", html });
}

describe("renderBroadcast from Markdown", () => {
  const contents = [
    "# Security release",
    "",
    "Read the [release notes](https://www.open-emr.org/wiki/index.php/OpenEMR_Patches).",
    "",
    "- Fixes **one** XSS",
    "- Fixes *another* issue",
    "",
    "1. Back up",
    "2. Apply `patch.zip`",
  ].join("\n");

  it("renders headings, links, lists and emphasis to HTML", () => {
    const { subject, html } = fromMarkdown(contents);
    expect(subject).toBe(title);
    expect(html).toContain("<h1>Security release</h1>");
    expect(html).toContain('<a href="https://www.open-emr.org/wiki/index.php/OpenEMR_Patches">release notes</a>');
    expect(html).toMatch(
      /<ul>\s*<li>Fixes <strong>one<\/strong> XSS<\/li>\s*<li>Fixes <em>another<\/em> issue<\/li>\s*<\/ul>/,
    );
    expect(html).toMatch(/<ol>\s*<li>Back up<\/li>/);
    expect(html).toContain('<code style="');
  });

  it("renders a text part that reads as prose, links as text (url)", () => {
    const { text } = fromMarkdown(contents);
    expect(text).toContain("SECURITY RELEASE");
    expect(text).toContain("Read the release notes (https://www.open-emr.org/wiki/index.php/OpenEMR_Patches).");
    expect(text).toContain(" * Fixes one XSS\n * Fixes another issue");
    expect(text).toContain(" 1. Back up\n 2. Apply patch.zip");
    expect(text).not.toMatch(/[#`[\]]|\*\*/);
  });

  it("renders plain text as paragraphs", () => {
    const { html, text } = fromMarkdown("Hello admins,\n\nplease upgrade.");
    expect(html).toBe("<p>Hello admins,</p>\n<p>please upgrade.</p>\n");
    expect(text).toBe("Hello admins,\n\nplease upgrade.");
  });

  it("renders GFM tables with borders in HTML and as columns in text", () => {
    const { html, text } = fromMarkdown("| Version | Fixed |\n|---|---|\n| 7.0.2 | no |\n| 7.0.3 | yes |");
    expect(html).toContain('<table style="border-collapse:collapse;');
    expect(html).toMatch(/<th style="[^"]+">Version<\/th>/);
    expect(text).toMatch(/VERSION\s+FIXED\n7\.0\.2\s+no\n7\.0\.3\s+yes/);
  });

  it("sanitizes raw HTML inside Markdown", () => {
    const { html, text } = fromMarkdown("Upgrade now.\n\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>");
    expect(html).not.toMatch(/script|onerror|alert|<img/);
    expect(text).toBe("Upgrade now.");
  });

  it("throws InvalidEmailMessageError when nothing visible is left", () => {
    expect(() => fromMarkdown("<script>alert(1)</script>")).toThrow(
      new InvalidEmailMessageError("The contents have no visible text once unsafe markup is removed"),
    );
  });

  it("throws InvalidEmailMessageError rather than overflowing the stack on absurd nesting", () => {
    expect(() => fromMarkdown(`${">".repeat(20_000)} deep`)).toThrow(
      new InvalidEmailMessageError("The contents are nested too deeply to render"),
    );
  });
});

describe("renderBroadcast from HTML", () => {
  it("uses the sanitized HTML and derives the text part from it", () => {
    const { html, text } = fromHtml('<h2>Patch</h2><p>Get it <a href="https://example.org/p">here</a>.</p>');
    expect(html).toBe('<h2>Patch</h2><p>Get it <a href="https://example.org/p">here</a>.</p>');
    expect(text).toBe("PATCH\n\nGet it here (https://example.org/p).");
  });

  it.each([
    ["a script", "<p>ok</p><script>alert(1)</script>", /script|alert/],
    ["an onerror handler", '<p>ok</p><img src="https://example.org/i.png" onerror="alert(1)">', /onerror|alert/],
    ["a javascript: link", '<p>ok <a href="javascript:alert(1)">click</a></p>', /javascript|alert/],
    ["an entity-obfuscated javascript: link", '<p><a href="jav&#x09;ascript:alert(1)">click</a></p>', /script|alert/],
    ["an iframe", '<p>ok</p><iframe src="https://evil.example">fallback</iframe>', /iframe|evil|fallback/],
    ["an svg with onload", '<p>ok</p><svg onload="alert(1)"><text>svg</text></svg>', /svg|onload|alert/],
    ["a data: image", '<p>ok</p><img src="data:image/png;base64,iVBORw0KGgo=">', /data:|<img/],
    ["a data: link", '<p><a href="data:text/html,<script>alert(1)</script>">x</a></p>', /data:|alert/],
    ["an object and embed", '<p>ok</p><object data="x.swf"></object><embed src="x.swf">', /object|embed|swf/],
    [
      "a form",
      '<form action="https://evil.example"><input name="pw"><button>go</button></form><p>ok</p>',
      /form|input|button|evil/,
    ],
    [
      "style blocks and attributes",
      '<style>p{color:red}</style><p style="background:url(https://evil.example)">ok</p>',
      /color:red|evil/,
    ],
    ["an event handler on any tag", '<p onclick="alert(1)" onmouseover="alert(2)">ok</p>', /onclick|onmouseover|alert/],
  ])("removes %s", (_, input, forbidden) => {
    const { html } = fromHtml(input);
    expect(html).not.toMatch(forbidden);
  });

  it("keeps https images, http/https/mailto links and formatting", () => {
    const { html } = fromHtml(
      '<p><strong>b</strong> <em>i</em> <a href="http://a.example">a</a> ' +
        '<a href="mailto:board@open-emr.org">m</a></p>' +
        '<blockquote>q</blockquote><pre><code>x</code></pre><hr><img src="https://open-emr.org/logo.png" alt="logo">',
    );
    expect(html).toContain('<a href="http://a.example">a</a>');
    expect(html).toContain('<a href="mailto:board@open-emr.org">m</a>');
    expect(html).toContain("<strong>b</strong> <em>i</em>");
    expect(html).toMatch(/<blockquote style="[^"]+">q<\/blockquote>/);
    expect(html).toMatch(/<img src="https:\/\/open-emr.org\/logo.png" alt="logo" style="[^"]+" \/>/);
  });

  it("flattens absurdly deep nesting and keeps its text", () => {
    const { html, text } = fromHtml(`${"<blockquote>".repeat(20_000)}deep`);
    expect(html.match(/<blockquote/g)?.length).toBeLessThanOrEqual(50);
    expect(text).toContain("deep");
  });

  it("drops images that are not absolute https", () => {
    const { html } = fromHtml(
      '<p>ok</p><img src="http://a.example/i.png"><img src="/relative.png"><img src="//cdn.example/i.png">',
    );
    expect(html).toBe("<p>ok</p>");
  });

  it("writes each inline style exactly as the pages' CSP hashes it", () => {
    const { html } = fromHtml(
      '<pre><code>x</code></pre><blockquote>q</blockquote><img src="https://open-emr.org/logo.png" alt="">' +
        "<table><tr><th>h</th></tr><tr><td>d</td></tr></table>",
    );
    const styles = [...html.matchAll(/style="([^"]*)"/g)].map((match) => match[1]);
    expect(styles).toHaveLength(Object.keys(INLINE_STYLES).length);
    for (const style of styles) expect(EMAIL_STYLE_ATTRIBUTES).toContain(style);
  });

  it("replaces the sender's styles with its own inline styles", () => {
    const { html } = fromHtml('<pre style="position:fixed">x</pre>');
    expect(html).not.toContain("position:fixed");
    expect(html).toMatch(/^<pre style="background:/);
  });

  it.each([
    ["only a script", "<script>alert('x')</script>"],
    ["only an iframe", '<iframe src="https://evil.example"></iframe>'],
    ["empty", ""],
    ["only empty markup", "<div><p> </p></div>"],
  ])("throws InvalidEmailMessageError when the HTML is %s", (_, html) => {
    expect(() => fromHtml(html)).toThrow(
      new InvalidEmailMessageError("The HTML has no visible text once unsafe markup is removed"),
    );
  });
});
