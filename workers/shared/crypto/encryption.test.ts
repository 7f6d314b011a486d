import { describe, expect, it } from "vitest";
import { decryptField, encryptField } from "./encryption";

const SECRET = "test-data-encryption-key-0123456789abcdef";

describe("field encryption", () => {
  it("round-trips and uses a fresh IV each time", async () => {
    const a = await encryptField("JBSWY3DPEHPK3PXP", SECRET, "totp");
    const b = await encryptField("JBSWY3DPEHPK3PXP", SECRET, "totp");
    expect(a).not.toBe(b);
    expect(a).not.toContain("JBSWY3DPEHPK3PXP");
    expect(await decryptField(a, SECRET, "totp")).toBe("JBSWY3DPEHPK3PXP");
  });

  it("refuses a wrong key, a different purpose and a tampered value", async () => {
    const sealed = await encryptField("secret", SECRET, "totp");
    await expect(decryptField(sealed, "another-key-0123456789abcdef0123456789", "totp")).rejects.toThrow();
    await expect(decryptField(sealed, SECRET, "signing-key")).rejects.toThrow();
    const [v, iv, data] = sealed.split(".");
    const flipped = `${v}.${iv}.${data!.slice(0, -3)}${data!.slice(-3) === "AAA" ? "BBB" : "AAA"}`;
    await expect(decryptField(flipped, SECRET, "totp")).rejects.toThrow();
  });
});
