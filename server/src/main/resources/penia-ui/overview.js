// Overview: every budget with a bar per limited period, breaker state, last alert; totals; live.
import {api, usd, when, el, ApiError, stopText} from './api.js';

export const PERIODS = ['hourly', 'daily', 'weekly', 'monthly'];
let root = null;
let ctx = null;
let budgets = new Map();
let totalsTimer = null;
let reloadTimer = null;

export async function show(main, c) {
  const t0 = performance.now();
  ctx = c;
  root = el('section', {id: 'overview'},
      el('div', {class: 'totals'},
          el('div', {class: 'total'}, el('span', {class: 'label', text: 'Spent today'}), el('span', {id: 'total-today', text: '…'})),
          el('div', {class: 'total'}, el('span', {class: 'label', text: 'Spent this month'}), el('span', {id: 'total-month', text: '…'})),
          el('div', {class: 'total'}, el('span', {class: 'label', text: 'Budgets'}), el('span', {id: 'budget-count', text: '…'}))),
      el('div', {id: 'budgets', class: 'budget-grid'}));
  main.append(root);
  await Promise.all([load(), totals()]);
  document.body.dataset.overviewMs = String(Math.round(performance.now() - t0));
  document.body.dataset.overviewSinceLoadMs = String(Math.round(performance.now()));
}

export function leave() {
  root = null;
  clearTimeout(totalsTimer);
  clearTimeout(reloadTimer);
  totalsTimer = null;
}

async function load() {
  const list = (await api('GET', '/api/v1/budgets')).items;
  let statuses = new Map();
  try {
    for (const s of (await api('GET', '/api/v1/budget-alerts/status')).budgets) statuses.set(s.budget_id, s);
  } catch (e) {
    if (!(e instanceof ApiError && e.status === 403)) throw e;
    // A component key may not read every budget's status at once: one summary per budget it sees.
    const rows = await Promise.all(list.map((b) => api('GET', '/api/v1/budgets/' + encodeURIComponent(b.budget_id) + '/summary')
        .then((s) => ({budget_id: b.budget_id, ...s.periods}))));
    statuses = new Map(rows.map((s) => [s.budget_id, s]));
  }
  let alerts = [];
  try {
    alerts = (await api('GET', '/api/v1/alerts?limit=200')).items;
  } catch (e) {
    ctx.error(e, 'Alerts could not be read');
  }
  const lastAlert = new Map();
  for (const a of alerts) {
    const prev = lastAlert.get(a.budget_id);
    if (!prev || a.created_at > prev.created_at) lastAlert.set(a.budget_id, a);
  }
  if (!root) return;
  budgets = new Map(list.map((b) => [b.budget_id, b]));
  const grid = root.querySelector('#budgets');
  grid.replaceChildren(...list.map((b) => card(b, statuses.get(b.budget_id), lastAlert.get(b.budget_id))));
  if (list.length === 0) {
    grid.append(el('p', {class: 'empty', text: ctx.admin
        ? 'No budgets yet. Create one under Settings.' : 'No budgets visible to this key.'}));
  }
  root.querySelector('#budget-count').textContent = String(list.length);
}

async function totals() {
  try {
    const [day, month] = await Promise.all([api('POST', '/api/v1/usage/summary', {period: 'daily'}),
      api('POST', '/api/v1/usage/summary', {period: 'monthly'})]);
    if (!root) return;
    root.querySelector('#total-today').textContent = usd(day.total_cost);
    root.querySelector('#total-today').title = day.total_cost + ' USD, ' + day.count + ' records';
    root.querySelector('#total-month').textContent = usd(month.total_cost);
    root.querySelector('#total-month').title = month.total_cost + ' USD, ' + month.count + ' records';
  } catch (e) {
    ctx.error(e, 'Totals could not be read');
  }
}

function scopeText(s) {
  const parts = ['component', 'provider', 'model', 'task_type'].filter((k) => s && s[k]).map((k) => k.replace('_', ' ') + ' ' + s[k]);
  return parts.length ? parts.join(' · ') : 'all usage';
}

function card(b, status, alert) {
  const periods = PERIODS.filter((p) => b.limits && b.limits[p] !== null && b.limits[p] !== undefined);
  const c = el('article', {class: 'budget' + (b.is_active ? '' : ' inactive'), 'data-budget-id': b.budget_id},
      el('div', {class: 'budget-head'},
          el('h3', {}, el('a', {href: '#/budget/' + encodeURIComponent(b.budget_id), class: 'budget-name', text: b.name || b.budget_id})),
          el('span', {class: 'breaker', text: ''})),
      el('div', {class: 'scope', text: scopeText(b.scope) + ' · ' + b.enforcement + (b.is_active ? '' : ' · inactive')}),
      ...periods.map((p) => el('div', {class: 'period', 'data-period': p})),
      el('div', {class: 'last-alert'}));
  update(c, b, status);
  setAlert(c, alert);
  return c;
}

function update(c, b, status) {
  let open = [];
  for (const row of c.querySelectorAll('.period')) {
    const p = row.dataset.period;
    const s = status && status[p];
    row.replaceChildren(periodRow(p, s, b));
    if (s && s.breaker_open) open.push(p);
  }
  const br = c.querySelector('.breaker');
  br.textContent = open.length ? 'breaker OPEN (' + open.join(', ') + ')' : 'breaker closed';
  br.className = 'breaker ' + (open.length ? 'open' : 'closed');
}

function periodRow(p, s, b) {
  if (!s) return el('div', {class: 'period-label', text: p + ': no status'});
  const limit = Number(s.limit);
  const pct = (x) => limit > 0 ? Math.min(100, Math.max(0, Number(x) / limit * 100)) : 0;
  const spentPct = pct(s.spent);
  const heldPct = Math.min(100 - spentPct, pct(s.reserved));
  const level = s.percent >= b.stop_percent ? 'stop' : s.percent >= b.warning_percent ? 'warn' : 'ok';
  return el('div', {class: 'period-body'},
      el('div', {class: 'period-label'},
          el('span', {class: 'period-name', text: p[0].toUpperCase() + p.substring(1)}),
          el('span', {class: 'figures'},
              el('span', {class: 'spent-value', title: s.spent + ' USD', text: usd(s.spent)}), ' spent',
              Number(s.reserved) > 0 ? [' + ', el('span', {class: 'held-value', title: s.reserved + ' USD', text: usd(s.reserved)}), ' held'] : null,
              ' of ', el('span', {class: 'limit-value', title: s.limit + ' USD', text: usd(s.limit)}),
              ' · ', el('span', {class: 'percent-value', text: Number(s.percent).toFixed(1) + '%'}),
              ' · projected ', el('span', {class: 'projected-value', title: s.projected + ' USD by ' + when(s.period_end), text: usd(s.projected)}))),
      el('div', {class: 'bar ' + level + (s.forecast && Number(s.forecast.expected) > limit ? ' forecast-over' : ''),
        title: 'until ' + when(s.period_end)},
          el('div', {class: 'fill spent', style: {width: spentPct + '%'}}),
          el('div', {class: 'fill held', style: {left: spentPct + '%', width: heldPct + '%'}}),
          el('div', {class: 'mark warn', title: 'warning at ' + b.warning_percent + '%', style: {left: Math.min(100, b.warning_percent) + '%'}}),
          el('div', {class: 'mark stop', title: 'stop at ' + b.stop_percent + '%', style: {left: Math.min(100, b.stop_percent) + '%'}}),
          forecastBand(s.forecast, pct),
          projectedMark(s, pct)),
      forecastLine(s.forecast, limit * b.stop_percent / 100));
}

/** The end-of-period mark: the forecast's expected spend when there is one, else the linear projection. */
function projectedMark(s, pct) {
  const f = s.forecast;
  const title = f ? 'forecast ' + usd(f.expected) + ' at the end of the period (' + f.method + ')'
      : 'projected ' + usd(s.projected) + ' (linear)';
  return el('div', {class: 'mark projected', title, style: {left: pct(f ? f.expected : s.projected) + '%'}});
}

/** The forecast's interval as a band over the bar (clipped at the limit). */
function forecastBand(f, pct) {
  if (!f) return null;
  const lo = pct(f.low);
  return el('div', {class: 'forecast-band', title: f.interval_percent + '% interval ' + usd(f.low) + ' to ' + usd(f.high),
    style: {left: lo + '%', width: Math.max(0, pct(f.high) - lo) + '%'}});
}

function forecastLine(f, stopAmount) {
  if (!f) return null;
  return el('div', {class: 'forecast-line' + (Number(f.expected) >= stopAmount ? ' over' : ''),
    title: 'method ' + f.method + ', ' + f.history_hours + ' h of history'},
      'forecast ', el('span', {class: 'forecast-value', title: f.expected + ' USD', text: usd(f.expected)}),
      ' (' + f.interval_percent + '%: ', el('span', {class: 'forecast-low', title: f.low + ' USD', text: usd(f.low)}),
      '–', el('span', {class: 'forecast-high', title: f.high + ' USD', text: usd(f.high)}), ')',
      f.stop_at ? [' · ', el('span', {class: 'stop-at', 'data-stop-at': f.stop_at}, stopText(f.stop_at))] : null);
}

function setAlert(c, a) {
  const box = c.querySelector('.last-alert');
  if (!a) {
    box.textContent = 'No alerts';
    box.className = 'last-alert none';
    return;
  }
  box.className = 'last-alert ' + a.severity;
  box.textContent = 'Last alert: ' + a.message + ' (' + a.severity + ', ' + when(a.created_at) + ')';
}

export function onEvent(type, data) {
  if (!root) return;
  if (type === 'budget_update') {
    const c = root.querySelector('article.budget[data-budget-id="' + CSS.escape(data.budget_id) + '"]');
    if (data.deleted) {
      if (c) c.remove();
      budgets.delete(data.budget_id);
      return;
    }
    const b = budgets.get(data.budget_id);
    const shown = [...c ? c.querySelectorAll('.period') : []].map((r) => r.dataset.period).join();
    const sent = PERIODS.filter((p) => data[p]).join();
    if (!c || !b || shown !== sent || (data.name && data.name !== b.name)) {
      clearTimeout(reloadTimer);
      reloadTimer = setTimeout(() => load().catch((e) => ctx.error(e, 'Budgets could not be read')), 200);
      return;
    }
    update(c, b, data);
  } else if (type === 'usage') {
    // At most one refresh per 250 ms however fast records arrive (a throttle, not a debounce).
    if (!totalsTimer) totalsTimer = setTimeout(() => { totalsTimer = null; totals(); }, 250);
  } else if (type === 'alert') {
    const c = root.querySelector('article.budget[data-budget-id="' + CSS.escape(data.budget_id || '') + '"]');
    if (c) setAlert(c, data);
  }
}
