import { describe, expect, it, vi } from "vitest";
import { sameSecret, timingSafeEqual } from "../shared/crypto";

describe("secret comparison in workerd", () => {
  it("uses the native constant-time comparison, and answers right for equal, different and unequal-length secrets", () => {
    const spy = vi.spyOn(crypto.subtle, "timingSafeEqual");
    try {
      expect(sameSecret("a-session-csrf-token", "a-session-csrf-token")).toBe(true);
      expect(sameSecret("a-session-csrf-token", "a-session-csrf-tokeN")).toBe(false);
      expect(spy).toHaveBeenCalledTimes(2);
      // Lengths are public for every secret compared (fixed-size tokens, hashes, MACs).
      expect(sameSecret("short", "longer secret")).toBe(false);
      expect(sameSecret("", "")).toBe(false);
      expect(sameSecret(null, "x")).toBe(false);
      expect(timingSafeEqual(new Uint8Array([1, 2]), new Uint8Array([1, 2]))).toBe(true);
      expect(spy).toHaveBeenCalledTimes(3);
    } finally {
      spy.mockRestore();
    }
  });
});
