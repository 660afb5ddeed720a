import { describe, expect, it } from "vitest";
import { Base64Error, decodeCanonicalBase64 } from "../src/handlers/fs-0166/base64.js";

/** A deterministic pseudo-random source (the same cases on every run). */
function random(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) & 0x7fffffff;
    return x / 0x80000000;
  };
}

describe("decodeCanonicalBase64 (fs/writeFile's dataBase64)", () => {
  it("decodes every canonical encoding to its bytes", () => {
    const next = random(1);
    for (let len = 0; len < 200; len++) {
      const bytes = Buffer.from(Array.from({ length: len }, () => Math.floor(next() * 256)));
      expect(decodeCanonicalBase64(bytes.toString("base64"))).toEqual(bytes);
    }
  });

  it("accepts only canonical encodings: whatever it decodes re-encodes to the same text", () => {
    const next = random(2);
    const symbols = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=== \n-_é";
    let accepted = 0;
    for (let i = 0; i < 20000; i++) {
      const text = Array.from(
        { length: Math.floor(next() * 9) },
        () => symbols[Math.floor(next() * symbols.length)],
      ).join("");
      let decoded: Buffer;
      try {
        decoded = decodeCanonicalBase64(text);
      } catch (err) {
        expect(err).toBeInstanceOf(Base64Error);
        continue;
      }
      accepted++;
      expect(decoded.toString("base64")).toBe(text);
    }
    expect(accepted).toBeGreaterThan(100);
  });
});
