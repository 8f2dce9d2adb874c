//! The screening pass on several threads: the work cut into ranges in
//! order, each range's results put back in that order, so that the pass
//! gives what it gives on one thread. Threads live only for the call
//! (`std::thread::scope`); nothing here reads a clock or does I/O.

use std::ops::Range;

/// Below this many items a pass stays on the calling thread (a thread
/// costs tens of microseconds to start).
pub(crate) const MIN_PARALLEL_ITEMS: usize = 4096;

/// How a pass may use threads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Threads {
    pub n: usize,
    /// Fewer items than this stay on the calling thread.
    pub min_items: usize,
}

impl Default for Threads {
    fn default() -> Threads {
        Threads {
            n: 1,
            min_items: MIN_PARALLEL_ITEMS,
        }
    }
}

/// `f` over the ranges between consecutive `bounds` (increasing, from the
/// first to the last), each on its own thread, the results concatenated
/// in order: for work whose cost is known better than by its count.
pub(crate) fn in_ranges<T: Send>(
    bounds: &[usize],
    f: impl Fn(Range<usize>) -> Vec<T> + Sync,
) -> Vec<T> {
    let mut bounds = bounds.to_vec();
    bounds.dedup();
    let f = &f;
    std::thread::scope(|scope| {
        let parts: Vec<_> = bounds
            .windows(2)
            .map(|w| {
                let r = w[0]..w[1];
                scope.spawn(move || f(r))
            })
            .collect();
        joined(parts)
    })
}

/// `f` over `items` cut into at most `threads` runs in order, each run
/// changed on its own thread (`f` gets the run's offset and the run), the
/// results concatenated in order: the same as `f(0, items)` when `f` of a
/// run is the concatenation of `f` of its parts.
pub(crate) fn in_order_mut<S: Send, T: Send>(
    items: &mut [S],
    threads: Threads,
    f: impl Fn(usize, &mut [S]) -> Vec<T> + Sync,
) -> Vec<T> {
    let n = items.len();
    if threads.n <= 1 || n < threads.min_items {
        return f(0, items);
    }
    let per = n.div_ceil(threads.n);
    let f = &f;
    std::thread::scope(|scope| {
        let parts: Vec<_> = items
            .chunks_mut(per)
            .enumerate()
            .map(|(k, run)| scope.spawn(move || f(k * per, run)))
            .collect();
        joined(parts)
    })
}

/// `f(k, item)` for every item, each on its own thread.
pub(crate) fn each_mut<S: Send>(items: &mut [S], f: impl Fn(usize, &mut S) + Sync) {
    let f = &f;
    std::thread::scope(|scope| {
        let parts: Vec<_> = items
            .iter_mut()
            .enumerate()
            .map(|(k, item)| scope.spawn(move || f(k, item)))
            .collect();
        for p in parts {
            if let Err(e) = p.join() {
                // The work never panics; if it did, the pass would too.
                std::panic::resume_unwind(e);
            }
        }
    });
}

/// The threads' results, concatenated in the order of `parts`.
fn joined<T>(parts: Vec<std::thread::ScopedJoinHandle<'_, Vec<T>>>) -> Vec<T> {
    let mut out = Vec::new();
    for p in parts {
        match p.join() {
            Ok(v) => out.extend(v),
            // The work never panics; if it did, the pass would too.
            Err(e) => std::panic::resume_unwind(e),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_put_back_in_order_whatever_the_cuts() {
        let n = 10_000;
        let one: Vec<usize> = (0..n).map(|i| i * 3).collect();
        for bounds in [
            vec![0, n],
            vec![0, 1, n],
            vec![0, 7, 7, 4000, n],
            vec![0, 1000, 2000, 3000, 9999, n],
        ] {
            let got = in_ranges(&bounds, |r| r.map(|i| i * 3).collect());
            assert_eq!(got, one, "cut at {bounds:?}");
        }
    }

    #[test]
    fn runs_changed_apart_are_put_back_in_order() {
        let n = 10_007;
        for threads in 1..6 {
            let mut items: Vec<usize> = (0..n).collect();
            let t = Threads {
                n: threads,
                min_items: 1,
            };
            let got = in_order_mut(&mut items, t, |offset, run| {
                run.iter_mut()
                    .enumerate()
                    .map(|(k, x)| {
                        assert_eq!(*x, offset + k, "the offset names the run's start");
                        *x *= 2;
                        *x + 1
                    })
                    .collect()
            });
            assert_eq!(got, (0..n).map(|i| 2 * i + 1).collect::<Vec<_>>());
            assert_eq!(items, (0..n).map(|i| 2 * i).collect::<Vec<_>>());
        }
    }
}
