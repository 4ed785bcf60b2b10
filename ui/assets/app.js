// Tributary console: plain JavaScript over the worker's REST API (no
// framework, no build step). The credential lives in sessionStorage and is
// sent as "Authorization: Bearer"; no cookie exists, so there is nothing for
// a cross-site request to ride on. Every value from the server reaches the
// page through textContent or element attributes, never as HTML.
'use strict';

const S = sessionStorage;
const $ = (id) => document.getElementById(id);
let refreshTimer = null;
let prevSamples = null;  // {t: ms, v: {connector: total}} from the last /metrics read used
let lastRates = {};
let plugins = [];

function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'onclick') e.addEventListener('click', v);
    else e.setAttribute(k, v);
  }
  for (const k of kids) e.append(k instanceof Node ? k : String(k));
  return e;
}

function base() {
  const t = S.getItem('tenant');
  return t ? '/tenants/' + encodeURIComponent(t) : '';
}

// A connector's URL. The administrator reaches a tenant's connector
// ("acme/orders") through the tenant's routes, where its config may be
// written (the admin routes refuse a "/" in names they write).
function connUrl(name) {
  const i = name.indexOf('/');
  if (!S.getItem('tenant') && i > 0)
    return '/tenants/' + encodeURIComponent(name.slice(0, i)) + '/connectors/' + encodeURIComponent(name.slice(i + 1));
  return base() + '/connectors/' + encodeURIComponent(name);
}

async function api(method, path, body) {
  const opts = { method, headers: { Authorization: 'Bearer ' + (S.getItem('key') || '') } };
  if (body !== undefined) {
    opts.headers['Content-Type'] = 'application/json';
    opts.body = JSON.stringify(body);
  }
  const r = await fetch(path, opts);
  const text = await r.text();
  let data = text;
  if ((r.headers.get('Content-Type') || '').startsWith('application/json') && text) data = JSON.parse(text);
  if (!r.ok) {
    const msg = data && data.message ? data.message : 'HTTP ' + r.status;
    const err = new Error(msg);
    err.status = r.status;
    throw err;
  }
  return data;
}

function show(section) {
  for (const id of ['login', 'connectors', 'create']) $(id).hidden = id !== section;
  $('nav').hidden = section === 'login';
}

// ---- login ----

async function login(ev) {
  ev.preventDefault();
  S.setItem('tenant', $('login-tenant').value.trim());
  S.setItem('key', $('login-key').value);
  $('login-key').value = '';
  try {
    await api('GET', base() + '/connectors');
    $('login-error').textContent = '';
    if (location.hash === '#connectors') route();
    else location.hash = '#connectors';   // hashchange routes
  } catch (e) {
    S.clear();
    $('login-error').textContent = 'Log in failed: ' + e.message;
  }
}

function logout() {
  S.clear();
  clearInterval(refreshTimer);
  // nothing of this session may remain on the page for the next one
  clearInterval(filesTimer);
  for (const id of ['detail', 'fields', 'plugin', 'list-error', 'create-error', 'rates-note']) $(id).replaceChildren();
  $('conn-table').tBodies[0].replaceChildren();
  $('cname').value = '';
  plugins = [];
  prevSamples = null;
  lastRates = {};
  location.hash = '';
  show('login');
}

// ---- connectors ----

// Per-connector records/s from /metrics (source writes, sink sends) over
// the interval between two reads: the worker's for the admin, a tenant's
// own /tenants/{t}/metrics for a tenant.
async function rates() {
  let text;
  try { text = await api('GET', base() + '/metrics'); } catch (e) { return null; }
  const now = Date.now(), cur = {}, out = {};
  for (const line of text.split('\n')) {
    const m = /^kafka_connect_(?:source_task_source_record_write|sink_task_sink_record_send)_total\{connector="((?:[^"\\]|\\.)*)",task="\d+"\} (\S+)$/.exec(line);
    if (!m) continue;
    const name = m[1].replace(/\\(.)/g, (_, c) => (c === 'n' ? '\n' : c));
    cur[name] = (cur[name] || 0) + Number(m[2]);
  }
  // Counters move in batches: a window under 2 s would mostly show 0 or spikes.
  if (prevSamples && now - prevSamples.t < 2000) return lastRates;
  if (prevSamples) {
    const dt = (now - prevSamples.t) / 1000;
    for (const [k, v] of Object.entries(cur))
      if (k in prevSamples.v) out[k] = Math.max(0, (v - prevSamples.v[k]) / dt);
  }
  prevSamples = { t: now, v: cur };
  lastRates = out;
  return out;
}

function action(label, method, path, name) {
  return el('button', { type: 'button', 'data-action': label + ':' + name, onclick: async () => {
    if (label === 'delete' && !confirm('Delete connector ' + name + '?')) return;
    try { await api(method, connUrl(name) + path); $('list-error').textContent = ''; }
    catch (e) { $('list-error').textContent = label + ' ' + name + ': ' + e.message; }
    refresh();
  } }, label);
}

async function showOffsets(name) {
  const d = $('detail');
  d.replaceChildren(el('h3', {}, 'Offsets of ' + name));
  try {
    const o = await api('GET', connUrl(name) + '/offsets');
    d.append(el('pre', { id: 'offsets' }, JSON.stringify(o, null, 2)),
      el('button', { type: 'button', onclick: async () => {
        try {
          const r = await api('DELETE', connUrl(name) + '/offsets');
          d.append(el('p', { class: 'note' }, r.message || 'reset'));
        } catch (e) { d.append(el('p', { class: 'error' }, e.message)); }
      } }, 'Reset offsets'));
  } catch (e) { d.append(el('p', { class: 'error' }, e.message)); }
}

// Validate's counters (GET .../quality): records by outcome, each rule's passes and failures.
async function showQuality(name) {
  const d = $('detail');
  d.replaceChildren(el('h3', {}, 'Data quality of ' + name));
  try {
    const q = await api('GET', connUrl(name) + '/quality');
    for (const t of q.transforms || []) {
      const recs = Object.entries(t.records || {}).map(([k, v]) => k + ' ' + v).join(', ');
      const rows = (t.rules || []).map((r) => el('tr', { 'data-rule': r.rule_id },
        el('td', {}, r.rule_id), el('td', {}, r.rule_type), el('td', {}, r.column || ''), el('td', {}, r.severity || ''),
        el('td', {}, r.passed), el('td', {}, r.failed)));
      d.append(el('h4', {}, 'Transform ' + t.alias), el('p', { class: 'note' }, 'Records: ' + recs),
        el('table', { id: 'quality-' + t.alias },
          el('thead', {}, el('tr', {}, ...['Rule', 'Type', 'Column', 'Severity', 'Passed', 'Failed'].map((h) => el('th', { scope: 'col' }, h)))),
          el('tbody', {}, ...rows)));
    }
  } catch (e) { d.append(el('p', { class: 'error' }, e.message)); }
}

// The dead letter queue's newest records (GET .../dlq): where each came
// from and why it failed (Connect's __connect.errors.* headers, Validate's
// __validate.* rule headers, the MongoDB sink's __tributary.* headers),
// then its key, value and other headers. The server sends bytes that are
// not readable text as base64 and cuts long values; both are marked.
function shown(b) {
  if (!b || b.encoding === null) return 'null';
  let s = b.encoding === 'base64' ? '[base64, ' + b.size + ' bytes] ' + b.data : b.data;
  if (b.truncated) s += ' … (' + b.size + ' bytes in all)';
  return s;
}

const ERROR_HEADER = /^__(connect\.errors|validate|tributary)\./;

async function showDlq(name) {
  const d = $('detail');
  d.replaceChildren(el('h3', {}, 'Dead letter queue of ' + name));
  try {
    const q = await api('GET', connUrl(name) + '/dlq?limit=50');
    const total = (q.partitions || []).reduce((n, p) => n + (p.end_offset - p.start_offset), 0);
    d.append(el('p', { class: 'note', id: 'dlq-summary' }, 'Topic ' + q.topic + ': ' + (q.exists ? total + ' record(s); the ' +
      q.records.length + ' newest shown' : 'not created yet (no record has failed)') + (q.complete ? '' : ' (read cut short: Kafka was slow)')));
    const rows = (q.records || []).map((r) => {
      const errs = el('dl', { class: 'dlq-errors' }), other = el('dl', {});
      for (const h of r.headers || [])
        (ERROR_HEADER.test(h.key) ? errs : other).append(el('dt', {}, h.key), el('dd', { 'data-header': h.key }, shown(h)));
      return el('tr', { 'data-offset': r.partition + ':' + r.offset },
        el('td', {}, r.partition + ':' + r.offset, el('br', {}), r.timestamp != null ? new Date(r.timestamp).toISOString() : ''),
        el('td', {}, errs), el('td', {}, el('pre', { class: 'dlq-key' }, shown(r.key))),
        el('td', {}, el('pre', { class: 'dlq-value' }, shown(r.value)), other.childElementCount ? el('details', {}, el('summary', {}, 'other headers'), other) : ''));
    });
    d.append(el('table', { id: 'dlq-records' },
      el('thead', {}, el('tr', {}, ...['Partition:offset, time', 'Error', 'Key', 'Value'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...rows)));
  } catch (e) { d.append(el('p', { class: 'error' }, e.message)); }
}

// A SpoolDir connector's files: upload with a progress bar (the body is
// the file's bytes, streamed to the connector's input.path), and each
// file's state, progress and timings from GET .../files, refreshed while shown.
let filesTimer = null;

async function listFiles(name) {
  const box = $('files-list');
  if (!box) { clearInterval(filesTimer); return; }
  try {
    const files = await api('GET', connUrl(name) + '/files');
    const rows = (Array.isArray(files) ? files : files.files || []).map((f) => {
      const t = f.timings || {};
      return el('tr', { 'data-file': f.name },
        el('td', {}, f.name), el('td', { class: 'state-' + f.state }, f.state),
        el('td', {}, el('progress', { max: '100', value: String(f.percent || 0) }), ' ' + (f.percent || 0) + '%'),
        el('td', {}, f.rows_done != null ? f.rows_done : ''), el('td', {}, f.rows_rejected != null ? f.rows_rejected : ''),
        el('td', {}, t.upload_ms != null ? t.upload_ms + ' ms' : ''), el('td', {}, t.processing_ms != null ? t.processing_ms + ' ms' : ''));
    });
    box.replaceChildren(el('table', {},
      el('thead', {}, el('tr', {}, ...['File', 'State', 'Progress', 'Rows', 'Rejected', 'Upload', 'Processing'].map((h) => el('th', { scope: 'col' }, h)))),
      el('tbody', {}, ...rows)));
  } catch (e) { box.replaceChildren(el('p', { class: 'error' }, e.message)); }
}

function upload(name) {
  const f = $('file-input').files[0];
  if (!f) return;
  const bar = $('upload-progress');
  const xhr = new XMLHttpRequest();
  xhr.open('POST', connUrl(name) + '/files/' + encodeURIComponent(f.name));
  xhr.setRequestHeader('Authorization', 'Bearer ' + (S.getItem('key') || ''));
  xhr.setRequestHeader('Content-Type', 'application/octet-stream');
  xhr.upload.onprogress = (ev) => { if (ev.lengthComputable) bar.value = Math.round((100 * ev.loaded) / ev.total); };
  xhr.onload = () => {
    let msg = 'uploaded';
    if (xhr.status !== 201) { try { msg = JSON.parse(xhr.responseText).message; } catch (e) { msg = 'HTTP ' + xhr.status; } }
    else bar.value = 100;
    $('upload-status').textContent = f.name + ': ' + msg;
    listFiles(name);
  };
  xhr.onerror = () => { $('upload-status').textContent = f.name + ': upload failed'; };
  bar.value = 0;
  xhr.send(f);
}

function showFiles(name) {
  clearInterval(filesTimer);
  const d = $('detail');
  d.replaceChildren(el('h3', {}, 'Files of ' + name),
    el('label', { for: 'file-input' }, 'File to upload'), el('input', { id: 'file-input', type: 'file' }),
    el('button', { type: 'button', id: 'upload-button', onclick: () => upload(name) }, 'Upload'),
    el('progress', { id: 'upload-progress', max: '100', value: '0', 'aria-label': 'upload progress' }),
    el('p', { id: 'upload-status', role: 'status' }), el('div', { id: 'files-list' }));
  listFiles(name);
  filesTimer = setInterval(() => listFiles(name), 2000);
}

function hasValidate(config) {
  return Object.entries(config || {}).some(([k, v]) => /^transforms\.[^.]+\.type$/.test(k) && /Validate/.test(v));
}

async function refresh() {
  let list;
  try { list = await api('GET', base() + '/connectors?expand=status&expand=info'); }
  catch (e) {
    $('list-error').textContent = e.message;
    if (e.status === 401) logout();
    return;
  }
  const r = await rates();
  $('rates-note').textContent = r ? '' : 'No live rates: this worker does not serve metrics.';
  const body = $('conn-table').tBodies[0];
  body.replaceChildren();
  for (const name of Object.keys(list).sort()) {
    const st = list[name].status || {}, info = list[name].info || {};
    const state = (st.connector || {}).state || '?';
    const tasks = el('td', {});
    for (const t of st.tasks || []) {
      const line = el('div', {}, el('span', { class: 'state-' + t.state }, 'task ' + t.id + ': ' + t.state));
      if (t.trace) line.append(el('details', {}, el('summary', {}, 'trace'), el('pre', {}, t.trace)));
      tasks.append(line);
    }
    const acts = el('td', {});
    if (state === 'RUNNING') acts.append(action('pause', 'PUT', '/pause', name));
    if (state === 'PAUSED' || state === 'STOPPED') acts.append(action('resume', 'PUT', '/resume', name));
    if (state !== 'STOPPED') acts.append(action('stop', 'PUT', '/stop', name));
    acts.append(action('restart', 'POST', '/restart?includeTasks=true&onlyFailed=true', name));
    acts.append(el('button', { type: 'button', onclick: () => editConnector(name) }, 'edit'));
    if (state === 'STOPPED') acts.append(el('button', { type: 'button', onclick: () => showOffsets(name) }, 'offsets'));
    if (/SpoolDir/.test((info.config || {})['connector.class'] || ''))
      acts.append(el('button', { type: 'button', 'data-action': 'files:' + name, onclick: () => showFiles(name) }, 'files'));
    if ((info.config || {})['errors.deadletterqueue.topic.name'])
      acts.append(el('button', { type: 'button', 'data-action': 'dlq:' + name, onclick: () => showDlq(name) }, 'dead letters'));
    if (hasValidate(info.config)) acts.append(el('button', { type: 'button', 'data-action': 'quality:' + name, onclick: () => showQuality(name) }, 'quality'));
    acts.append(action('delete', 'DELETE', '', name));
    const rate = r && name in r ? r[name].toFixed(1) : '';
    body.append(el('tr', { 'data-connector': name },
      el('td', {}, name), el('td', {}, info.type || st.type || ''),
      el('td', {}, el('span', { class: 'state-' + state }, state)), tasks, el('td', {}, rate), acts));
  }
}

// ---- create / edit ----

async function loadPlugins() {
  if (!plugins.length) plugins = await api('GET', base() + '/connector-plugins');
  const sel = $('plugin');
  if (!sel.options.length)
    for (const p of plugins) sel.append(el('option', { value: p.class }, p.class.replace(/.*\./, '') + ' (' + p.type + ')'));
}

// One input per config key of the plugin, from its definitions.
async function renderFields(values) {
  const cls = $('plugin').value;
  const defs = await api('GET', base() + '/connector-plugins/' + encodeURIComponent(cls) + '/config');
  const box = $('fields');
  box.replaceChildren();
  for (const d of defs) {
    if (d.name === 'name' || d.name === 'connector.class') continue;
    const id = 'f-' + d.name;
    const input = el('input', { id, name: d.name, 'data-key': d.name, 'aria-describedby': id + '-err' });
    if (d.type === 'PASSWORD') input.type = 'password';
    if (values && d.name in values) input.value = values[d.name];
    else if (d.default_value != null && d.default_value !== '') input.placeholder = d.default_value;
    box.append(el('label', { for: id }, d.name + (d.required ? ' *' : '')), input,
      el('p', { class: 'doc' }, d.documentation || ''), el('p', { class: 'field-error', id: id + '-err' }));
  }
}

function formConfig() {
  const cfg = { 'connector.class': $('plugin').value, name: $('cname').value.trim() };
  for (const i of $('fields').querySelectorAll('input[data-key]')) if (i.value !== '') cfg[i.dataset.key] = i.value;
  return cfg;
}

async function submitCreate(ev) {
  ev.preventDefault();
  const cfg = formConfig();
  $('create-error').textContent = '';
  for (const p of $('fields').querySelectorAll('.field-error')) p.textContent = '';
  try {
    const v = await api('PUT', base() + '/connector-plugins/' + encodeURIComponent(cfg['connector.class']) + '/config/validate', cfg);
    if (v.error_count > 0) {
      const other = [];
      for (const c of v.configs) {
        const errs = c.value.errors || [];
        if (!errs.length) continue;
        const p = $('f-' + c.value.name + '-err');
        if (p) p.textContent = errs.join('; ');
        else other.push(c.value.name + ': ' + errs.join('; '));
      }
      $('create-error').textContent = v.error_count + ' error(s)' + (other.length ? '\n' + other.join('\n') : '');
      return;
    }
    await api('PUT', connUrl(cfg.name) + '/config', cfg);
    location.hash = '#connectors';
  } catch (e) { $('create-error').textContent = e.message; }
}

let pendingEdit = null;   // connector whose config the form opens with

function editConnector(name) {
  pendingEdit = name;
  if (location.hash === '#create') route();
  else location.hash = '#create';
}

async function openForm() {
  show('create');
  await loadPlugins();
  let values = null;
  $('cname').value = '';
  if (pendingEdit) {
    const name = pendingEdit;
    pendingEdit = null;
    values = await api('GET', connUrl(name) + '/config');
    const cls = values['connector.class'] || '';
    // connector.class may be the class, its simple name or an alias (DataGen for DataGenConnector)
    const simple = (c) => c.replace(/.*\./, '');
    const match = plugins.find((p) => p.class === cls || simple(p.class) === cls || simple(p.class) === cls + 'Connector');
    if (!match && !$('plugin').querySelector('option[value="' + CSS.escape(cls) + '"]'))
      $('plugin').append(el('option', { value: cls }, cls));
    $('plugin').value = match ? match.class : cls;
    $('cname').value = name;
  }
  await renderFields(values);
}

// ---- routing ----

async function route() {
  clearInterval(refreshTimer);
  if (!S.getItem('key')) { show('login'); return; }
  const t = S.getItem('tenant');
  $('who').textContent = t ? 'tenant ' + t : 'administrator';
  if (location.hash === '#create') {
    try { await openForm(); } catch (e) { $('create-error').textContent = e.message; }
    return;
  }
  show('connectors');   // rate samples survive navigation; log-out drops them
  await refresh();
  refreshTimer = setInterval(refresh, 3000);
}

document.addEventListener('DOMContentLoaded', () => {
  $('login-form').addEventListener('submit', login);
  $('logout').addEventListener('click', logout);
  $('create-form').addEventListener('submit', submitCreate);
  $('plugin').addEventListener('change', () => renderFields(null));
  window.addEventListener('hashchange', route);
  route();
});
