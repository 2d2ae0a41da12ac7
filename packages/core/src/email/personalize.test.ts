import { describe, expect, it } from "vitest";
import { unsubscribeUrl } from "./links.ts";
import { personalize } from "./personalize.ts";
import { renderBroadcast } from "./render.ts";

const URL = "https://reg.open-emr.org/api/registration/unsubscribe/eyJlIjoiYUBiLmMifQ.abc-_123";
const PRIVACY = "https://reg.open-emr.org/api/registration/privacy/eyJlIjoiYUBiLmMifQ.abc-_123";
const rendered = renderBroadcast({ title: 'Patch <4> & "more"', contents: "Please **upgrade**." });

describe("personalize", () => {
  const { subject, html, text } = personalize(rendered, { unsubscribeUrl: URL, privacyUrl: PRIVACY });

  it("keeps the subject as the title, unescaped", () => {
    expect(subject).toBe('Patch <4> & "more"');
  });

  it("ends the text part with a signature-delimited footer: why, how to unsubscribe, where the data is", () => {
    expect(text).toBe(
      "Please upgrade.\n\n-- \n" +
        "You receive this email because this address was registered in an OpenEMR installation " +
        "to get security and release announcements from the OpenEMR project.\n" +
        `Unsubscribe: ${URL}\nYour data: ${PRIVACY}\n`,
    );
  });

  it("wraps the HTML part in a self-contained document with the body, then the footer link", () => {
    expect(html).toMatch(/^<!doctype html><html><head><meta charset="utf-8">/);
    expect(html).toContain("<title>Patch &lt;4&gt; &amp; &quot;more&quot;</title>");
    expect(html.indexOf("<strong>upgrade</strong>")).toBeLessThan(
      html.indexOf("registered in an OpenEMR installation"),
    );
    expect(html).toContain(`<a href="${URL}" style="color:#59636e;">Unsubscribe</a>`);
    expect(html).toMatch(/<\/html>$/);
    expect(html).not.toMatch(/<link|<style|<script|src=/);
  });

  it("escapes the URL in the HTML part", () => {
    const { html } = personalize(rendered, {
      unsubscribeUrl: 'https://x.example/u?a=1&b="2"',
      privacyUrl: "https://x.example/p",
    });
    expect(html).toContain('href="https://x.example/u?a=1&amp;b=&quot;2&quot;"');
  });
});

describe("unsubscribeUrl", () => {
  it("puts the token under the API's unsubscribe route, with or without a trailing slash", () => {
    expect(unsubscribeUrl("https://reg.open-emr.org", "p.s")).toBe(
      "https://reg.open-emr.org/api/registration/unsubscribe/p.s",
    );
    expect(unsubscribeUrl("http://localhost:3000/", "p.s")).toBe(
      "http://localhost:3000/api/registration/unsubscribe/p.s",
    );
  });
});
