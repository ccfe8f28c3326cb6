/*
 * Kintsugi web widget: one script tag puts the companion on a clinic's page.
 *
 *   <script src="https://HOST/widget.js" data-server="https://RASA_HOST"
 *           data-practice="CODE" defer></script>
 *
 * Plain JavaScript, no build step, and nothing a strict Content-Security-Policy
 * forbids: no eval, no inline script, no inline style, no innerHTML. Everything
 * lives in an open shadow root so the host page's styles cannot reach in and
 * ours cannot leak out. One file on purpose: a host page loads exactly one
 * script of ours (plus the pinned socket.io client from the same server).
 *
 * Privacy: the session id and the visible transcript live in sessionStorage
 * (this tab only, gone when it closes). Only if a partner ticks "Keep this chat
 * on this device" do they move to localStorage. No cookies, ever.
 */
(function (window, document) {
  'use strict';

  if (window.Kintsugi && window.Kintsugi.version) return; // loaded twice: keep the first

  var VERSION = '1.0.0';
  var STORE_KEY = 'kintsugi.widget';
  var MAX_ENTRIES = 200;
  var PAUSE_PAYLOAD = '/im_flooded';
  var CONSENT_PAYLOAD = '/consent';
  var MAX_ATTEMPTS = 2; // a message cut off by a dropped connection is sent again once
  var MAX_REPLY_IDS = 300; // replies already shown, so one sent again after a reconnect is shown once
  // The one sentence the widget carries built in, for when no help lines could be fetched.
  var FALLBACK_HELP = 'If you or someone else is in danger, call your local emergency number now.';

  var script = document.currentScript || document.querySelector('script[src*="widget.js"][data-server]');
  if (!script) return;
  var data = script.dataset || {};
  var scriptUrl = new URL(script.src, window.location.href);
  var base = scriptUrl.href.replace(/\/widget\.js(?:[?#].*)?$/, '');

  var config = {
    base: base,
    server: data.server || scriptUrl.origin,
    socketPath: data.socketPath || '/socket.io',
    transports: (data.transports || 'websocket').split(',').map(trim).filter(Boolean),
    practice: data.practice || '',
    country: data.country || '',
    leaveUrl: data.leaveUrl || '',
    language: data.lang || navigator.language || 'en'
  };

  var state = {
    strings: null,
    help: null,
    country: null,
    leaveUrl: config.leaveUrl,
    sessionId: null,
    partner: 'A',
    keep: false,
    open: false,
    wantOpen: false,
    entries: [],
    outbox: [],
    replyIds: [],
    pin: null,
    inflight: null,
    io: null,
    ioLoading: false,
    socket: null,
    ready: false,
    conn: 'idle',
    wasOnline: false,
    unread: false,
    helpOpen: false,
    practiceLinked: !!config.practice,
    destroyed: false
  };

  var ui = {};
  var timeFormat = safeTimeFormat(config.language);

  /* ---------- small helpers ---------- */

  function trim(s) { return String(s).trim(); }

  function uuid() {
    var c = window.crypto;
    if (c && typeof c.randomUUID === 'function') return c.randomUUID();
    var b = new Uint8Array(16);
    c.getRandomValues(b);
    b[6] = (b[6] & 15) | 64;
    b[8] = (b[8] & 63) | 128;
    var h = Array.prototype.map.call(b, function (x) { return (x + 256).toString(16).slice(1); }).join('');
    return h.slice(0, 8) + '-' + h.slice(8, 12) + '-' + h.slice(12, 16) + '-' + h.slice(16, 20) + '-' + h.slice(20);
  }

  function safeTimeFormat(lang) {
    try { return new Intl.DateTimeFormat(lang, { hour: 'numeric', minute: '2-digit' }); } catch (e) {
      return new Intl.DateTimeFormat('en', { hour: 'numeric', minute: '2-digit' });
    }
  }

  function timezone() {
    try { return Intl.DateTimeFormat().resolvedOptions().timeZone || ''; } catch (e) { return ''; }
  }

  function languageCode() {
    return (String(config.language).split(/[-_]/)[0] || 'en').toLowerCase();
  }

  function t(key, values) {
    var s = (state.strings && state.strings[key]) || '';
    if (values) {
      Object.keys(values).forEach(function (k) { s = s.split('{' + k + '}').join(values[k]); });
    }
    return s;
  }

  /** Build an element; attributes go through setAttribute, text through textContent. */
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (name) {
        var value = attrs[name];
        if (value === null || value === undefined || value === false) return;
        if (name === 'text') node.textContent = value;
        else if (name.slice(0, 2) === 'on') node.addEventListener(name.slice(2), value);
        else node.setAttribute(name, value === true ? '' : String(value));
      });
    }
    (children || []).forEach(function (child) {
      if (child === null || child === undefined) return;
      node.appendChild(typeof child === 'string' ? document.createTextNode(child) : child);
    });
    return node;
  }

  function storage(kind) {
    try {
      var s = window[kind];
      return s || null;
    } catch (e) { return null; }
  }

  function readStore(kind) {
    var s = storage(kind);
    if (!s) return null;
    try { return JSON.parse(s.getItem(STORE_KEY) || 'null'); } catch (e) { return null; }
  }

  function writeStore(kind, value) {
    var s = storage(kind);
    if (!s) return;
    try {
      if (value === null) s.removeItem(STORE_KEY);
      else s.setItem(STORE_KEY, JSON.stringify(value));
    } catch (e) { /* full or blocked: the chat still works for this page view */ }
  }

  /* ---------- state that survives a reload ---------- */

  function restore() {
    var kept = readStore('localStorage');
    var saved = kept && kept.keep ? kept : readStore('sessionStorage');
    if (saved && typeof saved.sessionId === 'string' && /^web-[0-9a-f-]{36}$/.test(saved.sessionId)) {
      state.sessionId = saved.sessionId;
      state.partner = saved.partner === 'B' ? 'B' : 'A';
      state.keep = !!saved.keep;
      state.wantOpen = !!saved.open;
      state.practiceLinked = state.practiceLinked || !!saved.practiceLinked;
      state.entries = Array.isArray(saved.entries) ? saved.entries.slice(-MAX_ENTRIES) : [];
      state.outbox = Array.isArray(saved.outbox) ? saved.outbox : [];
      state.replyIds = Array.isArray(saved.replyIds) ? saved.replyIds.slice(-MAX_REPLY_IDS) : [];
      state.pin = typeof saved.pin === 'string' ? saved.pin : null;
      state.entries.forEach(function (e) { if (e.status === 'sending') e.status = 'queued'; });
    } else {
      state.sessionId = 'web-' + uuid();
    }
    restoreDataKey(saved);
  }

  /** The tab's data key (bot/web/widget/mydata.py): kept with the session; its SHA-256 goes with each message. */
  function restoreDataKey(saved) {
    state.dataKey = saved && saved.sessionId === state.sessionId && typeof saved.dataKey === 'string' ? saved.dataKey : uuid();
    var subtle = window.crypto && window.crypto.subtle;
    if (!subtle || typeof TextEncoder === 'undefined') return; // not a secure page: the chat works, the download does not
    subtle.digest('SHA-256', new TextEncoder().encode(state.dataKey)).then(function (buf) {
      state.dataKeyHash = Array.prototype.map.call(new Uint8Array(buf), function (x) { return (x + 256).toString(16).slice(1); }).join('');
    }, function () { /* no hash: no download */ });
  }

  function save() {
    if (state.destroyed) return;
    var snapshot = {
      v: 1,
      sessionId: state.sessionId,
      dataKey: state.dataKey,
      partner: state.partner,
      keep: state.keep,
      open: state.open,
      practiceLinked: state.practiceLinked,
      entries: state.entries.slice(-MAX_ENTRIES),
      outbox: state.outbox,
      replyIds: state.replyIds.slice(-MAX_REPLY_IDS),
      pin: state.pin
    };
    if (state.keep) {
      writeStore('localStorage', snapshot);
      writeStore('sessionStorage', null);
    } else {
      writeStore('sessionStorage', snapshot);
      writeStore('localStorage', null);
    }
  }

  /* ---------- bootstrap: strings and the offline copy of help lines ---------- */

  function bootstrap(attempt) {
    var url = new URL(config.base + '/widget/bootstrap');
    url.searchParams.set('lang', config.language);
    url.searchParams.set('tz', timezone());
    if (config.country) url.searchParams.set('country', config.country);
    fetch(url.href, { credentials: 'omit', cache: 'no-cache' })
      .then(function (r) { if (!r.ok) throw new Error('HTTP ' + r.status); return r.json(); })
      .then(function (body) {
        if (state.destroyed) return;
        state.strings = body.strings || {};
        state.help = body.help || null; // kept in memory: "Get help now" works offline
        state.country = body.country || null;
        if (!state.leaveUrl) state.leaveUrl = body.leave_url || '';
        render();
      })
      .catch(function () {
        if (state.destroyed) return;
        if (attempt < 3) window.setTimeout(function () { bootstrap(attempt + 1); }, 1000 * Math.pow(3, attempt));
      });
  }

  /* ---------- rendering ---------- */

  function icon(pathData) {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    svg.setAttribute('focusable', 'false');
    svg.setAttribute('class', 'icon');
    var path = document.createElementNS(ns, 'path');
    path.setAttribute('d', pathData);
    svg.appendChild(path);
    return svg;
  }

  var ICON_CHAT = 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z';
  var ICON_CLOSE = 'M6 6l12 12M18 6L6 18';

  function mount() {
    ui.host = el('div', { id: 'kintsugi-widget', 'data-kintsugi': VERSION });
    ui.shadow = ui.host.attachShadow({ mode: 'open' });
    // A labelled landmark of its own, so screen-reader users can jump to the chat.
    ui.root = el('aside', { 'class': 'root', hidden: true });
    var link = el('link', { rel: 'stylesheet', href: config.base + '/widget.css' });
    var reveal = function () { ui.root.hidden = false; };
    link.addEventListener('load', reveal);
    link.addEventListener('error', reveal);
    ui.shadow.appendChild(link);
    ui.shadow.appendChild(ui.root);
    document.body.appendChild(ui.host);
  }

  function render() {
    if (ui.panel || !state.strings) return;
    ui.root.setAttribute('aria-label', t('title'));
    ui.launcherText = el('span', { 'class': 'launcher-text', text: t('launcher') });
    ui.launcherDot = el('span', { 'class': 'dot', hidden: true, 'aria-hidden': 'true' });
    ui.launcher = el('button', {
      type: 'button', 'class': 'launcher', 'aria-expanded': 'false', 'aria-controls': 'k-panel',
      onclick: function () { if (state.open) close(); else open(); }
    }, [icon(ICON_CHAT), ui.launcherText, ui.launcherDot]);

    ui.closeBtn = el('button', { type: 'button', 'class': 'icon-btn close', 'aria-label': t('close'), onclick: function () { close(); } },
      [icon(ICON_CLOSE)]);
    var head = el('div', { 'class': 'head' }, [
      el('div', { 'class': 'titles' }, [
        el('h2', { id: 'k-title', 'class': 'title', text: t('title') }),
        el('p', { 'class': 'subtitle', text: t('subtitle') })
      ]),
      ui.closeBtn
    ]);

    ui.pauseBtn = el('button', { type: 'button', 'class': 'safety-btn pause', onclick: pause, text: t('pause') });
    ui.helpBtn = el('button', {
      type: 'button', 'class': 'safety-btn help', 'aria-expanded': 'false', 'aria-controls': 'k-help',
      onclick: function () { if (state.helpOpen) hideHelp(true); else showHelp(); }, text: t('help')
    });
    ui.leaveBtn = el('button', { type: 'button', 'class': 'safety-btn leave', 'aria-describedby': 'k-leave-hint', onclick: leave, text: t('leave') });
    var safety = el('div', { 'class': 'safety', role: 'group', 'aria-label': t('safety_group') }, [
      ui.pauseBtn, ui.helpBtn, ui.leaveBtn,
      el('span', { id: 'k-leave-hint', 'class': 'sr-only', text: t('leave_hint') })
    ]);

    ui.status = el('div', { 'class': 'status', role: 'status', 'aria-live': 'polite' });
    ui.alert = el('div', { 'class': 'sr-only', role: 'alert' });

    ui.help = el('div', { id: 'k-help', 'class': 'help-box', role: 'region', 'aria-labelledby': 'k-help-title', hidden: true });

    ui.log = el('div', { 'class': 'log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': t('log_label'), tabindex: '0' }, [
      el('p', { 'class': 'welcome', text: t('welcome') })
    ]);
    ui.quick = el('div', { 'class': 'quick', role: 'group', 'aria-label': t('quick_replies_label'), hidden: true });
    ui.typing = el('div', { 'class': 'typing', hidden: true }, [
      el('span', { 'class': 'dots', 'aria-hidden': 'true' }, [el('span'), el('span'), el('span')]),
      el('span', { 'class': 'typing-text', text: t('typing') })
    ]);

    ui.partnerA = el('input', { type: 'radio', name: 'k-partner', value: 'A', id: 'k-partner-a' });
    ui.partnerB = el('input', { type: 'radio', name: 'k-partner', value: 'B', id: 'k-partner-b' });
    [ui.partnerA, ui.partnerB].forEach(function (r) {
      r.addEventListener('change', function () { if (r.checked) { state.partner = r.value; save(); } });
    });
    var who = el('fieldset', { 'class': 'who' }, [
      el('legend', { text: t('who_legend') }),
      el('div', { 'class': 'who-options' }, [
        el('label', { 'for': 'k-partner-a', 'class': 'who-option' }, [ui.partnerA, el('span', { text: t('partner_a') })]),
        el('label', { 'for': 'k-partner-b', 'class': 'who-option' }, [ui.partnerB, el('span', { text: t('partner_b') })])
      ])
    ]);

    ui.input = el('textarea', { id: 'k-input', 'class': 'input', rows: '2', placeholder: t('message_placeholder'), autocomplete: 'off', maxlength: '2000' });
    ui.input.addEventListener('keydown', function (e) {
      if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) { e.preventDefault(); submit(); }
    });
    ui.sendBtn = el('button', { type: 'submit', 'class': 'send', text: t('send') });
    ui.form = el('form', { 'class': 'compose', novalidate: true, onsubmit: function (e) { e.preventDefault(); submit(); } }, [
      who,
      el('div', { 'class': 'compose-row' }, [
        el('label', { 'for': 'k-input', 'class': 'sr-only', text: t('message_label') }),
        ui.input,
        ui.sendBtn
      ])
    ]);

    ui.keep = el('input', { type: 'checkbox', id: 'k-keep', 'aria-describedby': 'k-keep-hint' });
    ui.keep.addEventListener('change', function () { state.keep = ui.keep.checked; save(); });
    // Sharing with the therapist: offered once a practice is linked; each partner answers for themselves.
    ui.shareBtn = el('button', {
      type: 'button', 'class': 'share-btn', 'aria-describedby': 'k-share-hint', onclick: share,
      text: t('share'), hidden: !state.practiceLinked
    });
    ui.shareHint = el('p', { id: 'k-share-hint', 'class': 'hint', text: t('share_hint'), hidden: !state.practiceLinked });
    // A copy of everything kept about the partner who is writing (A or B), as a file.
    ui.dataBtn = el('button', { type: 'button', 'class': 'share-btn data-btn', 'aria-describedby': 'k-data-hint', onclick: downloadData, text: t('mydata') });
    ui.dataHint = el('p', { id: 'k-data-hint', 'class': 'hint', text: t('mydata_hint') });
    var foot = el('div', { 'class': 'foot' }, [
      ui.shareBtn, ui.shareHint,
      el('div', { 'class': 'keep' }, [ui.keep, el('label', { 'for': 'k-keep', text: t('keep_label') })]),
      el('p', { id: 'k-keep-hint', 'class': 'hint', text: t('keep_hint') }),
      ui.dataBtn, ui.dataHint
    ]);

    ui.panel = el('div', { id: 'k-panel', 'class': 'panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'k-title', hidden: true }, [
      head, safety, ui.status, ui.help,
      el('div', { 'class': 'body' }, [ui.log, ui.typing, ui.quick]),
      ui.form, foot, ui.alert
    ]);
    ui.panel.addEventListener('keydown', function (e) {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      if (state.helpOpen) hideHelp(true); else close();
    });

    ui.root.appendChild(ui.panel);
    ui.root.appendChild(ui.launcher);

    (state.partner === 'B' ? ui.partnerB : ui.partnerA).checked = true;
    ui.keep.checked = state.keep;
    state.entries.forEach(function (entry, i) { ui.log.appendChild(entryNode(entry, state.entries[i - 1])); });
    if (state.pin && !findEntry(state.pin)) state.pin = null;
    renderQuickReplies();
    renderHelp();
    if (state.wantOpen) open({ focus: false });
  }

  function linkify(text) {
    var parts = [];
    var re = /(https?:\/\/[^\s<>"']+[^\s<>"'.,;:!?)])/g;
    var last = 0;
    var m;
    while ((m = re.exec(text)) !== null) {
      if (m.index > last) parts.push(text.slice(last, m.index));
      parts.push(el('a', { href: m[1], target: '_blank', rel: 'noopener noreferrer', text: m[1] }));
      last = m.index + m[1].length;
    }
    if (last < text.length) parts.push(text.slice(last));
    return parts;
  }

  function telHref(number) {
    return 'tel:' + String(number).replace(/[^0-9+]/g, '');
  }

  /** "Text SHOUT to 85258" / "Text 988" -> an sms: link, or null when it reads otherwise. */
  function smsLink(label) {
    var m = /^text\s+(?:(\S+)\s+to\s+)?([0-9][0-9 ]*[0-9])\s*$/i.exec(String(label).trim());
    if (!m) return null;
    var href = 'sms:' + m[2].replace(/\s+/g, '') + (m[1] ? '?&body=' + encodeURIComponent(m[1]) : '');
    return el('a', { 'class': 'res-link sms', href: href, text: label });
  }

  /** One help line (from the help directory or a crisis reply) as a list item with links. */
  function resourceNode(r) {
    var links = [];
    var phones = [r.phone].concat(Array.isArray(r.other_phones) ? r.other_phones : []).filter(Boolean);
    phones.forEach(function (phone) {
      links.push(el('a', { 'class': 'res-link call', href: telHref(phone), text: t('call') + ' ' + phone }));
    });
    if (r.text) {
      var sms = smsLink(r.text);
      links.push(sms || el('span', { 'class': 'res-notes', text: r.text }));
    }
    if (r.web) {
      var url = /^https?:\/\//.test(r.web) ? r.web : 'https://' + r.web;
      links.push(el('a', { 'class': 'res-link web', href: url, target: '_blank', rel: 'noopener noreferrer',
        text: r.web.replace(/^https?:\/\/(www\.)?/, '').replace(/\/$/, '') }));
    }
    var hours = r.hours === '24/7' ? t('any_time') : r.hours;
    return el('li', { 'class': 'resource' + (r.kind === 'emergency' ? ' emergency' : '') }, [
      r.name ? el('strong', { 'class': 'res-name', text: r.name }) : null,
      hours ? el('span', { 'class': 'res-notes', text: hours }) : null,
      links.length ? el('span', { 'class': 'res-links' }, links) : null
    ]);
  }

  /** Paragraphs of a bot message; bullet lines give way to the structured list when there is one. */
  function textNodes(text, resources) {
    var nodes = [];
    var listed = false;
    text.split(/\n{2,}/).forEach(function (para) {
      var lines = para.split('\n');
      var kept = [];
      lines.forEach(function (line) {
        if (resources && /^\s*[•*-]\s/.test(line)) {
          if (!listed) {
            if (kept.length) { nodes.push(el('p', { 'class': 'text' }, linkify(kept.join('\n')))); kept = []; }
            nodes.push(el('ul', { 'class': 'resources' }, resources.map(resourceNode)));
            listed = true;
          }
          return;
        }
        kept.push(line);
      });
      if (kept.join('').trim()) nodes.push(el('p', { 'class': 'text' }, linkify(kept.join('\n'))));
    });
    if (resources && resources.length && !listed) nodes.push(el('ul', { 'class': 'resources' }, resources.map(resourceNode)));
    return nodes;
  }

  /** Does ``entry`` continue ``prev`` (same writer, within two minutes)? Its name and time then hide visually. */
  function continues(prev, entry) {
    return !!prev && prev.who === entry.who && prev.partner === entry.partner && entry.kind !== 'crisis' &&
      Math.abs(new Date(entry.time) - new Date(prev.time)) < 120000;
  }

  function entryNode(entry, prev) {
    var who = entry.who === 'user'
      ? t('you_partner', { name: entry.partner || 'A' })
      : t('bot_name');
    var time = new Date(entry.time);
    var meta = el('p', { 'class': 'meta' }, [
      el('span', { 'class': 'who-label', text: who }),
      ' ',
      el('time', { datetime: time.toISOString(), text: timeFormat.format(time) })
    ]);
    var children = [meta];
    if (entry.kind === 'crisis') {
      children.push(el('p', { 'class': 'crisis-title', text: t('crisis_title') }));
    }
    var resources = entry.resources && entry.resources.length ? entry.resources : null;
    textNodes(entry.text || '', resources).forEach(function (n) { children.push(n); });
    if (entry.who === 'user') {
      children.push(el('p', { 'class': 'state', 'data-state': entry.status || 'sent' }));
    }
    var node = el('div', {
      'class': 'msg ' + entry.who + (entry.kind === 'crisis' ? ' crisis' : '') +
        (entry.kind === 'resources' ? ' resources-card' : '') + (continues(prev, entry) ? ' cont' : ''),
      'data-id': entry.id,
      'data-partner': entry.partner || null
    }, children);
    if (entry.who === 'user') updateStateNode(node, entry);
    return node;
  }

  function updateStateNode(node, entry) {
    var p = node.querySelector('.state');
    if (!p) return;
    p.textContent = '';
    p.setAttribute('data-state', entry.status || 'sent');
    if (entry.status === 'queued') p.textContent = t('queued');
    if (entry.status === 'failed') {
      p.appendChild(document.createTextNode(t('not_sent') + ' '));
      p.appendChild(el('button', { type: 'button', 'class': 'retry', text: t('retry'), onclick: function () { retry(entry.id); } }));
    }
  }

  function findEntry(id) {
    for (var i = 0; i < state.entries.length; i++) if (state.entries[i].id === id) return state.entries[i];
    return null;
  }

  function setEntryStatus(id, status) {
    var entry = findEntry(id);
    if (!entry) return;
    entry.status = status;
    if (!ui.log) return;
    var node = ui.log.querySelector('.msg[data-id="' + id + '"]');
    if (node) updateStateNode(node, entry);
  }

  function addEntry(entry) {
    state.entries.push(entry);
    if (state.entries.length > MAX_ENTRIES) state.entries.splice(0, state.entries.length - MAX_ENTRIES);
    // A crisis reply is read from its top (the help lines): what follows it never scrolls it away,
    // until the person writes again.
    if (entry.kind === 'crisis') state.pin = entry.id;
    else if (entry.who === 'user') state.pin = null;
    if (ui.log) ui.log.appendChild(entryNode(entry, state.entries[state.entries.length - 2]));
    renderQuickReplies(); // first: the buttons take room from the conversation
    scrollLog();
    save();
  }

  /** Show the newest message, or the top of a crisis card that is still being read. */
  function scrollLog() {
    if (!ui.log) return;
    var card = state.pin ? ui.log.querySelector('.msg[data-id="' + state.pin + '"]') : null;
    if (!card) { ui.log.scrollTop = ui.log.scrollHeight; return; }
    var offset = card.getBoundingClientRect().top - ui.log.getBoundingClientRect().top;
    ui.log.scrollTop = Math.max(0, ui.log.scrollTop + offset - 8);
  }

  function renderQuickReplies() {
    if (!ui.quick) return;
    ui.quick.textContent = '';
    var last = state.entries[state.entries.length - 1];
    var buttons = last && last.who === 'bot' && last.quick ? last.quick : [];
    buttons.forEach(function (b) {
      ui.quick.appendChild(el('button', {
        type: 'button', 'class': 'quick-btn', text: b.title,
        // The buttons go away once pressed: the focus goes back to the message box, not to the page.
        onclick: function () { send(b.payload || b.title, b.title); if (ui.input) ui.input.focus(); }
      }));
    });
    ui.quick.hidden = buttons.length === 0;
  }

  function renderHelp() {
    if (!ui.help) return;
    var help = state.help || {};
    var intro = help.intro || FALLBACK_HELP;
    var nodes = [
      el('h3', { id: 'k-help-title', 'class': 'help-title', tabindex: '-1', text: t('help_title') || 'Help right now' }),
      el('p', { 'class': 'help-intro', text: intro })
    ];
    var resources = Array.isArray(help.resources) ? help.resources : [];
    if (resources.length) {
      if (help.country && help.known) nodes.push(el('p', { 'class': 'help-country', text: t('help_country', { country: help.country_name || help.country }) }));
      nodes.push(el('ul', { 'class': 'resources' }, resources.map(resourceNode)));
    } else if (help.text) {
      help.text.split(/\n+/).forEach(function (line) { nodes.push(el('p', {}, linkify(line))); });
    }
    if (Array.isArray(help.elsewhere) && help.elsewhere.length) {
      nodes.push(el('p', { 'class': 'help-elsewhere', text: t('help_elsewhere') }));
      nodes.push(el('ul', { 'class': 'resources' }, help.elsewhere.map(resourceNode)));
    }
    nodes.push(el('p', { 'class': 'hint', text: t('help_offline_note') }));
    nodes.push(el('p', { 'class': 'help-protocol' }, [el('a', {
      href: config.base + '/safety-protocol', target: '_blank', rel: 'noopener noreferrer', text: t('help_protocol')
    })]));
    nodes.push(el('button', { type: 'button', 'class': 'help-back', text: t('help_back'), onclick: function () { hideHelp(true); } }));
    ui.help.textContent = '';
    nodes.forEach(function (n) { ui.help.appendChild(n); });
  }

  /* ---------- open, close, help ---------- */

  function open(options) {
    if (state.destroyed) return;
    state.wantOpen = true;
    if (!ui.panel) return; // opens as soon as the strings arrive
    state.open = true;
    ui.panel.hidden = false;
    ui.root.classList.add('is-open');
    ui.launcher.setAttribute('aria-expanded', 'true');
    setUnread(false);
    connect();
    save();
    if (!options || options.focus !== false) ui.input.focus();
    scrollLog();
  }

  function close() {
    state.wantOpen = false;
    if (!ui.panel || !state.open) return;
    var hadFocus = ui.shadow.activeElement && ui.panel.contains(ui.shadow.activeElement);
    state.open = false;
    ui.panel.hidden = true;
    ui.root.classList.remove('is-open');
    ui.launcher.setAttribute('aria-expanded', 'false');
    save();
    if (hadFocus) ui.launcher.focus(); // never steal focus from the host page
  }

  function showHelp() {
    renderHelp();
    state.helpOpen = true;
    ui.help.hidden = false;
    ui.panel.classList.add('help-open');
    ui.helpBtn.setAttribute('aria-expanded', 'true');
    var title = ui.help.querySelector('.help-title');
    if (title) title.focus();
  }

  function hideHelp(returnFocus) {
    state.helpOpen = false;
    ui.help.hidden = true;
    ui.panel.classList.remove('help-open');
    ui.helpBtn.setAttribute('aria-expanded', 'false');
    if (returnFocus) ui.helpBtn.focus();
  }

  function setUnread(value) {
    state.unread = value;
    if (!ui.launcher) return;
    ui.launcherDot.hidden = !value;
    ui.launcherText.textContent = value ? t('launcher_unread') : t('launcher');
  }

  /* ---------- connection ---------- */

  function setConn(conn) {
    var previous = state.conn;
    state.conn = conn;
    if (!ui.status) return;
    ui.root.setAttribute('data-conn', conn);
    if (conn === 'offline') {
      ui.status.textContent = t('offline');
      ui.status.className = 'status offline';
    } else if (conn === 'connecting' && !state.wasOnline) {
      ui.status.textContent = t('connecting');
      ui.status.className = 'status connecting';
    } else if (conn === 'online' && previous === 'offline' && state.wasOnline) {
      ui.status.textContent = t('reconnected');
      ui.status.className = 'status back';
      window.setTimeout(function () { if (state.conn === 'online' && ui.status) { ui.status.textContent = ''; ui.status.className = 'status'; } }, 4000);
    } else if (conn === 'online') {
      ui.status.textContent = '';
      ui.status.className = 'status';
    }
  }

  function loadIo(callback) {
    if (state.io) { callback(state.io); return; }
    if (state.ioLoading) return;
    state.ioLoading = true;
    var had = Object.prototype.hasOwnProperty.call(window, 'io');
    var previous = window.io;
    var tag = document.createElement('script');
    tag.src = config.base + '/vendor/socket.io.min.js';
    tag.async = true;
    tag.onload = function () {
      state.ioLoading = false;
      state.io = window.io;
      // Give the host page back its own `io`, if it had one.
      if (had) window.io = previous; else { try { delete window.io; } catch (e) { window.io = undefined; } }
      callback(state.io || null);
    };
    tag.onerror = function () {
      state.ioLoading = false;
      tag.remove();
      callback(null);
    };
    document.head.appendChild(tag);
  }

  function connect() {
    if (state.destroyed || state.socket) return;
    setConn('connecting');
    loadIo(function (io) {
      if (state.destroyed || state.socket) return;
      if (!io) { setConn('offline'); return; }
      var socket = io(config.server, {
        path: config.socketPath,
        transports: config.transports,
        reconnection: true,
        reconnectionDelay: 1000,
        reconnectionDelayMax: 5000,
        timeout: 10000,
        withCredentials: false
      });
      state.socket = socket;
      socket.on('connect', function () {
        socket.emit('session_request', { session_id: state.sessionId });
      });
      socket.on('session_confirm', function (id) {
        var confirmed = typeof id === 'string' ? id : (id && id.session_id);
        if (confirmed && confirmed !== state.sessionId) return; // not ours: ignore
        state.ready = true;
        state.wasOnline = true;
        setConn('online');
        flush();
      });
      socket.on('disconnect', function (reason) {
        dropped();
        // socket.io does not come back by itself after the server closed the session.
        if (reason === 'io server disconnect') {
          window.setTimeout(function () { if (state.socket === socket && navigator.onLine !== false) socket.connect(); }, 3000);
        }
      });
      socket.on('connect_error', function () { if (!state.ready) setConn('offline'); });
      socket.on('bot_uttered', receive);
      if (navigator.onLine === false) { socket.disconnect(); setConn('offline'); }
    });
  }

  /** The connection is gone: whatever was in flight goes back to the front of the queue. */
  function dropped() {
    state.ready = false;
    if (state.socket && state.socket.sendBuffer) state.socket.sendBuffer.length = 0; // we resend ourselves
    if (state.inflight) {
      state.inflight = null;
      setTyping(false);
    }
    setConn('offline');
    save();
  }

  function onOffline() {
    if (state.socket && state.socket.connected) state.socket.disconnect();
    dropped();
  }

  function onOnline() {
    if (state.destroyed) return;
    if (!state.strings) { bootstrap(0); return; }
    if (state.socket) {
      if (!state.socket.connected) { setConn('connecting'); state.socket.connect(); }
    } else if (state.open) {
      connect();
    }
  }

  /* ---------- sending ---------- */

  function metadata(partner) {
    var meta = {
      partner_id: 'web:' + state.sessionId + ':' + partner,
      channel: 'web',
      chat_type: 'web',
      language: languageCode(),
      timezone: timezone()
    };
    if (state.country) meta.country = state.country;
    if (config.practice) meta.practice_code = config.practice;
    if (state.dataKeyHash) meta.data_key = state.dataKeyHash;
    return meta;
  }

  function send(message, label) {
    if (state.destroyed || !message) return;
    var id = uuid();
    var now = new Date().toISOString();
    addEntry({ id: id, who: 'user', partner: state.partner, text: label || message, time: now, status: 'queued' });
    state.outbox.push({ id: id, message: message, partner: state.partner, attempts: 0 });
    if (ui.quick) { ui.quick.textContent = ''; ui.quick.hidden = true; }
    save();
    if (!state.socket) connect();
    flush();
  }

  function submit() {
    var text = ui.input.value.trim();
    if (!text) { ui.input.focus(); return; }
    ui.input.value = '';
    send(text);
    ui.input.focus();
  }

  function pause() {
    send(PAUSE_PAYLOAD, t('pause_sent'));
  }

  function share() {
    send(CONSENT_PAYLOAD, t('share'));
  }

  /** Download the writing partner's data from the gateway; the tab's data key proves it is this chat. */
  function downloadData() {
    var body = new URLSearchParams({ session_id: state.sessionId, partner: state.partner, key: state.dataKey || '' });
    fetch(config.base + '/widget/mydata', { method: 'POST', body: body, credentials: 'omit', cache: 'no-store' })
      .then(function (r) {
        if (!r.ok) throw new Error(r.status === 404 ? 'nothing' : 'failed');
        return r.blob();
      })
      .then(function (blob) {
        var url = URL.createObjectURL(blob);
        var link = el('a', { href: url, download: 'kintsugi-my-data.json', hidden: true });
        ui.shadow.appendChild(link);
        link.click();
        link.remove();
        window.setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
        if (ui.dataHint) ui.dataHint.textContent = t('mydata_done');
      })
      .catch(function (e) {
        if (ui.dataHint) ui.dataHint.textContent = t(e && e.message === 'nothing' ? 'mydata_nothing' : 'mydata_failed');
      });
  }

  function showShare() {
    state.practiceLinked = true;
    if (ui.shareBtn) ui.shareBtn.hidden = false;
    if (ui.shareHint) ui.shareHint.hidden = false;
    save();
  }

  function retry(id) {
    var entry = findEntry(id);
    if (!entry || entry.status !== 'failed') return;
    setEntryStatus(id, 'queued');
    for (var i = 0; i < state.outbox.length; i++) {
      if (state.outbox[i].id === id) { state.outbox[i].attempts = 0; state.outbox[i].failed = false; }
    }
    save();
    if (ui.input) ui.input.focus();
    flush();
  }

  /** Send the oldest waiting message, one at a time, so order is kept. */
  function flush() {
    if (!state.ready || state.inflight || !state.socket) return;
    var item = null;
    for (var i = 0; i < state.outbox.length; i++) {
      if (state.outbox[i].failed) continue;
      if (state.outbox[i].attempts >= MAX_ATTEMPTS) {
        state.outbox[i].failed = true;
        setEntryStatus(state.outbox[i].id, 'failed');
        continue;
      }
      item = state.outbox[i];
      break;
    }
    if (!item) { save(); return; }
    item.attempts += 1;
    var flight = { item: item };
    state.inflight = flight;
    setEntryStatus(item.id, 'sending');
    setTyping(true);
    save();
    state.socket.emit('user_uttered', {
      message: item.message,
      session_id: state.sessionId,
      client_message_id: item.id,
      metadata: metadata(item.partner)
    }, function () {
      // The server acknowledges once rasa has handled the message (replies are already out).
      if (state.inflight !== flight) { removeFromOutbox(item.id); setEntryStatus(item.id, 'sent'); save(); return; }
      state.inflight = null;
      removeFromOutbox(item.id);
      setEntryStatus(item.id, 'sent');
      setTyping(false);
      save();
      flush();
    });
  }

  function removeFromOutbox(id) {
    state.outbox = state.outbox.filter(function (o) { return o.id !== id; });
  }

  function setTyping(on) {
    if (ui.typing) ui.typing.hidden = !on;
  }

  /* ---------- receiving ---------- */

  function kintsugiPayload(msg) {
    var custom = msg.custom || msg.data || msg;
    return custom && typeof custom === 'object' && custom.kintsugi && typeof custom.kintsugi === 'object' ? custom.kintsugi : null;
  }

  /** Tell the server these replies are shown (and kept), so it stops holding them for us. */
  function confirmReplies(ids) {
    if (!ids.length || !state.socket || !state.socket.connected) return; // unconfirmed: sent again on reconnect
    state.socket.emit('reply_ack', { session_id: state.sessionId, reply_ids: ids });
  }

  function receive(msg) {
    if (state.destroyed || !msg || typeof msg !== 'object') return;
    var replyId = typeof msg.reply_id === 'string' ? msg.reply_id : null;
    if (replyId && state.replyIds.indexOf(replyId) !== -1) { confirmReplies([replyId]); return; } // sent again: shown already
    if (replyId) {
      state.replyIds.push(replyId);
      if (state.replyIds.length > MAX_REPLY_IDS) state.replyIds.splice(0, state.replyIds.length - MAX_REPLY_IDS);
    }
    showReply(msg);
    save();
    if (replyId) confirmReplies([replyId]);
  }

  function showReply(msg) {
    var k = kintsugiPayload(msg);
    var entry = { id: uuid(), who: 'bot', time: new Date().toISOString() };
    if (k && (k.kind === 'crisis' || k.kind === 'resources')) {
      entry.kind = k.kind;
      entry.text = String(k.text || msg.text || '');
      entry.resources = Array.isArray(k.resources) ? k.resources : [];
    } else {
      entry.text = String(msg.text || (k && k.text) || '');
    }
    if (k && k.kind === 'practice_linked') showShare();
    var replies = msg.quick_replies || msg.buttons || [];
    if (Array.isArray(replies) && replies.length) {
      entry.quick = replies.filter(function (b) { return b && b.title; }).map(function (b) {
        return { title: String(b.title), payload: String(b.payload || b.title) };
      });
    }
    if (!entry.text && !entry.quick && entry.kind !== 'crisis') {
      var src = msg.attachment && msg.attachment.payload && msg.attachment.payload.src;
      if (!src) return;
      entry.text = String(src);
    }
    addEntry(entry);
    if (entry.kind === 'crisis') {
      if (ui.alert) ui.alert.textContent = t('crisis_alert');
      if (!state.open) open({ focus: false });
    }
    if (!state.open) setUnread(true);
  }

  /* ---------- leave quickly ---------- */

  function leave() {
    var target = state.leaveUrl || 'https://www.google.com/';
    // Hide everything at once, then forget this chat in this tab and on this device.
    if (ui.host && ui.host.parentNode) ui.host.parentNode.removeChild(ui.host);
    // Only the widget's own key: the host page's storage is not ours to clear.
    writeStore('sessionStorage', null);
    writeStore('localStorage', null);
    state.entries = [];
    state.outbox = [];
    teardown();
    // Do not tell the neutral site where the person came from.
    try { document.head.appendChild(el('meta', { name: 'referrer', content: 'no-referrer' })); } catch (e) { /* no head */ }
    window.location.replace(target);
  }

  /* ---------- teardown and the public API ---------- */

  function teardown() {
    state.destroyed = true;
    window.removeEventListener('online', onOnline);
    window.removeEventListener('offline', onOffline);
    if (state.socket) {
      try { state.socket.off(); state.socket.disconnect(); } catch (e) { /* already closed */ }
      state.socket = null;
    }
  }

  function destroy() {
    if (state.destroyed) return;
    save();
    teardown();
    if (ui.host && ui.host.parentNode) ui.host.parentNode.removeChild(ui.host);
    ui = {};
  }

  window.Kintsugi = {
    version: VERSION,
    /** Open the chat panel (and connect). */
    open: function () { open(); },
    /** Close the chat panel; the conversation stays. */
    close: function () { close(); },
    /** Remove the widget from the page and disconnect; the session stays for this tab. */
    destroy: function () { destroy(); }
  };

  function start() {
    restore();
    mount();
    window.addEventListener('online', onOnline);
    window.addEventListener('offline', onOffline);
    bootstrap(0);
  }

  if (document.body) start();
  else document.addEventListener('DOMContentLoaded', start);
})(window, document);
