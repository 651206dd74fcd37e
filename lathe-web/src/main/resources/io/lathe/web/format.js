// Pure helpers for the dashboard: no DOM, so they can be checked on their own.

/** Machine states the dashboard knows, in the order line summaries list them. */
export const STATES = [
  { key: 'running', label: 'Running' },
  { key: 'fault', label: 'Fault' },
  { key: 'blocked', label: 'Blocked' },
  { key: 'starved', label: 'Starved' },
  { key: 'idle', label: 'Idle' },
  { key: 'planned-stop', label: 'Planned stop' },
  { key: 'unknown', label: 'No data' },
];

const LABELS = Object.fromEntries(STATES.map((s) => [s.key, s.label]));

const SYNONYMS = {
  run: 'running', producing: 'running', execute: 'running', active: 'running',
  stopped: 'idle', ready: 'idle', waiting: 'idle',
  down: 'fault', error: 'fault', alarm: 'fault', aborted: 'fault', failure: 'fault',
  starving: 'starved', blocking: 'blocked',
  'planned': 'planned-stop', 'plannedstop': 'planned-stop', 'planned-downtime': 'planned-stop', break: 'planned-stop',
};

/**
 * The display state of a machine from the latest value of its State signal.
 * @param {string|number|boolean|null|undefined} value latest value, or undefined when none arrived yet
 * @param {string|undefined} quality good | uncertain | bad | stale
 * @returns {{key: string, label: string, stale: boolean, raw: string}}
 */
export function machineState(value, quality) {
  if (value === undefined || value === null || value === '') {
    return { key: 'unknown', label: LABELS.unknown, stale: true, raw: '' };
  }
  const raw = String(value);
  let key = raw.trim().toLowerCase().replace(/[\s_]+/g, '-');
  key = SYNONYMS[key] || key;
  const known = key in LABELS;
  const stale = quality === 'stale' || quality === 'bad';
  return {
    key: known ? key : 'unknown',
    label: known ? LABELS[key] : raw,
    stale: stale || !known,
    raw,
  };
}

/** Units as people write them on the shop floor. */
export function displayUnit(unit) {
  switch (unit) {
    case 'degC': case 'Cel': return '°C';
    case 'degF': return '°F';
    case 'percent': return '%';
    default: return unit || '';
  }
}

const INTEGER = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const FRACTION = [0, 1, 2, 3].map((d) => new Intl.NumberFormat(undefined, { minimumFractionDigits: d, maximumFractionDigits: d }));

/**
 * A value as text: integers with grouping, doubles with precision by magnitude, booleans as on/off.
 * @param {*} value JSON value from the API (null for a non-finite double)
 * @param {string} type double | long | boolean | text
 */
export function formatValue(value, type) {
  if (value === undefined) return '–';
  if (value === null) return 'n/a';
  if (typeof value === 'boolean') return value ? 'on' : 'off';
  if (typeof value === 'number') {
    if (type === 'long' || (Number.isInteger(value) && type !== 'double')) return INTEGER.format(value);
    const a = Math.abs(value);
    const digits = a >= 1000 ? 0 : a >= 100 ? 1 : a >= 1 ? 2 : 3;
    return FRACTION[digits].format(value);
  }
  return String(value);
}

/** Local wall-clock time of an ISO timestamp, for "since 07:42". */
export function clockTime(iso) {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** Counts machines per state key for a summary line; running and fault always present. */
export function summarize(stateKeys) {
  const counts = { running: 0, fault: 0 };
  for (const k of stateKeys) counts[k] = (counts[k] || 0) + 1;
  return STATES.filter((s) => counts[s.key] > 0 || s.key === 'running' || s.key === 'fault')
    .map((s) => ({ key: s.key, label: s.label, count: counts[s.key] || 0 }));
}
