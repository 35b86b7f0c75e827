// view-queues.js - the work queues (Hồ sơ cần xử lý, #/hang-doi): one tab per stage of the
// lifecycle (received and waiting for the hand-over, in progress, waiting for a supplement or
// a payment, ready to return, overdue), counts per tab, a search on the applicant's name
// (without diacritics) or the code, an optional unit filter, rows sorted overdue first then by
// working time left. The working minutes come from the server: each list item's
// remaining_minutes (negative when overdue; a running pause moves the due as of now), or
// from GET /stats/overdue and /stats/due-soon for a server that does not give them.
import { getAll } from './api.js';
import {
  h, mount, field, fmtDate, fmtTime, fmtWorkMinutes, fmtInt, classBadge, stateBadge, errorBox,
  todayVN,
} from './ui.js';

// state= takes one value (a number or its key), so every tab is one list request.
const TABS = [
  { key: 'truc-tuyen', label: 'Nộp trực tuyến', query: { state: 1 }, roles: ['clerk', 'supervisor', 'admin'],
    desc: 'Hồ sơ nộp trực tuyến, chưa được cán bộ tiếp nhận kiểm tra.' },
  { key: 'cho-chuyen', label: 'Chờ chuyển xử lý', query: { state: 2 },
    desc: 'Hồ sơ đã tiếp nhận, chờ chuyển cho đơn vị giải quyết.' },
  { key: 'dang-xu-ly', label: 'Đang xử lý', query: { state: 4 },
    desc: 'Hồ sơ đang được đơn vị giải quyết thẩm định, xử lý.' },
  { key: 'cho-bo-sung', label: 'Chờ bổ sung', query: { state: 5 },
    desc: 'Đã yêu cầu công dân bổ sung giấy tờ; thời hạn tạm dừng đến khi tiếp nhận hồ sơ bổ sung.' },
  { key: 'cho-nghia-vu', label: 'Chờ nghĩa vụ tài chính', query: { state: 6 },
    desc: 'Chờ công dân thực hiện nghĩa vụ tài chính (phí, lệ phí, thuế).' },
  { key: 'cho-tra', label: 'Chờ trả kết quả', query: { state: 9 },
    desc: 'Đã có kết quả giải quyết, chờ trả cho công dân.' },
  { key: 'qua-han', label: 'Quá hạn', query: { class: 'overdue' }, mixed: true,
    desc: 'Hồ sơ chưa kết thúc đã quá hạn giải quyết theo quy định.' },
];
// state names short enough for a column (the full name is the title)
const SHORT_STATES = { 1: 'Mới đăng ký', 2: 'Đã tiếp nhận', 4: 'Đang xử lý', 5: 'Chờ bổ sung', 6: 'Chờ nghĩa vụ tài chính', 7: 'Xin rút hồ sơ', 9: 'Chờ trả kết quả' };
const DEFAULT_TAB = { clerk: 'cho-chuyen', official: 'dang-xu-ly', leader: 'dang-xu-ly', supervisor: 'qua-han', admin: 'qua-han' };
const MAX = 1000;          // rows fetched per tab (the list has no total: counts show "1000+")
const SOON = 480;          // working minutes: "due within one working day" is highlighted
const DUE_SOON_HOURS = 176; // the widest window /stats/due-soon accepts (22 working days)

export const fmtDT = iso => (iso ? `${fmtDate(iso)} ${fmtTime(iso)}` : '—');
// The usual abbreviations of unit names in a dense list (the full name is the title).
export const shortUnit = s => String(s || '').replace(/^Trung tâm Phục vụ hành chính công/, 'TT Phục vụ HCC')
  .replace(/^Ủy ban nhân dân/, 'UBND');
const leftText = min => fmtWorkMinutes(min).replace(/ làm việc$/, '');

// Working minutes per dossier code from the server: overdue (negative) and due soon. The
// lists are grouped by a unit role; a queue holds dossiers received, resolved or held in the
// caller's scope, so the three groupings are merged.
async function loadTimes() {
  const over = new Map();
  const left = new Map();
  let soonComplete = true;
  let failed = false;
  const jobs = [];
  for (const by of ['current', 'resolving', 'receiving']) {
    jobs.push(getAll('/stats/overdue', { by }, MAX).then(items => {
      for (const i of items) if (i.overdue_working_minutes != null) over.set(i.code, -i.overdue_working_minutes);
    }));
    jobs.push(getAll('/stats/due-soon', { by, hours: DUE_SOON_HOURS }, MAX).then(items => {
      if (items.length >= MAX) soonComplete = false;
      for (const i of items) if (i.remaining_working_minutes != null) left.set(i.code, i.remaining_working_minutes);
    }));
  }
  const r = await Promise.allSettled(jobs);
  if (r.some(x => x.status === 'rejected')) { failed = true; soonComplete = false; }
  return { over, left, soonComplete, failed };
}

// What the "time left" cell says for a list item: {min, text, kind, group, due}.
function timeLeft(d, T, now) {
  const due = d.legal_due_at ? Date.parse(d.legal_due_at) : null;
  if (typeof d.remaining_minutes === 'number' && !d.ended_at) {
    const min = d.remaining_minutes;
    if (min < 0) return { min, text: leftText(min), kind: 'over', group: 0, due };
    if (d.paused) return { min, text: 'Đang tạm dừng · ' + leftText(min), kind: 'paused', group: 2, due };
    return { min, text: leftText(min), kind: min <= SOON ? 'soon' : 'ok', group: 1, due };
  }
  if (T.over.has(d.code)) {
    const min = T.over.get(d.code);
    return { min, text: leftText(min), kind: 'over', group: 0, due };
  }
  if (T.left.has(d.code)) {
    const min = T.left.get(d.code);
    return { min, text: leftText(min), kind: min <= SOON ? 'soon' : 'ok', group: 1, due };
  }
  if (d.ended_at) return { min: null, text: `Đã kết thúc ${fmtDT(d.ended_at)}`, kind: 'ended', group: 3, due };
  if (d.state === 1) return { min: null, text: 'Chưa tiếp nhận', kind: 'none', group: 3, due };
  if (!d.legal_due_at) return { min: null, text: 'Không có ngày hẹn', kind: 'none', group: 3, due };
  if (d.class === 'overdue' || (due < now && d.state !== 5 && d.state !== 6)) {
    return { min: null, text: 'Quá hạn', kind: 'over', group: 0, due };
  }
  if (d.state === 5 || d.state === 6) return { min: null, text: 'Đang tạm dừng', kind: 'paused', group: 2, due };
  if (T.soonComplete && due > now) {
    return { min: null, text: `Còn trên ${DUE_SOON_HOURS / 8} ngày làm việc`, kind: 'ok', group: 2, due };
  }
  return { min: null, text: `Hạn ${fmtDT(d.legal_due_at)}`, kind: 'ok', group: 2, due };
}

// Overdue first (most overdue first), then the least working time left, then the earliest due.
function compareRows(a, b) {
  const x = a.t, y = b.t;
  if (x.group !== y.group) return x.group - y.group;
  if (x.min !== null && y.min !== null && x.min !== y.min) return x.min - y.min;
  if ((x.min === null) !== (y.min === null)) return x.min === null ? 1 : -1;
  const dx = x.due ?? Infinity, dy = y.due ?? Infinity;
  if (dx !== dy) return dx - dy;
  return String(a.d.code).localeCompare(String(b.d.code));
}

// The caller's unit and every unit under it, from the unit list (for the unit filter).
function subtree(units, root) {
  const kids = new Map();
  for (const u of units) {
    const p = u.parent && u.parent.code;
    if (!kids.has(p)) kids.set(p, []);
    kids.get(p).push(u);
  }
  const out = [];
  const byCode = new Map(units.map(u => [u.code, u]));
  const walk = (u, depth) => {
    out.push({ u, depth });
    for (const k of (kids.get(u.code) || []).sort((a, b) => a.code.localeCompare(b.code))) walk(k, depth + 1);
  };
  if (byCode.has(root)) walk(byCode.get(root), 0);
  return out;
}

export default async function render(root, ctx) {
  const role = ctx.account.role;
  const tabs = TABS.filter(t => !t.roles || t.roles.includes(role));
  const S = {
    tab: tabs.some(t => t.key === ctx.query.get('tab')) ? ctx.query.get('tab') : (DEFAULT_TAB[role] || 'dang-xu-ly'),
    q: ctx.query.get('q') || '',
    unit: ctx.query.get('unit') || '',
    lists: null,    // tab key -> {items, truncated}
    times: null,
    asOf: null,
    error: null,
    seq: 0,
  };
  ctx.title('Hồ sơ cần xử lý');

  const qInput = h('input', { type: 'search', name: 'q', value: S.q, autocomplete: 'off', spellcheck: 'false',
    placeholder: 'Tên người nộp (gõ không dấu được) hoặc mã hồ sơ', class: 'q-search-input' });
  const unitSel = h('select', { name: 'unit', class: 'q-unit' });
  const unitField = field('Đơn vị', unitSel);
  unitField.hidden = true;
  const clearBtn = h('button', { type: 'button', class: 'link', onclick: () => { qInput.value = ''; search(); } }, 'Xóa tìm kiếm');
  const status = h('div', { class: 'q-status muted', 'aria-live': 'polite' });
  const form = h('form', { class: 'q-filters', role: 'search', 'aria-label': 'Lọc hồ sơ', onsubmit: ev => { ev.preventDefault(); search(); } },
    field('Tìm hồ sơ', qInput),
    unitField,
    h('div', { class: 'q-filter-btns' },
      h('button', { type: 'submit', class: 'primary' }, 'Tìm'),
      h('button', { type: 'button', onclick: () => reload() }, 'Làm mới'),
      clearBtn));
  const tabBar = h('div', { class: 'tabs q-tabs', role: 'tablist', 'aria-label': 'Hàng đợi hồ sơ' });
  const panel = h('div', { class: 'q-panel', role: 'tabpanel', id: 'q-panel', tabindex: '-1' });

  mount(root, h('div', { class: 'q-screen' },
    h('div', { class: 'q-head' }, h('h1', null, 'Hồ sơ cần xử lý'), form, status),
    tabBar, panel));

  unitSel.addEventListener('change', () => search());

  // units in the caller's subtree, for the filter (only shown when there is more than one)
  getAll('/units', { valid_at: todayVN() }, 2000).then(units => {
    const mine = subtree(units, ctx.account.unit_code);
    if (mine.length <= 1) return;
    mount(unitSel, h('option', { value: '' }, 'Tất cả đơn vị trong phạm vi'),
      mine.map(({ u, depth }) => h('option', { value: u.code, selected: u.code === S.unit },
        `${'\u00a0\u00a0'.repeat(depth)}${u.name}`)));
    unitField.hidden = false;
  }).catch(() => { /* the filter is optional */ });

  function syncHash() {
    const p = new URLSearchParams();
    p.set('tab', S.tab);
    if (S.q) p.set('q', S.q);
    if (S.unit) p.set('unit', S.unit);
    history.replaceState(null, '', '#/hang-doi?' + p.toString());
  }

  function search() {
    S.q = qInput.value.trim();
    if (!unitField.hidden) S.unit = unitSel.value || ''; // else the options are not loaded yet
    syncHash();
    reload();
  }

  async function reload() {
    const my = ++S.seq;
    clearBtn.hidden = !S.q;
    status.textContent = 'Đang tải…';
    panel.setAttribute('aria-busy', 'true');
    if (!S.lists) mount(panel, h('p', { class: 'loading' }, 'Đang tải danh sách hồ sơ…'));
    const base = {};
    if (S.q) base.q = S.q;
    if (S.unit) { base.unit = S.unit; base.include_sub_units = 1; }
    try {
      const lists = await Promise.all(tabs.map(t => getAll('/dossiers', { ...base, ...t.query }, MAX)
        .then(items => ({ items, truncated: items.length >= MAX }))));
      const all = lists.flatMap(l => l.items);
      const times = all.length && all.every(d => 'remaining_minutes' in d)
        ? { over: new Map(), left: new Map(), soonComplete: true, failed: false, server: true }
        : await loadTimes();
      if (my !== S.seq) return;
      S.lists = Object.fromEntries(tabs.map((t, i) => [t.key, lists[i]]));
      S.times = times;
      S.asOf = new Date().toISOString();
      S.error = null;
    } catch (e) {
      if (my !== S.seq) return;
      S.error = e;
    }
    panel.removeAttribute('aria-busy');
    draw();
  }

  function selectTab(key, focus) {
    S.tab = key;
    syncHash();
    draw();
    if (focus) tabBar.querySelector(`[data-tab="${key}"]`)?.focus();
  }

  function drawTabs() {
    mount(tabBar, tabs.map(t => {
      const l = S.lists && S.lists[t.key];
      const n = l ? (l.truncated ? `${fmtInt(MAX)}+` : fmtInt(l.items.length)) : '…';
      const sel = t.key === S.tab;
      return h('button', {
        type: 'button', role: 'tab', id: `q-tab-${t.key}`, 'aria-selected': sel ? 'true' : 'false',
        'aria-controls': 'q-panel', tabindex: sel ? '0' : '-1', dataset: { tab: t.key },
        class: t.key === 'qua-han' && l && l.items.length ? 'q-tab-alert' : null,
        onclick: () => selectTab(t.key),
      }, t.label, ' ', h('span', { class: 'q-count' }, n));
    }));
  }
  tabBar.addEventListener('keydown', ev => {
    const i = tabs.findIndex(t => t.key === S.tab);
    let j = null;
    if (ev.key === 'ArrowRight') j = (i + 1) % tabs.length;
    else if (ev.key === 'ArrowLeft') j = (i - 1 + tabs.length) % tabs.length;
    else if (ev.key === 'Home') j = 0;
    else if (ev.key === 'End') j = tabs.length - 1;
    if (j === null) return;
    ev.preventDefault();
    selectTab(tabs[j].key, true);
  });

  function draw() {
    drawTabs();
    const tab = tabs.find(t => t.key === S.tab);
    panel.setAttribute('aria-labelledby', `q-tab-${tab.key}`);
    if (S.error) {
      status.textContent = '';
      mount(panel, errorBox(S.error), h('button', { type: 'button', onclick: () => reload() }, 'Thử lại'));
      return;
    }
    if (!S.lists) return;
    status.textContent = `Cập nhật lúc ${fmtTime(S.asOf)}` +
      (S.times.failed ? ' · không lấy được thời gian còn lại từ máy chủ' : '');
    const now = Date.now();
    const l = S.lists[tab.key];
    const rows = l.items.map(d => ({ d, t: timeLeft(d, S.times, now) })).sort(compareRows);
    const nOver = rows.filter(r => r.t.kind === 'over').length;
    const nSoon = rows.filter(r => r.t.kind === 'soon').length;
    const summary = h('p', { class: 'q-summary' },
      h('span', null, tab.desc),
      ' ',
      h('strong', null, `${fmtInt(rows.length)}${l.truncated ? '+' : ''} hồ sơ`),
      nOver ? [' · ', h('span', { class: 'q-over' }, `${fmtInt(nOver)} quá hạn`)] : null,
      nSoon ? [' · ', h('span', { class: 'q-soon' }, `${fmtInt(nSoon)} đến hạn trong 1 ngày làm việc`)] : null,
      S.q ? [' · tìm “', S.q, '”'] : null);
    const cols = [
      { label: 'STT', class: 'num q-c-n', get: r => String(r.i) },
      { label: 'Mã hồ sơ', class: 'q-c-code', get: r => h('a', { href: '#/ho-so/' + encodeURIComponent(r.d.code), class: 'q-code', dataset: { code: r.d.code } }, r.d.code) },
      { label: 'Người nộp', class: 'q-c-app', get: r => r.d.applicant_name || '—' },
      { label: 'Thủ tục', class: 'q-c-proc', get: r => h('span', { class: 'q-proc', title: r.d.procedure && r.d.procedure.name },
        r.d.procedure && r.d.procedure.name || '—') },
      { label: 'Đơn vị đang xử lý', class: 'q-c-unit', get: r => (r.d.current_unit && r.d.current_unit.name
        ? h('span', { title: r.d.current_unit.name }, shortUnit(r.d.current_unit.name)) : '—') },
      { label: 'Ngày hẹn trả', class: 'q-c-date', get: r => [fmtDT(r.d.appointment_at),
        r.d.new_appointment_at ? h('div', { class: 'q-sub' }, 'Hẹn lại: ' + fmtDT(r.d.new_appointment_at)) : null] },
      { label: 'Còn lại (giờ làm việc)', class: 'q-c-left', get: r => h('span', { class: `q-left q-left-${r.t.kind}` }, r.t.text) },
      tab.mixed ? { label: 'Trạng thái', class: 'q-c-state', get: r => h('span', { title: r.d.state_name },
        stateBadge(r.d.state, SHORT_STATES[r.d.state] || r.d.state_name)) } : null,
      // every row of the overdue tab is overdue: the class column would say it again
      tab.query.class ? null : { label: 'Tình trạng', class: 'q-c-cls', get: r => classBadge(r.d.class) || '—' },
    ].filter(Boolean);
    rows.forEach((r, i) => { r.i = i + 1; });
    const tbl = rows.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid q-table' },
        h('caption', { class: 'sr-only' }, `${tab.label}: ${rows.length} hồ sơ, sắp xếp quá hạn trước, sau đó theo thời gian còn lại`),
        h('thead', null, h('tr', null, cols.map(c => h('th', { scope: 'col', class: c.class }, c.label)))),
        h('tbody', null, rows.map(r => h('tr', { class: `q-row${r.t.kind === 'over' ? ' q-row-over' : ''}`, dataset: { code: r.d.code } },
          cols.map(c => h('td', { class: c.class }, c.get(r))))))))
      : h('p', { class: 'empty' }, S.q ? `Không có hồ sơ nào khớp “${S.q}” trong mục này.` : 'Không có hồ sơ nào trong mục này.');
    mount(panel, summary, tbl,
      l.truncated ? h('p', { class: 'notice' }, `Chỉ hiển thị ${fmtInt(MAX)} hồ sơ đầu tiên; hãy tìm theo tên hoặc mã, hoặc chọn đơn vị để thu hẹp.`) : null);
  }

  // a click anywhere on a row opens it; the code is a link (Tab / Enter), arrows move between rows
  panel.addEventListener('click', ev => {
    if (ev.target.closest('a, button')) return;
    const tr = ev.target.closest('tr.q-row');
    if (tr && !window.getSelection().toString()) ctx.navigate('/ho-so/' + encodeURIComponent(tr.dataset.code));
  });
  panel.addEventListener('keydown', ev => {
    if (ev.key !== 'ArrowDown' && ev.key !== 'ArrowUp') return;
    const a = ev.target.closest('a.q-code');
    if (!a) return;
    const links = [...panel.querySelectorAll('a.q-code')];
    const j = links.indexOf(a) + (ev.key === 'ArrowDown' ? 1 : -1);
    if (j >= 0 && j < links.length) { ev.preventDefault(); links[j].focus(); }
  });

  drawTabs();
  await reload();
}
