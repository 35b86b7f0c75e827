// api.js - the motcua HTTP API from the browser: the session token, JSON requests with
// idempotency keys, errors as ApiError, authenticated downloads, and the alert stream (SSE
// read through fetch, so it carries the Authorization header and resumes with
// Last-Event-ID after a reconnect).

const KEY = 'motcua.session';
export const API = '/api/v1';

export class ApiError extends Error {
  constructor(status, body) {
    const e = (body && body.error) || {};
    super(e.message || `Lỗi HTTP ${status}`);
    this.status = status;
    this.code = e.code || (status === 0 ? 'NETWORK' : 'HTTP_' + status);
    this.detail = e.detail || '';
    this.field = e.field || '';
    this.current = e.current || null;
    this.body = body;
  }
}

export function session() {
  try { return JSON.parse(sessionStorage.getItem(KEY) || 'null'); } catch { return null; }
}
export function setSession(s) {
  if (s) sessionStorage.setItem(KEY, JSON.stringify(s)); else sessionStorage.removeItem(KEY);
}

// Called when the server says the token is no longer good (401): app.js shows the login.
let onUnauthorized = () => {};
export function setUnauthorizedHandler(fn) { onUnauthorized = fn; }

// A fresh Idempotency-Key: a retry of the same action must reuse it.
export function newKey(prefix = 'web') {
  const r = (crypto.randomUUID ? crypto.randomUUID()
    : Array.from(crypto.getRandomValues(new Uint8Array(16)), b => b.toString(16).padStart(2, '0')).join(''));
  return `${prefix}-${r}`;
}

export function qs(query) {
  if (!query) return '';
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) {
    if (v === undefined || v === null || v === '') continue;
    p.set(k, String(v));
  }
  const s = p.toString();
  return s ? '?' + s : '';
}

function headers(extra) {
  const h = { Accept: 'application/json', ...extra };
  const s = session();
  if (s && s.token) h.Authorization = 'Bearer ' + s.token;
  return h;
}

// request('POST', '/dossiers', {body, query, idem}) -> parsed JSON; throws ApiError.
export async function request(method, path, opts = {}) {
  const h = headers(opts.headers);
  let body;
  if (opts.body !== undefined) {
    h['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.body);
  }
  if (opts.idem) h['Idempotency-Key'] = opts.idem;
  let resp;
  try {
    resp = await fetch(API + path + qs(opts.query), { method, headers: h, body, credentials: 'omit' });
  } catch (err) {
    throw new ApiError(0, { error: { code: 'NETWORK', message: 'Không kết nối được máy chủ. Kiểm tra mạng rồi thử lại.' } });
  }
  const text = await resp.text();
  let data = null;
  if (text) { try { data = JSON.parse(text); } catch { data = { raw: text }; } }
  if (!resp.ok) {
    if (resp.status === 401 && path !== '/auth/login') { setSession(null); onUnauthorized(); }
    throw new ApiError(resp.status, data);
  }
  return data;
}

export const get = (path, query) => request('GET', path, { query });
export const post = (path, body, opts = {}) => request('POST', path, { ...opts, body });

// Every page of a keyset list (items + next_cursor), up to max items.
export async function getAll(path, query = {}, max = 2000) {
  const out = [];
  let cursor;
  do {
    const r = await get(path, { ...query, limit: Math.min(500, max - out.length), cursor });
    out.push(...(r.items || []));
    cursor = r.next_cursor;
  } while (cursor && out.length < max);
  return out;
}

// An authenticated download (PDF, XLSX, CSV) as a Blob.
export async function download(path, query) {
  let resp;
  try {
    resp = await fetch(API + path + qs(query), { headers: headers({ Accept: '*/*' }), credentials: 'omit' });
  } catch {
    throw new ApiError(0, { error: { code: 'NETWORK', message: 'Không kết nối được máy chủ.' } });
  }
  if (!resp.ok) {
    let data = null;
    try { data = await resp.json(); } catch { /* not JSON */ }
    if (resp.status === 401) { setSession(null); onUnauthorized(); }
    throw new ApiError(resp.status, data);
  }
  return resp.blob();
}

// Saves a Blob under a file name (the browser's download).
export function saveBlob(blob, filename) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60000);
}

// Opens a PDF Blob in a new tab (where the browser prints it); when pop-ups are blocked it is
// downloaded instead, so this tab (and what it shows, e.g. a one-time secret) stays. ('noopener'
// would make window.open return null even when the tab opened: the opener is cut by hand.)
export function openBlob(blob, filename = 'tai-lieu.pdf') {
  const url = URL.createObjectURL(blob);
  const w = window.open(url, '_blank');
  if (w) w.opener = null;
  else saveBlob(blob, filename);
  setTimeout(() => URL.revokeObjectURL(url), 300000);
  return url;
}

// stream('/alerts/stream', {query, onEvent(ev), onState(state)}) -> {close()}.
// ev = {id, event, data}; state: 'open' | 'retry' | 'closed'. Reconnects with a growing
// delay (1 s .. 30 s) and sends Last-Event-ID so no alert is missed.
export function stream(path, { query, onEvent, onState = () => {}, lastEventId } = {}) {
  let closed = false;
  let ctrl = null;
  let last = lastEventId || null;
  let delay = 1000;
  async function once() {
    ctrl = new AbortController();
    const h = headers({ Accept: 'text/event-stream' });
    if (last) h['Last-Event-ID'] = last;
    const resp = await fetch(API + path + qs(query), { headers: h, signal: ctrl.signal, credentials: 'omit' });
    if (resp.status === 401) { setSession(null); onUnauthorized(); closed = true; return; }
    if (!resp.ok || !resp.body) throw new Error('stream ' + resp.status);
    onState('open');
    delay = 1000;
    const reader = resp.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    let ev = { id: null, event: 'message', data: [] };
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      buf += dec.decode(value, { stream: true });
      let nl;
      while ((nl = buf.search(/\r?\n/)) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(buf[nl] === '\r' ? nl + 2 : nl + 1);
        if (line === '') {
          if (ev.data.length) {
            if (ev.id !== null) last = ev.id;
            onEvent({ id: ev.id, event: ev.event, data: ev.data.join('\n') });
          }
          ev = { id: null, event: 'message', data: [] };
        } else if (line[0] !== ':') {
          const i = line.indexOf(':');
          const f = i < 0 ? line : line.slice(0, i);
          const v = i < 0 ? '' : line.slice(i + 1).replace(/^ /, '');
          if (f === 'data') ev.data.push(v);
          else if (f === 'id') ev.id = v;
          else if (f === 'event') ev.event = v;
          else if (f === 'retry' && /^\d+$/.test(v)) delay = Number(v);
        }
      }
    }
  }
  (async () => {
    while (!closed) {
      try { await once(); } catch { /* reconnect below */ }
      if (closed) break;
      onState('retry');
      await new Promise(r => setTimeout(r, delay));
      delay = Math.min(delay * 2, 30000);
    }
    onState('closed');
  })();
  return {
    close() { closed = true; if (ctrl) ctrl.abort(); },
    get lastEventId() { return last; },
  };
}
