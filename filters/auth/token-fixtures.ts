// Test and bench helper (TypeScript on Node, not compiled to Wasm): keys, JWKS entries and
// JWTs made with Node's crypto, so the filter is checked against an independent implementation.
import { createHash, createHmac, generateKeyPairSync, randomBytes, sign, type KeyObject } from "node:crypto";

export const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");
const b64url = (data: Buffer | string): string => Buffer.from(data).toString("base64url");

export interface SigningKey {
  alg: "HS256" | "RS256" | "ES256";
  kid: string;
  /** The public JWK (for HS256: the secret as `k`) as it goes into the filter config. */
  jwk: Record<string, string>;
  sign(input: Buffer): Buffer;
}

export function hmacKey(kid: string, secret: Buffer = randomBytes(32)): SigningKey {
  return {
    alg: "HS256", kid,
    jwk: { kty: "oct", kid, k: b64url(secret) },
    sign: (input) => createHmac("sha256", secret).update(input).digest(),
  };
}

export function rsaKey(kid: string, modulusLength = 2048): SigningKey & { privateKey: KeyObject; publicKey: KeyObject } {
  const { publicKey, privateKey } = generateKeyPairSync("rsa", { modulusLength });
  const { n, e } = publicKey.export({ format: "jwk" });
  return {
    alg: "RS256", kid, privateKey, publicKey,
    jwk: { kty: "RSA", kid, alg: "RS256", n: n!, e: e! },
    sign: (input) => sign("sha256", input, privateKey),
  };
}

export function ecKey(kid: string): SigningKey {
  const { publicKey, privateKey } = generateKeyPairSync("ec", { namedCurve: "P-256" });
  const { x, y } = publicKey.export({ format: "jwk" });
  return {
    alg: "ES256", kid,
    jwk: { kty: "EC", kid, crv: "P-256", x: x!, y: y! },
    sign: (input) => sign("sha256", input, { key: privateKey, dsaEncoding: "ieee-p1363" }),
  };
}

/** A compact JWS; `header` overrides (alg, kid, crit...) apply after the key's defaults. */
export function makeJwt(key: SigningKey, claims: Record<string, unknown>, header: Record<string, unknown> = {}): string {
  const head = b64url(JSON.stringify({ alg: key.alg, typ: "JWT", kid: key.kid, ...header }));
  const body = b64url(JSON.stringify(claims));
  const input = `${head}.${body}`;
  return `${input}.${b64url(key.sign(Buffer.from(input)))}`;
}

/** An unsecured JWT (RFC 7519 §6): `alg: none`, empty signature. */
export function unsecuredJwt(claims: Record<string, unknown>, alg = "none"): string {
  return `${b64url(JSON.stringify({ alg, typ: "JWT" }))}.${b64url(JSON.stringify(claims))}.`;
}

/**
 * The HS256/RS256 confusion forgery (RFC 8725 §2.1): an HS256 token whose HMAC secret is the
 * RSA public key (here its modulus bytes and its PEM), which a confused verifier would accept.
 */
export function confusedTokens(rsa: { kid: string; publicKey: KeyObject; jwk: Record<string, string> }, claims: Record<string, unknown>): string[] {
  const secrets = [Buffer.from(rsa.jwk.n!, "base64url"), Buffer.from(rsa.publicKey.export({ format: "pem", type: "spki" }) as string)];
  return secrets.map((secret) => makeJwt({ ...hmacKey(rsa.kid, secret), kid: rsa.kid }, claims));
}

export const basicHeader = (user: string, password: string): string => `Basic ${Buffer.from(`${user}:${password}`).toString("base64")}`;
