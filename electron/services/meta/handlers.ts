/** The Meta part of the contract: registration, health, sending and rate-limit status. */
import type { Handlers } from '../../../shared/contract';
import type { HealthService } from '../health/health-service';
import type { RegistrationService } from './registration';
import type { Sender } from './sender';

export type MetaHandlers = Pick<
  Handlers,
  | 'webhook:register'
  | 'webhook:unregister'
  | 'webhook:status'
  | 'health:run'
  | 'health:get'
  | 'send:text'
  | 'send:template'
  | 'ratelimit:status'
>;

export function metaHandlers(s: {
  registration: Pick<RegistrationService, 'register' | 'unregister' | 'status'>;
  health: Pick<HealthService, 'run' | 'get'>;
  sender: Pick<Sender, 'sendText' | 'sendTemplate' | 'status'>;
}): MetaHandlers {
  return {
    'webhook:register': () => s.registration.register(),
    'webhook:unregister': () => s.registration.unregister(),
    'webhook:status': () => s.registration.status(),
    'health:run': () => s.health.run(),
    'health:get': async () => s.health.get(),
    'send:text': (input) => s.sender.sendText(input),
    'send:template': (input) => s.sender.sendTemplate(input),
    'ratelimit:status': () => s.sender.status(),
  };
}
