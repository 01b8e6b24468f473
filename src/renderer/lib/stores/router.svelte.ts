// Hash routes (`#/runs/<id>`): work from file:// in Electron and keep `?token=` untouched in the browser.
export type Route =
  | { name: 'home' }
  | { name: 'runs' }
  | { name: 'run'; id: string }
  | { name: 'new'; /** open this built-in recipe in the review step */ recipe?: string }
  /** "Make a narrow model from a model file": optionally with the model and the domain to keep chosen */
  | { name: 'carve'; source?: string; keep?: string }
  | { name: 'studies' }
  | { name: 'study'; id: string }
  | { name: 'compare'; ids: string[] }
  | { name: 'datasets' }
  | { name: 'trash' }
  | { name: 'notfound'; path: string };

export function parseHash(hash: string): Route {
  const raw = hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  const q = new URLSearchParams(query);
  if (parts.length === 0) return { name: 'home' };
  if (parts[0] === 'runs' && parts.length === 1) return { name: 'runs' };
  if (parts[0] === 'runs' && parts.length === 2) return { name: 'run', id: parts[1] };
  if (parts[0] === 'new' && parts.length === 1) return q.get('recipe') ? { name: 'new', recipe: q.get('recipe')! } : { name: 'new' };
  if (parts[0] === 'carve' && parts.length === 1) return { name: 'carve', ...(q.get('source') ? { source: q.get('source')! } : {}), ...(q.get('keep') ? { keep: q.get('keep')! } : {}) };
  if (parts[0] === 'studies' && parts.length === 1) return { name: 'studies' };
  if (parts[0] === 'studies' && parts.length === 2) return { name: 'study', id: parts[1] };
  if (parts[0] === 'compare' && parts.length === 1) return { name: 'compare', ids: (q.get('ids') ?? '').split(',').filter(Boolean) };
  if (parts[0] === 'datasets' && parts.length === 1) return { name: 'datasets' };
  if (parts[0] === 'trash' && parts.length === 1) return { name: 'trash' };
  return { name: 'notfound', path };
}

export function href(route: Route): string {
  switch (route.name) {
    case 'home': return '#/';
    case 'runs': return '#/runs';
    case 'run': return `#/runs/${encodeURIComponent(route.id)}`;
    case 'new': return route.recipe ? `#/new?recipe=${encodeURIComponent(route.recipe)}` : '#/new';
    case 'carve': {
      const q = new URLSearchParams({ ...(route.source ? { source: route.source } : {}), ...(route.keep ? { keep: route.keep } : {}) }).toString();
      return q ? `#/carve?${q}` : '#/carve';
    }
    case 'studies': return '#/studies';
    case 'study': return `#/studies/${encodeURIComponent(route.id)}`;
    case 'compare': return route.ids.length ? `#/compare?ids=${route.ids.map(encodeURIComponent).join(',')}` : '#/compare';
    case 'datasets': return '#/datasets';
    case 'trash': return '#/trash';
    case 'notfound': return `#${route.path}`;
  }
}

export class Router {
  route = $state<Route>({ name: 'home' });

  constructor(private readonly loc: { hash: string } = { hash: '' }) {
    this.route = parseHash(loc.hash);
  }

  /** Call from the hashchange listener. */
  sync(): void {
    this.route = parseHash(this.loc.hash);
  }

  go(route: Route): void {
    const h = href(route);
    if (this.loc.hash !== h) this.loc.hash = h;
    this.route = parseHash(h);
  }
}
