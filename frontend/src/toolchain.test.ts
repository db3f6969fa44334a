import { describe, expect, it } from 'vitest';
import readme from '../../README.md?raw';
import lock from '../package-lock.json';
import pkg from '../package.json';

// The Node versions the README asks for are the ones package.json's engines
// name, and every tool the lock file installs accepts them, so npm never
// warns that the build or test tools want another Node than the README says.

type Version = [number, number, number];

function parse(v: string): { v: Version; parts: number } {
  const nums = v.split('.').map((n) => Number(n));
  if (nums.some((n) => !Number.isInteger(n))) throw new Error(`not a version: ${v}`);
  return { v: [nums[0] ?? 0, nums[1] ?? 0, nums[2] ?? 0], parts: nums.length };
}

function cmp(a: Version, b: Version): number {
  for (let i = 0; i < 3; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return 0;
}

/** Whether version v satisfies an engines range (||, space-joined comparators, ^, >=, >, <=, <, =). */
export function satisfies(v: string, range: string): boolean {
  const ver = parse(v).v;
  return range.split('||').some((alt) =>
    alt
      .trim()
      .replace(/(>=|<=|>|<|=|\^|~)\s+/g, '$1')
      .split(/\s+/)
      .filter(Boolean)
      .every((c) => {
        const m = /^(>=|<=|>|<|=|\^|~)?v?(\d+(?:\.\d+){0,2})$/.exec(c);
        if (!m) throw new Error(`cannot read ${JSON.stringify(c)} of ${JSON.stringify(range)}`);
        const { v: to, parts } = parse(m[2]);
        const d = cmp(ver, to);
        switch (m[1]) {
          case '>=':
            return d >= 0;
          case '>':
            return d > 0;
          case '<=':
            return d <= 0;
          case '<':
            return d < 0;
          case '^':
            return d >= 0 && (to[0] > 0 ? ver[0] === to[0] : parts > 1 && to[1] > 0 ? ver[0] === 0 && ver[1] === to[1] : ver[0] === 0);
          case '~':
            return d >= 0 && ver[0] === to[0] && (parts === 1 || ver[1] === to[1]);
          default:
            return parts === 3 ? d === 0 : ver[0] === to[0] && (parts === 1 || ver[1] === to[1]);
        }
      }),
  );
}

describe('the Node versions', () => {
  it('reads ranges as npm does', () => {
    expect(satisfies('20.19.0', '^20.19.0 || >=22.12.0')).toBe(true);
    expect(satisfies('20.18.9', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('21.0.0', '^20.19.0 || >=22.12.0')).toBe(false);
    expect(satisfies('22.12.0', '>=22.12.0 || >=20.19.0 <21.0.0')).toBe(true);
    expect(satisfies('20.19.0', '>= 18.0.0')).toBe(true);
    expect(satisfies('22.12.0', '^20.19 || ^22.12 || >=24')).toBe(true);
    expect(satisfies('23.0.0', '^20.19 || ^22.12 || >=24')).toBe(false);
    expect(satisfies('20.19.0', '>=22')).toBe(false);
  });

  it('are the same in the README and in package.json', () => {
    const said = /Node (\d+\.\d+)\+ \(or (\d+\.\d+)\+/.exec(readme);
    expect(said, 'the README names the Node versions as "Node X.Y+ (or X.Y+"').not.toBeNull();
    const [low, high] = [`${said![1]}.0`, `${said![2]}.0`];
    expect(pkg.engines.node).toBe(`^${low} || >=${high}`);
  });

  it('are accepted by every tool the lock file installs', () => {
    const engines = pkg.engines.node as string;
    const minimums = [...engines.matchAll(/(\d+\.\d+\.\d+)/g)].map((m) => m[1]);
    const refused: string[] = [];
    for (const [path, p] of Object.entries(lock.packages as unknown as Record<string, { engines?: { node?: string } | string[]; optional?: boolean }>)) {
      const node = p.engines && !Array.isArray(p.engines) ? p.engines.node : undefined;
      // Optional packages are for one platform only (a WebAssembly build,
      // another processor, and what those bring): npm installs, and checks,
      // only those of the platform it runs on.
      if (!path || !node || p.optional) continue;
      for (const v of minimums) if (!satisfies(v, node)) refused.push(`${path} wants Node ${node}, not ${v}`);
    }
    expect(refused).toEqual([]);
  });
});
