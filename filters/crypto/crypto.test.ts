// The AssemblyScript crypto (filters/crypto) compiled to Wasm (crypto.wasm.ts, asc ESM
// bindings) against published vectors — FIPS 180-4 examples, RFC 4231, Wycheproof subsets in
// testdata/ — and against Node's crypto on random inputs (sign in Node, verify in Wasm).
import { generateKeyPairSync, createHash, createHmac, sign, type KeyObject } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import * as wasm from "../../build/filters/crypto/crypto.js";

const hex = (bytes: Uint8Array | null): string => (bytes === null ? "null" : Buffer.from(bytes).toString("hex"));
const fromHex = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "hex"));
const ascii = (text: string): Uint8Array => new Uint8Array(Buffer.from(text, "latin1"));
const testdata = (name: string) => JSON.parse(readFileSync(new URL(`./testdata/${name}`, import.meta.url), "utf8"));

describe("SHA-256 (FIPS 180-4 examples)", () => {
  it.each([
    ["", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"],
    ["abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
    ["abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq", "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"],
    [
      "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu",
      "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1",
    ],
  ])("%j", (message, digest) => {
    expect(hex(wasm.sha256(ascii(message)))).toBe(digest);
  });

  it("one million 'a'", () => {
    expect(hex(wasm.sha256(new Uint8Array(1_000_000).fill(0x61)))).toBe("cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  });

  it("matches Node on random messages, across block and padding boundaries", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (message) => {
        expect(hex(wasm.sha256(message))).toBe(createHash("sha256").update(message).digest("hex"));
      }),
      { numRuns: 200 },
    );
  });
});

describe("HMAC-SHA256 (RFC 4231 §4)", () => {
  const longKey = new Uint8Array(131).fill(0xaa);
  it.each([
    ["1", new Uint8Array(20).fill(0x0b), ascii("Hi There"), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"],
    ["2", ascii("Jefe"), ascii("what do ya want for nothing?"), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"],
    ["3", new Uint8Array(20).fill(0xaa), new Uint8Array(50).fill(0xdd), "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"],
    ["4", fromHex("0102030405060708090a0b0c0d0e0f10111213141516171819"), new Uint8Array(50).fill(0xcd), "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"],
    ["5 (first 128 bits)", new Uint8Array(20).fill(0x0c), ascii("Test With Truncation"), "a3b6167473100ee06e0c796c2955552b"],
    ["6", longKey, ascii("Test Using Larger Than Block-Size Key - Hash Key First"), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"],
    [
      "7",
      longKey,
      ascii("This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm."),
      "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    ],
  ])("test case %s", (_name, key, data, mac) => {
    expect(hex(wasm.hmacSha256(key, data)).slice(0, mac.length)).toBe(mac);
  });

  it("matches Node on random keys and messages", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 150 }), fc.uint8Array({ maxLength: 200 }), (key, message) => {
        expect(hex(wasm.hmacSha256(key, message))).toBe(createHmac("sha256", key).update(message).digest("hex"));
      }),
      { numRuns: 150 },
    );
  });
});

describe("constant-time compare", () => {
  it("accumulates the difference of every byte instead of stopping at the first", () => {
    const a = new Uint8Array(32).fill(7);
    const b = a.slice();
    b[0] ^= 0x01; // differs in the first byte ...
    b[31] ^= 0x80; // ... and in the last: an early exit would never see this bit
    expect(wasm.accumulatedDifference(a, b)).toBe(0x81);
    expect(wasm.constantTimeEqual(a, b)).toBe(false);
  });

  it("is equal only for identical bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.nat(), fc.integer({ min: 1, max: 255 }), (a, at, flip) => {
        expect(wasm.constantTimeEqual(a, a.slice())).toBe(true);
        const b = a.slice();
        b[at % b.length] ^= flip;
        expect(wasm.constantTimeEqual(a, b)).toBe(false);
        expect(wasm.accumulatedDifference(a, b)).toBe(flip);
      }),
      { numRuns: 100 },
    );
  });

  it("rejects different lengths", () => {
    expect(wasm.constantTimeEqual(new Uint8Array(31), new Uint8Array(32))).toBe(false);
  });
});

describe("base64 / base64url (RFC 4648)", () => {
  it("decodes what Node encodes, with and without padding", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const buffer = Buffer.from(bytes);
        expect(hex(wasm.decodeBase64(buffer.toString("base64")))).toBe(buffer.toString("hex"));
        expect(hex(wasm.decodeBase64Url(buffer.toString("base64url")))).toBe(buffer.toString("hex"));
        expect(hex(wasm.decodeBase64(buffer.toString("base64").replace(/=+$/, "")))).toBe(buffer.toString("hex"));
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ["a", "impossible length"],
    ["ab=c", "padding inside"],
    ["abc=d", "padding inside"],
    ["ab==", "non-zero leftover bits"],
    ["YQ=", "incomplete padding"],
    ["a b=", "space"],
    ["-_8=", "url alphabet in standard base64"],
  ])("standard base64 rejects %j (%s)", (text) => {
    expect(wasm.decodeBase64(text)).toBeNull();
  });

  it("base64url rejects the standard alphabet", () => {
    expect(wasm.decodeBase64Url("+/8")).toBeNull();
    expect(hex(wasm.decodeBase64Url("-_8"))).toBe("fbff");
  });

  it("hex", () => {
    expect(hex(wasm.decodeHex("00ffAb"))).toBe("00ffab");
    expect(wasm.decodeHex("abc")).toBeNull();
    expect(wasm.decodeHex("zz")).toBeNull();
  });
});

describe("RSASSA-PKCS1-v1_5 SHA-256", () => {
  const vectors = testdata("wycheproof-rsa-2048-sha256-pkcs1.json");
  const n = new Uint8Array(Buffer.from(vectors.n, "base64url"));
  const e = new Uint8Array(Buffer.from(vectors.e, "base64url"));

  it.each(vectors.cases.map((c: { tcId: number; comment: string }) => [c.tcId, c.comment, c]))(
    "Wycheproof tcId %i %s",
    (_id, _comment, c: { msg: string; sig: string; result: string }) => {
      expect(wasm.rsaVerify(n, e, fromHex(c.msg), fromHex(c.sig))).toBe(c.result === "valid" ? 1 : 0);
    },
  );

  it("rejects a signature equal to or above the modulus, and of the wrong length", () => {
    expect(wasm.rsaVerify(n, e, ascii("x"), n)).toBe(0);
    expect(wasm.rsaVerify(n, e, ascii("x"), new Uint8Array(255).fill(1))).toBe(0);
  });

  it("refuses weak or malformed keys with a reason", () => {
    const { publicKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
    const small = publicKey.export({ format: "jwk" });
    expect(wasm.rsaVerify(new Uint8Array(Buffer.from(small.n!, "base64url")), e, ascii("x"), new Uint8Array(128))).toBe(-1);
    expect(wasm.keyError()).toBe("modulus has 1024 bits, expected 2048 to 4096");
    expect(wasm.rsaVerify(n, new Uint8Array([1, 0]), ascii("x"), new Uint8Array(256))).toBe(-1);
    expect(wasm.keyError()).toMatch(/exponent must be odd/);
  });

  it("a key parsed once verifies many times (the filter's and the bench's path)", () => {
    const c = vectors.cases[2];
    const digest = new Uint8Array(createHash("sha256").update(fromHex(c.msg)).digest());
    expect(wasm.prepareRsaKey(n, e)).toBe(true);
    expect(wasm.rsaVerifyPrepared(digest, fromHex(c.sig), 3)).toBe(1);
    digest[0] ^= 1;
    expect(wasm.rsaVerifyPrepared(digest, fromHex(c.sig), 1)).toBe(0);
  });

  describe("against Node on random keys and messages", () => {
    let keys: { n: Uint8Array; e: Uint8Array; privateKey: KeyObject }[] = [];
    beforeAll(() => {
      keys = [2048, 3072, 4096, 2048].map((modulusLength, index) => {
        const publicExponent = index === 3 ? 3 : 65537;
        const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength, publicExponent });
        const jwk = publicKey.export({ format: "jwk" });
        return { n: new Uint8Array(Buffer.from(jwk.n!, "base64url")), e: new Uint8Array(Buffer.from(jwk.e!, "base64url")), privateKey };
      });
    });

    it("accepts Node's signatures and rejects any flipped bit of signature or message", () => {
      fc.assert(
        fc.property(fc.nat(3), fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.nat(7), (which, message, at, bit) => {
          const key = keys[which]!;
          const signature = new Uint8Array(sign("sha256", message, key.privateKey));
          expect(wasm.rsaVerify(key.n, key.e, message, signature)).toBe(1);
          const badSignature = signature.slice();
          badSignature[at % badSignature.length] ^= 1 << bit;
          expect(wasm.rsaVerify(key.n, key.e, message, badSignature)).toBe(0);
          const badMessage = message.slice();
          badMessage[at % badMessage.length] ^= 1 << bit;
          expect(wasm.rsaVerify(key.n, key.e, badMessage, signature)).toBe(0);
        }),
        { numRuns: 12 },
      );
    });
  });
});

describe("ECDSA P-256 SHA-256 (JOSE r || s)", () => {
  const vectors = testdata("wycheproof-ecdsa-p256-sha256-p1363.json");
  const coordinate = (text: string) => fromHex(text).slice(-32);

  it.each(vectors.cases.map((c: { tcId: number; comment: string }) => [c.tcId, c.comment, c]))(
    "Wycheproof tcId %i %s",
    (_id, _comment, c: { wx: string; wy: string; msg: string; sig: string; result: string }) => {
      expect(wasm.p256Verify(coordinate(c.wx), coordinate(c.wy), fromHex(c.msg), fromHex(c.sig))).toBe(c.result === "valid" ? 1 : 0);
    },
  );

  it("a key parsed once verifies many times", () => {
    const c = vectors.cases[0];
    const digest = new Uint8Array(createHash("sha256").update(fromHex(c.msg)).digest());
    expect(wasm.prepareP256Key(coordinate(c.wx), coordinate(c.wy))).toBe(true);
    expect(wasm.p256VerifyPrepared(digest, fromHex(c.sig), 3)).toBe(1);
    const tampered = fromHex(c.sig);
    tampered[63] ^= 1;
    expect(wasm.p256VerifyPrepared(digest, tampered, 1)).toBe(0);
  });

  it("refuses a public key that is not on the curve", () => {
    const c = vectors.cases[0];
    const y = coordinate(c.wy);
    y[31] ^= 1;
    expect(wasm.p256Verify(coordinate(c.wx), y, fromHex(c.msg), fromHex(c.sig))).toBe(-1);
  });

  describe("against Node on random keys and messages", () => {
    let keys: { x: Uint8Array; y: Uint8Array; privateKey: KeyObject }[] = [];
    beforeAll(() => {
      keys = [0, 1, 2].map(() => {
        const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
        const jwk = publicKey.export({ format: "jwk" });
        return { x: new Uint8Array(Buffer.from(jwk.x!, "base64url")), y: new Uint8Array(Buffer.from(jwk.y!, "base64url")), privateKey };
      });
    });

    it("accepts Node's signatures and rejects any flipped bit of signature or message", () => {
      fc.assert(
        fc.property(fc.nat(2), fc.uint8Array({ minLength: 1, maxLength: 200 }), fc.nat(), fc.nat(7), (which, message, at, bit) => {
          const key = keys[which]!;
          const signature = new Uint8Array(sign("sha256", message, { key: key.privateKey, dsaEncoding: "ieee-p1363" }));
          expect(wasm.p256Verify(key.x, key.y, message, signature)).toBe(1);
          const badSignature = signature.slice();
          badSignature[at % 64] ^= 1 << bit;
          expect(wasm.p256Verify(key.x, key.y, message, badSignature)).toBe(0);
          const badMessage = message.slice();
          badMessage[at % badMessage.length] ^= 1 << bit;
          expect(wasm.p256Verify(key.x, key.y, badMessage, signature)).toBe(0);
        }),
        { numRuns: 25 },
      );
    });
  });
});
