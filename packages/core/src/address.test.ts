import { describe, expect, it } from "vitest";
import { maskEmail, normalizeEmail, redactEmails } from "./address.ts";
import { EmailAddress } from "./address-schema.ts";

describe("EmailAddress", () => {
  it("accepts everyday addresses and returns them trimmed", () => {
    expect(EmailAddress.parse(" Admin.Name+openemr@Clinic-1.example.org ")).toBe(
      "Admin.Name+openemr@Clinic-1.example.org",
    );
    expect(EmailAddress.parse("o'brien@example.co.uk")).toBe("o'brien@example.co.uk");
  });

  it("rejects an address with a trailing dot in its local part or two dots in a row", () => {
    expect(EmailAddress.safeParse("admin.@example.org").success).toBe(false);
    expect(EmailAddress.safeParse("ad..min@example.org").success).toBe(false);
  });
});

describe("normalizeEmail", () => {
  it("makes spellings of one mailbox that differ in letter case equal", () => {
    expect(normalizeEmail(" Admin@Example.ORG")).toBe(normalizeEmail("admin@example.org"));
  });
});

describe("maskEmail", () => {
  it("keeps the first letter and the domain only", () => {
    expect(maskEmail("jane.doe@example.org")).toBe("j***@example.org");
    expect(maskEmail("@example.org")).toBe("***");
  });
});

describe("redactEmails", () => {
  it("masks every address a service quotes in a message", () => {
    expect(redactEmails("Email address is not verified: jane.doe@example.org, <ops@clinic.example.org>.")).toBe(
      "Email address is not verified: j***@example.org, <o***@clinic.example.org>.",
    );
  });
});
