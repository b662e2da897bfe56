//! SQLite's bulk writer for snapshot rows: multi-row `INSERT … VALUES` statements sized to stay
//! below SQLite's 32766 bound values per statement. Each table keeps its rows in write order by
//! `rowid` (or by its `id` key).

use crate::model::{Connection, Identity, Resource};
use crate::store::StoreError;
use crate::store::portable::columns::{grantee_columns, path_column, to_json};
use sqlx::{QueryBuilder, Sqlite, Transaction};

/// Bound values per statement, below SQLite's limit of 32766.
const MAX_BINDS: usize = 32_000;

/// Inserts `items` in multi-row statements sized to SQLite's bound-value limit.
async fn insert_chunked<T>(
    tx: &mut Transaction<'static, Sqlite>,
    head: &'static str,
    columns: usize,
    items: &[T],
    mut push: impl FnMut(sqlx::query_builder::Separated<'_, Sqlite, &'static str>, &T),
) -> Result<(), StoreError> {
    for chunk in items.chunks((MAX_BINDS / columns).max(1)) {
        let mut qb: QueryBuilder<Sqlite> = QueryBuilder::new(head);
        qb.push_values(chunk.iter(), &mut push);
        qb.build().execute(&mut **tx).await?;
    }
    Ok(())
}

pub(crate) async fn insert_identities(
    tx: &mut Transaction<'static, Sqlite>,
    c: &Connection,
) -> Result<(), StoreError> {
    let rows: Vec<(usize, &Identity)> = c.identities.iter().enumerate().collect();
    insert_chunked(
        tx,
        "INSERT INTO identities (connection, id, name, kind, email, display_name, superuser, inherit) ",
        8,
        &rows,
        |mut b, (id, i)| {
            b.push_bind(c.name.clone())
                .push_bind(*id as i64)
                .push_bind(i.name.clone())
                .push_bind(i.kind.as_str())
                .push_bind(i.email.clone())
                .push_bind(i.display_name.clone())
                .push_bind(i.superuser)
                .push_bind(i.inherit);
        },
    )
    .await
}

pub(crate) async fn insert_memberships(
    tx: &mut Transaction<'static, Sqlite>,
    c: &Connection,
) -> Result<(), StoreError> {
    insert_chunked(
        tx,
        "INSERT INTO memberships (connection, member, role, inherit) ",
        4,
        &c.memberships,
        |mut b, m| {
            b.push_bind(c.name.clone())
                .push_bind(m.member as i64)
                .push_bind(m.role as i64)
                .push_bind(m.inherit);
        },
    )
    .await
}

pub(crate) async fn insert_resources(
    tx: &mut Transaction<'static, Sqlite>,
    c: &Connection,
) -> Result<(), StoreError> {
    let rows: Vec<(usize, &Resource)> = c.resources.iter().enumerate().collect();
    insert_chunked(
        tx,
        "INSERT INTO resources (connection, id, name, kind, path, owner, owner_privileges, parent) ",
        8,
        &rows,
        |mut b, (id, r)| {
            b.push_bind(c.name.clone())
                .push_bind(*id as i64)
                .push_bind(r.name.clone())
                .push_bind(r.kind.as_str())
                .push_bind(path_column(r))
                .push_bind(r.owner.map(i64::from))
                .push_bind(r.owner_privileges.as_ref().map(to_json))
                .push_bind(r.parent.map(i64::from));
        },
    )
    .await
}

pub(crate) async fn insert_grants(
    tx: &mut Transaction<'static, Sqlite>,
    c: &Connection,
) -> Result<(), StoreError> {
    insert_chunked(
        tx,
        "INSERT INTO grants (connection, grantee_id, grantee, privilege, resource, grant_option, future, condition) ",
        8,
        &c.grants,
        |mut b, g| {
            let (id, text) = grantee_columns(g);
            b.push_bind(c.name.clone())
                .push_bind(id)
                .push_bind(text)
                .push_bind(g.privilege.to_string())
                .push_bind(g.resource as i64)
                .push_bind(g.grant_option)
                .push_bind(g.future)
                .push_bind(g.condition.as_ref().map(to_json));
        },
    )
    .await
}
