// Prices: search the catalog, a model's price versions, recommendations.
import {api, el, Pager} from './api.js';

let root = null;
let ctx = null;
const pager = new Pager();

const perM = (x) => (x == null ? '–' : '$' + Number(x).toFixed(3));

export async function show(main, c) {
  ctx = c;
  pager.reset();
  const search = el('form', {id: 'price-search', class: 'filters'},
      el('label', {}, 'Provider', el('input', {name: 'provider', id: 'p-provider'})),
      el('label', {}, 'Model', el('input', {name: 'model', id: 'p-model'})),
      el('button', {type: 'submit', text: 'Search'}));
  search.addEventListener('submit', (ev) => { ev.preventDefault(); pager.reset(); page(0); });
  const rec = el('form', {id: 'recommend', class: 'filters'},
      el('label', {}, 'Input tokens', el('input', {name: 'estimated_input_tokens', type: 'number', min: '0', value: '2000', required: true})),
      el('label', {}, 'Output tokens', el('input', {name: 'estimated_output_tokens', type: 'number', min: '0', value: '500', required: true})),
      el('label', {}, 'Max cost (USD)', el('input', {name: 'max_cost', type: 'number', step: 'any', min: '0'})),
      el('label', {}, 'Capabilities', el('input', {name: 'required_capabilities', placeholder: 'e.g. vision, function_calling'})),
      el('label', {}, 'Component', el('input', {name: 'component'})),
      el('button', {type: 'submit', text: 'Recommend'}));
  rec.addEventListener('submit', (ev) => { ev.preventDefault(); recommend(rec); });
  root = el('section', {id: 'prices'},
      el('h2', {text: 'Recommendations'}), rec,
      el('div', {id: 'recommendations'}),
      el('h2', {text: 'Price catalog'}), search,
      el('div', {id: 'price-detail'}),
      el('p', {id: 'price-total', class: 'hint'}),
      el('table', {class: 'grid'},
          el('thead', {}, el('tr', {}, ...['Provider', 'Model', 'Input / 1M', 'Output / 1M', 'Cached read / 1M', 'Context', 'Capabilities']
              .map((h) => el('th', {text: h})))),
          el('tbody', {id: 'price-rows'})),
      el('div', {class: 'pager'},
          el('button', {type: 'button', id: 'prices-prev', text: '‹ Previous', onclick: () => page(pager.previous())}),
          el('button', {type: 'button', id: 'prices-next', text: 'Next ›', onclick: () => page(pager.next())})));
  main.append(root);
  await page(0);
}

export function leave() {
  root = null;
}

async function page(i) {
  const f = new FormData(root.querySelector('#price-search'));
  const q = new URLSearchParams({limit: '25'});
  for (const k of ['provider', 'model']) if ((f.get(k) || '').trim()) q.set(k, f.get(k).trim());
  const r = await pager.read(i, '/api/v1/prices', q, ctx, 'The catalog could not be read');
  if (!r || !root) return;
  root.querySelector('#price-total').textContent = r.total + ' models match; catalog ' + r.catalog_version + '. Page ' + (i + 1) + '.';
  root.querySelector('#price-rows').replaceChildren(...r.items.map((p) => el('tr', {class: 'price-row', onclick: () => detail(p)},
      el('td', {text: p.provider}), el('td', {}, el('button', {type: 'button', class: 'link', text: p.model})),
      el('td', {class: 'num', text: perM(p.input_per_million)}), el('td', {class: 'num', text: perM(p.output_per_million)}),
      el('td', {class: 'num', text: perM(p.cache_read_per_token == null ? null : p.cache_read_per_token * 1e6)}),
      el('td', {class: 'num', text: p.max_input_tokens == null ? '–' : String(p.max_input_tokens)}),
      el('td', {text: (p.capabilities || []).join(', ')}))));
  root.querySelector('#prices-next').disabled = !r.next_cursor;
  root.querySelector('#prices-prev').disabled = i === 0;
}

async function detail(p) {
  let d;
  try {
    d = await api('GET', '/api/v1/prices/' + encodeURIComponent(p.provider) + '/' + p.model.split('/').map(encodeURIComponent).join('/'));
  } catch (e) {
    ctx.error(e, 'The price could not be read');
    return;
  }
  if (!root) return;
  // The versions set through PUT /prices (newest first), then the catalog's when it is not among them.
  const versions = [...(d.history || [])].sort((x, y) => String(y.effective_from).localeCompare(String(x.effective_from)));
  if (!versions.some((v) => v.price_version === d.price_version)) {
    versions.push({price_version: d.price_version, input_per_token: d.input_per_token, output_per_token: d.output_per_token,
      effective_from: 'catalog'});
  }
  root.querySelector('#price-detail').replaceChildren(el('div', {class: 'card-form'},
      el('h3', {text: d.provider + ' / ' + d.model}),
      el('table', {class: 'grid'},
          el('thead', {}, el('tr', {}, ...['Version', 'From', 'Input / 1M', 'Output / 1M'].map((h) => el('th', {text: h})))),
          el('tbody', {}, ...versions.map((v) => el('tr', {},
              el('td', {class: 'mono', text: v.price_version || '–'}), el('td', {text: v.effective_from || '–'}),
              el('td', {class: 'num', text: perM(v.input_per_token == null ? null : v.input_per_token * 1e6)}),
              el('td', {class: 'num', text: perM(v.output_per_token == null ? null : v.output_per_token * 1e6)})))))));
}

async function recommend(form) {
  const f = new FormData(form);
  const body = {estimated_input_tokens: Number(f.get('estimated_input_tokens')), estimated_output_tokens: Number(f.get('estimated_output_tokens'))};
  if (f.get('max_cost')) body.max_cost = Number(f.get('max_cost'));
  if ((f.get('required_capabilities') || '').trim()) body.required_capabilities = f.get('required_capabilities').split(/[ ,]+/).filter((x) => x);
  if ((f.get('component') || '').trim()) body.component = f.get('component').trim();
  let r;
  try {
    r = await api('POST', '/api/v1/prices/recommend', body);
  } catch (e) {
    ctx.error(e, 'No recommendation');
    return;
  }
  if (!root) return;
  root.querySelector('#recommendations').replaceChildren(el('table', {class: 'grid', id: 'recommendation-table'},
      el('thead', {}, el('tr', {}, ...['#', 'Provider', 'Model', 'Estimated cost', 'Savings', 'Fits budget', 'Why'].map((h) => el('th', {text: h})))),
      el('tbody', {}, ...r.recommendations.slice(0, 8).map((x, i) => el('tr', {},
          el('td', {text: String(i + 1)}), el('td', {text: x.provider}), el('td', {text: x.model}),
          el('td', {class: 'num', text: '$' + Number(x.estimated_cost).toFixed(6)}),
          el('td', {class: 'num', text: x.savings == null ? '–' : '$' + Number(x.savings).toFixed(6)}),
          el('td', {text: x.fits_remaining_budget ? 'yes' : 'no'}), el('td', {text: x.reason}))))));
}
