// view-satisfaction.js - the citizen's satisfaction (#/hai-long; supervisor, leader, admin;
// shared/domain.md §12.3): for a date range and a unit, the applicants' evaluations by unit
// and by official (ratings and their shares, the total of 18 and its class, the share of
// Không hài lòng with the flag for an Art. 11(8) replacement request, the coverage of the
// dossiers ended), and QĐ 766's satisfaction group (5.2 PAKN in time, 5.3 PAKN satisfaction,
// 5.4 dossier satisfaction) with numerators and denominators, before the portal publishes it,
// and the register of phản ánh, kiến nghị as figures (by unit, topic, channel or state:
// answered in time or late, open past the due, decisions and publications overdue, repeats).
// Each table downloads as CSV or Excel.
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

const PAKN_GROUPS = [['unit', 'Theo đơn vị'], ['topic', 'Theo nội dung'], ['channel', 'Theo hình thức tiếp nhận'], ['state', 'Theo trạng thái']];

function registerTable(rows, total) {
  const of = (n, d) => `${n}/${d}`;
  return table([
    { label: 'Nhóm', get: r => r.name || r.key || 'Tất cả' },
    { label: 'Tổng số', get: r => String(r.total), class: 'num' },
    { label: 'Trả lời đúng hạn', get: r => of(r.answer.on_time, r.answer.competent), class: 'num' },
    { label: 'Trả lời quá hạn', get: r => String(r.answer.late), class: 'num' },
    { label: 'Đang xử lý quá hạn', get: r => h('span', { class: r.answer.overdue ? 'bad' : '' }, String(r.answer.overdue)), class: 'num' },
    { label: 'Tỷ lệ xử lý đúng hạn', get: r => pct(r.answer.in_time_share), class: 'num' },
    { label: 'Chưa quyết định tiếp nhận, quá hạn', get: r => String(r.decision.overdue), class: 'num' },
    { label: 'Chưa công khai, quá hạn', get: r => String(r.publication.overdue), class: 'num' },
    { label: 'Phản ánh lặp lại', get: r => String(r.repeats), class: 'num' },
  ], rows.length > 1 ? [...rows, { ...total, name: 'Tổng cộng' }] : rows,
  { caption: 'Sổ theo dõi phản ánh, kiến nghị', empty: 'Không có phản ánh, kiến nghị trong kỳ.' });
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
  const register = h('div');
  const pgroup = h('select', { name: 'pakn-group', onchange: () => showRegister(query()) },
    PAKN_GROUPS.map(([v, l]) => h('option', { value: v }, l)));
  const query = () => {
    const q = { from: from.value, to: to.value };
    if (unit.value.trim()) q.unit = unit.value.trim();
    return q;
  };
  const showRegister = q => loading(register, async () => {
    const r = await get('/stats/pakn', { ...q, group: pgroup.value });
    return registerTable(r.rows, r.total);
  });
  const show = () => {
    const q = query();
    loading(units, async () => evalTable((await get('/stats/evaluations', { ...q, group: 'unit' })).rows, 'Đơn vị'));
    loading(officials, async () => evalTable((await get('/stats/evaluations', { ...q, group: 'official' })).rows, 'Cán bộ'));
    loading(group, async () => groupTable((await get('/stats/satisfaction', { ...q, formula: formula.value })).rows));
    showRegister(q);
  };
  // path, extra query, file stem, what it is (for the error)
  const file = (path, extra, stem, what, format) => async () => {
    const q = { ...query(), ...extra, format };
    try {
      saveBlob(await download(path, q), `${stem}-${q.from}-${q.to}.${format}`);
    } catch (e) {
      toast(`Không tải được ${what}: ` + errorText(e), 'error');
    }
  };
  const csv = file('/stats/evaluations', { group: 'unit' }, 'danh-gia', 'bảng đánh giá', 'csv');
  const form = h('form', { class: 'card sat-filter', onsubmit: ev => { ev.preventDefault(); show(); } },
    field('Từ ngày', from), field('Đến ngày', to), field('Mã đơn vị (để trống: toàn bộ phạm vi)', unit),
    field('Chỉ số 5.4', formula), h('button', { type: 'submit', class: 'primary' }, 'Xem'),
    h('button', { type: 'button', onclick: csv }, 'Tải bảng đánh giá (CSV)'),
    h('button', { type: 'button', onclick: file('/stats/evaluations', { group: 'unit' }, 'danh-gia', 'bảng đánh giá', 'xlsx') }, 'Tải bảng đánh giá (Excel)'));
  mount(root, h('h1', null, 'Mức độ hài lòng của người dân, tổ chức'),
    form,
    h('section', { class: 'card', 'aria-labelledby': 'sat-u' }, h('h2', { id: 'sat-u' }, 'Theo đơn vị'), units),
    h('section', { class: 'card', 'aria-labelledby': 'sat-o' }, h('h2', { id: 'sat-o' }, 'Theo cán bộ tiếp nhận, trả kết quả'),
      h('p', { class: 'muted' }, '⚑: tỷ lệ không hài lòng vượt ngưỡng, đề nghị xem xét thay thế cán bộ (NĐ 118/2025, Điều 11).'), officials),
    h('section', { class: 'card', 'aria-labelledby': 'sat-g' }, h('h2', { id: 'sat-g' }, 'Nhóm chỉ số 766 trước khi Cổng DVCQG công bố'), group,
      h('button', { type: 'button', onclick: () => file('/stats/satisfaction', { formula: formula.value }, 'hai-long-766', 'nhóm chỉ số 766', 'xlsx')() }, 'Tải nhóm chỉ số 766 (Excel)')),
    h('section', { class: 'card', 'aria-labelledby': 'sat-p' }, h('h2', { id: 'sat-p' }, 'Phản ánh, kiến nghị trong kỳ'),
      field('Nhóm theo', pgroup), register,
      h('button', { type: 'button', onclick: () => file('/stats/pakn', { group: pgroup.value }, 'phan-anh', 'sổ phản ánh', 'xlsx')() }, 'Tải sổ phản ánh, kiến nghị (Excel)')));
  show();
}
