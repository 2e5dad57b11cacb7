/**
 * The settings form's state as a reducer: drafts being typed, secret replacements, server-side field errors, and
 * what happens when the host pushes new settings while the user is editing (untouched fields follow the host).
 */
import type { SettingsView } from '../../../shared/domain/settings';
import type { UiError } from '../lib/errors';
import {
  draftsFromView,
  FIELD_SPECS,
  SETTING_KEYS,
  toDraft,
  viewValue,
  type Draft,
  type Drafts,
  type SecretDraft,
  type SecretDrafts,
  type SecretKey,
  type SettingKey,
} from './settings-model';

export interface FormState {
  base: SettingsView;
  drafts: Drafts;
  secrets: SecretDrafts;
  serverErrors: Partial<Record<SettingKey, UiError>>;
  /** Set when a push changed fields the user had not touched. */
  mergedFromHost: boolean;
}

export type FormAction =
  | { type: 'edit'; key: SettingKey; value: Draft }
  | { type: 'secret'; key: SecretKey; draft: SecretDraft }
  | { type: 'hostView'; view: SettingsView }
  | { type: 'saved'; view: SettingsView }
  | { type: 'revert' }
  | { type: 'serverErrors'; errors: Partial<Record<SettingKey, UiError>> };

export function initForm(view: SettingsView): FormState {
  return { base: view, drafts: draftsFromView(view), secrets: {}, serverErrors: {}, mergedFromHost: false };
}

function withoutKey<T extends object>(obj: T, key: string): T {
  if (!(key in obj)) return obj;
  const copy = { ...obj } as Record<string, unknown>;
  delete copy[key];
  return copy as T;
}

export function formReducer(state: FormState, action: FormAction): FormState {
  switch (action.type) {
    case 'edit':
      return {
        ...state,
        drafts: { ...state.drafts, [action.key]: action.value },
        serverErrors: withoutKey(state.serverErrors, action.key),
      };
    case 'secret':
      return {
        ...state,
        secrets: { ...state.secrets, [action.key]: action.draft },
        serverErrors: withoutKey(state.serverErrors, action.key),
      };
    case 'hostView': {
      // Fields still showing the old host value follow the new one; fields being edited keep the user's text.
      const drafts: Drafts = { ...state.drafts };
      let merged = false;
      for (const key of SETTING_KEYS) {
        if (FIELD_SPECS[key].secret) continue;
        const before = toDraft(key, viewValue(state.base, key));
        const after = toDraft(key, viewValue(action.view, key));
        if (before === after) continue;
        if (drafts[key] === undefined || drafts[key] === before) {
          drafts[key] = after;
          if (!FIELD_SPECS[key].readOnly) merged = true;
        }
      }
      return { ...state, base: action.view, drafts, mergedFromHost: state.mergedFromHost || merged };
    }
    case 'saved':
      return initForm(action.view);
    case 'revert':
      return initForm(state.base);
    case 'serverErrors':
      return { ...state, serverErrors: action.errors };
  }
}
