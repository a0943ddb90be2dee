// Exec probe for the control plane container: GET a URL on the pod's own loopback (the admin
// port listens on localhost only) and exit 0 on a 2xx answer. Distroless images have no curl.
const url = process.argv[2];
const controller = new AbortController();
setTimeout(() => controller.abort(), 2000).unref();
try {
  const res = await fetch(url, { signal: controller.signal });
  process.exit(res.ok ? 0 : 1);
} catch {
  process.exit(1);
}
