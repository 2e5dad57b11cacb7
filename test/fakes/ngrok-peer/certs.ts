/**
 * A throwaway test CA and the peer's server certificate, made at start with `selfsigned`. The leaf must be
 * CA:FALSE with SAN IP:127.0.0.1 + DNS:localhost and EKU serverAuth: rustls/webpki rejects a CA used as an
 * end entity and a cert without SAN (ngrok-protocol.md §1).
 */
import { generate } from 'selfsigned';

export interface PeerCerts {
  caPem: string;
  certPem: string;
  keyPem: string;
}

export async function makePeerCerts(): Promise<PeerCerts> {
  const notBeforeDate = new Date(Date.now() - 60_000);
  const notAfterDate = new Date(Date.now() + 24 * 3600_000);
  const common = { keyType: 'ec', curve: 'P-256', algorithm: 'sha256', notBeforeDate, notAfterDate } as const;
  const ca = await generate([{ name: 'commonName', value: 'KREO test ngrok CA' }], {
    ...common,
    extensions: [
      { name: 'basicConstraints', cA: true, critical: true },
      { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    ],
  });
  const leaf = await generate([{ name: 'commonName', value: 'localhost' }], {
    ...common,
    ca: { key: ca.private, cert: ca.cert },
    extensions: [
      { name: 'basicConstraints', cA: false, critical: true },
      { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
      { name: 'extKeyUsage', serverAuth: true },
      {
        name: 'subjectAltName',
        altNames: [
          { type: 7, ip: '127.0.0.1' },
          { type: 2, value: 'localhost' },
        ],
      },
    ],
  });
  return { caPem: ca.cert, certPem: leaf.cert, keyPem: leaf.private };
}
