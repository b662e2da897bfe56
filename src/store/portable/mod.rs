//! The request, audit and job queries, written once in SQL that SQLite and PostgreSQL both
//! accept and compiled once per backend: each file under `portable/` names its database only as
//! `super::Db`, and is included below twice. (sqlx's runtime queries are generic in name only:
//! a function generic over the database needs a bound for every type it binds or reads.)

pub(crate) mod postgres;
pub(crate) mod sqlite;
