// Budget detail: burn-up of the current period with projection and thresholds, breakdowns for a
// chosen window, and daily spend over the last 30 days against the daily limit (uPlot).
import uPlot from '/ui/vendor/uplot/uPlot.esm.js';
import {api, usd, usdExact, when, el, stopText} from './api.js';
import {PERIODS} from './overview.js';

let root = null;
let ctx = null;
let budget = null;
let charts = [];
let refreshTimer = null;

const DAY = 86400000;

export async function show(main, c, args) {
  ctx = c;
  const id = args[0];
  budget = await api('GET', '/api/v1/budgets/' + encodeURIComponent(id));
  const periods = PERIODS.filter((p) => budget.limits[p] != null);
  root = el('section', {id: 'budget-detail', 'data-budget-id': id},
      el('div', {class: 'toolbar'},
          el('h2', {text: budget.name || id}),
          el('span', {class: 'mono', text: id}),
          el('label', {}, 'Period ', el('select', {id: 'detail-period', onchange: () => burn()},
              ...periods.map((p) => el('option', {value: p, text: p, selected: p === periods[periods.length - 1]}))))),
      el('div', {id: 'detail-figures', class: 'figures-row'}),
      el('div', {class: 'chart-box'}, el('h3', {text: 'Burn-up of the current period'}), el('div', {id: 'burn-chart'})),
      el('div', {class: 'toolbar'}, el('h3', {text: 'Spend by'}),
          el('label', {}, 'Window ', el('select', {id: 'detail-window', onchange: () => breakdowns()},
              ...[['period', 'current period'], ['1', 'last 24 hours'], ['7', 'last 7 days'], ['30', 'last 30 days']]
                  .map(([v, t]) => el('option', {value: v, text: t}))))),
      el('div', {id: 'breakdowns', class: 'breakdowns'}),
      el('div', {class: 'chart-box'}, el('h3', {text: 'Daily spend, last 30 days'}), el('div', {id: 'daily-chart'})));
  main.append(root);
  if (periods.length === 0) {
    root.querySelector('#detail-figures').textContent = 'This budget has no limits.';
    return;
  }
  await Promise.all([burn(), breakdowns(), daily()]);
}

export function leave() {
  root = null;
  charts.forEach((c) => c.destroy());
  charts = [];
  clearTimeout(refreshTimer);
  refreshTimer = null;
}

function width(box) {
  return Math.max(320, Math.min(1100, box.clientWidth || 900));
}

function chart(box, opts, data) {
  const old = charts.find((c) => c.root.parentElement === box);
  if (old) {
    old.destroy();
    charts = charts.filter((c) => c !== old);
  }
  const u = new uPlot({width: width(box), height: 260, ...opts}, data, box);
  charts.push(u);
  return u;
}

function summary(body) {
  return api('POST', '/api/v1/usage/summary', {budget_id: budget.budget_id, ...body});
}

async function burn() {
  const p = root.querySelector('#detail-period').value;
  const s = (await api('GET', '/api/v1/budgets/' + encodeURIComponent(budget.budget_id) + '/summary')).periods[p];
  if (!root || !s) return;
  const start = Date.parse(s.period_start);
  const end = Date.parse(s.period_end);
  const now = Math.min(Date.now(), end);
  const hourly = end - start <= 2 * DAY;
  const g = await summary({start: s.period_start, end: new Date(now + 1000).toISOString(), group_by: hourly ? 'hour' : 'day'});
  if (!root) return;
  const limit = Number(s.limit);
  root.querySelector('#detail-figures').replaceChildren(
      el('span', {}, 'Spent ', el('strong', {class: 'spent-value', text: usd(s.spent)})),
      el('span', {}, 'Held ', el('strong', {class: 'held-value', text: usd(s.reserved)})),
      el('span', {}, 'Limit ', el('strong', {class: 'limit-value', text: usd(s.limit)})),
      el('span', {}, 'Projected (linear) ', el('strong', {class: 'projected-value', text: usd(s.projected)})),
      ...forecastFigures(s.forecast),
      el('span', {}, 'Breaker ', el('strong', {text: s.breaker_open ? 'OPEN' : 'closed'})),
      el('span', {}, 'Until ', el('strong', {text: when(s.period_end)})));
  // Cumulative spend at the end of each bucket, the projection from now to the period's end.
  const xs = [start / 1000];
  const spent = [0];
  let sum = 0;
  for (const grp of g.groups) {
    const t0 = Date.parse(grp.hour || (grp.day + 'T00:00:00Z'));
    sum += Number(grp.cost);
    xs.push(Math.min(now, t0 + (hourly ? 3600000 : DAY)) / 1000);
    spent.push(sum);
  }
  xs.push(now / 1000);
  spent.push(Number(s.spent));
  const nowAt = xs.length - 1;
  // The forecast's stop time, between now and the end, bends the forecast line through the stop amount.
  const f = s.forecast;
  const stopAmount = limit * budget.stop_percent / 100;
  const stopAt = f && f.stop_at ? Date.parse(f.stop_at) : null;
  const stopPoint = stopAt !== null && stopAt > now && stopAt < end;
  if (stopPoint) {
    xs.push(stopAt / 1000);
    spent.push(null);
  }
  xs.push(end / 1000);
  spent.push(null);
  const last = xs.length - 1;
  // A line from (now, spent) to (end, value); null elsewhere (spanGaps joins the two ends).
  const line = (v) => xs.map((x, i) => (i === nowAt ? Number(s.spent) : i === last ? Number(v) : null));
  const flat = (v) => xs.map(() => v);
  const series = [{},
    {label: 'spent', stroke: '#2b6cb0', width: 2, fill: 'rgba(43,108,176,0.12)', value: (u, v) => usdExact(v)},
    {label: 'projected (linear)', stroke: '#a0aec0', dash: [6, 4], width: 1, spanGaps: true, value: (u, v) => usdExact(v)},
    {label: 'warning ' + budget.warning_percent + '%', stroke: '#d69e2e', width: 1, points: {show: false}, value: (u, v) => usd(v)},
    {label: 'stop ' + budget.stop_percent + '%', stroke: '#e53e3e', width: 1, points: {show: false}, value: (u, v) => usd(v)},
    {label: 'limit', stroke: '#1a202c', width: 1, dash: [2, 2], points: {show: false}, value: (u, v) => usd(v)}];
  const data = [xs, spent, line(s.projected), flat(limit * budget.warning_percent / 100), flat(stopAmount), flat(limit)];
  const opts = {};
  if (f) {
    series.push(
        {label: 'forecast', stroke: '#805ad5', dash: [6, 4], width: 2, spanGaps: true, value: (u, v) => usdExact(v)},
        {label: f.interval_percent + '% high', stroke: 'rgba(128,90,213,0.5)', width: 1, spanGaps: true, points: {show: false}, value: (u, v) => usdExact(v)},
        {label: f.interval_percent + '% low', stroke: 'rgba(128,90,213,0.5)', width: 1, spanGaps: true, points: {show: false}, value: (u, v) => usdExact(v)});
    data.push(line(f.expected).map((v, i) => (stopPoint && i === last - 1 ? stopAmount : v)),
        line(f.high), line(f.low));
    // The interval as a band between the high and the low line.
    opts.bands = [{series: [data.length - 2, data.length - 1], fill: 'rgba(128,90,213,0.12)'}];
  }
  chart(root.querySelector('#burn-chart'), {
    ...opts,
    scales: {x: {time: true}, y: {range: (u, lo, hi) => [0, Math.max(hi, limit * 1.05)]}},
    series,
    axes: [{}, {values: (u, vals) => vals.map((v) => '$' + v)}],
  }, data);
}

/** The forecast beside the linear projection: expected, interval, method and the stop time. */
function forecastFigures(f) {
  if (!f) return [el('span', {class: 'no-forecast'}, 'Forecast ', el('strong', {text: 'none yet'}))];
  return [
    el('span', {}, 'Forecast ', el('strong', {class: 'forecast-value', title: f.expected + ' USD', text: usd(f.expected)})),
    el('span', {}, f.interval_percent + '% interval ', el('strong', {class: 'forecast-low', title: f.low + ' USD', text: usd(f.low)}),
        ' – ', el('strong', {class: 'forecast-high', title: f.high + ' USD', text: usd(f.high)})),
    el('span', {title: f.history_hours + ' h of history'}, 'Method ', el('strong', {class: 'forecast-method', text: f.method})),
    f.stop_at ? el('span', {class: 'stop-at', 'data-stop-at': f.stop_at}, stopText(f.stop_at)) : null,
  ].filter((x) => x);
}

async function breakdowns() {
  const w = root.querySelector('#detail-window').value;
  let range;
  if (w === 'period') {
    const p = root.querySelector('#detail-period').value;
    range = {period: p};
  } else {
    range = {start: new Date(Date.now() - Number(w) * DAY).toISOString(), end: new Date(Date.now() + 1000).toISOString()};
  }
  const dims = ['provider', 'model', 'component', 'task_type'];
  const res = await Promise.all(dims.map((d) => summary({...range, group_by: d})));
  if (!root) return;
  root.querySelector('#breakdowns').replaceChildren(...dims.map((d, i) => {
    const total = Number(res[i].total_cost) || 0;
    return el('table', {class: 'grid breakdown', 'data-dim': d},
        el('thead', {}, el('tr', {}, el('th', {text: d.replace('_', ' ')}), el('th', {text: 'cost'}), el('th', {text: 'share'}), el('th', {text: 'calls'}))),
        el('tbody', {}, ...(res[i].groups.length ? res[i].groups : [{[d]: 'no usage', cost: null, count: ''}]).map((g) => el('tr', {},
            el('td', {text: g[d]}), el('td', {class: 'num', text: usdExact(g.cost)}),
            el('td', {}, g.cost == null ? '' : el('span', {class: 'share'}, el('span', {class: 'share-fill',
                style: {width: (total > 0 ? Number(g.cost) / total * 100 : 0) + '%'}}))),
            el('td', {class: 'num', text: String(g.count)})))));
  }));
}

async function daily() {
  const today = new Date();
  today.setUTCHours(0, 0, 0, 0);
  const start = today.getTime() - 29 * DAY;
  const g = await summary({start: new Date(start).toISOString(), end: new Date(today.getTime() + DAY).toISOString(), group_by: 'day'});
  if (!root) return;
  const byDay = new Map(g.groups.map((x) => [x.day, Number(x.cost)]));
  const xs = [];
  const ys = [];
  for (let t = start; t <= today.getTime(); t += DAY) {
    xs.push(t / 1000);
    ys.push(byDay.get(new Date(t).toISOString().substring(0, 10)) || 0);
  }
  const series = [{}, {label: 'spent per day', stroke: '#2b6cb0', fill: 'rgba(43,108,176,0.5)',
    paths: uPlot.paths.bars({size: [0.7, 40]}), points: {show: false}, value: (u, v) => usdExact(v)}];
  const data = [xs, ys];
  if (budget.limits.daily != null) {
    series.push({label: 'daily limit', stroke: '#e53e3e', width: 1, dash: [4, 4], points: {show: false}, value: (u, v) => usd(v)});
    data.push(xs.map(() => Number(budget.limits.daily)));
  }
  chart(root.querySelector('#daily-chart'), {
    scales: {x: {time: true}, y: {range: (u, lo, hi) => [0, Math.max(hi, 0.01)]}},
    series, axes: [{}, {values: (u, vals) => vals.map((v) => '$' + v)}],
  }, data);
}

export function onEvent(type, data) {
  if (!root || type !== 'budget_update' || data.budget_id !== budget.budget_id) return;
  if (refreshTimer) return; // at most one refresh a second while usage streams in
  refreshTimer = setTimeout(() => {
    refreshTimer = null;
    if (root) Promise.all([burn(), breakdowns(), daily()]).catch((e) => ctx.error(e, 'The charts could not be refreshed'));
  }, 1000);
}
