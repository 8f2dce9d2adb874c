// History playback: the picture as it was, on the live map's own layers.
// The operator picks a period; the console reads the stored tracks of the
// area in view (`GET /api/tracks`, page after page) and the events of the
// period (`GET /api/events`), and plays them back with a time slider:
// vessels at their interpolated position with their heading, and the
// alerts panel as it stood at that moment (the alerts then open, with
// their figures then, acknowledged only if they had been by then). The
// live stream stays connected; app.js just does not draw it while
// history is shown. Also the exports of the period (exports.js).

import { setData, iconName } from './map.js';
import { Alerts, ALERT_KINDS, CLEAR_KINDS, mmsisOf } from './alerts.js';
import { CATEGORIES, OWN_COLOR, shipCategory, destination } from './format.js';
import {
  TrackSet, upperBound, symbolCourse, inputTime, parseInputTime, clockOf, dateOf, readBox, boxCovers,
} from './tracks.js';
import { renderExports } from './exports.js';

const PRESETS = [['15 min', 15 * 60_000], ['1 h', 3_600_000], ['6 h', 6 * 3_600_000], ['24 h', 24 * 3_600_000]];
const SPEEDS = [1, 10, 60];
const DEFAULT_SPEED = 10;
/** Tracks are read from this long before the period: vessels under way at
 *  its start are drawn from its first second. */
const LEAD_MS = 10 * 60_000;
/** Events are read from this long before the period: alerts raised before
 *  it and still open in it. */
const EVENT_LOOKBACK_MS = 3 * 3_600_000;
const MAX_PERIOD_MS = 7 * 24 * 3_600_000;
const MAX_POINTS = 2_000_000;
const MAX_EVENTS = 100_000;
const PAGE_POINTS = 100_000;
const PAGE_EVENTS = 10_000;
const DRAW_MS = 100; // at most ten frames a second while playing
const PREDICTOR_MIN = 6;

const EMPTY = { type: 'FeatureCollection', features: [] };

export class Playback {
  /**
   * @param {object} hooks {
   *   token(): the API token (or ''), map(): the MapLibre map (or null),
   *   vessels: the live Map mmsi → summary (names and types),
   *   selected(), ownMmsi(), dataTime(): the picture's data time (ISO),
   *   alerts: the live Alerts (its filter is shared),
   *   nameOf(mmsi, ev), onEnter(), onExit() }
   */
  constructor(hooks) {
    this.hooks = hooks;
    this.active = false; // history shown (live drawing held)
    this.loading = false;
    this.playing = false;
    this.speed = DEFAULT_SPEED;
    this.from = NaN;
    this.to = NaN;
    this.time = NaN;
    this.tracks = new Map(); // mmsi → Track
    this.events = []; // alert and clear events, by data time
    this.evTimes = [];
    this.ackTimes = [];
    this.names = new Map(); // mmsi → name (from events)
    this.types = new Map(); // mmsi → ship type (from events)
    this.positions = new Map(); // mmsi → drawn position at `time`
    this.box = null; // the extent the tracks were read in
    this.sig = null; // which events and acknowledgements the alerts show
    this.abort = null;
    this.eventNote = '';
    this.frame = 0;
    this.lastDraw = 0;
    this.mount();
  }

  // ------------------------------------------------------------- markup

  mount() {
    const $ = (s) => document.querySelector(s);
    // The topbar button (before the settings button).
    const btn = document.createElement('button');
    btn.type = 'button';
    btn.className = 'icon-btn history-btn';
    btn.dataset.testid = 'history-button';
    btn.setAttribute('aria-controls', 'history-panel');
    btn.setAttribute('aria-expanded', 'false');
    btn.title = 'History: play back a period, export it';
    btn.setAttribute('aria-label', 'History and exports');
    btn.innerHTML = '<svg viewBox="0 0 16 16" width="15" height="15" aria-hidden="true"><circle cx="8" cy="8" r="6.2" fill="none" stroke="currentColor" stroke-width="1.4"/><path d="M8 4.2V8l2.6 1.6" fill="none" stroke="currentColor" stroke-width="1.4" stroke-linecap="round"/></svg>';
    const settingsBtn = $('[data-testid="settings-button"]');
    if (settingsBtn) settingsBtn.before(btn);
    else $('.topbar')?.append(btn);
    this.button = btn;

    const wrap = $('.map-wrap') ?? document.body;
    const banner = document.createElement('div');
    banner.className = 'history-banner';
    banner.dataset.testid = 'history-banner';
    banner.hidden = true;
    banner.innerHTML = `<span class="hb-text" role="status"><b>HISTORY</b> <span class="hb-date" data-testid="history-date"></span>
      <time data-testid="history-time">--:--:--</time><span class="hb-live" data-testid="history-live-alarms"></span></span>
      <span aria-hidden="true">—</span>
      <button type="button" data-testid="history-exit">back to live</button>`;
    wrap.append(banner);
    this.banner = banner;

    const panel = document.createElement('section');
    panel.id = 'history-panel';
    panel.className = 'history-panel';
    panel.dataset.testid = 'history-panel';
    panel.hidden = true;
    panel.setAttribute('aria-label', 'History and exports');
    panel.innerHTML = `
      <div class="hp-row hp-period">
        <span class="hp-label">Period</span>
        <span class="hp-group" role="group" aria-label="The last">${PRESETS.map(([label, ms]) => `<button type="button" class="hp-chip" data-preset="${ms}" data-testid="history-preset">${label}</button>`).join('')}</span>
        <label class="hp-time">from <input type="datetime-local" step="1" data-testid="history-from" aria-label="From (UTC)"></label>
        <label class="hp-time">to <input type="datetime-local" step="1" data-testid="history-to" aria-label="To (UTC)"></label>
        <span class="muted small">UTC</span>
        <button type="button" class="hp-primary" data-testid="history-load">Play back</button>
        <button type="button" class="icon-btn hp-close" data-action="close" aria-label="Close history" title="Close">✕</button>
      </div>
      <div class="hp-row hp-transport" data-testid="history-transport" hidden>
        <button type="button" class="hp-play" data-testid="history-play" aria-label="Play">▶</button>
        <span class="hp-group" role="group" aria-label="Speed">${SPEEDS.map((s) => `<button type="button" class="hp-chip" data-speed="${s}" data-testid="history-speed-${s}" aria-pressed="${s === DEFAULT_SPEED}">${s}×</button>`).join('')}</span>
        <input type="range" class="hp-slider" data-testid="history-slider" aria-label="Time" step="1000">
        <output class="hp-clock" data-testid="history-clock"></output>
      </div>
      <div class="hp-row hp-status muted small" data-testid="history-status" role="status"></div>
      <div class="hp-row hp-exports" data-testid="exports"></div>`;
    wrap.append(panel);
    this.panel = panel;
    const q = (s) => panel.querySelector(s);
    this.el = {
      from: q('[data-testid="history-from"]'), to: q('[data-testid="history-to"]'),
      load: q('[data-testid="history-load"]'), transport: q('[data-testid="history-transport"]'),
      play: q('[data-testid="history-play"]'), slider: q('[data-testid="history-slider"]'),
      clock: q('[data-testid="history-clock"]'), status: q('[data-testid="history-status"]'),
      exports: q('[data-testid="exports"]'), time: banner.querySelector('[data-testid="history-time"]'),
      date: banner.querySelector('[data-testid="history-date"]'), live: banner.querySelector('[data-testid="history-live-alarms"]'),
    };

    // The alerts as they stood: a list of their own beside the live one.
    const live = $('#alerts');
    const note = document.createElement('p');
    note.className = 'history-note';
    note.dataset.testid = 'history-alerts-note';
    note.hidden = true;
    const list = document.createElement('ol');
    list.className = 'alerts history-alerts';
    list.dataset.testid = 'history-alerts';
    list.setAttribute('aria-label', 'Alerts open at the time shown');
    list.hidden = true;
    live?.after(note, list);
    this.liveList = live;
    this.note = note;
    this.list = list;
    this.alerts = new Alerts(list, {
      nameOf: (mmsi, ev) => this.hooks.nameOf(mmsi, ev) ?? this.names.get(mmsi),
      onAck: () => Promise.reject(new Error('Acknowledge in the live picture')),
      onPan: (s) => this.panTo(s),
    });
    // The live panel's filter (lost targets, acknowledged), shared.
    if (this.hooks.alerts?.filter) this.alerts.filter = this.hooks.alerts.filter;
    for (const id of ['show-info', 'show-acknowledged']) {
      document.getElementById(id)?.addEventListener('change', () => {
        this.sig = null;
        if (this.active) this.render();
      });
    }

    btn.addEventListener('click', () => this.toggle());
    banner.querySelector('[data-testid="history-exit"]').addEventListener('click', () => this.exit());
    panel.addEventListener('click', (e) => {
      const b = e.target.closest('button');
      if (!b) return;
      if (b.dataset.preset) this.preset(Number(b.dataset.preset));
      else if (b.dataset.speed) this.setSpeed(Number(b.dataset.speed));
      else if (b.dataset.action === 'close') this.toggle(false);
      else if (b === this.el.load) this.start();
      else if (b === this.el.play) (this.playing ? this.pause() : this.play());
    });
    for (const inp of [this.el.from, this.el.to]) inp.addEventListener('change', () => this.updateExports());
    this.el.slider.addEventListener('input', () => this.seek(Number(this.el.slider.value)));
    // Exports follow the selected vessel.
    setInterval(() => {
      if (!panel.hidden) this.updateExports();
      if (this.active && !this.playing && this.hooks.selected() !== this.drawnSelected) this.render();
    }, 500);
  }

  toggle(show) {
    const open = show ?? this.panel.hidden;
    if (!open && this.active) this.exit();
    this.panel.hidden = !open;
    this.button.setAttribute('aria-expanded', String(open));
    if (open && !this.el.from.value) this.preset(3_600_000);
    if (open) this.updateExports();
  }

  /** The last `ms` up to the picture's data time or the clock, whichever is later. */
  preset(ms) {
    const data = Date.parse(this.hooks.dataTime() ?? '');
    const end = Math.ceil(Math.max(Number.isFinite(data) ? data : 0, Date.now()) / 1000) * 1000;
    this.el.from.value = inputTime(end - ms);
    this.el.to.value = inputTime(end);
    this.updateExports();
  }

  period() {
    return [parseInputTime(this.el.from.value), parseInputTime(this.el.to.value)];
  }

  updateExports() {
    const [fromMs, toMs] = this.active ? [this.from, this.to] : this.period();
    const mmsi = this.hooks.selected();
    renderExports(this.el.exports, {
      fromMs, toMs, mmsi, name: mmsi != null ? this.nameOf(mmsi) : '', token: this.hooks.token(),
    });
  }

  nameOf(mmsi) {
    return (this.hooks.vessels.get(mmsi)?.name ?? '').trim() || this.names.get(mmsi) || '';
  }

  status(text, error = false) {
    this.el.status.textContent = text;
    this.el.status.classList.toggle('error', error);
  }

  // ------------------------------------------------------ enter and exit

  /** "Play back": the period of the inputs. */
  start() {
    const [from, to] = this.period();
    if (!Number.isFinite(from) || !Number.isFinite(to)) return this.status('Choose the start and the end of the period.', true);
    if (from >= to) return this.status('The period must start before it ends.', true);
    if (to - from > MAX_PERIOD_MS) return this.status('At most seven days at a time.', true);
    return this.enter(from, to);
  }

  /** Enters history mode for [from, to] (ms) and reads what it needs. */
  async enter(from, to) {
    const map = this.hooks.map();
    if (!map) return;
    this.abort?.abort();
    const abort = new AbortController();
    this.abort = abort;
    this.pause();
    if (!this.active) {
      this.active = true;
      document.body.classList.add('history-mode');
      this.hooks.onEnter?.();
    }
    if (!this.viewFollowed) {
      this.viewFollowed = true;
      map.on('moveend', () => this.followView());
    }
    // Nothing of the live picture stays drawn.
    for (const src of ['vessels', 'predictors', 'own', 'selected', 'track', 'risks', 'hazards']) setData(map, src, EMPTY);
    this.toggle(true);
    this.from = from;
    this.to = to;
    this.time = from;
    this.tracks = new Map();
    this.events = [];
    this.evTimes = [];
    this.ackTimes = [];
    this.sig = null;
    this.banner.hidden = false;
    this.liveList.hidden = true;
    this.list.hidden = false;
    this.note.hidden = false;
    const s = this.el.slider;
    s.min = String(from);
    s.max = String(to);
    s.value = String(from);
    this.el.transport.hidden = false;
    this.el.play.disabled = true;
    s.disabled = true;
    this.loading = true;
    this.status('Reading the events and tracks of the period…');
    let points = 0;
    try {
      [, points] = await Promise.all([this.loadEvents(abort.signal), this.loadTracks(abort.signal)]);
    } catch (err) {
      if (abort.signal.aborted) return;
      this.loading = false;
      this.exit();
      this.toggle(true);
      this.status(err.message ?? String(err), true);
      return;
    }
    if (abort.signal.aborted) return;
    this.loading = false;
    this.el.play.disabled = false;
    s.disabled = false;
    this.status(`${this.tracksNote(points)}; ${this.events.length} alert events${this.eventNote}.`);
    this.updateExports();
    this.render();
  }

  /** Back to live: the live picture is drawn again. */
  exit() {
    if (!this.active) return;
    this.abort?.abort();
    this.abort = null;
    this.pause();
    this.active = false;
    this.loading = false;
    this.tracks = new Map();
    this.events = [];
    this.positions.clear();
    this.sig = null;
    document.body.classList.remove('history-mode');
    this.banner.hidden = true;
    this.el.transport.hidden = true;
    this.list.hidden = true;
    this.note.hidden = true;
    this.alerts.reset();
    if (this.liveList) this.liveList.hidden = false;
    this.status('');
    const map = this.hooks.map();
    if (map) for (const src of ['risks', 'hazards', 'track']) setData(map, src, EMPTY);
    this.hooks.onExit?.();
    this.updateExports();
  }

  // ------------------------------------------------------------ reading

  async fetchJSON(path, signal) {
    const headers = { accept: 'application/json' };
    const token = this.hooks.token();
    if (token) headers.authorization = `Bearer ${token}`;
    const r = await fetch(path, { headers, signal });
    if (!r.ok) {
      let msg = `HTTP ${r.status}`;
      try { msg = (await r.json()).error ?? msg; } catch { /* not JSON */ }
      throw new Error(r.status === 404 && /history/.test(msg) ? `No stored history on this server: ${msg}` : `${path.split('?')[0]}: ${msg}`);
    }
    return r.json();
  }

  /** The alert and clear events from a while before the period to its end. */
  async loadEvents(signal) {
    const kinds = [...ALERT_KINDS, ...CLEAR_KINDS].join(',');
    const out = [];
    let since = 0;
    for (;;) {
      const q = new URLSearchParams({
        from: String(this.from - EVENT_LOOKBACK_MS), to: String(this.to + 1), kind: kinds, limit: String(PAGE_EVENTS), since: String(since),
      });
      const r = await this.fetchJSON(`api/events?${q}`, signal);
      out.push(...r.events);
      if (r.events.length < PAGE_EVENTS || out.length >= MAX_EVENTS) break;
      since = r.next;
    }
    const timed = out.map((ev) => {
      const t = Date.parse(ev.time);
      const ackMs = ev.acknowledged_at ? Date.parse(ev.acknowledged_at) : NaN;
      // The same event as it was before its acknowledgement.
      const bare = { ...ev, acknowledged: false };
      delete bare.acknowledged_by;
      delete bare.acknowledged_at;
      for (const r of [ev.a, ev.b, ev.vessel, ev]) {
        if (r?.mmsi == null) continue;
        if (r.name?.trim()) this.names.set(r.mmsi, r.name.trim());
        if (r.ship_type != null) this.types.set(r.mmsi, r.ship_type);
      }
      return { t, ev, bare, ackMs };
    }).filter((x) => Number.isFinite(x.t));
    timed.sort((x, y) => x.t - y.t || x.ev.id - y.ev.id);
    this.events = timed;
    this.evTimes = timed.map((x) => x.t);
    this.ackTimes = timed.map((x) => x.ackMs).filter(Number.isFinite).sort((a, b) => a - b);
    this.eventNote = out.length >= MAX_EVENTS ? ` (the first ${MAX_EVENTS.toLocaleString('en')})` : '';
  }

  /** The stored tracks in (a little more than) the view, page after page. */
  async loadTracks(signal) {
    const map = this.hooks.map();
    const b = map.getBounds();
    const { bbox, box } = readBox(b.getWest(), b.getSouth(), b.getEast(), b.getNorth());
    const set = new TrackSet();
    let after = null;
    for (;;) {
      const q = new URLSearchParams({ from: String(this.from - LEAD_MS), to: String(this.to + 1), limit: String(PAGE_POINTS) });
      if (bbox) q.set('bbox', bbox.join(','));
      if (after) q.set('after', after);
      const r = await this.fetchJSON(`api/tracks?${q}`, signal);
      set.add(r);
      this.status(`Reading tracks… ${set.count.toLocaleString('en')} points`);
      if (!r.next || set.count >= MAX_POINTS) break;
      after = r.next;
    }
    if (signal.aborted) return 0;
    this.tracks = set.finish();
    this.box = box;
    return set.count;
  }

  tracksNote(points) {
    const cut = points >= MAX_POINTS ? ` (cut at ${MAX_POINTS.toLocaleString('en')}: zoom in for all)` : '';
    return `Tracks of the area in view: ${this.tracks.size} vessels, ${points.toLocaleString('en')} points${cut}`;
  }

  /** The view left the area read: read the tracks of the new one. */
  followView() {
    if (!this.active || this.loading) return;
    const b = this.hooks.map().getBounds();
    if (boxCovers(this.box, b.getWest(), b.getSouth(), b.getEast(), b.getNorth())) return;
    clearTimeout(this.viewTimer);
    this.viewTimer = setTimeout(async () => {
      const abort = new AbortController();
      this.abort = abort;
      this.loading = true;
      try {
        const points = await this.loadTracks(abort.signal);
        if (!abort.signal.aborted) this.status(`${this.tracksNote(points)}; ${this.events.length} alert events${this.eventNote}.`);
      } catch (err) {
        if (!abort.signal.aborted) this.status(err.message ?? String(err), true);
      }
      if (abort.signal.aborted) return;
      this.loading = false;
      this.render();
    }, 400);
  }

  // ----------------------------------------------------------- playing

  play() {
    if (!this.active || this.loading) return;
    if (this.time >= this.to) this.time = this.from;
    this.playing = true;
    this.el.play.textContent = '❚❚';
    this.el.play.setAttribute('aria-label', 'Pause');
    let last = performance.now();
    const tick = (now) => {
      if (!this.playing) return;
      this.time = Math.min(this.to, this.time + (now - last) * this.speed);
      last = now;
      const end = this.time >= this.to;
      if (end || now - this.lastDraw >= DRAW_MS) {
        this.lastDraw = now;
        this.draw();
      }
      if (end) this.pause();
      else this.frame = requestAnimationFrame(tick);
    };
    this.frame = requestAnimationFrame(tick);
  }

  pause() {
    this.playing = false;
    cancelAnimationFrame(this.frame);
    this.el.play.textContent = '▶';
    this.el.play.setAttribute('aria-label', 'Play');
  }

  setSpeed(s) {
    this.speed = s;
    for (const b of this.panel.querySelectorAll('[data-speed]')) b.setAttribute('aria-pressed', String(Number(b.dataset.speed) === s));
  }

  /** To a moment of the period (ms). */
  seek(ms) {
    if (!this.active || !Number.isFinite(ms)) return;
    this.time = Math.max(this.from, Math.min(this.to, ms));
    this.render();
  }

  /** Drawn at the next frame (slider moves come faster than frames). */
  render() {
    if (this.renderPending) return;
    this.renderPending = true;
    requestAnimationFrame(() => {
      this.renderPending = false;
      if (this.active) this.draw();
    });
  }

  // ------------------------------------------------------------ drawing

  draw() {
    const map = this.hooks.map();
    if (!map || !this.active) return;
    const T = this.time;
    this.el.slider.value = String(Math.round(T));
    this.el.time.textContent = clockOf(T);
    this.el.date.textContent = dateOf(T);
    this.el.clock.textContent = `${dateOf(T)} ${clockOf(T)}`;
    this.el.time.dateTime = new Date(T).toISOString();
    const liveAlarms = this.hooks.alerts?.counts().alarm ?? 0;
    this.el.live.textContent = liveAlarms ? ` · ${liveAlarms} live alarm${liveAlarms > 1 ? 's' : ''}` : '';
    this.el.live.title = liveAlarms ? 'Unacknowledged alarms in the live picture' : '';
    if (this.loading && !this.tracks.size) return;
    this.drawVessels(map, T);
    this.drawAlerts(T);
    this.drawSituations(map);
  }

  drawVessels(map, T) {
    const features = [];
    const predictors = [];
    const own = this.hooks.ownMmsi();
    this.positions.clear();
    for (const tr of this.tracks.values()) {
      const p = tr.at(T);
      if (!p) continue;
      this.positions.set(tr.mmsi, p);
      const v = this.hooks.vessels.get(tr.mmsi);
      // (Names and types from the live picture, else from the events.)
      const cat = shipCategory(v?.ship_type ?? this.types.get(tr.mmsi), v?.class);
      const rot = symbolCourse(p);
      const isOwn = tr.mmsi === own;
      features.push({
        type: 'Feature',
        geometry: { type: 'Point', coordinates: [p.lon, p.lat] },
        properties: {
          mmsi: tr.mmsi, icon: iconName(cat, rot != null, p.lost, isOwn && !p.lost), rot: rot ?? 0,
          z: isOwn ? 2 : p.lost ? 0 : 1, name: this.nameOf(tr.mmsi), history: true,
        },
      });
      if (!p.lost && p.cog != null && (p.sog ?? 0) >= 0.5) {
        const end = destination(p.lat, p.lon, p.cog, (p.sog * PREDICTOR_MIN) / 60);
        const color = isOwn ? OWN_COLOR : CATEGORIES.find((c) => c.id === cat)?.color ?? '#a0aab4';
        predictors.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [[p.lon, p.lat], end] }, properties: { color } });
      }
    }
    setData(map, 'vessels', { type: 'FeatureCollection', features });
    setData(map, 'predictors', { type: 'FeatureCollection', features: predictors });
    const op = own != null ? this.positions.get(own) : null;
    setData(map, 'own', {
      type: 'FeatureCollection',
      features: op ? [{ type: 'Feature', geometry: { type: 'Point', coordinates: [op.lon, op.lat] }, properties: { mmsi: own } }] : [],
    });
    // The selected vessel: its ring, and its track up to this moment.
    const sel = this.hooks.selected();
    this.drawnSelected = sel;
    const sp = sel != null ? this.positions.get(sel) : null;
    setData(map, 'selected', {
      type: 'FeatureCollection',
      features: sp ? [{ type: 'Feature', geometry: { type: 'Point', coordinates: [sp.lon, sp.lat] }, properties: {} }] : [],
    });
    const tr = sel != null ? this.tracks.get(sel) : null;
    const track = [];
    if (tr) {
      const n = upperBound(tr.t, T);
      const coords = [];
      for (let i = Math.max(0, n - 240); i < n; i++) {
        coords.push([tr.lon[i], tr.lat[i]]);
        track.push({ type: 'Feature', geometry: { type: 'Point', coordinates: [tr.lon[i], tr.lat[i]] }, properties: { time: tr.t[i] } });
      }
      if (sp) coords.push([sp.lon, sp.lat]);
      if (coords.length > 1) track.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: coords }, properties: {} });
    }
    setData(map, 'track', { type: 'FeatureCollection', features: track });
  }

  /** The alerts panel as it stood at T: rebuilt when an event or an
   *  acknowledgement is crossed. */
  drawAlerts(T) {
    const n = upperBound(this.evTimes, T);
    const acks = upperBound(this.ackTimes, T);
    const sig = `${n}:${acks}`;
    this.note.textContent = `Open at ${clockOf(T)}, as acknowledged then. Acknowledge in the live picture.`;
    if (sig === this.sig) return;
    this.sig = sig;
    const h = this.alerts;
    h.reset();
    for (let i = 0; i < n; i++) {
      const x = this.events[i];
      h.ingest(x.ackMs <= T ? x.ev : x.bare, false);
    }
    // A lost target heard again by then is back.
    for (const [key, sid] of [...h.open]) {
      if (!key.startsWith('lost:')) continue;
      const s = h.items.get(sid);
      const tr = this.tracks.get(s.latest.vessel?.mmsi);
      if (tr?.heardBetween(Date.parse(s.latest.time), T)) h.open.delete(key);
    }
    // Only what was open then.
    const open = new Set(h.open.values());
    for (const s of [...h.items.values()]) {
      if (s.cleared || !open.has(s.id)) h.items.delete(s.id);
    }
    h.renderAll();
    for (const b of this.list.querySelectorAll('button.ack')) {
      const span = document.createElement('span');
      span.className = 'muted';
      span.dataset.testid = 'unacked-note';
      span.textContent = 'not acknowledged then';
      b.replaceWith(span);
    }
  }

  /** Risk and hazard lines of the situations open at T, between the
   *  vessels where they were. */
  drawSituations(map) {
    const risks = [];
    const hazards = [];
    const at = (ref) => {
      const p = this.positions.get(ref.mmsi);
      return p ? [p.lon, p.lat] : [ref.lon, ref.lat];
    };
    let i = 0;
    for (const s of this.alerts.items.values()) {
      const ev = s.latest;
      if (s.group === 'risk' && ev.a && ev.b) {
        const key = `${ev.a.mmsi}:${ev.b.mmsi}`;
        const [pa, pb, cpa] = [at(ev.a), at(ev.b), [ev.cpa_lon, ev.cpa_lat]];
        const props = { level: s.level, key };
        risks.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [pa, pb] }, properties: { ...props, part: 'pair' } });
        if (Number.isFinite(ev.cpa_lat) && Number.isFinite(ev.cpa_lon)) {
          risks.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [pa, cpa] }, properties: { ...props, part: 'leg' } });
          risks.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [pb, cpa] }, properties: { ...props, part: 'leg' } });
          risks.push({ type: 'Feature', geometry: { type: 'Point', coordinates: cpa }, properties: { ...props, part: 'cpa' } });
        }
      } else if (s.group === 'hazard' && ev.vessel && ev.hazard) {
        const props = { level: s.level, i: -1 - i };
        const ph = [ev.hazard.lon, ev.hazard.lat];
        hazards.push({ type: 'Feature', geometry: { type: 'LineString', coordinates: [at(ev.vessel), ph] }, properties: props });
        hazards.push({ type: 'Feature', geometry: { type: 'Point', coordinates: ph }, properties: props });
      }
      i += 1;
    }
    setData(map, 'risks', { type: 'FeatureCollection', features: risks });
    setData(map, 'hazards', { type: 'FeatureCollection', features: hazards });
  }

  /** A history alert clicked: the map frames where it was. */
  panTo(s) {
    const map = this.hooks.map();
    const ev = s.latest;
    const pts = mmsisOf(ev).map((m) => this.positions.get(m)).filter(Boolean).map((p) => [p.lon, p.lat]);
    if (Number.isFinite(ev.cpa_lat)) pts.push([ev.cpa_lon, ev.cpa_lat]);
    if (ev.hazard) pts.push([ev.hazard.lon, ev.hazard.lat]);
    if (!pts.length && Number.isFinite(ev.lat)) pts.push([ev.lon, ev.lat]);
    if (!map || !pts.length) return;
    if (pts.length === 1) {
      map.easeTo({ center: pts[0], zoom: Math.max(map.getZoom(), 11), duration: 600 });
      return;
    }
    const lons = pts.map((p) => p[0]);
    const lats = pts.map((p) => p[1]);
    map.fitBounds([[Math.min(...lons), Math.min(...lats)], [Math.max(...lons), Math.max(...lats)]], { padding: 90, maxZoom: 11, duration: 600 });
  }

  /** Where a vessel is drawn at the time shown (test hook): [lon, lat] or null. */
  positionOf(mmsi) {
    const p = this.positions.get(Number(mmsi));
    return p ? [p.lon, p.lat] : null;
  }
}

