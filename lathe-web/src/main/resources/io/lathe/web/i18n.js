// Translations and locale-aware formatting for every page of the dashboard.
//
// API (for every view; helpers C2/C3 build on it):
//   await initI18n()            loads the catalogue of the chosen language (call once before rendering; app.js does)
//   t(key, params)              the text of a flat key such as 'machine.trend.title'; {name} placeholders are filled
//                               from params; with params.count the key 'key.one' / 'key.other' (Intl.PluralRules)
//                               is used when present. Missing in the language -> English -> the key itself (and a
//                               console.warn once, so a missing translation is seen without breaking the page).
//   has(key)                    true when the catalogue (or English) holds the key
//   locale()                    the BCP 47 tag in use ('en', 'zh-CN')
//   setLocale(tag)              switches language (stored in localStorage 'lathe.lang'), then calls onLocaleChange
//                               listeners (the router re-renders the current view)
//   onLocaleChange(fn)          returns a function that removes the listener
//   LANGUAGES                   [{tag, name}] offered in the switch: the server's list (GET api/ui/languages, one
//                               entry per catalogue file) once initI18n ran, the built-in pair below before or without it
//   setPlantZone(zone)/plantZone()   IANA zone of the plant (KPI site configuration); every date/time below is shown
//                               in it (shifts are defined in it), null until known = the browser's zone
//   fmt.number(x, digits?)      grouped number ('–' for null/undefined)
//   fmt.percent(ratio, digits?) 0.853 -> '85%' / '85 %' per locale ('–' for null)
//   fmt.time(iso|ms|Date)       wall-clock time, 24-hour where the locale uses it (en here: 24-hour too, a plant clock)
//   fmt.dateTime(x), fmt.date(x), fmt.shortDateTime(x)
//   fmt.duration(seconds)       '2 h 05 min', '45 s', '3 d 4 h' with localized unit words
//   fmt.zoneLabel()             'UTC' / 'Asia/Shanghai (GMT+8)' for the header
//   translatePage(root)         fills elements with data-i18n="key" (text), data-i18n-attr="attr:key,attr2:key2"
//
// Adding a language: one catalogue file i18n/<tag>.json with the keys of en.json; its "language.name" key is the
// language's name in itself, shown in the switch (the server lists the files, nothing else changes).
// Catalogues are flat JSON objects {"key": "text"}; keys are prefixed by the view (overview., machine., report.,
// alarms., connections., reasons., login., common.).

export const LANGUAGES = [
  { tag: 'en', name: 'English' },
  { tag: 'zh-CN', name: '简体中文' },
];
const STORAGE_KEY = 'lathe.lang';

let current = 'en';
let catalogue = {};
let english = {};
let zone = null;
const listeners = new Set();
const warned = new Set();
const cache = new Map();

async function load(tag) {
  if (cache.has(tag)) return cache.get(tag);
  const url = new URL(`i18n/${tag}.json`, import.meta.url);
  const res = await fetch(url, { headers: { Accept: 'application/json' } });
  if (!res.ok) throw new Error(`catalogue ${tag}: HTTP ${res.status}`);
  const json = await res.json();
  cache.set(tag, json);
  return json;
}

/** The supported language closest to the browser's preferences (navigator.languages), English when none fits. */
export function preferredLanguage(prefs = navigator.languages || [navigator.language]) {
  for (const p of prefs) {
    if (!p) continue;
    const exact = LANGUAGES.find((l) => l.tag.toLowerCase() === p.toLowerCase());
    if (exact) return exact.tag;
    const base = p.toLowerCase().split('-')[0];
    // zh-TW / zh-HK readers still read Simplified Chinese better than English.
    const same = LANGUAGES.find((l) => l.tag.toLowerCase().split('-')[0] === base);
    if (same) return same.tag;
  }
  return 'en';
}

function stored() {
  try { return localStorage.getItem(STORAGE_KEY); } catch { return null; }
}

/** Replaces LANGUAGES with the catalogues the server has; keeps the built-in pair when the list cannot be read. */
async function loadLanguages() {
  try {
    const res = await fetch(new URL('api/ui/languages', new URL('./', import.meta.url)), { headers: { Accept: 'application/json' } });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    const list = (await res.json()).filter((l) => l && typeof l.tag === 'string' && typeof l.name === 'string');
    if (list.some((l) => l.tag === 'en')) LANGUAGES.splice(0, LANGUAGES.length, ...list);
  } catch (e) {
    console.warn(`Language list not available, offering English and Chinese: ${e.message}`);
  }
}

export async function initI18n() {
  [english] = await Promise.all([load('en'), loadLanguages()]);
  const want = stored();
  const tag = LANGUAGES.some((l) => l.tag === want) ? want : preferredLanguage();
  await use(tag);
}

async function use(tag) {
  try {
    catalogue = tag === 'en' ? english : await load(tag);
    current = tag;
  } catch (e) {
    console.warn(`Language ${tag} not available, using English: ${e.message}`);
    catalogue = english;
    current = 'en';
  }
  document.documentElement.lang = current;
  rebuildFormatters();
}

export async function setLocale(tag) {
  try { localStorage.setItem(STORAGE_KEY, tag); } catch { /* private mode: the choice lasts for this page */ }
  await use(tag);
  for (const fn of [...listeners]) {
    try { fn(current); } catch (e) { console.error(e); }
  }
}

export function onLocaleChange(fn) {
  listeners.add(fn);
  return () => listeners.delete(fn);
}

export function locale() {
  return current;
}

export function has(key) {
  return key in catalogue || key in english;
}

export function t(key, params) {
  let k = key;
  if (params && typeof params.count === 'number') {
    const form = new Intl.PluralRules(current).select(params.count);
    if (`${key}.${form}` in catalogue || `${key}.${form}` in english) k = `${key}.${form}`;
    else if (`${key}.other` in catalogue || `${key}.other` in english) k = `${key}.other`;
  }
  let text = catalogue[k];
  if (text === undefined) {
    text = english[k];
    if (!warned.has(k)) {
      warned.add(k);
      if (text === undefined) console.warn(`i18n: no text for ${k}`);
      else if (current !== 'en') console.warn(`i18n: ${k} not translated to ${current}`);
    }
    if (text === undefined) return k;
  }
  if (!params) return text;
  return text.replace(/\{(\w+)\}/g, (m, name) => {
    if (!(name in params)) return m;
    const v = params[name];
    return typeof v === 'number' ? fmt.number(v) : String(v);
  });
}

export function setPlantZone(z) {
  if (!z) return;
  try {
    new Intl.DateTimeFormat('en', { timeZone: z });
    zone = z;
    rebuildFormatters();
  } catch { console.warn(`Unknown plant time zone ${z}: times are shown in the browser's zone`); }
}

export function plantZone() {
  return zone;
}

// ---- formatters ------------------------------------------------------------------------------------------------

let F = {};
function rebuildFormatters() {
  const tz = zone ? { timeZone: zone } : {};
  // Plant clocks are read in 24 hours (hourCycle h23) in both languages: shifts start at 06:00 and 14:00.
  const clock = { hour: '2-digit', minute: '2-digit', hourCycle: 'h23', ...tz };
  F = {
    int: new Intl.NumberFormat(current, { maximumFractionDigits: 0 }),
    num: [0, 1, 2, 3].map((d) => new Intl.NumberFormat(current, { minimumFractionDigits: d, maximumFractionDigits: d })),
    pct: [0, 1].map((d) => new Intl.NumberFormat(current, { style: 'percent', minimumFractionDigits: d, maximumFractionDigits: d })),
    time: new Intl.DateTimeFormat(current, clock),
    timeSec: new Intl.DateTimeFormat(current, { ...clock, second: '2-digit' }),
    date: new Intl.DateTimeFormat(current, { year: 'numeric', month: 'short', day: 'numeric', ...tz }),
    dateTime: new Intl.DateTimeFormat(current, { year: 'numeric', month: 'short', day: 'numeric', ...clock }),
    short: new Intl.DateTimeFormat(current, { month: 'short', day: 'numeric', ...clock }),
    weekday: new Intl.DateTimeFormat(current, { weekday: 'short', month: 'short', day: 'numeric', ...tz }),
  };
}
rebuildFormatters();

function toDate(x) {
  if (x === null || x === undefined || x === '') return null;
  const d = x instanceof Date ? x : new Date(x);
  return Number.isNaN(d.getTime()) ? null : d;
}

export const fmt = {
  number(x, digits) {
    if (x === null || x === undefined || Number.isNaN(x)) return '–';
    if (digits === undefined) return Number.isInteger(x) ? F.int.format(x) : F.num[Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 1 ? 1 : 2].format(x);
    return F.num[Math.max(0, Math.min(3, digits))].format(x);
  },
  percent(ratio, digits = 0) {
    if (ratio === null || ratio === undefined || Number.isNaN(ratio)) return '–';
    return F.pct[digits ? 1 : 0].format(ratio);
  },
  time(x) { const d = toDate(x); return d ? F.time.format(d) : ''; },
  timeSeconds(x) { const d = toDate(x); return d ? F.timeSec.format(d) : ''; },
  date(x) { const d = toDate(x); return d ? F.date.format(d) : ''; },
  dateTime(x) { const d = toDate(x); return d ? F.dateTime.format(d) : ''; },
  shortDateTime(x) { const d = toDate(x); return d ? F.short.format(d) : ''; },
  weekday(x) { const d = toDate(x); return d ? F.weekday.format(d) : ''; },
  /** A duration in seconds as two units at most: '45 s', '12 min', '2 h 05 min', '3 d 4 h'. */
  duration(seconds) {
    if (seconds === null || seconds === undefined || Number.isNaN(seconds)) return '–';
    const s = Math.max(0, Math.round(seconds));
    const u = (k, n) => t(`common.unit.${k}`, { n });
    if (s < 60) return u('s', s);
    if (s < 3600) return u('min', Math.floor(s / 60));
    if (s < 86400) {
      const m = Math.floor((s % 3600) / 60);
      return m ? `${u('h', Math.floor(s / 3600))} ${u('min', String(m).padStart(2, '0'))}` : u('h', Math.floor(s / 3600));
    }
    const h = Math.floor((s % 86400) / 3600);
    return h ? `${u('d', Math.floor(s / 86400))} ${u('h', h)}` : u('d', Math.floor(s / 86400));
  },
  zoneLabel() {
    const z = zone || Intl.DateTimeFormat().resolvedOptions().timeZone;
    let offset = '';
    try {
      const part = new Intl.DateTimeFormat('en', { timeZone: z, timeZoneName: 'shortOffset' }).formatToParts(new Date())
        .find((p) => p.type === 'timeZoneName');
      offset = part ? part.value : '';
    } catch { /* old browser: the zone name alone */ }
    return offset && offset !== z ? `${z} (${offset})` : z;
  },
};

/** Fills static markup: data-i18n="key" sets the text, data-i18n-attr="placeholder:key,aria-label:key2" attributes. */
export function translatePage(root = document) {
  for (const e of root.querySelectorAll('[data-i18n]')) e.textContent = t(e.dataset.i18n);
  for (const e of root.querySelectorAll('[data-i18n-attr]')) {
    for (const pair of e.dataset.i18nAttr.split(',')) {
      const [attr, key] = pair.split(':').map((x) => x.trim());
      if (attr && key) e.setAttribute(attr, t(key));
    }
  }
}
