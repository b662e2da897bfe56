//! The store conformance suite. Every backend runs the same checks; today that is SQLite (the
//! PostgreSQL store joins with its issue by adding one line to `backends`).

use warden::model::Connection;
use warden::store::Store;

async fn backends(dir: &std::path::Path) -> Vec<(&'static str, Store)> {
    vec![("sqlite", Store::open_data_dir(dir).await.unwrap())]
}

fn demo() -> Vec<Connection> {
    warden::demo::connections().unwrap()
}

#[tokio::test]
async fn store_round_trips_and_replaces_per_connection() {
    let dir = tempfile::tempdir().unwrap();
    for (name, store) in backends(dir.path()).await {
        assert!(
            store.load().await.unwrap().is_empty(),
            "{name}: a new store is empty"
        );
        let g0 = store.generation().await.unwrap();

        let mut conns = demo();
        conns.sort_by(|a, b| a.name.cmp(&b.name));
        let g1 = store.replace_connections(&conns).await.unwrap();
        assert!(g1 > g0, "{name}: generation moves on import");
        assert_eq!(
            store.load().await.unwrap(),
            conns,
            "{name}: what is loaded is what was stored"
        );

        // Replacing one connection leaves the others as they were.
        let mut smaller = conns[0].clone();
        smaller.grants.truncate(1);
        let g2 = store
            .replace_connections(std::slice::from_ref(&smaller))
            .await
            .unwrap();
        assert!(g2 > g1);
        let loaded = store.load().await.unwrap();
        assert_eq!(loaded.len(), conns.len());
        assert_eq!(loaded[0], smaller, "{name}: the replaced connection");
        assert_eq!(
            &loaded[1..],
            &conns[1..],
            "{name}: the untouched connections"
        );
        store.close().await;
    }
}

#[tokio::test]
async fn store_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    let conns = demo();
    {
        let store = Store::open_data_dir(dir.path()).await.unwrap();
        store.replace_connections(&conns).await.unwrap();
        store.close().await;
    }
    let store = Store::open_data_dir(dir.path()).await.unwrap();
    let mut want = conns;
    want.sort_by(|a, b| a.name.cmp(&b.name));
    assert_eq!(store.load().await.unwrap(), want);
}
