// Lathe login page: password login (POST /api/auth/login), the forced change of a one-time password
// (POST /api/auth/password with the session's CSRF token), and a link to single sign-on when the server offers it.
import { initI18n, t, translatePage, LANGUAGES, locale, setLocale, onLocaleChange } from './i18n.js';
import { setLoggedInMark } from './auth.js';

const loginForm = document.getElementById('login');
const changeForm = document.getElementById('change');
const loginError = document.getElementById('login-error');
const changeError = document.getElementById('change-error');
let currentPassword = null;
let csrfToken = null;

function target() {
  // Back to the page that sent the user here, but only within this server.
  const next = new URLSearchParams(location.search).get('next');
  return next && next.startsWith('/') && !next.startsWith('//') ? next : './';
}

async function errorText(res) {
  try { return (await res.json()).message || `HTTP ${res.status}`; } catch { return `HTTP ${res.status}`; }
}

loginForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  loginError.textContent = '';
  const user = document.getElementById('user').value;
  const password = document.getElementById('password').value;
  const res = await fetch('api/auth/login', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ user, password }),
  });
  if (res.status === 429) {
    const wait = res.headers.get('Retry-After');
    loginError.textContent = wait ? t('login.tooMany', { seconds: wait }) : t('login.tooManyNoWait');
    return;
  }
  if (!res.ok) { loginError.textContent = res.status === 401 ? t('login.wrong') : await errorText(res); return; }
  const me = await res.json();
  setLoggedInMark(true);
  if (me.mustChangePassword) {
    currentPassword = password;
    csrfToken = me.csrfToken;
    loginForm.hidden = true;
    changeForm.hidden = false;
    document.getElementById('new1').focus();
    return;
  }
  location.href = target();
});

changeForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  changeError.textContent = '';
  const a = document.getElementById('new1').value;
  const b = document.getElementById('new2').value;
  if (a !== b) { changeError.textContent = t('login.differ'); return; }
  const res = await fetch('api/auth/password', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrfToken },
    body: JSON.stringify({ currentPassword, newPassword: a }),
  });
  if (!res.ok) { changeError.textContent = await errorText(res); return; }
  currentPassword = null;
  location.href = target();
});

const langSelect = document.getElementById('lang');
function fillLanguages() {
  langSelect.replaceChildren(...LANGUAGES.map((l) => {
    const o = document.createElement('option');
    o.value = l.tag;
    o.textContent = l.name;
    o.selected = l.tag === locale();
    return o;
  }));
}
function showTexts() {
  translatePage();
  fillLanguages();
  document.title = `Lathe – ${t('login.title')}`;
  if (new URLSearchParams(location.search).get('error') === 'sso') loginError.textContent = t('login.ssoFailed');
}
langSelect.addEventListener('change', () => setLocale(langSelect.value));
onLocaleChange(showTexts);
initI18n().then(showTexts);
// Single sign-on comes back logged in: mark it so the dashboard asks who is logged in.
document.querySelector('#sso a').addEventListener('click', () => setLoggedInMark(true));
// Offer single sign-on only when the server has it: ?probe answers 200 when it is there, 204 when not.
fetch('login/oidc?probe', { redirect: 'manual' })
  .then((r) => { if (r.status === 200) document.getElementById('sso').hidden = false; })
  .catch(() => {});
