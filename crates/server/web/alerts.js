// The alerts panel: one item per situation (a pair at risk, a vessel
// heading for a hazard, a zone rule, a distress, a lost target), newest
// first. Later events of the same situation update the item in place; an
// escalation (warning → alarm) after an acknowledgement asks again.

import {
  adviceLines, clock, duration, nm, vesselName, encounterText, deg3, escapeHtml,
  RULE_TEXT, DISTRESS_TEXT, knots,
} from './format.js';

/** Kinds the panel shows, and kinds that end a situation: filled from the
 *  server's one list (`GET /api/event-kinds`) by `setKinds` at start. */
export const ALERT_KINDS = [];
export const CLEAR_KINDS = [];

/** Takes the server's list of event kinds. */
export function setKinds(list) {
  ALERT_KINDS.splice(0, ALERT_KINDS.length, ...list.filter((k) => k.alert).map((k) => k.kind));
  CLEAR_KINDS.splice(0, CLEAR_KINDS.length, ...list.filter((k) => k.clears).map((k) => k.kind));
}

const RANK = { info: 0, warning: 1, alarm: 2 };
const MAX_ITEMS = 400;

export function levelOf(ev) {
  if (ev.level) return ev.level;
  switch (ev.kind) {
    case 'distress':
    case 'zone.violation':
    case 'airspace.violation':
      return 'alarm';
    case 'zone.predicted':
    case 'airspace.predicted':
      return 'warning';
    case 'air.conflict.raised':
    case 'air.conflict.updated':
      // Separation lost now, or the closer tier: an alarm.
      return ev.separation_lost || ev.tier === 'warning' ? 'alarm' : 'warning';
    default:
      return 'info';
  }
}

function keyOf(ev) {
  switch (ev.kind) {
    case 'risk.raised':
    case 'risk.updated':
    case 'risk.cleared':
      return `risk:${ev.a.mmsi}:${ev.b.mmsi}`;
    case 'hazard.raised':
    case 'hazard.updated':
    case 'hazard.cleared':
      return `hazard:${ev.vessel.mmsi}:${ev.hazard.kind}:${ev.hazard.mmsi ?? ev.hazard.name ?? ''}`;
    case 'zone.predicted':
    case 'zone.violation':
    case 'zone.cleared':
      // By the zone's identity, never its place in the list (which changes
      // when an earlier zone is deleted).
      return `zone:${ev.zone.id ?? ev.zone.name}:${ev.vessel.mmsi}`;
    case 'distress':
      return `distress:${ev.mmsi}`;
    case 'target.lost':
      return `lost:${ev.vessel.mmsi}`;
    case 'air.conflict.raised':
    case 'air.conflict.updated':
    case 'air.conflict.cleared':
      return `air:${aircraftId(ev.a)}:${aircraftId(ev.b)}`;
    case 'airspace.predicted':
    case 'airspace.violation':
    case 'airspace.cleared':
      return `airspace:${ev.zone.id ?? ev.zone.name}:${aircraftId(ev.aircraft)}`;
    default:
      return null;
  }
}

const KIND_LABEL = {
  risk: 'Collision risk', hazard: 'Hazard', zone: 'Zone', distress: 'Distress', target: 'Target lost',
  air: 'Air conflict', airspace: 'Airspace',
};

/** An aircraft's identity: its 24-bit address, or the MMSI of an AIS
 *  search-and-rescue aircraft. */
export function aircraftId(a) {
  return a?.hex ?? `mmsi:${a?.mmsi}`;
}

/** An aircraft's name in words: callsign, else address. */
function aircraftName(a) {
  return a?.flight ?? a?.hex ?? `SAR aircraft ${a?.mmsi}`;
}

/** A pressure altitude as a controller says it: a flight level at and above
 *  18,000 ft, feet below. */
export function altitudeText(ft) {
  if (ft == null) return 'altitude unknown';
  return ft >= 18000 ? `FL${String(Math.round(ft / 100)).padStart(3, '0')}` : `${Math.round(ft / 100) * 100} ft`;
}

/** Vessels an event is about (for selection and panning). */
export function mmsisOf(ev) {
  if (ev.a && ev.b) return [ev.a.mmsi, ev.b.mmsi].filter((m) => m != null);
  if (ev.aircraft) return ev.aircraft.mmsi != null ? [ev.aircraft.mmsi] : [];
  if (ev.vessel) return [ev.vessel.mmsi];
  if (ev.mmsi) return [ev.mmsi];
  return [];
}

export class Alerts {
  /**
   * @param {HTMLElement} list  the <ol> to fill
   * @param {object} hooks  { nameOf(mmsi), onPan(situation), onAck(situation) → Promise, onChange() }
   */
  constructor(list, hooks) {
    this.list = list;
    this.hooks = hooks;
    this.items = new Map(); // situation id → situation
    this.open = new Map(); // key → situation id
    this.seen = new Set(); // event ids
    this.byEvent = new Map(); // event id → { sid, level } (for pushed acknowledgements)
    this.filter = { info: false, acknowledged: true };
    this.ownMmsi = null; // the own ship: its situations stand out
    this.list.addEventListener('click', (e) => this.onClick(e));
    this.list.addEventListener('keydown', (e) => {
      if ((e.key === 'Enter' || e.key === ' ') && e.target.matches('li[data-testid="alert"]')) {
        e.preventDefault();
        this.onClick(e);
      }
    });
  }

  /** Takes one event (from the history or the stream). Returns the situation, if any. */
  ingest(ev, render = true) {
    if (this.seen.has(ev.id)) return null;
    this.seen.add(ev.id);
    const key = keyOf(ev);
    if (!key) return null;
    if (CLEAR_KINDS.includes(ev.kind)) {
      const sid = this.open.get(key);
      if (sid == null) return null;
      this.open.delete(key);
      const s = this.items.get(sid);
      s.cleared = ev.reason ?? 'cleared';
      s.clearedTime = ev.time;
      if (render) this.render(s);
      return s;
    }
    const level = levelOf(ev);
    let s = this.items.get(this.open.get(key));
    if (!s) {
      s = {
        id: ev.id, key, group: ev.kind.split('.')[0], first: ev, latest: ev, level, count: 0,
        ackedRank: -1, ackedId: null, ackedBy: null, cleared: null, el: null, error: null,
      };
      this.items.set(s.id, s);
      this.open.set(key, s.id);
    }
    const was = s.level;
    if (ev.id < s.latest.id) return s; // an older report arriving late
    s.latest = ev;
    s.live = null; // the event's figures are the newest
    s.level = level;
    s.count += 1;
    s.escalated = RANK[level] > RANK[was];
    this.byEvent.set(ev.id, { sid: s.id, level });
    if (ev.acknowledged) {
      s.ackedRank = Math.max(s.ackedRank, RANK[level]);
      s.ackedId = ev.id;
      s.ackedBy = ev.acknowledged_by ?? s.ackedBy;
    }
    // A lost target is back, or a new situation with the same key.
    s.cleared = null;
    if (render) {
      this.render(s);
      this.prune();
    }
    return s;
  }

  /** Whether an event is known (ingested or adopted). */
  knows(eventId) {
    return this.byEvent.has(eventId);
  }

  /**
   * An older event of a situation open now (one loaded before this
   * console's window of recent events): remembered as part of it, so that
   * an acknowledgement of it finds the situation. Nothing is drawn.
   */
  adopt(ev) {
    const key = keyOf(ev);
    const sid = key && this.open.get(key);
    if (sid == null || CLEAR_KINDS.includes(ev.kind)) return;
    this.byEvent.set(ev.id, { sid, level: levelOf(ev) });
  }

  /**
   * An acknowledgement pushed by the server (from any console): the
   * situation the event belongs to is acknowledged up to that event's level.
   */
  acknowledged(eventId, by, at) {
    const e = this.byEvent.get(eventId);
    const s = e && this.items.get(e.sid);
    if (!s) return;
    const before = this.isAcked(s);
    s.ackedRank = Math.max(s.ackedRank, RANK[e.level]);
    s.ackedId = Math.max(s.ackedId ?? 0, eventId);
    s.ackedBy = by ?? s.ackedBy;
    s.ackedAt = at ?? s.ackedAt;
    s.error = null;
    if (!before || s.el) this.render(s);
  }

  /** The own ship's MMSI (or null): the items that involve it are marked. */
  setOwnShip(mmsi) {
    if (mmsi === this.ownMmsi) return;
    this.ownMmsi = mmsi;
    for (const s of this.items.values()) if (s.el) this.build(s);
  }

  /** Whether an event involves the own ship. */
  involvesOwnShip(ev) {
    return this.ownMmsi != null && mmsisOf(ev).includes(this.ownMmsi);
  }

  /** Forgets everything (the server restarted with new event ids). */
  reset() {
    this.byEvent.clear();
    this.items.clear();
    this.open.clear();
    this.seen.clear();
    this.list.replaceChildren();
    this.hooks.onChange?.();
  }

  /** A lost target reported again: its item is closed. */
  targetBack(mmsi) {
    const sid = this.open.get(`lost:${mmsi}`);
    if (sid == null) return;
    this.open.delete(`lost:${mmsi}`);
    const s = this.items.get(sid);
    s.cleared = 'reacquired';
    this.render(s);
  }

  /** Marks open risk/hazard situations that are no longer open as cleared. */
  reconcile(openKeys) {
    for (const [key, sid] of [...this.open]) {
      if (!(key.startsWith('risk:') || key.startsWith('hazard:'))) continue;
      if (!openKeys.has(key)) {
        this.open.delete(key);
        const s = this.items.get(sid);
        s.cleared = 'cleared';
        this.render(s);
      }
    }
  }

  isAcked(s) {
    return s.ackedRank >= RANK[s.level];
  }

  counts() {
    const c = { alarm: 0, warning: 0, info: 0 };
    for (const s of this.items.values()) {
      if (!s.cleared && !this.isAcked(s)) c[s.level] += 1;
    }
    return c;
  }

  visible(s) {
    if (s.level === 'info' && !this.filter.info) return false;
    if (this.isAcked(s) && !this.filter.acknowledged) return false;
    return true;
  }

  setFilter(f) {
    Object.assign(this.filter, f);
    for (const s of this.items.values()) this.render(s);
  }

  renderAll() {
    const sorted = [...this.items.values()].sort((a, b) => b.id - a.id);
    const frag = document.createDocumentFragment();
    for (const s of sorted) {
      this.build(s);
      frag.append(s.el);
    }
    this.list.replaceChildren(frag);
    this.prune();
    this.hooks.onChange?.();
  }

  /** Drops the oldest finished (cleared or acknowledged) items beyond the cap. */
  prune() {
    if (this.items.size <= MAX_ITEMS) return;
    const old = [...this.items.values()].sort((a, b) => a.id - b.id);
    for (const s of old) {
      if (this.items.size <= MAX_ITEMS) break;
      if (s.cleared || this.isAcked(s)) {
        this.items.delete(s.id);
        if (this.open.get(s.key) === s.id) this.open.delete(s.key);
        for (const [id, e] of this.byEvent) if (e.sid === s.id) this.byEvent.delete(id);
        s.el?.remove();
      }
    }
  }

  render(s) {
    const fresh = !s.el;
    this.build(s);
    if (fresh) {
      // Insert in order (newest situation first).
      let before = null;
      for (const li of this.list.children) {
        if (Number(li.dataset.situation) < s.id) {
          before = li;
          break;
        }
      }
      this.list.insertBefore(s.el, before);
      if (s.level === 'alarm') s.el.classList.add('flash');
    } else if (s.escalated) {
      s.el.classList.remove('flash');
      void s.el.offsetWidth;
      s.el.classList.add('flash');
    }
    this.hooks.onChange?.();
  }

  build(s) {
    const ev = s.latest;
    const acked = this.isAcked(s);
    const own = this.involvesOwnShip(ev);
    const li = s.el ?? document.createElement('li');
    s.el = li;
    li.setAttribute('data-testid', 'alert');
    li.dataset.situation = s.id;
    li.dataset.kind = ev.kind;
    li.dataset.level = s.level;
    li.dataset.eventId = ev.id;
    li.dataset.acknowledged = String(acked);
    li.dataset.mmsi = mmsisOf(ev).join(' ');
    li.dataset.ownShip = String(own);
    if (s.ackedId != null) li.dataset.ackedId = s.ackedId;
    li.tabIndex = 0;
    li.className = `alert level-${s.level}${own ? ' own-ship-alarm' : ''}${acked ? ' acked' : ''}${s.cleared ? ' cleared' : ''}${li.classList.contains('flash') ? ' flash' : ''}`;
    li.hidden = !this.visible(s);
    const { title, ruling, detail, detailHtml, advice } = this.describe(ev, this.figures(s));
    li.setAttribute('aria-label', `${s.level} ${KIND_LABEL[s.group] ?? ''}${own ? ' (own ship)' : ''}: ${title}${acked ? ', acknowledged' : ''}${s.cleared ? ', cleared' : ''}`);
    const adv = advice.map((a) => `<li class="${a.recommended ? 'rec' : 'alt'}${a.sufficient ? '' : ' weak'}">${escapeHtml(a.text)}</li>`).join('');
    li.innerHTML = `
      <div class="alert-head">
        <span class="badge level-${s.level}">${s.level}</span>
        <span class="alert-kind">${escapeHtml(KIND_LABEL[s.group] ?? ev.kind)}</span>
        ${own ? '<span class="badge own-ship" data-testid="own-ship-badge">own ship</span>' : ''}
        ${s.cleared ? `<span class="badge cleared" title="${escapeHtml(s.cleared)}">cleared</span>` : ''}
        <time datetime="${escapeHtml(ev.time)}" title="${escapeHtml(ev.time)} (first ${escapeHtml(s.first.time)})">${clock(ev.time)}</time>
      </div>
      <div class="alert-title">${escapeHtml(title)}</div>
      ${ruling ? `<div class="alert-ruling" data-testid="alert-ruling">${escapeHtml(ruling)}</div>` : ''}
      ${detailHtml ? `<div class="alert-detail">${detailHtml}</div>` : detail ? `<div class="alert-detail">${escapeHtml(detail)}</div>` : ''}
      ${adv ? `<ul class="alert-advice" data-testid="alert-advice" aria-label="advice">${adv}</ul>` : ''}
      <div class="alert-foot">
        <span class="muted">${s.count > 1 ? `${s.count} reports` : ''}</span>
        ${acked
          ? `<span class="acked-note" data-testid="acked-note">✓ acknowledged${s.ackedBy ? ` by ${escapeHtml(s.ackedBy)}` : ''}</span>`
          : `<button type="button" class="ack" data-testid="ack-button" aria-label="Acknowledge ${escapeHtml(s.level)}: ${escapeHtml(title)}">Acknowledge</button>`}
      </div>
      ${s.error ? `<div class="alert-error" role="alert" data-testid="ack-error">${escapeHtml(s.error)}</div>` : ''}`;
    return li;
  }

  /**
   * The live figures of a risk (CPA, TCPA, range, BCR): from the latest
   * `risk.updated` event, or from the open risks read since (`liveRisks`)
   * when those are newer.
   */
  figures(s) {
    const ev = s.latest;
    if (s.live && s.live.at >= Date.parse(ev.time)) return s.live;
    return ev;
  }

  /**
   * The open risks as `GET /api/risks` gives them (every 2 s): the cards of
   * open risk situations show their current CPA, TCPA and range, as the map
   * label does, between the engine's `risk.updated` events.
   */
  liveRisks(list) {
    for (const o of list ?? []) {
      const r = o.risk;
      if (!r?.a || !r?.b) continue;
      const s = this.openSituation(`risk:${r.a.mmsi}:${r.b.mmsi}`);
      if (!s || s.group !== 'risk') continue;
      const at = o.assessed_ms ?? 0;
      if (at < Date.parse(s.latest.time)) continue;
      s.live = { at, cpa_nm: r.cpa_nm, tcpa_s: r.tcpa_s, range_nm: r.range_nm, bcr_nm: r.bcr_nm };
      this.paintFigures(s);
    }
  }

  /** Writes a risk card's figures in place (no rebuild: a click in progress is kept). */
  paintFigures(s) {
    const el = s.el;
    if (!el) return;
    const f = this.figures(s);
    const set = (id, text) => {
      const x = el.querySelector(`[data-testid="${id}"]`);
      if (x && x.textContent !== text) x.textContent = text;
    };
    set('alert-cpa', `CPA ${nm(f.cpa_nm)}`);
    set('alert-tcpa', duration(f.tcpa_s));
    set('alert-range', `range ${nm(f.range_nm)}`);
    if (f.bcr_nm != null) set('alert-bcr', `BCR ${nm(f.bcr_nm)}`);
  }

  describe(ev, fig = ev) {
    const nameOf = (m) => this.hooks.nameOf(m, ev);
    switch (ev.kind) {
      case 'risk.raised':
      case 'risk.updated': {
        const enc = encounterText(ev.encounter);
        const bits = [`CPA ${nm(fig.cpa_nm)} in ${duration(fig.tcpa_s)}`, `range ${nm(fig.range_nm)}`];
        const html = [
          `<span data-testid="alert-cpa">CPA ${nm(fig.cpa_nm)}</span> in <span data-testid="alert-tcpa">${duration(fig.tcpa_s)}</span>`,
          `<span data-testid="alert-range">range ${nm(fig.range_nm)}</span>`,
        ];
        if (fig.bcr_nm != null) {
          bits.push(`BCR ${nm(fig.bcr_nm)}`);
          html.push(`<span data-testid="alert-bcr">BCR ${nm(fig.bcr_nm)}</span>`);
        }
        if (ev.rule17_stage) {
          bits.push(`Rule ${ev.rule17_stage}`);
          html.push(escapeHtml(`Rule ${ev.rule17_stage}`));
        }
        // The stand-on vessel's times (the give-way vessel acts now).
        const hhmm = (iso) => (iso ? String(iso).slice(11, 16) : null);
        const may = hhmm(ev.stand_on_may_act_at);
        const must = hhmm(ev.stand_on_must_act_at);
        if (may && must && ev.rule17_stage !== '17(b)') {
          const t = `stand-on may act ${may}Z, must act ${must}Z`;
          bits.push(t);
          html.push(`<span data-testid="alert-stand-on">${escapeHtml(t)}</span>`);
        }
        return {
          title: `${vesselName(ev.a)} ↔ ${vesselName(ev.b)}${enc ? ` · ${enc}` : ''}`,
          ruling: ev.ruling,
          detail: bits.join(' · '),
          detailHtml: html.join(' · '),
          advice: adviceLines(ev.advice, nameOf),
        };
      }
      case 'hazard.raised':
      case 'hazard.updated': {
        const what = ev.hazard.kind === 'land' ? 'land' : `${ev.hazard.kind === 'aton' ? 'aid to navigation' : 'hazard'} ${ev.hazard.name ?? ''}`.trim();
        return {
          title: `${vesselName(ev.vessel)} → ${what}`,
          ruling: `Standing into danger: ${what} within the safety distance in ${duration(ev.time_to_hazard_s)}`,
          detail: `${nm(ev.distance_nm)} away · ${deg3(ev.vessel.cog_deg)} at ${knots(ev.vessel.sog_kn)}`,
          advice: adviceLines(ev.advice, nameOf),
        };
      }
      case 'zone.predicted':
      case 'zone.violation': {
        const rule = RULE_TEXT[ev.zone.rule] ?? ev.zone.rule;
        const verb = { enter: 'enter', leave: 'leave', cross: 'cross', speed: 'exceed the speed limit of' }[ev.action] ?? ev.action;
        const past = { enter: 'entered', leave: 'left', cross: 'crossed', speed: 'exceeds the speed limit of' }[ev.action] ?? ev.action;
        const limit = ev.zone.max_sog_kn != null ? ` (${knots(ev.zone.max_sog_kn)})` : '';
        return {
          title: `${vesselName(ev.vessel)} · ${ev.zone.name}`,
          ruling: ev.kind === 'zone.predicted'
            ? `Will ${verb} ${rule} "${ev.zone.name}"${limit} in ${duration(ev.time_to_s)}`
            : `${past[0].toUpperCase()}${past.slice(1)} ${rule} "${ev.zone.name}"${limit}`,
          detail: `${deg3(ev.vessel.cog_deg)} at ${knots(ev.vessel.sog_kn)}`,
          advice: [],
        };
      }
      case 'distress':
        return {
          title: `${ev.name ?? `MMSI ${ev.mmsi}`} · ${DISTRESS_TEXT[ev.reason] ?? ev.reason}`,
          ruling: ev.text ? `"${ev.text}"` : 'Distress alert received',
          detail: ev.lat != null ? '' : 'position unknown',
          advice: [],
        };
      case 'target.lost':
        return {
          title: vesselName(ev.vessel),
          ruling: `No position report for ${duration(ev.silent_s)} (last ${clock(ev.last_fix)})`,
          detail: '',
          advice: [],
        };
      case 'air.conflict.raised':
      case 'air.conflict.updated': {
        const v = ev.v_now_ft != null ? ` · ${Math.round(Math.abs(ev.v_now_ft))} ft apart` : ' · vertical unknown';
        return {
          title: `${aircraftName(ev.a)} ↔ ${aircraftName(ev.b)}${ev.tier ? ` · ${ev.tier}` : ''}`,
          ruling: ev.summary,
          detail: `${nm(ev.h_now_nm)} now${v} · minima ${ev.separation_nm} NM / ${ev.vertical_minimum_ft} ft`,
          advice: [],
        };
      }
      case 'airspace.predicted':
      case 'airspace.violation': {
        const limits = `${ev.floor_ft > 0 ? altitudeText(ev.floor_ft) : 'SFC'}–${ev.ceiling_ft != null ? altitudeText(ev.ceiling_ft) : 'UNL'}${ev.approximate ? ' (approx.)' : ''}`;
        const verb = ev.action === 'leave' ? 'leave' : 'enter';
        return {
          title: `${aircraftName(ev.aircraft)} · ${ev.zone.name}`,
          ruling: ev.kind === 'airspace.predicted'
            ? `Will ${verb} "${ev.zone.name}" (${limits}) in ${duration(ev.time_to_s)} at ${altitudeText(ev.alt_ft)}`
            : `${verb === 'enter' ? 'Entered' : 'Left'} "${ev.zone.name}" (${limits}) at ${altitudeText(ev.alt_ft)}`,
          detail: `${altitudeText(ev.aircraft.alt_baro_ft)} ${ev.aircraft.trend}`,
          advice: [],
        };
      }
      default:
        return { title: ev.kind, ruling: '', detail: '', advice: [] };
    }
  }

  async onClick(e) {
    const li = e.target.closest('li[data-testid="alert"]');
    if (!li) return;
    const s = this.items.get(Number(li.dataset.situation));
    if (!s) return;
    if (e.target.closest('button.ack')) {
      e.stopPropagation();
      await this.acknowledge(s);
      return;
    }
    this.hooks.onPan?.(s);
  }

  async acknowledge(s) {
    const id = s.latest.id;
    const level = s.level;
    const btn = s.el?.querySelector('button.ack');
    if (btn) btn.disabled = true;
    try {
      const r = await this.hooks.onAck(id);
      s.ackedRank = Math.max(s.ackedRank, RANK[level]);
      s.ackedId = id;
      s.ackedBy = r?.acknowledged_by ?? s.ackedBy;
      s.error = null;
    } catch (err) {
      s.error = err.message ?? String(err);
    }
    this.render(s);
  }

  /** Situation by its key (open ones only). */
  openSituation(key) {
    const sid = this.open.get(key);
    return sid == null ? null : this.items.get(sid);
  }
}
