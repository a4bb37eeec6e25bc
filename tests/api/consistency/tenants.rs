//! Isolation between tenants, on the reference model: the same kinds of random writes through
//! all three facades in 20 tenants of one gateway at once. Each tenant must end exactly as its
//! own sequential run on the reference predicts (every answer along the way is checked, then
//! every read), which it cannot if another tenant's write reached it; the default tenant, which
//! no case writes to, must still show the default data.

use super::*;

/// Tenants written to at once in each case.
const TENANTS: usize = 20;

#[test]
fn random_writes_in_twenty_tenants_at_once_each_end_as_their_own_sequential_run_predicts() {
    let sequences = prop::collection::vec(prop::collection::vec(op(), 1..16), TENANTS);
    // One runtime for the whole test: the gateway's tasks live on it.
    let runtime = runtime();
    let app = Arc::new(runtime.block_on(spawn_app_on(&fixtures())));
    let case = std::sync::atomic::AtomicUsize::new(0);
    runner((cases(64) / 16).max(2))
        .run(&sequences, |sequences| {
            let case = case.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            runtime.block_on(run_tenants(&app, case, &sequences));
            Ok(())
        })
        .unwrap();
}

async fn run_tenants(app: &Arc<TestApp>, case: usize, sequences: &[Vec<Op>]) {
    let wires: Vec<Wire> = (0..sequences.len())
        .map(|i| Wire::InTenant(Arc::clone(app), format!("case{case}-t{i}")))
        .collect();
    for wire in &wires {
        let Wire::InTenant(_, name) = wire else {
            unreachable!()
        };
        app.create_tenant_from_fixtures(name).await;
    }

    // Act: every tenant's sequence at once, interleaved by the runtime.
    futures_util::future::join_all(
        wires
            .iter()
            .zip(sequences)
            .map(|(wire, ops)| run_case(wire, ops)),
    )
    .await;

    // Assert: `run_case` compared each tenant with its own reference; the default tenant was
    // written by no one.
    let default = Wire::InTenant(Arc::clone(app), "default".into());
    compare_everything(&default, &Reference::default_data(), "the default tenant").await;
    for wire in &wires {
        let Wire::InTenant(_, name) = wire else {
            unreachable!()
        };
        let reply = app
            .request(
                Method::DELETE,
                &format!("/_gateway/tenants/{name}"),
                None,
                None,
            )
            .await;
        assert_eq!(reply.status, 204, "{}", reply.body);
    }
}
