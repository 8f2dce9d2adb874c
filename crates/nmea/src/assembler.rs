//! Multi-sentence assembly with a bounded buffer.

use crate::line::Vdm;
use crate::time::Timestamp;

/// Limits of the [`Assembler`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AssemblerConfig {
    /// Most incomplete groups kept at once; the oldest is expired beyond it.
    pub max_pending: usize,
    /// A group whose first fragment is more than this many lines old is
    /// expired (fragments of one message arrive within a few lines, even in
    /// busy aggregated feeds).
    pub max_age_lines: u64,
}

impl Default for AssemblerConfig {
    fn default() -> Self {
        AssemblerConfig {
            max_pending: 256,
            max_age_lines: 1000,
        }
    }
}

/// A complete AIS message payload, from one sentence or several joined.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Message<'a> {
    /// The armoured payload (all fragments concatenated).
    pub payload: &'a [u8],
    /// Fill bits of the last fragment.
    pub fill_bits: u8,
    /// Talker of the sentences.
    pub talker: [u8; 2],
    /// `VDO` (own ship) rather than `VDM`.
    pub own_ship: bool,
    /// Radio channel, when given.
    pub channel: Option<u8>,
    /// Time carried by the data (first fragment that had one).
    pub time: Option<Timestamp>,
    /// Tag block source (receiving station), when given.
    pub station: Option<&'a str>,
    /// Line number of the first fragment.
    pub first_line: u64,
    /// Number of sentences the message was made of.
    pub fragments: u8,
}

/// A group that was dropped before all its fragments arrived.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incomplete {
    /// Line of the earliest fragment received.
    pub first_line: u64,
    /// Fragments received.
    pub received: u8,
    /// Fragments expected.
    pub expected: u8,
    /// Why it was dropped.
    pub cause: IncompleteCause,
}

/// Why an incomplete group was dropped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum IncompleteCause {
    /// The rest never came within [`AssemblerConfig::max_age_lines`].
    Expired,
    /// Too many groups pending at once: the oldest was dropped.
    Overflow,
    /// A fragment arrived that restarts the same group id.
    Superseded,
    /// The input ended.
    EndOfInput,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Key {
    talker: [u8; 2],
    own_ship: bool,
    sequence_id: Option<u8>,
    channel: Option<u8>,
    total: u8,
    station: Option<String>,
}

#[derive(Debug, Clone)]
struct Pending {
    key: Key,
    first_line: u64,
    received_mask: u16,
    /// Payload of each fragment, by number (index 0 = fragment 1).
    parts: [Vec<u8>; 9],
    fill_bits: u8,
    time: Option<Timestamp>,
}

impl Pending {
    fn same_state(&self, other: &Pending) -> bool {
        self.key == other.key
            && self.first_line == other.first_line
            && self.received_mask == other.received_mask
            && self.fill_bits == other.fill_bits
            && self.time == other.time
            && (0..self.parts.len())
                .filter(|i| self.received_mask & (1 << i) != 0)
                .all(|i| self.parts[i] == other.parts[i])
    }
}

/// Joins the fragments of multi-sentence messages.
///
/// Fragments are grouped by talker, `VDM`/`VDO`, sequential message id,
/// channel, fragment count and tag-block source, so that messages of
/// several stations and both channels may interleave. Fragments may arrive
/// in any order. Groups that never complete are reported as [`Incomplete`]
/// and dropped: the buffer is bounded by [`AssemblerConfig`].
#[derive(Debug, Default, Clone)]
pub struct Assembler {
    config: AssemblerConfig,
    // Boxed: a group moves in and out of these lists as a pointer, not
    // as its nine part buffers (about 4 % of `decode --count` on the bench mix).
    #[allow(clippy::vec_box)]
    pending: Vec<Box<Pending>>,
    #[allow(clippy::vec_box)]
    free: Vec<Box<Pending>>,
    out: Vec<u8>,
    out_station: Option<String>,
    oldest_line: u64,
    /// Recent tag-block sentence groups (`g:1-n-id`): their source,
    /// time and line, for later sentences of the group that carry only
    /// `g:` (within [`AssemblerConfig::max_age_lines`] of the first), in
    /// the order they began.
    groups: Vec<Group>,
}

/// A tag-block group's first sentence: id, source, time, line.
type Group = (u32, Option<String>, Option<Timestamp>, u64);

/// Most tag-block groups remembered for source/time inheritance.
const MAX_GROUPS: usize = 64;

impl Assembler {
    /// A new assembler with the given limits.
    pub fn new(config: AssemblerConfig) -> Self {
        Assembler {
            config,
            ..Default::default()
        }
    }

    /// Number of groups waiting for fragments.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// `true` when `other` would treat every sentence from line
    /// `next_line` on exactly as this one does (same limits; the same
    /// groups pending, in the same order, with the same fragments, first
    /// lines and times; the same age reference; the same tag-block groups
    /// young enough to be inherited from, in the same order — older ones
    /// are only ever dropped first). Buffers kept for reuse do not count.
    /// What lets a decoder started part-way through an input be checked
    /// against the one that read it from the start.
    pub fn same_state(&self, other: &Assembler, next_line: u64) -> bool {
        let young = |a: &Assembler| -> Vec<Group> {
            let max_age = a.config.max_age_lines;
            a.groups
                .iter()
                .filter(|e| next_line.saturating_sub(e.3) <= max_age)
                .cloned()
                .collect()
        };
        self.config == other.config
            && self.pending.len() == other.pending.len()
            && (self.pending.is_empty() || self.oldest_line == other.oldest_line)
            && young(self) == young(other)
            && self
                .pending
                .iter()
                .zip(&other.pending)
                .all(|(a, b)| a.same_state(b))
    }

    /// Feeds one sentence read at `line`. Returns the complete message when
    /// this sentence completes one (immediately for single-fragment
    /// sentences). Groups dropped on the way are passed to `dropped`.
    pub fn push<'a>(
        &'a mut self,
        vdm: &Vdm<'a>,
        line: u64,
        mut dropped: impl FnMut(Incomplete),
    ) -> Option<Message<'a>> {
        if !self.pending.is_empty()
            && line.saturating_sub(self.oldest_line) > self.config.max_age_lines
        {
            self.expire(line, &mut dropped);
        }
        let own_station = vdm.tag.as_ref().and_then(|t| t.source);
        if vdm.fragment_count == 1 {
            return Some(Message {
                payload: vdm.payload,
                fill_bits: vdm.fill_bits,
                talker: vdm.talker,
                own_ship: vdm.own_ship,
                channel: vdm.channel,
                time: vdm.time,
                station: own_station,
                first_line: line,
                fragments: 1,
            });
        }
        let mut station = own_station;
        // NMEA 4.10 sentence groups: the first sentence of a group carries
        // the source and time; the others may carry only `g:`.
        let mut inherited: Option<String> = None;
        let mut time = vdm.time;
        if let Some(g) = vdm.tag.as_ref().and_then(|t| t.group) {
            if g.number <= 1 {
                if self.groups.len() >= MAX_GROUPS {
                    self.groups.remove(0);
                }
                self.groups.retain(|e| e.0 != g.id);
                self.groups
                    .push((g.id, station.map(str::to_owned), vdm.time, line));
            } else if let Some(e) = self
                .groups
                .iter()
                .find(|e| e.0 == g.id && line.saturating_sub(e.3) <= self.config.max_age_lines)
            {
                if station.is_none() {
                    inherited = e.1.clone();
                }
                time = time.or(e.2);
            }
        }
        if inherited.is_some() {
            station = inherited.as_deref();
        }
        let idx = self.find_or_insert(vdm, station, line, &mut dropped);
        let p = &mut self.pending[idx];
        let bit = 1u16 << (vdm.fragment_number - 1);
        if p.received_mask & bit != 0 {
            // The same fragment again: a new message reusing the group id
            // while the previous one is still incomplete.
            let received = p.received_mask.count_ones() as u8;
            dropped(Incomplete {
                first_line: p.first_line,
                received,
                expected: p.key.total,
                cause: IncompleteCause::Superseded,
            });
            p.received_mask = 0;
            p.first_line = line;
            p.time = None;
        }
        p.received_mask |= bit;
        let part = &mut p.parts[(vdm.fragment_number - 1) as usize];
        part.clear();
        part.extend_from_slice(vdm.payload);
        if p.time.is_none() {
            p.time = time;
        }
        if vdm.fragment_number == p.key.total {
            p.fill_bits = vdm.fill_bits;
        }
        let full = (1u16 << p.key.total) - 1;
        if p.received_mask != full {
            return None;
        }
        let done = self.pending.swap_remove(idx);
        self.out.clear();
        for part in &done.parts[..done.key.total as usize] {
            self.out.extend_from_slice(part);
        }
        let first_line = done.first_line;
        let fill_bits = done.fill_bits;
        let time = done.time;
        let key = done.key.clone();
        self.out_station = key.station;
        self.recycle(done);
        self.oldest_line = self
            .pending
            .iter()
            .map(|p| p.first_line)
            .min()
            .unwrap_or(line);
        Some(Message {
            payload: &self.out,
            fill_bits,
            talker: key.talker,
            own_ship: key.own_ship,
            channel: key.channel,
            time,
            station: self.out_station.as_deref(),
            first_line,
            fragments: key.total,
        })
    }

    /// Reports every pending group as incomplete and empties the buffer
    /// (call at the end of the input).
    pub fn finish(&mut self, mut dropped: impl FnMut(Incomplete)) {
        let mut all = std::mem::take(&mut self.pending);
        all.sort_by_key(|p| p.first_line);
        for p in all {
            dropped(Incomplete {
                first_line: p.first_line,
                received: p.received_mask.count_ones() as u8,
                expected: p.key.total,
                cause: IncompleteCause::EndOfInput,
            });
            self.recycle(p);
        }
    }

    fn recycle(&mut self, mut p: Box<Pending>) {
        p.received_mask = 0;
        p.key.station = None;
        if self.free.len() < 16 {
            self.free.push(p);
        }
    }

    fn expire(&mut self, line: u64, dropped: &mut impl FnMut(Incomplete)) {
        let max_age = self.config.max_age_lines;
        let mut i = 0;
        while i < self.pending.len() {
            if line.saturating_sub(self.pending[i].first_line) > max_age {
                let p = self.pending.swap_remove(i);
                dropped(Incomplete {
                    first_line: p.first_line,
                    received: p.received_mask.count_ones() as u8,
                    expected: p.key.total,
                    cause: IncompleteCause::Expired,
                });
                self.recycle(p);
            } else {
                i += 1;
            }
        }
        self.oldest_line = self
            .pending
            .iter()
            .map(|p| p.first_line)
            .min()
            .unwrap_or(line);
    }

    fn find_or_insert(
        &mut self,
        vdm: &Vdm<'_>,
        station: Option<&str>,
        line: u64,
        dropped: &mut impl FnMut(Incomplete),
    ) -> usize {
        let found = self.pending.iter().position(|p| {
            p.key.talker == vdm.talker
                && p.key.own_ship == vdm.own_ship
                && p.key.sequence_id == vdm.sequence_id
                && p.key.channel == vdm.channel
                && p.key.total == vdm.fragment_count
                && p.key.station.as_deref() == station
        });
        if let Some(i) = found {
            return i;
        }
        if self.pending.len() >= self.config.max_pending.max(1) {
            let oldest = self
                .pending
                .iter()
                .enumerate()
                .min_by_key(|(_, p)| p.first_line)
                .map(|(i, _)| i)
                .unwrap_or(0);
            let p = self.pending.swap_remove(oldest);
            dropped(Incomplete {
                first_line: p.first_line,
                received: p.received_mask.count_ones() as u8,
                expected: p.key.total,
                cause: IncompleteCause::Overflow,
            });
            self.recycle(p);
        }
        let key = Key {
            talker: vdm.talker,
            own_ship: vdm.own_ship,
            sequence_id: vdm.sequence_id,
            channel: vdm.channel,
            total: vdm.fragment_count,
            station: station.map(str::to_owned),
        };
        let mut p = self.free.pop().unwrap_or_else(|| {
            Box::new(Pending {
                key: key.clone(),
                first_line: line,
                received_mask: 0,
                parts: Default::default(),
                fill_bits: 0,
                time: None,
            })
        });
        p.key = key;
        p.first_line = line;
        p.received_mask = 0;
        p.fill_bits = 0;
        p.time = None;
        if self.pending.is_empty() {
            self.oldest_line = line;
        }
        self.pending.push(p);
        self.pending.len() - 1
    }
}

impl IncompleteCause {
    /// A short stable key for counting dropped groups by cause.
    pub fn reason(&self) -> &'static str {
        match self {
            IncompleteCause::Expired => "incomplete_expired",
            IncompleteCause::Overflow => "incomplete_overflow",
            IncompleteCause::Superseded => "incomplete_superseded",
            IncompleteCause::EndOfInput => "incomplete_at_end",
        }
    }
}

impl std::fmt::Display for Incomplete {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let why = match self.cause {
            IncompleteCause::Expired => "the other fragments never came",
            IncompleteCause::Overflow => "too many incomplete messages pending",
            IncompleteCause::Superseded => "a new message reused its sequence id",
            IncompleteCause::EndOfInput => "the input ended",
        };
        write!(
            f,
            "incomplete multi-sentence message: {} of {} fragments received ({why})",
            self.received, self.expected
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::line::{parse_line, Line};

    fn feed(asm: &mut Assembler, lines: &[&str]) -> (Vec<(String, u64)>, Vec<Incomplete>) {
        let mut out = Vec::new();
        let mut dropped = Vec::new();
        for (i, l) in lines.iter().enumerate() {
            if let Ok(Line::Vdm(v)) = parse_line(l.as_bytes()) {
                if let Some(m) = asm.push(&v, i as u64 + 1, |d| dropped.push(d)) {
                    out.push((String::from_utf8(m.payload.to_vec()).unwrap(), m.first_line));
                }
            }
        }
        asm.finish(|d| dropped.push(d));
        (out, dropped)
    }

    const A1: &str = "!AIVDM,2,1,3,B,55P5TL01VIaAL@7WKO@mBplU@<PDhh000000001S;AJ::4A80?4i@E53,0*3E";
    const A2: &str = "!AIVDM,2,2,3,B,1@0000000000000,2*55";

    #[test]
    fn two_fragments_in_order_and_reversed() {
        let (out, dropped) = feed(&mut Assembler::default(), &[A1, A2]);
        assert_eq!(out.len(), 1);
        assert_eq!(out[0].1, 1);
        assert!(out[0].0.ends_with("E531@0000000000000"));
        assert!(dropped.is_empty());
        let (out2, dropped) = feed(&mut Assembler::default(), &[A2, A1]);
        assert_eq!(out2[0].0, out[0].0);
        assert!(dropped.is_empty());
    }

    #[test]
    fn lost_fragment_is_reported_at_end() {
        let (out, dropped) = feed(&mut Assembler::default(), &[A1]);
        assert!(out.is_empty());
        assert_eq!(
            dropped,
            vec![Incomplete {
                first_line: 1,
                received: 1,
                expected: 2,
                cause: IncompleteCause::EndOfInput
            }]
        );
    }

    #[test]
    fn a_tag_block_group_is_inherited_from_only_within_the_age_limit() {
        let g1 = r"\g:1-2-27300,n:636994,s:b003669710,c:1428621738*5F\!SAVDM,2,1,2,B,55Mw@A7J1adAL@?;7WPl58F0U<h4pB222222220t1PN5553fN4g?`4iSp5Rc,0*26";
        let g2 = r"\g:2-2-27300,n:636995*15\!SAVDM,2,2,2,B,iP`88888880,2*5E";
        // The second sentence takes the group's source.
        let mut asm = Assembler::default();
        let mut got = Vec::new();
        for (i, l) in [g1, g2].iter().enumerate() {
            if let Ok(Line::Vdm(v)) = parse_line(l.as_bytes()) {
                if let Some(m) = asm.push(&v, i as u64 + 1, |_| {}) {
                    got.push(m.station.map(str::to_owned));
                }
            }
        }
        assert_eq!(got, vec![Some("b003669710".to_string())]);
        // A decoder that starts later (has not seen the group's first
        // sentence) agrees with one that saw it long before.
        let mut old = Assembler::new(AssemblerConfig {
            max_pending: 4,
            max_age_lines: 10,
        });
        let fresh = Assembler::new(AssemblerConfig {
            max_pending: 4,
            max_age_lines: 10,
        });
        if let Ok(Line::Vdm(v)) = parse_line(g1.as_bytes()) {
            old.push(&v, 1, |_| {});
        }
        old.finish(|_| {});
        assert!(!old.same_state(&fresh, 5), "the group is young at line 5");
        assert!(old.same_state(&fresh, 12), "and too old at line 12");
    }

    #[test]
    fn old_groups_expire_and_buffer_is_bounded() {
        let mut asm = Assembler::new(AssemblerConfig {
            max_pending: 4,
            max_age_lines: 10,
        });
        let mut lines = vec![A1];
        let single = "!AIVDM,1,1,,A,15RTgt0PAso;90TKcjM8h6g208CQ,0*4A";
        lines.extend(std::iter::repeat_n(single, 20));
        let (out, dropped) = feed(&mut asm, &lines);
        assert_eq!(out.len(), 20);
        assert_eq!(dropped.len(), 1);
        assert_eq!(dropped[0].cause, IncompleteCause::Expired);
        assert_eq!(asm.pending(), 0);
    }
}
