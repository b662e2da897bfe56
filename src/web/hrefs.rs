//! Links to the directory's pages. Platform names may hold `/`, spaces, `?`, `#` or `%`: every
//! part is percent-encoded, and the routes take the rest of the path as the name.

use super::page::url_encode;

/// An identity's page.
pub fn identity(connection: &str, name: &str) -> String {
    format!(
        "/identities/{}/{}",
        url_encode(connection),
        url_encode(name)
    )
}

/// A resource's page.
pub fn resource(connection: &str, name: &str) -> String {
    format!("/resources/{}/{}", url_encode(connection), url_encode(name))
}

/// A new request for a resource, named as the new-request page takes it (`CONNECTION/NAME`,
/// split at the first slash, so the name may hold more).
pub fn new_request(connection: &str, name: &str) -> String {
    with_query(
        "/requests/new",
        &[("resource", &format!("{connection}/{name}"))],
    )
}

/// `path` with the non-blank `pairs` as its query.
pub fn with_query(path: &str, pairs: &[(&str, &str)]) -> String {
    let q: Vec<String> = pairs
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", url_encode(v)))
        .collect();
    match q.is_empty() {
        true => path.to_string(),
        false => format!("{path}?{}", q.join("&")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn odd_names_are_one_encoded_segment() {
        assert_eq!(
            identity("warehouse", "team/a b?#%"),
            "/identities/warehouse/team%2Fa%20b%3F%23%25"
        );
        assert_eq!(
            with_query(
                "/identities",
                &[("kind", "role"), ("q", ""), ("from", "100")]
            ),
            "/identities?kind=role&from=100"
        );
        assert_eq!(with_query("/x", &[("q", " ")]), "/x");
    }
}
