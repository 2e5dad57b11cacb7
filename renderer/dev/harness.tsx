/**
 * Dev harness: the panel against the in-memory fake host, for looking at screens without a running host and for the
 * renderer benchmark (bench/renderer-stream.mjs), which drives `window.__kreoFake` to stream events and log lines.
 * Query: ?events=N seeds N stored events; ?delay=MS slows every call; ?live=1 delivers an event and logs every second.
 */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from '../src/app/app';
import '../src/styles/app.css';
import { makeLogLine } from '../src/testing/fake-events';
import { createFakeKreo, type FakeKreo } from '../src/testing/fake-kreo';
import { createBenchDriver } from './bench-driver';

declare global {
  interface Window {
    __kreoFake?: FakeKreo & { makeLogLine: typeof makeLogLine };
    __kreoBench?: ReturnType<typeof createBenchDriver>;
  }
}

const params = new URLSearchParams(location.search);
const fake = createFakeKreo({ delayMs: Number(params.get('delay') ?? 250) });
fake.seedEvents(Number(params.get('events') ?? 300));
window.kreo = fake.api;
window.__kreoFake = Object.assign(fake, { makeLogLine });
window.__kreoBench = createBenchDriver(fake);

if (params.get('live') === '1') {
  let n = 0;
  setInterval(() => {
    fake.deliver(n % 3 === 0 ? 'text' : 'status-delivered');
    fake.emit('logs:lines', { file: 'whatsapp', lines: [makeLogLine(n++, 'whatsapp')] });
  }, 1000);
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <App api={fake.api} />
  </StrictMode>,
);
