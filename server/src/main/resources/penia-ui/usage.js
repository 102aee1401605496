// Usage: the ledger with filters, cursor paging, and CSV / JSON Lines export of the same filters.
import {fetchWithKey, usdExact, when, el, Pager} from './api.js';

let root = null;
let ctx = null;
const pager = new Pager(); // the newest page first
let liveRows = 0;

const FIELDS = ['component', 'provider', 'model', 'task_type', 'budget_id'];

export async function show(main, c) {
  ctx = c;
  pager.reset();
  const input = (name, label, type) => el('label', {}, label, el('input', {name, id: 'f-' + name, type: type || 'text'}));
  const form = el('form', {id: 'usage-filters', class: 'filters'},
      input('component', 'Component'), input('provider', 'Provider'), input('model', 'Model'), input('task_type', 'Task type'), input('budget_id', 'Budget'),
      input('start', 'From (UTC)', 'datetime-local'), input('end', 'To (UTC)', 'datetime-local'),
      el('label', {}, 'Rows', el('select', {name: 'limit', id: 'f-limit'}, ...['10', '25', '50', '100', '500'].map((n) =>
          el('option', {value: n, text: n, selected: n === '50'})))),
      el('button', {type: 'submit', id: 'usage-apply', text: 'Apply'}),
      el('button', {type: 'button', id: 'export-csv', text: 'Export CSV', onclick: () => exportAs('csv')}),
      el('button', {type: 'button', id: 'export-jsonl', text: 'Export JSON Lines', onclick: () => exportAs('jsonl')}));
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    pager.reset();
    page(0);
  });
  root = el('section', {id: 'usage'},
      el('h2', {text: 'Usage ledger'}), form,
      el('p', {id: 'usage-live', class: 'hint'}),
      el('table', {class: 'grid'},
          el('thead', {}, el('tr', {}, ...['When', 'Component', 'Provider', 'Model', 'Task type', 'Input', 'Output', 'Cached', 'Cost', 'Source', 'Record']
              .map((h) => el('th', {text: h})))),
          el('tbody', {id: 'usage-rows'})),
      el('div', {class: 'pager'},
          el('button', {type: 'button', id: 'page-newest', text: '« Newest', onclick: () => { pager.reset(); page(0); }}),
          el('button', {type: 'button', id: 'page-prev', text: '‹ Newer', onclick: () => page(pager.previous())}),
          el('span', {id: 'page-no'}),
          el('button', {type: 'button', id: 'page-next', text: 'Older ›', onclick: () => page(pager.next())})));
  main.append(root);
  await page(0);
}

export function leave() {
  root = null;
}

/** The filters as query parameters (start/end as ISO-8601 UTC). */
function params() {
  const f = new FormData(root.querySelector('#usage-filters'));
  const q = new URLSearchParams();
  for (const k of FIELDS) {
    const v = (f.get(k) || '').trim();
    if (v) q.set(k, v);
  }
  for (const k of ['start', 'end']) {
    const v = f.get(k);
    if (v) q.set(k, new Date(v + 'Z').toISOString());
  }
  return q;
}

/** Shows page i of the ledger (0: the newest). */
async function page(i) {
  const q = params();
  q.set('limit', root.querySelector('#f-limit').value);
  const r = await pager.read(i, '/api/v1/usage/records', q, ctx, 'The ledger could not be read');
  if (!r || !root) return;
  liveRows = 0;
  root.querySelector('#usage-live').textContent = '';
  const body = root.querySelector('#usage-rows');
  body.replaceChildren(...r.items.map(row));
  if (r.items.length === 0) body.append(el('tr', {class: 'empty'}, el('td', {colspan: 11, text: 'No usage matches these filters.'})));
  root.querySelector('#page-no').textContent = 'page ' + (i + 1);
  root.querySelector('#page-next').disabled = !r.next_cursor;
  root.querySelector('#page-prev').disabled = i === 0;
  root.querySelector('#page-newest').disabled = i === 0;
}

function row(u) {
  return el('tr', {class: 'usage-row', 'data-record-id': u.record_id},
      el('td', {text: when(u.timestamp)}), el('td', {text: u.component}), el('td', {text: u.provider}),
      el('td', {text: u.model}), el('td', {class: 'task-type', text: u.task_type || 'default'}),
      el('td', {class: 'num', text: String(u.input_tokens)}),
      el('td', {class: 'num', text: String(u.output_tokens)}), el('td', {class: 'num', text: String(u.cached_input_tokens)}),
      el('td', {class: 'num cost', title: u.cost + ' USD', text: usdExact(u.cost)}), el('td', {text: u.cost_source}),
      el('td', {class: 'mono', text: u.record_id}));
}

async function exportAs(format) {
  const q = params();
  q.set('format', format);
  const btn = root.querySelector(format === 'csv' ? '#export-csv' : '#export-jsonl');
  btn.disabled = true;
  try {
    const res = await fetchWithKey('/api/v1/usage/export?' + q);
    const blob = await res.blob();
    const a = el('a', {href: URL.createObjectURL(blob), download: 'penia-usage.' + format});
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 60000);
  } catch (e) {
    ctx.error(e, 'The export failed');
  } finally {
    btn.disabled = false;
  }
}

export function onEvent(type) {
  if (!root || type !== 'usage') return;
  liveRows++;
  root.querySelector('#usage-live').textContent = liveRows + ' new record' + (liveRows === 1 ? '' : 's')
      + ' since this page was loaded; press Apply to see them.';
}
