// The dashboard shell: key prompt, role, navigation, error banner and the live feed.
import {api, apiKey, setApiKey, live, ApiError} from './api.js';
import * as overview from './overview.js';
import * as budget from './budget.js';
import * as usage from './usage.js';
import * as alerts from './alerts.js';
import * as settings from './settings.js';
import * as prices from './prices.js';

const PAGES = {overview, budget, usage, alerts, settings, prices};
const $ = (id) => document.getElementById(id);

const ctx = {
  admin: false,
  role: null,
  page: null,
  error(e, what) {
    const text = (what ? what + ': ' : '') + (e instanceof Error ? e.message : String(e));
    $('error-text').textContent = text;
    $('error').hidden = false;
    if (e instanceof ApiError && e.status === 401) showLogin('The key was refused: ' + e.message);
  },
  clearError() { $('error').hidden = true; },
  go(hash) { location.hash = hash; },
  unseenAlerts: 0,
};

let stopLive = null;

function showLogin(msg) {
  $('login').hidden = false;
  $('main').replaceChildren();
  $('login-error').textContent = msg || '';
  $('key-input').focus();
}

/** Finds out whether a key is needed and what it may do: admin (GET /api/v1/keys answers) or read-only. */
async function signIn() {
  try {
    await api('GET', '/api/v1/budgets?active=true');
  } catch (e) {
    if (e instanceof ApiError && e.status === 401) {
      showLogin(apiKey() ? 'The key was refused: ' + e.message : '');
      return false;
    }
    ctx.error(e, 'Penia could not list budgets');
    return false;
  }
  try {
    await api('GET', '/api/v1/keys?limit=1');
    ctx.admin = true;
    ctx.role = apiKey() ? 'admin' : 'open (no PENIA_ADMIN_KEY): admin';
  } catch (e) {
    ctx.admin = false;
    ctx.role = e instanceof ApiError && e.status === 403 ? (e.details.role || 'read-only') : 'unknown';
  }
  $('login').hidden = true;
  $('who').textContent = ctx.role;
  $('sign-out').hidden = !apiKey();
  $('nav-settings').hidden = !ctx.admin;
  document.body.dataset.role = ctx.admin ? 'admin' : 'reader';
  if (stopLive) stopLive();
  stopLive = live(onEvent, (s) => {
    $('live').textContent = s;
    $('live').className = 'live ' + (s === 'live' ? 'on' : 'off');
  });
  return true;
}

function onEvent(type, data) {
  if (type === 'alert' && !(ctx.page === PAGES.alerts)) {
    ctx.unseenAlerts++;
    $('alert-count').textContent = String(ctx.unseenAlerts);
    $('alert-count').hidden = false;
  }
  if (ctx.page && ctx.page.onEvent) ctx.page.onEvent(type, data);
}

async function route() {
  if (!$('login').hidden) return;
  const [name, ...rest] = (location.hash.replace(/^#\/?/, '') || 'overview').split('/');
  let page = PAGES[name] || overview;
  if (page === settings && !ctx.admin) page = overview;
  if (ctx.page && ctx.page.leave) ctx.page.leave();
  ctx.page = page;
  ctx.clearError();
  if (page === alerts) {
    ctx.unseenAlerts = 0;
    $('alert-count').hidden = true;
  }
  for (const a of document.querySelectorAll('#nav a')) {
    a.classList.toggle('active', a.dataset.page === name || (name === 'budget' && a.dataset.page === 'overview'));
  }
  const main = $('main');
  main.replaceChildren();
  main.dataset.page = Object.keys(PAGES).find((k) => PAGES[k] === page);
  try {
    await page.show(main, ctx, rest.map(decodeURIComponent));
  } catch (e) {
    ctx.error(e, 'The page could not be shown');
  }
}

$('login').addEventListener('submit', async (ev) => {
  ev.preventDefault();
  setApiKey($('key-input').value.trim());
  $('key-input').value = '';
  if (await signIn()) route();
});
$('sign-out').addEventListener('click', () => {
  setApiKey(null);
  if (stopLive) stopLive();
  stopLive = null;
  location.hash = '#/overview';
  showLogin('Signed out.');
});
$('error-close').addEventListener('click', () => ctx.clearError());
window.addEventListener('hashchange', route);

(async () => {
  if (await signIn()) route();
})();
