/**
 * Remembers, across restarts, what the panel registered with Meta and the callback that was there before, so that
 * unregister (or stopping the tunnel, with webhook.restoreOnStop) can put it back. One small JSON file in the data
 * folder, written atomically, mode 0600 (it holds URLs, never secrets).
 */
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import { webhookScopeSchema } from '../../../shared/domain/meta';

export const previousCallbackSchema = z.object({ url: z.string(), fields: z.array(z.string()) });
export type PreviousCallback = z.infer<typeof previousCallbackSchema>;

export const registrationRecordSchema = z.object({
  scope: webhookScopeSchema,
  /** Where the callback lives: the app id, WABA id or phone number id. */
  targetId: z.string(),
  appId: z.string(),
  /** What Meta had before the panel's first registration at this target; null when nothing was set. */
  previous: previousCallbackSchema.nullable(),
  /** Fields the panel subscribed (app scope). */
  fields: z.array(z.string()),
  /** Null while a registration is in progress (written first, so a crash still remembers `previous`). */
  registeredUrl: z.string().nullable(),
  registeredAt: z.string().nullable(),
});
export type RegistrationRecord = z.infer<typeof registrationRecordSchema>;

const fileSchema = z.object({ version: z.literal(1), active: registrationRecordSchema.nullable() });

export class RegistrationStore {
  constructor(readonly file: string) {}

  /** The active record, or null (also when the file is missing or unreadable: `problem` says why). */
  async load(): Promise<{ active: RegistrationRecord | null; problem?: string }> {
    let text: string;
    try {
      text = await readFile(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { active: null };
      return {
        active: null,
        problem: `could not read ${path.basename(this.file)}: ${(err as Error).message}`,
      };
    }
    try {
      const parsed = fileSchema.safeParse(JSON.parse(text));
      if (parsed.success) return { active: parsed.data.active };
      return { active: null, problem: `${path.basename(this.file)} has an unexpected shape; ignored` };
    } catch {
      return { active: null, problem: `${path.basename(this.file)} is not valid JSON; ignored` };
    }
  }

  async save(active: RegistrationRecord | null): Promise<void> {
    await mkdir(path.dirname(this.file), { recursive: true, mode: 0o700 });
    const tmp = `${this.file}.${process.pid}.tmp`;
    await writeFile(tmp, `${JSON.stringify({ version: 1, active }, null, 2)}\n`, { mode: 0o600 });
    await rename(tmp, this.file);
  }
}
