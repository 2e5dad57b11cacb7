/** The overview: tunnel card, actions, the Meta webhook and health, side by side. */
import { ActionsPanel } from './actions-panel';
import { HealthPanel } from './health-panel';
import { TunnelCard } from './tunnel-card';
import { WebhookCard } from './webhook-card';

export function OverviewScreen() {
  return (
    <div className="grid">
      <div className="col">
        <TunnelCard />
        <WebhookCard />
      </div>
      <div className="col">
        <ActionsPanel />
        <HealthPanel />
      </div>
    </div>
  );
}
