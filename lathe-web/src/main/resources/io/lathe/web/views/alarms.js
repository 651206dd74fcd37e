// Alarm console (#/alarms, issue 11): active alarms sorted by priority then time (priority shown by colour, shape and
// text), acknowledge one or many, shelve with a reason, comment, reset latched alarms, each alarm's transitions; the
// alarm history (GET /api/alarms/events) and the EEMUA 191 / ISA-18.2 performance figures (GET /api/alarms/kpis).
// Live: the 'alarm' events of /api/live update the list in place. A server without alarm management (404/503) gets an
// empty state that says how to switch it on.
// Test ids: alarms-view, alarm-summary-<priority>, alarms-tab-active|history|kpis, alarm-table, alarm-row
// (data-alarm, data-state), alarm-priority (data-priority), alarm-select-<id>, alarm-select-all, alarm-ack-<id>,
// alarm-ack-selected, alarm-shelve-<id>, alarm-unshelve-<id>, alarm-comment-<id>, alarm-reset-<id>,
// alarm-details-<id>, alarm-transitions-<id>, alarm-dialog (alarm-shelve-reason, alarm-shelve-minutes,
// alarm-shelve-oneshot, alarm-comment-text, alarm-dialog-submit, alarm-dialog-cancel), alarm-status, alarms-empty,
// alarms-unavailable, alarm-filter-priority, alarm-filter-text, alarm-history-table, alarm-history-range,
// alarm-history-empty, alarm-kpi-*; the banner on every view: alarm-banner (data-count), alarm-banner-link.
import { t, fmt, has } from '../i18n.js';
import { el, getJson, postJson, secondsBetween } from '../dom.js';
import { setTitle } from '../router.js';
import { onLive } from '../live.js';
import { refreshAlarmBanner } from '../alarm-banner.js';
import { displayUnit } from '../format.js';

export const PRIORITIES = ['urgent', 'high', 'medium', 'low'];
const RANK = Object.fromEntries(PRIORITIES.map((p, i) => [p, i]));
export const PRIORITY_ICON = { urgent: '◆', high: '▲', medium: '■', low: '●' };
const TABS = ['active', 'history', 'kpis'];

function ensureCss(href) {
  if (!document.querySelector(`link[href="${href}"]`)) document.head.append(el('link', { rel: 'stylesheet', href }));
}

/** A translated state or event name; a name the catalogue does not know yet is shown as the server sent it. */
function label(prefix, key) {
  return has(`${prefix}.${key}`) ? t(`${prefix}.${key}`) : String(key ?? '');
}

function iso(ms) {
  return encodeURIComponent(new Date(ms).toISOString());
}

export function priorityBadge(p) {
  const k = PRIORITIES.includes(p) ? p : 'low';
  return el('span', { class: `prio prio-${k}`, testid: 'alarm-priority', 'data-priority': k },
    el('span', { class: 'prio-icon', 'aria-hidden': 'true' }, PRIORITY_ICON[k]), t(`alarms.priority.${k}`));
}

/** Priority first (urgent on top), then the newest activation first. */
export function sortAlarms(list) {
  return [...list].sort((a, b) => (RANK[a.priority] ?? 9) - (RANK[b.priority] ?? 9)
    || Date.parse(b.activeSince || b.lastChange || 0) - Date.parse(a.activeSince || a.lastChange || 0)
    || String(a.id).localeCompare(String(b.id)));
}

function stateText(a) {
  const parts = [label('alarms.state', a.state)];
  if (a.shelved) parts.push(a.shelvedUntil ? t('alarms.flag.shelvedUntil', { time: fmt.shortDateTime(a.shelvedUntil) }) : t('alarms.flag.shelved'));
  if (a.outOfService) parts.push(t('alarms.flag.outOfService'));
  if (a.suppressed) parts.push(t('alarms.flag.suppressed'));
  return parts.join(' · ');
}

/** The readable part of an alarm id (<machine id>.alarm.<name>) for alarms not in the active list. */
function alarmNameOf(id) {
  const s = String(id || '');
  const i = s.lastIndexOf('.alarm.');
  return i >= 0 ? `${s.slice(s.lastIndexOf('.', i - 1) + 1, i)}: ${s.slice(i + 7)}` : s;
}

function relevant(a) {
  return a.state !== 'normal' || a.shelved || a.outOfService || a.suppressed;
}

export default async function render(container, params, query) {
  ensureCss('machine.css');
  ensureCss('alarms.css');
  setTitle(t('alarms.title'));
  let tab = TABS.includes(query && query.get('tab')) ? query.get('tab') : 'active';
  const cleanups = [];
  const alarms = new Map();
  const selected = new Set();
  let filterPriority = '';
  let filterText = '';
  let renderTimer = null;

  const status = el('p', { class: 'alarm-status', role: 'status', 'aria-live': 'polite', testid: 'alarm-status' });
  const summary = el('div', { class: 'alarm-summary', testid: 'alarm-summary' });
  const tabButtons = TABS.map((k) => el('button', {
    type: 'button', role: 'tab', id: `alarms-tab-${k}`, class: 'tab', testid: `alarms-tab-${k}`, 'aria-controls': `alarms-panel-${k}`,
    on: { click: () => selectTab(k), keydown: (e) => tabKeys(e, k) },
  }, t(`alarms.tab.${k}`)));
  const panels = Object.fromEntries(TABS.map((k) => [k, el('div', { role: 'tabpanel', id: `alarms-panel-${k}`, 'aria-labelledby': `alarms-tab-${k}`, class: 'tab-panel', tabindex: '0' })]));
  const dialog = el('dialog', { class: 'alarm-dialog', testid: 'alarm-dialog' });

  container.append(el('div', { class: 'alarms-view', testid: 'alarms-view' },
    el('div', { class: 'alarms-head' }, el('h1', {}, t('alarms.title')), summary),
    status,
    el('div', { class: 'tabs', role: 'tablist', 'aria-label': t('alarms.tabs') }, ...tabButtons),
    ...Object.values(panels),
    dialog));

  function selectTab(k, focus = false) {
    tab = k;
    for (const b of tabButtons) {
      const on = b.id === `alarms-tab-${k}`;
      b.setAttribute('aria-selected', String(on));
      b.tabIndex = on ? 0 : -1;
      if (on && focus) b.focus();
    }
    for (const [name, p] of Object.entries(panels)) p.hidden = name !== k;
    if (k === 'history') loadHistory();
    if (k === 'kpis') loadKpis();
  }
  function tabKeys(e, k) {
    const i = TABS.indexOf(k);
    if (e.key === 'ArrowRight') selectTab(TABS[(i + 1) % TABS.length], true);
    else if (e.key === 'ArrowLeft') selectTab(TABS[(i + TABS.length - 1) % TABS.length], true);
    else if (e.key === 'Home') selectTab(TABS[0], true);
    else if (e.key === 'End') selectTab(TABS[TABS.length - 1], true);
    else return;
    e.preventDefault();
  }

  function unavailable(r) {
    if (r.status === 404 || r.status === 503) return t('alarms.unavailable');
    if (r.status === 403) return t('alarms.forbidden');
    return t('alarms.loadError', { message: r.message });
  }

  // ---- summary ----
  async function loadSummary() {
    const r = await getJson('api/alarms/summary');
    if (!r.ok) { summary.replaceChildren(); return; }
    const u = r.data.unacknowledged || {};
    const act = r.data.active || {};
    summary.replaceChildren(...PRIORITIES.map((p) => el('span', { class: `sum-chip prio-${p}${(u[p] || 0) === 0 ? ' zero' : ''}`, testid: `alarm-summary-${p}` },
      el('span', { 'aria-hidden': 'true' }, PRIORITY_ICON[p]), ' ', t('alarms.summary.priority', { priority: t(`alarms.priority.${p}`), unack: u[p] || 0, active: act[p] || 0 }))),
    el('span', { class: 'sum-chip zero' }, t('alarms.summary.other', { shelved: r.data.shelved || 0, oos: r.data.outOfService || 0, suppressed: r.data.suppressed || 0 })));
  }

  // ---- active list ----
  const listBox = el('div', { class: 'alarm-list' });
  const bulkBtn = el('button', { type: 'button', class: 'btn btn-primary', testid: 'alarm-ack-selected', disabled: true, on: { click: () => ackMany([...selected]) } });
  const prioSelect = el('select', { testid: 'alarm-filter-priority', on: { change: (e) => { filterPriority = e.target.value; drawList(); } } },
    el('option', { value: '' }, t('alarms.filter.allPriorities')),
    ...PRIORITIES.map((p) => el('option', { value: p }, t(`alarms.priority.${p}`))));
  const search = el('input', { type: 'search', testid: 'alarm-filter-text', placeholder: t('alarms.filter.search'), 'aria-label': t('alarms.filter.search'),
    on: { input: (e) => { filterText = e.target.value.trim().toLowerCase(); drawList(); } } });
  panels.active.append(
    el('div', { class: 'alarm-tools' },
      el('label', {}, el('span', {}, t('alarms.filter.priority')), prioSelect),
      search,
      bulkBtn),
    listBox);

  function visibleAlarms() {
    return sortAlarms([...alarms.values()].filter(relevant)).filter((a) => (!filterPriority || a.priority === filterPriority)
      && (!filterText || `${a.name} ${a.assetName} ${a.message}`.toLowerCase().includes(filterText)));
  }

  function updateBulk() {
    const ackable = [...selected].filter((id) => alarms.has(id) && !alarms.get(id).acknowledged);
    bulkBtn.disabled = ackable.length === 0;
    bulkBtn.textContent = t('alarms.ackSelected', { count: ackable.length });
  }

  function drawList() {
    // A redraw (live event, timer) keeps the keyboard focus on the same control.
    const focused = document.activeElement && listBox.contains(document.activeElement) ? document.activeElement.dataset.testid : null;
    drawRows();
    if (focused) {
      const again = listBox.querySelector(`[data-testid="${CSS.escape(focused)}"]`);
      if (again) again.focus();
    }
  }

  function drawRows() {
    const list = visibleAlarms();
    for (const id of [...selected]) if (!alarms.has(id) || !relevant(alarms.get(id))) selected.delete(id);
    updateBulk();
    if (!list.length) {
      listBox.replaceChildren(el('p', { class: 'empty', testid: 'alarms-empty' }, alarms.size ? t('alarms.noneMatch') : t('alarms.none')));
      return;
    }
    const all = el('input', { type: 'checkbox', testid: 'alarm-select-all', 'aria-label': t('alarms.selectAll'),
      on: { change: (e) => { for (const a of list) { if (e.target.checked) selected.add(a.id); else selected.delete(a.id); } drawList(); } } });
    all.checked = list.every((a) => selected.has(a.id));
    const rows = list.map((a) => {
      const box = el('input', { type: 'checkbox', testid: `alarm-select-${a.id}`, 'aria-label': t('alarms.select', { name: a.name }),
        on: { change: (e) => { if (e.target.checked) selected.add(a.id); else selected.delete(a.id); updateBulk(); } } });
      box.checked = selected.has(a.id);
      const actions = el('div', { class: 'alarm-actions' },
        !a.acknowledged && a.state !== 'normal' ? el('button', { type: 'button', class: 'btn btn-small btn-primary', testid: `alarm-ack-${a.id}`,
          'aria-label': t('alarms.ackOne', { name: a.name }), on: { click: () => act(a, 'ack', {}) } }, t('alarms.ack')) : null,
        a.state === 'latched' ? el('button', { type: 'button', class: 'btn btn-small', testid: `alarm-reset-${a.id}`, on: { click: () => act(a, 'reset', {}) } }, t('alarms.reset')) : null,
        a.shelved
          ? el('button', { type: 'button', class: 'btn btn-small', testid: `alarm-unshelve-${a.id}`, on: { click: () => act(a, 'unshelve', {}) } }, t('alarms.unshelve'))
          : el('button', { type: 'button', class: 'btn btn-small', testid: `alarm-shelve-${a.id}`, 'aria-haspopup': 'dialog', on: { click: () => shelveDialog(a) } }, t('alarms.shelve')),
        el('button', { type: 'button', class: 'btn btn-small', testid: `alarm-comment-${a.id}`, 'aria-haspopup': 'dialog', on: { click: () => commentDialog(a) } }, t('alarms.comment')),
        el('button', { type: 'button', class: 'btn btn-small', testid: `alarm-details-${a.id}`, 'aria-expanded': 'false', on: { click: (e) => details(a, e.currentTarget) } }, t('alarms.details')));
      const value = a.value === null || a.value === undefined ? '' : `${fmt.number(a.value)}${a.unit ? ` ${displayUnit(a.unit)}` : ''}`;
      return el('tr', { class: `alarm-row ${a.acknowledged ? 'acked' : 'unacked'} prio-row-${a.priority}`, testid: 'alarm-row', 'data-alarm': a.id, 'data-state': a.state },
        el('td', {}, box),
        el('td', {}, priorityBadge(a.priority)),
        el('td', { class: 'alarm-state' }, el('span', { 'aria-hidden': 'true' }, a.acknowledged ? '○ ' : '● '), stateText(a)),
        el('td', {}, el('div', { class: 'alarm-name' }, a.name), el('div', { class: 'alarm-msg' }, a.message || ''),
          a.response ? el('div', { class: 'alarm-response' }, t('alarms.response', { text: a.response })) : null),
        el('td', {}, a.asset ? el('a', { href: `#/machine/${encodeURIComponent(a.asset)}` }, a.assetName || a.asset) : '–'),
        el('td', { class: 'num' }, value),
        el('td', {}, a.activeSince ? el('span', { title: fmt.dateTime(a.activeSince) }, fmt.shortDateTime(a.activeSince), el('br'),
          el('span', { class: 'hint' }, fmt.duration(secondsBetween(a.activeSince)))) : el('span', { class: 'hint' }, fmt.shortDateTime(a.lastChange))),
        el('td', {}, actions));
    });
    listBox.replaceChildren(el('div', { class: 'table-scroll' }, el('table', { class: 'data alarm-table', testid: 'alarm-table' },
      el('caption', { class: 'visually-hidden' }, t('alarms.tableCaption')),
      el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, all),
        ...['priority', 'state', 'alarm', 'asset', 'value', 'since', 'actions'].map((c) => el('th', { scope: 'col' }, t(`alarms.col.${c}`))))),
      el('tbody', {}, ...rows))));
  }

  function scheduleDraw() {
    if (renderTimer) return;
    renderTimer = setTimeout(() => { renderTimer = null; drawList(); loadSummary(); }, 250);
  }

  async function loadActive() {
    const r = await getJson('api/alarms');
    if (!r.ok) {
      listBox.replaceChildren(el('p', { class: 'empty', testid: 'alarms-unavailable' }, unavailable(r)));
      return false;
    }
    alarms.clear();
    for (const a of r.data.alarms || []) alarms.set(a.id, a);
    drawList();
    return true;
  }

  async function after(r, okText) {
    if (r.ok) {
      status.className = 'alarm-status ok';
      status.textContent = okText;
      if (r.data && r.data.id) alarms.set(r.data.id, { ...alarms.get(r.data.id), ...r.data });
      await loadActive();
      loadSummary();
      refreshAlarmBanner();
    } else {
      status.className = 'alarm-status error';
      status.textContent = r.status === 403 ? t('alarms.forbidden') : t('alarms.actionError', { message: r.message });
    }
  }

  async function act(a, action, body) {
    const r = await postJson(`api/alarms/${encodeURIComponent(a.id)}/${action}`, body);
    await after(r, t(`alarms.done.${action}`, { name: a.name }));
  }

  async function ackMany(ids) {
    const ackable = ids.filter((id) => alarms.has(id) && !alarms.get(id).acknowledged);
    if (!ackable.length) return;
    const r = await postJson('api/alarms/ack', { ids: ackable, comment: '' });
    if (r.ok) for (const id of ackable) selected.delete(id);
    await after(r, t('alarms.done.bulk', { count: ackable.length }));
  }

  function openDialog(title, fields, submitText, onSubmit) {
    const err = el('p', { class: 'alarm-status error', role: 'alert' });
    const form = el('form', { method: 'dialog', class: 'dialog-form' },
      el('h2', { id: 'alarm-dialog-title' }, title), ...fields, err,
      el('div', { class: 'dialog-buttons' },
        el('button', { type: 'button', class: 'btn', testid: 'alarm-dialog-cancel', on: { click: () => dialog.close() } }, t('common.cancel')),
        el('button', { type: 'submit', class: 'btn btn-primary', testid: 'alarm-dialog-submit' }, submitText)));
    form.addEventListener('submit', async (e) => {
      e.preventDefault();
      const msg = await onSubmit(new FormData(form));
      if (msg) { err.textContent = msg; return; }
      dialog.close();
    });
    dialog.setAttribute('aria-labelledby', 'alarm-dialog-title');
    dialog.replaceChildren(form);
    dialog.showModal();
    const first = form.querySelector('textarea, select, input');
    if (first) first.focus();
  }

  function shelveDialog(a) {
    openDialog(t('alarms.shelveTitle', { name: a.name }), [
      el('label', { class: 'field' }, el('span', {}, t('alarms.shelveReason')),
        el('textarea', { name: 'comment', required: true, rows: '3', testid: 'alarm-shelve-reason' })),
      el('label', { class: 'field' }, el('span', {}, t('alarms.shelveFor')),
        el('select', { name: 'minutes', testid: 'alarm-shelve-minutes' }, ...[15, 30, 60, 120, 240, 480].map((m) =>
          el('option', { value: String(m), selected: m === 60 }, fmt.duration(m * 60))))),
      el('label', { class: 'check' }, el('input', { type: 'checkbox', name: 'oneShot', testid: 'alarm-shelve-oneshot' }), t('alarms.oneShot')),
    ], t('alarms.shelve'), async (f) => {
      const comment = String(f.get('comment') || '').trim();
      if (!comment) return t('alarms.reasonRequired');
      const r = await postJson(`api/alarms/${encodeURIComponent(a.id)}/shelve`, { comment, minutes: Number(f.get('minutes')), oneShot: f.get('oneShot') === 'on' });
      await after(r, t('alarms.done.shelve', { name: a.name }));
      return r.ok ? null : status.textContent;
    });
  }

  function commentDialog(a) {
    openDialog(t('alarms.commentTitle', { name: a.name }), [
      el('label', { class: 'field' }, el('span', {}, t('alarms.commentText')),
        el('textarea', { name: 'comment', required: true, rows: '3', testid: 'alarm-comment-text' })),
    ], t('alarms.comment'), async (f) => {
      const comment = String(f.get('comment') || '').trim();
      if (!comment) return t('alarms.commentRequired');
      const r = await postJson(`api/alarms/${encodeURIComponent(a.id)}/comment`, { comment });
      await after(r, t('alarms.done.comment', { name: a.name }));
      return r.ok ? null : status.textContent;
    });
  }

  async function details(a, button) {
    const row = button.closest('tr');
    const next = row.nextElementSibling;
    if (next && next.classList.contains('alarm-detail')) {
      next.remove();
      button.setAttribute('aria-expanded', 'false');
      return;
    }
    button.setAttribute('aria-expanded', 'true');
    const cell = el('td', { colspan: '8' }, el('p', { class: 'hint' }, t('common.loading')));
    row.after(el('tr', { class: 'alarm-detail', testid: `alarm-transitions-${a.id}` }, cell));
    const r = await getJson(`api/alarms/${encodeURIComponent(a.id)}`);
    if (!r.ok) { cell.replaceChildren(el('p', { class: 'empty' }, unavailable(r))); return; }
    const tr = (r.data.transitions || []).slice(-50).reverse();
    cell.replaceChildren(tr.length ? el('ol', { class: 'transitions' }, ...tr.map((x) => el('li', {},
      el('strong', {}, fmt.shortDateTime(x.at)), ' ', label('alarms.event', x.event), ` (${label('alarms.state', x.from)} → ${label('alarms.state', x.to)})`,
      x.user ? ` · ${x.user}` : '', x.comment ? ` · “${x.comment}”` : ''))) : el('p', { class: 'empty' }, t('alarms.noTransitions')));
  }

  // ---- history ----
  let historyRange = 86_400_000;
  const historyBox = el('div', {});
  const rangeSelect = (value, on, testid) => el('label', {}, el('span', {}, t('alarms.range')), el('select', { testid, on: { change: (e) => on(Number(e.target.value)) } },
    ...[[8 * 3_600_000, '8h'], [86_400_000, '24h'], [7 * 86_400_000, '7d'], [30 * 86_400_000, '30d']].map(([ms, k]) =>
      el('option', { value: String(ms), selected: ms === value }, t(`alarms.rangeOpt.${k}`)))));
  panels.history.append(el('div', { class: 'alarm-tools' }, rangeSelect(historyRange, (v) => { historyRange = v; loadHistory(); }, 'alarm-history-range')), historyBox);

  async function loadHistory() {
    const to = Date.now();
    historyBox.replaceChildren(el('p', { class: 'hint' }, t('common.loading')));
    const r = await getJson(`api/alarms/events?from=${iso(to - historyRange)}&to=${iso(to)}&limit=500`);
    if (!r.ok) { historyBox.replaceChildren(el('p', { class: 'empty' }, unavailable(r))); return; }
    const ev = [...(r.data.events || [])].sort((a, b) => Date.parse(b.at) - Date.parse(a.at));
    if (!ev.length) { historyBox.replaceChildren(el('p', { class: 'empty', testid: 'alarm-history-empty' }, t('alarms.history.none'))); return; }
    const name = (id) => (alarms.get(id) || {}).name || alarmNameOf(id);
    historyBox.replaceChildren(el('p', { class: 'hint' }, t('alarms.history.count', { count: ev.length })),
      el('div', { class: 'table-scroll' }, el('table', { class: 'data', testid: 'alarm-history-table' },
        el('thead', {}, el('tr', {}, ...['time', 'alarm', 'event', 'change', 'user', 'comment', 'value'].map((c) => el('th', { scope: 'col' }, t(`alarms.history.col.${c}`))))),
        el('tbody', {}, ...ev.map((x) => el('tr', {},
          el('td', {}, fmt.shortDateTime(x.at)),
          el('td', {}, name(x.alarm)),
          el('td', {}, label('alarms.event', x.event)),
          el('td', {}, `${label('alarms.state', x.from)} → ${label('alarms.state', x.to)}`),
          el('td', {}, x.user || '–'),
          el('td', {}, x.comment || ''),
          el('td', { class: 'num' }, x.value === null || x.value === undefined ? '' : fmt.number(x.value))))))));
  }

  // ---- KPIs ----
  let kpiRange = 86_400_000;
  const kpiBox = el('div', {});
  panels.kpis.append(el('div', { class: 'alarm-tools' }, rangeSelect(kpiRange, (v) => { kpiRange = v; loadKpis(); }, 'alarm-kpi-range')),
    el('p', { class: 'hint' }, t('alarms.kpi.intro')), kpiBox);

  async function loadKpis() {
    const to = Date.now();
    kpiBox.replaceChildren(el('p', { class: 'hint' }, t('common.loading')));
    const r = await getJson(`api/alarms/kpis?from=${iso(to - kpiRange)}&to=${iso(to)}`);
    if (!r.ok) { kpiBox.replaceChildren(el('p', { class: 'empty' }, unavailable(r))); return; }
    const k = r.data || {};
    const avg = k.averagePer10Min;
    const verdict = avg === undefined ? null : avg <= 1 ? 'acceptable' : avg <= 2 ? 'manageable' : avg <= 5 ? 'demanding' : 'overloaded';
    const card = (key, value, note, testid) => el('div', { class: 'kpi', testid },
      el('div', { class: 'kpi-name' }, t(`alarms.kpi.${key}`)), el('div', { class: 'kpi-value' }, value), note ? el('div', { class: 'hint' }, note) : null);
    const name = (id) => (alarms.get(id) || {}).name || alarmNameOf(id);
    const list = (key, items, fmtItem, testid) => el('section', { class: 'kpi-list', testid },
      el('h3', {}, t(`alarms.kpi.${key}`)),
      items && items.length ? el('ol', {}, ...items.map((x) => el('li', {}, fmtItem(x)))) : el('p', { class: 'empty' }, t('alarms.kpi.noneListed')));
    const dist = k.priorityDistribution || {};
    kpiBox.replaceChildren(
      el('div', { class: 'kpis alarm-kpis' },
        card('annunciated', fmt.number(k.annunciated), null, 'alarm-kpi-annunciated'),
        card('per10min', fmt.number(avg, 2), verdict ? `${verdict === 'acceptable' || verdict === 'manageable' ? '✔' : '⚠'} ${t(`alarms.kpi.verdict.${verdict}`)}` : null, 'alarm-kpi-rate'),
        card('perHour', fmt.number(k.averagePerHour, 1), null, 'alarm-kpi-hour'),
        card('peak', fmt.number(k.peakPer10Min), null, 'alarm-kpi-peak'),
        card('overLimit', k.percentIntervalsOverLimit === undefined ? '–' : `${fmt.number(k.percentIntervalsOverLimit, 1)} %`,
          t('alarms.kpi.overLimitNote', { max: k.maxManageablePer10Min ?? '–', over: k.intervalsOverLimit ?? '–', total: k.intervals ?? '–' }), 'alarm-kpi-over'),
        card('floods', fmt.number((k.floods || []).length), k.percentTimeInFlood === undefined ? null : t('alarms.kpi.floodTime', { pct: fmt.number(k.percentTimeInFlood, 1) }), 'alarm-kpi-floods'),
        card('counts', `${fmt.number(k.active)} / ${fmt.number(k.shelved)} / ${fmt.number(k.outOfService)}`, t('alarms.kpi.countsNote', { suppressed: k.suppressed ?? 0 }), 'alarm-kpi-counts')),
      el('div', { class: 'kpi-grid' },
        list('badActors', k.badActors, (x) => t('alarms.kpi.badActor', { name: name(x.alarm), count: x.count, pct: fmt.number(x.percent, 1) }), 'alarm-kpi-bad-actors'),
        el('section', { class: 'kpi-list', testid: 'alarm-kpi-priorities' }, el('h3', {}, t('alarms.kpi.priorities')),
          el('ul', { class: 'prio-dist' }, ...PRIORITIES.map((p) => {
            const d = dist[p] || { count: 0, percent: 0 };
            return el('li', {}, priorityBadge(p), el('span', { class: 'kpi-meter', 'aria-hidden': 'true' }, el('span', { style: `width:${Math.min(100, d.percent || 0)}%` })),
              el('span', {}, `${fmt.number(d.count)} (${fmt.number(d.percent, 1)} %)`));
          })), el('p', { class: 'hint' }, t('alarms.kpi.prioTarget'))),
        list('chattering', k.chattering, (x) => t('alarms.kpi.chatter', { name: name(x.alarm), n: x.maxIn60s }), 'alarm-kpi-chattering'),
        list('fleeting', k.fleeting, (x) => t('alarms.kpi.fleet', { name: name(x.alarm), count: x.count }), 'alarm-kpi-fleeting'),
        list('stale', k.stale, (x) => name(x), 'alarm-kpi-stale'),
        list('floodList', k.floods, (x) => t('alarms.kpi.flood', { start: fmt.shortDateTime(x.start), duration: fmt.duration(x.durationSeconds), peak: x.peakPer10Min, alarms: x.alarms }), 'alarm-kpi-flood-list')));
  }

  // ---- start ----
  // The list first: the history and KPI tabs name alarms from it.
  const ok = await loadActive();
  selectTab(tab);
  loadSummary();
  if (ok) {
    cleanups.push(onLive('alarm', (a) => {
      if (!a || !a.id) return;
      alarms.set(a.id, a);
      scheduleDraw();
    }));
    cleanups.push(onLive('ready', (x) => { if (x && x.reconnect) loadActive(); }));
  }
  const timer = setInterval(() => { if (!document.hidden) { loadSummary(); if (tab === 'active' && !listBox.querySelector('.alarm-detail')) drawList(); } }, 30_000);
  cleanups.push(() => { clearInterval(timer); clearTimeout(renderTimer); if (dialog.open) dialog.close(); });
  return () => { for (const f of cleanups) f(); };
}
