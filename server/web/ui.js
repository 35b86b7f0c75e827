// ui.js - small helpers shared by every screen: building elements, Vietnamese formats
// (dd/mm/yyyy, 24 h, UTC+7), folding diacritics, toasts, dialogs and error messages.

// h('button', {class: 'primary', onclick: fn}, 'Lưu') -> HTMLElement. Attributes: class,
// for/htmlFor, dataset (object), on* (listeners), style (string), boolean true/false;
// children: strings, nodes, arrays, null/false (skipped).
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  if (attrs) {
    for (const [k, v] of Object.entries(attrs)) {
      if (v === undefined || v === null || v === false) continue;
      if (k === 'class') el.className = v;
      else if (k === 'dataset') Object.assign(el.dataset, v);
      else if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
      else if (k === 'value') el.value = v;
      else if (k === 'checked') el.checked = !!v;
      else if (v === true) el.setAttribute(k, '');
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}
function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

// Empties el and puts children in it.
export function mount(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let uid = 0;
export const nextId = (p = 'f') => `${p}-${++uid}`;

// A labelled form field: field('Họ và tên', h('input', {...}), 'gợi ý') -> div.field.
// The input gets an id and the label's for; the hint is tied with aria-describedby.
export function field(label, input, hint) {
  if (!input.id) input.id = nextId();
  const kids = [h('label', { for: input.id }, label), input];
  if (hint) {
    const hid = input.id + '-hint';
    input.setAttribute('aria-describedby', hid);
    kids.push(h('div', { class: 'hint', id: hid }, hint));
  }
  return h('div', { class: 'field' }, kids);
}

// ---- dates and times: always shown in Vietnam's time (UTC+7), dd/mm/yyyy, 24 h ----
const TZ = 'Asia/Ho_Chi_Minh';
const dOpt = { timeZone: TZ, day: '2-digit', month: '2-digit', year: 'numeric' };
const tOpt = { timeZone: TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' };
export function fmtDate(iso) {
  if (!iso) return '—';
  if (/^\d{4}-\d{2}-\d{2}$/.test(iso)) { const [y, m, d] = iso.split('-'); return `${d}/${m}/${y}`; }
  return new Intl.DateTimeFormat('vi-VN', dOpt).format(new Date(iso));
}
export function fmtTime(iso) {
  if (!iso) return '—';
  return new Intl.DateTimeFormat('vi-VN', tOpt).format(new Date(iso));
}
export function fmtDateTime(iso) {
  if (!iso) return '—';
  return `${fmtTime(iso)} ${fmtDate(iso)}`;
}
// Today in Vietnam as YYYY-MM-DD.
export function todayVN(d = new Date()) {
  const p = new Intl.DateTimeFormat('en-CA', { timeZone: TZ, year: 'numeric', month: '2-digit', day: '2-digit' }).format(d);
  return p;
}
// '12/03/2026' -> '2026-03-12' (or null when not a date).
export function parseDateVN(s) {
  const m = /^\s*(\d{1,2})\/(\d{1,2})\/(\d{4})\s*$/.exec(s || '');
  if (!m) return null;
  const d = m[1].padStart(2, '0'), mo = m[2].padStart(2, '0');
  const dt = new Date(`${m[3]}-${mo}-${d}T00:00:00Z`);
  if (isNaN(dt) || dt.getUTCDate() !== Number(d)) return null;
  return `${m[3]}-${mo}-${d}`;
}

// Working minutes as Vietnamese text: 'còn 1 ngày 2 giờ 30 phút' (a working day = 8 h).
export function fmtWorkMinutes(min) {
  if (min === null || min === undefined) return '—';
  const neg = min < 0;
  let m = Math.abs(Math.round(min));
  const d = Math.floor(m / 480); m -= d * 480;
  const hh = Math.floor(m / 60); m -= hh * 60;
  const parts = [];
  if (d) parts.push(`${d} ngày`);
  if (hh) parts.push(`${hh} giờ`);
  if (m || !parts.length) parts.push(`${m} phút`);
  return (neg ? 'quá ' : 'còn ') + parts.join(' ') + ' làm việc';
}

export const fmtInt = n => (n === null || n === undefined ? '—' : new Intl.NumberFormat('vi-VN').format(n));
export const fmtPct = s => (s === null || s === undefined ? '—' : `${String(s).replace('.', ',')} %`);

// Vietnamese without its diacritics, lower case: 'Cấp lại Giấy phép' -> 'cap lai giay phep'.
export function fold(s) {
  return String(s || '').normalize('NFD').replace(/[\u0300-\u036f]/g, '')
    .replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
}

// ---- names the API gives as keys ----
export const STATES = {
  1: 'Mới đăng ký', 2: 'Được tiếp nhận', 3: 'Không được tiếp nhận', 4: 'Đang xử lý',
  5: 'Yêu cầu bổ sung giấy tờ', 6: 'Yêu cầu thực hiện nghĩa vụ tài chính',
  7: 'Công dân yêu cầu rút hồ sơ', 8: 'Dừng xử lý', 9: 'Đã xử lý xong', 10: 'Đã trả kết quả',
};
export const CLASSES = {
  early: 'Trước hạn', on_time: 'Đúng hạn', late: 'Quá hạn', in_time: 'Trong hạn',
  overdue: 'Quá hạn', not_counted: 'Không tính',
};
export const EVENTS = {
  submit: 'Nộp hồ sơ trực tuyến', receive: 'Tiếp nhận hồ sơ', refuse: 'Từ chối tiếp nhận',
  hand_over: 'Chuyển xử lý', assign: 'Phân công xử lý', request_supplement: 'Yêu cầu bổ sung hồ sơ',
  receive_supplement: 'Tiếp nhận hồ sơ bổ sung', request_payment: 'Yêu cầu thực hiện nghĩa vụ tài chính',
  payment_done: 'Hoàn thành nghĩa vụ tài chính', apologize: 'Xin lỗi và hẹn lại ngày trả kết quả',
  resolve: 'Giải quyết xong', request_withdrawal: 'Yêu cầu rút hồ sơ', stop: 'Dừng xử lý',
  return_result: 'Trả kết quả', reissue_lookup_secret: 'Cấp lại mã tra cứu',
  calendar_reprojected: 'Tính lại hạn theo lịch làm việc mới',
  calendar_corrected: 'Đính chính hạn theo lịch nghỉ đã công bố',
};
export const CHANNELS = { 1: 'Trực tiếp', 2: 'Trực tuyến', 3: 'Bưu chính công ích' };
export const ROLES = {
  clerk: 'Cán bộ tiếp nhận', official: 'Chuyên viên xử lý', leader: 'Lãnh đạo',
  supervisor: 'Giám sát', integration: 'Tích hợp', admin: 'Quản trị hệ thống',
};
export const LEVELS = { province: 'Cấp tỉnh', commune: 'Cấp xã', central: 'Trung ương', district: 'Cấp huyện (trước 01/07/2025)' };

// A badge for a class key.
export function classBadge(key) {
  if (!key) return null;
  return h('span', { class: `badge cls-${key}` }, CLASSES[key] || key);
}
export function stateBadge(state, name) {
  return h('span', { class: `badge st-${state}` }, name || STATES[state] || String(state));
}

// ---- messages ----
export function toast(msg, kind = 'info', ms = 5000) {
  const box = document.getElementById('toasts');
  if (!box) return;
  const t = h('div', { class: `toast ${kind}` }, msg);
  box.append(t);
  setTimeout(() => t.remove(), ms);
}

// Vietnamese names of the request fields the API names in error.field.
const FIELD_VI = {
  'applicant.name': 'họ và tên người nộp', 'applicant.id_number': 'số định danh cá nhân',
  'applicant.phone': 'số điện thoại', 'applicant.email': 'thư điện tử', 'applicant.address': 'địa chỉ',
  applicant: 'người nộp hồ sơ', procedure: 'thủ tục', case: 'trường hợp', documents: 'thành phần hồ sơ',
  resolving_unit: 'cơ quan giải quyết', receiving_unit: 'đơn vị tiếp nhận', reason: 'lý do',
  missing: 'giấy tờ còn thiếu', expected_version: 'phiên bản hồ sơ', official: 'người xử lý',
  to_unit: 'đơn vị nhận', step: 'bước xử lý', new_appointment: 'ngày hẹn mới', outcome: 'kết quả giải quyết',
  legal_basis: 'căn cứ pháp lý', postal_receipt: 'số biên nhận bưu chính', method: 'hình thức trả',
  login: 'tên đăng nhập', password: 'mật khẩu', display_name: 'họ tên', role: 'vai trò', unit: 'đơn vị',
  unit_code: 'đơn vị', code: 'mã', name: 'tên', day: 'ngày', note: 'ghi chú', working: 'ngày làm việc',
  expires_at: 'ngày hết hạn', valid_from: 'ngày hiệu lực', valid_to: 'ngày hết hiệu lực',
  successors: 'đơn vị kế thừa', secret: 'mã tra cứu', channel: 'kênh tiếp nhận', sets: 'số bộ hồ sơ',
  return_method: 'hình thức nhận kết quả', level: 'cấp', kind: 'loại', parent: 'đơn vị cấp trên',
  from: 'từ ngày', to: 'đến ngày', period: 'kỳ báo cáo', year: 'năm', number: 'số kỳ', cursor: 'trang',
};
const hasVietnamese = s => /[^\x00-\x7f]/.test(s);

// The field an error names, in Vietnamese (documents[2].name -> thành phần hồ sơ).
export function fieldName(f) {
  if (!f) return '';
  const plain = String(f).replace(/\[\d+\]/g, '');
  return FIELD_VI[plain] || FIELD_VI[plain.split('.')[0]] || FIELD_VI[plain.split('.').pop()] ||
    (hasVietnamese(f) ? f : '');
}

// The user-facing text of an ApiError (or any error), in Vietnamese: the server's message
// and the field it names; the server's technical detail is English, so it is left to
// errorBox's "Chi tiết kỹ thuật" (a detail a screen wrote in Vietnamese is kept).
export function errorText(err) {
  if (!err) return '';
  if (err.code === 'VERSION_CONFLICT') return 'Hồ sơ vừa được người khác thay đổi. Hãy tải lại hồ sơ rồi thao tác lại.';
  let s = err.message || String(err);
  if (err.detail && hasVietnamese(err.detail)) s += ` (${err.detail})`;
  const f = fieldName(err.field);
  if (f) s += ` — ${f}`;
  return s;
}
export function errorBox(err) {
  const box = h('div', { class: 'error', role: 'alert' }, errorText(err));
  if (err && (err.code || err.detail) && err.code !== 'NETWORK') {
    box.append(h('details', { class: 'error-tech' }, h('summary', null, 'Chi tiết kỹ thuật'),
      h('div', null, [err.code, err.detail && !hasVietnamese(err.detail) ? err.detail : null,
        err.body && err.body.error && err.body.error.instance ? `mã yêu cầu ${err.body.error.instance}` : null]
        .filter(Boolean).join(' · '))));
  }
  return box;
}

// modal({title, body: Node|[Node], actions: [{label, value, primary, danger}]}) -> Promise
// of the chosen value (null on Esc). Focus goes into the dialog and back afterwards.
export function modal({ title, body, actions = [{ label: 'Đóng', value: null }], onSubmit }) {
  return new Promise(resolve => {
    const prev = document.activeElement;
    const titleId = nextId('dlg');
    const err = h('div', { class: 'dlg-error', role: 'alert' });
    const form = h('form', { method: 'dialog', class: 'dlg-body' }, body, err);
    const bar = h('div', { class: 'dlg-actions' });
    const dlg = h('dialog', { class: 'dlg', 'aria-labelledby': titleId },
      h('h2', { id: titleId }, title), form, bar);
    let done = false;
    const finish = v => {
      if (done) return;
      done = true;
      dlg.close();
      dlg.remove();
      if (prev && prev.focus) prev.focus();
      resolve(v);
    };
    for (const a of actions) {
      const b = h('button', { type: a.primary ? 'submit' : 'button', class: a.primary ? 'primary' : a.danger ? 'danger' : '' }, a.label);
      if (a.primary) b.setAttribute('form', titleId + '-f');
      b.addEventListener('click', async ev => {
        if (!a.primary) { ev.preventDefault(); finish(a.value); }
      });
      bar.append(b);
    }
    form.id = titleId + '-f';
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      const a = actions.find(x => x.primary);
      if (!a) return;
      if (onSubmit) {
        err.textContent = '';
        const btns = bar.querySelectorAll('button');
        btns.forEach(b => { b.disabled = true; });
        try {
          const r = await onSubmit(form);
          finish(r === undefined ? a.value : r);
        } catch (e) {
          err.textContent = errorText(e);
          btns.forEach(b => { b.disabled = false; });
        }
      } else finish(a.value);
    });
    dlg.addEventListener('cancel', ev => { ev.preventDefault(); finish(null); });
    document.body.append(dlg);
    dlg.showModal();
    const first = form.querySelector('input,select,textarea,button');
    (first || bar.querySelector('button')).focus();
  });
}

// A table from rows: cols = [{label, get(row) -> Node|string, class}]; empty -> message.
export function table(cols, rows, { empty = 'Không có dữ liệu.', caption, rowAttrs } = {}) {
  if (!rows.length) return h('p', { class: 'empty' }, empty);
  return h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': caption || 'Bảng số liệu' }, h('table', { class: 'grid' },
    caption ? h('caption', null, caption) : null,
    h('thead', null, h('tr', null, cols.map(c => h('th', { scope: 'col', class: c.class }, c.label)))),
    h('tbody', null, rows.map(r => h('tr', rowAttrs ? rowAttrs(r) : null,
      cols.map(c => h('td', { class: c.class }, c.get(r))))))));
}

// Wraps an async loader: shows 'Đang tải…' in el, then what fn returns, or the error.
export async function loading(el, fn) {
  mount(el, h('p', { class: 'loading', 'aria-busy': 'true' }, 'Đang tải…'));
  try {
    const r = await fn();
    mount(el, r);
  } catch (e) {
    mount(el, errorBox(e));
  }
}
