/**
 * A listener's bind address → the host to put in a URL that reaches it from this machine: the wildcards `0.0.0.0`
 * and `::` (and an empty host) become loopback, and a bare IPv6 address gets its brackets.
 */
export function reachableHost(host: string): string {
  const h = host.trim();
  if (h === '' || h === '0.0.0.0') return '127.0.0.1';
  if (h === '::' || h === '[::]') return '[::1]';
  return h.includes(':') && !h.startsWith('[') ? `[${h}]` : h;
}
