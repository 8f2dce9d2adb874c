// The vessel table beside the map: every vessel of the picture, sortable
// (click a header; again to reverse) and filterable (type, flag, status,
// speed range, risk level, zone alerts, and a search over name, MMSI, call
// sign and IMO). Only the rows in view are in the document (fixed row
// height, spacers above and below), so 20,000 vessels scroll and filter
// smoothly; filtering waits for a pause in typing. A click on a row (or
// Enter) flies the map to the vessel and opens its details.
//
// Reads the picture through hooks (app.js owns it); fetches only the open
// zone alerts (`GET /api/zones/open`) while the table is shown.

import {
  CATEGORIES, LOST_COLOR, shipCategory, navStatusText, deg3, knots, escapeHtml, settings as units, KM_PER_NM,
} from './format.js';

const ROW_H = 24; // px, fixed (virtual scrolling)
const OVERSCAN = 12; // rows drawn beyond the view, each side
const REFRESH_MS = 1000;
const ZONES_MS = 5000;
const FILTER_DEBOUNCE_MS = 150;
const KEY_OPEN = 'finisterra.open.vessel-table';
const KEY_VIEW = 'finisterra.table';

const RISK_RANK = { alarm: 2, warning: 1 };
const CAT_LABEL = Object.fromEntries(CATEGORIES.map((c) => [c.id, c.label]));
const CAT_COLOR = Object.fromEntries(CATEGORIES.map((c) => [c.id, c.color]));
const CAT_ORDER = Object.fromEntries(CATEGORIES.map((c, i) => [c.id, i]));

/** Columns: sort key, header, title; `num` right-aligned; `opt` 1 or 2: left out of a narrow table (console.css). */
const COLUMNS = [
  { key: 'name', label: 'Name' },
  { key: 'mmsi', label: 'MMSI', num: true },
  { key: 'type', label: 'Type' },
  { key: 'flag', label: 'Flag' },
  { key: 'sog', label: 'SOG', num: true, title: 'Speed over ground' },
  { key: 'cog', label: 'COG', num: true, title: 'Course over ground', opt: 1 },
  { key: 'status', label: 'Status', title: 'Navigational status', opt: 2 },
  { key: 'risk', label: 'Risk', title: 'Open collision risk (alarm, warning)' },
  { key: 'zone', label: 'Zone', title: 'Open zone alert (violation, predicted)', opt: 1 },
];

/** Search words: upper case, split at spaces. */
export function searchWords(query) {
  return String(query ?? '').trim().toUpperCase().split(/\s+/).filter(Boolean);
}

/**
 * Whether a vessel matches every word of a search, each in its name, MMSI,
 * call sign or IMO number (`v.callsign`, `v.imo`: when the list carries
 * them). `nameU`: the name in upper case, when the caller has it.
 */
export function matches(v, words, nameU = (v.name ?? '').toUpperCase()) {
  if (!words.length) return true;
  const mmsi = String(v.mmsi);
  const cs = v.callsign ? String(v.callsign).toUpperCase() : '';
  const imo = v.imo != null ? `IMO${v.imo}` : '';
  return words.every((w) => nameU.includes(w) || mmsi.includes(w) || (cs && cs.includes(w)) || (imo && imo.includes(w)));
}

function categoryOf(v) {
  return v.lost ? 'lost' : shipCategory(v.ship_type, v.class);
}

function debounce(fn, ms) {
  let t = null;
  return () => {
    clearTimeout(t);
    t = setTimeout(fn, ms);
  };
}

export class VesselTable {
  /**
   * @param {HTMLElement} section  the table's section (`#vessel-table`)
   * @param {object} hooks  { vessels() → Map, risks() → OpenRisk[], selected() → mmsi|null,
   *   getJSON(path) → Promise, onPick(mmsi), onToggle(open) }
   */
  constructor(section, hooks) {
    this.section = section;
    this.hooks = hooks;
    this.rows = []; // the filtered, sorted vessels
    this.total = 0;
    this.zones = new Map(); // mmsi → {state: 'violation'|'predicted', name}
    this.filter = { q: '', type: '', flag: '', status: '', min: '', max: '', risk: '', zone: '' };
    this.sort = { key: 'name', dir: 1 };
    try {
      const s = JSON.parse(localStorage.getItem(KEY_VIEW) ?? 'null');
      if (s?.sort && COLUMNS.some((c) => c.key === s.sort.key)) this.sort = { key: s.sort.key, dir: s.sort.dir === -1 ? -1 : 1 };
    } catch { /* defaults */ }
    this.optionsSig = '';
    this.drawPending = false;
    this.timer = null;
    this.zoneTimer = null;
    this.build();
    const stored = localStorage.getItem(KEY_OPEN);
    this.setOpen(stored === '1', false);
  }

  get open() {
    return !this.section.hidden;
  }

  /** Opens or closes the table (remembered). */
  setOpen(open, remember = true) {
    this.section.hidden = !open;
    document.querySelector('.layout')?.classList.toggle('with-table', open);
    for (const b of document.querySelectorAll('[aria-controls="vessel-table"]')) b.setAttribute('aria-expanded', String(open));
    if (remember) localStorage.setItem(KEY_OPEN, open ? '1' : '0');
    clearInterval(this.timer);
    clearInterval(this.zoneTimer);
    if (open) {
      this.timer = setInterval(() => this.refresh(), REFRESH_MS);
      this.zoneTimer = setInterval(() => this.loadZones(), ZONES_MS);
      this.loadZones();
      this.refresh();
    }
    this.hooks.onToggle?.(open);
  }

  toggle() {
    this.setOpen(!this.open);
  }

  build() {
    const opt = (v, t) => `<option value="${escapeHtml(v)}">${escapeHtml(t)}</option>`;
    this.section.innerHTML = `
      <header class="panel-head vt-head">
        <h2 id="vt-title">Vessels</h2>
        <span class="muted small vt-count" data-testid="table-count" aria-live="off"></span>
        <button type="button" class="icon-btn" data-action="close-table" aria-label="Close the vessel table" title="Close">✕</button>
      </header>
      <div class="vt-filters" role="search">
        <input type="search" class="vt-search" data-testid="table-search" placeholder="Search name, MMSI, call sign, IMO" aria-label="Search name, MMSI, call sign or IMO" autocomplete="off" spellcheck="false">
        <select data-f="type" data-testid="filter-type" aria-label="Ship type">${opt('', 'All types')}${CATEGORIES.map((c) => opt(c.id, c.label)).join('')}${opt('lost', 'Lost targets')}</select>
        <select data-f="flag" data-testid="filter-flag" aria-label="Flag">${opt('', 'All flags')}</select>
        <select data-f="status" data-testid="filter-status" aria-label="Navigational status">${opt('', 'All statuses')}</select>
        <select data-f="risk" data-testid="filter-risk" aria-label="Risk level">${opt('', 'Any risk')}${opt('alarm', 'Alarm')}${opt('warning', 'Warning')}${opt('any', 'Alarm or warning')}${opt('none', 'No risk')}</select>
        <select data-f="zone" data-testid="filter-zone" aria-label="Zone alerts">${opt('', 'Any zone')}${opt('in', 'In a zone alert')}${opt('predicted', 'Zone alert predicted')}${opt('none', 'No zone alert')}</select>
        <span class="vt-speed"><input type="number" data-f="min" data-testid="filter-speed-min" min="0" step="0.5" placeholder="min" aria-label="Minimum speed">–<input type="number" data-f="max" data-testid="filter-speed-max" min="0" step="0.5" placeholder="max" aria-label="Maximum speed"> <span class="vt-speed-unit"></span></span>
        <button type="button" class="vt-reset" data-action="reset" data-testid="filter-reset" title="Clear the filters">Clear</button>
      </div>
      <div class="vt-scroll" tabindex="-1">
        <table class="vt" data-testid="vessel-table-grid" aria-labelledby="vt-title" aria-rowcount="0">
          <thead><tr>${COLUMNS.map((c) => `<th scope="col" data-key="${c.key}" class="${c.num ? 'num' : ''}${c.opt ? ` opt${c.opt}` : ''}" tabindex="0" data-testid="sort-${c.key}"${c.title ? ` title="${escapeHtml(c.title)}"` : ''}>${escapeHtml(c.label)}</th>`).join('')}</tr></thead>
          <tbody></tbody>
        </table>
      </div>`;
    this.tbody = this.section.querySelector('tbody');
    this.scroller = this.section.querySelector('.vt-scroll');
    this.count = this.section.querySelector('[data-testid="table-count"]');
    const later = debounce(() => this.refresh(true), FILTER_DEBOUNCE_MS);
    this.section.querySelector('.vt-search').addEventListener('input', (e) => {
      this.filter.q = e.target.value;
      later();
    });
    this.section.querySelector('.vt-filters').addEventListener('input', (e) => {
      const f = e.target.dataset.f;
      if (!f) return;
      this.filter[f] = e.target.value;
      if (f === 'zone' && e.target.value) this.loadZones();
      later();
    });
    this.section.addEventListener('click', (e) => {
      const a = e.target.closest('[data-action]')?.dataset.action;
      if (a === 'close-table') this.setOpen(false);
      if (a === 'reset') this.reset();
    });
    const head = this.section.querySelector('thead');
    const sortBy = (th) => {
      const key = th.dataset.key;
      this.sort = key === this.sort.key ? { key, dir: -this.sort.dir } : { key, dir: 1 };
      localStorage.setItem(KEY_VIEW, JSON.stringify({ sort: this.sort }));
      this.refresh(true);
    };
    head.addEventListener('click', (e) => {
      const th = e.target.closest('th[data-key]');
      if (th) sortBy(th);
    });
    head.addEventListener('keydown', (e) => {
      const th = e.target.closest('th[data-key]');
      if (th && (e.key === 'Enter' || e.key === ' ')) {
        e.preventDefault();
        sortBy(th);
      }
    });
    this.tbody.addEventListener('click', (e) => {
      const tr = e.target.closest('tr[data-mmsi]');
      if (tr) this.hooks.onPick(Number(tr.dataset.mmsi));
    });
    this.tbody.addEventListener('keydown', (e) => {
      const tr = e.target.closest('tr[data-mmsi]');
      if (!tr) return;
      if (e.key === 'Enter' || e.key === ' ') {
        e.preventDefault();
        this.hooks.onPick(Number(tr.dataset.mmsi));
      } else if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
        e.preventDefault();
        const i = Number(tr.dataset.i) + (e.key === 'ArrowDown' ? 1 : -1);
        this.focusRow(i);
      }
    });
    this.scroller.addEventListener('scroll', () => this.scheduleDraw(), { passive: true });
    window.addEventListener('resize', () => this.scheduleDraw());
    window.addEventListener('finisterra:units', () => this.refresh(true));
  }

  reset() {
    for (const el of this.section.querySelectorAll('.vt-filters [data-f], .vt-search')) el.value = '';
    for (const k of Object.keys(this.filter)) this.filter[k] = '';
    this.refresh(true);
  }

  /** Sets filters programmatically (and their controls), e.g. {type: 'tanker'}. */
  setFilter(f) {
    for (const [k, v] of Object.entries(f)) {
      this.filter[k] = v ?? '';
      const el = k === 'q' ? this.section.querySelector('.vt-search') : this.section.querySelector(`[data-f="${k}"]`);
      if (el) el.value = v ?? '';
    }
    this.refresh(true);
  }

  async loadZones() {
    try {
      const z = await this.hooks.getJSON('api/zones/open');
      const m = new Map();
      for (const p of z.predicted ?? []) m.set(p.vessel.mmsi, { state: 'predicted', name: p.zone?.name ?? '' });
      for (const v of z.violations ?? []) m.set(v.vessel.mmsi, { state: 'violation', name: v.zone?.name ?? '' });
      this.zones = m;
    } catch (err) {
      console.warn(err);
    }
  }

  /** Risk level of each vessel in an open risk (the higher of its risks). */
  riskLevels() {
    const out = new Map();
    for (const o of this.hooks.risks() ?? []) {
      const r = o.risk ?? o;
      for (const m of [r.a?.mmsi, r.b?.mmsi]) {
        if (m != null && (RISK_RANK[r.level] ?? 0) > (RISK_RANK[out.get(m)] ?? 0)) out.set(m, r.level);
      }
    }
    return out;
  }

  /** Speed filter bounds in knots (the inputs are in the chosen unit). */
  speedBounds() {
    const k = units.speed === 'kmh' ? 1 / KM_PER_NM : 1;
    const num = (s) => (s === '' || s == null || !Number.isFinite(Number(s)) ? null : Number(s) * k);
    return [num(this.filter.min), num(this.filter.max)];
  }

  /** Filters and sorts the picture again; `now` draws at once. */
  refresh(now = false) {
    if (!this.open) return;
    const all = this.hooks.vessels();
    const levels = this.riskLevels();
    const f = this.filter;
    const [min, max] = this.speedBounds();
    const words = searchWords(f.q);
    const flags = new Set();
    const statuses = new Set();
    const out = [];
    let total = 0;
    for (const v of all.values()) {
      if (v.lat_deg == null) continue;
      total += 1;
      if (v.flag) flags.add(v.flag);
      if (v.nav_status != null) statuses.add(v.nav_status);
      const cat = categoryOf(v);
      if (f.type && cat !== f.type) continue;
      if (f.flag && v.flag !== f.flag) continue;
      if (f.status !== '' && String(v.nav_status ?? '') !== f.status) continue;
      if (min != null && !((v.sog_kn ?? -1) >= min)) continue;
      if (max != null && !(v.sog_kn != null && v.sog_kn <= max)) continue;
      const risk = levels.get(v.mmsi) ?? null;
      if (f.risk === 'alarm' && risk !== 'alarm') continue;
      if (f.risk === 'warning' && risk !== 'warning') continue;
      if (f.risk === 'any' && !risk) continue;
      if (f.risk === 'none' && risk) continue;
      const zone = this.zones.get(v.mmsi) ?? null;
      if (f.zone === 'in' && zone?.state !== 'violation') continue;
      if (f.zone === 'predicted' && zone?.state !== 'predicted') continue;
      if (f.zone === 'none' && zone) continue;
      const name = v.name ? v.name.trim().toUpperCase() : '';
      if (words.length && !matches(v, words, name)) continue;
      out.push({ v, cat, risk, zone, name });
    }
    this.sortRows(out);
    this.rows = out;
    this.total = total;
    this.updateOptions(flags, statuses);
    if (now) this.draw();
    else this.scheduleDraw();
  }

  sortRows(rows) {
    const { key, dir } = this.sort;
    const val = {
      name: (r) => r.name || null,
      mmsi: (r) => r.v.mmsi,
      type: (r) => (r.cat === 'lost' ? 99 : CAT_ORDER[r.cat]) * 1000 + (r.v.ship_type ?? 999),
      flag: (r) => r.v.flag ?? null,
      sog: (r) => r.v.sog_kn ?? null,
      cog: (r) => r.v.cog_deg ?? null,
      status: (r) => r.v.nav_status ?? null,
      risk: (r) => RISK_RANK[r.risk] ?? null,
      zone: (r) => (r.zone ? (r.zone.state === 'violation' ? 2 : 1) : null),
    }[key];
    for (const r of rows) r.k = val(r);
    rows.sort((a, b) => {
      // Unknown values last, whichever the direction; then by MMSI.
      if (a.k == null || b.k == null) return a.k == null && b.k == null ? a.v.mmsi - b.v.mmsi : a.k == null ? 1 : -1;
      if (a.k < b.k) return -dir;
      if (a.k > b.k) return dir;
      return a.v.mmsi - b.v.mmsi;
    });
  }

  updateOptions(flags, statuses) {
    const fl = [...flags].sort();
    const st = [...statuses].sort((a, b) => a - b);
    const sig = `${fl.join(',')}|${st.join(',')}`;
    if (sig === this.optionsSig) return;
    this.optionsSig = sig;
    const opt = (v, t) => `<option value="${escapeHtml(v)}">${escapeHtml(t)}</option>`;
    const flagSel = this.section.querySelector('[data-f="flag"]');
    const statusSel = this.section.querySelector('[data-f="status"]');
    // (A chosen value stays chosen even when no vessel has it now.)
    if (this.filter.flag && !fl.includes(this.filter.flag)) fl.push(this.filter.flag);
    if (this.filter.status !== '' && !st.includes(Number(this.filter.status))) st.push(Number(this.filter.status));
    flagSel.innerHTML = opt('', 'All flags') + fl.map((x) => opt(x, x)).join('');
    flagSel.value = this.filter.flag;
    statusSel.innerHTML = opt('', 'All statuses') + st.map((x) => opt(String(x), navStatusText(x))).join('');
    statusSel.value = this.filter.status;
  }

  scheduleDraw() {
    if (this.drawPending) return;
    this.drawPending = true;
    requestAnimationFrame(() => {
      this.drawPending = false;
      this.draw();
    });
  }

  /** Draws the rows in view (and spacers for the others). */
  draw() {
    if (!this.open) return;
    const n = this.rows.length;
    const headH = this.section.querySelector('thead').offsetHeight || ROW_H;
    const viewH = this.scroller.clientHeight || 400;
    const top = Math.max(0, this.scroller.scrollTop - headH);
    const first = Math.max(0, Math.floor(top / ROW_H) - OVERSCAN);
    const last = Math.min(n, Math.ceil((top + viewH) / ROW_H) + OVERSCAN);
    const sel = this.hooks.selected?.();
    const focused = document.activeElement?.closest?.('tr[data-mmsi]');
    const focusedMmsi = focused && this.tbody.contains(focused) ? focused.dataset.mmsi : null;
    const cols = COLUMNS.length;
    let html = first > 0 ? `<tr class="vt-spacer" aria-hidden="true"><td colspan="${cols}" style="height:${first * ROW_H}px"></td></tr>` : '';
    for (let i = first; i < last; i++) html += this.rowHtml(this.rows[i], i, sel);
    if (last < n) html += `<tr class="vt-spacer" aria-hidden="true"><td colspan="${cols}" style="height:${(n - last) * ROW_H}px"></td></tr>`;
    if (!n) html = `<tr class="empty"><td colspan="${cols}" class="muted">${this.total ? 'No vessel matches the filters' : 'No vessel yet'}</td></tr>`;
    this.tbody.innerHTML = html;
    if (focusedMmsi) this.tbody.querySelector(`tr[data-mmsi="${focusedMmsi}"]`)?.focus({ preventScroll: true });
    this.section.querySelector('table').setAttribute('aria-rowcount', String(n + 1));
    this.count.textContent = n === this.total ? `${n} vessels` : `showing ${n} of ${this.total}`;
    this.count.dataset.shown = String(n);
    this.count.dataset.total = String(this.total);
    for (const th of this.section.querySelectorAll('th[data-key]')) {
      th.setAttribute('aria-sort', th.dataset.key === this.sort.key ? (this.sort.dir > 0 ? 'ascending' : 'descending') : 'none');
    }
    this.section.querySelector('.vt-speed-unit').textContent = units.speed === 'kmh' ? 'km/h' : 'kn';
  }

  rowHtml(r, i, sel) {
    const v = r.v;
    const name = (v.name ?? '').trim();
    const color = r.cat === 'lost' ? LOST_COLOR : CAT_COLOR[r.cat];
    const zone = r.zone ? `<span class="vt-zone ${r.zone.state}" title="${escapeHtml(`${r.zone.state === 'violation' ? 'In' : 'Predicted'}: ${r.zone.name}`)}">${escapeHtml(r.zone.name || r.zone.state)}</span>` : '';
    return `<tr data-testid="table-row" data-mmsi="${v.mmsi}" data-i="${i}" tabindex="0" aria-rowindex="${i + 2}"${v.mmsi === sel ? ' aria-current="true"' : ''}${r.risk ? ` class="level-${r.risk}"` : ''}>
      <td class="t-name" data-testid="cell-name" title="${escapeHtml(name || `MMSI ${v.mmsi}`)}">${escapeHtml(name || '—')}</td>
      <td class="num" data-testid="cell-mmsi">${v.mmsi}</td>
      <td class="vt-type" data-testid="cell-type" title="${escapeHtml(CAT_LABEL[r.cat] ?? 'Lost target')}"><span class="ly-swatch" style="background:${color}"></span>${escapeHtml(r.cat === 'lost' ? 'Lost' : (CAT_LABEL[r.cat] ?? '').split(' ')[0])}</td>
      <td data-testid="cell-flag">${escapeHtml(v.flag ?? '—')}</td>
      <td class="num" data-testid="cell-sog" data-kn="${v.sog_kn ?? ''}">${knots(v.sog_kn)}</td>
      <td class="num opt1" data-testid="cell-cog">${deg3(v.cog_deg)}</td>
      <td class="opt2 vt-status" data-testid="cell-status" title="${escapeHtml(navStatusText(v.nav_status))}">${escapeHtml(v.nav_status == null ? '—' : navStatusText(v.nav_status))}</td>
      <td data-testid="cell-risk">${r.risk ? `<span class="badge level-${r.risk}">${r.risk}</span>` : ''}</td>
      <td class="opt1" data-testid="cell-zone">${zone}</td>
    </tr>`;
  }

  /** Scrolls row `i` into view and focuses it. */
  focusRow(i) {
    if (i < 0 || i >= this.rows.length) return;
    const headH = this.section.querySelector('thead').offsetHeight || ROW_H;
    const y = i * ROW_H;
    const s = this.scroller;
    if (y < s.scrollTop) s.scrollTop = y;
    else if (y + ROW_H + headH > s.scrollTop + s.clientHeight) s.scrollTop = y + ROW_H + headH - s.clientHeight;
    this.draw();
    this.tbody.querySelector(`tr[data-i="${i}"]`)?.focus({ preventScroll: true });
  }
}

