// Alerts: history with severity, dismiss (admin), new alerts arriving live.
import {api, when, el} from './api.js';

let root = null;
// Budget alerts name their budget; the anomaly notices (spend_spike, new_model, new_component) have none.
const TYPES = {threshold: 'threshold', budget_exceeded: 'budget exceeded', projected_overrun: 'projected overrun',
  spend_spike: 'spend spike', new_model: 'new model', new_component: 'new component'};
let ctx = null;

export async function show(main, c) {
  ctx = c;
  const filter = el('select', {id: 'alert-filter', onchange: () => load()},
      el('option', {value: 'open', text: 'Not dismissed'}),
      el('option', {value: 'all', text: 'All'}),
      el('option', {value: 'dismissed', text: 'Dismissed'}));
  const severity = el('select', {id: 'alert-severity', onchange: () => load()},
      el('option', {value: '', text: 'Any severity'}),
      ...['info', 'warning', 'critical'].map((s) => el('option', {value: s, text: s})));
  root = el('section', {id: 'alerts'},
      el('div', {class: 'toolbar'}, el('h2', {text: 'Alerts'}), filter, severity),
      el('table', {class: 'grid'},
          el('thead', {}, el('tr', {}, ...['When', 'Severity', 'Type', 'Budget', 'Period', 'Message', 'Repeats', ''].map((h) => el('th', {text: h})))),
          el('tbody', {id: 'alert-rows'})));
  main.append(root);
  await load();
}

export function leave() {
  root = null;
}

async function load() {
  const f = root.querySelector('#alert-filter').value;
  const sev = root.querySelector('#alert-severity').value;
  const q = new URLSearchParams({limit: '200'});
  if (f !== 'all') q.set('dismissed', f === 'dismissed' ? 'true' : 'false');
  if (sev) q.set('severity', sev);
  const items = (await api('GET', '/api/v1/alerts?' + q)).items;
  if (!root) return;
  const body = root.querySelector('#alert-rows');
  body.replaceChildren(...items.map(row));
  if (items.length === 0) body.append(el('tr', {class: 'empty'}, el('td', {colspan: 8, text: 'No alerts.'})));
}

function row(a) {
  const tr = el('tr', {class: 'alert-row ' + a.severity + (a.is_dismissed ? ' dismissed' : ''), 'data-alert-id': a.alert_id},
      el('td', {text: when(a.created_at)}),
      el('td', {}, el('span', {class: 'sev ' + a.severity, text: a.severity})),
      el('td', {class: 'alert-type', 'data-alert-type': a.alert_type || '', title: a.monitor ? 'monitor ' + a.monitor : null,
        text: TYPES[a.alert_type] || (a.alert_type || '–').replace(/_/g, ' ')}),
      el('td', {}, a.budget_id ? el('a', {href: '#/budget/' + encodeURIComponent(a.budget_id), text: a.budget_id}) : '–'),
      el('td', {text: a.period || '–'}),
      el('td', {class: 'alert-message', text: a.message}),
      el('td', {text: String(a.suppressed_count || 0)}),
      el('td', {class: 'alert-actions'}));
  actions(tr, a);
  return tr;
}

function actions(tr, a) {
  const cell = tr.querySelector('.alert-actions');
  cell.replaceChildren();
  if (a.is_dismissed) {
    cell.append(el('span', {class: 'dismissed-label', text: 'dismissed'}));
  } else if (ctx.admin) {
    cell.append(el('button', {type: 'button', class: 'dismiss', text: 'Dismiss', onclick: async (ev) => {
      ev.target.disabled = true;
      try {
        const after = await api('POST', '/api/v1/alerts/' + encodeURIComponent(a.alert_id) + '/dismiss', {});
        tr.classList.add('dismissed');
        actions(tr, after);
      } catch (e) {
        ev.target.disabled = false;
        ctx.error(e, 'The alert could not be dismissed');
      }
    }}));
  }
}

export function onEvent(type, data) {
  if (!root || type !== 'alert') return;
  const f = root.querySelector('#alert-filter').value;
  const sev = root.querySelector('#alert-severity').value;
  if (f === 'dismissed' || (sev && sev !== data.severity)) return;
  const body = root.querySelector('#alert-rows');
  const old = body.querySelector('tr[data-alert-id="' + CSS.escape(data.alert_id) + '"]');
  const tr = row(data);
  tr.classList.add('fresh');
  if (old) old.replaceWith(tr); else body.prepend(tr);
  const empty = body.querySelector('tr.empty');
  if (empty) empty.remove();
}
