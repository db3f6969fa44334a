// Team names for the task list: a team task shows which team it belongs
// to. Read once from GET /api/teams (on the desktop, the teams this device
// syncs with its team server) and kept for the session.

import { call as desktopCall, inDesktopApp } from './desktop';
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

/** A team member as the assignee picker and the task list show them. */
export interface Member {
  user_id: string;
  email: string;
  name: string;
}

let members = $state<Record<string, Member[]>>({});
const loadingMembers: Record<string, Promise<Member[]>> = {};

/** Reads what the API or the desktop bridge answered into members. */
export function normaliseMembers(raw: unknown): Member[] {
  const list = Array.isArray(raw) ? raw : Array.isArray((raw as { members?: unknown })?.members) ? (raw as { members: unknown[] }).members : [];
  const out: Member[] = [];
  for (const m of list) {
    const o = (m && typeof m === 'object' ? m : {}) as Record<string, unknown>;
    if (typeof o.user_id !== 'string' || !o.user_id) continue;
    out.push({ user_id: o.user_id, email: typeof o.email === 'string' ? o.email : '', name: typeof o.name === 'string' ? o.name : '' });
  }
  return out;
}

/**
 * A team's members, read once per session: on the desktop from its team
 * server (the device knows only its own membership), else from
 * GET /api/teams/{id}/members. A failure (offline) answers none and is
 * tried again next time.
 */
export function loadMembers(teamID: string): Promise<Member[]> {
  if (!teamID) return Promise.resolve([]);
  loadingMembers[teamID] ??= (
    inDesktopApp()
      ? desktopCall<unknown>('TeamMembers', teamID)
      : api.request<unknown>('GET', `/api/teams/${encodeURIComponent(teamID)}/members`)
  )
    .then((raw) => {
      const list = normaliseMembers(raw);
      members = { ...members, [teamID]: list };
      return list;
    })
    .catch(() => {
      delete loadingMembers[teamID];
      return [];
    });
  return loadingMembers[teamID];
}

/** Who a task is assigned to, as a person reads it: "you", a name or email, or "a member". */
export function assigneeLabel(teamID: unknown, assigneeID: unknown, me: string | undefined): string {
  if (typeof assigneeID !== 'string' || !assigneeID) return '';
  if (assigneeID === me) return 'you';
  const m = typeof teamID === 'string' ? members[teamID]?.find((x) => x.user_id === assigneeID) : undefined;
  return m ? m.name || m.email : 'a member';
}
