// view-admin.js - the administrator's screen (#/quan-tri/<tab>, role admin): accounts and
// API keys, the unit tree (create, dissolve with successors), the working calendar (a year's
// grid, one-day edits, weekly schedules, the import of a yearly announcement with its diff)
// and the audit trail. A horizon alarm warns from 1 October when next year's Tết is not
// loaded, since appointments after 31/12 then rest on the proposed calendar.
import { get, post, getAll, newKey, saveBlob } from './api.js';
import {
  h, mount, field, fmtDate, fmtDateTime, todayVN, parseDateVN, fmtInt, fold,
  ROLES, LEVELS, toast, errorText, errorBox, modal, table, loading,
} from './ui.js';

const TABS = [
  { key: 'tai-khoan', label: 'Tài khoản', render: tabAccounts },
  { key: 'don-vi', label: 'Đơn vị', render: tabUnits },
  { key: 'lich', label: 'Lịch làm việc', render: tabCalendar },
  { key: 'nhat-ky', label: 'Nhật ký', render: tabAudit },
];

const KINDS = {
  committee: 'Ủy ban nhân dân', department: 'Sở, phòng chuyên môn',
  center: 'Trung tâm Phục vụ hành chính công', counter: 'Bộ phận Tiếp nhận và Trả kết quả',
  ministry: 'Bộ, cơ quan trung ương',
};

// Announced reasons an administrator may write (CalendarDayInput.reason), with the names
// the server gives them (wcal.c REASONS).
const DAY_REASONS = {
  tet: 'Nghỉ Tết Âm lịch', new_year: 'Tết Dương lịch', hung_kings: 'Giỗ Tổ Hùng Vương',
  reunification: 'Ngày Chiến thắng 30/4', labour: 'Ngày Quốc tế lao động 1/5',
  national_day: 'Quốc khánh 2/9', national_day_2: 'Nghỉ Quốc khánh (ngày liền kề)',
  compensatory: 'Nghỉ bù', swap_off: 'Nghỉ hoán đổi ngày làm việc',
  makeup_saturday: 'Làm bù thứ Bảy', local: 'Nghỉ theo quyết định của địa phương',
  announced: 'Nghỉ theo thông báo',
};
// Fixed-date holidays: the reason only fits its own day (MM-DD).

const WEEKDAYS = ['Chủ nhật', 'Thứ Hai', 'Thứ Ba', 'Thứ Tư', 'Thứ Năm', 'Thứ Sáu', 'Thứ Bảy'];
const MONTHS = ['Tháng 1', 'Tháng 2', 'Tháng 3', 'Tháng 4', 'Tháng 5', 'Tháng 6', 'Tháng 7',
  'Tháng 8', 'Tháng 9', 'Tháng 10', 'Tháng 11', 'Tháng 12'];

const ACTIONS = {
  login: 'Đăng nhập', logout: 'Đăng xuất', authenticate: 'Xác thực', authorize: 'Phân quyền',
  scope: 'Ngoài phạm vi', 'account.create': 'Tạo tài khoản', 'account.disable': 'Khóa tài khoản',
  'apikey.create': 'Cấp khóa API', 'apikey.revoke': 'Thu hồi khóa API',
};
const TABLES = {
  unit: 'đơn vị', unit_successor: 'đơn vị kế thừa', calendar_day: 'ngày trong lịch',
  calendar_schedule: 'giờ làm việc', procedure: 'thủ tục', procedure_version: 'phiên bản thủ tục',
  field: 'lĩnh vực', webhook: 'webhook', integ_client: 'cấu hình tích hợp',
};
const OPS = { insert: 'Thêm', update: 'Sửa', delete: 'Xóa' };
const OUTCOMES = { ok: 'Thành công', denied: 'Bị từ chối', failed: 'Thất bại' };

// ---------------------------------------------------------------------------- helpers ----

function wdIndex(iso) { return new Date(iso + 'T00:00:00Z').getUTCDay(); }
function addDays(iso, n) {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
function validIso(s) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(s)) return false;
  const d = new Date(s + 'T00:00:00Z');
  return !isNaN(d) && d.toISOString().slice(0, 10) === s;
}
// dd/mm/yyyy (or YYYY-MM-DD) -> YYYY-MM-DD, or null.
function readDate(s) {
  s = String(s || '').trim();
  if (validIso(s)) return s;
  return parseDateVN(s);
}
const utf8len = s => new TextEncoder().encode(s).length;
const code = s => h('code', { class: 'adm-code' }, s);

// The idempotency key of one user action on a form: kept while the form is unchanged (a
// retry of the same submission), dropped as soon as the user edits it.
function actionKey(form, prefix) {
  let k = null;
  form.addEventListener('input', () => { k = null; });
  form.addEventListener('change', () => { k = null; });
  return { get: () => (k || (k = newKey(prefix))), clear: () => { k = null; } };
}

// Shows an API error next to a form and marks the field it names.
function showError(box, form, err) {
  if (form) {
    form.querySelectorAll('[aria-invalid="true"]').forEach(el => el.removeAttribute('aria-invalid'));
    const f = err && err.field ? form.querySelector(`[name="${CSS.escape(err.field)}"]`) : null;
    if (f) { f.setAttribute('aria-invalid', 'true'); f.focus(); }
  }
  mount(box, errorBox(err));
}
function clearError(box, form) {
  mount(box);
  if (form) form.querySelectorAll('[aria-invalid="true"]').forEach(el => el.removeAttribute('aria-invalid'));
}

function select(name, options, value, attrs = {}) {
  return h('select', { name, ...attrs }, options.map(([v, label]) =>
    h('option', { value: v, selected: v === value }, label)));
}

function badge(text, cls) { return h('span', { class: `badge adm-b-${cls}` }, text); }

// Per screen visit: the unit list is shared by the tabs that need it.
function makeShared() {
  let unitsP = null;
  return {
    units(reload) {
      if (!unitsP || reload) unitsP = getAll('/units', {}, 5000).catch(e => { unitsP = null; throw e; });
      return unitsP;
    },
  };
}
function inForce(u, day) {
  return u.valid_from <= day && (!u.valid_to || u.valid_to >= day);
}

// ------------------------------------------------------------------------------ screen ----

export default async function render(root, ctx) {
  const tab = TABS.find(t => t.key === (ctx.params[0] || 'tai-khoan'));
  if (!tab) {
    mount(root, h('h1', null, 'Quản trị hệ thống'),
      h('p', { class: 'notice' }, 'Không có mục quản trị này. ', h('a', { href: '#/quan-tri/tai-khoan' }, 'Về mục Tài khoản')));
    return undefined;
  }
  ctx.title(`Quản trị — ${tab.label}`);
  const alarm = h('div', { class: 'adm-alarm-slot' });
  const panel = h('section', { class: 'adm-panel', 'aria-labelledby': 'adm-h2' });
  mount(root, h('div', { class: 'adm' },
    h('h1', null, 'Quản trị hệ thống'),
    alarm,
    h('nav', { class: 'tabs adm-tabs', 'aria-label': 'Các mục quản trị' },
      TABS.map(t => h('a', { href: `#/quan-tri/${t.key}`, 'aria-current': t === tab ? 'page' : false }, t.label))),
    panel));
  const shared = makeShared();
  shared.checkHorizon = () => horizonAlarm(alarm);
  shared.checkHorizon();
  const cleanups = [];
  await tab.render(panel, ctx, shared, fn => cleanups.push(fn));
  return () => cleanups.forEach(fn => { try { fn(); } catch { /* ignore */ } });
}

// From 1 October, next year's Tết must be loaded: deadlines that run past 31/12 are computed
// on the proposed (computed) Tết otherwise.
async function horizonAlarm(slot) {
  const today = todayVN();
  const y = Number(today.slice(0, 4));
  if (today.slice(5) < '10-01' || y + 1 > 2100) { mount(slot); return; }
  const next = y + 1;
  let why = null;
  try {
    const cal = await get('/calendar/days', { year: next });
    const hasTet = (cal.items || []).some(d => d.reason === 'tet');
    if (cal.status === 'announced' && hasTet) { mount(slot); return; }
  } catch (e) {
    why = e;
  }
  mount(slot, h('div', { class: 'adm-alarm', role: 'alert', id: 'adm-horizon' },
    h('p', { class: 'adm-alarm-title' },
      `Chưa nạp lịch nghỉ Tết Nguyên đán năm ${next}: các ngày hẹn trả kết quả sau 31/12/${y} đang được tính theo lịch dự kiến.`),
    h('p', null, why ? `Không đọc được lịch năm ${next}: ${errorText(why)}. `
      : 'Khi có thông báo chính thức về lịch nghỉ Tết của cán bộ, công chức, viên chức, hãy nạp ngay để hạn trả kết quả được tính đúng. ',
    h('a', { href: `#/quan-tri/lich?nam=${next}` }, `Mở lịch làm việc năm ${next}`))));
}

// ---------------------------------------------------------------------------- accounts ----

async function tabAccounts(panel, ctx, shared) {
  const listBox = h('div');
  const filterRole = select('role', [['', 'Tất cả vai trò'], ...Object.entries(ROLES)], '');
  const filterText = h('input', { type: 'search', name: 'q', placeholder: 'Tên đăng nhập hoặc họ tên' });
  const showOff = h('input', { type: 'checkbox', name: 'off', checked: true });
  let accounts = [];
  let unitsByCode = new Map();
  const issued = []; // API keys issued in this visit (never the key itself)
  const issuedBox = h('div');

  const renderList = () => {
    const q = fold(filterText.value.trim());
    const rows = accounts.filter(a => (!filterRole.value || a.role === filterRole.value) &&
      (showOff.checked || a.active) &&
      (!q || fold(a.login).includes(q) || fold(a.display_name).includes(q)));
    const active = accounts.filter(a => a.active).length;
    mount(listBox,
      h('p', { class: 'muted', 'aria-live': 'polite' },
        `${fmtInt(accounts.length)} tài khoản, ${fmtInt(active)} đang hoạt động` +
        (rows.length !== accounts.length ? ` — đang hiện ${fmtInt(rows.length)}` : '')),
      table([
        { label: 'Tên đăng nhập', get: a => code(a.login) },
        { label: 'Họ và tên', get: a => a.display_name || '—' },
        { label: 'Vai trò', get: a => a.role_label || ROLES[a.role] || a.role },
        { label: 'Đơn vị', get: a => a.unit_code ? [code(a.unit_code), unitsByCode.has(a.unit_code)
          ? h('div', { class: 'muted' }, unitsByCode.get(a.unit_code).name) : null] : '—' },
        { label: 'Trạng thái', get: a => a.active ? badge('Đang hoạt động', 'ok') : badge('Đã khóa', 'off') },
        { label: 'Ngày tạo', get: a => fmtDate(a.created_at) },
        { label: 'Thao tác', get: a => actionsFor(a), class: 'adm-c-act' },
      ], rows, { empty: 'Không có tài khoản nào khớp bộ lọc.', rowAttrs: a => ({ class: a.active ? null : 'adm-off', dataset: { login: a.login } }) }));
  };

  const actionsFor = a => {
    if (!a.active) return h('span', { class: 'muted' }, '—');
    const out = [];
    if (a.kind === 'integration') {
      out.push(h('button', { type: 'button', class: 'adm-small', 'aria-label': `Cấp khóa API cho ${a.login}`, onclick: () => issueKey(a) }, 'Cấp khóa API'));
    }
    if (a.login !== ctx.account.login) {
      out.push(h('button', { type: 'button', class: 'adm-small adm-danger-outline', 'aria-label': `Khóa tài khoản ${a.login}`, onclick: () => disable(a) }, 'Khóa'));
    } else {
      out.push(h('span', { class: 'muted' }, 'Tài khoản của bạn'));
    }
    return h('div', { class: 'adm-btns' }, out);
  };

  const reload = async () => {
    accounts = await getAll('/accounts', {}, 5000);
    renderList();
  };

  const disable = async a => {
    const key = newKey('acct-disable');
    const r = await modal({
      title: 'Khóa tài khoản',
      body: [h('p', null, 'Khóa tài khoản ', h('strong', null, a.login), ` (${a.display_name || ROLES[a.role]})?`),
        h('p', { class: 'muted' }, 'Mọi phiên đăng nhập và khóa API của tài khoản bị thu hồi ngay; người dùng không đăng nhập được nữa. Thao tác này không hoàn tác được trên giao diện.')],
      actions: [{ label: 'Hủy', value: null }, { label: 'Khóa tài khoản', value: true, primary: true }],
      onSubmit: () => post(`/accounts/${encodeURIComponent(a.login)}/disable`, undefined, { idem: key }),
    });
    if (!r) return;
    toast(`Đã khóa tài khoản ${a.login}` + (r.tokens_revoked ? ` (thu hồi ${r.tokens_revoked} phiên)` : '') + '.', 'ok');
    await reload();
  };

  const issueKey = async a => {
    const label = h('input', { name: 'label', maxlength: 120 });
    const exp = h('input', { name: 'expires_at', placeholder: 'dd/mm/yyyy', inputmode: 'numeric' });
    const key = newKey('apikey');
    const r = await modal({
      title: `Cấp khóa API cho ${a.login}`,
      body: [field('Ghi chú (tên hệ thống dùng khóa)', label),
        field('Hết hạn ngày', exp, 'Để trống nếu khóa không hết hạn. Khóa hết hiệu lực vào 23:59 ngày này.')],
      actions: [{ label: 'Hủy', value: null }, { label: 'Cấp khóa', value: true, primary: true }],
      onSubmit: () => {
        const body = { label: label.value.trim() };
        if (exp.value.trim()) {
          const d = readDate(exp.value);
          if (!d) throw new Error('Ngày hết hạn không đúng dạng dd/mm/yyyy.');
          body.expires_at = `${d}T23:59:59+07:00`;
        }
        return post(`/accounts/${encodeURIComponent(a.login)}/api-keys`, body, { idem: key });
      },
    });
    if (!r) return;
    issued.unshift({ id: r.id, login: r.login, label: r.label, created_at: r.created_at, expires_at: r.expires_at, revoked_at: null });
    renderIssued();
    const keyInput = h('input', { readonly: true, value: r.key, class: 'adm-key', spellcheck: 'false', name: 'key' });
    const copied = h('span', { class: 'muted', 'aria-live': 'polite' });
    await modal({
      title: 'Khóa API mới',
      body: [h('p', { class: 'notice' }, 'Khóa chỉ hiển thị một lần này. Hãy sao chép và chuyển an toàn cho hệ thống tích hợp; máy chủ chỉ lưu mã băm nên không xem lại được.'),
        field(`Khóa API của ${r.login} (số hiệu ${r.id})`, keyInput),
        h('div', { class: 'actions' }, h('button', { type: 'button', onclick: async () => {
          keyInput.select();
          try { await navigator.clipboard.writeText(r.key); copied.textContent = 'Đã sao chép.'; } catch {
            copied.textContent = document.execCommand && document.execCommand('copy') ? 'Đã sao chép.' : 'Hãy chọn và sao chép thủ công (Ctrl+C).';
          }
        } }, 'Sao chép'), copied)],
      actions: [{ label: 'Tôi đã lưu khóa', value: true, primary: true }],
    });
    keyInput.value = '';
  };

  const renderIssued = () => {
    mount(issuedBox, issued.length ? [h('h4', { class: 'adm-h4' }, 'Khóa đã cấp trong lần làm việc này'),
      h('ul', { class: 'adm-keys' }, issued.map(k => h('li', null,
        h('div', null, h('strong', null, `Số ${k.id}`), ' · ', code(k.login), k.label ? ` · ${k.label}` : '',
          h('div', { class: 'muted' }, `Cấp ${fmtDateTime(k.created_at)}; ` + (k.revoked_at ? `thu hồi ${fmtDateTime(k.revoked_at)}`
            : k.expires_at ? `hết hạn ${fmtDate(k.expires_at)}` : 'không hết hạn'))),
        k.revoked_at ? badge('Đã thu hồi', 'off')
          : h('button', { type: 'button', class: 'adm-small adm-danger-outline', 'aria-label': `Thu hồi khóa số ${k.id}`, onclick: () => revoke(k.id) }, 'Thu hồi'))))] : null);
  };

  const revoke = async id => {
    const key = newKey('apikey-revoke');
    const r = await modal({
      title: 'Thu hồi khóa API',
      body: h('p', null, `Thu hồi khóa API số ${id}? Hệ thống đang dùng khóa sẽ bị từ chối ngay.`),
      actions: [{ label: 'Hủy', value: null }, { label: 'Thu hồi', value: true, primary: true }],
      onSubmit: () => post(`/api-keys/${encodeURIComponent(id)}/revoke`, undefined, { idem: key }),
    });
    if (!r) return null;
    const k = issued.find(x => String(x.id) === String(r.id));
    if (k) k.revoked_at = r.revoked_at;
    renderIssued();
    toast(`Đã thu hồi khóa API số ${r.id} của ${r.login}.`, 'ok');
    return r;
  };

  // revoke by id (the API has no list of an account's keys)
  const revokeId = h('input', { name: 'id', inputmode: 'numeric', pattern: '[0-9]*' });
  const revokeMsg = h('div', { 'aria-live': 'polite' });
  const revokeForm = h('form', { class: 'adm-inline-form', novalidate: true, onsubmit: async ev => {
    ev.preventDefault();
    mount(revokeMsg);
    const id = revokeId.value.trim();
    if (!/^\d{1,18}$/.test(id)) { mount(revokeMsg, errorBox({ message: 'Số hiệu khóa là một số.' })); return; }
    const r = await revoke(id);
    if (r) { mount(revokeMsg, h('p', { class: 'success' }, `Khóa số ${r.id} (${r.login}) đã thu hồi lúc ${fmtDateTime(r.revoked_at)}.`)); revokeId.value = ''; }
  } }, field('Số hiệu khóa API', revokeId), h('button', { type: 'submit' }, 'Thu hồi'));

  const createCard = createAccountForm(shared, async created => {
    await reload();
    filterText.value = '';
    renderList();
    toast(`Đã tạo tài khoản ${created.login}.`, 'ok');
  });

  [filterRole, filterText, showOff].forEach(el => el.addEventListener('input', renderList));
  mount(panel,
    h('h2', { id: 'adm-h2' }, 'Tài khoản'),
    h('div', { class: 'adm-2col' },
      h('div', { class: 'card' },
        h('div', { class: 'adm-filters' },
          field('Lọc theo vai trò', filterRole), field('Tìm tài khoản', filterText),
          h('label', { class: 'adm-check' }, showOff, ' Hiện cả tài khoản đã khóa')),
        listBox),
      h('div', null, createCard,
        h('div', { class: 'card' },
          h('h3', null, 'Khóa API của hệ thống tích hợp'),
          h('p', { class: 'muted' }, 'Khóa API chỉ cấp cho tài khoản loại tích hợp (nút “Cấp khóa API” trong danh sách) và chỉ hiển thị một lần. Thu hồi một khóa theo số hiệu được báo khi cấp:'),
          revokeForm, revokeMsg, issuedBox))));
  mount(listBox, h('p', { class: 'loading', 'aria-busy': 'true' }, 'Đang tải…'));
  try {
    const [, units] = await Promise.all([reload(), shared.units().catch(() => [])]);
    unitsByCode = new Map(units.map(u => [u.code, u]));
    renderList();
  } catch (e) {
    mount(listBox, errorBox(e));
  }
}

function createAccountForm(shared, onCreated) {
  const today = todayVN();
  const login = h('input', { name: 'login', autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', required: true, maxlength: 63 });
  const name = h('input', { name: 'display_name', maxlength: 120, autocomplete: 'off' });
  const role = select('role', Object.entries(ROLES), 'clerk');
  const unit = h('select', { name: 'unit_code' }, h('option', { value: '' }, 'Đang tải danh sách đơn vị…'));
  const pw = h('input', { name: 'password', type: 'password', autocomplete: 'new-password', minlength: 10, maxlength: 256 });
  const showPw = h('input', { type: 'checkbox', onchange: () => { pw.type = showPw.checked ? 'text' : 'password'; } });
  const pwField = field('Mật khẩu ban đầu', pw, 'Ít nhất 10 ký tự; giao cho người dùng qua kênh an toàn.');
  const gen = h('button', { type: 'button', class: 'adm-small', onclick: () => {
    const abc = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
    const r = crypto.getRandomValues(new Uint32Array(14));
    pw.value = Array.from(r, x => abc[x % abc.length]).join('');
    showPw.checked = true; pw.type = 'text';
    pw.dispatchEvent(new Event('input', { bubbles: true }));
  } }, 'Tạo ngẫu nhiên');
  const pwExtra = h('div', { class: 'adm-pw-extra' }, h('label', { class: 'adm-check' }, showPw, ' Hiện mật khẩu'), gen);
  const intNote = h('p', { class: 'hint', hidden: true }, 'Tài khoản tích hợp không có mật khẩu: tạo xong, bấm “Cấp khóa API” trong danh sách.');
  const msg = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'primary' }, 'Tạo tài khoản');
  const syncRole = () => {
    const integ = role.value === 'integration';
    pwField.hidden = integ; pwExtra.hidden = integ; intNote.hidden = !integ;
  };
  role.addEventListener('change', syncRole);
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'adm-new-acct' },
    h('h3', { id: 'adm-new-acct' }, 'Tạo tài khoản'),
    field('Tên đăng nhập', login, 'Chữ thường không dấu, số, dấu chấm, gạch ngang; 3–63 ký tự (ví dụ nguyenvana.tinh).'),
    field('Họ và tên', name),
    field('Vai trò', role),
    field('Đơn vị', unit, 'Phạm vi làm việc: đơn vị này và các đơn vị trực thuộc. Bắt buộc, trừ vai trò quản trị.'),
    pwField, pwExtra, intNote, msg, h('div', { class: 'actions' }, btn));
  const key = actionKey(form, 'acct');
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearError(msg, form);
    const body = { login: login.value.trim(), role: role.value, display_name: name.value.trim() };
    if (unit.value) body.unit_code = unit.value;
    if (role.value !== 'integration') body.password = pw.value;
    if (!body.login) { showError(msg, form, { message: 'Nhập tên đăng nhập.', field: 'login' }); return; }
    btn.disabled = true;
    try {
      const r = await post('/accounts', body, { idem: key.get() });
      key.clear();
      form.reset(); syncRole(); pw.type = 'password';
      mount(msg, h('p', { class: 'success' }, 'Đã tạo tài khoản ', h('strong', null, r.login), ` — ${r.role_label || ROLES[r.role]}` +
        (r.unit_code ? `, đơn vị ${r.unit_code}` : '') + '.'));
      await onCreated(r);
    } catch (e) {
      showError(msg, form, e);
    } finally {
      btn.disabled = false;
    }
  });
  shared.units().then(units => {
    const cur = units.filter(u => inForce(u, today));
    mount(unit, h('option', { value: '' }, '— Chọn đơn vị —'),
      cur.map(u => h('option', { value: u.code }, `${u.code} — ${u.name}`)));
  }).catch(e => { mount(unit, h('option', { value: '' }, 'Không tải được đơn vị')); mount(msg, errorBox(e)); });
  return form;
}

// ------------------------------------------------------------------------------- units ----

async function tabUnits(panel, ctx, shared) {
  const today = todayVN();
  const box = h('div');
  const q = h('input', { type: 'search', name: 'q', placeholder: 'Tên hoặc mã đơn vị' });
  const hideOld = h('input', { type: 'checkbox', name: 'hide' });
  const summary = h('p', { class: 'muted', 'aria-live': 'polite' });
  let units = [];
  let details = new Map(); // code -> UnitDetail (dissolved units: their successors)

  const load = async reload => {
    units = await shared.units(reload);
    const ended = units.filter(u => u.valid_to);
    details = new Map();
    // The list carries no successors: read the detail of every unit with an end date.
    let i = 0;
    const worker = async () => {
      while (i < ended.length) {
        const u = ended[i++];
        try { details.set(u.code, await get(`/units/${encodeURIComponent(u.code)}`)); } catch { /* shown without */ }
      }
    };
    await Promise.all(Array.from({ length: Math.min(6, ended.length) }, worker));
  };

  const draw = () => {
    const byCode = new Map(units.map(u => [u.code, u]));
    const kids = new Map();
    const roots = [];
    for (const u of units) {
      const p = u.parent && byCode.has(u.parent.code) ? u.parent.code : null;
      if (p) { if (!kids.has(p)) kids.set(p, []); kids.get(p).push(u); } else roots.push(u);
    }
    const preds = new Map();
    for (const d of details.values()) for (const s of d.successors || []) {
      if (!preds.has(s.code)) preds.set(s.code, []);
      preds.get(s.code).push(d);
    }
    const fq = fold(q.value.trim());
    const match = u => !fq || fold(u.name).includes(fq) || u.code.toLowerCase().includes(fq);
    const visible = new Set();
    const mark = (u) => {
      let any = match(u);
      for (const c of kids.get(u.code) || []) if (mark(c)) any = true;
      if (any && (!hideOld.checked || !u.valid_to || u.valid_to >= today)) visible.add(u.code);
      return any;
    };
    roots.forEach(mark);
    const rows = [];
    const walk = (u, depth) => {
      if (visible.has(u.code)) rows.push({ u, depth });
      for (const c of kids.get(u.code) || []) walk(c, depth + 1);
    };
    roots.forEach(u => walk(u, 0));
    const ended = units.filter(u => u.valid_to && u.valid_to < today).length;
    summary.textContent = `${fmtInt(units.length)} đơn vị: ${fmtInt(units.length - ended)} đang hoạt động, ${fmtInt(ended)} đã giải thể hoặc hết hiệu lực.`;
    mount(box, table([
      { label: 'Tên đơn vị', get: r => nameCell(r), class: 'adm-c-name' },
      { label: 'Mã định danh', get: r => code(r.u.code), class: 'adm-nowrap' },
      { label: 'Cấp', get: r => LEVELS[r.u.level] || r.u.level, class: 'adm-c-level' },
      { label: 'Loại', get: r => KINDS[r.u.kind] || r.u.kind, class: 'adm-c-kind' },
      { label: 'Hiệu lực', get: r => validity(r.u) },
      { label: 'Thao tác', class: 'adm-c-act', get: r => (!r.u.valid_to
        ? h('button', { type: 'button', class: 'adm-small', 'aria-label': `Giải thể ${r.u.name} (${r.u.code})`, onclick: () => dissolve(r.u) }, 'Giải thể…') : null) },
    ], rows, { empty: 'Không có đơn vị nào khớp.', rowAttrs: r => ({ class: r.u.valid_to && r.u.valid_to < today ? 'adm-off' : null, dataset: { code: r.u.code } }) }));

    function nameCell({ u, depth }) {
      const cell = h('div', { class: 'adm-tree' },
        depth ? h('span', { class: 'adm-tree-mark', 'aria-hidden': 'true' }, '└') : null,
        h('span', { class: 'adm-tree-name' }, u.name));
      cell.style.paddingLeft = `${depth * 18}px`;
      const p = preds.get(u.code);
      if (p && p.length) {
        cell.append(h('div', { class: 'muted adm-tree-sub', title: p.map(x => `${x.name} (${x.code})`).join('; ') },
          p.length === 1 ? `Kế thừa ${p[0].name}` : `Kế thừa ${p.length} đơn vị đã giải thể`));
      }
      return cell;
    }
    function validity(u) {
      const from = `Từ ${fmtDate(u.valid_from)}`;
      if (!u.valid_to) return from;
      const d = details.get(u.code);
      const succ = d && d.successors ? d.successors : [];
      const since = succ.length ? succ[0].since : addDays(u.valid_to, 1);
      const past = u.valid_to < today;
      return h('div', null, h('div', null, `${from} đến ${fmtDate(u.valid_to)}`),
        h('div', { class: past ? 'adm-dissolved' : 'adm-ending' },
          `${past ? 'Giải thể' : 'Sẽ giải thể'} từ ${fmtDate(since)}, kế thừa: ` +
          (succ.length ? succ.map(s => `${s.name} (${s.code})`).join('; ') : d ? 'không có' : 'không rõ')));
    }
  };

  const dissolve = async u => {
    const cands = units.filter(x => x.code !== u.code && !x.valid_to);
    const to = h('input', { name: 'valid_to', placeholder: 'dd/mm/yyyy', value: fmtDate(today), inputmode: 'numeric' });
    const since = h('input', { name: 'since', placeholder: 'dd/mm/yyyy', inputmode: 'numeric' });
    const filt = h('input', { type: 'search', placeholder: 'Lọc theo tên hoặc mã' });
    const boxes = cands.map(c => h('label', { class: 'adm-check adm-succ', dataset: { f: fold(c.name + ' ' + c.code) } },
      h('input', { type: 'checkbox', name: 'successors', value: c.code }), ` ${c.name} (${c.code})`));
    filt.addEventListener('input', () => {
      const f = fold(filt.value.trim());
      boxes.forEach(b => { b.hidden = !!f && !b.dataset.f.includes(f); });
    });
    const key = newKey('unit-dissolve');
    const r = await modal({
      title: `Giải thể ${u.name}`,
      body: [h('p', { class: 'muted' }, `Mã ${u.code}, hiệu lực từ ${fmtDate(u.valid_from)}. Hồ sơ của đơn vị chuyển cho đơn vị kế thừa.`),
        field('Ngày cuối cùng còn hiệu lực', to, 'dd/mm/yyyy'),
        field('Đơn vị kế thừa tiếp nhận từ ngày', since, 'Để trống: ngày hôm sau ngày cuối cùng.'),
        h('fieldset', { class: 'adm-succ-list' }, h('legend', null, 'Đơn vị kế thừa'),
          field('Lọc danh sách', filt), h('div', { class: 'adm-succ-scroll' }, boxes))],
      actions: [{ label: 'Hủy', value: null }, { label: 'Giải thể', value: true, primary: true }],
      onSubmit: form => {
        const vt = readDate(to.value);
        if (!vt) throw new Error('Ngày cuối cùng không đúng dạng dd/mm/yyyy.');
        const body = { valid_to: vt, successors: Array.from(form.querySelectorAll('input[name="successors"]:checked'), x => x.value) };
        if (since.value.trim()) {
          const s = readDate(since.value);
          if (!s) throw new Error('Ngày tiếp nhận không đúng dạng dd/mm/yyyy.');
          body.since = s;
        }
        return post(`/units/${encodeURIComponent(u.code)}/dissolve`, body, { idem: key });
      },
    });
    if (!r) return;
    toast(`Đã giải thể ${r.name}` + (r.successors.length ? `; kế thừa: ${r.successors.map(s => s.name).join(', ')}.` : '.'), 'ok');
    await refresh(true);
  };

  const refresh = async reload => {
    mount(box, h('p', { class: 'loading', 'aria-busy': 'true' }, 'Đang tải…'));
    try { await load(reload); draw(); fillParents(); } catch (e) { mount(box, errorBox(e)); }
  };

  // the create form
  const f = {
    code: h('input', { name: 'code', spellcheck: 'false', maxlength: 13, placeholder: '000.00.22.H19' }),
    name: h('input', { name: 'name', maxlength: 500 }),
    level: select('level', Object.entries(LEVELS).filter(([k]) => k !== 'district'), 'province'),
    kind: select('kind', Object.entries(KINDS), 'department'),
    parent: h('select', { name: 'parent' }),
    valid_from: h('input', { name: 'valid_from', placeholder: 'dd/mm/yyyy', value: fmtDate(today), inputmode: 'numeric' }),
    valid_to: h('input', { name: 'valid_to', placeholder: 'dd/mm/yyyy', inputmode: 'numeric' }),
    address: h('input', { name: 'address', maxlength: 500 }),
    admin_code: h('input', { name: 'admin_code', maxlength: 16 }),
  };
  const fillParents = () => {
    const keep = f.parent.value || ctx.account.unit_code || '';
    mount(f.parent, h('option', { value: '' }, '— Không có (đơn vị gốc) —'),
      units.filter(u => inForce(u, today)).map(u => h('option', { value: u.code, selected: u.code === keep }, `${u.code} — ${u.name}`)));
  };
  const msg = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'primary' }, 'Tạo đơn vị');
  const form = h('form', { class: 'adm-unit-form', novalidate: true, 'aria-label': 'Tạo đơn vị mới' },
    h('div', { class: 'adm-grid3' },
      field('Mã định danh', f.code, 'Theo QĐ 20/2020/QĐ-TTg, cấp thấp nhất trước: 000.00.22.H19 (sở), 124.00.00.H19 (xã).'),
      h('div', { class: 'adm-span2' }, field('Tên đơn vị', f.name)),
      field('Cấp', f.level), field('Loại', f.kind), field('Đơn vị cấp trên', f.parent),
      field('Hiệu lực từ', f.valid_from, 'dd/mm/yyyy'), field('Hiệu lực đến', f.valid_to, 'dd/mm/yyyy; để trống nếu chưa định'),
      field('Mã đơn vị hành chính', f.admin_code, 'Mã ĐVHC, nếu có'),
      h('div', { class: 'adm-span3' }, field('Địa chỉ', f.address))),
    msg, h('div', { class: 'actions' }, btn));
  const key = actionKey(form, 'unit');
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearError(msg, form);
    const body = { code: f.code.value.trim(), name: f.name.value.trim(), level: f.level.value, kind: f.kind.value };
    if (f.parent.value) body.parent = f.parent.value;
    const vf = readDate(f.valid_from.value);
    if (!vf) { showError(msg, form, { message: 'Ngày bắt đầu hiệu lực không đúng dạng dd/mm/yyyy.', field: 'valid_from' }); return; }
    body.valid_from = vf;
    if (f.valid_to.value.trim()) {
      const vt = readDate(f.valid_to.value);
      if (!vt) { showError(msg, form, { message: 'Ngày hết hiệu lực không đúng dạng dd/mm/yyyy.', field: 'valid_to' }); return; }
      body.valid_to = vt;
    }
    if (f.address.value.trim()) body.address = f.address.value.trim();
    if (f.admin_code.value.trim()) body.admin_code = f.admin_code.value.trim();
    btn.disabled = true;
    try {
      const r = await post('/units', body, { idem: key.get() });
      key.clear();
      f.code.value = ''; f.name.value = ''; f.address.value = ''; f.admin_code.value = ''; f.valid_to.value = '';
      mount(msg, h('p', { class: 'success' }, `Đã tạo ${r.name} (${r.code}).`));
      toast(`Đã tạo đơn vị ${r.code}.`, 'ok');
      await refresh(true);
    } catch (e) {
      showError(msg, form, e);
    } finally { btn.disabled = false; }
  });

  [q, hideOld].forEach(el => el.addEventListener('input', draw));
  const createBox = h('details', { class: 'card adm-create' }, h('summary', null, 'Tạo đơn vị mới'), form);
  mount(panel,
    h('h2', { id: 'adm-h2' }, 'Đơn vị'),
    createBox,
    h('div', { class: 'card' },
      h('div', { class: 'adm-filters' }, field('Tìm đơn vị', q),
        h('label', { class: 'adm-check' }, hideOld, ' Ẩn đơn vị đã giải thể')),
      summary, box));
  await refresh(false);
}

// ---------------------------------------------------------------------------- calendar ----

function sourceLabel(s) {
  if (!s || s === 'rule') return 'Quy định (BLLĐ)';
  if (s === 'proposed') return 'Dự kiến';
  if (s.startsWith('admin:')) return `Quản trị: ${s.slice(6)}`;
  if (s.startsWith('import:')) return `Nạp thông báo: ${s.slice(7)}`;
  if (s === 'announced') return 'Thông báo';
  return s;
}
const isAnnouncedRow = d => d.source && d.source !== 'rule' && d.source !== 'proposed';
const isProposed = d => d.reason === 'tet_proposed' || d.reason === 'national_day_2_proposed';

// Describes one day for its grid cell (class) and screen readers (label).
function dayState(iso, item) {
  const wd = wdIndex(iso);
  const weekend = wd === 0 || wd === 6;
  const head = `${WEEKDAYS[wd]} ${fmtDate(iso)}`;
  if (item) {
    if (item.working) return { cls: 'worked', label: `${head}: làm việc — ${item.reason_vi}` };
    return { cls: isProposed(item) ? 'proposed' : 'off', label: `${head}: nghỉ — ${item.reason_vi}` };
  }
  if (weekend) return { cls: 'weekend', label: `${head}: nghỉ cuối tuần` };
  return { cls: 'work', label: `${head}: làm việc` };
}

async function tabCalendar(panel, ctx, shared) {
  const today = todayVN();
  const thisYear = Number(today.slice(0, 4));
  let year = Number(ctx.query.get('nam')) || thisYear;
  if (year < 1900 || year > 2100) year = thisYear;
  let cal = null;

  const head = h('div');
  const gridBox = h('div', { class: 'card' });
  const listBox = h('div');
  const schedBox = h('div');
  const editCard = dayEditor(day => onEdited(day));
  const importCard = announcementImport(async y => {
    if (y === year) await loadYear();
    shared.checkHorizon();
  });

  const loadYear = async () => {
    try {
      cal = await get('/calendar/days', { year });
    } catch (e) {
      mount(head, h('h2', { id: 'adm-h2' }, `Lịch làm việc năm ${year}`), yearNav(), errorBox(e));
      mount(gridBox); mount(listBox);
      return;
    }
    drawHead(); drawGrid(); drawList();
  };
  const onEdited = async day => {
    if (Number(day.slice(0, 4)) === year) await loadYear();
    shared.checkHorizon();
  };

  const yearNav = () => h('nav', { class: 'adm-yearnav', 'aria-label': 'Chọn năm' },
    year > 1900 ? h('a', { href: `#/quan-tri/lich?nam=${year - 1}` }, `‹ Năm ${year - 1}`) : null,
    h('form', { class: 'adm-inline-form', onsubmit: ev => {
      ev.preventDefault();
      const y = Number(ev.target.elements.nam.value);
      if (y >= 1900 && y <= 2100) ctx.navigate(`/quan-tri/lich?nam=${y}`);
    } }, field('Năm', h('input', { name: 'nam', type: 'number', min: 1900, max: 2100, value: String(year), class: 'adm-year' })),
    h('button', { type: 'submit' }, 'Xem')),
    year < 2100 ? h('a', { href: `#/quan-tri/lich?nam=${year + 1}` }, `Năm ${year + 1} ›`) : null);

  const drawHead = () => {
    const items = cal.items || [];
    const off = items.filter(d => !d.working).length;
    const worked = items.filter(d => d.working).length;
    mount(head,
      h('div', { class: 'adm-cal-head' },
        h('h2', { id: 'adm-h2' }, `Lịch làm việc năm ${year}`),
        cal.status === 'announced' ? badge('Đã có thông báo chính thức', 'ok') : badge('Dự kiến — chưa có thông báo lịch nghỉ Tết', 'warn'),
        yearNav()),
      h('p', { class: 'adm-cal-sum' },
        h('strong', null, `${fmtInt(cal.working_days)} ngày làm việc`),
        ` · ${off} ngày thường được nghỉ · ${worked} ngày cuối tuần đi làm` +
        (cal.count_makeup_saturdays ? ' · thứ Bảy làm bù được tính là ngày làm việc khi tính hạn' : ' · thứ Bảy làm bù không tính khi tính hạn')));
  };

  const drawGrid = () => {
    const byDay = new Map((cal.items || []).map(d => [d.day, d]));
    const months = MONTHS.map((m, i) => {
      const mm = String(i + 1).padStart(2, '0');
      const first = `${year}-${mm}-01`;
      const lead = (wdIndex(first) + 6) % 7; // Monday first
      const days = new Date(Date.UTC(year, i + 1, 0)).getUTCDate();
      const cells = [];
      for (let k = 0; k < lead; k++) cells.push(h('td', { class: 'adm-d-empty' }));
      for (let d = 1; d <= days; d++) {
        const iso = `${year}-${mm}-${String(d).padStart(2, '0')}`;
        const it = byDay.get(iso);
        const st = dayState(iso, it);
        cells.push(h('td', {
          class: `adm-d adm-d-${st.cls}${iso === today ? ' adm-d-today' : ''}`,
          'aria-label': st.label, title: it && it.note ? `${st.label}\n${it.note}` : st.label,
          dataset: { day: iso }, onclick: () => editCard.pick(iso, it),
        }, String(d)));
      }
      while (cells.length % 7) cells.push(h('td', { class: 'adm-d-empty' }));
      const rows = [];
      for (let k = 0; k < cells.length; k += 7) rows.push(h('tr', null, cells.slice(k, k + 7)));
      return h('table', { class: 'adm-month' },
        h('caption', null, `${m}/${year}`),
        h('thead', null, h('tr', null, ['T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'CN'].map((x, j) =>
          h('th', { scope: 'col', abbr: WEEKDAYS[(j + 1) % 7] }, x)))),
        h('tbody', null, rows));
    });
    const sw = (cls, text) => h('li', null, h('span', { class: `adm-sw adm-d-${cls}`, 'aria-hidden': 'true' }), text);
    mount(gridBox,
      h('ul', { class: 'adm-legend', 'aria-label': 'Chú giải' },
        sw('work', 'Ngày làm việc'), sw('weekend', 'Nghỉ cuối tuần'), sw('off', 'Nghỉ lễ, Tết, nghỉ bù, hoán đổi'),
        sw('proposed', 'Nghỉ dự kiến (chưa có thông báo)'), sw('worked', 'Cuối tuần đi làm (làm bù)'),
        h('li', null, h('span', { class: 'adm-sw adm-d-work adm-d-today', 'aria-hidden': 'true' }), 'Hôm nay')),
      h('div', { class: 'adm-months' }, months),
      h('p', { class: 'hint' }, 'Bấm vào một ngày để đưa ngày đó vào ô “Sửa một ngày”.'));
  };

  const drawList = () => {
    const items = cal.items || [];
    mount(listBox, h('div', { class: 'card' },
      h('h3', null, `Ngày khác lịch tuần năm ${year}`),
      h('p', { class: 'muted' }, 'Ngày thường được nghỉ và ngày cuối tuần phải đi làm. Ngày do quy định hoặc dự kiến không xóa được; ghi một ngày thông báo để thay.'),
      table([
        { label: 'Ngày', get: d => h('span', { class: 'adm-nowrap' }, `${d.weekday} ${fmtDate(d.day)}`) },
        { label: 'Làm việc', get: d => (d.working ? badge('Làm việc', 'ok') : isProposed(d) ? badge('Nghỉ (dự kiến)', 'warn') : badge('Nghỉ', 'holiday')) },
        { label: 'Lý do', get: d => [d.reason_vi, d.note ? h('div', { class: 'muted' }, d.note) : null] },
        { label: 'Nguồn', get: d => [sourceLabel(d.source), d.updated_at ? h('div', { class: 'muted' }, fmtDateTime(d.updated_at)) : null] },
        { label: 'Thao tác', class: 'adm-c-act', get: d => h('div', { class: 'adm-btns adm-btns-row' },
          h('button', { type: 'button', class: 'adm-small', 'aria-label': `Sửa ngày ${fmtDate(d.day)}`, onclick: () => editCard.pick(d.day, d) }, 'Sửa'),
          isAnnouncedRow(d) ? h('button', { type: 'button', class: 'adm-small adm-danger-outline', 'aria-label': `Xóa ngày ${fmtDate(d.day)}`, onclick: () => removeDay(d) }, 'Xóa') : null) },
      ], items, { empty: 'Năm này không có ngày nào khác lịch tuần.' })));
  };

  const removeDay = async d => {
    const key = newKey('calday-del');
    const r = await modal({
      title: 'Xóa ngày đã thông báo',
      body: [h('p', null, `Xóa dòng thông báo ngày ${d.weekday} ${fmtDate(d.day)} (${d.reason_vi})?`),
        h('p', { class: 'muted' }, 'Ngày đó trở lại theo quy định (nghỉ lễ, nghỉ bù, Tết dự kiến) hoặc lịch tuần; hạn của hồ sơ đang xử lý được tính lại.')],
      actions: [{ label: 'Hủy', value: null }, { label: 'Xóa', value: true, primary: true }],
      onSubmit: () => post(`/calendar/days/${d.day}/delete`, undefined, { idem: key }),
    });
    if (!r) return;
    toast(`Đã xóa ngày ${fmtDate(r.day)}: nay là ${r.working_now ? 'ngày làm việc' : 'ngày nghỉ'}` + reprojText(r), r.reprojected === null ? 'warn' : 'ok');
    await onEdited(d.day);
  };

  const loadSchedules = async () => {
    await loading(schedBox, async () => {
      const s = await get('/calendar/schedules');
      const ses = list => (list && list.length ? list.map(x => `${x.start}–${x.end}`).join(', ') : 'Nghỉ');
      return h('div', { class: 'card' },
        h('h3', null, 'Giờ làm việc hằng tuần'),
        h('dl', { class: 'kv' },
          h('dt', null, 'Tỉnh'), h('dd', null, s.province),
          h('dt', null, 'Mặc định'), h('dd', null, ses(s.default_sessions)),
          h('dt', null, 'Hôm nay'), h('dd', null, ses(s.today_sessions))),
        table([
          { label: 'Áp dụng từ ngày', get: x => fmtDate(x.from_day) },
          { label: 'Các buổi làm việc (thứ Hai – thứ Sáu, thứ Bảy làm bù)', get: x => ses(x.sessions) },
        ], s.items || [], { empty: 'Chưa có lịch riêng: dùng giờ mặc định cho mọi ngày.', caption: 'Lịch theo thời kỳ' }));
    });
  };

  mount(panel, head, gridBox,
    h('div', { class: 'adm-2col adm-2col-cal' }, listBox, h('div', null, editCard.el, schedBox)),
    importCard);
  mount(head, h('h2', { id: 'adm-h2' }, `Lịch làm việc năm ${year}`));
  mount(gridBox, h('p', { class: 'loading', 'aria-busy': 'true' }, 'Đang tải…'));
  await Promise.all([loadYear(), loadSchedules()]);
}

function reprojText(r) {
  if (r.reprojected === null || r.reprojected === undefined) return r.reprojection_error ? `; chưa tính lại được hạn hồ sơ (${r.reprojection_error}).` : '.';
  return r.reprojected ? `; ${fmtInt(r.reprojected)} hồ sơ được tính lại ngày hẹn.` : '; không hồ sơ nào đổi ngày hẹn.';
}

// The "edit one day" card: pick(day, item) fills it from the grid or the list.
function dayEditor(onDone) {
  const day = h('input', { name: 'day', placeholder: 'dd/mm/yyyy', inputmode: 'numeric' });
  const reason = select('reason', [['', '— Chọn —'], ...Object.entries(DAY_REASONS).map(([k, v]) => [k, `${v}${k === 'makeup_saturday' ? ' (đi làm)' : ' (nghỉ)'}`])], '');
  const note = h('input', { name: 'note', maxlength: 95 });
  const bytes = h('span', { class: 'hint' });
  const msg = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'primary' }, 'Lưu ngày');
  const countBytes = () => { bytes.textContent = `${utf8len(note.value)}/95 byte`; };
  note.addEventListener('input', countBytes);
  const form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'adm-edit-day' },
    h('h3', { id: 'adm-edit-day' }, 'Sửa một ngày'),
    h('p', { class: 'muted' }, 'Ghi một ngày theo thông báo (ghi đè quy định và dự kiến). Hạn của hồ sơ đang xử lý được tính lại ngay.'),
    field('Ngày', day, 'dd/mm/yyyy'),
    field('Lý do', reason, 'Chỉ “Làm bù thứ Bảy” là ngày đi làm, và phải là thứ Bảy.'),
    field('Ghi chú', note, 'Văn bản thông báo, ví dụ: Tết Đinh Mùi, CV …/VPCP-KGVX (tối đa 95 byte).'), bytes,
    msg, h('div', { class: 'actions' }, btn));
  const key = actionKey(form, 'calday');
  form.addEventListener('submit', async ev => {
    ev.preventDefault();
    clearError(msg, form);
    const d = readDate(day.value);
    if (!d) { showError(msg, form, { message: 'Ngày không đúng dạng dd/mm/yyyy.', field: 'day' }); return; }
    if (!reason.value) { showError(msg, form, { message: 'Chọn lý do.', field: 'reason' }); return; }
    const working = reason.value === 'makeup_saturday';
    if (working && wdIndex(d) !== 6) { showError(msg, form, { message: 'Ngày làm bù phải là thứ Bảy.', field: 'day' }); return; }
    if (utf8len(note.value.trim()) > 95) { showError(msg, form, { message: 'Ghi chú dài quá 95 byte.', field: 'note' }); return; }
    btn.disabled = true;
    try {
      const r = await post('/calendar/days', { day: d, working, reason: reason.value, note: note.value.trim() }, { idem: key.get() });
      key.clear();
      mount(msg, h('p', { class: 'success' }, `Đã ${r.replaced ? 'thay' : 'ghi'} ngày ${WEEKDAYS[wdIndex(d)]} ${fmtDate(d)}: ${r.working_now ? 'làm việc' : 'nghỉ'} — ${DAY_REASONS[r.reason] || r.reason}` + reprojText(r)));
      await onDone(d);
    } catch (e) {
      showError(msg, form, e);
    } finally { btn.disabled = false; }
  });
  countBytes();
  return {
    el: form,
    pick(iso, item) {
      day.value = fmtDate(iso);
      if (item && isAnnouncedRow(item) && DAY_REASONS[item.reason]) {
        reason.value = item.reason; note.value = item.note || '';
      } else {
        reason.value = wdIndex(iso) === 6 ? 'makeup_saturday' : '';
        note.value = '';
      }
      countBytes();
      clearError(msg, form);
      form.dispatchEvent(new Event('input'));
      form.scrollIntoView({ block: 'nearest' });
      (reason.value ? note : reason).focus();
    },
  };
}

// ---- the announcement import ----

// The announcement is checked, compared and applied by the server (POST /calendar/import,
// one definition of the rules with `motcua calendar import`): a dry run answers the refusals,
// or the diff with the open dossiers whose dates would move; "Áp dụng" sends the same body
// with apply: true, written in one transaction.
const DIFF_LABELS = { added: 'Thêm mới', changed: 'Thay đổi', unchanged: 'Không đổi' };
const formatOf = text => (/^\s*\[/.test(text) ? 'json' : 'tsv');
const PLAIN_DAYS = { workday: 'Ngày làm việc', weekend: 'Nghỉ cuối tuần' };
const dayText = d => PLAIN_DAYS[d.reason] || `${d.working ? 'Làm việc' : 'Nghỉ'} — ${DAY_REASONS[d.reason] || d.reason}`;
const diffClass = k => (k === 'unchanged' ? 'same' : k);

function announcementImport(onApplied) {
  const ta = h('textarea', { name: 'announcement', rows: 8, spellcheck: 'false', class: 'adm-tsv',
    placeholder: '2027-02-04\toff\ttet\tTết Đinh Mùi, CV …/VPCP-KGVX\n2027-02-05\toff\ttet\tTết Đinh Mùi, CV …/VPCP-KGVX' });
  // a Tab in the textarea types a tab (the TSV separator); Esc then Tab leaves the box
  let escaped = false;
  ta.addEventListener('keydown', ev => {
    if (ev.key === 'Escape') { escaped = true; return; }
    if (ev.key === 'Tab' && !ev.shiftKey && !ev.ctrlKey && !ev.altKey && !escaped) {
      ev.preventDefault();
      ta.setRangeText('\t', ta.selectionStart, ta.selectionEnd, 'end');
      ta.dispatchEvent(new Event('input', { bubbles: true }));
    }
    escaped = false;
  });
  // the native file button speaks the browser's language: a labelled button of our own
  const file = h('input', { type: 'file', name: 'file', id: 'adm-import-file', class: 'adm-file-input', accept: '.tsv,.txt,.json,text/tab-separated-values,application/json' });
  const fileName = h('span', { class: 'muted', 'aria-live': 'polite' }, 'Chưa chọn tệp');
  const filePick = h('div', { class: 'adm-file' }, file,
    h('label', { for: 'adm-import-file', class: 'adm-file-btn' }, 'Chọn tệp thông báo…'), fileName);
  file.addEventListener('change', async () => {
    const f = file.files && file.files[0];
    if (f) {
      ta.value = await f.text();
      fileName.textContent = `${f.name} (${fmtInt(f.size)} byte) — đã đưa vào ô nội dung`;
      ta.dispatchEvent(new Event('input', { bubbles: true }));
    }
  });
  const out = h('div', { class: 'adm-import-out' });
  const checkBtn = h('button', { type: 'submit', class: 'primary' }, 'Kiểm tra và so sánh');
  let checked = null; // the body the last dry run checked, applied as it is
  let busy = false;
  ta.addEventListener('input', () => { if (checked && !busy) { checked = null; mount(out, h('p', { class: 'muted' }, 'Nội dung đã thay đổi: bấm “Kiểm tra và so sánh” lại.')); } });

  const refusalsBox = (refusals, override) => [
    h('div', { class: 'error', role: 'alert' },
      h('p', { class: 'adm-strong' }, `Thông báo chưa hợp lệ: ${refusals.length} lỗi. Chưa ghi gì vào lịch.`),
      refusals.every(r => r.overridable) && !override
        ? h('p', null, 'Các lỗi này trái quy tắc của Bộ luật Lao động hoặc thiếu ngày làm bù; chỉ bỏ qua khi văn bản thông báo thật sự quy định như vậy.') : null),
    table([
      { label: 'Dòng', get: r => String(r.line || (r.row !== null && r.row !== undefined ? `#${r.row + 1}` : '—')), class: 'num' },
      { label: 'Ngày', get: r => (r.day ? fmtDate(r.day) : '—') },
      { label: 'Lỗi', get: r => [r.message, r.overridable ? h('div', { class: 'muted' }, 'có thể bỏ qua khi văn bản quy định') : null] },
      { label: 'Chi tiết', get: r => h('code', { class: 'adm-raw' }, r.detail || '') },
    ], refusals, { caption: 'Các dòng cần sửa' })];

  const check = async override => {
    const body = { format: formatOf(ta.value), content: ta.value, override: !!override };
    checked = null;
    let r;
    try {
      r = await post('/calendar/import', body);
    } catch (e) {
      if (e.status === 422 && e.body && Array.isArray(e.body.refusals) && e.body.refusals.length) {
        const all = e.body.refusals;
        const retry = all.every(x => x.overridable) && !override
          ? h('button', { type: 'button', class: 'danger', onclick: () => check(true) }, 'Kiểm tra lại, bỏ qua các quy tắc này') : null;
        mount(out, refusalsBox(all, override), retry ? h('div', { class: 'actions' }, retry) : null);
      } else mount(out, errorBox(e));
      return;
    }
    checked = body;
    drawDiff(r);
  };

  const drawDiff = r => {
    const sm = r.summary;
    const todo = sm.added + sm.changed;
    const status = h('div', { 'aria-live': 'polite', class: 'adm-apply-status' });
    const applyBtn = h('button', { type: 'button', class: 'primary' }, `Áp dụng ${todo} dòng`);
    applyBtn.disabled = !todo;
    const key = newKey('calimp');
    const diffTable = table([
      { label: 'Ngày', get: d => h('span', { class: 'adm-nowrap' }, `${d.weekday} ${fmtDate(d.day)}`) },
      { label: 'Kết quả so sánh', get: d => badge(DIFF_LABELS[d.kind] || d.kind, `diff-${diffClass(d.kind)}`) },
      { label: 'Trong thông báo', get: d => [h('strong', null, dayText(d.after)), d.after.note ? h('div', { class: 'muted' }, d.after.note) : null] },
      { label: 'Hiện đang nạp', get: d => [dayText(d.before),
        h('div', { class: 'muted' }, [d.before.note, sourceLabel(d.before.source)].filter(Boolean).join(' · '))] },
    ], r.diff, { caption: `So sánh với lịch năm ${r.year} đang nạp trên máy chủ`,
      rowAttrs: d => ({ class: `adm-diff-${diffClass(d.kind)}`, dataset: { day: d.day, kind: d.kind } }) });
    const movedBox = r.moved.length
      ? h('div', { class: 'adm-moved' }, table([
        { label: 'Hồ sơ', get: m => h('a', { href: `#/ho-so/${encodeURIComponent(m.code)}` }, m.code) },
        { label: 'Ngày hẹn hiện nay', get: m => fmtDateTime(m.appointment_before) },
        { label: 'Ngày hẹn mới', get: m => h('strong', null, fmtDateTime(m.appointment_after)) },
        { label: 'Hạn giải quyết mới', get: m => fmtDateTime(m.legal_due_after) },
      ], r.moved, { caption: `${r.moved.length} hồ sơ đang giải quyết sẽ đổi ngày hẹn` }))
      : h('p', { class: 'muted adm-moved' }, 'Không hồ sơ đang giải quyết nào đổi ngày hẹn.');
    applyBtn.addEventListener('click', async () => {
      const ok = await modal({
        title: `Áp dụng thông báo lịch năm ${r.year}`,
        body: [h('p', null, `Ghi ${todo} ngày vào lịch làm việc (${sm.added} thêm mới, ${sm.changed} thay đổi) và tính lại ${sm.moved} hồ sơ trong một lần ghi: lỗi ở bất cứ đâu thì không ghi gì.`)],
        actions: [{ label: 'Hủy', value: null }, { label: 'Áp dụng', value: true, primary: true }],
      });
      if (!ok || !checked) return;
      busy = true;
      applyBtn.disabled = true; checkBtn.disabled = true;
      status.textContent = 'Đang ghi…';
      try {
        const res = await post('/calendar/import', { ...checked, apply: true }, { idem: key });
        mount(status, h('p', { class: 'success', role: 'status' },
          `Đã áp dụng ${res.summary.added + res.summary.changed} dòng vào lịch năm ${res.year}. ` +
          (res.summary.moved ? `${fmtInt(res.summary.moved)} hồ sơ được tính lại ngày hẹn.` : 'Không hồ sơ nào đổi ngày hẹn.')));
        applyBtn.textContent = 'Đã áp dụng';
        toast(`Đã nạp thông báo lịch năm ${res.year}.`, 'ok');
        await onApplied(res.year);
      } catch (e) {
        applyBtn.disabled = false;
        mount(status, errorBox(e));
      } finally {
        busy = false;
        checkBtn.disabled = false;
      }
    });
    mount(out,
      h('div', { class: 'adm-diff-sum', role: 'status' },
        h('p', null, h('strong', null, `Thông báo năm ${r.year} (${checked.format.toUpperCase()}): ${r.diff.length} dòng hợp lệ`), ' — ',
          h('span', { class: 'adm-sum-added' }, `${sm.added} thêm mới`), ', ',
          h('span', { class: 'adm-sum-changed' }, `${sm.changed} thay đổi`), ', ',
          h('span', { class: 'adm-sum-same' }, `${sm.unchanged} không đổi`), '.',
          checked.override ? h('span', { class: 'adm-strong' }, ' Đã bỏ qua các quy tắc được phép bỏ qua.') : null),
        r.kept.length ? h('p', { class: 'muted' }, `${r.kept.length} ngày đã thông báo của năm ${r.year} không có trong tệp và được giữ nguyên: ${r.kept.map(d => fmtDate(d.day)).join(', ')}.`) : null),
      diffTable, movedBox,
      h('div', { class: 'actions' }, applyBtn), status);
  };

  const form = h('form', { novalidate: true, onsubmit: async ev => {
    ev.preventDefault();
    checkBtn.disabled = true;
    mount(out, h('p', { class: 'loading', 'aria-busy': 'true' }, 'Đang kiểm tra…'));
    try { await check(false); } finally { checkBtn.disabled = false; }
  } },
  field('Nội dung thông báo (TSV hoặc JSON)', ta, 'Mỗi dòng: YYYY-MM-DD, tab, off|work, tab, lý do (tet, national_day_2, compensatory, swap_off, makeup_saturday, local, announced…), tab, ghi chú dưới 96 byte, không có dấu gạch ngược. Dòng bắt đầu bằng # là chú thích. Hoặc JSON [{"day","working","reason","note"}]. Trong ô này phím Tab gõ dấu tab; Esc rồi Tab để rời ô.'),
  h('div', { class: 'adm-import-bar' }, filePick, h('div', { class: 'actions' }, checkBtn)));

  const exportBtn = h('button', { type: 'button', class: 'adm-small', onclick: async () => {
    const y = Number(prompt_year.value);
    try {
      const c = await get('/calendar/days', { year: y });
      const rows = (c.items || []).filter(isAnnouncedRow);
      const tsv = `# Lịch làm việc năm ${y} — các ngày đã thông báo (xuất từ motcua ${fmtDate(todayVN())})\n` +
        rows.map(d => `${d.day}\t${d.working ? 'work' : 'off'}\t${d.reason}\t${d.note || ''}`).join('\n') + '\n';
      saveBlob(new Blob([tsv], { type: 'text/tab-separated-values;charset=utf-8' }), `lich-${y}.tsv`);
    } catch (e) { toast(errorText(e), 'error'); }
  } }, 'Tải về TSV');
  const prompt_year = h('input', { type: 'number', name: 'export_year', min: 1900, max: 2100, value: String(Number(todayVN().slice(0, 4))), class: 'adm-year' });

  return h('section', { class: 'card adm-import', 'aria-labelledby': 'adm-import-h' },
    h('h3', { id: 'adm-import-h' }, 'Nạp thông báo lịch nghỉ của một năm'),
    h('p', { class: 'muted' }, 'Dán thông báo (lịch nghỉ Tết, ngày liền kề Quốc khánh, hoán đổi ngày làm việc, ngày nghỉ của tỉnh) theo định dạng của sql/calendar_vn.tsv. Mỗi dòng được kiểm tra trước, rồi so sánh với lịch đang nạp; chỉ khi bạn xác nhận, các dòng mới và thay đổi mới được ghi.'),
    form, out,
    h('div', { class: 'adm-export' }, field('Xuất các ngày đã thông báo của năm', prompt_year), exportBtn));
}

// ------------------------------------------------------------------------------- audit ----

const secFmt = new Intl.DateTimeFormat('vi-VN', { timeZone: 'Asia/Ho_Chi_Minh', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23' });
function fmtSeconds(iso) { return iso ? `${secFmt.format(new Date(iso))} ${fmtDate(iso)}` : '—'; }

function actionLabel(a) {
  if (ACTIONS[a]) return ACTIONS[a];
  const m = /^admin\.([a-z_]+)\.(insert|update|delete)$/.exec(a || '');
  if (m) return `${OPS[m[2]]} ${TABLES[m[1]] || m[1]}`;
  return a;
}

async function tabAudit(panel) {
  const login = h('input', { name: 'login', spellcheck: 'false', autocapitalize: 'none' });
  const action = select('action', [['', 'Tất cả'], ...Object.entries(ACTIONS),
    ['admin.', 'Mọi thay đổi danh mục, lịch, tích hợp'], ['admin.calendar_day.', 'Thay đổi lịch làm việc'], ['admin.unit', 'Thay đổi đơn vị']], '');
  const outcome = select('outcome', [['', 'Tất cả'], ...Object.entries(OUTCOMES)], '');
  const box = h('div');
  const more = h('button', { type: 'button', hidden: true }, 'Xem thêm');
  const count = h('p', { class: 'muted', 'aria-live': 'polite' });
  let items = [];
  let cursor = null;
  let query = {};

  const draw = () => {
    count.textContent = `Đang hiện ${fmtInt(items.length)} mục mới nhất${cursor ? '' : ' (hết danh sách)'}.`;
    mount(box, table([
      { label: 'Thời điểm', get: e => h('span', { class: 'adm-nowrap' }, fmtSeconds(e.at)) },
      { label: 'Tài khoản', get: e => (e.login ? code(e.login) : h('span', { class: 'muted' }, e.detail && e.detail.via === 'cli' ? 'dòng lệnh' : '—')) },
      { label: 'Hành động', get: e => [actionLabel(e.action), h('div', { class: 'muted adm-mono' }, e.action)] },
      { label: 'Đối tượng', get: e => (e.target ? h('span', { class: 'adm-target' }, e.target) : '—') },
      { label: 'Kết quả', get: e => badge(OUTCOMES[e.outcome] || e.outcome, e.outcome === 'ok' ? 'ok' : e.outcome === 'denied' ? 'warn' : 'off') },
      { label: 'Địa chỉ', get: e => e.client_addr || '—' },
      { label: 'Chi tiết', get: e => (e.detail && Object.keys(e.detail).length
        ? h('details', null, h('summary', null, 'Xem'), h('pre', { class: 'adm-pre' }, JSON.stringify(e.detail, null, 1)),
          e.request_id ? h('div', { class: 'muted' }, `Mã yêu cầu: ${e.request_id}`) : null) : '—') },
    ], items, { empty: 'Không có mục nào khớp bộ lọc.', rowAttrs: e => ({ dataset: { action: e.action, target: e.target || '' } }) }));
    more.hidden = !cursor;
  };
  const page = async () => {
    const r = await get('/audit', { ...query, limit: 50, cursor: cursor || undefined });
    items = items.concat(r.items || []);
    cursor = r.next_cursor;
    draw();
  };
  const run = async () => {
    query = { login: login.value.trim() };
    const a = action.value;
    if (a.endsWith('.') || a === 'admin.unit') query.action_prefix = a; else query.action = a;
    query.outcome = outcome.value;
    items = []; cursor = null;
    mount(box, h('p', { class: 'loading', 'aria-busy': 'true' }, 'Đang tải…'));
    more.hidden = true;
    try { await page(); } catch (e) { mount(box, errorBox(e)); }
  };
  more.addEventListener('click', async () => {
    more.disabled = true;
    try { await page(); } catch (e) { toast(errorText(e), 'error'); } finally { more.disabled = false; }
  });
  const form = h('form', { class: 'adm-filters', onsubmit: ev => { ev.preventDefault(); run(); } },
    field('Tài khoản thực hiện', login), field('Hành động', action), field('Kết quả', outcome),
    h('div', { class: 'actions' }, h('button', { type: 'submit', class: 'primary' }, 'Lọc')));
  [action, outcome].forEach(el => el.addEventListener('change', run));
  mount(panel, h('h2', { id: 'adm-h2' }, 'Nhật ký'),
    h('div', { class: 'card' },
      h('p', { class: 'muted' }, 'Mọi lần đăng nhập, từ chối truy cập và thay đổi quản trị, mới nhất trước. Nhật ký chỉ ghi thêm, không sửa hay xóa được.'),
      form, count, box, h('div', { class: 'actions' }, more)));
  await run();
}
