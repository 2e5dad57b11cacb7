/** Loopback ngrok peer for tests: see README.md beside this file. */
export { startNgrokPeer, type NgrokPeer, type NgrokPeerOptions } from './peer';
export { peerFetch } from './peer-fetch';
export { PEER_HOST_HEADER } from './public-front';
export type { BoundInfo } from './registry';
