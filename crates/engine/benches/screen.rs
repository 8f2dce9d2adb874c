//! Criterion bench: one full every-pair screening pass over a world-like
//! snapshot of 10,000 and 100,000 vessels.

use criterion::{criterion_group, criterion_main, Criterion};
use finisterra_engine::{Config, Engine};

#[path = "world.rs"]
mod world;

const T0: i64 = 1_795_687_200_000;

fn loaded(n: usize) -> Engine {
    let mut e = Engine::new(Config::default());
    let mut out = Vec::new();
    for m in world::world(n, 7) {
        let _ = e.ingest(&m, T0, &mut out);
    }
    e
}

fn bench(c: &mut Criterion) {
    for n in [10_000usize, 100_000] {
        let mut e = loaded(n);
        let mut out = Vec::new();
        let mut t = T0;
        c.bench_function(&format!("screen_world_{n}"), |b| {
            b.iter(|| {
                t += 1;
                out.clear();
                e.screen(t, &mut out);
            })
        });
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(10);
    targets = bench
}
criterion_main!(benches);
