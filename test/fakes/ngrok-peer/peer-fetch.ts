/**
 * peerFetch(peer): a `fetch` for code under test (TunnelManager.testConnection, Meta preflight) that reaches tunnel
 * URLs through the peer. Tests cannot resolve *.ngrok-free.app, and Node's fetch ignores a Host header, so https URLs
 * and *.ngrok-free.app URLs go to the public front with the original host in `x-ngrok-peer-host` (the front routes by
 * it and forwards it as Host). Anything else (e.g. a Graph API fake on http://127.0.0.1) passes through untouched.
 */
import { PEER_HOST_HEADER } from './public-front';
import type { NgrokPeer } from './peer';
import { FREE_DOMAIN_SUFFIX } from './registry';

export function peerFetch(peer: Pick<NgrokPeer, 'urlFor'>, baseFetch: typeof fetch = fetch): typeof fetch {
  return async (input, init) => {
    const original = new Request(input, init);
    const url = new URL(original.url);
    if (url.protocol !== 'https:' && !url.hostname.endsWith(FREE_DOMAIN_SUFFIX))
      return baseFetch(input, init);
    const headers = new Headers(original.headers);
    headers.set(PEER_HOST_HEADER, url.host);
    const body = original.body ? await original.arrayBuffer() : undefined;
    return baseFetch(peer.urlFor(original.url), {
      method: original.method,
      headers,
      body,
      signal: original.signal,
      redirect: original.redirect,
    });
  };
}
