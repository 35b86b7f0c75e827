// lookup.js - the citizen's lookup page (/tra-cuu), opened by the QR on the receipt
// (/tra-cuu?ma=<code>): no login; the code and the lookup secret printed beside the QR
// (mã tra cứu) give the dossier's state, dates and handling unit in plain Vietnamese, and
// let the applicant evaluate the handling (đánh giá, shared/domain.md §12.1). Below, the
// published answers to phản ánh, kiến nghị (ND 20/2008 Art. 19), which anyone may mark
// Hài lòng or Chưa hài lòng (§12.2; QĐ 766 5.3 counts an answer with more of the second).
import { get, post } from './api.js';
import { h, mount, field, fmtDateTime, fmtDate } from './ui.js';

const PLAIN = {
  1: 'Hồ sơ nộp trực tuyến đang chờ Bộ phận Một cửa kiểm tra và tiếp nhận.',
  2: 'Hồ sơ đã được tiếp nhận và đang được chuyển đến cơ quan giải quyết.',
  3: 'Hồ sơ không được tiếp nhận. Lý do được ghi trên phiếu từ chối tiếp nhận.',
  4: 'Cơ quan có thẩm quyền đang giải quyết hồ sơ của ông/bà.',
  5: 'Cơ quan giải quyết cần ông/bà bổ sung giấy tờ. Xin liên hệ Bộ phận Một cửa nơi đã nộp hồ sơ; thời gian chờ bổ sung không tính vào thời hạn giải quyết.',
  6: 'Ông/bà cần thực hiện nghĩa vụ tài chính (phí, lệ phí, thuế) theo thông báo trước khi hồ sơ được giải quyết tiếp.',
  7: 'Đã ghi nhận yêu cầu rút hồ sơ của ông/bà.',
  8: 'Việc giải quyết hồ sơ đã dừng.',
  9: 'Đã có kết quả. Mời ông/bà đến nhận kết quả, mang theo giấy tiếp nhận hồ sơ.',
  10: 'Kết quả đã được trả.',
};
// progress bar: which of the four milestones the state has reached
const STEPS = ['Tiếp nhận', 'Đang giải quyết', 'Có kết quả', 'Đã trả kết quả'];
const REACHED = { 1: 0, 2: 1, 3: 0, 4: 2, 5: 2, 6: 2, 7: 1, 8: 1, 9: 3, 10: 4 };

function progress(state) {
  const n = REACHED[state] || 0;
  return h('ol', { class: 'steps', 'aria-label': 'Tiến độ hồ sơ' }, STEPS.map((s, i) =>
    h('li', { class: i < n ? 'done' : '', 'aria-current': i === n - 1 ? 'step' : false },
      h('span', { class: 'dot', 'aria-hidden': 'true' }, i < n ? '✓' : String(i + 1)), s)));
}

function result(r) {
  const rows = [
    ['Thủ tục', r.procedure_name],
    ['Ngày tiếp nhận', r.received_at ? fmtDateTime(r.received_at) : 'Chưa tiếp nhận'],
    ['Ngày hẹn trả kết quả', r.appointment_at ? fmtDateTime(r.appointment_at) : '—'],
  ];
  if (r.new_appointment_at) rows.push(['Ngày hẹn trả mới', fmtDateTime(r.new_appointment_at)]);
  if (r.returned_at) rows.push(['Ngày trả kết quả', fmtDate(r.returned_at)]);
  rows.push(['Cơ quan giải quyết', r.unit_name || '—']);
  if (r.current_unit_name && r.current_unit_name !== r.unit_name) rows.push(['Hồ sơ đang ở', r.current_unit_name]);
  return h('section', { class: 'card lookup-result', 'aria-labelledby': 'res-h' },
    h('h2', { id: 'res-h' }, 'Hồ sơ ', h('span', { class: 'code' }, r.code)),
    h('p', { class: `state state-${r.state}` }, r.state_name),
    h('p', { class: 'plain' }, PLAIN[r.state] || ''),
    r.state !== 3 ? progress(r.state) : null,
    h('dl', { class: 'kv' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)])),
    r.new_appointment_at ? h('p', { class: 'notice' }, 'Cơ quan giải quyết đã gửi thư xin lỗi và hẹn lại ngày trả kết quả.') : null);
}

// ---- the applicant's evaluation (POST /api/v1/lookup/evaluation) ----
const RATINGS = [['very_satisfied', 'Rất hài lòng'], ['satisfied', 'Hài lòng'], ['dissatisfied', 'Không hài lòng']];
// the nine indicators of the evaluation form (shared/domain.md §12.1); 1 and 2 only once the
// dossier has ended
const INDICATORS = [
  'Tổng thời gian giải quyết thủ tục so với quy định của pháp luật',
  'Thời gian thực hiện của từng cơ quan, đơn vị tham gia giải quyết',
  'Số lần phải liên hệ với nơi tiếp nhận hồ sơ để hoàn thiện hồ sơ',
  'Số lượng cơ quan, đơn vị, tổ chức phải liên hệ để hoàn thiện hồ sơ',
  'Việc tiếp nhận, giải quyết, trả kết quả tại Bộ phận Một cửa',
  'Việc công khai các thủ tục hành chính',
  'Thái độ của cán bộ, công chức khi hướng dẫn, tiếp nhận và giải quyết hồ sơ',
  'Việc tiếp thu, giải trình ý kiến phản ánh, kiến nghị',
  'Tiến độ và chất lượng cung cấp dịch vụ công trực tuyến',
];
const ENDED = new Set([3, 7, 8, 10]);
const EVAL_ERRORS = {
  ALREADY_EVALUATED: 'Hồ sơ này đã được đánh giá. Cảm ơn ông/bà.',
  EVALUATION_CLOSED: 'Đã hết thời hạn đánh giá hồ sơ này.',
  DOSSIER_NOT_RECEIVED: 'Hồ sơ chưa được tiếp nhận nên chưa thể đánh giá.',
};

function evaluation(r, code, secret) {
  const name = 'rating-' + Date.now();
  const radios = RATINGS.map(([v, label]) => h('label', { class: 'rating' },
    h('input', { type: 'radio', name, value: v, required: true }), ' ', label));
  const reason = h('textarea', { name: 'reason', rows: '3', maxlength: '2000' });
  const reasonField = field('Lý do không hài lòng', reason, 'Bắt buộc khi chọn “Không hài lòng”.');
  reasonField.hidden = true;
  const selects = INDICATORS.map((label, i) => (i < 2 && !ENDED.has(r.state)) ? null
    : field(`${i + 1}. ${label}`, h('select', { name: 'ind' + i },
      h('option', { value: '' }, 'Không chấm'), h('option', { value: '2' }, 'Tốt (2 điểm)'),
      h('option', { value: '1' }, 'Đạt (1 điểm)'), h('option', { value: '0' }, 'Chưa đạt (0 điểm)'))));
  const msg = h('div', { 'aria-live': 'polite' });
  const send = h('button', { type: 'submit', class: 'primary' }, 'Gửi đánh giá');
  const form = h('form', { class: 'card evaluation', 'aria-labelledby': 'ev-h', onchange: () => {
    const v = form.querySelector(`input[name="${name}"]:checked`);
    reasonField.hidden = !(v && v.value === 'dissatisfied');
    reason.required = !reasonField.hidden;
  }, onsubmit: async ev => {
    ev.preventDefault();
    const v = form.querySelector(`input[name="${name}"]:checked`);
    if (!v) return;
    const answers = INDICATORS.map((_, i) => {
      const sel = form.querySelector(`select[name="ind${i}"]`);
      return sel && sel.value !== '' ? Number(sel.value) : null;
    });
    const body = { code, secret, rating: v.value };
    if (reason.value.trim()) body.reason = reason.value.trim();
    if (answers.some(a => a !== null)) body.answers = answers;
    send.disabled = true;
    try {
      await post('/lookup/evaluation', body);
      mount(form, h('h2', { id: 'ev-h' }, 'Đánh giá việc giải quyết hồ sơ'),
        h('p', { class: 'thanks', role: 'status' }, 'Cảm ơn ông/bà đã đánh giá. Ý kiến của ông/bà giúp cơ quan phục vụ tốt hơn.'));
    } catch (e) {
      mount(msg, h('div', { class: 'error', role: 'alert' },
        EVAL_ERRORS[e.code] || (e.status === 429 ? 'Ông/bà đã gửi quá nhiều lần. Xin thử lại sau một phút.' : e.message)));
      send.disabled = false;
    }
  } },
  h('h2', { id: 'ev-h' }, 'Đánh giá việc giải quyết hồ sơ'),
  h('p', { class: 'muted' }, 'Ông/bà hài lòng với việc tiếp nhận và giải quyết hồ sơ này ở mức nào? Mỗi hồ sơ được đánh giá một lần.'),
  h('fieldset', { class: 'ratings' }, h('legend', null, 'Mức độ hài lòng'), radios),
  reasonField,
  h('details', null, h('summary', null, 'Chấm điểm chi tiết (không bắt buộc)'), selects),
  msg, send);
  return form;
}

// ---- published answers to phản ánh, kiến nghị (GET /public/pakn, POST .../reactions) ----
const TOPIC = { regulation: 'Quy định hành chính', conduct: 'Hành vi của cán bộ, công chức' };
const MINE = 'motcua.pakn.reactions';

function mine() {
  try { return JSON.parse(localStorage.getItem(MINE) || '{}'); } catch { return {}; }
}

function answerCard(p) {
  const hid = 'pakn-' + p.id;
  const msg = h('p', { class: 'muted', 'aria-live': 'polite' });
  const buttons = {};
  const paint = (r, chosen) => {
    buttons.like.textContent = `Hài lòng (${r.likes})`;
    buttons.dislike.textContent = `Chưa hài lòng (${r.dislikes})`;
    for (const k of ['like', 'dislike']) buttons[k].setAttribute('aria-pressed', String(chosen === k));
  };
  const react = async v => {
    try {
      const r = await post(`/public/pakn/${p.id}/reactions`, { reaction: v });
      const m = mine();
      m[p.id] = v;
      try { localStorage.setItem(MINE, JSON.stringify(m)); } catch { /* private mode */ }
      paint(r, v);
      msg.textContent = 'Cảm ơn ông/bà đã cho ý kiến về câu trả lời.';
    } catch (e) {
      msg.textContent = e.status === 429 ? 'Ông/bà đã gửi quá nhiều lần. Xin thử lại sau một phút.' : e.message;
    }
  };
  for (const k of ['like', 'dislike']) buttons[k] = h('button', { type: 'button', class: 'react react-' + k, onclick: () => react(k) });
  paint(p, mine()[p.id]);
  return h('article', { class: 'card answer', 'aria-labelledby': hid },
    h('h3', { id: hid }, `${TOPIC[p.topic] || p.topic} — ${p.unit_name}`),
    h('p', { class: 'muted' }, `Tiếp nhận ngày ${fmtDate(p.received_at)}, công khai ngày ${fmtDate(p.published_at)}`),
    h('p', { class: 'public-text' }, p.public_text),
    h('div', { class: 'reactions', role: 'group', 'aria-label': 'Ý kiến về câu trả lời' }, buttons.like, buttons.dislike),
    msg);
}

function answers() {
  const list = h('div');
  const more = h('button', { type: 'button', hidden: true }, 'Xem thêm');
  let cursor = null;
  const load = async () => {
    more.disabled = true;
    try {
      const r = await get('/public/pakn', cursor ? { limit: 5, cursor } : { limit: 5 });
      if (!cursor && r.items.length === 0) list.append(h('p', { class: 'muted' }, 'Chưa có câu trả lời nào được công khai.'));
      r.items.forEach(p => list.append(answerCard(p)));
      cursor = r.next_cursor;
      more.hidden = !cursor;
    } catch (e) {
      list.append(h('p', { class: 'error', role: 'alert' }, e.message));
    } finally {
      more.disabled = false;
    }
  };
  more.onclick = load;
  load();
  return h('section', { class: 'answers', 'aria-labelledby': 'ans-h' },
    h('h2', { id: 'ans-h' }, 'Kết quả trả lời phản ánh, kiến nghị'),
    h('p', { class: 'muted' }, 'Các câu trả lời đã được công khai, không kèm thông tin cá nhân của người phản ánh.'),
    list, more);
}

function render() {
  const root = document.getElementById('main');
  const q = new URLSearchParams(location.search);
  const code = h('input', { name: 'ma', value: q.get('ma') || '', required: true, autocomplete: 'off', spellcheck: 'false', inputmode: 'text', autocapitalize: 'characters' });
  const secret = h('input', { name: 'secret', required: true, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'characters', maxlength: '32' });
  const out = h('div', { 'aria-live': 'polite' });
  const btn = h('button', { type: 'submit', class: 'primary' }, 'Tra cứu');
  const form = h('form', { class: 'card lookup-form', onsubmit: async ev => {
    ev.preventDefault();
    const c = code.value.trim().toUpperCase(), s = secret.value.trim().toUpperCase().replace(/\s+/g, '');
    if (!c || !s) return;
    btn.disabled = true;
    mount(out, h('p', { class: 'loading' }, 'Đang tra cứu…'));
    try {
      const r = await get('/lookup', { code: c, secret: s });
      mount(out, result(r), r.state !== 1 ? evaluation(r, c, s) : null);
      const head = out.querySelector('h2');
      head.tabIndex = -1;
      head.focus({ preventScroll: true });
      head.scrollIntoView({ block: 'start', behavior: 'smooth' });
      history.replaceState(null, '', '/tra-cuu?ma=' + encodeURIComponent(c));
    } catch (e) {
      const msg = e.status === 429 ? 'Ông/bà đã tra cứu quá nhiều lần. Xin thử lại sau một phút.'
        : e.status === 404 ? 'Mã hồ sơ hoặc mã tra cứu không đúng. Xin kiểm tra lại hai mã in trên giấy tiếp nhận hồ sơ.'
        : e.message;
      mount(out, h('div', { class: 'error', role: 'alert' }, msg));
    } finally {
      btn.disabled = false;
    }
  } },
  h('h1', null, 'Tra cứu tình trạng hồ sơ'),
  h('p', { class: 'muted' }, 'Nhập mã hồ sơ và mã tra cứu in trên giấy tiếp nhận hồ sơ và hẹn trả kết quả.'),
  field('Mã hồ sơ', code, 'Ví dụ: 000.00.01.H19-261207-0001'),
  field('Mã tra cứu', secret, '10 ký tự in cạnh mã QR trên giấy tiếp nhận'),
  btn);
  mount(root, form, out, answers());
  (code.value ? secret : code).focus();
}

render();
