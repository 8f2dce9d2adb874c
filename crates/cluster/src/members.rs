//! Elastic membership's deterministic half: which live worker owns which
//! partition, sans-IO.
//!
//! Every worker lists the live members (their keys in the broker's
//! key-value bucket) and computes the same [`Assignment`] from them:
//! rendezvous (highest-random-weight) hashing, each partition to the member
//! whose weight for it is highest, the weight a fixed hash (FNV-1a, then a
//! 64-bit finaliser) of the member's id and the partition. The hash is
//! fixed, never std's randomised one: same members, same map, on every
//! machine and in every version. A member that joins takes from each
//! other member only the partitions for which it now weighs most (about
//! `1/n` of them); a member that leaves gives away only its own.
//!
//! The assignment says who *should* own a partition; who *does* is the
//! holder of its lease in the broker (at most one at a time, by
//! compare-and-set). A worker takes a partition only once its lease is
//! released or expired.

use std::collections::BTreeMap;

use crate::grid::Partition;

/// The weight of `member` for `partition`: FNV-1a (64-bit) of the id's
/// bytes, a separator and the partition's two bytes (little-endian), then
/// the SplitMix64 finaliser (FNV alone spreads short, similar ids
/// poorly in its high bits).
pub fn weight(member: &str, partition: Partition) -> u64 {
    const OFFSET: u64 = 0xcbf2_9ce4_8422_2325;
    const PRIME: u64 = 0x0000_0100_0000_01b3;
    let mut h = OFFSET;
    for &b in member
        .as_bytes()
        .iter()
        .chain(&[0xff])
        .chain(&partition.to_le_bytes())
    {
        h ^= u64::from(b);
        h = h.wrapping_mul(PRIME);
    }
    h ^= h >> 30;
    h = h.wrapping_mul(0xbf58_476d_1ce4_e5b9);
    h ^= h >> 27;
    h = h.wrapping_mul(0x94d0_49bb_1331_11eb);
    h ^ (h >> 31)
}

/// Which member owns each partition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Assignment {
    /// The live members, sorted, each once.
    members: Vec<String>,
    /// Each partition's owner, an index into `members` (empty without
    /// members).
    owner: Vec<usize>,
}

impl Assignment {
    /// The partitions `0..partitions` over `members` (in any order,
    /// repeats ignored): each to the member of highest [`weight`], a tie
    /// to the lower id.
    pub fn new<S: AsRef<str>>(members: &[S], partitions: Partition) -> Assignment {
        let mut members: Vec<String> = members.iter().map(|m| m.as_ref().to_string()).collect();
        members.sort();
        members.dedup();
        let owner = if members.is_empty() {
            Vec::new()
        } else {
            (0..partitions)
                .map(|p| {
                    let mut best = 0usize;
                    let mut best_w = weight(&members[0], p);
                    for (i, m) in members.iter().enumerate().skip(1) {
                        let w = weight(m, p);
                        // Sorted ids: on a tie the lower id keeps it.
                        if w > best_w {
                            best = i;
                            best_w = w;
                        }
                    }
                    best
                })
                .collect()
        };
        Assignment { members, owner }
    }

    /// The members, sorted.
    pub fn members(&self) -> &[String] {
        &self.members
    }

    /// The owner of `p` (`None` without members or beyond the partitions).
    pub fn owner(&self, p: Partition) -> Option<&str> {
        self.owner
            .get(usize::from(p))
            .map(|&i| self.members[i].as_str())
    }

    /// The partitions of `member`, in order (empty if it is not a member).
    pub fn of(&self, member: &str) -> Vec<Partition> {
        let Ok(i) = self.members.binary_search_by(|m| m.as_str().cmp(member)) else {
            return Vec::new();
        };
        (0..self.owner.len())
            .filter(|&p| self.owner[p] == i)
            .filter_map(|p| Partition::try_from(p).ok())
            .collect()
    }

    /// Each member's partitions (members without any included).
    pub fn by_member(&self) -> BTreeMap<&str, Vec<Partition>> {
        let mut m: BTreeMap<&str, Vec<Partition>> = self
            .members
            .iter()
            .map(|id| (id.as_str(), Vec::new()))
            .collect();
        for (p, &i) in self.owner.iter().enumerate() {
            if let (Some(v), Ok(p)) = (m.get_mut(self.members[i].as_str()), Partition::try_from(p))
            {
                v.push(p);
            }
        }
        m
    }
}

/// Whether `id` can name a member: 1 to 64 of ASCII letters, digits, `-`
/// and `_` (it becomes part of a key in the broker).
pub fn valid_member_id(id: &str) -> bool {
    !id.is_empty() && id.len() <= 64 && id.chars().all(member_id_char)
}

/// A character a member id may hold.
pub fn member_id_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn ids(n: usize) -> Vec<String> {
        (0..n).map(|i| format!("w{i}")).collect()
    }

    #[test]
    fn the_weight_is_fixed() {
        // Pinned: a change of hash would move partitions between running
        // workers of two versions.
        assert_eq!(weight("w1", 0), weight("w1", 0));
        assert_ne!(weight("w1", 0), weight("w1", 1));
        assert_ne!(weight("w1", 0), weight("w2", 0));
        let a = Assignment::new(&["w1", "w2", "w3"], 16);
        let pinned: Vec<&str> = (0..16).map(|p| a.owner(p).unwrap()).collect();
        assert_eq!(pinned, PINNED);
    }

    /// The owners of 16 partitions among w1, w2, w3, as first computed.
    const PINNED: [&str; 16] = [
        "w2", "w3", "w3", "w1", "w3", "w2", "w3", "w2", "w3", "w3", "w2", "w1", "w1", "w3", "w3",
        "w2",
    ];

    #[test]
    fn no_members_no_owner_and_order_does_not_matter() {
        let a = Assignment::new::<&str>(&[], 16);
        assert_eq!(a.owner(0), None);
        assert!(a.of("w1").is_empty());
        let b = Assignment::new(&["w2", "w1", "w2"], 16);
        assert_eq!(b, Assignment::new(&["w1", "w2"], 16));
        assert_eq!(b.members(), ["w1", "w2"]);
        assert_eq!(b.owner(16), None);
        assert!(b.of("w9").is_empty());
    }

    #[test]
    fn member_ids_are_key_tokens() {
        assert!(valid_member_id("host-1_23"));
        for bad in ["", "a.b", "a b", "é", "a*", "a>"] {
            assert!(!valid_member_id(bad), "{bad}");
        }
        assert!(!valid_member_id(&"x".repeat(65)));
    }

    #[test]
    fn balance_within_reason() {
        // 1024 partitions over 8 members: each near 128.
        let a = Assignment::new(&ids(8), 1024);
        for (m, ps) in a.by_member() {
            assert!((80..=176).contains(&ps.len()), "{m}: {}", ps.len());
        }
        // 16 partitions over 2 and 3 members: nobody idle, nobody with
        // nearly everything.
        for n in [2usize, 3] {
            for (m, ps) in Assignment::new(&ids(n), 16).by_member() {
                assert!(ps.len() >= 2 && ps.len() <= 12, "{n}: {m}: {ps:?}");
            }
        }
    }

    proptest! {
        #[test]
        fn every_partition_has_exactly_one_member(
            n in 1usize..12,
            partitions in 1u16..200,
        ) {
            let a = Assignment::new(&ids(n), partitions);
            let by = a.by_member();
            let mut all: Vec<Partition> = by.values().flatten().copied().collect();
            all.sort_unstable();
            prop_assert_eq!(all, (0..partitions).collect::<Vec<_>>());
            for p in 0..partitions {
                let o = a.owner(p).unwrap();
                prop_assert!(a.of(o).contains(&p));
            }
            prop_assert_eq!(a.clone(), Assignment::new(&ids(n), partitions));
        }

        #[test]
        fn a_leave_moves_only_the_leavers_partitions(
            n in 2usize..12,
            leaver in 0usize..12,
            partitions in 1u16..200,
        ) {
            let all = ids(n);
            let gone = &all[leaver % n];
            let rest: Vec<String> = all.iter().filter(|m| *m != gone).cloned().collect();
            let before = Assignment::new(&all, partitions);
            let after = Assignment::new(&rest, partitions);
            for p in 0..partitions {
                if before.owner(p) != Some(gone.as_str()) {
                    prop_assert_eq!(before.owner(p), after.owner(p));
                } else {
                    prop_assert!(after.owner(p) != Some(gone.as_str()));
                }
            }
        }

        #[test]
        fn a_join_moves_partitions_only_to_the_newcomer(
            n in 1usize..12,
            partitions in 1u16..200,
        ) {
            let before = Assignment::new(&ids(n), partitions);
            let after = Assignment::new(&ids(n + 1), partitions);
            let newcomer = format!("w{n}");
            for p in 0..partitions {
                if before.owner(p) != after.owner(p) {
                    prop_assert_eq!(after.owner(p), Some(newcomer.as_str()));
                }
            }
        }
    }
}
