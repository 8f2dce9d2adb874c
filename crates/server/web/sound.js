// The alarm sound (bridge alert management): while an alarm is active and
// not acknowledged, the console beeps (WebAudio, no sound file). The
// operator may silence it for at most 30 s; it then sounds again until the
// alarm is acknowledged. A new alarm ends a silence at once. Warnings and
// information are silent; a cleared alarm (the situation is over) stops the
// sound even when nobody acknowledged it.
//
// Test hook: window.finisterra.sound (this object): `playing`, `silenced`,
// `beeps`; `?silence=S` in the address shortens the silence to S seconds.

const MAX_SILENCE_MS = 30_000;
const PERIOD_MS = 1600; // one burst of two tones per period

/** The silence asked for by the address (`?silence=S`, seconds), within (0, 30 s]. */
export function silenceFromAddress(search = location.search) {
  const s = Number(new URLSearchParams(search).get('silence'));
  return Number.isFinite(s) && s > 0 ? Math.min(MAX_SILENCE_MS, s * 1000) : MAX_SILENCE_MS;
}

export class AlarmSound {
  /**
   * @param {HTMLButtonElement|null} button  the silence button (shown while sounding or silenced)
   * @param {object} opts  { silenceMs }
   */
  constructor(button, { silenceMs = MAX_SILENCE_MS } = {}) {
    this.button = button;
    this.silenceMs = Math.min(MAX_SILENCE_MS, silenceMs);
    this.active = new Set(); // situation ids of unacknowledged open alarms
    this.silencedUntil = null; // ms (Date.now()), while silenced
    this.silenceTimer = null;
    this.beepTimer = null;
    this.beeps = 0; // bursts sounded (counted even when the browser keeps audio suspended)
    this.ctx = null;
    this.tick = null;
    button?.addEventListener('click', () => this.silence());
    // Browsers start audio only after a gesture: the first one resumes it.
    const resume = () => this.ctx?.state === 'suspended' && this.ctx.resume().catch(() => {});
    for (const t of ['pointerdown', 'keydown']) document.addEventListener(t, resume, { capture: true });
  }

  /** Beeping now. */
  get playing() {
    return this.beepTimer != null;
  }

  /** Silenced, with an alarm still waiting for acknowledgement. */
  get silenced() {
    return this.silencedUntil != null;
  }

  /** Whether the browser lets the page make sound (audio context running). */
  get audible() {
    return this.ctx?.state === 'running';
  }

  /** Takes the alerts panel's situations (after every change). */
  update(alerts) {
    const now = new Set();
    for (const s of alerts.items.values()) {
      if (s.level === 'alarm' && !s.cleared && !alerts.isAcked(s)) now.add(s.id);
    }
    const fresh = [...now].some((id) => !this.active.has(id));
    this.active = now;
    if (!now.size) {
      this.endSilence();
      this.stop();
    } else if (fresh && this.silenced) {
      // A new alarm is never silent.
      this.endSilence();
      this.start();
    } else if (!this.silenced) {
      this.start();
    }
    this.show();
  }

  /** Silences the sound (at most 30 s); it sounds again unless acknowledged. */
  silence() {
    if (!this.playing) return;
    this.stop();
    this.silencedUntil = Date.now() + this.silenceMs;
    clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => {
      this.endSilence();
      if (this.active.size) this.start();
      this.show();
    }, this.silenceMs);
    this.show();
  }

  endSilence() {
    clearTimeout(this.silenceTimer);
    this.silenceTimer = null;
    this.silencedUntil = null;
  }

  start() {
    if (this.playing) return;
    this.burst();
    this.beepTimer = setInterval(() => this.burst(), PERIOD_MS);
  }

  stop() {
    clearInterval(this.beepTimer);
    this.beepTimer = null;
  }

  /** Two short tones. */
  burst() {
    this.beeps += 1;
    try {
      this.ctx ??= new (window.AudioContext ?? window.webkitAudioContext)();
    } catch {
      return; // no audio in this browser: the button and the flashing chip remain
    }
    const ctx = this.ctx;
    if (ctx.state === 'suspended') ctx.resume().catch(() => {});
    const t0 = ctx.currentTime + 0.02;
    for (const [at, freq] of [[0, 880], [0.22, 1175]]) {
      const osc = ctx.createOscillator();
      const gain = ctx.createGain();
      osc.type = 'square';
      osc.frequency.value = freq;
      gain.gain.setValueAtTime(0.0001, t0 + at);
      gain.gain.exponentialRampToValueAtTime(0.12, t0 + at + 0.01);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + at + 0.16);
      osc.connect(gain).connect(ctx.destination);
      osc.start(t0 + at);
      osc.stop(t0 + at + 0.18);
    }
  }

  /** The silence button: shown while sounding (or silenced, with the time left). */
  show() {
    const b = this.button;
    if (!b) return;
    clearInterval(this.tick);
    this.tick = null;
    b.hidden = !this.playing && !this.silenced;
    b.dataset.state = this.playing ? 'sounding' : this.silenced ? 'silenced' : 'off';
    if (this.silenced) {
      const paint = () => {
        const left = Math.max(0, Math.ceil((this.silencedUntil - Date.now()) / 1000));
        b.textContent = `🔇 ${left} s`;
        b.title = `Silenced: sounds again in ${left} s unless acknowledged`;
      };
      paint();
      this.tick = setInterval(() => (this.silenced ? paint() : this.show()), 500);
      b.setAttribute('aria-pressed', 'true');
    } else {
      b.textContent = '🔔 Silence';
      b.title = `Silence the alarm sound for ${Math.round(this.silenceMs / 1000)} s (acknowledge to stop it)`;
      b.setAttribute('aria-pressed', 'false');
    }
  }
}
