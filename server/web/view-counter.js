// view-counter.js - the reception counter (quầy tiếp nhận, Bộ phận Một cửa). The clerk finds
// the procedure (code or name, with or without diacritics), unticks the documents not handed
// in, types the applicant and ends with one of three outcomes: reception (Mẫu 01, after the
// server's preview of the appointment, dry_run), guidance for an incomplete dossier (Mẫu 02)
// or refusal (Mẫu 03). All of it works from the keyboard, and the focus always sits where the
// next keystroke goes. A dossier code typed or scanned into the procedure box opens the dossier.
import { get, post, newKey, download, saveBlob, getAll } from './api.js';
import { h, mount, field, fmtDateTime, fmtInt, LEVELS, CHANNELS, errorText, errorBox, modal, todayVN } from './ui.js';
import { codeFromScan } from './app.js';

const TZ = 'Asia/Ho_Chi_Minh';
const KINDS = { original: 'Bản chính', copy: 'Bản sao' };
const RETURN_METHODS = {
  counter: 'Tại Bộ phận Một cửa',
  post: 'Qua bưu chính công ích',
  online: 'Trực tuyến (Cổng Dịch vụ công)',
};
const OUTCOMES = { received: 'Tiếp nhận', guidance: 'Hướng dẫn (Mẫu 02)', refusal: 'Từ chối (Mẫu 03)' };
const RU_KEY = 'motcua.counter.resolving.'; // + procedure code: the resolving unit last chosen
// dossier codes: <unit id>-<YYMMDD>-<NNNN>, and the national MX1X2.Y1Y2Y3.Z1Z2-YYMMDD-AAXXXX
const DOSSIER_CODE = /^[A-Z0-9]{1,4}(?:\.[A-Z0-9]{1,4}){1,4}-\d{6}-[A-Z0-9]{4,}$/;

// What this clerk did since the page was loaded (newest first), shown beside a result.
const SESSION = [];

// The units valid today, fetched once per page load.
let unitsPromise = null;
function units() {
  if (!unitsPromise) {
    unitsPromise = getAll('/units', { valid_at: todayVN() }, 5000).catch(e => { unitsPromise = null; throw e; });
  }
  return unitsPromise;
}

// ---- texts ----
export function durationText(value, unit, cutoff, maxMinutes) {
  switch (unit) {
    case 'wd': return `${value} ngày làm việc`;
    case 'wh': return `${value} giờ làm việc`;
    case 'wm': return `${value} phút làm việc`;
    case 'cd': return `${value} ngày`;
    case 'sameday': {
      if (cutoff === null || cutoff === undefined) return 'Trong ngày';
      const hm = `${String(Math.floor(cutoff / 60)).padStart(2, '0')}:${String(cutoff % 60).padStart(2, '0')}`;
      return `Trong ngày (nhận sau ${hm} trả ngày làm việc tiếp theo)`;
    }
    case 'none':
      return maxMinutes
        ? `Không hẹn ngày trả (tối đa ${fmtInt(Math.round(maxMinutes / 48) / 10)} ngày làm việc)`
        : 'Không hẹn ngày trả';
    default: return value !== null && value !== undefined ? `${value} ${unit}` : '—';
  }
}
const versionDuration = v => durationText(v.duration_value, v.duration_unit, v.cutoff_minute, v.max_minutes);
const caseDuration = c => durationText(c.duration_value, c.duration_unit, c.cutoff_minute);
const money = n => (n ? `${fmtInt(n)} đồng` : 'miễn phí');
const clock = d => new Intl.DateTimeFormat('vi-VN', { timeZone: TZ, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).format(d);
const weekday = iso => new Intl.DateTimeFormat('vi-VN', { timeZone: TZ, weekday: 'long' }).format(new Date(iso));
const docText = d => `${d.name} (${KINDS[d.kind] || d.kind}, ${d.count || 1})`;

// 'HH:MM dd/mm/yyyy (Thứ Hai)', the instant in <time datetime>.
function appointmentNode(iso) {
  if (!iso) return h('span', null, 'Không có ngày hẹn (thủ tục không hẹn trả)');
  return h('span', null, h('time', { datetime: iso, class: 'cnt-appt-time' }, fmtDateTime(iso)),
    h('span', { class: 'cnt-weekday' }, ` (${weekday(iso)})`));
}

// ---- checks: Vietnamese identity numbers, phones, e-mail ----
export function checkIdNumber(s, required) {
  if (!s) return required ? 'Nhập số CCCD (người nước ngoài: số hộ chiếu).' : '';
  if (/^\d+$/.test(s)) {
    if (s.length !== 12) return `Số CCCD phải gồm đúng 12 chữ số (đang có ${s.length}).`;
    const p = Number(s.slice(0, 3));
    if (p < 1 || p > 96) return 'Ba chữ số đầu của CCCD là mã tỉnh nơi đăng ký khai sinh (001–096).';
    return '';
  }
  return /^[A-Z0-9]{6,20}$/.test(s) ? '' : 'Số CCCD gồm 12 chữ số; số hộ chiếu gồm 6–20 chữ cái và chữ số.';
}
export function normPhone(s) {
  s = String(s || '').replace(/[\s.\-()]/g, '');
  if (s.startsWith('+84')) s = '0' + s.slice(3);
  else if (/^84\d{9}$/.test(s)) s = '0' + s.slice(2);
  return s;
}
export function checkPhone(s) {
  if (!s || /^0[35789]\d{8}$/.test(s) || /^02\d{9}$/.test(s)) return '';
  return 'Số di động gồm 10 chữ số, bắt đầu bằng 0 (ví dụ 0912345678); số cố định 11 chữ số (02…).';
}
export function checkEmail(s) {
  if (!s || /^[^\s@]+@[^\s@.]+(\.[^\s@.]+)+$/.test(s)) return '';
  return 'Địa chỉ thư điện tử không hợp lệ (ví dụ ten@example.vn).';
}

// A labelled field with room for an inline error (aria-invalid + aria-describedby).
function fld(label, input, hint, required) {
  const wrap = field(required ? [label, ' ', h('span', { class: 'req', 'aria-hidden': 'true' }, '*')] : label, input, hint);
  if (required) input.setAttribute('aria-required', 'true');
  const err = h('div', { class: 'field-error', id: input.id + '-err', hidden: true });
  wrap.append(err);
  input.cntErr = err;
  input.addEventListener('input', () => setErr(input, ''));
  return wrap;
}
function setErr(input, msg) {
  const err = input.cntErr;
  if (!err || (!msg && !input.hasAttribute('aria-invalid'))) return;
  const ids = (input.getAttribute('aria-describedby') || '').split(/\s+/).filter(x => x && x !== err.id);
  err.textContent = msg || '';
  err.hidden = !msg;
  if (msg) { input.setAttribute('aria-invalid', 'true'); ids.unshift(err.id); } else input.removeAttribute('aria-invalid');
  if (ids.length) input.setAttribute('aria-describedby', ids.join(' ')); else input.removeAttribute('aria-describedby');
}

// Opens a PDF in a new tab (the clerk prints it there); with pop-ups blocked, downloads it.
// (Not api.js openBlob: with 'noopener' window.open always returns null, so openBlob also
// sends this tab to the PDF and the result panel, with the lookup secret, is lost.)
function openPdf(blob, filename) {
  const url = URL.createObjectURL(blob);
  const w = window.open(url, '_blank');
  if (w) { try { w.opener = null; } catch { /* nothing to cut */ } } else saveBlob(blob, filename);
  setTimeout(() => URL.revokeObjectURL(url), 300000);
}

// One Idempotency-Key per submission: the same body sent again (after a network error)
// reuses it, and the server answers the first result instead of acting twice.
function keySlot(prefix) {
  let body = null, key = null;
  return {
    key(b) {
      const s = JSON.stringify(b);
      if (s !== body || !key) { body = s; key = newKey(prefix); }
      return key;
    },
    done() { body = null; key = null; },
  };
}

export default async function render(root, ctx) {
  ctx.title('Tiếp nhận hồ sơ');
  const me = ctx.account;
  const st = { proc: null, docs: [], results: [], active: -1, seq: 0, pending: null, timer: 0, busy: false, result: null };
  const recvKey = keySlot('quay'), guideKey = keySlot('hd'), refuseKey = keySlot('tc');

  // ---------- 1. procedure: a combobox with a listbox ----------
  const q = h('input', {
    id: 'cnt-q', type: 'text', role: 'combobox', 'aria-autocomplete': 'list', 'aria-expanded': 'false',
    'aria-controls': 'cnt-list', autocomplete: 'off', spellcheck: 'false', class: 'cnt-q',
    placeholder: 'Ví dụ: cap lai giay phep lao dong, 1.014200, mã hồ sơ; ↓ xem danh sách',
  });
  const list = h('ul', { id: 'cnt-list', role: 'listbox', class: 'cnt-list', 'aria-label': 'Thủ tục tìm được', hidden: true });
  const qStatus = h('div', { class: 'sr-only', role: 'status', 'aria-live': 'polite' });
  const procInfo = h('div', { class: 'cnt-procinfo', hidden: true });
  const caseSel = h('select', { id: 'cnt-case' });
  const caseField = fld('Trường hợp', caseSel);
  caseField.hidden = true;
  const ruSel = h('select', { id: 'cnt-ru' });
  const ruHint = h('div', { class: 'hint' });
  const ruField = fld('Cơ quan giải quyết', ruSel, null, true);
  ruField.append(ruHint);
  const procExtra = h('div', { class: 'cnt-grid2', hidden: true }, caseField, ruField);

  // ---------- 2. documents ----------
  const docsCount = h('span', { class: 'cnt-docs-count', 'aria-live': 'polite' });
  const docsAll = h('input', { type: 'checkbox', id: 'cnt-docs-all' });
  const docsBody = h('tbody');
  const docsWrap = h('div', { class: 'cnt-docs-wrap', hidden: true }, h('table', { class: 'grid cnt-docs-table' },
    h('caption', { class: 'sr-only' }, 'Thành phần hồ sơ: đánh dấu giấy tờ đã nhận'),
    h('thead', null, h('tr', null,
      h('th', { scope: 'col', class: 'cnt-chk' }, docsAll,
        h('label', { for: 'cnt-docs-all', class: 'sr-only' }, 'Đã nhận tất cả')),
      h('th', { scope: 'col' }, 'Giấy tờ (đánh dấu nếu đã nhận)'),
      h('th', { scope: 'col', class: 'cnt-kind' }, 'Loại'),
      h('th', { scope: 'col', class: 'cnt-count num' }, 'Số lượng'))),
    docsBody));
  const docsEmpty = h('p', { class: 'empty' }, 'Chọn thủ tục để hiện thành phần hồ sơ.');
  const docsMissing = h('p', { class: 'cnt-missing', hidden: true });

  // ---------- 3. applicant ----------
  const name = h('input', { id: 'cnt-name', autocomplete: 'off', maxlength: 200 });
  const idNo = h('input', { id: 'cnt-id', autocomplete: 'off', maxlength: 20, spellcheck: 'false', class: 'mono' });
  const phone = h('input', { id: 'cnt-phone', type: 'tel', autocomplete: 'off', maxlength: 20, class: 'mono' });
  const addr = h('input', { id: 'cnt-addr', autocomplete: 'off', maxlength: 300 });
  const email = h('input', { id: 'cnt-email', type: 'email', autocomplete: 'off', maxlength: 254, spellcheck: 'false' });

  // ---------- 4. options ----------
  const chSel = h('select', { id: 'cnt-channel' }, [1, 3].map(c => h('option', { value: String(c) }, CHANNELS[c])));
  const retSel = h('select', { id: 'cnt-return' },
    Object.entries(RETURN_METHODS).map(([k, v]) => h('option', { value: k }, v)));
  const sets = h('input', { id: 'cnt-sets', type: 'number', min: 1, max: 100, value: '1', inputmode: 'numeric', class: 'cnt-num' });

  // ---------- actions ----------
  const formNo = n => h('span', { class: 'cnt-form-no' }, n);
  const btnMain = h('button', { type: 'submit', class: 'primary cnt-main' }, 'Tiếp nhận hồ sơ');
  const btnForce = h('button', { type: 'button', hidden: true }, 'Vẫn tiếp nhận');
  const btnGuide = h('button', { type: 'button' }, 'Hướng dẫn bổ sung ', formNo('Mẫu 02'));
  const btnRefuse = h('button', { type: 'button', class: 'cnt-refuse' }, 'Từ chối tiếp nhận ', formNo('Mẫu 03'));
  const formMsg = h('div', { class: 'cnt-msg', 'aria-live': 'assertive' });

  const unitName = h('span', null, me.unit_code);
  const kbd = k => h('kbd', null, k);
  const header = h('div', { class: 'cnt-head' },
    h('h1', null, 'Tiếp nhận hồ sơ'),
    h('p', { class: 'cnt-sub' }, unitName, ' · ', me.display_name || me.login),
    h('p', { class: 'cnt-keys', id: 'cnt-keys' },
      kbd('F2'), ' mã hồ sơ · ', kbd('↑'), kbd('↓'), ' danh sách, chọn thủ tục · ', kbd('Enter'), ' chọn, tiếp nhận, xác nhận · ',
      kbd('Space'), ' đánh dấu giấy tờ · ', kbd('Esc'), ' đóng · ', kbd('Alt+N'), ' hồ sơ mới'));
  const card = (n, id, title, ...kids) => h('section', { class: 'card cnt-card', 'aria-labelledby': id },
    h('h2', { id }, h('span', { class: 'cnt-step' }, n), title), kids);

  const form = h('form', { class: 'cnt-form', novalidate: true, 'aria-label': 'Tiếp nhận hồ sơ' },
    h('div', { class: 'cnt-cols' },
      h('div', { class: 'cnt-col' },
        card('1', 'cnt-h-proc', 'Thủ tục hành chính',
          h('div', { class: 'cnt-combo' }, fld('Tìm thủ tục hành chính (mã hoặc tên, có dấu hoặc không dấu)', q), list, qStatus),
          procInfo, procExtra),
        card('2', 'cnt-h-docs', ['Thành phần hồ sơ', docsCount], docsEmpty, docsWrap)),
      h('div', { class: 'cnt-col' },
        card('3', 'cnt-h-app', 'Người nộp hồ sơ',
          fld('Họ và tên', name, null, true),
          h('div', { class: 'cnt-grid2' },
            fld('Số CCCD / hộ chiếu', idNo, '12 chữ số; người nước ngoài: hộ chiếu', true),
            fld('Số điện thoại', phone, 'Ví dụ 0912345678')),
          h('div', { class: 'cnt-grid-addr' }, fld('Địa chỉ', addr), fld('Thư điện tử', email))),
        card('4', 'cnt-h-opt', 'Tiếp nhận và trả kết quả',
          h('div', { class: 'cnt-grid3' }, fld('Hình thức nộp', chSel), fld('Trả kết quả', retSel), fld('Số bộ', sets))),
        docsMissing,
        h('div', { class: 'cnt-actions' }, btnMain, btnForce, btnGuide, btnRefuse),
        formMsg)));
  const resultBox = h('section', { class: 'cnt-result', hidden: true, 'aria-labelledby': 'cnt-h-result' });
  mount(root, h('div', { class: 'cnt' }, header, form, resultBox));
  q.focus();

  units().then(us => {
    const u = us.find(x => x.code === me.unit_code);
    if (u) unitName.textContent = `${u.name} (${u.code})`;
  }).catch(() => { /* the code stays */ });

  // ---------- the combobox ----------
  function openList(open) {
    list.hidden = !open;
    q.setAttribute('aria-expanded', open ? 'true' : 'false');
    if (!open) q.removeAttribute('aria-activedescendant');
  }
  function setActive(i) {
    st.active = i;
    [...list.children].forEach((li, k) => li.setAttribute('aria-selected', k === i ? 'true' : 'false'));
    const li = list.children[i];
    if (!li) { q.removeAttribute('aria-activedescendant'); return; }
    q.setAttribute('aria-activedescendant', li.id);
    li.scrollIntoView({ block: 'nearest' });
  }
  function looksLikeCode(s) {
    const c = codeFromScan(s);
    return DOSSIER_CODE.test(c) ? c : null;
  }
  const noOption = (id, text) => h('li', { id, role: 'option', class: 'cnt-opt-none', 'aria-disabled': 'true', 'aria-selected': 'false' }, text);
  function option(p, i) {
    const attrs = { id: `cnt-opt-${i}`, role: 'option', class: 'cnt-opt', onmousedown: ev => { ev.preventDefault(); choose(i); } };
    if (p.dossier) {
      attrs.class += ' cnt-opt-dossier';
      return h('li', attrs, h('span', { class: 'o-code' }, 'Mở hồ sơ'), h('span', { class: 'o-name mono' }, p.dossier));
    }
    const meta = [p.field ? p.field.name : null, (p.levels || []).map(l => LEVELS[l] || l).join(', '),
      p.version ? versionDuration(p.version) : 'không có phiên bản đang hiệu lực'];
    return h('li', attrs, h('span', { class: 'o-code mono' }, p.code), h('span', { class: 'o-name' }, p.name),
      h('span', { class: 'o-meta' }, meta.filter(Boolean).join(' · ')));
  }
  function renderResults(items, text) {
    const code = looksLikeCode(text);
    st.results = code ? [{ dossier: code }, ...items] : items;
    mount(list, st.results.length ? st.results.map(option) : noOption('cnt-opt-none', 'Không tìm thấy thủ tục phù hợp.'));
    openList(true);
    setActive(st.results.length ? 0 : -1);
    qStatus.textContent = code ? `Mã hồ sơ ${code}: Enter để mở.` : `${items.length} thủ tục${text ? ' phù hợp' : ''}.`;
  }
  // What was typed; with nothing typed and browse (↓), the procedures of the clerk's level.
  function search(browse) {
    const text = q.value.trim();
    clearTimeout(st.timer);
    if (!text && !browse) { st.pending = null; st.results = []; mount(list); openList(false); return null; }
    const my = ++st.seq;
    const ask = !text
      ? units().then(us => (us.find(u => u.code === me.unit_code) || {}).level).catch(() => undefined)
        .then(level => get('/procedures', { level, limit: 12 }))
      : looksLikeCode(text) ? Promise.resolve({ items: [] }) : get('/procedures', { q: text, limit: 12 });
    const p = ask
      .then(r => { if (my === st.seq) renderResults(r.items || [], text); })
      .catch(e => {
        if (my !== st.seq) return;
        st.results = [];
        mount(list, noOption('cnt-opt-err', errorText(e)));
        openList(true);
      })
      .finally(() => { if (my === st.seq) st.pending = null; });
    st.pending = p;
    return p;
  }
  q.addEventListener('input', () => {
    setErr(q, '');
    clearTimeout(st.timer);
    st.seq++;
    // Enter pressed before the answer waits for it
    st.pending = new Promise(res => {
      st.timer = setTimeout(() => { (search() || Promise.resolve()).then(res); }, 160);
    });
  });
  q.addEventListener('keydown', async ev => {
    if (ev.key === 'ArrowDown' || ev.key === 'ArrowUp') {
      ev.preventDefault();
      if (list.hidden) {
        if (st.results.length) { openList(true); setActive(Math.max(st.active, 0)); } else search(true);
        return;
      }
      const n = st.results.length;
      if (n) setActive(ev.key === 'ArrowDown' ? (st.active + 1) % n : (st.active - 1 + n) % n);
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      if (st.pending) await st.pending;
      if (st.active >= 0 && !list.hidden) { choose(st.active); return; }
      const code = looksLikeCode(q.value);
      if (code) ctx.navigate('/ho-so/' + encodeURIComponent(code));
      else if (!st.proc) {
        setErr(q, q.value.trim() ? 'Không có thủ tục phù hợp: gõ ít chữ hơn hoặc gõ mã thủ tục.'
          : 'Gõ mã hoặc tên thủ tục cần tiếp nhận.');
      }
    } else if (ev.key === 'Escape') {
      if (!list.hidden) {
        ev.preventDefault();
        openList(false);
        if (st.proc) q.value = st.proc.name;
      } else if (q.value && !st.proc) {
        ev.preventDefault();
        q.value = '';
      }
    } else if (ev.key === 'Tab' && !list.hidden) {
      openList(false);
    }
  });
  q.addEventListener('blur', () => setTimeout(() => {
    if (document.activeElement === q) return;
    openList(false);
    if (st.proc && q.value !== st.proc.name) q.value = st.proc.name; // the choice stays what it was
  }, 100));
  q.addEventListener('focus', () => { if (st.proc && q.value === st.proc.name) q.select(); });

  function choose(i) {
    const p = st.results[i];
    if (!p) return;
    openList(false);
    if (p.dossier) ctx.navigate('/ho-so/' + encodeURIComponent(p.dossier));
    else selectProcedure(p);
  }

  // ---------- the chosen procedure ----------
  async function selectProcedure(p) {
    st.proc = p;
    q.value = p.name;
    setErr(q, '');
    const v = p.version;
    procInfo.hidden = false;
    if (!v) {
      mount(procInfo, errorBox({ message: 'Thủ tục không có phiên bản đang có hiệu lực hôm nay: không tiếp nhận được.' }));
      procExtra.hidden = true;
      setDocs([]);
      return;
    }
    const durNode = h('span', null, versionDuration(v));
    const fees = v.fees || [];
    mount(procInfo,
      h('div', { class: 'cnt-proc-head' },
        h('span', { class: 'cnt-proc-code mono' }, p.code),
        (p.levels || []).map(l => h('span', { class: 'badge cnt-level' }, LEVELS[l] || l)),
        p.field ? h('span', { class: 'muted' }, `Lĩnh vực: ${p.field.name}`) : null),
      h('p', { class: 'cnt-proc-name' }, p.name),
      h('dl', { class: 'kv cnt-kv' },
        h('dt', null, 'Thời hạn giải quyết'), h('dd', null, durNode),
        fees.length ? [h('dt', null, 'Phí, lệ phí'), h('dd', null, fees.map((f, k) => [k ? '; ' : '',
          `${f.name}: ${money(f.amount)}`, f.note ? h('span', { class: 'muted' }, ` (${f.note})`) : null]))] : null));
    procInfo.cntDur = durNode;
    const cases = v.cases || [];
    mount(caseSel, h('option', { value: '' }, `Thông thường — ${versionDuration(v)}`),
      cases.map(c => h('option', { value: c.code }, `${c.name} — ${caseDuration(c)}`)));
    caseField.hidden = !cases.length;
    setDocs(v.documents || []);
    procExtra.hidden = false;
    const decided = await fillResolving(p);
    if (st.proc === p) (decided ? name : ruSel).focus();
  }
  caseSel.addEventListener('change', () => {
    const v = st.proc && st.proc.version;
    if (!v || !procInfo.cntDur) return;
    const c = (v.cases || []).find(x => x.code === caseSel.value);
    procInfo.cntDur.textContent = c ? `${caseDuration(c)} (trường hợp: ${c.name})` : versionDuration(v);
  });

  // The resolving unit: the procedure's first liên thông leg, else this clerk's last choice
  // for the procedure, else the unit resolving most of its recent dossiers, else (a ward
  // centre) the centre's own committee. True when one is chosen.
  async function fillResolving(p) {
    const v = p.version;
    mount(ruSel, h('option', { value: '' }, 'Đang tải…'));
    ruHint.textContent = '';
    setErr(ruSel, '');
    let us;
    try { us = await units(); } catch (e) {
      mount(ruSel, h('option', { value: '' }, '— không tải được danh sách đơn vị —'));
      ruHint.textContent = errorText(e);
      return false;
    }
    const level = v.resolving_level || (p.levels || [])[0];
    const opts = us.filter(u => u.level === level && u.kind !== 'center' && u.kind !== 'counter');
    mount(ruSel, h('option', { value: '' }, '— Chọn cơ quan giải quyết —'), opts.map(u => h('option', { value: u.code }, u.name)));
    const has = c => !!c && opts.some(u => u.code === c);
    let pick = null, why = '';
    const leg = (v.legs || [])[0];
    const legUnit = leg && (leg.unit_code || (leg.unit && leg.unit.code) || leg.unit);
    if (has(legUnit)) { pick = legUnit; why = 'Theo quy trình liên thông của thủ tục.'; }
    if (!pick) {
      let c = null;
      try { c = localStorage.getItem(RU_KEY + p.code); } catch { /* storage off */ }
      if (has(c)) { pick = c; why = 'Theo lần tiếp nhận trước của thủ tục này.'; }
    }
    if (!pick) {
      try {
        const r = await get('/dossiers', { procedure: p.code, limit: 50 });
        const n = new Map();
        for (const x of r.items || []) {
          const c = x.resolving_unit && x.resolving_unit.code;
          if (has(c)) n.set(c, (n.get(c) || 0) + 1);
        }
        const best = [...n.entries()].sort((a, b) => b[1] - a[1])[0];
        if (best) { pick = best[0]; why = 'Theo các hồ sơ gần đây của thủ tục này.'; }
      } catch { /* a hint only */ }
    }
    const mine = us.find(u => u.code === me.unit_code);
    if (!pick && mine && mine.kind === 'center' && mine.parent && has(mine.parent.code)) {
      pick = mine.parent.code;
      why = 'Cơ quan chủ quản của đơn vị tiếp nhận.';
    }
    if (!pick && opts.length === 1) pick = opts[0].code;
    if (st.proc !== p) return false;
    if (pick) ruSel.value = pick;
    ruHint.textContent = pick ? why : `Chọn đơn vị ${(LEVELS[level] || '').toLowerCase()} giải quyết hồ sơ.`;
    return !!pick;
  }

  function setDocs(docs) {
    st.docs = docs.map((d, i) => {
      const chk = h('input', { type: 'checkbox', id: `cnt-doc-${i}`, checked: true });
      const kind = h('select', { id: `cnt-doc-${i}-kind` }, Object.entries(KINDS).map(([k, t]) => h('option', { value: k }, t)));
      kind.value = d.kind === 'copy' ? 'copy' : 'original';
      const count = h('input', {
        type: 'number', id: `cnt-doc-${i}-count`, min: 1, max: 99, value: String(d.count || 1), class: 'cnt-num', inputmode: 'numeric',
      });
      const row = h('tr', null,
        h('td', { class: 'cnt-chk' }, chk),
        h('td', null, h('label', { for: chk.id }, d.name)),
        h('td', { class: 'cnt-kind' }, h('label', { for: kind.id, class: 'sr-only' }, `Loại: ${d.name}`), kind),
        h('td', { class: 'cnt-count num' }, h('label', { for: count.id, class: 'sr-only' }, `Số lượng: ${d.name}`), count));
      chk.addEventListener('change', updateDocs);
      count.addEventListener('input', () => count.removeAttribute('aria-invalid'));
      return { d, chk, kind, count, row };
    });
    mount(docsBody, st.docs.map(x => x.row));
    docsWrap.hidden = !st.docs.length;
    docsEmpty.hidden = !!st.docs.length;
    docsEmpty.textContent = st.proc ? 'Phiên bản thủ tục không quy định thành phần hồ sơ.' : 'Chọn thủ tục để hiện thành phần hồ sơ.';
    updateDocs();
  }
  const missingDocs = () => st.docs.filter(x => !x.chk.checked);
  function updateDocs() {
    const n = st.docs.length, miss = missingDocs(), got = n - miss.length;
    docsCount.textContent = n ? `đã nhận ${got}/${n}` : '';
    docsCount.className = 'cnt-docs-count' + (!n ? '' : miss.length ? ' cnt-warn' : ' cnt-ok');
    docsAll.checked = n > 0 && !miss.length;
    docsAll.indeterminate = got > 0 && got < n;
    docsAll.disabled = !n;
    st.docs.forEach(x => x.row.classList.toggle('cnt-row-missing', !x.chk.checked));
    docsMissing.hidden = !miss.length;
    docsMissing.textContent = miss.length ? `Chưa nhận ${miss.length}/${n} thành phần hồ sơ: Enter lập phiếu hướng dẫn bổ sung ` +
      '(Mẫu 02). Giấy tờ không bắt buộc trong trường hợp này: chọn “Vẫn tiếp nhận”.' : '';
    mount(btnMain, miss.length ? ['Lập phiếu hướng dẫn ', formNo('Mẫu 02')] : 'Tiếp nhận hồ sơ');
    btnForce.hidden = !miss.length;
    btnGuide.hidden = !!miss.length;
  }
  docsAll.addEventListener('change', () => {
    st.docs.forEach(x => { x.chk.checked = docsAll.checked; });
    updateDocs();
  });

  // Enter on a (closed) select goes on to the next field.
  for (const sel of [caseSel, ruSel]) {
    sel.addEventListener('keydown', ev => {
      if (ev.key !== 'Enter') return;
      ev.preventDefault();
      (sel === caseSel && !ruSel.value ? ruSel : name).focus();
    });
    sel.addEventListener('change', () => setErr(sel, ''));
  }
  ruSel.addEventListener('change', () => { ruHint.textContent = ''; });
  chSel.addEventListener('change', () => {
    if (chSel.value === '3' && retSel.value === 'counter') retSel.value = 'post';
    else if (chSel.value === '1' && retSel.value === 'post') retSel.value = 'counter';
  });
  idNo.addEventListener('change', () => {
    idNo.value = idNo.value.replace(/\s+/g, '').toUpperCase();
    setErr(idNo, checkIdNumber(idNo.value, false));
  });
  phone.addEventListener('change', () => setErr(phone, checkPhone(normPhone(phone.value))));
  email.addEventListener('change', () => setErr(email, checkEmail(email.value.trim())));

  // ---------- the request ----------
  function validate(mode) {
    const errs = [];
    const add = (input, msg) => { setErr(input, msg); if (msg) errs.push(input); };
    add(q, !st.proc ? 'Chọn thủ tục hành chính cần tiếp nhận.'
      : !st.proc.version ? 'Thủ tục không có phiên bản đang có hiệu lực.' : '');
    if (st.proc && mode === 'receive') add(ruSel, ruSel.value ? '' : 'Chọn cơ quan giải quyết hồ sơ.');
    add(name, name.value.trim() ? '' : 'Nhập họ và tên người nộp hồ sơ.');
    idNo.value = idNo.value.replace(/\s+/g, '').toUpperCase();
    add(idNo, checkIdNumber(idNo.value, mode === 'receive'));
    add(phone, checkPhone(normPhone(phone.value)));
    add(email, checkEmail(email.value.trim()));
    const s = Number(sets.value);
    add(sets, Number.isInteger(s) && s >= 1 && s <= 100 ? '' : 'Số bộ từ 1 đến 100.');
    for (const x of st.docs) {
      const c = Number(x.count.value);
      const bad = x.chk.checked && !(Number.isInteger(c) && c >= 1 && c <= 99);
      if (bad) { x.count.setAttribute('aria-invalid', 'true'); errs.push(x.count); } else x.count.removeAttribute('aria-invalid');
    }
    return errs;
  }
  const docItem = x => ({ name: x.d.name, kind: x.kind.value, count: Number(x.count.value) || 1 });
  function baseBody() {
    const applicant = { name: name.value.trim().replace(/\s+/g, ' ') };
    if (idNo.value) applicant.id_number = idNo.value;
    if (addr.value.trim()) applicant.address = addr.value.trim();
    if (normPhone(phone.value)) applicant.phone = normPhone(phone.value);
    if (email.value.trim()) applicant.email = email.value.trim();
    const b = { applicant, procedure: st.proc.code };
    if (caseSel.value) b.case = caseSel.value;
    if (ruSel.value) b.resolving_unit = ruSel.value;
    b.channel = Number(chSel.value) || 1;
    b.sets = Number(sets.value) || 1;
    b.documents = st.docs.filter(x => x.chk.checked).map(docItem);
    b.return_method = retSel.value;
    return b;
  }
  // An API error next to the actions, and under the field it names.
  function showFormError(e) {
    const map = {
      'applicant.name': name, 'applicant.id_number': idNo, 'applicant.phone': phone, 'applicant.email': email,
      'applicant.address': addr, case: caseSel, resolving_unit: ruSel, sets, procedure: q, return_method: retSel,
    };
    let target = e && e.field && map[e.field];
    const m = e && e.field && /^documents\[(\d+)\]/.exec(e.field);
    const x = m && st.docs.filter(d => d.chk.checked)[Number(m[1])];
    if (x) { x.row.classList.add('cnt-row-bad'); target = x.chk; }
    if (target && target.cntErr) setErr(target, errorText({ message: e.message, detail: e.detail }));
    mount(formMsg, errorBox(e));
    if (target) target.focus();
  }
  function firstInvalid(errs) {
    mount(formMsg, h('div', { class: 'error', role: 'alert' }, `Còn ${errs.length} ô chưa đúng: xem thông báo dưới từng ô.`));
    errs[0].focus();
  }
  function setBusy(b) {
    st.busy = b;
    for (const x of [btnMain, btnForce, btnGuide, btnRefuse]) x.disabled = b;
    form.setAttribute('aria-busy', b ? 'true' : 'false');
  }
  const focusDialogButton = () => setTimeout(() => {
    const b = document.querySelector('dialog.dlg[open] .dlg-actions button.primary');
    if (b) b.focus();
  }, 0);
  const submitOnEnter = ev => {
    if (ev.key === 'Enter' && !ev.shiftKey) { ev.preventDefault(); ev.target.form.requestSubmit(); }
  };

  // ---------- outcome 1: reception, after the server's preview ----------
  async function doReceive() {
    const errs = validate('receive');
    if (errs.length) { firstInvalid(errs); return; }
    mount(formMsg);
    const body = { ...baseBody(), complete: true };
    const back = document.activeElement;
    let pv;
    setBusy(true);
    try {
      pv = await post('/dossiers', { ...body, dry_run: true }); // writes nothing, takes no Idempotency-Key
    } catch (e) {
      showFormError(e);
      return;
    } finally {
      setBusy(false);
    }
    if (pv && pv.kind === 'dossier') { // a server without dry_run has received it already
      rememberResolving(body);
      showReceived(pv, body, null);
      return;
    }
    const miss = missingDocs();
    const proc = st.proc;
    const ru = body.resolving_unit && ruSel.selectedOptions[0] ? ruSel.selectedOptions[0].textContent : '';
    const dur = pv.duration ? durationText(pv.duration.value, pv.duration.unit) : versionDuration(proc.version);
    const created = await modal({
      title: 'Xác nhận tiếp nhận hồ sơ',
      body: h('div', { class: 'cnt-preview' },
        h('p', { class: 'cnt-appt' }, h('span', { class: 'cnt-appt-label' }, 'Ngày hẹn trả kết quả: '), appointmentNode(pv.appointment_at),
          pv.calendar_proposed ? h('span', { class: 'cnt-proposed', title: 'Tính theo lịch nghỉ dự kiến: năm sau chưa có thông báo lịch nghỉ chính thức' }, ' (dự kiến)') : null),
        pv.calendar_proposed ? h('p', { class: 'notice' }, 'Ngày hẹn tính qua ngày nghỉ chưa được công bố chính thức (lịch dự kiến); giấy tiếp nhận ghi “(dự kiến)”.') : null,
        h('dl', { class: 'kv cnt-kv' },
          h('dt', null, 'Người nộp'), h('dd', null, body.applicant.name, body.applicant.id_number ? ` — ${body.applicant.id_number}` : ''),
          h('dt', null, 'Thủ tục'), h('dd', null, h('span', { class: 'mono' }, proc.code), ' ', proc.name),
          h('dt', null, 'Thời hạn'), h('dd', null, dur, pv.case ? ` (trường hợp: ${pv.case.name || pv.case.code})` : ''),
          ru ? [h('dt', null, 'Cơ quan giải quyết'), h('dd', null, ru)] : null,
          h('dt', null, 'Giấy tờ đã nhận'), h('dd', null, body.documents.length
            ? h('ul', { class: 'cnt-plain' }, body.documents.map(d => h('li', null, docText(d)))) : 'không có'),
          h('dt', null, 'Số bộ · trả kết quả'), h('dd', null, `${body.sets} · ${RETURN_METHODS[body.return_method]}`),
          pv.legal_due_at && pv.legal_due_at !== pv.appointment_at
            ? [h('dt', null, 'Hạn giải quyết'), h('dd', null, fmtDateTime(pv.legal_due_at))] : null),
        miss.length ? h('p', { class: 'notice' }, `Lưu ý: chưa nhận ${miss.map(x => x.d.name).join('; ')}.`) : null,
        h('p', { class: 'hint' }, kbd('Enter'), ' xác nhận tiếp nhận và cấp mã hồ sơ · ', kbd('Esc'), ' quay lại sửa')),
      actions: [{ label: 'Xác nhận tiếp nhận', value: true, primary: true }, { label: 'Quay lại sửa', value: null }],
      onSubmit: async () => {
        try {
          return await post('/dossiers', body, { idem: recvKey.key(body) });
        } catch (e) {
          focusDialogButton(); // Enter again retries with the same key
          if (e.code === 'NETWORK') e.detail = 'nhấn Enter để gửi lại: hồ sơ không bị tiếp nhận hai lần';
          throw e;
        }
      },
    });
    if (!created) { (back && back.isConnected ? back : name).focus(); return; }
    recvKey.done();
    rememberResolving(body);
    showReceived(created, body, pv);
  }
  function rememberResolving(body) {
    try { if (body.resolving_unit) localStorage.setItem(RU_KEY + body.procedure, body.resolving_unit); } catch { /* storage off */ }
  }

  // ---------- outcome 2: guidance (Mẫu 02) ----------
  async function doGuide() {
    const errs = validate('guide');
    if (errs.length) { firstInvalid(errs); return; }
    mount(formMsg);
    const miss = missingDocs();
    const other = h('textarea', { id: 'cnt-g-other', rows: 2, maxlength: 2000 });
    const reason = h('input', { id: 'cnt-g-reason', maxlength: 2000 });
    other.addEventListener('keydown', submitOnEnter);
    const base = baseBody();
    const r = await modal({
      title: 'Phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)',
      body: h('div', { class: 'cnt-preview' },
        h('p', null, `Người nộp: ${base.applicant.name} — thủ tục ${st.proc.code}.`),
        miss.length
          ? [h('p', { class: 'cnt-dlg-label' }, 'Giấy tờ còn thiếu (in trên phiếu):'),
            h('ul', { class: 'cnt-plain cnt-missing-list' }, miss.map(x => h('li', null, docText(docItem(x)))))]
          : h('p', { class: 'notice' }, 'Mọi giấy tờ đều đã đánh dấu: ghi nội dung cần bổ sung, hoàn thiện bên dưới.'),
        field('Nội dung khác cần bổ sung, hoàn thiện (mỗi dòng một nội dung)', other, 'Enter: lập phiếu · Shift+Enter: xuống dòng'),
        field('Ghi chú hướng dẫn (lý do)', reason)),
      actions: [{ label: 'Lập phiếu hướng dẫn', value: true, primary: true }, { label: 'Quay lại', value: null }],
      onSubmit: async () => {
        const extra = other.value.split('\n').map(s => s.trim()).filter(Boolean);
        const missing = [...miss.map(docItem), ...extra];
        if (!missing.length) {
          setTimeout(() => other.focus(), 0);
          throw new Error('Nêu ít nhất một giấy tờ hoặc nội dung cần bổ sung.');
        }
        const body = { ...base, complete: false, missing };
        if (reason.value.trim()) body.reason = reason.value.trim();
        try {
          const res = await post('/dossiers', body, { idem: guideKey.key(body) });
          guideKey.done();
          return { res, body };
        } catch (e) {
          setTimeout(() => other.focus(), 0);
          throw e;
        }
      },
    });
    if (r) showGuidance(r.res, r.body); else btnMain.focus();
  }

  // ---------- outcome 3: refusal (Mẫu 03) ----------
  async function doRefuse() {
    const errs = validate('refuse');
    if (errs.length) { firstInvalid(errs); return; }
    mount(formMsg);
    const reason = h('textarea', { id: 'cnt-r-reason', rows: 3, maxlength: 2000 });
    reason.addEventListener('keydown', submitOnEnter);
    const base = baseBody();
    delete base.return_method;
    const r = await modal({
      title: 'Từ chối tiếp nhận hồ sơ (Mẫu 03)',
      body: h('div', { class: 'cnt-preview' },
        h('p', null, `Người nộp: ${base.applicant.name} — thủ tục ${st.proc.code} ${st.proc.name}.`),
        field(['Lý do từ chối ', h('span', { class: 'req', 'aria-hidden': 'true' }, '*')], reason,
          'Ví dụ: Hồ sơ không thuộc thẩm quyền giải quyết của cơ quan. Enter: lập phiếu · Shift+Enter: xuống dòng')),
      actions: [{ label: 'Lập phiếu từ chối', value: true, primary: true }, { label: 'Quay lại', value: null }],
      onSubmit: async () => {
        const text = reason.value.trim();
        if (!text) {
          reason.focus(); // modal() leaves the focus where onSubmit put it
          throw new Error('Nhập lý do từ chối: lý do được in trên phiếu (Mẫu 03).');
        }
        const body = { ...base, out_of_scope: true, reason: text };
        const res = await post('/dossiers', body, { idem: refuseKey.key(body) });
        refuseKey.done();
        return { res, body };
      },
    });
    if (r) showRefusal(r.res, r.body); else btnRefuse.focus();
  }

  form.addEventListener('submit', ev => {
    ev.preventDefault();
    if (st.busy) return;
    if (missingDocs().length) doGuide(); else doReceive();
  });
  btnForce.addEventListener('click', () => { if (!st.busy) doReceive(); });
  btnGuide.addEventListener('click', () => { if (!st.busy) doGuide(); });
  btnRefuse.addEventListener('click', () => { if (!st.busy) doRefuse(); });

  // ---------- results ----------
  // A button that fetches a form as PDF and opens it; query may be a function (read at click).
  function printButton(label, path, query, filename, done = 'Đã mở bản PDF trong thẻ mới để in.') {
    const b = h('button', { type: 'button', class: 'primary cnt-print' }, label);
    const msg = h('span', { class: 'cnt-print-msg', role: 'status' });
    b.addEventListener('click', async () => {
      b.disabled = true;
      msg.textContent = 'Đang tạo PDF…';
      try {
        openPdf(await download(path, typeof query === 'function' ? query() : query), filename);
        msg.textContent = done;
      } catch (e) {
        msg.textContent = errorText(e);
      } finally {
        b.disabled = false;
        b.focus();
      }
    });
    return [b, msg];
  }
  const newButton = () => h('button', { type: 'button', onclick: () => reset() }, 'Tiếp nhận hồ sơ mới ', kbd('Alt+N'));
  const openLink = code => h('a', { href: '#/ho-so/' + encodeURIComponent(code), class: 'cnt-open', title: code }, 'Mở hồ sơ');
  const procLine = body => [h('span', { class: 'mono' }, body.procedure), ' ', st.proc ? st.proc.name : ''];
  function sessionCard() {
    const short = c => c.replace(/^.*?-(\d{6}-)/, '…$1');
    return h('section', { class: 'card cnt-session', 'aria-labelledby': 'cnt-h-session' },
      h('h2', { id: 'cnt-h-session' }, 'Trong phiên làm việc ', h('span', { class: 'muted' }, `(${SESSION.length})`)),
      h('table', { class: 'grid cnt-session-table' },
        h('thead', null, h('tr', null, ['Giờ', 'Mã hồ sơ', 'Người nộp', 'Kết quả'].map(t => h('th', { scope: 'col' }, t)))),
        h('tbody', null, SESSION.slice(0, 10).map(x => h('tr', null,
          h('td', { class: 'num' }, x.at),
          h('td', { class: 'mono cnt-session-code' }, x.code
            ? h('a', { href: '#/ho-so/' + encodeURIComponent(x.code), 'aria-label': x.code, title: x.code }, short(x.code)) : '—'),
          h('td', null, x.applicant),
          h('td', null, h('span', { class: `badge cnt-out-${x.kind}` }, OUTCOMES[x.kind])))))));
  }
  function showResultBox(kind, code, body, title, ...kids) {
    SESSION.unshift({ kind, code, applicant: body.applicant.name, at: clock(new Date()) });
    st.result = kind;
    form.hidden = true;
    mount(resultBox, h('div', { class: `card cnt-result-card cnt-result-${kind}` }, h('h2', { id: 'cnt-h-result' }, title), kids),
      sessionCard());
    resultBox.hidden = false;
    (resultBox.querySelector('.cnt-print') || resultBox.querySelector('button')).focus();
  }
  function showReceived(d, body, pv) {
    const path = `/dossiers/${encodeURIComponent(d.code)}`;
    const secretBox = h('div', { class: 'cnt-secret' });
    const fillSecret = (secret, version) => {
      if (secret) {
        mount(secretBox, h('div', { class: 'cnt-big-label' }, 'Mã tra cứu'),
          h('div', { class: 'cnt-secret-value mono', id: 'cnt-secret' }, secret),
          h('div', { class: 'hint' }, 'Chỉ hiện một lần; được in trên Giấy tiếp nhận. ' +
            'Người nộp dùng mã hồ sơ và mã tra cứu để tra cứu kết quả.'));
        return;
      }
      // a replayed reception: the server keeps only the secret's hash
      const b = h('button', { type: 'button' }, 'Cấp lại mã tra cứu');
      const m = h('span', { role: 'status' });
      const reissue = v => post(`${path}/lookup-secret`, { expected_version: v, reason: 'Gửi lại yêu cầu tiếp nhận' },
        { idem: newKey('mtc') });
      b.addEventListener('click', async () => {
        b.disabled = true;
        try {
          let r;
          try { r = await reissue(version); } catch (e) {
            if (e.code !== 'VERSION_CONFLICT' || !e.current || !e.current.version) throw e;
            r = await reissue(e.current.version); // moved on meanwhile: still the same dossier
          }
          d.lookup_secret = r.lookup_secret;
          fillSecret(r.lookup_secret, r.version);
          resultBox.querySelector('.cnt-print').focus();
        } catch (e) { m.textContent = errorText(e); b.disabled = false; }
      });
      mount(secretBox, h('div', { class: 'cnt-big-label' }, 'Mã tra cứu'),
        h('p', { class: 'notice' }, 'Yêu cầu tiếp nhận đã được gửi trước đó, máy chủ không hiển thị lại mã tra cứu. ' +
          'Cấp mã mới để in trên Giấy tiếp nhận.'), b, ' ', m);
    };
    fillSecret(d.lookup_secret, d.version || 1);
    // In working hours the appointment moves on by the seconds spent confirming: only a change
    // of the minute shown is worth a word.
    const changed = pv && fmtDateTime(pv.appointment_at) !== fmtDateTime(d.appointment_at);
    const ruName = body.resolving_unit && ruSel.selectedOptions[0] ? ruSel.selectedOptions[0].textContent : '';
    const fees = (st.proc && st.proc.version && st.proc.version.fees) || [];
    const [print, printMsg] = printButton('In giấy tiếp nhận (Mẫu 01)', `${path}/documents/receipt`,
      () => ({ format: 'pdf', secret: d.lookup_secret || undefined }), `giay-tiep-nhan-${d.code}.pdf`,
      'Đã mở Giấy tiếp nhận (khổ A5) trong thẻ mới để in.');
    const [slip] = printButton('In phiếu kiểm soát', `${path}/documents/control_slip`, { format: 'pdf' }, `phieu-kiem-soat-${d.code}.pdf`);
    slip.className = 'cnt-print-2';
    showResultBox('received', d.code, body, 'Đã tiếp nhận hồ sơ',
      h('div', { class: 'cnt-result-main' },
        h('div', null,
          h('div', { class: 'cnt-big-label' }, 'Mã hồ sơ'),
          h('div', { class: 'cnt-code mono', id: 'cnt-code' }, d.code),
          h('div', { class: 'cnt-big-label' }, 'Ngày hẹn trả kết quả'),
          h('div', { class: 'cnt-appt-big', id: 'cnt-appt' }, appointmentNode(d.appointment_at),
            d.calendar_proposed ? h('span', { class: 'cnt-proposed' }, ' (dự kiến)') : null),
          changed ? h('p', { class: 'hint' }, `Tính theo giờ tiếp nhận thực tế (lúc xem trước: ${fmtDateTime(pv.appointment_at)}).`) : null,
          pv ? null : h('p', { class: 'hint' }, 'Máy chủ chưa hỗ trợ xem trước ngày hẹn: hồ sơ đã được tiếp nhận ngay.')),
        secretBox),
      h('dl', { class: 'kv cnt-kv' },
        h('dt', null, 'Người nộp'), h('dd', null, body.applicant.name, body.applicant.id_number ? ` — ${body.applicant.id_number}` : ''),
        h('dt', null, 'Thủ tục'), h('dd', null, procLine(body)),
        ruName ? [h('dt', null, 'Cơ quan giải quyết'), h('dd', null, ruName)] : null,
        h('dt', null, 'Tiếp nhận lúc'), h('dd', null, fmtDateTime(d.received_at)),
        fees.length ? [h('dt', null, 'Phí, lệ phí'), h('dd', null, fees.map(f => `${f.name}: ${money(f.amount)}`).join('; '))] : null,
        h('dt', null, 'Giấy tờ'),
        h('dd', null, `${body.documents.length} thành phần, ${body.sets} bộ · trả kết quả: ${RETURN_METHODS[body.return_method]}`)),
      h('div', { class: 'actions cnt-result-actions' }, print, slip, newButton(), openLink(d.code)),
      printMsg);
  }
  function showGuidance(g, body) {
    const missing = g.missing || body.missing;
    const kids = [
      h('p', null, `Người nộp: ${body.applicant.name} — thủ tục ${body.procedure}. Hồ sơ chưa được tiếp nhận, không cấp mã hồ sơ.`),
      h('p', { class: 'cnt-dlg-label' }, 'Nội dung cần bổ sung, hoàn thiện:'),
      h('ul', { class: 'cnt-plain cnt-missing-list' }, missing.map(m => h('li', null, typeof m === 'string' ? m : docText(m)))),
      body.reason ? h('p', null, h('span', { class: 'muted' }, 'Ghi chú: '), body.reason) : null,
    ];
    const acts = [];
    let msg = null;
    if (g.id !== undefined && g.id !== null) {
      [acts[0], msg] = printButton('In phiếu hướng dẫn (Mẫu 02)', `/guidance/${encodeURIComponent(g.id)}/document`, { format: 'pdf' },
        `phieu-huong-dan-${g.id}.pdf`);
    } else {
      kids.push(h('p', { class: 'notice' },
        'Phiếu đã được lập ở lần gửi trước; máy chủ không trả số phiếu nên không in lại được ở đây.'));
    }
    acts.push(h('button', { type: 'button', onclick: () => backToForm() }, 'Quay lại hồ sơ đang nhập'), newButton());
    showResultBox('guidance', null, body, 'Đã lập phiếu yêu cầu bổ sung, hoàn thiện hồ sơ (Mẫu 02)',
      kids, h('div', { class: 'actions cnt-result-actions' }, acts), msg);
  }
  function showRefusal(d, body) {
    const [print, msg] = printButton('In phiếu từ chối (Mẫu 03)', `/dossiers/${encodeURIComponent(d.code)}/documents/refusal`,
      { format: 'pdf' }, `phieu-tu-choi-${d.code}.pdf`);
    showResultBox('refusal', d.code, body, 'Đã lập phiếu từ chối tiếp nhận hồ sơ (Mẫu 03)',
      h('div', { class: 'cnt-big-label' }, 'Mã hồ sơ (không được tiếp nhận)'),
      h('div', { class: 'cnt-code mono', id: 'cnt-code' }, d.code),
      h('dl', { class: 'kv cnt-kv' },
        h('dt', null, 'Người nộp'), h('dd', null, body.applicant.name),
        h('dt', null, 'Thủ tục'), h('dd', null, procLine(body)),
        h('dt', null, 'Lý do'), h('dd', null, d.refusal ? d.refusal.reason : body.reason)),
      h('div', { class: 'actions cnt-result-actions' }, print, newButton(), openLink(d.code)), msg);
  }
  function backToForm() {
    st.result = null;
    resultBox.hidden = true;
    mount(resultBox);
    form.hidden = false;
    btnMain.focus();
  }
  function reset() {
    Object.assign(st, { result: null, proc: null, results: [], active: -1 });
    resultBox.hidden = true;
    mount(resultBox);
    form.hidden = false;
    form.reset();
    for (const el of [q, name, idNo, phone, addr, email, sets, ruSel, caseSel]) setErr(el, '');
    q.value = '';
    sets.value = '1';
    chSel.value = '1';
    retSel.value = 'counter';
    mount(procInfo);
    procInfo.hidden = true;
    procExtra.hidden = true;
    mount(ruSel);
    mount(caseSel);
    setDocs([]);
    mount(formMsg);
    openList(false);
    q.focus();
  }
  const dirty = () => !!(st.proc || name.value || idNo.value || phone.value || addr.value || email.value);

  // Alt+N: a new reception (asks first when something typed would be lost).
  function onKey(ev) {
    if (!ev.altKey || ev.ctrlKey || ev.metaKey || ev.code !== 'KeyN') return;
    if (document.querySelector('dialog[open]') || !root.isConnected) return;
    ev.preventDefault();
    if (st.result || !dirty()) { reset(); return; }
    modal({
      title: 'Bỏ hồ sơ đang nhập?',
      body: h('p', null, 'Nội dung đang nhập sẽ bị xóa để tiếp nhận hồ sơ mới.'),
      actions: [{ label: 'Xóa và nhập mới', value: true, primary: true }, { label: 'Tiếp tục nhập', value: null }],
    }).then(v => { if (v) reset(); });
  }
  document.addEventListener('keydown', onKey);
  return () => { document.removeEventListener('keydown', onKey); clearTimeout(st.timer); };
}
