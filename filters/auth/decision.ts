// The local authentication decision for one request: which credential the request presents,
// whether the route's policy accepts it, and what to tell the client or the upstream. Pure
// (the request is read through RequestView), so logic.wasm.ts runs the same cases without a host.
import { HeaderPair } from "@attache/proxy-wasm-sdk/headers";
import { accumulatedDifferenceRaw } from "../crypto/compare";
import { sha256Into } from "../crypto/sha256";
import { ApiKeyMethod, BasicMethod, JwtMethod, Policy } from "./config";
import { parseAuthorization, parseBasicCredentials, queryParameter } from "./credentials";
import { claimHeaderValue } from "./claims";
import { verifyJwt } from "./jwt";
import { Decision, Outcome } from "./outcome";

/** Read access to the request being checked, and the clock (read only when a JWT needs it). */
export abstract class RequestView {
  abstract header(name: string): string | null;
  /** Unix time in seconds. */
  abstract nowSeconds(): f64;
}

const NO_METHOD = new Decision(Outcome.Allowed, "", "");
const MISSING_CREDENTIALS = new Decision(Outcome.MissingCredentials, "", "missing credentials");
const INVALID_API_KEY = new Decision(Outcome.Unauthorized, "api-key", "invalid api key");
const MALFORMED_BASIC = new Decision(Outcome.Unauthorized, "basic", "malformed basic credentials");
const INVALID_BASIC = new Decision(Outcome.Unauthorized, "basic", "invalid username or password");

// Hashing the presented secret even for unknown users keeps the time spent independent of
// whether the username exists.
const UNKNOWN_USER_DIGEST = new Uint8Array(32);

/** SHA-256 of the presented secret, in static memory (a VM runs one callback at a time). */
const DIGEST: usize = memory.data(32);
/** The secret's UTF-8 bytes; grown when a longer secret arrives, never per request. */
let utf8Scratch = new ArrayBuffer(256);

function digestOf(secret: string): usize {
  const units = secret.length;
  if (units * 3 > utf8Scratch.byteLength) utf8Scratch = new ArrayBuffer(units * 3);
  const bytes = String.UTF8.encodeUnsafe(changetype<usize>(secret), units, changetype<usize>(utf8Scratch));
  sha256Into(changetype<usize>(utf8Scratch), <i32>bytes, DIGEST);
  return DIGEST;
}

/** Constant-time comparison of a 32-byte digest with a configured one (always 32 bytes, config.ts). */
function digestEquals(digest: usize, expected: Uint8Array): bool {
  return accumulatedDifferenceRaw(digest, expected.dataStart, 32) == 0;
}

export function authenticate(policy: Policy, request: RequestView): Decision {
  if (policy.disabled || !policy.hasLocalMethod) return NO_METHOD;
  const apiKeys = policy.apiKeys;
  if (apiKeys !== null) {
    const key = presentedApiKey(apiKeys, request);
    if (key !== null) return checkApiKey(apiKeys, key);
  }
  const authorization = parseAuthorization(request.header("authorization"));
  if (authorization !== null) {
    const jwt = policy.jwt, basic = policy.basic;
    if (jwt !== null && authorization.is("bearer")) return checkJwt(jwt, authorization.credentials, request.nowSeconds());
    if (basic !== null && authorization.is("basic")) return checkBasic(basic, authorization.credentials);
  }
  return MISSING_CREDENTIALS;
}

function presentedApiKey(method: ApiKeyMethod, request: RequestView): string | null {
  const fromHeader = request.header(method.header);
  if (fromHeader !== null || method.queryParameter.length == 0) return fromHeader;
  const target = request.header(":path");
  return target === null ? null : queryParameter(target, method.queryParameter);
}

/** Compares the key's SHA-256 with every configured digest, in constant time, without stopping at a match. */
export function checkApiKey(method: ApiKeyMethod, key: string): Decision {
  const digest = digestOf(key);
  const keys = method.keys;
  let matched = -1;
  for (let i = 0; i < keys.length; i++) {
    if (digestEquals(digest, unchecked(keys[i]).digest) && matched < 0) matched = i;
  }
  return matched < 0 ? INVALID_API_KEY : unchecked(keys[matched]).allowed;
}

export function checkBasic(method: BasicMethod, encoded: string): Decision {
  const credentials = parseBasicCredentials(encoded);
  if (credentials === null) return MALFORMED_BASIC;
  let expected = UNKNOWN_USER_DIGEST;
  let known = false;
  for (let i = 0; i < method.users.length; i++) {
    const user = method.users[i];
    if (user.username == credentials.username) { expected = user.passwordDigest; known = true; break; }
  }
  const matches = digestEquals(digestOf(credentials.password), expected);
  return known && matches ? new Decision(Outcome.Allowed, "basic", "", credentials.username) : INVALID_BASIC;
}

export function checkJwt(method: JwtMethod, token: string, nowSeconds: f64): Decision {
  const verdict = verifyJwt(method.keys, method.rules, token, nowSeconds);
  const claims = verdict.claims;
  if (claims === null) return new Decision(verdict.forbidden ? Outcome.Forbidden : Outcome.Unauthorized, "jwt", verdict.reason);
  const sub = claimHeaderValue(claims.get("sub"));
  const headers = new Array<HeaderPair>();
  for (let i = 0; i < method.claimsToHeaders.length; i++) {
    const mapping = method.claimsToHeaders[i];
    const value = claimHeaderValue(claims.get(mapping.claim));
    if (value !== null) headers.push(new HeaderPair(mapping.header, value));
  }
  return new Decision(Outcome.Allowed, "jwt", "", sub !== null ? sub : "", headers);
}

const NO_NAMES: string[] = [];

/** Headers the filter itself sets from claims: incoming copies are removed so clients cannot spoof them. */
export function spoofableHeaders(policy: Policy): string[] {
  const jwt = policy.jwt;
  return jwt === null || policy.disabled ? NO_NAMES : jwt.claimHeaderNames;
}
