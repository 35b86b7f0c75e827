// app.js - the staff application: log-in, the navigation each role gets, and the hash
// router that loads one screen module at a time. A screen is a module view-NAME.js whose
// default export render(root, ctx) fills root and may return a clean-up function (called
// when the user leaves the screen), with ctx = {account, params, query, navigate, title}.
import { get, post, session, setSession, setUnauthorizedHandler, ApiError } from './api.js';
import { h, mount, field, errorBox, ROLES, toast } from './ui.js';

// path pattern -> screen module and the roles that may open it
const ROUTES = [
  { re: /^\/quay$/, view: 'counter', roles: ['clerk'], nav: 'Tiếp nhận hồ sơ' },
  { re: /^\/hang-doi$/, view: 'queues', roles: ['clerk', 'official', 'leader', 'supervisor', 'admin'], nav: 'Hồ sơ cần xử lý' },
  { re: /^\/ho-so\/([^/]+)$/, view: 'dossier', roles: ['clerk', 'official', 'leader', 'supervisor', 'admin'] },
  { re: /^\/hai-long$/, view: 'satisfaction', roles: ['supervisor', 'leader', 'admin'], nav: 'Mức độ hài lòng' },
  { re: /^\/phan-anh$/, view: 'pakn', roles: ['clerk', 'official', 'leader', 'supervisor', 'admin'], nav: 'Phản ánh, kiến nghị' },
  { re: /^\/giam-sat$/, view: 'supervisor', roles: ['supervisor', 'leader', 'admin'], nav: 'Giám sát, báo cáo' },
  { re: /^\/quan-tri(?:\/([a-z-]+))?$/, view: 'admin', roles: ['admin'], nav: 'Quản trị' },
];
const HOME = { clerk: '/quay', official: '/hang-doi', leader: '/hang-doi', supervisor: '/giam-sat', admin: '/quan-tri' };

let cleanup = null;
let seq = 0;

export function navigate(path) {
  if (location.hash !== '#' + path) location.hash = '#' + path;
  else route();
}

function setTitle(s) { document.title = s ? `${s} — Một cửa` : 'Một cửa'; }

function renderNav(account) {
  const nav = document.getElementById('nav');
  const cur = location.hash.slice(1);
  mount(nav, h('ul', null, ROUTES.filter(r => r.nav && r.roles.includes(account.role)).map(r => {
    const path = r.re.source.replace(/^\^\\?/, '').replace(/\(\?:.*$/, '').replace(/\$$/, '').replace(/\\\//g, '/');
    return h('li', null, h('a', { href: '#' + path, 'aria-current': cur.startsWith(path) ? 'page' : false }, r.nav));
  })));
  mount(document.getElementById('who'),
    h('span', { class: 'who-name' }, account.display_name && account.display_name !== ROLES[account.role]
      ? account.display_name : account.login),
    h('span', { class: 'who-role' }, `${ROLES[account.role] || account.role} · ${account.unit_code}`),
    h('button', { type: 'button', class: 'link', onclick: logout }, 'Đăng xuất'));
  document.getElementById('topbar').hidden = false;
}

async function logout() {
  try { await post('/auth/logout', {}); } catch { /* the token may already be gone */ }
  setSession(null);
  navigate('/dang-nhap');
}

function loginView(root, reason) {
  document.getElementById('topbar').hidden = true;
  setTitle('Đăng nhập');
  const login = h('input', { name: 'login', autocomplete: 'username', required: true, autocapitalize: 'none', spellcheck: 'false' });
  const pw = h('input', { name: 'password', type: 'password', autocomplete: 'current-password', required: true });
  const msg = h('div', { 'aria-live': 'assertive' }, reason ? h('p', { class: 'notice' }, reason) : null);
  const btn = h('button', { type: 'submit', class: 'primary' }, 'Đăng nhập');
  const form = h('form', { class: 'login-card', onsubmit: async ev => {
    ev.preventDefault();
    btn.disabled = true;
    mount(msg);
    try {
      const r = await post('/auth/login', { login: login.value.trim(), password: pw.value });
      setSession({ token: r.token, account: r.account, expires_at: r.expires_at });
      const back = sessionStorage.getItem('motcua.after-login');
      sessionStorage.removeItem('motcua.after-login');
      navigate(back && back !== '/dang-nhap' ? back : HOME[r.account.role] || '/hang-doi');
    } catch (e) {
      mount(msg, errorBox(e.code === 'AUTH_FAILED' || e.status === 401
        ? { message: 'Tên đăng nhập hoặc mật khẩu không đúng.' } : e));
      btn.disabled = false;
      pw.select();
    }
  } },
  h('h1', null, 'Phần mềm Một cửa'),
  h('p', { class: 'sub' }, 'Tiếp nhận và trả kết quả giải quyết thủ tục hành chính'),
  field('Tên đăng nhập', login), field('Mật khẩu', pw), msg, btn);
  mount(root, h('div', { class: 'login-page' }, form));
  login.focus();
}

async function route() {
  const my = ++seq;
  const root = document.getElementById('main');
  if (cleanup) { try { cleanup(); } catch { /* ignore */ } cleanup = null; }
  const raw = location.hash.slice(1) || '/';
  const [path, q] = raw.split('?');
  const s = session();
  if (!s || path === '/dang-nhap') {
    if (path !== '/dang-nhap' && path !== '/') sessionStorage.setItem('motcua.after-login', raw);
    loginView(root, s ? null : (path !== '/' && path !== '/dang-nhap' ? 'Phiên làm việc đã hết, xin đăng nhập lại.' : null));
    return;
  }
  const account = s.account;
  if (account.kind === 'integration' || account.role === 'integration') {
    mount(root, h('p', { class: 'notice' }, 'Tài khoản tích hợp chỉ dùng qua API, không dùng giao diện.'));
    return;
  }
  if (path === '/') { navigate(HOME[account.role] || '/hang-doi'); return; }
  renderNav(account);
  const r = ROUTES.find(x => x.re.test(path));
  if (!r) { mount(root, h('p', { class: 'notice' }, 'Không có trang này.')); return; }
  if (!r.roles.includes(account.role)) {
    mount(root, h('p', { class: 'notice' }, 'Vai trò của tài khoản không được dùng chức năng này.'));
    return;
  }
  const params = r.re.exec(path).slice(1).map(x => (x === undefined ? undefined : decodeURIComponent(x)));
  mount(root, h('p', { class: 'loading', 'aria-busy': 'true' }, 'Đang tải…'));
  try {
    const mod = await import(`./view-${r.view}.js`);
    if (my !== seq) return;
    root.replaceChildren();
    const c = await mod.default(root, { account, params, query: new URLSearchParams(q || ''), navigate, title: setTitle });
    if (my !== seq) { if (typeof c === 'function') c(); return; }
    cleanup = typeof c === 'function' ? c : null;
  } catch (e) {
    if (my !== seq) return;
    mount(root, errorBox(e instanceof ApiError ? e : { message: 'Lỗi khi mở màn hình: ' + e.message }));
  }
}

// A scanned receipt QR types its URL (…/tra-cuu?ma=CODE); a clerk may type the code alone.
export function codeFromScan(s) {
  s = String(s || '').trim();
  const m = /[?&]ma=([^&#\s]+)/.exec(s) || /[?&]code=([^&#\s]+)/.exec(s);
  if (m) return decodeURIComponent(m[1]).toUpperCase();
  return s.toUpperCase().replace(/\s+/g, '');
}

function init() {
  setUnauthorizedHandler(() => {
    sessionStorage.setItem('motcua.after-login', location.hash.slice(1));
    toast('Phiên làm việc đã hết, xin đăng nhập lại.', 'warn');
    navigate('/dang-nhap');
  });
  document.getElementById('quick-open').addEventListener('submit', ev => {
    ev.preventDefault();
    const inp = document.getElementById('quick-code');
    const code = codeFromScan(inp.value);
    if (!code) return;
    inp.value = '';
    navigate('/ho-so/' + encodeURIComponent(code));
  });
  // F2 or Ctrl+K: to the dossier-code box (a barcode scanner types there and presses Enter)
  document.addEventListener('keydown', ev => {
    if (ev.key === 'F2' || ((ev.ctrlKey || ev.metaKey) && ev.key.toLowerCase() === 'k')) {
      const inp = document.getElementById('quick-code');
      if (!document.getElementById('topbar').hidden) { ev.preventDefault(); inp.focus(); inp.select(); }
    }
  });
  window.addEventListener('hashchange', route);
  // refresh the account (a role may have changed) without blocking the first screen
  if (session()) get('/auth/me').then(r => {
    const s = session();
    if (s && r.account) { s.account = { ...s.account, ...r.account }; setSession(s); }
  }).catch(() => {});
  route();
}

init();
