/* global process */
// Load generator for bench/webhook-ingest.ts, run as its own process so it does not share the server's event loop.
// Argument: JSON {url, connections, duration, template, secret}. Every request gets a unique body (the template's
// __N__ replaced by a counter: no duplicates) signed like Meta. Prints one JSON line with the figures.
import { createHmac } from 'node:crypto';
import autocannon from 'autocannon';

const cfg = JSON.parse(process.argv[2]);
let n = 0;
const cpu0 = process.cpuUsage();
const result = await autocannon({
  url: cfg.url,
  connections: cfg.connections,
  duration: cfg.duration,
  requests: [
    {
      method: 'POST',
      setupRequest: (req) => {
        const body = cfg.template.replace('__N__', `${process.pid}x${n++}`);
        const headers = { 'content-type': 'application/json' };
        if (cfg.secret)
          headers['x-hub-signature-256'] =
            `sha256=${createHmac('sha256', cfg.secret).update(body).digest('hex')}`;
        return { ...req, body, headers };
      },
    },
  ],
});
const cpu = process.cpuUsage(cpu0);
process.stdout.write(
  `${JSON.stringify({
    // CPU time this load generator spent on the run (µs): what the shared cores gave the client side.
    clientCpuUs: cpu.user + cpu.system,
    rps: result.requests.average,
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
  })}\n`,
);
