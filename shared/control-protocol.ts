/**
 * The control API's WebSocket handshake, shared by the host (control/guards.ts), the Node client and the browser
 * bridge: every client asks for the `kreo.v1` subprotocol; a browser, which cannot set an Authorization header on a
 * WebSocket, also sends its token as a second subprotocol `kreo.token.<token>` (the server answers `kreo.v1` only).
 */
export const WS_PROTOCOL = 'kreo.v1';
export const WS_TOKEN_PREFIX = 'kreo.token.';
