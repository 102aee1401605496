// The REST and WebSocket client of the dashboard: the key, calls, errors in words, the live feed.
const KEY = 'penia.apiKey';

export function apiKey() {
  return sessionStorage.getItem(KEY);
}

export function setApiKey(k) {
  if (k) sessionStorage.setItem(KEY, k); else sessionStorage.removeItem(KEY);
}

/** An API error with a sentence a person can read. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

function headers(json) {
  const h = {Accept: 'application/json'};
  const k = apiKey();
  if (k) h['X-API-Key'] = k;
  if (json) h['Content-Type'] = 'application/json';
  return h;
}

/** Calls /api/...; answers the parsed JSON or throws an ApiError. */
export async function api(method, path, body) {
  let res;
  try {
    res = await fetch(path, {method, headers: headers(body !== undefined),
      body: body === undefined ? undefined : JSON.stringify(body)});
  } catch (e) {
    throw new ApiError(0, 'unreachable', 'Penia did not answer (' + e.message + '). Is the server running?');
  }
  return answer(res);
}

/** A raw fetch with the key (for downloads). */
export async function fetchWithKey(path) {
  const res = await fetch(path, {headers: headers(false)});
  if (!res.ok) await answer(res);
  return res;
}

/** Cursor paging of a list endpoint: the cursor of each page shown so far (null: the first page). */
export class Pager {
  constructor() {
    this.reset();
  }

  /** Back to the first page. */
  reset() {
    this.cursors = [null];
  }

  /** The number of the page before the last one read. */
  previous() {
    return Math.max(0, this.cursors.length - 3);
  }

  /** The number of the page after the last one read. */
  next() {
    return this.cursors.length - 1;
  }

  /** GETs page i of path with the query q and remembers its next cursor; null when it failed (ctx shows why). */
  async read(i, path, q, ctx, failure) {
    if (this.cursors[i]) q.set('cursor', this.cursors[i]);
    let r;
    try {
      r = await api('GET', path + '?' + q);
    } catch (e) {
      ctx.error(e, failure);
      return null;
    }
    this.cursors = this.cursors.slice(0, i + 1);
    this.cursors.push(r.next_cursor);
    return r;
  }
}

async function answer(res) {
  const text = await res.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = null; }
  if (res.ok) return json;
  const err = json && json.error;
  const msg = err ? err.message : (text || res.statusText || 'no answer');
  throw new ApiError(res.status, err ? err.code : 'http_' + res.status, msg + ' (HTTP ' + res.status
      + (err ? ', ' + err.code : '') + ')', err && err.details);
}

/**
 * The live feed over /ws: subscribes to every channel, reconnects with backoff, and calls
 * onEvent(type, data) for budget_update, alert and usage; onState(text) for the indicator.
 */
export function live(onEvent, onState) {
  let ws = null;
  let delay = 500;
  let stopped = false;
  function connect() {
    const k = apiKey();
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/ws'
        + (k ? '?api_key=' + encodeURIComponent(k) : '');
    ws = new WebSocket(url);
    ws.onopen = () => {
      delay = 500;
      ws.send(JSON.stringify({type: 'subscribe', channels: ['budget_updates', 'alerts', 'usage']}));
    };
    ws.onmessage = (m) => {
      let msg;
      try { msg = JSON.parse(m.data); } catch (e) { return; }
      if (msg.type === 'subscribed') onState('live');
      else if (msg.type === 'error') onState('live feed error: ' + (msg.error && msg.error.message));
      else if (msg.data !== undefined) onEvent(msg.type, msg.data);
    };
    ws.onclose = (e) => {
      if (stopped) return;
      onState('live feed closed' + (e.reason ? ' (' + e.reason + ')' : '') + '; reconnecting');
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  connect();
  return () => { stopped = true; if (ws) ws.close(); };
}

// ---- formatting ----------------------------------------------------------------------

export function usd(x) {
  if (x === null || x === undefined) return '–';
  return '$' + Number(x).toFixed(2);
}

export function usdExact(x) {
  if (x === null || x === undefined) return '–';
  const n = Number(x);
  return '$' + (n !== 0 && Math.abs(n) < 0.01 ? n.toFixed(6) : n.toFixed(2));
}

export function when(iso) {
  if (!iso) return '–';
  const d = new Date(iso);
  return d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, 'Z').replace('Z', ' UTC');
}

/** "stop reached at …" for a forecast's stop_at, marked as projected while it lies ahead. */
export function stopText(iso) {
  const ahead = Date.parse(iso) > Date.now();
  return el('span', {}, 'stop reached at ', el('span', {class: 'stop-at-value', text: when(iso)}), ahead ? ' (projected)' : '');
}

/** Builds an element: el('div', {class: 'x', text: 'y'}, child, ...). */
export function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'text') e.textContent = v;
    else if (k === 'class') e.className = v;
    else if (k.startsWith('on')) e.addEventListener(k.substring(2), v);
    else if (k === 'style') Object.assign(e.style, v);
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    e.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return e;
}
