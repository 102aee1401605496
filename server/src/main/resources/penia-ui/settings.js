// Settings (admin): create, edit and delete budgets, thresholds and channels through the REST API.
import {api, usd, el} from './api.js';
import {PERIODS} from './overview.js';

let root = null;
let ctx = null;

export async function show(main, c) {
  ctx = c;
  root = el('section', {id: 'settings'},
      el('div', {class: 'toolbar'}, el('h2', {text: 'Budgets'}),
          el('button', {type: 'button', id: 'new-budget', text: 'New budget', onclick: () => edit(null)})),
      el('div', {id: 'budget-form-box'}),
      el('table', {class: 'grid'},
          el('thead', {}, el('tr', {}, ...['Budget', 'Scope', 'Limits', 'Warn / stop', 'Thresholds', 'Enforcement', 'Active', '']
              .map((h) => el('th', {text: h})))),
          el('tbody', {id: 'settings-rows'})));
  main.append(root);
  await load();
}

export function leave() {
  root = null;
}

async function load() {
  const items = (await api('GET', '/api/v1/budgets')).items;
  if (!root) return;
  root.querySelector('#settings-rows').replaceChildren(...items.map((b) => el('tr', {class: 'settings-row', 'data-budget-id': b.budget_id},
      el('td', {}, el('strong', {text: b.name || b.budget_id}), el('div', {class: 'mono', text: b.budget_id})),
      el('td', {text: ['component', 'provider', 'model', 'task_type'].filter((k) => b.scope[k]).map((k) => k + '=' + b.scope[k]).join(' ') || 'all'}),
      el('td', {text: PERIODS.filter((p) => b.limits[p] != null).map((p) => p + ' ' + usd(b.limits[p])).join(', ')}),
      el('td', {text: b.warning_percent + '% / ' + b.stop_percent + '%'}),
      el('td', {text: (b.alert_thresholds || []).join(', ') + (b.forecast_alerts ? ' + forecast' : '')}),
      el('td', {text: b.enforcement}),
      el('td', {text: b.is_active ? 'yes' : 'no'}),
      el('td', {class: 'row-actions'},
          el('button', {type: 'button', class: 'edit', text: 'Edit', onclick: () => edit(b)}),
          el('button', {type: 'button', class: 'delete', text: 'Delete', onclick: (ev) => confirmDelete(ev.target, b)})))));
}

function confirmDelete(btn, b) {
  const cell = btn.parentElement;
  cell.replaceChildren(el('span', {text: 'Delete ' + b.budget_id + '? '}),
      el('button', {type: 'button', class: 'confirm-delete danger', text: 'Yes, delete', onclick: async () => {
        try {
          await api('DELETE', '/api/v1/budgets/' + encodeURIComponent(b.budget_id));
          await load();
        } catch (e) {
          ctx.error(e, 'The budget could not be deleted');
        }
      }}),
      el('button', {type: 'button', text: 'Keep', onclick: () => load()}));
}

function field(name, label, value, attrs) {
  return el('label', {}, label, el('input', {name, id: 'b-' + name, value: value ?? '', ...attrs}));
}

/** The create (b null) or edit form. */
function edit(b) {
  const box = root.querySelector('#budget-form-box');
  const lim = (b && b.limits) || {};
  const channels = (b && b.channels) || [];
  const form = el('form', {id: 'budget-form', class: 'card-form'},
      el('h3', {text: b ? 'Edit ' + b.budget_id : 'New budget'}),
      el('div', {class: 'form-grid'},
          b ? null : field('budget_id', 'Id (optional)', '', {placeholder: 'generated when empty'}),
          field('name', 'Name', b ? b.name : '', {required: true}),
          field('component', 'Component', b ? b.scope.component : '', {placeholder: 'any'}),
          field('provider', 'Provider', b ? b.scope.provider : '', {placeholder: 'any'}),
          field('model', 'Model', b ? b.scope.model : '', {placeholder: 'any'}),
          field('task_type', 'Task type', b ? b.scope.task_type : '', {placeholder: 'any', maxlength: '64'}),
          ...PERIODS.map((p) => field('limit_' + p, p[0].toUpperCase() + p.substring(1) + ' limit (USD)', lim[p], {type: 'number', step: 'any', min: '0'})),
          field('warning_percent', 'Warning %', b ? b.warning_percent : 80, {type: 'number', min: '1', max: '1000'}),
          field('stop_percent', 'Stop %', b ? b.stop_percent : 95, {type: 'number', min: '1', max: '1000'}),
          field('thresholds', 'Alert thresholds %', b ? (b.alert_thresholds || []).join(', ') : '70, 80, 90, 100'),
          field('cooldown_seconds', 'Cooldown (s)', b ? b.cooldown_seconds : 3600, {type: 'number', min: '0'}),
          el('label', {}, 'Enforcement', el('select', {name: 'enforcement', id: 'b-enforcement'},
              ...['block', 'warn'].map((v) => el('option', {value: v, text: v, selected: b ? b.enforcement === v : v === 'block'})))),
          el('label', {class: 'check'}, el('input', {type: 'checkbox', name: 'is_active', id: 'b-is_active', checked: b ? b.is_active : true}), 'Active'),
          el('label', {class: 'check', title: 'alert (projected_overrun) when the forecast crosses the stop threshold before the period ends'},
              el('input', {type: 'checkbox', name: 'forecast_alerts', id: 'b-forecast_alerts', checked: b ? b.forecast_alerts === true : false}),
              'Forecast alerts')),
      el('fieldset', {class: 'channels'},
          el('legend', {text: 'Alert channels (WebSocket always)'}),
          el('p', {class: 'hint', text: channels.length ? 'Now: ' + channels.map((c) => c.type + ' ' + (c.url || (c.to || []).join(' '))
              + (c.has_secret ? ' (secret set)' : '')).join('; ') : 'Now: none'}),
          el('label', {class: 'check'}, el('input', {type: 'checkbox', id: 'b-channels-change'}), b ? 'Replace the channels with:' : 'Add channels:'),
          field('webhook_url', 'Webhook URL', '', {type: 'url', placeholder: 'https://…'}),
          field('webhook_secret', 'Webhook secret (write-only)', '', {type: 'password', autocomplete: 'new-password'}),
          field('slack_url', 'Slack webhook URL', '', {type: 'url'}),
          field('email_to', 'E-mail to (comma separated)', '')),
      el('div', {class: 'form-actions'},
          el('button', {type: 'submit', id: 'budget-save', text: b ? 'Save' : 'Create'}),
          el('button', {type: 'button', text: 'Cancel', onclick: () => box.replaceChildren()})),
      el('p', {id: 'budget-form-error', class: 'error-text'}));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    const f = new FormData(form);
    const text = (k) => (f.get(k) || '').toString().trim();
    const num = (k) => text(k) === '' ? null : Number(text(k));
    const body = {
      name: text('name'),
      scope: {component: text('component') || null, provider: text('provider') || null, model: text('model') || null,
        task_type: text('task_type') || null},
      limits: Object.fromEntries(PERIODS.map((p) => [p, num('limit_' + p)])),
      warning_percent: num('warning_percent'),
      stop_percent: num('stop_percent'),
      alert_thresholds: text('thresholds') ? text('thresholds').split(/[ ,]+/).filter((x) => x).map(Number) : [],
      cooldown_seconds: num('cooldown_seconds'),
      enforcement: text('enforcement'),
      is_active: form.querySelector('#b-is_active').checked,
      forecast_alerts: form.querySelector('#b-forecast_alerts').checked,
    };
    if (!b && text('budget_id')) body.budget_id = text('budget_id');
    if (form.querySelector('#b-channels-change').checked) {
      const ch = [];
      if (text('webhook_url')) ch.push({type: 'webhook', url: text('webhook_url'), ...(text('webhook_secret') ? {secret: text('webhook_secret')} : {})});
      if (text('slack_url')) ch.push({type: 'slack', url: text('slack_url')});
      if (text('email_to')) ch.push({type: 'email', to: text('email_to').split(/[ ,]+/).filter((x) => x)});
      body.channels = ch;
    }
    for (const k of Object.keys(body)) if (body[k] === null) delete body[k];
    try {
      if (b) await api('PUT', '/api/v1/budgets/' + encodeURIComponent(b.budget_id), body);
      else await api('POST', '/api/v1/budgets', body);
      box.replaceChildren(el('p', {class: 'ok-text', id: 'budget-saved', text: (b ? 'Saved ' : 'Created ') + body.name + '.'}));
      await load();
    } catch (e) {
      form.querySelector('#budget-form-error').textContent = (b ? 'Not saved: ' : 'Not created: ') + e.message;
    }
  });
  box.replaceChildren(form);
  form.querySelector('#b-name').focus();
}
