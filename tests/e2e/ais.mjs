// AIS sentences for the browser tests: position reports (message 1) and
// static and voyage data (message 5) as `!AIVDM` (or `!AIVDO`, the
// receiver's own ship) with a tag block (`s:` station, `c:` time), framed
// as crates/ais/src/encode.rs frames them.

class Bits {
  constructor() {
    this.bits = [];
  }

  /** Unsigned (negative values: two's complement) in `width` bits. */
  u(v, width) {
    let x = Math.round(v);
    if (x < 0) x += 2 ** width;
    for (let i = width - 1; i >= 0; i--) this.bits.push(Math.floor(x / 2 ** i) % 2);
  }

  /** Six-bit text, `chars` long (padded with '@'). */
  text(s, chars) {
    const t = String(s ?? '').toUpperCase().padEnd(chars, '@').slice(0, chars);
    for (const ch of t) {
      const c = ch.charCodeAt(0);
      this.u(c >= 64 && c < 96 ? c - 64 : c >= 32 && c < 64 ? c : 0, 6);
    }
  }

  /** The armoured payload and its fill bits. */
  armor() {
    const fill = (6 - (this.bits.length % 6)) % 6;
    const b = [...this.bits, ...new Array(fill).fill(0)];
    let out = '';
    for (let i = 0; i < b.length; i += 6) {
      let v = 0;
      for (let k = 0; k < 6; k++) v = v * 2 + b[i + k];
      out += String.fromCharCode(v < 40 ? v + 48 : v + 56);
    }
    return { payload: out, fill };
  }
}

/** NMEA checksum (XOR of the characters), two hex digits. */
export function checksum(s) {
  let x = 0;
  for (const ch of s) x ^= ch.charCodeAt(0);
  return x.toString(16).toUpperCase().padStart(2, '0');
}

let sequence = 0;

/**
 * Frames a payload into sentences, 60 characters at most each.
 * opts: { ownShip, station, time (Unix seconds) }.
 */
function frame({ payload, fill }, { ownShip = false, station, time } = {}) {
  const chunks = payload.match(/.{1,60}/g) ?? [''];
  const total = chunks.length;
  const seq = total > 1 ? String(sequence++ % 10) : '';
  return chunks.map((chunk, i) => {
    const body = `AI${ownShip ? 'VDO' : 'VDM'},${total},${i + 1},${seq},A,${chunk},${i + 1 === total ? fill : 0}`;
    const tag = [];
    if (total > 1) tag.push(`g:${i + 1}-${total}-${1000 + Number(seq)}`);
    if (station) tag.push(`s:${station}`);
    if (time != null) tag.push(`c:${Math.floor(time)}`);
    const tb = tag.length ? `\\${tag.join(',')}*${checksum(tag.join(','))}\\` : '';
    return `${tb}!${body}*${checksum(body)}`;
  });
}

/** A class A position report (message 1): one sentence. */
export function position({ mmsi, lat, lon, cog, sog, heading, second, status = 0 }, opts = {}) {
  const w = new Bits();
  w.u(1, 6); // type
  w.u(0, 2); // repeat
  w.u(mmsi, 30);
  w.u(status, 4); // navigational status (0: under way using engine)
  w.u(-128, 8); // no turn information
  w.u(Math.min(1022, Math.round(sog * 10)), 10);
  w.u(1, 1); // accuracy
  w.u(Math.round(lon * 600000), 28);
  w.u(Math.round(lat * 600000), 27);
  w.u(Math.round((((cog % 360) + 360) % 360) * 10) % 3600, 12);
  w.u(heading ?? Math.round(cog) % 360, 9);
  w.u(second ?? 0, 6); // UTC second (a vessel that does not move still sends a new payload)
  w.u(0, 2); // manoeuvre
  w.u(0, 3); // spare
  w.u(0, 1); // RAIM
  w.u(0, 19); // radio
  return frame(w.armor(), opts);
}

/** Static and voyage data (message 5): two sentences. */
export function staticData({ mmsi, name, callsign = '', shipType = 70, destination = '' }, opts = {}) {
  const w = new Bits();
  w.u(5, 6);
  w.u(0, 2);
  w.u(mmsi, 30);
  w.u(0, 2); // AIS version
  w.u(0, 30); // IMO
  w.text(callsign, 7);
  w.text(name, 20);
  w.u(shipType, 8);
  w.u(100, 9); // to bow
  w.u(20, 9); // to stern
  w.u(8, 6); // to port
  w.u(8, 6); // to starboard
  w.u(1, 4); // GPS
  w.u(0, 4); // ETA month..minute: not available
  w.u(0, 5);
  w.u(24, 5);
  w.u(60, 6);
  w.u(80, 8); // draught 8.0 m
  w.text(destination, 20);
  w.u(0, 1); // DTE
  w.u(0, 1);
  return frame(w.armor(), opts);
}

/** Point at `distNm` along true bearing `brgDeg` from (lat, lon) (rhumb line). */
export function offset(lat, lon, brgDeg, distNm) {
  const r = (brgDeg * Math.PI) / 180;
  return {
    lat: lat + (distNm / 60) * Math.cos(r),
    lon: lon + ((distNm / 60) * Math.sin(r)) / Math.cos((lat * Math.PI) / 180),
  };
}
