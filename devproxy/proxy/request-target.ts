// The request target as Envoy's HTTP/1 codec reads it (RFC 9112 §3.2): an absolute-form
// target (`GET http://host/path`, what clients send to a proxy) names the authority itself and
// takes precedence over the Host header; a target with a fragment is malformed (RFC 9112 §3.2
// has no fragment in any form) and Envoy answers 400.

export interface RequestTarget {
  /** The authority the request is for (Host header, or the absolute-form target's). */
  authority: string;
  /** origin-form: path and query. */
  pathAndQuery: string;
}

const ABSOLUTE_FORM = /^https?:\/\/([^/?#]*)([^#]*)$/i;

/** The target's authority and path, or undefined for a malformed target. */
export function parseRequestTarget(url: string, hostHeader: string): RequestTarget | undefined {
  if (url.includes("#")) return undefined;
  const absolute = ABSOLUTE_FORM.exec(url);
  if (absolute) return { authority: absolute[1], pathAndQuery: absolute[2] || "/" };
  return { authority: hostHeader, pathAndQuery: url };
}
