//! A dashboard session or sign-in link as the store writes it.

/// A stored session or link: what `kind` it is, for whom, with which CSRF token, until when.
pub struct NewSession<'a> {
    pub hash: &'a str,
    pub kind: &'a str,
    pub person_id: &'a str,
    pub csrf: &'a str,
    pub created_at: &'a str,
    pub expires_at: &'a str,
}
