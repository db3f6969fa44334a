// Links into Settings from other screens: "#settings/models" opens
// Settings at the section whose element id is "settings-models".

/** The address of a Settings section (a hash, so it works on the web and the desktop alike). */
export function settingsHref(section: string): string {
  return `#settings/${encodeURIComponent(section)}`;
}

/**
 * The section a hash names: "" for Settings itself ("#settings"), null
 * for a hash that is not a Settings link.
 */
export function parseSettingsHash(hash: string): string | null {
  const m = /^#settings(?:\/([a-z0-9-]*))?$/i.exec(hash.trim());
  if (!m) return null;
  return (m[1] ?? '').toLowerCase();
}

/** The element id of a Settings section. */
export function settingsSectionId(section: string): string {
  return `settings-${section}`;
}
