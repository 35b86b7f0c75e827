// view-dossier.js - one dossier (#/ho-so/<code>): header (code, state, classification under
// the legal rules and QĐ 766), the applicant and units, the deadlines (appointment, legal due
// moved by pauses, working time left, new appointment), steps, pauses, documents and printable
// forms, the timeline of events, and the actions the caller's role may take now. Each action
// is a dialog that posts an event with expected_version (409 VERSION_CONFLICT: "Tải lại") and
// an Idempotency-Key made when the dialog opens and reused when the same attempt is retried.
import { get, post, getAll, newKey, download, saveBlob, openBlob } from './api.js';
import {
  h, mount, field, fmtDate, fmtTime, fmtWorkMinutes, classBadge, stateBadge, errorBox, toast,
  modal, parseDateVN, todayVN, nextId, STATES, EVENTS, CHANNELS, ROLES,
} from './ui.js';

const fmtDT = iso => (iso ? `${fmtDate(iso)} ${fmtTime(iso)}` : '—');
const workDur = min => (min === null || min === undefined ? '—' : fmtWorkMinutes(Math.abs(min)).replace(/^còn /, ''));
const enc = encodeURIComponent;
const shortUnit = s => String(s || '').replace(/^Trung tâm Phục vụ hành chính công/, 'TT Phục vụ HCC').replace(/^Ủy ban nhân dân/, 'UBND');

const DURATION_UNITS = { wd: 'ngày làm việc', wh: 'giờ làm việc', cd: 'ngày', h: 'giờ làm việc' };
const RETURN_METHODS = { counter: 'Tại Bộ phận Một cửa', post: 'Qua dịch vụ bưu chính công ích', online: 'Trực tuyến' };
const OUTCOMES = { granted: 'Giải quyết (cấp kết quả)', refused: 'Từ chối giải quyết (có lý do)' };
const REGIMES = { nd61: 'Nghị định 61/2018/NĐ-CP', nd118: 'Nghị định 118/2025/NĐ-CP' };
const PAUSE_REASONS = { supplement: 'Bổ sung hồ sơ', payment: 'Nghĩa vụ tài chính', consultation: 'Lấy ý kiến cơ quan khác' };
// the order of payload members in the timeline
const DETAIL_ORDER = ['step', 'to_unit', 'minutes', 'planned_end_at', 'official', 'outcome', 'reason', 'reasons', 'missing',
  'legal_basis', 'method', 'postal_receipt', 'duration', 'appointment_at', 'new_appointment', 'new_appointment_at',
  'due_before', 'due_after', 'paused_minutes'];
// forms whose title repeats another's: what tells them apart
const FORM_NOTES = { receipt_reissue: 'in lại, hẹn trả mới sau khi nhận hồ sơ bổ sung' };
const KINDS = { original: 'Bản chính', copy: 'Bản sao', certified_copy: 'Bản sao chứng thực' };

// domain.md §3 (server/domain/dossier.c): used only when GET /dossiers/{code} has no `actions`.
const TRANSITIONS = [
  ['receive', [1], ['clerk']], ['refuse', [1], ['clerk']], ['hand_over', [2, 4], ['clerk', 'official']],
  ['assign', [4], ['leader']], ['request_supplement', [4], ['official']], ['receive_supplement', [5], ['clerk']],
  ['request_payment', [4], ['official']], ['payment_done', [6], ['clerk']], ['apologize', [4, 5, 6], ['leader']],
  ['resolve', [4], ['leader']], ['request_withdrawal', [2, 4, 5, 6], ['clerk']],
  ['stop', [7, 2, 4, 5, 6], ['leader', 'clerk']], ['return_result', [9], ['clerk']],
];
function actionsOf(d, role) {
  // one new appointment per dossier (§6.3): a second apology would be refused (409)
  const once = a => !(a.type === 'apologize' && d.deadlines && d.deadlines.new_appointment_at);
  if (Array.isArray(d.actions)) return d.actions.filter(once);
  const sameday = d.deadlines && d.deadlines.duration && d.deadlines.duration.unit === 'sameday';
  return TRANSITIONS.filter(([type, from, roles]) => roles.includes(role) &&
    (from.includes(d.state) || (type === 'resolve' && sameday && d.state === 2)))
    .map(([type]) => ({ type, name: EVENTS[type] || type })).filter(once);
}
// the next step of the normal path is the primary button; stopping is set apart
const MAIN = new Set(['receive', 'hand_over', 'receive_supplement', 'payment_done', 'resolve', 'return_result']);
const GRAVE = new Set(['refuse', 'stop', 'request_withdrawal']);

// ---- caches shared by every dossier opened in this session ----
let unitsP = null;
function units() {
  if (!unitsP) {
    unitsP = getAll('/units', {}, 2000).then(list => new Map(list.map(u => [u.code, u])))
      .catch(e => { unitsP = null; throw e; });
  }
  return unitsP;
}
const procCache = new Map();
function procedureVersion(code, version) {
  if (!code) return Promise.resolve(null);
  if (!procCache.has(code)) procCache.set(code, get('/procedures/' + enc(code)).catch(e => { procCache.delete(code); throw e; }));
  return procCache.get(code).then(p => (p.versions || []).find(v => v.version === version) || p.version || null)
    .catch(() => null);
}

// The applicant's evaluation keyed at the counter once the dossier has ended (shared/domain.md
// §12.1): the kiosk or tablet at the desk, or a paper form; one per dossier (the server says so).
const RATINGS = [['very_satisfied', 'Rất hài lòng'], ['satisfied', 'Hài lòng'], ['dissatisfied', 'Không hài lòng']];
async function rateDialog(d) {
  const radios = RATINGS.map(([v, label]) => h('label', { class: 'rating' },
    h('input', { type: 'radio', name: 'rating', value: v, required: true }), ' ', label));
  const reason = h('textarea', { name: 'reason', rows: '3', maxlength: '2000' });
  const channel = h('select', { name: 'channel' },
    h('option', { value: 'kiosk' }, 'Thiết bị đánh giá tại quầy'), h('option', { value: 'paper' }, 'Phiếu đánh giá bằng giấy'));
  const body = h('div', null,
    h('p', null, 'Hồ sơ ', h('strong', null, d.code), ' · ', (d.applicant && d.applicant.name) || ''),
    h('fieldset', { class: 'ratings' }, h('legend', null, 'Mức độ hài lòng của công dân'), radios),
    field('Lý do (bắt buộc khi không hài lòng)', reason), field('Hình thức đánh giá', channel));
  const r = await modal({ title: 'Đánh giá của công dân', body,
    actions: [{ label: 'Hủy', value: null }, { label: 'Ghi nhận đánh giá', value: 'ok', primary: true }],
    onSubmit: async form => {
      const v = form.querySelector('input[name="rating"]:checked');
      const b = { rating: v ? v.value : '', channel: channel.value };
      if (reason.value.trim()) b.reason = reason.value.trim();
      return post('/dossiers/' + enc(d.code) + '/evaluations', b);
    } });
  if (r) toast(`Đã ghi nhận đánh giá “${r.rating_name}” cho hồ sơ ${d.code}.`, 'ok');
}

export default async function render(root, ctx) {
  const code = ctx.params[0];
  const role = ctx.account.role;
  ctx.title('Hồ sơ ' + code);
  const S = { d: null, events: [], docs: null, docsErr: null, units: new Map(), drafts: {}, notice: null, busy: false };

  const view = h('div', { class: 'ds-screen' });
  mount(root, view);

  const unitName = c => (c && S.units.get(c) ? S.units.get(c).name : c || '—');
  const unitCell = u => (u && u.code ? [u.name || unitName(u.code), ' ', h('span', { class: 'ds-muted-code' }, u.code)] : '—');

  async function load({ keepNotice } = {}) {
    if (!keepNotice) S.notice = null;
    const um = units().catch(() => new Map());
    let d, ev;
    try {
      [d, ev] = await Promise.all([get('/dossiers/' + enc(code)), get('/dossiers/' + enc(code) + '/events')]);
    } catch (e) {
      if (e.code === 'DOSSIER_NOT_FOUND' || e.status === 404) {
        mount(view, h('h1', null, 'Không tìm thấy hồ sơ'),
          h('p', { class: 'notice' }, `Không có hồ sơ mã ${code} trong phạm vi của tài khoản. Kiểm tra lại mã hồ sơ.`),
          h('p', null, h('a', { href: '#/hang-doi' }, 'Về danh sách hồ sơ cần xử lý')));
        return;
      }
      mount(view, h('h1', null, 'Hồ sơ ' + code), errorBox(e),
        h('button', { type: 'button', onclick: () => load() }, 'Thử lại'));
      return;
    }
    S.d = d;
    S.events = ev.items || [];
    S.units = await um;
    try { S.docs = await get('/dossiers/' + enc(code) + '/documents'); S.docsErr = null; } catch (e) { S.docs = null; S.docsErr = e; }
    draw();
  }

  // ---------------------------------------------------------------- drawing
  function draw() {
    const d = S.d;
    const acts = actionsOf(d, role);
    const dl = d.deadlines || {};
    const cls = d.classification || {};
    const head = h('header', { class: 'ds-head card' },
      h('nav', { class: 'ds-crumbs', 'aria-label': 'Vị trí' }, h('a', { href: '#/hang-doi' }, 'Hồ sơ cần xử lý'), ' › ', d.code),
      h('div', { class: 'ds-title-row' },
        h('h1', { tabindex: '-1', id: 'ds-h1' }, 'Hồ sơ ', h('span', { class: 'ds-code' }, d.code)),
        h('div', { class: 'ds-badges' },
          stateBadge(d.state, d.state_name),
          cls.legal ? h('span', { class: 'ds-cls' }, h('span', { class: 'ds-cls-k' }, 'Theo quy định:'), classBadge(cls.legal)) : null,
          cls.dvcqg766 ? h('span', { class: 'ds-cls' }, h('span', { class: 'ds-cls-k' }, 'Theo QĐ 766:'), classBadge(cls.dvcqg766)) : null,
          d.external_code ? h('span', { class: 'badge ds-ext' }, 'Mã từ hệ thống khác') : null)),
      h('p', { class: 'ds-proc' },
        d.procedure.code ? h('span', { class: 'ds-muted-code' }, d.procedure.code) : null, ' ',
        h('strong', null, d.procedure.name || '—'),
        d.procedure.field_name ? h('span', { class: 'muted' }, ' · Lĩnh vực ' + d.procedure.field_name) : null),
      strip(d),
      h('div', { class: 'ds-toolbar' },
        h('div', { class: 'ds-actions', role: 'group', 'aria-label': 'Thao tác với hồ sơ' },
          acts.length ? acts.map(a => h('button', {
            type: 'button', class: MAIN.has(a.type) ? 'primary' : GRAVE.has(a.type) ? 'ds-grave' : '',
            dataset: { action: a.type }, onclick: () => openAction(a),
          }, a.name || EVENTS[a.type] || a.type))
            : h('span', { class: 'muted' }, ['supervisor', 'admin'].includes(role)
              ? 'Vai trò của tài khoản chỉ được xem hồ sơ.'
              : d.state === 3 || d.state === 8 || d.state === 10 ? 'Hồ sơ đã kết thúc, không còn thao tác.' : 'Không có thao tác nào dành cho vai trò của bạn ở trạng thái này.')),
        h('div', { class: 'ds-tools' },
          h('span', { class: 'muted ds-ver' }, `Phiên bản ${d.version} · cập nhật ${fmtTime(d.as_of)}`),
          role === 'clerk' && [3, 7, 8, 10].includes(d.state)
            ? h('button', { type: 'button', class: 'ds-rate', onclick: () => rateDialog(d) }, 'Ghi nhận đánh giá của công dân') : null,
          h('button', { type: 'button', onclick: () => load() }, 'Tải lại'))),
      S.notice ? h('div', { class: S.notice.kind === 'warn' ? 'notice' : 'success', role: 'status' }, S.notice.text) : null);

    const who = h('section', { class: 'card ds-card', 'aria-labelledby': 'ds-h-app' },
      h('h2', { id: 'ds-h-app' }, 'Người nộp hồ sơ'),
      kv([
        ['Họ và tên', h('strong', null, d.applicant && d.applicant.name || '—')],
        ['Số định danh', d.applicant && d.applicant.id_number],
        ['Điện thoại', d.applicant && d.applicant.phone],
        ['Thư điện tử', d.applicant && d.applicant.email],
        ['Địa chỉ', d.applicant && d.applicant.address],
        ['Kênh nộp', CHANNELS[d.channel] || d.channel],
        ['Số bộ hồ sơ', d.sets],
        ['Hình thức trả', RETURN_METHODS[d.return_method] || d.return_method],
      ]));
    const proc = h('section', { class: 'card ds-card', 'aria-labelledby': 'ds-h-units' },
      h('h2', { id: 'ds-h-units' }, 'Đơn vị và người xử lý'),
      kv([
        ['Đơn vị tiếp nhận', unitCell(d.receiving_unit)],
        ['Đơn vị giải quyết', unitCell(d.resolving_unit)],
        ['Đơn vị đang xử lý', h('span', { dataset: { k: 'current-unit' } }, unitCell(d.current_unit))],
        ['Người xử lý', h('span', { dataset: { k: 'official' } }, d.current_official || h('span', { class: 'muted' }, 'Chưa phân công'))],
        ['Chế độ áp dụng', REGIMES[d.regime] || d.regime],
        d.outcome ? ['Kết quả', h('strong', null, OUTCOMES[d.outcome] || d.outcome)] : null,
        ['Yêu cầu bổ sung', d.supplement_requests ? `${d.supplement_requests} lần` : 'Chưa có'],
        dl.paused_minutes ? ['Đã tạm dừng', workDur(dl.paused_minutes)] : null,
      ]));

    view.replaceChildren(head,
      h('div', { class: 'ds-grid' },
        h('div', { class: 'ds-main' },
          h('div', { class: 'ds-pair' }, who, proc),
          stepsCard(d), pausesCard(d), documentsCard(d)),
        h('aside', { class: 'ds-side', 'aria-labelledby': 'ds-h-tl', tabindex: '0' }, timelineCard())));
  }

  // the deadlines as a strip of figures under the title: what a clerk looks at first
  function strip(d) {
    const dl = d.deadlines || {};
    const open = !dl.ended_at && d.state !== 1 && d.state !== 3;
    const moved = dl.legal_due_at && dl.appointment_at && dl.legal_due_at !== dl.appointment_at;
    const dur = dl.duration || {};
    const cell = (k, v, cls) => h('div', { class: 'ds-fig' + (cls ? ' ' + cls : '') }, h('dt', null, k), h('dd', null, v));
    const rem = dl.remaining_minutes;
    return h('dl', { class: 'ds-strip', 'aria-label': 'Thời hạn giải quyết' },
      cell('Thời hạn', dur.unit === 'sameday' ? 'Trong ngày' : dur.unit === 'none' ? 'Không có ngày hẹn'
        : dur.value != null ? `${dur.value} ${DURATION_UNITS[dur.unit] || dur.unit || ''}` : '—'),
      dl.submitted_at ? cell('Nộp trực tuyến', fmtDT(dl.submitted_at)) : null,
      cell('Tiếp nhận', fmtDT(dl.received_at)),
      cell('Hẹn trả kết quả', [h('span', { dataset: { k: 'appointment' } }, fmtDT(dl.appointment_at)),
        dl.calendar_proposed ? h('span', { class: 'muted', title: 'Tính qua ngày nghỉ chưa được công bố chính thức' }, ' (dự kiến)') : null]),
      cell('Hạn giải quyết', h('span', { dataset: { k: 'legal-due' } }, fmtDT(dl.legal_due_at),
        moved ? h('span', { class: 'ds-sub' }, ' (đã lùi do tạm dừng)') : null)),
      open && dl.legal_due_now && dl.legal_due_now !== dl.legal_due_at
        ? cell('Hạn tính đến nay', h('span', { dataset: { k: 'legal-due-now' } }, fmtDT(dl.legal_due_now), h('span', { class: 'ds-sub' }, ' (đang tạm dừng)'))) : null,
      dl.new_appointment_at ? cell('Ngày hẹn mới', [fmtDT(dl.new_appointment_at),
        dl.apology_late_notice ? h('span', { class: 'badge cls-late ds-inline-badge' }, 'Thông báo muộn') : null], 'ds-fig-warn') : null,
      dl.paused_since ? cell('Tạm dừng từ', fmtDT(dl.paused_since), 'ds-fig-warn') : null,
      open && rem != null ? cell('Thời gian còn lại', h('strong', { dataset: { k: 'remaining' } }, fmtWorkMinutes(rem)),
        rem < 0 ? 'ds-fig-over' : dl.paused_since ? 'ds-fig-warn' : rem <= 480 ? 'ds-fig-soon' : 'ds-fig-ok') : null,
      dl.ended_at ? cell('Kết thúc xử lý', fmtDT(dl.ended_at)) : null,
      dl.returned_at ? cell('Trả kết quả', fmtDT(dl.returned_at)) : null);
  }

  function kv(rows) {
    return h('dl', { class: 'kv ds-kv' }, rows.filter(Boolean).map(([k, v]) => [
      h('dt', null, k), h('dd', null, v === null || v === undefined || v === '' ? '—' : v)]));
  }

  function stepsCard(d) {
    const now = Date.now();
    const st = s => {
      const end = s.ended_at ? Date.parse(s.ended_at) : null;
      const plan = s.planned_end_at ? Date.parse(s.planned_end_at) : null;
      if (!end) return plan && now > plan ? h('span', { class: 'ds-over' }, 'Đang thực hiện, quá hạn bước') : 'Đang thực hiện';
      if (!plan) return 'Đã xong';
      return end <= plan ? h('span', { class: 'ds-ok' }, 'Xong đúng hạn') : h('span', { class: 'ds-over' }, 'Xong quá hạn bước');
    };
    const steps = d.steps || [];
    return h('section', { class: 'card ds-card', 'aria-labelledby': 'ds-h-steps' },
      h('h2', { id: 'ds-h-steps' }, 'Các bước xử lý'),
      steps.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid ds-table' },
        h('thead', null, h('tr', null, ['#', 'Bước xử lý', 'Đơn vị', 'Người xử lý', 'Bắt đầu', 'Hạn bước', 'Kết thúc', 'Tình trạng']
          .map((l, i) => h('th', { scope: 'col', class: i === 0 ? 'num' : null }, l)))),
        h('tbody', null, steps.map(s => h('tr', null,
          h('td', { class: 'num' }, String(s.n)),
          h('td', null, s.name || '—', s.kind === 'leg' ? h('span', { class: 'badge ds-leg' }, 'Liên thông') : null,
            s.planned_minutes != null ? h('div', { class: 'ds-sub' }, 'Dự kiến ' + workDur(s.planned_minutes)) : null),
          h('td', { title: unitName(s.unit) }, shortUnit(unitName(s.unit))),
          h('td', null, s.official || '—'),
          h('td', { class: 'ds-dt' }, fmtDT(s.started_at)),
          h('td', { class: 'ds-dt' }, fmtDT(s.planned_end_at)),
          h('td', { class: 'ds-dt' }, fmtDT(s.ended_at)),
          h('td', null, st(s)))))))
        : h('p', { class: 'empty' }, 'Hồ sơ chưa được chuyển xử lý.'));
  }

  function pausesCard(d) {
    const ps = d.pauses || [];
    return h('section', { class: 'card ds-card', 'aria-labelledby': 'ds-h-pauses' },
      h('h2', { id: 'ds-h-pauses' }, 'Tạm dừng, bổ sung hồ sơ'),
      ps.length ? h('div', { class: 'table-wrap' }, h('table', { class: 'grid ds-table ds-pauses' },
        h('thead', null, h('tr', null, ['#', 'Lý do', 'Yêu cầu lúc', 'Tiếp nhận lúc', 'Thời gian tạm dừng', 'Hạn trước', 'Hạn mới', 'Ghi chú']
          .map((l, i) => h('th', { scope: 'col', class: i === 0 ? 'num' : null }, l)))),
        h('tbody', null, ps.map(p => h('tr', null,
          h('td', { class: 'num' }, String(p.n)),
          h('td', null, PAUSE_REASONS[p.reason] || p.reason),
          h('td', { class: 'ds-dt' }, fmtDT(p.requested_at)),
          h('td', { class: 'ds-dt' }, p.resolved_at ? fmtDT(p.resolved_at) : h('em', null, 'Đang chờ')),
          h('td', null, p.counted ? (p.paused_minutes != null ? workDur(p.paused_minutes) : '—') : 'Không tính'),
          h('td', { class: 'ds-dt' }, fmtDT(p.due_before)),
          h('td', { class: 'ds-dt' }, fmtDT(p.due_after)),
          h('td', null, [
            !p.counted ? 'Không tạm dừng thời hạn' : null,
            p.repeat ? 'Yêu cầu lặp lại' : null,
            p.was_late ? 'Đã quá hạn khi tạm dừng' : null,
          ].filter(Boolean).join('; ') || '—'))))))
        : h('p', { class: 'empty' }, 'Chưa có lần tạm dừng nào.'));
  }

  function documentsCard(d) {
    const docs = d.documents || [];
    const forms = S.docs && S.docs.items || [];
    return h('section', { class: 'card ds-card', 'aria-labelledby': 'ds-h-docs' },
      h('h2', { id: 'ds-h-docs' }, 'Giấy tờ và biểu mẫu'),
      h('div', { class: 'ds-pair' },
        h('div', null,
          h('h3', null, 'Thành phần hồ sơ đã nộp'),
          docs.length ? h('table', { class: 'grid ds-table' },
            h('thead', null, h('tr', null, h('th', { scope: 'col' }, 'Tên giấy tờ'), h('th', { scope: 'col' }, 'Loại'), h('th', { scope: 'col', class: 'num' }, 'Số lượng'))),
            h('tbody', null, docs.map(x => h('tr', null, h('td', null, x.name), h('td', null, KINDS[x.kind] || x.kind || '—'), h('td', { class: 'num' }, String(x.count ?? '—'))))))
            : h('p', { class: 'empty' }, 'Không có giấy tờ.')),
        h('div', null,
          h('h3', null, 'Biểu mẫu in'),
          S.docsErr ? errorBox(S.docsErr)
            : forms.length ? h('ul', { class: 'ds-forms' }, forms.map(f => h('li', { dataset: { form: f.form } },
              h('span', { class: 'ds-form-name' }, h('span', { class: 'ds-form-no' }, `Mẫu ${String(f.number).padStart(2, '0')}`), ' ', sentence(f.title),
                FORM_NOTES[f.form] ? h('span', { class: 'ds-sub' }, ` (${FORM_NOTES[f.form]})`) : null),
              h('span', { class: 'ds-form-btns' },
                h('button', { type: 'button', class: 'ds-small', 'aria-label': `Xem, in ${formLabel(f)}`, onclick: ev => pdf(f, false, ev.currentTarget) }, 'Xem, in'),
                h('button', { type: 'button', class: 'ds-small', 'aria-label': `Tải PDF ${formLabel(f)}`, onclick: ev => pdf(f, true, ev.currentTarget) }, 'Tải PDF')))))
              : h('p', { class: 'empty' }, 'Chưa có biểu mẫu nào cho trạng thái này.'))));
  }

  function formLabel(f) {
    return sentence(f.title) + (FORM_NOTES[f.form] ? ` (${FORM_NOTES[f.form]})` : '');
  }
  function sentence(s) {
    s = String(s || '').toLocaleLowerCase('vi');
    return s.charAt(0).toLocaleUpperCase('vi') + s.slice(1);
  }

  async function pdf(f, save, btn) {
    const u = new URL(f.pdf, location.origin);
    const path = u.pathname.replace(/^\/api\/v1/, '');
    btn.disabled = true;
    try {
      const blob = await download(path, Object.fromEntries(u.searchParams));
      if (save) saveBlob(blob, `${f.form}-${S.d.code}.pdf`);
      else openBlob(blob);
    } catch (e) {
      toast('Không tải được biểu mẫu: ' + (e.message || e), 'error');
    } finally { btn.disabled = false; }
  }

  // ---------------------------------------------------------------- timeline
  function timelineCard() {
    const items = S.events;
    return h('section', { class: 'card ds-card ds-timeline-card' },
      h('h2', { id: 'ds-h-tl' }, 'Tiến trình xử lý'),
      items.length ? h('ol', { class: 'ds-timeline' }, items.map(e => {
        const backdated = e.recorded_at && e.occurred_at && Math.abs(Date.parse(e.recorded_at) - Date.parse(e.occurred_at)) > 5 * 60000;
        const moved = e.from_state !== e.to_state && e.to_state != null;
        return h('li', { class: `ds-ev ds-ev-${e.type}`, dataset: { type: e.type } },
          h('div', { class: 'ds-ev-head' },
            h('span', { class: 'ds-ev-name' }, EVENTS[e.type] || e.type),
            h('time', { datetime: e.occurred_at, class: 'ds-ev-time' }, fmtDT(e.occurred_at))),
          moved ? h('div', { class: 'ds-ev-states' },
            e.from_state != null ? [STATES[e.from_state] || e.from_state, ' → '] : null,
            h('strong', null, STATES[e.to_state] || e.to_state)) : null,
          h('div', { class: 'ds-ev-actor' }, actorText(e.actor)),
          details(e),
          backdated ? h('div', { class: 'ds-ev-note' }, `Ghi nhận vào hệ thống lúc ${fmtDT(e.recorded_at)}`) : null);
      })) : h('p', { class: 'empty' }, 'Chưa có sự kiện.'));
  }

  function actorText(a) {
    if (!a) return '—';
    const parts = [a.login, ROLES[a.role] || a.role];
    if (a.unit) parts.push(shortUnit(unitName(a.unit)));
    return parts.filter(Boolean).join(' · ');
  }

  // payload members as readable rows; unknown members are shown as they are
  function details(e) {
    const p = e.payload || {};
    const rows = [];
    const add = (k, v) => { if (v !== null && v !== undefined && v !== '') rows.push([k, v]); };
    const skip = new Set(['pause_n', 'procedure', 'channel', 'backdated', 'counted', 'repeat']);
    const rank = k => { const i = DETAIL_ORDER.indexOf(k); return i < 0 ? DETAIL_ORDER.length : i; };
    for (const [k, v] of Object.entries(p).sort((x, y) => rank(x[0]) - rank(y[0]))) {
      if (v === null || v === undefined || v === '') continue;
      switch (k) {
        case 'step': add(e.type === 'hand_over' && p.leg ? 'Bước liên thông' : 'Bước', v); break;
        case 'to_unit': add('Chuyển đến', unitName(v)); break;
        case 'leg': break;
        case 'minutes': add('Thời gian dự kiến', workDur(v)); break;
        case 'planned_end_at': add('Hạn bước', fmtDT(v)); break;
        case 'official': add('Người xử lý', v); break;
        case 'reason': add('Lý do', v); break;
        case 'reasons': add('Lý do', Array.isArray(v) ? v.join('; ') : typeof v === 'string' ? v : JSON.stringify(v)); break;
        case 'missing': add('Giấy tờ cần bổ sung', Array.isArray(v) && v.length
          ? h('ul', { class: 'ds-ev-list' }, v.map(x => h('li', null, typeof x === 'string' ? x : x && x.name ? x.name : JSON.stringify(x)))) : null); break;
        case 'outcome': add('Kết quả', OUTCOMES[v] || v); break;
        case 'method': add('Hình thức trả', RETURN_METHODS[v] || v); break;
        case 'postal_receipt': add('Số biên nhận bưu chính', v); break;
        case 'legal_basis': add('Căn cứ pháp lý', v); break;
        case 'new_appointment': case 'new_appointment_at': add('Ngày hẹn mới', fmtDT(v)); break;
        case 'appointment_at': add('Hẹn trả', fmtDT(v)); break;
        case 'duration': add('Thời hạn', v && v.value != null ? (v.unit === 'sameday' ? 'Trong ngày' : `${v.value} ${DURATION_UNITS[v.unit] || v.unit}`) : null); break;
        case 'due_before': add('Hạn trước', fmtDT(v)); break;
        case 'due_after': add('Hạn mới', fmtDT(v)); break;
        case 'paused_minutes': add('Thời gian tạm dừng', workDur(v)); break;
        case 'late_notice': case 'apology_late_notice': if (v) add('Ghi chú', 'Thông báo muộn (sau thời hạn quy định)'); break;
        case 'change': add('Thay đổi lịch', typeof v === 'string' ? v : JSON.stringify(v)); break;
        default:
          if (skip.has(k)) break;
          add(k, typeof v === 'object' ? JSON.stringify(v) : String(v));
      }
    }
    if (p.repeat) add('Ghi chú', 'Yêu cầu bổ sung lặp lại: không tạm dừng thời hạn');
    else if (e.type === 'request_supplement' && p.counted === false) add('Ghi chú', 'Không tạm dừng thời hạn');
    if (p.backdated) add('Nguồn', 'Nhập từ hệ thống khác');
    if (!rows.length) return null;
    return h('dl', { class: 'ds-ev-detail' }, rows.map(([k, v]) => [h('dt', null, k), h('dd', null, v)]));
  }

  // ---------------------------------------------------------------- actions
  async function openAction(a) {
    if (S.busy) return;
    S.busy = true;
    let spec;
    try { spec = await buildForm(a.type); } finally { S.busy = false; }
    const name = a.name || EVENTS[a.type] || a.type;
    const draft = S.drafts[a.type] || {};
    const idem = newKey('ev-' + a.type);
    const conflictBox = h('div', { class: 'ds-conflict', hidden: true });
    let reloadAfter = false;
    const body = h('div', { class: 'ds-dlg' },
      h('p', { class: 'ds-dlg-ref' }, 'Hồ sơ ', h('strong', null, S.d.code), ' · ', S.d.applicant && S.d.applicant.name || '', ' · ', STATES[S.d.state] || S.d.state_name),
      spec.fields, conflictBox);
    restore(body, draft);
    body.addEventListener('input', ev => {
      if (ev.target.name) ev.target.removeAttribute('aria-invalid');
      S.drafts[a.type] = snapshot(body);
    });
    body.addEventListener('change', () => { S.drafts[a.type] = snapshot(body); });
    const version = S.d.version;
    const result = await modal({
      title: name,
      body,
      actions: [{ label: 'Hủy', value: null }, { label: spec.submit || 'Ghi nhận', value: 'ok', primary: true }],
      onSubmit: async form => {
        form.querySelectorAll('[aria-invalid]').forEach(x => x.removeAttribute('aria-invalid'));
        S.drafts[a.type] = snapshot(body);
        let extra;
        try { extra = spec.collect(form); } catch (e) { mark(form, e.input); throw e; }
        try {
          return await post('/dossiers/' + enc(S.d.code) + '/events', { type: a.type, expected_version: version, ...extra }, { idem });
        } catch (e) {
          if (e.code === 'VERSION_CONFLICT') {
            const cur = e.current || {};
            mount(conflictBox, h('div', { class: 'ds-conflict-box', role: 'alert' },
              h('p', null, h('strong', null, 'Hồ sơ vừa được người khác thay đổi.'),
                ' Nội dung bạn đã nhập được giữ lại; hãy tải lại hồ sơ để xem thay đổi rồi thao tác lại nếu còn cần.'),
              h('button', { type: 'button', class: 'primary', onclick: ev => {
                reloadAfter = true;
                ev.currentTarget.closest('dialog').dispatchEvent(new Event('cancel', { cancelable: true }));
              } }, 'Tải lại')));
            conflictBox.hidden = false;
            // a resubmit would carry the same stale version: only "Tải lại" or "Hủy" now
            setTimeout(() => { const b = form.closest('dialog')?.querySelector('.dlg-actions button.primary'); if (b) b.disabled = true; }, 0);
            throw { message: cur.state ? `Hiện hồ sơ ở trạng thái “${cur.state_name || STATES[cur.state]}”, phiên bản ${cur.version} (bạn đang xem phiên bản ${version}).` : 'Hồ sơ đã có phiên bản mới hơn.' };
          }
          // the server names the member: point at the input and say its label, not its key
          const el = mark(form, e.field);
          const label = el && el.id ? form.querySelector(`label[for="${CSS.escape(el.id)}"]`) : null;
          if (label) throw { code: e.code, status: e.status, message: e.message, detail: e.detail, field: label.textContent };
          throw e;
        }
      },
    });
    if (result) {
      delete S.drafts[a.type];
      const st = result.state_name ? ` Trạng thái: ${result.state_name}.` : '';
      toast(`Đã ghi nhận: ${name}.${st}`, 'ok');
      await load();
      focusTitle();
    } else if (reloadAfter) {
      await load();
      S.notice = { kind: 'warn', text: `Đã tải lại hồ sơ (phiên bản ${S.d.version}, trạng thái “${S.d.state_name}”). Nội dung đã nhập cho “${name}” vẫn được giữ nếu bạn mở lại thao tác.` };
      draw();
      focusTitle();
    }
  }

  function focusTitle() {
    const t = document.getElementById('ds-h1');
    if (t) t.focus();
  }

  function mark(form, name) {
    if (!name) return null;
    const el = form.querySelector(`[name="${CSS.escape(name)}"]`);
    if (el) { el.setAttribute('aria-invalid', 'true'); el.focus(); }
    return el;
  }
  function snapshot(body) {
    const o = {};
    for (const el of body.querySelectorAll('input, select, textarea')) {
      if (!el.name) continue;
      if (el.type === 'checkbox') o[el.name + '|' + el.value] = el.checked;
      else if (el.type === 'radio') { if (el.checked) o[el.name] = el.value; } else o[el.name] = el.value;
    }
    return o;
  }
  function restore(body, o) {
    for (const el of body.querySelectorAll('input, select, textarea')) {
      if (!el.name) continue;
      if (el.type === 'checkbox') { const k = el.name + '|' + el.value; if (k in o) el.checked = o[k]; } else if (el.type === 'radio') { if (el.name in o) el.checked = el.value === o[el.name]; } else if (el.name in o) el.value = o[el.name];
    }
    body.querySelectorAll('input, select, textarea').forEach(el => el.dispatchEvent(new Event('change', { bubbles: false })));
  }

  const fail = (message, input) => { const e = new Error(message); e.input = input; return e; };
  const val = (form, n) => { const el = form.querySelector(`[name="${n}"]`); return el ? el.value.trim() : ''; };
  const textarea = (name, attrs = {}) => h('textarea', { name, rows: 3, ...attrs });

  async function buildForm(type) {
    const d = S.d;
    switch (type) {
      case 'hand_over': {
        const [um, ver] = await Promise.all([units().catch(() => new Map()), procedureVersion(d.procedure.code, d.procedure.version)]);
        const today = todayVN();
        const valid = [...um.values()].filter(u => (!u.valid_to || u.valid_to >= today) && (!u.valid_from || u.valid_from <= today));
        const groups = [['province', 'Cấp tỉnh'], ['commune', 'Cấp xã'], ['central', 'Trung ương']];
        const def = d.state === 2 ? (d.resolving_unit && d.resolving_unit.code) || '' : '';
        const sel = h('select', { name: 'to_unit' },
          h('option', { value: '' }, d.state === 2 ? '— Chọn đơn vị —' : `Giữ tại đơn vị hiện tại (${d.current_unit && d.current_unit.name || ''})`),
          groups.map(([lv, label]) => {
            const list = valid.filter(u => u.level === lv).sort((x, y) => x.code.localeCompare(y.code));
            return list.length ? h('optgroup', { label }, list.map(u => h('option', { value: u.code, selected: u.code === def }, `${u.name} (${u.code})`))) : null;
          }));
        const names = [...(ver && ver.steps || []).map(s => s.name), ...(ver && ver.legs || []).map(s => s.name),
          'Thẩm định hồ sơ', 'Trình lãnh đạo ký duyệt', 'Chuyển kết quả về Bộ phận Một cửa'];
        const listId = nextId('steps');
        const nextStep = (ver && ver.steps || []).find(s => s.role === (d.state === 2 ? 'official' : 'leader'));
        const step = h('input', { name: 'step', required: true, maxlength: 200, list: listId, autocomplete: 'off',
          value: nextStep ? nextStep.name : d.state === 2 ? 'Thẩm định hồ sơ' : '' });
        const leg = h('input', { type: 'checkbox', name: 'leg', value: '1' });
        const hours = h('input', { name: 'hours', type: 'number', min: '0', step: '0.5', inputmode: 'decimal', class: 'ds-narrow' });
        return {
          submit: 'Chuyển xử lý',
          fields: [
            field('Bước xử lý', step, 'Tên bước trong quy trình nội bộ hoặc bước liên thông.'),
            h('datalist', { id: listId }, [...new Set(names)].map(n => h('option', { value: n }))),
            field('Chuyển đến đơn vị', sel, d.state === 2 ? `Đơn vị giải quyết của hồ sơ: ${d.resolving_unit && d.resolving_unit.name || '—'}.` : 'Để trống khi chuyển bước trong cùng đơn vị.'),
            h('div', { class: 'ds-check' }, leg, h('label', { for: leg.id || (leg.id = nextId('leg')) }, 'Chuyển liên thông (bước của cơ quan khác)')),
            field('Thời gian xử lý dự kiến (giờ làm việc)', hours, 'Không bắt buộc; để trống để dùng thời gian theo quy trình của thủ tục.'),
          ],
          collect: form => {
            const o = { step: val(form, 'step') };
            if (!o.step) throw fail('Nhập tên bước xử lý.', 'step');
            const u = val(form, 'to_unit');
            if (u) o.to_unit = u;
            else if (d.state === 2) throw fail('Chọn đơn vị nhận hồ sơ.', 'to_unit');
            if (form.querySelector('[name="leg"]').checked) o.leg = true;
            const hv = val(form, 'hours');
            if (hv) {
              const n = Number(hv.replace(',', '.'));
              if (!(n >= 0)) throw fail('Thời gian dự kiến phải là số giờ làm việc.', 'hours');
              o.minutes = Math.round(n * 60);
            }
            return o;
          },
        };
      }
      case 'assign': {
        const known = new Set();
        for (const e of S.events) if (e.actor && e.actor.role === 'official') known.add(e.actor.login);
        for (const s of d.steps || []) if (s.official) known.add(s.official);
        if (d.current_official) known.add(d.current_official);
        const listId = nextId('officials');
        const inp = h('input', { name: 'official', required: true, maxlength: 63, list: listId, autocomplete: 'off', spellcheck: 'false', autocapitalize: 'none', value: d.current_official || '' });
        return {
          submit: 'Phân công',
          fields: [
            field('Tên đăng nhập của người xử lý', inp, 'Tên đăng nhập của chuyên viên trong đơn vị, ví dụ: chuyenvien.tuphap.'),
            h('datalist', { id: listId }, [...known].map(n => h('option', { value: n }))),
          ],
          collect: form => {
            const o = { official: val(form, 'official') };
            if (!o.official) throw fail('Nhập tên đăng nhập của người xử lý.', 'official');
            return o;
          },
        };
      }
      case 'request_supplement': {
        const ver = await procedureVersion(d.procedure.code, d.procedure.version);
        const comps = ver && ver.documents || [];
        const repeat = d.supplement_requests >= 1;
        return {
          submit: 'Gửi yêu cầu bổ sung',
          fields: [
            repeat ? h('p', { class: 'notice' }, `Hồ sơ đã được yêu cầu bổ sung ${d.supplement_requests} lần: lần này không tạm dừng thời hạn và được ghi nhận là yêu cầu lặp lại.`)
              : h('p', { class: 'hint' }, 'Thời hạn giải quyết tạm dừng từ khi yêu cầu đến khi Bộ phận Một cửa tiếp nhận hồ sơ bổ sung. Cần nêu đầy đủ các giấy tờ thiếu trong một lần.'),
            field('Lý do, nội dung cần bổ sung', textarea('reason', { required: true, maxlength: 2000 })),
            comps.length ? h('fieldset', { class: 'ds-fieldset' }, h('legend', null, 'Giấy tờ cần bổ sung'),
              comps.map(c => { const cb = h('input', { type: 'checkbox', name: 'missing', value: c.name, id: nextId('miss') });
                return h('div', { class: 'ds-check' }, cb, h('label', { for: cb.id }, c.name)); })) : null,
            field(comps.length ? 'Giấy tờ khác (mỗi dòng một giấy tờ)' : 'Giấy tờ cần bổ sung (mỗi dòng một giấy tờ)', textarea('missing_other', { rows: 2 })),
          ],
          collect: form => {
            const o = { reason: val(form, 'reason') };
            if (!o.reason) throw fail('Nhập lý do, nội dung cần bổ sung.', 'reason');
            const m = [...form.querySelectorAll('[name="missing"]:checked')].map(x => x.value)
              .concat(val(form, 'missing_other').split('\n').map(s => s.trim()).filter(Boolean));
            if (m.length) o.missing = m;
            return o;
          },
        };
      }
      case 'request_payment':
        return {
          submit: 'Gửi yêu cầu',
          fields: [field('Nội dung nghĩa vụ tài chính', textarea('reason', { required: true, maxlength: 2000, placeholder: 'Ví dụ: Nộp lệ phí cấp giấy phép 600.000 đồng' }),
            'Thời hạn chỉ tạm dừng nếu quy trình của thủ tục quy định.')],
          collect: form => {
            const o = { reason: val(form, 'reason') };
            if (!o.reason) throw fail('Nhập nội dung nghĩa vụ tài chính.', 'reason');
            return o;
          },
        };
      case 'apologize': {
        const date = h('input', { name: 'date', required: true, placeholder: 'dd/mm/yyyy', inputmode: 'numeric', autocomplete: 'off', class: 'ds-narrow' });
        const time = h('input', { name: 'time', required: true, value: '17:00', placeholder: 'HH:MM', inputmode: 'numeric', autocomplete: 'off', class: 'ds-narrow' });
        return {
          submit: 'Ghi nhận xin lỗi, hẹn lại',
          fields: [
            h('p', { class: 'hint' }, `Chỉ được hẹn lại một lần. Hạn giải quyết theo quy định (${fmtDT(d.deadlines.legal_due_at)}) không thay đổi; hồ sơ vẫn tính là quá hạn nếu trả sau hạn đó. Phiếu xin lỗi phải gửi chậm nhất 01 ngày trước ngày hết hạn.`),
            field('Lý do chậm giải quyết', textarea('reason', { required: true, maxlength: 2000 })),
            h('div', { class: 'ds-inline' },
              field('Ngày hẹn trả mới', date, 'dd/mm/yyyy'),
              field('Giờ', time, '24 giờ, HH:MM')),
          ],
          collect: form => {
            const o = { reason: val(form, 'reason') };
            if (!o.reason) throw fail('Nhập lý do chậm giải quyết.', 'reason');
            const iso = parseDateVN(val(form, 'date'));
            if (!iso) throw fail('Ngày hẹn trả mới không hợp lệ (dd/mm/yyyy).', 'date');
            const m = /^(\d{1,2})[:hg.](\d{2})$/.exec(val(form, 'time'));
            if (!m || Number(m[1]) > 23 || Number(m[2]) > 59) throw fail('Giờ hẹn không hợp lệ (HH:MM, 24 giờ).', 'time');
            o.new_appointment = `${iso}T${m[1].padStart(2, '0')}:${m[2]}:00+07:00`;
            return o;
          },
        };
      }
      case 'resolve': {
        const r1 = h('input', { type: 'radio', name: 'outcome', value: 'granted', checked: true, id: nextId('oc') });
        const r2 = h('input', { type: 'radio', name: 'outcome', value: 'refused', id: nextId('oc') });
        const reason = textarea('reason', { maxlength: 2000 });
        const reasonField = field('Lý do từ chối', reason, 'Bắt buộc khi từ chối giải quyết; in trong văn bản trả lời công dân.');
        const sync = () => { reasonField.hidden = !r2.checked; reason.required = r2.checked; };
        r1.addEventListener('change', sync); r2.addEventListener('change', sync);
        sync();
        return {
          submit: 'Ghi nhận kết quả',
          fields: [
            h('fieldset', { class: 'ds-fieldset' }, h('legend', null, 'Kết quả giải quyết'),
              h('div', { class: 'ds-check' }, r1, h('label', { for: r1.id }, 'Giải quyết, cấp kết quả')),
              h('div', { class: 'ds-check' }, r2, h('label', { for: r2.id }, 'Từ chối giải quyết (nêu rõ lý do)'))),
            reasonField,
          ],
          collect: form => {
            const oc = form.querySelector('[name="outcome"]:checked');
            const o = { outcome: oc ? oc.value : 'granted' };
            if (o.outcome === 'refused') {
              o.reason = val(form, 'reason');
              if (!o.reason) throw fail('Nhập lý do từ chối giải quyết.', 'reason');
            }
            return o;
          },
        };
      }
      case 'request_withdrawal':
        return {
          submit: 'Ghi nhận yêu cầu rút',
          fields: [h('p', { class: 'hint' }, 'Hồ sơ kết thúc tại thời điểm công dân yêu cầu rút; sau đó lãnh đạo hoặc cán bộ tiếp nhận dừng xử lý.'),
            field('Lý do công dân rút hồ sơ', textarea('reason', { maxlength: 2000 }))],
          collect: form => { const o = {}; const r = val(form, 'reason'); if (r) o.reason = r; return o; },
        };
      case 'stop': {
        const needBasis = d.state !== 7;
        return {
          submit: 'Dừng xử lý',
          fields: [
            h('p', { class: 'hint' }, needBasis ? 'Dừng xử lý hồ sơ khi có căn cứ pháp lý (Mẫu 05). Hồ sơ kết thúc và không thể tiếp tục.' : 'Dừng xử lý theo yêu cầu rút hồ sơ của công dân.'),
            field('Lý do dừng xử lý', textarea('reason', { required: true, maxlength: 2000 })),
            field('Căn cứ pháp lý', h('input', { name: 'legal_basis', maxlength: 500, required: needBasis }), needBasis ? 'Bắt buộc: văn bản, điều khoản làm căn cứ dừng.' : 'Không bắt buộc khi công dân đã yêu cầu rút hồ sơ.'),
          ],
          collect: form => {
            const o = { reason: val(form, 'reason') };
            if (!o.reason) throw fail('Nhập lý do dừng xử lý.', 'reason');
            const b = val(form, 'legal_basis');
            if (b) o.legal_basis = b;
            else if (needBasis) throw fail('Nhập căn cứ pháp lý.', 'legal_basis');
            return o;
          },
        };
      }
      case 'return_result': {
        const def = RETURN_METHODS[d.return_method] ? d.return_method : 'counter';
        const sel = h('select', { name: 'method' }, Object.entries(RETURN_METHODS).map(([k, v]) => h('option', { value: k, selected: k === def }, v)));
        const receipt = h('input', { name: 'postal_receipt', maxlength: 64, autocomplete: 'off' });
        const rf = field('Số biên nhận bưu chính', receipt, 'Bắt buộc khi trả qua bưu chính.');
        const sync = () => { rf.hidden = sel.value !== 'post'; receipt.required = sel.value === 'post'; };
        sel.addEventListener('change', sync);
        sync();
        return {
          submit: 'Trả kết quả',
          fields: [
            d.outcome ? h('p', null, 'Kết quả: ', h('strong', null, OUTCOMES[d.outcome] || d.outcome)) : null,
            field('Hình thức trả kết quả', sel, `Công dân đăng ký: ${RETURN_METHODS[d.return_method] || d.return_method || '—'}.`), rf],
          collect: form => {
            const o = { method: val(form, 'method') };
            if (o.method === 'post') {
              o.postal_receipt = val(form, 'postal_receipt');
              if (!o.postal_receipt) throw fail('Nhập số biên nhận bưu chính.', 'postal_receipt');
            }
            return o;
          },
        };
      }
      case 'refuse':
        return {
          submit: 'Từ chối tiếp nhận',
          fields: [field('Lý do từ chối tiếp nhận', textarea('reason', { required: true, maxlength: 2000 }), 'In trong Phiếu từ chối tiếp nhận (Mẫu 03).')],
          collect: form => { const o = { reason: val(form, 'reason') }; if (!o.reason) throw fail('Nhập lý do từ chối.', 'reason'); return o; },
        };
      case 'receive_supplement':
        return { submit: 'Xác nhận tiếp nhận', fields: [h('p', null, 'Xác nhận đã tiếp nhận đủ giấy tờ bổ sung của công dân. Thời hạn giải quyết được tính tiếp và lùi tương ứng thời gian tạm dừng.')], collect: () => ({}) };
      case 'payment_done':
        return { submit: 'Xác nhận', fields: [h('p', null, 'Xác nhận công dân đã hoàn thành nghĩa vụ tài chính. Hồ sơ trở lại trạng thái đang xử lý.')], collect: () => ({}) };
      case 'receive':
        return { submit: 'Tiếp nhận', fields: [h('p', null, 'Tiếp nhận hồ sơ nộp trực tuyến: thời hạn giải quyết bắt đầu tính từ lúc này.')], collect: () => ({}) };
      default:
        return { fields: [h('p', null, 'Xác nhận thực hiện thao tác này?')], collect: () => ({}) };
    }
  }

  await load();
}
