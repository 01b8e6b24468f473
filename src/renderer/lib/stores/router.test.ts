import { describe, expect, it } from 'vitest';
import { href, parseHash, Router, type Route } from './router.svelte';

describe('router', () => {
  it('round-trips every route through its hash', () => {
    const routes: Route[] = [
      { name: 'home' }, { name: 'runs' }, { name: 'run', id: 'r 1' }, { name: 'new' }, { name: 'studies' },
      { name: 'study', id: 's1' }, { name: 'compare', ids: ['a', 'b'] }, { name: 'compare', ids: [] }, { name: 'datasets' },
      { name: 'carve' }, { name: 'carve', source: 'r1', keep: 'py code' }, { name: 'carve', keep: 'prose' },
    ];
    for (const r of routes) expect(parseHash(href(r))).toEqual(r);
  });

  it('treats an empty hash as home and unknown paths as not found', () => {
    expect(parseHash('')).toEqual({ name: 'home' });
    expect(parseHash('#/nope/x')).toEqual({ name: 'notfound', path: '/nope/x' });
  });

  it('navigates by writing the hash', () => {
    const loc = { hash: '#/runs' };
    const r = new Router(loc);
    expect(r.route).toEqual({ name: 'runs' });
    r.go({ name: 'run', id: 'abc' });
    expect(loc.hash).toBe('#/runs/abc');
    expect(r.route).toEqual({ name: 'run', id: 'abc' });
    loc.hash = '#/new';
    r.sync();
    expect(r.route.name).toBe('new');
  });
});
