// Downtime reason entry for operators: a dialog with the machine's reason tree (GET /api/kpi/sites), searchable, the
// reasons this browser used recently first, large touch targets; saved with POST /api/downtime/reason.
//
// API (for the report here and helper C2's machine detail downtime list):
//   openReasonDialog(machineId, stop, options?) -> Promise<{code, stop} | null>
//       stop: an event of GET /api/downtime ({machine, start, end, reasonCode, reasonName, category, operatorSet})
//       options.machineName: shown in the title (defaults to the asset name from the plant tree)
//       options.joinable: the stop is the later part of a split stop (the previous part ends at its start): the
//       dialog offers to join them again (POST /api/downtime/split with join)
//       The dialog also splits the stop in two at a chosen instant (POST /api/downtime/split); the parts then take
//       their own reasons. Resolves with {split: ISO} or {joined: ISO} then.
//       resolves with the saved code ('' = cleared) and the stop as the server stored it, or null when cancelled;
//       after a save, listeners of onReasonSaved(fn) are called with {machine, start, code} (views refresh KPIs/Pareto)
//   onReasonSaved(fn) -> unsubscribe
//   reasonButton(machineId, stop, label?) -> <button data-testid="set-reason"> that opens the dialog
// A reader without the operate permission gets the server's 403 shown in the dialog; an anonymous reader is sent to
// the login page (apiFetch), and comes back to the same view.
import { t, fmt } from './i18n.js';
import { el, postJson, secondsBetween } from './dom.js';
import { findAsset, kpiSite, loadPlant } from './plant.js';

const RECENT_KEY = 'lathe.recentReasons';
const RECENT_MAX = 6;
const saved = new Set();

export function onReasonSaved(fn) {
  saved.add(fn);
  return () => saved.delete(fn);
}

function recentCodes(siteId) {
  try {
    const all = JSON.parse(localStorage.getItem(RECENT_KEY) || '{}');
    return Array.isArray(all[siteId]) ? all[siteId] : [];
  } catch { return []; }
}

function rememberCode(siteId, code) {
  try {
    const all = JSON.parse(localStorage.getItem(RECENT_KEY) || '{}');
    all[siteId] = [code, ...(all[siteId] || []).filter((c) => c !== code)].slice(0, RECENT_MAX);
    localStorage.setItem(RECENT_KEY, JSON.stringify(all));
  } catch { /* private mode: no recent list */ }
}

export function reasonButton(machineId, stop, label, options = {}) {
  return el('button', {
    type: 'button', class: 'button reason-button', testid: 'set-reason',
    text: label || (stop.operatorSet || stop.reasonCode ? t('reasons.change') : t('reasons.set')),
    on: { click: () => openReasonDialog(machineId, stop, options) },
  });
}

function notifySaved(change) {
  for (const fn of [...saved]) {
    try { fn(change); } catch (e) { console.error(e); }
  }
}

export async function openReasonDialog(machineId, stop, options = {}) {
  await loadPlant().catch(() => null);
  const site = await kpiSite(machineId);
  const asset = findAsset(machineId);
  const machineName = options.machineName || (asset ? asset.name : machineId);
  const categories = site ? site.reasons || [] : [];

  return new Promise((resolve) => {
    const dialog = el('dialog', { class: 'reason-dialog', testid: 'reason-dialog', 'aria-labelledby': 'reason-title' });
    const duration = secondsBetween(stop.start, stop.end);
    const when = `${fmt.shortDateTime(stop.start)} – ${stop.end ? fmt.time(stop.end) : t('reasons.ongoing')} (${fmt.duration(duration)})`;
    const current = stop.reasonCode ? `${stop.reasonCode} ${stop.reasonName || ''}`.trim() : t('reasons.none');
    const error = el('p', { class: 'reason-error', role: 'alert', 'aria-live': 'assertive' });
    const search = el('input', {
      type: 'search', class: 'reason-search', testid: 'reason-search', placeholder: t('reasons.searchPlaceholder'),
      'aria-label': t('reasons.searchPlaceholder'), autocomplete: 'off',
    });
    const list = el('div', { class: 'reason-list', testid: 'reason-list' });
    const comment = el('textarea', { class: 'reason-comment', testid: 'reason-comment', rows: '2', maxlength: '500', id: 'reason-comment' });
    let done = false;

    const close = (result) => {
      if (done) return;
      done = true;
      dialog.close();
      dialog.remove();
      resolve(result);
    };

    async function save(code) {
      error.textContent = '';
      for (const b of dialog.querySelectorAll('button')) b.disabled = true;
      const body = { machine: machineId, start: stop.start, code };
      const note = comment.value.trim();
      if (note) body.comment = note;
      const r = await postJson('api/downtime/reason', body);
      for (const b of dialog.querySelectorAll('button')) b.disabled = false;
      if (!r.ok) {
        error.textContent = r.status === 403 ? t('reasons.forbidden') : t('reasons.failed', { message: r.message });
        return;
      }
      if (code && site) rememberCode(site.id, code);
      const result = { code, stop: r.data && r.data.stop };
      notifySaved({ machine: machineId, start: stop.start, code });
      close(result);
    }

    async function split(at, join) {
      error.textContent = '';
      for (const b of dialog.querySelectorAll('button')) b.disabled = true;
      const r = await postJson('api/downtime/split', { machine: machineId, at, join });
      for (const b of dialog.querySelectorAll('button')) b.disabled = false;
      if (!r.ok) {
        error.textContent = r.status === 403 ? t('reasons.forbidden') : t('reasons.failed', { message: r.message });
        return;
      }
      notifySaved({ machine: machineId, start: stop.start, split: at, join });
      close(join ? { joined: at } : { split: at });
    }

    // Split: a slider over the stop (keyboard: arrows move a step), the instant shown in the plant's time.
    const startMs = new Date(stop.start).getTime();
    const endMs = stop.end ? new Date(stop.end).getTime() : Date.now();
    const spanS = Math.floor((endMs - startMs) / 1000);
    let splitBox = null;
    if (spanS >= 2) {
      const slider = el('input', { type: 'range', id: 'reason-split-at', testid: 'split-at', min: '1', max: String(spanS - 1), step: '1', value: String(Math.floor(spanS / 2)) });
      const shown = el('output', { for: 'reason-split-at', class: 'split-time' });
      const atIso = () => new Date(startMs + Number(slider.value) * 1000).toISOString();
      const show = () => { shown.textContent = fmt.timeSeconds(atIso()); };
      slider.addEventListener('input', show);
      show();
      splitBox = el('details', { class: 'reason-split', testid: 'split-box' },
        el('summary', { text: t('reasons.splitTitle') }),
        el('p', { class: 'muted', text: t('reasons.splitHelp') }),
        el('div', 'split-row', el('label', { for: 'reason-split-at', text: t('reasons.splitAt') }), slider, shown,
          el('button', { type: 'button', class: 'button', testid: 'split-confirm', text: t('reasons.splitButton'), on: { click: () => split(atIso(), false) } })));
    }

    function reasonTile(cat, r) {
      const selected = stop.reasonCode === r.code;
      return el('button', {
        type: 'button', class: `reason-tile${selected ? ' selected' : ''}`, testid: 'reason-option', 'data-code': r.code,
        'aria-pressed': selected ? 'true' : 'false', on: { click: () => save(r.code) },
      }, el('span', { class: 'reason-code', text: r.code }), el('span', { class: 'reason-name', text: r.name }),
      el('span', { class: 'reason-cat', text: cat.name }));
    }

    function renderList() {
      const q = search.value.trim().toLowerCase();
      const match = (cat, r) => !q || r.code.toLowerCase().includes(q) || r.name.toLowerCase().includes(q) || cat.name.toLowerCase().includes(q);
      const parts = [];
      if (categories.length === 0) {
        parts.push(el('p', { class: 'empty', text: t('reasons.noTree') }));
      } else {
        const recent = site ? recentCodes(site.id) : [];
        const byCode = new Map();
        for (const cat of categories) for (const r of cat.reasons) byCode.set(r.code, { cat, r });
        const rec = recent.map((c) => byCode.get(c)).filter((x) => x && match(x.cat, x.r));
        if (rec.length) {
          parts.push(el('h3', { class: 'reason-group', text: t('reasons.recent') }),
            el('div', 'reason-tiles', ...rec.map((x) => reasonTile(x.cat, x.r))));
        }
        let any = rec.length > 0;
        for (const cat of categories) {
          const rs = cat.reasons.filter((r) => match(cat, r));
          if (!rs.length) continue;
          any = true;
          parts.push(el('h3', { class: 'reason-group', text: cat.name }), el('div', 'reason-tiles', ...rs.map((r) => reasonTile(cat, r))));
        }
        if (!any) parts.push(el('p', { class: 'empty', text: t('reasons.noMatch', { text: search.value.trim() }) }));
      }
      list.replaceChildren(...parts);
    }

    search.addEventListener('input', renderList);
    search.addEventListener('keydown', (e) => {
      // Enter picks the only (or first) match: quick for a keyboard at the machine.
      if (e.key !== 'Enter') return;
      const first = list.querySelector('.reason-tile');
      if (first) { e.preventDefault(); first.click(); }
    });
    dialog.addEventListener('cancel', (e) => { e.preventDefault(); close(null); });

    dialog.append(
      el('div', 'reason-head',
        el('h2', { id: 'reason-title', text: t('reasons.title', { machine: machineName }) }),
        el('button', { type: 'button', class: 'button reason-close', testid: 'reason-cancel', 'aria-label': t('common.close'), text: '✕', on: { click: () => close(null) } })),
      el('p', { class: 'reason-when' }, when, ' · ', t('reasons.current', { reason: current })),
      search, list,
      el('label', { for: 'reason-comment', class: 'reason-comment-label', text: t('reasons.comment') }), comment,
      splitBox,
      error,
      el('div', 'reason-actions',
        options.joinable ? el('button', { type: 'button', class: 'button', testid: 'split-join', text: t('reasons.join'), on: { click: () => split(stop.start, true) } }) : null,
        stop.reasonCode && stop.operatorSet ? el('button', { type: 'button', class: 'button', testid: 'reason-clear', text: t('reasons.clear'), on: { click: () => save('') } }) : null,
        el('button', { type: 'button', class: 'button', text: t('common.cancel'), on: { click: () => close(null) } })),
    );
    renderList();
    document.body.append(dialog);
    dialog.showModal();
    search.focus();
  });
}
