/** Test-only loopback fake of Meta's Graph API. */
export { startGraphFake, type GraphFake } from './server';
export {
  ALL_SCOPES,
  DEFAULTS as GRAPH_FAKE_DEFAULTS,
  FakeState,
  type FakeSend,
  type FakeUserToken,
  type FaultRule,
  type GraphFakeOptions,
} from './state';
export { metaError, errors as metaErrors, type MetaErrorSpec } from './meta-errors';
export { runHandshake, type HandshakeRecord } from './handshake';
