// Team names for the task list: a team task shows which team it belongs
// to. Read once from GET /api/teams (on the desktop, the teams this device
// syncs with its team server) and kept for the session.

import { api } from './session.svelte';

let names = $state<Record<string, string>>({});
let loaded: Promise<void> | null = null;

/** Reads the caller's teams once; a failure leaves the badges generic. */
export function loadTeams(): Promise<void> {
  loaded ??= api
    .request<{ teams?: { id?: unknown; name?: unknown }[] }>('GET', '/api/teams')
    .then((r) => {
      const next: Record<string, string> = {};
      for (const t of r?.teams ?? []) {
        if (typeof t.id === 'string' && typeof t.name === 'string') next[t.id] = t.name;
      }
      names = next;
    })
    .catch(() => {
      loaded = null;
    });
  return loaded;
}

/** The name to show for a task's team: its name when known, else "Team". */
export function teamLabel(teamID: unknown): string {
  if (typeof teamID !== 'string' || !teamID) return '';
  return names[teamID] ?? 'Team';
}
