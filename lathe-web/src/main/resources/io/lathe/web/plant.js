// The plant tree (GET /api/assets) shared by the views, with look-ups.
//   await loadPlant(force?)  the tree (cached; force reloads, e.g. after a device announced new signals)
//   plantTree()              the cached tree or null
//   findAsset(id)            the asset with that id, or null;  pathOf(id): [root, site, area, line, machine] assets
//   machinesOf(id)           every machine asset under an asset (itself when a machine)
//   reasonSignalOf(machine)  id of the machine's 'Reason…' signal, or undefined
//   kpiSite(machineOrLineId) the KPI site entry ({id, timeZone, reasons:[categories], machines:[...]}) of an asset from
//                            GET /api/kpi/sites (null when KPIs are not configured or the asset has no KPI definition)
import { apiFetch, currentUser } from './auth.js';
import { getJson } from './dom.js';

let tree = null;
let loading = null;
const byId = new Map();
const parent = new Map();
let sites = null;

function index(node, up) {
  byId.set(node.id, node);
  if (up) parent.set(node.id, up.id);
  for (const c of node.children || []) index(c, node);
}

export async function loadPlant(force = false) {
  if (tree && !force) return tree;
  if (loading) return loading;
  loading = (async () => {
    const res = await apiFetch('api/assets', { headers: { Accept: 'application/json' } });
    if (!res.ok) {
      let detail = `HTTP ${res.status}`;
      try { detail = (await res.json()).message || detail; } catch { /* not JSON */ }
      throw new Error(detail);
    }
    const t = await res.json();
    byId.clear();
    parent.clear();
    index(t, null);
    tree = t;
    return t;
  })().finally(() => { loading = null; });
  return loading;
}

export function plantTree() {
  return tree;
}

export function findAsset(id) {
  return byId.get(id) || null;
}

export function pathOf(id) {
  const out = [];
  let cur = id;
  while (cur && byId.has(cur)) {
    out.unshift(byId.get(cur));
    cur = parent.get(cur);
  }
  return out;
}

export function machinesOf(id) {
  const a = byId.get(id);
  if (!a) return [];
  if (a.level === 'machine') return [a];
  return (a.children || []).flatMap((c) => machinesOf(c.id));
}

export function reasonSignalOf(machine) {
  return ((machine.signals || []).find((s) => /^reason/i.test(s.name)) || {}).id;
}

/** The KPI sites ({sites:[...]} of GET /api/kpi/sites), loaded once; [] when KPIs are not configured. */
export async function kpiSites() {
  if (sites) return sites;
  const me = currentUser();
  const restricted = me && me.kind === 'user' && me.rolesBySite && !me.rolesBySite['*'];
  const r = restricted ? { status: 403 } : await getJson('api/kpi/sites');
  if (r.status === 403 && tree) {
    // A person restricted to some sites asks per site of the tree (the server lists only those).
    const per = await Promise.all((tree.children || []).map((c) => getJson(`api/kpi/sites?asset=${encodeURIComponent(c.id)}`)));
    sites = per.flatMap((x) => (x.ok && x.data ? x.data.sites || [] : []));
    return sites;
  }
  sites = r.ok && r.data ? r.data.sites || [] : [];
  return sites;
}

export async function kpiSite(assetId) {
  const all = await kpiSites();
  const ids = new Set([assetId, ...machinesOf(assetId).map((m) => m.id)]);
  return all.find((s) => (s.machines || []).some((m) => ids.has(m.id) || ids.has(m.line))) || null;
}
