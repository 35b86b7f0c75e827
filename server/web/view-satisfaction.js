// view-satisfaction.js - the citizen's satisfaction (#/hai-long; supervisor, leader, admin;
// shared/domain.md §12.3): for a date range and a unit, the applicants' evaluations by unit
// and by official (ratings and their shares, the total of 18 and its class, the share of
// Không hài lòng with the flag for an Art. 11(8) replacement request, the coverage of the
// dossiers ended), and QĐ 766's satisfaction group (5.2 PAKN in time, 5.3 PAKN satisfaction,
// 5.4 dossier satisfaction) with numerators and denominators, before the portal publishes it.
import { get, download, saveBlob } from './api.js';
import { h, mount, field, table, loading, todayVN, toast, errorText } from './ui.js';

const pct = s => (s === null || s === undefined ? '—' : `${String(s).replace('.', ',')} %`);
const num = s => (s === null || s === undefined ? '—' : String(s).replace('.', ','));
const ratio = x => `${x.numerator}/${x.denominator} (${pct(x.ratio)}) → ${num(x.points)} điểm`;

function firstOfMonth() {
  const t = todayVN();
  return t.slice(0, 8) + '01';
}

function evalTable(rows, who) {
  return table([
    { label: who, get: r => (r.name ? `${r.name}` : r.key) || 'Tất cả' },
    { label: 'Số đánh giá', get: r => String(r.rated), class: 'num' },
    { label: 'Rất hài lòng', get: r => pct(r.shares.very_satisfied), class: 'num' },
    { label: 'Hài lòng', get: r => pct(r.shares.satisfied), class: 'num' },
    { label: 'Không hài lòng', get: r => h('span', { class: r.low_satisfaction ? 'bad' : '' }, pct(r.dissatisfied_share),
      r.low_satisfaction ? ' ⚑' : ''), class: 'num' },
    { label: 'Tổng điểm (/18)', get: r => num(r.total), class: 'num' },
    { label: 'Xếp loại', get: r => r.class_name || '—' },
    ...(rows.length && rows[0].coverage ? [{ label: 'Tỷ lệ được đánh giá', get: r => r.coverage
      ? `${r.coverage.evaluated}/${r.coverage.ended} (${pct(r.coverage.share)})` : '—', class: 'num' }] : []),
  ], rows, { caption: `Kết quả đánh giá ${who === 'Đơn vị' ? 'theo đơn vị' : 'theo cán bộ'}`, empty: 'Chưa có đánh giá trong kỳ.' });
}

function groupTable(rows) {
  return table([
    { label: 'Đơn vị', get: r => r.name || r.key },
    { label: '5.2 Xử lý PAKN đúng hạn', get: r => ratio(r.indicator_5_2) },
    { label: '5.3 Hài lòng trong xử lý PAKN', get: r => ratio(r.indicator_5_3) },
    { label: '5.4 Hài lòng trong giải quyết TTHC', get: r => {
      const x = r.indicator_5_4;
      return `${x.dossiers - x.unsatisfied}/${x.dossiers} (${pct(x.ratio)}) → ${num(x.points)} điểm`;
    } },
    { label: 'Điểm nhóm (/18)', get: r => num(r.points), class: 'num' },
  ], rows, { caption: 'Nhóm chỉ số mức độ hài lòng (Bộ chỉ số 766)', empty: 'Không có số liệu trong kỳ.' });
}

export default function render(root, ctx) {
  ctx.title('Mức độ hài lòng');
  const from = h('input', { type: 'date', name: 'from', value: firstOfMonth(), required: true });
  const to = h('input', { type: 'date', name: 'to', value: todayVN(), required: true });
  const unit = h('input', { name: 'unit', autocomplete: 'off', spellcheck: 'false', value: ctx.account.unit_code || '' });
  const formula = h('select', { name: 'formula' },
    h('option', { value: 'set' }, 'Công thức 2026 (mỗi hồ sơ tính một lần)'),
    h('option', { value: 'additive' }, 'Công thức 2022 (trừ riêng từng tỷ lệ)'));
  const units = h('div');
  const officials = h('div');
  const group = h('div');
  const show = () => {
    const q = { from: from.value, to: to.value };
    if (unit.value.trim()) q.unit = unit.value.trim();
    loading(units, async () => evalTable((await get('/stats/evaluations', { ...q, group: 'unit' })).rows, 'Đơn vị'));
    loading(officials, async () => evalTable((await get('/stats/evaluations', { ...q, group: 'official' })).rows, 'Cán bộ'));
    loading(group, async () => groupTable((await get('/stats/satisfaction', { ...q, formula: formula.value })).rows));
  };
  const csv = async () => {
    const q = { from: from.value, to: to.value, group: 'unit', format: 'csv' };
    if (unit.value.trim()) q.unit = unit.value.trim();
    try {
      saveBlob(await download('/stats/evaluations', q), `danh-gia-${q.from}-${q.to}.csv`);
    } catch (e) {
      toast('Không tải được bảng đánh giá: ' + errorText(e), 'error');
    }
  };
  const form = h('form', { class: 'card sat-filter', onsubmit: ev => { ev.preventDefault(); show(); } },
    field('Từ ngày', from), field('Đến ngày', to), field('Mã đơn vị (để trống: toàn bộ phạm vi)', unit),
    field('Chỉ số 5.4', formula), h('button', { type: 'submit', class: 'primary' }, 'Xem'),
    h('button', { type: 'button', onclick: csv }, 'Tải bảng đánh giá (CSV)'));
  mount(root, h('h1', null, 'Mức độ hài lòng của người dân, tổ chức'),
    form,
    h('section', { class: 'card', 'aria-labelledby': 'sat-u' }, h('h2', { id: 'sat-u' }, 'Theo đơn vị'), units),
    h('section', { class: 'card', 'aria-labelledby': 'sat-o' }, h('h2', { id: 'sat-o' }, 'Theo cán bộ tiếp nhận, trả kết quả'),
      h('p', { class: 'muted' }, '⚑: tỷ lệ không hài lòng vượt ngưỡng, đề nghị xem xét thay thế cán bộ (NĐ 118/2025, Điều 11).'), officials),
    h('section', { class: 'card', 'aria-labelledby': 'sat-g' }, h('h2', { id: 'sat-g' }, 'Nhóm chỉ số 766 trước khi Cổng DVCQG công bố'), group));
  show();
}
