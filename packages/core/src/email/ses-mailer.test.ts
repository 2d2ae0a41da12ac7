import { describe, expect, it } from "vitest";
import { fromAddress } from "./ses-mailer.ts";

describe("fromAddress", () => {
  it("sends from a configured address as it is, and from noreply@ a configured domain", () => {
    expect(fromAddress("Board <board@open-emr.org>")).toBe("Board <board@open-emr.org>");
    expect(fromAddress("open-emr.org")).toBe("OpenEMR Announcements <noreply@open-emr.org>");
  });
});
