// Connections (#/connections): each connection's state (icon + text), message rate, last error and since when,
// from GET /api/connections every 5 s. A connected connection whose last error is older than its state shows it as
// recovered (muted), not as a current problem.
import { t, fmt } from '../i18n.js';
import { el, getJson } from '../dom.js';
import { setTitle } from '../router.js';

const ICON = { connected: '✔', connecting: '…', reconnecting: '↻', failed: '✖', stopped: '■' };

export default async function render(container) {
  setTitle(t('connections.title'));
  const status = el('p', { class: 'message', 'aria-live': 'polite', text: t('connections.loading') });
  const body = el('div', { class: 'connections' });
  container.append(el('h1', { class: 'view-title', text: t('connections.title') }), status, body);

  async function load() {
    const r = await getJson('api/connections');
    if (!container.isConnected) return;
    if (!r.ok) {
      status.textContent = r.status === 403 ? t('connections.forbidden') : t('connections.failed', { message: r.message });
      if (r.status === 403) { clearInterval(timer); return false; }
      return true;
    }
    const list = r.data || [];
    if (list.length === 0) {
      status.textContent = t('connections.none');
      status.dataset.testid = 'connections-empty';
      body.replaceChildren();
      return;
    }
    const down = list.filter((c) => c.state !== 'connected').length;
    status.className = 'report-range-text';
    status.textContent = down === 0 ? t('connections.allUp', { count: list.length }) : t('connections.someDown', { count: down, total: list.length });
    body.replaceChildren(...list.map(card));
  }

  let timer = null;
  if ((await load()) !== false) timer = setInterval(load, 5000);
  return () => clearInterval(timer);
}

function card(c) {
  const state = c.state || 'unknown';
  const errorIsCurrent = c.lastError && (state !== 'connected' || !c.stateSince || !c.lastErrorAt || c.lastErrorAt >= c.stateSince);
  const rows = [
    [t('connections.protocol'), c.protocol || '–'],
    [t('connections.endpoint'), c.endpoint || '–'],
    [t('connections.rate'), c.messagesPerSecond === null || c.messagesPerSecond === undefined ? '–' : t('connections.perSecond', { rate: fmt.number(c.messagesPerSecond, 1) })],
    [t('connections.messages'), fmt.number(c.messages)],
    [t('connections.errors'), fmt.number(c.errors)],
    [t('connections.lastMessage'), c.lastMessage ? `${fmt.date(c.lastMessage)} ${fmt.timeSeconds(c.lastMessage)}` : t('connections.never')],
  ];
  const err = !c.lastError ? null
    : errorIsCurrent
      ? el('p', { class: 'conn-error', role: 'status', testid: 'connection-error' }, el('strong', { text: `${t('connections.lastError')} ` }),
        c.lastErrorAt ? `(${fmt.dateTime(c.lastErrorAt)}) ` : '', el('span', { text: c.lastError }))
      : el('p', { class: 'conn-recovered', testid: 'connection-recovered' },
        t('connections.recovered', { time: c.lastErrorAt ? fmt.dateTime(c.lastErrorAt) : '–' }), ' ', el('span', { class: 'muted', text: c.lastError }));
  return el('article', { class: `conn-card cstate-${state}`, testid: 'connection', 'data-name': c.name, 'data-state': state },
    el('div', 'conn-card-head',
      el('h2', { text: c.name }),
      el('span', { class: `conn-state cstate-${state}`, testid: 'connection-state' },
        el('span', { 'aria-hidden': 'true', text: `${ICON[state] || '?'} ` }), t(`connections.state.${state}`),
        c.stateSince ? el('span', { class: 'conn-since', text: ` · ${t('common.since', { time: fmt.shortDateTime(c.stateSince) })}` }) : null)),
    el('dl', 'conn-facts', ...rows.map(([k, v]) => el('div', 'kv', el('dt', { text: k }), el('dd', { text: v })))),
    err);
}
