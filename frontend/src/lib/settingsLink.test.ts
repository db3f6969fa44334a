import { describe, expect, it } from 'vitest';
import { parseSettingsHash, settingsHref, settingsSectionId } from './settingsLink';

describe('settings links', () => {
  it('round-trips a section', () => {
    expect(settingsHref('models')).toBe('#settings/models');
    expect(parseSettingsHash(settingsHref('models'))).toBe('models');
    expect(settingsSectionId('models')).toBe('settings-models');
  });
  it('reads Settings itself and ignores other hashes', () => {
    expect(parseSettingsHash('#settings')).toBe('');
    expect(parseSettingsHash('#settings/')).toBe('');
    expect(parseSettingsHash('#connect-desktop?code=1')).toBeNull();
    expect(parseSettingsHash('#settings/<script>')).toBeNull();
    expect(parseSettingsHash('')).toBeNull();
  });
});
