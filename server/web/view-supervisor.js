// view-supervisor.js - the supervisor's screen (#/giam-sat; supervisor, leader, admin):
// on-time figures of an official period or a date range for a unit (both rule sets: the
// legal rules of NĐ 61/2018 and 118/2025, and indicator 2.1 of Bộ chỉ số 766), grouped by
// level, unit, field, procedure or channel, each figure opening the dossiers behind it; the
// trend as an SVG chart; the dossiers overdue and due soon now; the live alerts (SSE); and
// Biểu số 06/VPCP/KSTT on screen, printable, as XLSX and CSV.
import { get, getAll, download, saveBlob, stream } from './api.js';
import {
  h, mount, field, nextId, fmtDate, fmtDateTime, todayVN, parseDateVN, fmtWorkMinutes, fmtInt,
  fmtPct, fold, CHANNELS, LEVELS, classBadge, stateBadge, toast, errorText, errorBox,
} from './ui.js';
import { barLineChart } from './chart.js';

// ---- constants ----
const KINDS = {
  month: 'Tháng', quarter: 'Quý', half: '6 tháng', nine_months: '9 tháng', year: 'Năm',
  range: 'Khoảng ngày tùy chọn',
};
const ROMAN = ['I', 'II', 'III', 'IV'];
const GROUPS = [
  { key: 'level', label: 'Theo cấp', head: 'Cấp' },
  { key: 'unit', label: 'Theo đơn vị', head: 'Đơn vị giải quyết' },
  { key: 'field', label: 'Theo lĩnh vực', head: 'Lĩnh vực' },
  { key: 'procedure', label: 'Theo thủ tục', head: 'Thủ tục hành chính' },
  { key: 'channel', label: 'Theo kênh tiếp nhận', head: 'Kênh tiếp nhận' },
];
const RULES = {
  legal: { short: 'Theo quy định', long: 'Theo quy định (NĐ 61/118)' },
  dvcqg766: { short: 'Theo Bộ chỉ số 766', long: 'Theo Bộ chỉ số 766 (Cổng DVCQG)' },
};
const LEVEL_ORDER = ['central', 'province', 'district', 'commune'];
const ALERT_KINDS = {
  due_soon: 'Sắp đến hạn', overdue: 'Quá hạn', supplement_awaited: 'Chờ bổ sung quá lâu',
  calendar_unannounced: 'Chưa nạp lịch', calendar_announced: 'Đã nạp lịch',
  leg_late: 'Liên thông chậm', pakn_due_soon: 'Phản ánh sắp đến hạn', pakn_overdue: 'Phản ánh quá hạn',
};
// the running deadline of a phản ánh, kiến nghị alert (api/report/alerts.c pakn_watch)
const PAKN_DEADLINES = { reject: 'hạn xem xét tiếp nhận', answer: 'hạn trả lời', publish: 'hạn công khai kết quả' };
// The class a drill-down cell implies (for the badge of each dossier); null: per dossier.
const CELL_CLASS = {
  early: 'early', on_time: 'on_time', late: 'late', open_in_time: 'in_time', open_overdue: 'overdue',
  ok766: 'on_time', late766: 'late', open_ok766: 'in_time', open_late766: 'overdue',
};
const CELL_NAME = {
  received: 'Tiếp nhận', resolved: 'Đã giải quyết', open: 'Đang giải quyết', early: 'Trước hạn',
  on_time: 'Đúng hạn', late: 'Quá hạn', open_in_time: 'Đang giải quyết trong hạn',
  open_overdue: 'Đang giải quyết quá hạn', ok766: 'Đúng hạn (766)', late766: 'Trễ hạn (766)',
  open_ok766: 'Đang trong hạn (766)', open_late766: 'Đang trễ hạn (766)',
  received_online: 'Tiếp nhận trực tuyến', received_direct: 'Tiếp nhận trực tiếp, bưu chính',
  carried_over: 'Từ kỳ trước chuyển sang',
};
const PAGE = 50;

// ---- small helpers ----
const pad = n => String(n).padStart(2, '0');
const isoToVN = iso => (iso ? fmtDate(iso) : '');
const num = s => (s === null || s === undefined ? null : Number(s));
const slug = s => fold(s).replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '');

// The official period today falls in (cut-off: the 15th opens the next month's period).
function currentPeriod(today = todayVN()) {
  const [y, m, d] = today.split('-').map(Number);
  let py = y, pm = m;
  if (d >= 15) { pm += 1; if (pm > 12) { pm = 1; py += 1; } }
  return { year: py, month: pm, quarter: Math.ceil(pm / 3), half: pm <= 6 ? 1 : 2 };
}

function addDays(iso, n) {
  const d = new Date(iso + 'T00:00:00Z');
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}
function mondayOf(iso) {
  const d = new Date(iso + 'T00:00:00Z');
  const wd = (d.getUTCDay() + 6) % 7;
  return addDays(iso, -wd);
}
const monthOf = iso => iso.slice(0, 8) + '01';
function nextMonth(iso) {
  let [y, m] = iso.split('-').map(Number);
  m += 1; if (m > 12) { m = 1; y += 1; }
  return `${y}-${pad(m)}-01`;
}
const daysBetween = (a, b) => Math.round((Date.parse(b + 'T00:00:00Z') - Date.parse(a + 'T00:00:00Z')) / 86400000);

// Runs fn over items with at most `n` at a time.
async function pool(items, n, fn) {
  let i = 0;
  const work = async () => { while (i < items.length) { const k = i++; await fn(items[k], k); } };
  await Promise.all(Array.from({ length: Math.min(n, items.length) }, work));
}

function setFieldError(input, msg) {
  const box = input.closest('.field');
  let e = box && box.querySelector('.field-error');
  if (!msg) {
    input.removeAttribute('aria-invalid');
    if (e) e.remove();
    return;
  }
  input.setAttribute('aria-invalid', 'true');
  if (!e && box) {
    e = h('div', { class: 'field-error', id: input.id + '-err' });
    box.append(e);
    input.setAttribute('aria-errormessage', e.id);
  }
  if (e) e.textContent = msg;
}

// ---- the screen ----
export default async function render(root, ctx) {
  ctx.title('Giám sát, báo cáo');
  const cur = currentPeriod();
  const q = ctx.query;
  const st = {
    kind: KINDS[q.get('period')] ? q.get('period') : (q.get('from') ? 'range' : 'year'),
    year: Number(q.get('year')) || cur.year,
    number: Number(q.get('number')) || 0,
    from: q.get('from') || '',
    to: q.get('to') || '',
    unit: q.get('unit') || ctx.account.unit_code,
    sub: q.get('include_sub_units') !== 'false',
    by: q.get('by') === 'receiving' ? 'receiving' : 'resolving',
    rules: q.get('rules') === 'dvcqg766' ? 'dvcqg766' : 'legal',
    group: GROUPS.some(g => g.key === q.get('group')) ? q.get('group') : 'level',
    rollup: q.get('rollup') === 'children',
    interval: ['day', 'week', 'month'].includes(q.get('interval')) ? q.get('interval') : '',
    hours: Number(q.get('hours')) || 8,
    bgroup: q.get('bgroup') === 'unit' ? 'unit' : 'level',
    recipient: '',
  };
  if (!st.number) st.number = st.kind === 'month' ? cur.month : st.kind === 'quarter' ? cur.quarter : st.kind === 'half' ? cur.half : 1;

  const cleanups = [];
  let alive = true;
  let loadSeq = 0;
  let period = null;        // the period the API resolved (from, to, label)
  let lastRates = null;     // {items, total}

  // ---- reference data: names of units, fields, procedures ----
  const names = { unit: new Map(), field: new Map(), procedure: new Map(), unitRows: [] };
  // (a failed list only leaves codes instead of names; the units' error shows by the form)
  let refsError = null;
  const refs = Promise.all([
    getAll('/units', {}, 5000).then(r => { names.unitRows = r; r.forEach(u => names.unit.set(u.code, u.name)); }),
    getAll('/fields', {}, 2000).then(r => r.forEach(f => names.field.set(f.code, f.name))),
    getAll('/procedures', {}, 5000).then(r => r.forEach(p => names.procedure.set(p.code, p.name))),
  ].map(p => p.catch(e => { refsError = refsError || e; })));
  const unitName = c => names.unit.get(c) || c;

  // ---- skeleton ----
  const subtitle = h('p', { class: 'sup-sub', id: 'sup-sub' }, 'Đang tải…');
  const updated = h('span', { class: 'muted sup-updated', 'aria-live': 'off' });
  const refreshBtn = h('button', { type: 'button', class: 'sup-refresh', onclick: () => loadAll() }, 'Làm mới số liệu');
  const head = h('header', { class: 'sup-head' },
    h('div', null, h('h1', null, 'Giám sát, báo cáo'), subtitle),
    h('div', { class: 'sup-head-actions no-print' }, updated, refreshBtn));

  // filters
  const kindSel = h('select', { name: 'period' }, Object.entries(KINDS).map(([k, v]) => h('option', { value: k }, v)));
  kindSel.value = st.kind;
  const yearSel = h('select', { name: 'year' });
  for (let y = cur.year; y >= 2018; y--) yearSel.append(h('option', { value: String(y) }, String(y)));
  yearSel.value = String(st.year);
  const numSel = h('select', { name: 'number' });
  const fromInp = h('input', { name: 'from', inputmode: 'numeric', placeholder: 'dd/mm/yyyy', size: 11, autocomplete: 'off', value: isoToVN(st.from) });
  const toInp = h('input', { name: 'to', inputmode: 'numeric', placeholder: 'dd/mm/yyyy', size: 11, autocomplete: 'off', value: isoToVN(st.to) });
  const unitSel = h('select', { name: 'unit', class: 'sup-unit', id: nextId('unit') }, h('option', { value: st.unit }, st.unit));
  const subChk = h('input', { type: 'checkbox', name: 'include_sub_units', checked: st.sub });
  const bySel = h('select', { name: 'by' },
    h('option', { value: 'resolving' }, 'Đơn vị giải quyết'), h('option', { value: 'receiving' }, 'Đơn vị tiếp nhận'));
  bySel.value = st.by;
  const numField = field('Tháng', numSel);
  const yearField = field('Năm', yearSel);
  const fromField = field('Từ ngày', fromInp);
  const toField = field('Đến ngày', toInp);
  const formMsg = h('div', { class: 'sup-form-msg', 'aria-live': 'polite' });
  const subId = nextId('sub');
  subChk.id = subId;
  const rulesName = nextId('rules');
  const rulesBox = h('fieldset', { class: 'sup-rules' }, h('legend', null, 'Cách tính tỷ lệ'),
    Object.entries(RULES).map(([k, r]) => {
      const id = `${rulesName}-${k}`;
      const inp = h('input', { type: 'radio', name: rulesName, id, value: k, checked: st.rules === k,
        onchange: () => { st.rules = k; syncUrl(); renderRates(); renderKpis(); loadTrend(); } });
      return h('label', { for: id, class: 'sup-seg' }, inp, h('span', null, r.long));
    }));

  function fillNumbers() {
    const k = kindSel.value;
    numSel.replaceChildren();
    let opts = [];
    if (k === 'month') { numField.querySelector('label').textContent = 'Tháng'; opts = Array.from({ length: 12 }, (_, i) => [i + 1, `Tháng ${i + 1}`]); }
    if (k === 'quarter') { numField.querySelector('label').textContent = 'Quý'; opts = [1, 2, 3, 4].map(i => [i, `Quý ${ROMAN[i - 1]}`]); }
    if (k === 'half') { numField.querySelector('label').textContent = 'Kỳ'; opts = [[1, '6 tháng đầu năm'], [2, '6 tháng cuối năm']]; }
    opts.forEach(([v, t]) => numSel.append(h('option', { value: String(v) }, t)));
    const def = k === 'month' ? cur.month : k === 'quarter' ? cur.quarter : k === 'half' ? cur.half : 1;
    numSel.value = String(k === st.kind && st.number <= opts.length ? st.number : def);
    numField.hidden = !opts.length;
    yearField.hidden = k === 'range';
    fromField.hidden = toField.hidden = k !== 'range';
  }
  kindSel.addEventListener('change', fillNumbers);
  fillNumbers();

  const form = h('form', { class: 'card sup-filters no-print', 'aria-label': 'Chọn kỳ báo cáo và đơn vị', novalidate: true, onsubmit: ev => { ev.preventDefault(); apply(); } },
    h('div', { class: 'sup-filter-row' },
      field('Kỳ báo cáo', kindSel), numField, yearField, fromField, toField,
      h('div', { class: 'field sup-unit-field' }, h('label', { for: unitSel.id }, 'Đơn vị'), unitSel,
        h('label', { class: 'sup-check', for: subId }, subChk, ' Gồm các đơn vị trực thuộc')),
      field('Tính theo', bySel),
      h('div', { class: 'sup-apply' }, h('button', { type: 'submit', class: 'primary' }, 'Xem báo cáo'))),
    rulesBox, formMsg);

  // KPI tiles
  const kpis = h('section', { class: 'sup-kpis', 'aria-label': 'Tổng hợp kỳ báo cáo' });

  // rates
  const tabs = h('div', { class: 'tabs sup-tabs', role: 'tablist', 'aria-label': 'Nhóm số liệu' });
  const ratesPanelId = nextId('rates');
  const rollChk = h('input', { type: 'checkbox', id: nextId('roll'), checked: st.rollup,
    onchange: () => { st.rollup = rollChk.checked; syncUrl(); loadRates(); } });
  const rollBox = h('label', { class: 'sup-check sup-roll', for: rollChk.id }, rollChk, ' Cộng dồn theo đơn vị trực thuộc trực tiếp');
  const ratesBody = h('div', { id: ratesPanelId, role: 'tabpanel', class: 'sup-rates-body' });
  const GROUP_BTNS = GROUPS.map(g => {
    const b = h('button', { type: 'button', role: 'tab', id: `sup-tab-${g.key}`, 'aria-controls': ratesPanelId,
      'aria-selected': String(st.group === g.key), tabindex: st.group === g.key ? '0' : '-1',
      onclick: () => selectGroup(g.key) }, g.label);
    return b;
  });
  tabs.append(...GROUP_BTNS);
  tabs.addEventListener('keydown', ev => {
    const i = GROUPS.findIndex(g => g.key === st.group);
    let j = null;
    if (ev.key === 'ArrowRight') j = (i + 1) % GROUPS.length;
    else if (ev.key === 'ArrowLeft') j = (i - 1 + GROUPS.length) % GROUPS.length;
    else if (ev.key === 'Home') j = 0;
    else if (ev.key === 'End') j = GROUPS.length - 1;
    if (j === null) return;
    ev.preventDefault();
    selectGroup(GROUPS[j].key);
    GROUP_BTNS[j].focus();
  });
  function selectGroup(k) {
    if (st.group === k) return;
    st.group = k;
    GROUP_BTNS.forEach((b, i) => { const on = GROUPS[i].key === k; b.setAttribute('aria-selected', String(on)); b.tabIndex = on ? 0 : -1; });
    ratesBody.setAttribute('aria-labelledby', `sup-tab-${k}`);
    rollBox.hidden = k !== 'unit';
    syncUrl();
    loadRates();
  }
  ratesBody.setAttribute('aria-labelledby', `sup-tab-${st.group}`);
  rollBox.hidden = st.group !== 'unit';
  const ratesSec = h('section', { class: 'card sup-rates', id: 'sup-rates', 'aria-labelledby': 'sup-rates-h' },
    h('div', { class: 'sup-sec-head' }, h('h2', { id: 'sup-rates-h' }, 'Kết quả giải quyết và tỷ lệ đúng hạn'),
      h('p', { class: 'hint' }, 'Bấm vào một con số để xem danh sách hồ sơ tương ứng.')),
    h('div', { class: 'sup-tabs-row' }, tabs, rollBox), ratesBody);

  // trend
  const ivSel = h('select', { name: 'interval' },
    h('option', { value: '' }, 'Tự động'), h('option', { value: 'day' }, 'Ngày'), h('option', { value: 'week' }, 'Tuần'), h('option', { value: 'month' }, 'Tháng'));
  ivSel.value = st.interval;
  ivSel.addEventListener('change', () => { st.interval = ivSel.value; syncUrl(); loadTrend(); });
  const chartBox = h('div', { class: 'sup-chart' });
  const chartLegend = h('ul', { class: 'sup-legend' });
  const trendTableBox = h('div', { class: 'sup-trend-table', id: nextId('trendtbl'), hidden: true, tabindex: '0', role: 'region', 'aria-label': 'Bảng số liệu của biểu đồ' });
  const trendToggle = h('button', { type: 'button', class: 'link', 'aria-expanded': 'false', 'aria-controls': trendTableBox.id,
    onclick: () => {
      const open = trendTableBox.hidden;
      trendTableBox.hidden = !open;
      trendToggle.setAttribute('aria-expanded', String(open));
      trendToggle.textContent = open ? 'Ẩn bảng số liệu' : 'Xem số liệu dạng bảng';
    } }, 'Xem số liệu dạng bảng');
  const trendMsg = h('div');
  const trendSec = h('section', { class: 'card sup-trend', id: 'sup-trend', 'aria-labelledby': 'sup-trend-h' },
    h('div', { class: 'sup-sec-head' }, h('h2', { id: 'sup-trend-h' }, 'Diễn biến tiếp nhận và giải quyết'),
      h('div', { class: 'sup-inline no-print' }, field('Chia theo', ivSel))),
    trendMsg, h('figure', { class: 'sup-figure' }, chartBox, h('figcaption', null, chartLegend)),
    h('div', { class: 'no-print' }, trendToggle), trendTableBox);

  // alerts
  const connState = h('p', { class: 'sup-conn', role: 'status' }, h('span', { class: 'dot', 'aria-hidden': 'true' }), h('span', { class: 'txt' }, 'Đang kết nối…'));
  const alertList = h('ul', { class: 'sup-alerts' });
  const alertLog = h('div', { role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': 'Cảnh báo mới nhất', id: 'sup-alert-list' }, alertList);
  const alertsSec = h('section', { class: 'card sup-alerts-card', id: 'sup-alerts', 'aria-labelledby': 'sup-alerts-h' },
    h('div', { class: 'sup-sec-head' }, h('h2', { id: 'sup-alerts-h' }, 'Cảnh báo trực tiếp'), connState),
    alertLog);

  // overdue, due soon
  const overdueBox = h('div');
  const dueBox = h('div');
  const hoursSel = h('select', { name: 'hours' }, [[8, '8 giờ làm việc (1 ngày)'], [16, '16 giờ làm việc (2 ngày)'], [24, '24 giờ làm việc (3 ngày)'], [40, '40 giờ làm việc (5 ngày)']]
    .map(([v, t]) => h('option', { value: String(v) }, t)));
  hoursSel.value = String(st.hours);
  hoursSel.addEventListener('change', () => { st.hours = Number(hoursSel.value); syncUrl(); loadDueSoon(); });
  const overdueSec = h('section', { class: 'card sup-list', id: 'sup-overdue', 'aria-labelledby': 'sup-overdue-h' },
    h('div', { class: 'sup-sec-head' }, h('h2', { id: 'sup-overdue-h' }, 'Hồ sơ đang quá hạn'), h('span', { class: 'hint' }, 'tại thời điểm hiện tại, quá hạn nhiều nhất trước')), overdueBox);
  const dueSec = h('section', { class: 'card sup-list', id: 'sup-duesoon', 'aria-labelledby': 'sup-duesoon-h' },
    h('div', { class: 'sup-sec-head' }, h('h2', { id: 'sup-duesoon-h' }, 'Hồ sơ sắp đến hạn'), h('div', { class: 'sup-inline no-print' }, field('Trong vòng', hoursSel))), dueBox);

  // Biểu 06
  const bgroupSel = h('select', { name: 'bgroup' }, h('option', { value: 'level' }, 'Theo cấp và lĩnh vực'), h('option', { value: 'unit' }, 'Theo đơn vị giải quyết'));
  bgroupSel.value = st.bgroup;
  bgroupSel.addEventListener('change', () => { st.bgroup = bgroupSel.value; syncUrl(); loadBieu06(); });
  const recipInp = h('input', { name: 'recipient', maxlength: 200, placeholder: 'Ví dụ: Văn phòng Ủy ban nhân dân tỉnh', autocomplete: 'off',
    onchange: () => { st.recipient = recipInp.value.trim(); renderBieu06Head(); } });
  const xlsxBtn = h('button', { type: 'button', class: 'primary', onclick: () => downloadBieu06('xlsx') }, 'Tải Excel (XLSX)');
  const csvBtn = h('button', { type: 'button', onclick: () => downloadBieu06('csv') }, 'Tải CSV');
  const printBtn = h('button', { type: 'button', onclick: () => window.print() }, 'In biểu');
  const bMsg = h('div', { 'aria-live': 'polite' });
  const bieuBody = h('div', { class: 'b06-paper' });
  const bieuSec = h('section', { class: 'card sup-bieu06', id: 'sup-bieu06', 'aria-labelledby': 'sup-bieu06-h' },
    h('div', { class: 'sup-sec-head no-print' }, h('h2', { id: 'sup-bieu06-h' }, 'Biểu số 06/VPCP/KSTT: tình hình, kết quả giải quyết TTHC')),
    h('div', { class: 'sup-b06-tools no-print' }, field('Dòng của biểu', bgroupSel), field('Đơn vị nhận báo cáo', recipInp),
      h('div', { class: 'actions' }, xlsxBtn, csvBtn, printBtn)),
    bMsg, bieuBody);

  const drill = makeDrill();
  mount(root, h('div', { class: 'sup' }, head, form, kpis, ratesSec,
    h('div', { class: 'sup-grid' }, trendSec, alertsSec),
    h('div', { class: 'sup-grid sup-grid-even' }, overdueSec, dueSec),
    bieuSec, drill.dialog));

  // ---- query building ----
  function periodQuery() {
    if (st.kind === 'range') return { from: st.from, to: st.to };
    const q2 = { period: st.kind, year: st.year };
    if (['month', 'quarter', 'half'].includes(st.kind)) q2.number = st.number;
    return q2;
  }
  const scopeQuery = () => ({ unit: st.unit, include_sub_units: st.sub ? 'true' : 'false', by: st.by });
  const baseQuery = () => ({ ...periodQuery(), ...scopeQuery() });
  function syncUrl() {
    const p = new URLSearchParams();
    const pq = periodQuery();
    Object.entries(pq).forEach(([k, v]) => p.set(k, v));
    if (st.unit !== ctx.account.unit_code) p.set('unit', st.unit);
    if (!st.sub) p.set('include_sub_units', 'false');
    if (st.by !== 'resolving') p.set('by', st.by);
    if (st.rules !== 'legal') p.set('rules', st.rules);
    if (st.group !== 'level') p.set('group', st.group);
    if (st.rollup) p.set('rollup', 'children');
    if (st.interval) p.set('interval', st.interval);
    if (st.hours !== 8) p.set('hours', String(st.hours));
    if (st.bgroup !== 'level') p.set('bgroup', st.bgroup);
    try { history.replaceState(null, '', '#/giam-sat?' + p.toString()); } catch { /* ignore */ }
  }
  function periodText(p) {
    if (!p) return '';
    const range = `${fmtDate(p.from)} – ${fmtDate(p.to)}`;
    return p.label ? `${p.label} (${range})` : `Từ ${fmtDate(p.from)} đến ${fmtDate(p.to)}`;
  }
  const periodLabel = p => (p && p.label) || (p ? `Từ ${fmtDate(p.from)} đến ${fmtDate(p.to)}` : '');

  // ---- apply the filter form ----
  function apply() {
    mount(formMsg);
    const k = kindSel.value;
    [fromInp, toInp].forEach(i => setFieldError(i, null));
    if (k === 'range') {
      const f = parseDateVN(fromInp.value), t = parseDateVN(toInp.value);
      let bad = false;
      if (!f) { setFieldError(fromInp, 'Nhập ngày theo dạng dd/mm/yyyy, ví dụ 01/12/2026.'); bad = true; }
      if (!t) { setFieldError(toInp, 'Nhập ngày theo dạng dd/mm/yyyy, ví dụ 07/12/2026.'); bad = true; }
      if (!bad && f > t) { setFieldError(toInp, 'Ngày kết thúc phải không trước ngày bắt đầu.'); bad = true; }
      if (bad) { (parseDateVN(fromInp.value) ? toInp : fromInp).focus(); return; }
      st.from = f; st.to = t;
    } else {
      st.year = Number(yearSel.value);
      st.number = Number(numSel.value) || 1;
    }
    st.kind = k;
    st.unit = unitSel.value;
    st.sub = subChk.checked;
    st.by = bySel.value;
    syncUrl();
    loadAll(true);
  }

  // ---- loading ----
  async function loadAll(streamToo = false) {
    refreshBtn.disabled = true;
    try {
      await Promise.all([loadRates(), loadTrend(), loadOverdue(), loadDueSoon(), loadBieu06(), streamToo ? startAlerts() : null]);
    } finally {
      if (alive) {
        refreshBtn.disabled = false;
        updated.textContent = `Cập nhật lúc ${fmtDateTime(new Date().toISOString())}`;
      }
    }
  }

  // rates: the grouped rows and the whole scope as one row (rollup=subtree: exact points)
  async function loadRates() {
    const my = ++loadSeq;
    const q0 = { ...baseQuery(), rules: st.rules };
    ratesBody.setAttribute('aria-busy', 'true');
    if (!ratesBody.firstChild) mount(ratesBody, h('p', { class: 'loading' }, 'Đang tải…'));
    try {
      const rq = { ...q0, group: st.group };
      if (st.group === 'unit' && st.rollup) rq.rollup = 'children';
      const tq = st.sub ? { ...q0, group: 'unit', rollup: 'subtree' } : { ...q0, group: 'unit' };
      const [rows, tot] = await Promise.all([get('/stats/ontime', rq), get('/stats/ontime', tq), refs]);
      if (!alive || my !== loadSeq) return;
      period = rows.period;
      const total = tot.items.length === 1 ? tot.items[0] : sumRows(tot.items);
      lastRates = { items: rows.items || [], total };
      mount(subtitle, h('span', { class: 'sup-period' }, periodText(period)), ' · ',
        h('span', null, unitName(st.unit)), st.sub ? ' và các đơn vị trực thuộc' : '');
      renderRates();
      renderKpis();
    } catch (e) {
      if (!alive || my !== loadSeq) return;
      lastRates = null;
      mount(ratesBody, errorBox(e));
      mount(kpis);
      mount(subtitle, 'Không tải được số liệu.');
    } finally {
      ratesBody.removeAttribute('aria-busy');
    }
  }

  function sumRows(items) {
    const z = { received: 0, received_online: 0, received_direct: 0, carried_over: 0, resolved: 0, early: 0, on_time: 0, late: 0,
      open: 0, open_in_time: 0, open_overdue: 0, on_time_rate: null, dvcqg766: { ended_on_time: 0, ended_late: 0, open_in_time: 0, open_late: 0, rate: null, points: null } };
    for (const r of items) {
      for (const k of Object.keys(z)) if (typeof z[k] === 'number') z[k] += r[k] || 0;
      for (const k of ['ended_on_time', 'ended_late', 'open_in_time', 'open_late']) z.dvcqg766[k] += (r.dvcqg766 || {})[k] || 0;
    }
    const rate = (a, b) => (b ? (Math.floor((2 * a * 10000 + b) / (2 * b)) / 100).toFixed(2) : null);
    z.on_time_rate = rate(z.early + z.on_time, z.early + z.on_time + z.late);
    z.dvcqg766.rate = rate(z.dvcqg766.ended_on_time + z.dvcqg766.open_in_time, z.received + z.carried_over);
    return z;
  }

  function rowName(key) {
    if (!key) return 'Tổng cộng';
    if (st.group === 'level') return LEVELS[key.level] || key.level;
    if (st.group === 'unit') return unitName(key.unit);
    if (st.group === 'field') return names.field.get(key.field) || key.field;
    if (st.group === 'procedure') return names.procedure.get(key.procedure) || key.procedure;
    if (st.group === 'channel') return CHANNELS[key.channel] || `Kênh ${key.channel}`;
    return '';
  }
  function rowCode(key) {
    if (!key) return null;
    if (st.group === 'unit') return key.unit;
    if (st.group === 'procedure') return key.procedure;
    if (st.group === 'field') return key.field;
    return null;
  }
  // The key parameters of /stats/ontime/dossiers for a row of the current grouping.
  function keyParams(key) {
    if (!key) return {};
    if (st.group === 'unit') return { key_unit: key.unit, rollup: st.rollup ? 'children' : undefined };
    if (st.group === 'level') return { level: key.level };
    if (st.group === 'field') return { field: key.field };
    if (st.group === 'procedure') return { procedure: key.procedure };
    if (st.group === 'channel') return { channel: key.channel };
    return {};
  }
  function sortRows(items) {
    const a = items.slice();
    if (st.group === 'level') a.sort((x, y) => LEVEL_ORDER.indexOf(x.key.level) - LEVEL_ORDER.indexOf(y.key.level));
    else if (st.group === 'channel') a.sort((x, y) => Number(x.key.channel) - Number(y.key.channel));
    else if (st.group === 'unit') a.sort((x, y) => String(x.key.unit).localeCompare(String(y.key.unit)));
    else a.sort((x, y) => rowName(x.key).localeCompare(rowName(y.key), 'vi'));
    return a;
  }

  // A figure: a button opening its dossiers (0: plain text, nothing to list).
  function figure(value, cell, key, colLabel) {
    if (value === null || value === undefined) return '—';
    if (!value || !cell) return h('span', { class: 'sup-zero' }, fmtInt(value));
    const who = rowName(key);
    return h('button', { type: 'button', class: 'link sup-fig', dataset: { cell, n: String(value) },
      'aria-label': `${fmtInt(value)} hồ sơ ${colLabel.toLowerCase()}, ${who}: xem danh sách`,
      onclick: ev => drill.open({ cell, key, value, title: `${CELL_NAME[cell] || colLabel} — ${who}`, opener: ev.currentTarget }) }, fmtInt(value));
  }
  function rateCell(rate, extra) {
    if (rate === null || rate === undefined) return h('span', { class: 'muted', title: 'Không có hồ sơ để tính' }, 'N/A');
    const bar = h('span', { class: 'sup-rate-bar' });
    bar.style.width = `${Math.max(0, Math.min(100, Number(rate)))}%`;
    const lvl = Number(rate) >= 90 ? 'good' : Number(rate) >= 70 ? 'mid' : 'bad';
    return h('span', { class: `sup-rate sup-rate-${lvl}` }, h('span', { class: 'sup-rate-track', 'aria-hidden': 'true' }, bar),
      h('span', { class: 'sup-rate-num' }, fmtPct(rate)), extra || null);
  }

  const LEGAL_COLS = [
    { label: 'Trước hạn', get: r => r.early, cell: 'early' },
    { label: 'Đúng hạn', get: r => r.on_time, cell: 'on_time' },
    { label: 'Quá hạn', get: r => r.late, cell: 'late' },
    { label: 'Đang quá hạn', get: r => r.open_overdue, cell: 'open_overdue' },
    { label: 'Tỷ lệ đúng hạn', rate: r => r.on_time_rate },
  ];
  const D766_COLS = [
    { label: 'Đúng hạn', get: r => (r.dvcqg766 || {}).ended_on_time, cell: 'ok766' },
    { label: 'Trễ hạn', get: r => (r.dvcqg766 || {}).ended_late, cell: 'late766' },
    { label: 'Đang trong hạn', get: r => (r.dvcqg766 || {}).open_in_time, cell: 'open_ok766' },
    { label: 'Đang trễ hạn', get: r => (r.dvcqg766 || {}).open_late, cell: 'open_late766' },
    { label: 'Chỉ số 2.1', rate: r => (r.dvcqg766 || {}).rate },
    { label: 'Điểm', points: r => (r.dvcqg766 || {}).points },
  ];
  const COMMON_COLS = [
    { label: 'Tiếp nhận mới', get: r => r.received, cell: 'received' },
    { label: 'Từ kỳ trước', get: r => r.carried_over, cell: 'carried_over' },
    { label: 'Đã giải quyết', get: r => r.resolved, cell: 'resolved' },
    { label: 'Đang giải quyết', get: r => r.open, cell: 'open' },
  ];

  function renderRates() {
    if (!lastRates) return;
    const g = GROUPS.find(x => x.key === st.group);
    const sets = st.rules === 'legal'
      ? [{ id: 'legal', title: RULES.legal.long, cols: LEGAL_COLS }, { id: 'dvcqg766', title: RULES.dvcqg766.long, cols: D766_COLS }]
      : [{ id: 'dvcqg766', title: RULES.dvcqg766.long, cols: D766_COLS }, { id: 'legal', title: RULES.legal.long, cols: LEGAL_COLS }];
    const cols = [...COMMON_COLS.map(c => ({ ...c, set: 'common' })), ...sets.flatMap(s => s.cols.map(c => ({ ...c, set: s.id })))];
    const cellOf = (r, key, c, i) => {
      const cls = `num set-${c.set}${i === 0 || cols[i - 1].set !== c.set ? ' set-start' : ''}${c.set === st.rules ? ' headline' : ''}`;
      let v;
      if (c.rate) v = rateCell(c.rate(r));
      else if (c.points) { const p = c.points(r); v = p === null || p === undefined ? h('span', { class: 'muted' }, '—') : h('span', { class: 'sup-points' }, String(p).replace('.', ',')); }
      else v = figure(c.get(r), c.cell, key, c.label);
      return h('td', { class: cls, dataset: { col: c.cell || (c.rate ? `rate-${c.set}` : 'points') } }, v);
    };
    const items = sortRows(lastRates.items);
    const thead = h('thead', null,
      h('tr', null,
        h('th', { scope: 'col', rowspan: '2', class: 'sup-name-col' }, g.head),
        h('th', { scope: 'colgroup', colspan: String(COMMON_COLS.length), class: 'set-start' }, 'Số hồ sơ'),
        sets.map(s => h('th', { scope: 'colgroup', colspan: String(s.cols.length), class: `set-start set-${s.id}${s.id === st.rules ? ' headline' : ''}` }, s.title))),
      h('tr', null, cols.map((c, i) => h('th', { scope: 'col', class: `num set-${c.set}${i === 0 || cols[i - 1].set !== c.set ? ' set-start' : ''}${c.set === st.rules ? ' headline' : ''}` }, c.label))));
    const tbody = h('tbody', null, items.map(r => {
      const code = rowCode(r.key);
      return h('tr', { dataset: { key: JSON.stringify(r.key) } },
        h('th', { scope: 'row', class: 'sup-name' }, h('span', null, rowName(r.key)), code ? h('span', { class: 'sup-code' }, code) : null),
        cols.map((c, i) => cellOf(r, r.key, c, i)));
    }));
    const tfoot = h('tfoot', null, h('tr', { class: 'sup-total', dataset: { key: 'total' } },
      h('th', { scope: 'row', class: 'sup-name' }, 'Tổng cộng'), cols.map((c, i) => cellOf(lastRates.total, null, c, i))));
    const tableEl = items.length
      ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid sup-rates-table', id: 'sup-rates-table' },
        h('caption', { class: 'sr-only' }, `Kết quả giải quyết ${g.label.toLowerCase()}, ${periodLabel(period)}`), thead, tbody, tfoot))
      : h('p', { class: 'empty' }, 'Không có hồ sơ nào trong kỳ và phạm vi đã chọn.');
    mount(ratesBody, tableEl,
      h('p', { class: 'hint sup-notes' },
        'Tỷ lệ đúng hạn theo quy định = (trước hạn + đúng hạn) / số đã giải quyết. ',
        'Chỉ số 2.1 (Bộ chỉ số 766) = (giải quyết đúng hạn + đang trong hạn) / (tiếp nhận + từ kỳ trước); thời gian chờ bổ sung không tính. ',
        'Phân loại tại ngày cuối kỳ.'));
  }

  function renderKpis() {
    if (!lastRates) return;
    const t = lastRates.total, d = t.dvcqg766 || {};
    const tile = (label, value, sub, cls) => h('div', { class: `sup-kpi ${cls || ''}` },
      h('div', { class: 'sup-kpi-label' }, label), h('div', { class: 'sup-kpi-value' }, value), sub ? h('div', { class: 'sup-kpi-sub' }, sub) : null);
    const pct = r => (r === null || r === undefined ? 'N/A' : fmtPct(r));
    mount(kpis,
      tile('Tiếp nhận mới trong kỳ', fmtInt(t.received), `trực tuyến ${fmtInt(t.received_online)} · kỳ trước chuyển sang ${fmtInt(t.carried_over)}`),
      tile('Đã giải quyết', fmtInt(t.resolved), `trước hạn ${fmtInt(t.early)} · đúng hạn ${fmtInt(t.on_time)} · quá hạn ${fmtInt(t.late)}`),
      tile('Đang giải quyết', fmtInt(t.open), `trong đó quá hạn ${fmtInt(t.open_overdue)}`, t.open_overdue ? 'warn' : ''),
      tile(RULES.legal.long, pct(t.on_time_rate), 'tỷ lệ giải quyết đúng hạn', `rate${st.rules === 'legal' ? ' headline' : ''}`),
      tile(RULES.dvcqg766.long, pct(d.rate), d.points !== null && d.points !== undefined ? `chỉ số 2.1 · ${String(d.points).replace('.', ',')} điểm` : 'chỉ số 2.1', `rate${st.rules === 'dvcqg766' ? ' headline' : ''}`));
  }

  // ---- trend ----
  let chart = null;
  cleanups.push(() => chart && chart.destroy());
  function autoInterval() {
    if (st.kind === 'month') return 'day';
    if (st.kind === 'quarter') return 'week';
    if (st.kind === 'range') {
      const n = daysBetween(st.from, st.to);
      return n <= 45 ? 'day' : n <= 200 ? 'week' : 'month';
    }
    return 'month';
  }
  let trendSeq = 0;
  async function loadTrend() {
    const my = ++trendSeq;
    const interval = st.interval || autoInterval();
    try {
      const r = await get('/stats/trend', { ...baseQuery(), interval, rules: st.rules });
      if (!alive || my !== trendSeq) return;
      mount(trendMsg);
      drawTrend(r, interval);
    } catch (e) {
      if (!alive || my !== trendSeq) return;
      mount(trendMsg, errorBox(e));
      chartBox.replaceChildren();
      chartLegend.replaceChildren();
      trendTableBox.replaceChildren();
    }
  }
  function drawTrend(r, interval) {
    const p = r.period || period;
    const byBucket = new Map((r.items || []).map(it => [it.bucket, it]));
    // every bucket from the period start to its end (or today), empty ones as zeros
    const first = { day: x => x, week: mondayOf, month: monthOf }[interval];
    const step = { day: x => addDays(x, 1), week: x => addDays(x, 7), month: nextMonth }[interval];
    const today = todayVN();
    const end = p && p.to < today ? p.to : today;
    const buckets = [];
    if (p && p.from <= end) for (let b = first(p.from); b <= end && buckets.length < 800; b = step(b)) buckets.push(b);
    for (const b of byBucket.keys()) if (!buckets.includes(b)) buckets.push(b);
    buckets.sort();
    const rows = buckets.map(b => byBucket.get(b) || { bucket: b, received: 0, resolved: 0, early: 0, on_time: 0, late: 0, on_time_rate: null, dvcqg766: { rate: null } });
    const lab = b => (interval === 'month' ? `${b.slice(5, 7)}/${b.slice(0, 4)}` : `${b.slice(8, 10)}/${b.slice(5, 7)}`);
    const tip = b => (interval === 'month' ? `Tháng ${b.slice(5, 7)}/${b.slice(0, 4)}` : interval === 'week' ? `Tuần từ ${fmtDate(b)}` : fmtDate(b));
    const rateOf = it => num(st.rules === 'dvcqg766' ? (it.dvcqg766 || {}).rate : it.on_time_rate);
    const rateName = st.rules === 'dvcqg766' ? 'Tỷ lệ đúng hạn (766)' : 'Tỷ lệ đúng hạn (theo quy định)';
    const sumRec = rows.reduce((a, x) => a + x.received, 0), sumRes = rows.reduce((a, x) => a + x.resolved, 0);
    const peak = rows.reduce((a, x) => (x.received > (a ? a.received : -1) ? x : a), null);
    const unitWord = { day: 'ngày', week: 'tuần', month: 'tháng' }[interval];
    const dense = rows.length > 62;
    const label = `Biểu đồ cột số hồ sơ tiếp nhận và đã giải quyết theo ${unitWord}, ${periodLabel(p)}${dense ? '' : `, kèm đường ${rateName.toLowerCase()}`}. `
      + `Tổng ${fmtInt(sumRec)} hồ sơ tiếp nhận, ${fmtInt(sumRes)} hồ sơ đã giải quyết`
      + (peak && peak.received ? `; tiếp nhận nhiều nhất ${fmtInt(peak.received)} hồ sơ (${tip(peak.bucket).toLowerCase()}).` : '.')
      + ' Số liệu chi tiết có ở bảng bên dưới biểu đồ.';
    if (chart) chart.destroy();
    chart = barLineChart(chartBox, {
      labels: rows.map(x => lab(x.bucket)), tips: rows.map(x => tip(x.bucket)), label,
      bars: [{ name: 'Tiếp nhận', cls: 'received', values: rows.map(x => x.received) },
        { name: 'Đã giải quyết', cls: 'resolved', values: rows.map(x => x.resolved) }],
      // a rate per day over months is noise (a bucket of one dossier is 0 or 100 %): no line then
      line: dense ? null : { name: rateName, cls: 'rate', values: rows.map(rateOf) },
    });
    mount(chartLegend,
      h('li', null, h('span', { class: 'sw received', 'aria-hidden': 'true' }), 'Tiếp nhận (trục trái)'),
      h('li', null, h('span', { class: 'sw resolved', 'aria-hidden': 'true' }), 'Đã giải quyết (trục trái)'),
      dense ? h('li', { class: 'muted' }, 'Tỷ lệ đúng hạn: chia theo tuần hoặc tháng để xem đường tỷ lệ (hoặc xem bảng số liệu).')
        : h('li', null, h('span', { class: 'sw rate', 'aria-hidden': 'true' }), `${rateName} (trục phải)`));
    const shown = rows.filter(x => x.received || x.resolved);
    mount(trendTableBox, shown.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid sup-trend-data' },
      h('caption', null, `Số liệu theo ${unitWord} (chỉ các ${unitWord} có hồ sơ)`),
      h('thead', null, h('tr', null, ['Thời gian', 'Tiếp nhận', 'Đã giải quyết', 'Trước hạn', 'Đúng hạn', 'Quá hạn', rateName]
        .map((t, i) => h('th', { scope: 'col', class: i ? 'num' : null }, t)))),
      h('tbody', null, shown.map(x => h('tr', null, h('th', { scope: 'row' }, tip(x.bucket)),
        [x.received, x.resolved, x.early, x.on_time, x.late].map(v => h('td', { class: 'num' }, fmtInt(v))),
        h('td', { class: 'num' }, rateOf(x) === null ? 'N/A' : fmtPct(st.rules === 'dvcqg766' ? x.dvcqg766.rate : x.on_time_rate))))))) :
      h('p', { class: 'empty' }, 'Không có hồ sơ trong kỳ.'));
  }

  // ---- overdue and due soon (now) ----
  function dueList(box, path, extra, kind) {
    let seq = 0;
    const load = async () => {
      const my = ++seq;
      const items = [];
      let cursor = null;
      const tbody = h('tbody');
      const more = h('button', { type: 'button', class: 'sup-more' }, 'Xem thêm');
      const cnt = h('p', { class: 'hint sup-count' });
      const draw = rows => rows.forEach(it => {
        const due = it.new_appointment_at || it.legal_due_at;
        tbody.append(h('tr', { dataset: { code: it.code } },
          h('td', null,
            h('div', { class: 'sup-due-code' }, h('a', { href: `#/ho-so/${encodeURIComponent(it.code)}`, class: 'sup-dcode' }, it.code),
              stateBadge(it.state), it.paused ? h('span', { class: 'badge sup-paused' }, 'Đang tạm dừng') : null),
            h('div', { class: 'sup-proc', title: (it.procedure && it.procedure.name) || '' }, (it.procedure && it.procedure.name) || '—')),
          h('td', null, (it.current_unit && it.current_unit.name) || '—',
            it.official ? h('div', { class: 'muted' }, it.official.name || it.official.login || String(it.official)) : null),
          h('td', null, h('div', { class: 'nowrap' }, fmtDateTime(due), it.new_appointment_at ? h('span', { class: 'muted' }, ' (hẹn lại)') : null),
            h('div', { class: kind === 'overdue' ? 'sup-late' : 'sup-soon' },
              kind === 'overdue' ? fmtWorkMinutes(-(it.overdue_working_minutes || 0)) : fmtWorkMinutes(it.remaining_working_minutes)))));
      });
      const page = async () => {
        more.disabled = true;
        try {
          const r = await get(path, { ...scopeQuery(), ...extra(), limit: 10, cursor: cursor || undefined });
          if (!alive || my !== seq) return false;
          items.push(...r.items);
          cursor = r.next_cursor;
          draw(r.items);
          more.hidden = !cursor;
          cnt.textContent = `Đang hiển thị ${fmtInt(items.length)} hồ sơ${cursor ? ' (còn nữa)' : ''}, tính đến ${fmtDateTime(r.as_of)}.`;
          return true;
        } finally { more.disabled = false; }
      };
      more.addEventListener('click', async () => {
        try { await page(); } catch (e) { toast(errorText(e), 'error'); }
      });
      try {
        if (!box.firstChild) mount(box, h('p', { class: 'loading' }, 'Đang tải…'));
        if (!await page()) return;
        if (!items.length) { mount(box, h('p', { class: 'empty' }, kind === 'overdue' ? 'Không có hồ sơ quá hạn.' : 'Không có hồ sơ sắp đến hạn.')); return; }
        mount(box, h('div', { class: 'table-wrap' }, h('table', { class: 'grid sup-due' },
          h('caption', { class: 'sr-only' }, kind === 'overdue' ? 'Hồ sơ đang quá hạn' : 'Hồ sơ sắp đến hạn'),
          h('thead', null, h('tr', null, ['Hồ sơ, thủ tục', 'Đơn vị đang xử lý', kind === 'overdue' ? 'Hạn giải quyết, quá hạn' : 'Hạn giải quyết, còn lại']
            .map((t, i) => h('th', { scope: 'col', class: `c${i}` }, t)))), tbody)), cnt, h('div', { class: 'no-print' }, more));
      } catch (e) {
        if (alive && my === seq) mount(box, errorBox(e));
      }
    };
    return load;
  }
  const loadOverdue = dueList(overdueBox, '/stats/overdue', () => ({}), 'overdue');
  const loadDueSoon = dueList(dueBox, '/stats/due-soon', () => ({ hours: st.hours }), 'due_soon');

  // ---- live alerts ----
  let sse = null;
  const seen = new Set();
  cleanups.push(() => { if (sse) sse.close(); sse = null; });
  function setConn(s) {
    if (!alive) return;
    connState.dataset.state = s;
    connState.querySelector('.txt').textContent = {
      connecting: 'Đang kết nối…', open: 'Đang kết nối trực tiếp', retry: 'Mất kết nối, đang thử lại', closed: 'Đã ngắt kết nối',
    }[s] || s;
  }
  function alertText(a) {
    const p = a.payload || {};
    if (a.kind === 'due_soon') return `sắp đến hạn ${fmtDateTime(p.due_at)}${p.remaining_working_minutes !== undefined ? ` (${fmtWorkMinutes(p.remaining_working_minutes)})` : ''}`;
    if (a.kind === 'overdue') return `đã quá hạn ${p.new_appointment ? 'hẹn lại ' : ''}${fmtDateTime(p.due_at)}`;
    if (a.kind === 'supplement_awaited') return `chờ bổ sung quá ${p.working_days || ''} ngày làm việc (yêu cầu lúc ${fmtDateTime(p.requested_at)})`;
    if (a.kind === 'leg_late') return `bước liên thông ${p.leg || ''} quá thời hạn dự kiến ${fmtDateTime(p.planned_end_at)}`;
    return a.kind;
  }
  function alertItem(a, fresh) {
    if (!a.dossier && /^calendar_/.test(a.kind)) {
      // the calendar horizon (administrators): next year's schedule not loaded, or loaded now
      const p = a.payload || {};
      const text = a.kind === 'calendar_unannounced'
        ? `Chưa nạp lịch nghỉ năm ${p.year}: ngày hẹn sau ${p.last_announced_day ? fmtDate(p.last_announced_day) : '31/12'} đang tính theo lịch dự kiến.`
        : `Đã nạp lịch nghỉ năm ${p.year}.`;
      return h('li', { class: `sup-alert k-${a.kind}${fresh ? ' is-new' : ''}`, dataset: { id: String(a.id), kind: a.kind } },
        h('span', { class: `badge sup-ak k-${a.kind}` }, ALERT_KINDS[a.kind] || 'Lịch làm việc'),
        h('div', { class: 'sup-alert-body' },
          h('div', null, text, ' ', h('a', { href: `#/quan-tri/lich?nam=${p.year}` }, 'Mở lịch làm việc')),
          h('div', { class: 'muted' }, fmtDateTime(a.created_at), fresh ? h('span', { class: 'sup-newtag' }, ' · mới') : null)));
    }
    if (/^pakn_/.test(a.kind)) {
      // a phản ánh, kiến nghị: no dossier; the register (#/phan-anh) has no page per PAKN
      const p = a.payload || {};
      const what = `${a.kind === 'pakn_overdue' ? 'đã quá' : 'sắp đến'} ${PAKN_DEADLINES[p.deadline] || 'hạn'} ${fmtDateTime(p.due_at)}`;
      const left = a.kind === 'pakn_due_soon' && p.remaining_working_minutes !== undefined ? ` (${fmtWorkMinutes(p.remaining_working_minutes)})` : '';
      return h('li', { class: `sup-alert k-${a.kind}${fresh ? ' is-new' : ''}`, dataset: { id: String(a.id), kind: a.kind } },
        h('span', { class: `badge sup-ak k-${a.kind}` }, ALERT_KINDS[a.kind]),
        h('div', { class: 'sup-alert-body' },
          h('div', null, 'Phản ánh, kiến nghị ', h('a', { href: '#/phan-anh' }, `số ${a.pakn_id}`), ' ', what + left),
          h('div', { class: 'muted' }, unitName(a.unit), ' · ', fmtDateTime(a.created_at), fresh ? h('span', { class: 'sup-newtag' }, ' · mới') : null)));
    }
    const code = a.dossier || (a.payload || {}).code;
    return h('li', { class: `sup-alert k-${a.kind}${fresh ? ' is-new' : ''}`, dataset: { id: String(a.id), kind: a.kind } },
      h('span', { class: `badge sup-ak k-${a.kind}` }, ALERT_KINDS[a.kind] || a.kind),
      h('div', { class: 'sup-alert-body' },
        h('div', null, 'Hồ sơ ', h('a', { href: `#/ho-so/${encodeURIComponent(code)}`, class: 'sup-dcode' }, code), ' ', alertText(a)),
        h('div', { class: 'muted' }, unitName(a.unit), ' · ', fmtDateTime(a.created_at), fresh ? h('span', { class: 'sup-newtag' }, ' · mới') : null)));
  }
  function addAlert(a, fresh) {
    if (!a || seen.has(a.id)) return;
    seen.add(a.id);
    const empty = alertList.querySelector('.sup-alert-empty');
    if (empty) empty.remove();
    alertList.prepend(alertItem(a, fresh));
    while (alertList.children.length > 60) alertList.lastElementChild.remove();
  }
  async function startAlerts() {
    if (sse) { sse.close(); sse = null; }
    seen.clear();
    alertList.replaceChildren(h('li', { class: 'loading' }, 'Đang tải…'));
    setConn('connecting');
    const sq = { unit: st.unit, include_sub_units: st.sub ? 'true' : 'false' };
    let lastId = null;
    try {
      const [r] = await Promise.all([get('/alerts', { ...sq, limit: 20 }), refs]);
      if (!alive) return;
      alertList.replaceChildren();
      const items = (r.items || []).slice().reverse();
      items.forEach(a => addAlert(a, false));
      if (!items.length) alertList.append(h('li', { class: 'empty sup-alert-empty' }, 'Chưa có cảnh báo.'));
      if (items.length) lastId = String(items[items.length - 1].id);
    } catch (e) {
      if (!alive) return;
      alertList.replaceChildren(h('li', null, errorBox(e)));
    }
    if (!alive) return;
    sse = stream('/alerts/stream', {
      query: sq, lastEventId: lastId,
      onState: setConn,
      onEvent: ev => {
        if (!alive) return;
        let a;
        try { a = JSON.parse(ev.data); } catch { return; }
        if (!a || !a.id) return;
        const isNew = !seen.has(a.id);
        addAlert(a, true);
        if (isNew) refreshSoon();
      },
    });
  }
  // a new alert changes the overdue and due-soon lists: reload them (at most every 5 s)
  let refreshTimer = null;
  function refreshSoon() {
    if (refreshTimer) return;
    refreshTimer = setTimeout(() => { refreshTimer = null; if (alive) { loadOverdue(); loadDueSoon(); } }, 5000);
  }
  cleanups.push(() => clearTimeout(refreshTimer));

  // ---- Biểu 06 ----
  let bieu = null;
  let bSeq = 0;
  const b06Head = h('div', { class: 'b06-head' });
  function renderBieu06Head() {
    if (!bieu) return;
    mount(b06Head,
      h('div', { class: 'b06-top' },
        h('div', null, h('div', null, 'Đơn vị báo cáo: ', h('strong', null, bieu.unit || unitName(st.unit))),
          h('div', null, 'Đơn vị nhận báo cáo: ', st.recipient ? h('strong', null, st.recipient) : h('span', { class: 'b06-blank' }, '…………………………'))),
        h('div', { class: 'b06-form' }, bieu.form || 'Biểu số 06/VPCP/KSTT')),
      h('h3', { class: 'b06-title' }, bieu.title),
      h('p', { class: 'b06-period' }, bieu.period.label
        ? `Kỳ báo cáo: ${bieu.period.label} (Từ ngày ${fmtDate(bieu.period.from)} đến ngày ${fmtDate(bieu.period.to)})`
        : `Kỳ báo cáo: Từ ngày ${fmtDate(bieu.period.from)} đến ngày ${fmtDate(bieu.period.to)}`),
      h('p', { class: 'b06-uom' }, `Đơn vị tính: ${bieu.unit_of_measure || 'Số hồ sơ TTHC'}`));
  }
  async function loadBieu06() {
    const my = ++bSeq;
    mount(bMsg);
    try {
      const r = await get('/reports/bieu06', { ...baseQuery(), group: st.bgroup });
      if (!alive || my !== bSeq) return;
      bieu = r;
      renderBieu06Head();
      const c = r.columns || [];
      const th = (t, a = {}) => h('th', { scope: 'col', ...a }, t);
      const table = h('table', { class: 'b06', id: 'sup-b06-table' },
        h('caption', { class: 'sr-only' }, `${r.form}: ${r.title}, ${periodLabel(r.period)}`),
        h('thead', null,
          h('tr', null, th('STT', { rowspan: '2' }), th(c[1] || 'Lĩnh vực, công việc giải quyết theo cấp', { rowspan: '2', class: 'b06-label' }),
            th('Số hồ sơ nhận giải quyết', { colspan: '4', scope: 'colgroup' }), th('Số hồ sơ đã giải quyết', { colspan: '4', scope: 'colgroup' }),
            th('Số hồ sơ đang giải quyết', { colspan: '3', scope: 'colgroup' })),
          h('tr', null, ['Tổng số', 'Trong đó: Trực tuyến', 'Trực tiếp, dịch vụ bưu chính', 'Từ kỳ trước', 'Tổng số', 'Trước hạn', 'Đúng hạn', 'Quá hạn', 'Tổng số', 'Trong hạn', 'Quá hạn'].map(t => th(t))),
          h('tr', { class: 'b06-nums' }, Array.from({ length: 13 }, (_, i) => h('td', null, `(${i + 1})`)))),
        h('tbody', null, (r.rows || []).map(row => h('tr', { class: `b06-${row.kind}`, dataset: { kind: row.kind, key: row.key || '' } },
          h('td', { class: 'b06-stt' }, row.stt),
          h(row.kind === 'data' ? 'td' : 'th', row.kind === 'data' ? { class: 'b06-label' } : { scope: 'row', class: 'b06-label' }, row.label),
          row.cells.map(v => h('td', { class: 'num' }, fmtInt(v)))))));
      mount(bieuBody, b06Head, h('div', { class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': 'Bảng Biểu số 06' }, table),
        h('div', { class: 'b06-sign' }, h('div', null, h('div', { class: 'b06-place' }, (([y, m, d]) => `…………, ngày ${d} tháng ${m} năm ${y}`)(todayVN().split('-'))),
          h('strong', null, 'THỦ TRƯỞNG ĐƠN VỊ'), h('div', { class: 'muted' }, '(Ký, ghi rõ họ tên, đóng dấu)'))));
    } catch (e) {
      if (!alive || my !== bSeq) return;
      bieu = null;
      mount(bieuBody);
      mount(bMsg, errorBox(e));
    }
  }
  async function downloadBieu06(format) {
    const btn = format === 'xlsx' ? xlsxBtn : csvBtn;
    btn.disabled = true;
    mount(bMsg);
    try {
      const query = { ...baseQuery(), group: st.bgroup, format, recipient: st.recipient || undefined };
      const blob = await download('/reports/bieu06', query);
      // (period_label of an explicit range has ISO dates: the label is built here then)
      const label = periodLabel(bieu ? bieu.period : period);
      let name = `bieu06-${slug(label) || 'bao-cao'}`;
      if (st.unit !== ctx.account.unit_code) name += `-${st.unit}`;
      if (st.bgroup === 'unit') name += '-theo-don-vi';
      saveBlob(blob, `${name}.${format}`);
      toast(`Đã tải ${name}.${format}`, 'ok');
    } catch (e) {
      mount(bMsg, errorBox(e));
    } finally {
      btn.disabled = false;
    }
  }

  // ---- the drill-down dialog ----
  function makeDrill() {
    const titleId = nextId('drill');
    const title = h('h2', { id: titleId }, '');
    const meta = h('p', { class: 'muted sup-drill-meta' });
    const body = h('div', { class: 'sup-drill-body' });
    const closeBtn = h('button', { type: 'button', class: 'sup-drill-close', onclick: () => close() }, 'Đóng');
    const dialog = h('dialog', { class: 'sup-drill', 'aria-labelledby': titleId },
      h('div', { class: 'sup-drill-head' }, h('div', null, title, meta), closeBtn), body);
    let opener = null;
    let seq = 0;
    dialog.addEventListener('cancel', ev => { ev.preventDefault(); close(); });
    dialog.addEventListener('click', ev => { if (ev.target === dialog) close(); });
    dialog.addEventListener('click', ev => {
      const a = ev.target.closest && ev.target.closest('a[href^="#/"]');
      if (a) close(false);
    });
    function close(refocus = true) {
      seq++;
      if (dialog.open) dialog.close();
      if (refocus && opener && opener.isConnected) opener.focus();
    }
    async function open({ cell, key, value, title: t, opener: op }) {
      const my = ++seq;
      opener = op;
      title.textContent = `Hồ sơ: ${t}`;
      const ruled = CELL_CLASS[cell] ? ` · ${RULES[/766$/.test(cell) ? 'dvcqg766' : 'legal'].long}` : '';
      meta.textContent = `${periodText(period)} · ${fmtInt(value)} hồ sơ${ruled}`;
      mount(body, h('p', { class: 'loading' }, 'Đang tải…'));
      if (!dialog.open) dialog.showModal();
      closeBtn.focus();
      const q2 = { ...baseQuery(), cell, ...keyParams(key), limit: PAGE };
      let cursor = null, n = 0;
      const tbody = h('tbody');
      const more = h('button', { type: 'button' }, 'Tải thêm');
      const count = h('p', { class: 'hint', 'aria-live': 'polite' });
      const rules766 = ['ok766', 'late766', 'open_ok766', 'open_late766'].includes(cell);
      const page = async () => {
        more.disabled = true;
        const r = await get('/stats/ontime/dossiers', { ...q2, cursor: cursor || undefined });
        if (my !== seq || !alive) return false;
        cursor = r.next_cursor;
        const rows = r.items.map(it => {
          const applicant = h('td', { class: 'sup-appl' }, h('span', { class: 'muted' }, '…'));
          const cls = h('td', null, CELL_CLASS[cell] ? classBadge(CELL_CLASS[cell]) : h('span', { class: 'muted' }, '…'));
          const tr = h('tr', { dataset: { code: it.code } },
            h('td', { class: 'num' }, String(++n)),
            h('td', null, h('a', { href: `#/ho-so/${encodeURIComponent(it.code)}`, class: 'sup-dcode' }, it.code)),
            applicant,
            h('td', null, names.procedure.get(it.procedure) || it.procedure, h('div', { class: 'muted' }, unitName(it.unit))),
            h('td', null, CHANNELS[it.channel] || '—'),
            h('td', { class: 'nowrap' }, fmtDateTime(it.received_at)),
            h('td', { class: 'nowrap' }, fmtDateTime(it.appointment_at)),
            h('td', { class: 'nowrap' }, fmtDateTime(it.legal_due_at)),
            h('td', { class: 'nowrap' }, it.ended_at ? fmtDateTime(it.ended_at) : h('span', { class: 'muted' }, 'đang giải quyết')),
            cls);
          tr._fill = async () => {
            try {
              const d = await get(`/dossiers/${encodeURIComponent(it.code)}`);
              mount(applicant, (d.applicant && d.applicant.name) || '—');
              if (!CELL_CLASS[cell]) {
                const k = d.classification && d.classification[rules766 ? 'dvcqg766' : 'legal'];
                mount(cls, k ? classBadge(k) : '—');
              }
            } catch {
              mount(applicant, h('span', { class: 'muted' }, 'không xem được'));
              if (!CELL_CLASS[cell]) mount(cls, '—');
            }
          };
          return tr;
        });
        tbody.append(...rows);
        more.hidden = !cursor;
        more.disabled = false;
        count.textContent = `Đã hiện ${fmtInt(n)} / ${fmtInt(value)} hồ sơ.`;
        pool(rows, 6, tr => (my === seq ? tr._fill() : null));
        return true;
      };
      more.addEventListener('click', async () => { try { await page(); } catch (e) { more.disabled = false; toast(errorText(e), 'error'); } });
      try {
        if (!await page()) return;
        mount(body, n ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid sup-drill-table' },
          h('caption', { class: 'sr-only' }, title.textContent),
          h('thead', null, h('tr', null, ['STT', 'Mã hồ sơ', 'Người nộp', 'Thủ tục / đơn vị giải quyết', 'Kênh', 'Tiếp nhận', 'Hẹn trả', 'Hạn theo quy định', 'Kết thúc', 'Phân loại']
            .map((x, i) => h('th', { scope: 'col', class: i === 0 ? 'num' : null }, x)))), tbody))
          : h('p', { class: 'empty' }, 'Không có hồ sơ.'), count, h('div', { class: 'actions' }, more));
      } catch (e) {
        if (my === seq) mount(body, errorBox(e));
      }
    }
    return { dialog, open, close };
  }
  cleanups.push(() => { if (drill.dialog.open) drill.dialog.close(); });

  // ---- units into the chooser, then the first load ----
  refs.then(() => {
    if (!alive) return;
    const rows = names.unitRows;
    const kids = new Map();
    rows.forEach(u => { const p = u.parent ? u.parent.code : ''; if (!kids.has(p)) kids.set(p, []); kids.get(p).push(u); });
    const codes = new Set(rows.map(u => u.code));
    const roots = rows.filter(u => !u.parent || !codes.has(u.parent.code));
    unitSel.replaceChildren();
    const walk = (u, depth) => {
      const gone = u.valid_to && u.valid_to < todayVN();
      unitSel.append(h('option', { value: u.code }, `${'\u00a0\u00a0\u00a0'.repeat(depth)}${depth ? '└ ' : ''}${u.name}${gone ? ` (đến ${fmtDate(u.valid_to)})` : ''}`));
      (kids.get(u.code) || []).forEach(k => walk(k, depth + 1));
    };
    roots.forEach(r => walk(r, 0));
    if (!codes.has(st.unit)) unitSel.prepend(h('option', { value: st.unit }, st.unit));
    unitSel.value = st.unit;
    if (refsError) mount(formMsg, errorBox(refsError));
  });

  syncUrl();
  loadAll(true);

  return () => {
    alive = false;
    for (const c of cleanups) { try { c(); } catch { /* ignore */ } }
  };
}
