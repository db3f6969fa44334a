// Changes made from the Dashboard's recommendations in this session, kept so
// they can be undone after going to the tasks to look and coming back. They
// live here rather than in the screen, which is rebuilt on each visit; a
// reload forgets them (the tasks themselves keep the change).

import type { Applied } from './workloadActions';

export interface RecentChange {
  /** The recommendation it carried out. */
  id: string;
  userId: string;
  /** "Moved “Report” to Mon 14 Dec." */
  summary: string;
  applied: Applied;
}

export const recentChanges = $state<{ list: RecentChange[] }>({ list: [] });

/** At most this many are kept; the oldest drop off. */
const KEEP = 10;

export function rememberChange(c: RecentChange): void {
  recentChanges.list = [c, ...recentChanges.list.filter((x) => x.id !== c.id)].slice(0, KEEP);
}

export function forgetChange(id: string): void {
  recentChanges.list = recentChanges.list.filter((x) => x.id !== id);
}
