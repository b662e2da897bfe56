//! Name search over identities and resources: exact keys (names, emails, display names, every
//! dotted suffix) in [`keys`], the fast path of resolution, and a tantivy index of tokenised
//! text for typo-tolerant search.
//!
//! The index is derived data: it is built in memory from the graph whenever the graph is, so it
//! can never disagree with the store.

mod keys;

pub use keys::{identity_aliases, resource_aliases, same_key};

use crate::graph::Graph;
use keys::ExactKeys;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, FuzzyTermQuery, Occur, Query, TermQuery};
use tantivy::schema::{FAST, Field, INDEXED, IndexRecordOption, STRING, Schema, TEXT};
use tantivy::{Index, IndexReader, Searcher, TantivyDocument, Term};

/// Which half of the index a lookup is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    Identity,
    Resource,
}

impl Target {
    fn tag(self) -> &'static str {
        match self {
            Target::Identity => "i",
            Target::Resource => "r",
        }
    }
}

/// A document found: which connection (index into the graph) and which identity or resource.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Hit {
    pub conn: u32,
    pub id: u32,
}

/// How strongly a key matched: the name itself, or another way of naming the same thing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tier {
    /// The identity's name or the resource's full name.
    Name,
    /// An email, display name, email local part, or a dotted suffix of a resource name.
    Alias,
}

#[derive(Debug, thiserror::Error)]
#[error("search index: {0}")]
pub struct IndexError(#[from] tantivy::TantivyError);

struct Fields {
    target: Field,
    conn: Field,
    text: Field,
    hit: Field,
}

/// The built index, ready for searching.
pub struct NameIndex {
    fields: Fields,
    reader: IndexReader,
    keys: ExactKeys,
}

/// The most characters of a query that are searched: a name, not a document. A longer query
/// is cut (at a character boundary), so a 2 MB argument costs what 256 characters cost.
pub const MAX_QUERY_CHARS: usize = 256;

/// The most words of a query that get a clause: one clause a word, so the query stays small.
pub const MAX_QUERY_WORDS: usize = 8;

/// Words longer than this are matched exactly or by prefix, not within an edit distance: a
/// Levenshtein automaton grows with the word, and no name's word is this long.
const MAX_FUZZY_WORD_CHARS: usize = 32;

/// Words that say what sort of thing is meant, not which one ("the payroll table").
const FILLER: &[&str] = &[
    "the", "a", "an", "table", "tables", "view", "views", "of", "in", "on", "for", "dataset",
    "schema", "database", "my", "our", "data", "user", "role", "group", "person",
];

impl NameIndex {
    pub fn build(graph: &Graph) -> Result<NameIndex, IndexError> {
        let mut sb = Schema::builder();
        let fields = Fields {
            target: sb.add_text_field("target", STRING),
            conn: sb.add_u64_field("conn", INDEXED),
            text: sb.add_text_field("text", TEXT),
            hit: sb.add_u64_field("hit", FAST),
        };
        let index = Index::create_in_ram(sb.build());
        let mut writer = index.writer_with_num_threads::<TantivyDocument>(1, 60_000_000)?;
        for (ci, c) in graph.connections.iter().enumerate() {
            for (id, ident) in c.identities.iter().enumerate() {
                let mut doc = TantivyDocument::new();
                doc.add_text(fields.target, Target::Identity.tag());
                doc.add_u64(fields.conn, ci as u64);
                doc.add_u64(fields.hit, encode(ci as u32, id as u32));
                doc.add_text(fields.text, &ident.name);
                for text in [&ident.email, &ident.display_name].into_iter().flatten() {
                    doc.add_text(fields.text, text);
                }
                writer.add_document(doc)?;
            }
            for (id, res) in c.resources.iter().enumerate() {
                let mut doc = TantivyDocument::new();
                doc.add_text(fields.target, Target::Resource.tag());
                doc.add_u64(fields.conn, ci as u64);
                doc.add_u64(fields.hit, encode(ci as u32, id as u32));
                for part in &res.path {
                    doc.add_text(fields.text, part);
                }
                writer.add_document(doc)?;
            }
        }
        writer.commit()?;
        writer.wait_merging_threads()?;
        let reader = index
            .reader_builder()
            .reload_policy(tantivy::ReloadPolicy::Manual)
            .try_into()?;
        Ok(NameIndex {
            fields,
            reader,
            keys: ExactKeys::build(graph),
        })
    }

    fn searcher(&self) -> Searcher {
        self.reader.searcher()
    }

    fn scope(&self, target: Target, conn: Option<u32>) -> Vec<(Occur, Box<dyn Query>)> {
        let mut clauses: Vec<(Occur, Box<dyn Query>)> = vec![(
            Occur::Must,
            Box::new(TermQuery::new(
                Term::from_field_text(self.fields.target, target.tag()),
                IndexRecordOption::Basic,
            )),
        )];
        if let Some(c) = conn {
            clauses.push((
                Occur::Must,
                Box::new(TermQuery::new(
                    Term::from_field_u64(self.fields.conn, c as u64),
                    IndexRecordOption::Basic,
                )),
            ));
        }
        clauses
    }

    /// Hits whose key of `tier` may equal `key`, ignoring case, in connection `conn` if given.
    /// A hash match: callers confirm against the names ([`same_key`]).
    pub fn lookup(&self, target: Target, tier: Tier, key: &str, conn: Option<u32>) -> Vec<Hit> {
        self.keys
            .get(target, tier, key)
            .filter(|h| conn.is_none_or(|c| h.conn == c))
            .collect()
    }

    /// Heap held by the exact keys (the tantivy index is counted by the process).
    pub fn keys_heap_bytes(&self) -> usize {
        self.keys.heap_bytes()
    }

    /// Tokenised, typo-tolerant search. `all_words`: every word must match (resolution);
    /// otherwise any word may (suggestions and the search tools).
    pub fn fuzzy(
        &self,
        target: Target,
        query: &str,
        conn: Option<u32>,
        all_words: bool,
        limit: usize,
    ) -> Result<Vec<(f32, Hit)>, IndexError> {
        let words = words(query);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut word_clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for w in &words {
            let term = Term::from_field_text(self.fields.text, w);
            let distance = match w.chars().count() {
                0..=3 => 0,
                4..=7 => 1,
                8..=MAX_FUZZY_WORD_CHARS => 2,
                _ => 0,
            };
            let exact: Box<dyn Query> = Box::new(BoostQuery::new(
                Box::new(TermQuery::new(term.clone(), IndexRecordOption::WithFreqs)),
                3.0,
            ));
            let mut alternatives: Vec<(Occur, Box<dyn Query>)> = vec![(Occur::Should, exact)];
            if distance > 0 {
                alternatives.push((
                    Occur::Should,
                    Box::new(FuzzyTermQuery::new(term.clone(), distance, true)),
                ));
            }
            if w.chars().count() >= 3 {
                alternatives.push((
                    Occur::Should,
                    Box::new(BoostQuery::new(
                        Box::new(FuzzyTermQuery::new_prefix(term, 0, false)),
                        0.5,
                    )),
                ));
            }
            let occur = if all_words {
                Occur::Must
            } else {
                Occur::Should
            };
            word_clauses.push((occur, Box::new(BooleanQuery::new(alternatives))));
        }
        let mut clauses = self.scope(target, conn);
        clauses.push((Occur::Must, Box::new(BooleanQuery::new(word_clauses))));
        self.run(&BooleanQuery::new(clauses), limit)
    }

    /// Names with a word starting with each word of `query`, however short (`a`, `al`): what
    /// search-as-you-type lists from the first letter. [`NameIndex::fuzzy`] leaves words under
    /// three letters to exact matches, where a prefix would match most names.
    pub fn prefixed(
        &self,
        target: Target,
        query: &str,
        conn: Option<u32>,
        limit: usize,
    ) -> Result<Vec<(f32, Hit)>, IndexError> {
        let words = words(query);
        if words.is_empty() {
            return Ok(Vec::new());
        }
        let mut clauses = self.scope(target, conn);
        for w in &words {
            let term = Term::from_field_text(self.fields.text, w);
            clauses.push((
                Occur::Must,
                Box::new(FuzzyTermQuery::new_prefix(term, 0, false)),
            ));
        }
        self.run(&BooleanQuery::new(clauses), limit)
    }

    fn run(&self, query: &dyn Query, limit: usize) -> Result<Vec<(f32, Hit)>, IndexError> {
        let searcher = self.searcher();
        let top = searcher.search(query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut out = Vec::with_capacity(top.len());
        for (score, addr) in top {
            let column = searcher
                .segment_reader(addr.segment_ord)
                .fast_fields()
                .u64("hit")?;
            if let Some(v) = column.first(addr.doc_id) {
                out.push((score, decode(v)));
            }
        }
        Ok(out)
    }
}

/// The words of a query worth searching for: lower case, split on anything not alphanumeric,
/// without filler words. A query of only filler words keeps them. Only the first
/// [`MAX_QUERY_CHARS`] characters are read and at most [`MAX_QUERY_WORDS`] words come out.
pub fn words(query: &str) -> Vec<String> {
    let query = match query.char_indices().nth(MAX_QUERY_CHARS) {
        Some((cut, _)) => &query[..cut],
        None => query,
    };
    let all: Vec<String> = query
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect();
    let kept: Vec<String> = all
        .iter()
        .filter(|w| !FILLER.contains(&w.as_str()))
        .cloned()
        .collect();
    let mut out = if kept.is_empty() { all } else { kept };
    out.truncate(MAX_QUERY_WORDS);
    out
}

fn encode(conn: u32, id: u32) -> u64 {
    ((conn as u64) << 32) | id as u64
}

fn decode(v: u64) -> Hit {
    Hit {
        conn: (v >> 32) as u32,
        id: v as u32,
    }
}

impl From<IndexError> for crate::error::Problem {
    fn from(e: IndexError) -> Self {
        tracing::debug!(error = %e, "index failure");
        crate::error::Problem::internal("search index failure")
    }
}

#[cfg(test)]
mod tests {
    use super::{MAX_QUERY_WORDS, Target, words};
    use crate::access::Access;

    #[test]
    fn a_query_is_searched_for_a_bounded_number_of_words() {
        let huge = "maya orders ".repeat(200_000);
        let w = words(&huge);
        assert_eq!(w.len(), MAX_QUERY_WORDS);
        // Cut at a character boundary, whatever the text.
        assert!(words(&"\u{130}x ".repeat(10_000)).len() <= MAX_QUERY_WORDS);
        assert_eq!(words("the payroll table"), ["payroll"]);
    }

    #[test]
    fn a_huge_query_finds_what_its_first_words_name() {
        let access = Access::build(crate::demo::connections().unwrap()).unwrap();
        let huge = format!(
            "maya {}",
            "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz ".repeat(50_000)
        );
        for target in [Target::Identity, Target::Resource] {
            let hits = access.index.fuzzy(target, &huge, None, false, 5).unwrap();
            assert!(hits.len() <= 5);
        }
        let hits = access
            .index
            .fuzzy(Target::Identity, &huge, None, false, 5)
            .unwrap();
        assert!(!hits.is_empty());
    }
}
