//! 事项检索 — the catalogue's full-text index: finds a published item by the words citizens use.
//!
//! The engine is `tantivy`, in memory, built from the database's published items and synonyms
//! and rebuilt when the catalogue's revision (bumped in the same transaction as every publish
//! and synonym change) moves on. Because the index is built from rows, not by the database's own
//! text search, SQLite and PostgreSQL give the same results, in the same order.
//!
//! - Chinese has no spaces: its text is cut into one- and two-character grams, and a query
//!   word must hold all its bigrams in one field ("就业" matches 就业创业证申领).
//! - 同义词: an item whose name holds a synonym's meaning is indexed under the synonym as if it
//!   were part of its name (社保 → 社会保险登记), one whose materials do, as a material.
//! - 拼音: the pinyin of every name and name synonym is indexed in full and as initials, so
//!   `shebao`, `sb` and `jiuye` find what 社保 and 就业 find.
//! - Relevance is BM25 with each field weighted: the name over synonyms over department and
//!   theme over materials over the legal basis. Ties go to the lower item code.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use pinyin::ToPinyin;
use shared::catalogue::{ItemSummary, ServiceItem, ServiceObject};
use shared::search::Synonym;
use tantivy::collector::TopDocs;
use tantivy::query::{BooleanQuery, BoostQuery, Occur, Query, TermQuery};
use tantivy::schema::{Field, IndexRecordOption, Schema, TextFieldIndexing, TextOptions, Value};
use tantivy::tokenizer::{LowerCaser, NgramTokenizer, TextAnalyzer};
use tantivy::{Index, IndexReader, TantivyDocument, Term};

/// At most this many words of a search are matched (each must match); the rest are ignored.
pub const MAX_SEARCH_TERMS: usize = 4;
/// How many nearest items a search that matches nothing suggests.
const SUGGESTIONS: usize = 3;
/// The indexing arena: the least tantivy takes for one thread, far more than a catalogue of
/// thousands of items needs.
const WRITER_ARENA_BYTES: usize = 15_000_000;

/// A field of the index, its analyzer and its weight in relevance.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Kind {
    /// Chinese (and anything else) in 1–2 character grams.
    Chinese,
    /// English words, lower-cased and stemmed.
    English,
    /// Pinyin strings in 2–3 letter grams.
    Pinyin,
}

const ZH: &str = "yiwang_zh";
const PY: &str = "yiwang_py";
const EN: &str = "en_stem";

/// The searchable fields with their weights.
const FIELDS: [(&str, Kind, f32); 10] = [
    ("code", Kind::English, 8.0),
    ("name_zh", Kind::Chinese, 6.0),
    ("name_en", Kind::English, 6.0),
    ("alias", Kind::Chinese, 5.0),
    ("pinyin", Kind::Pinyin, 5.0),
    ("about_zh", Kind::Chinese, 2.0),
    ("about_en", Kind::English, 2.0),
    ("materials_zh", Kind::Chinese, 1.5),
    ("materials_en", Kind::English, 1.5),
    ("legal", Kind::Chinese, 0.5),
];

/// The filters of a search, applied to what the text matches.
#[derive(Clone, Copy, Debug, Default)]
pub struct Filters<'a> {
    /// Persons' or enterprises' items.
    pub object: Option<ServiceObject>,
    /// A theme key.
    pub theme: Option<&'a str>,
    /// A department code.
    pub department: Option<&'a str>,
}

/// What a search found: every match in order of relevance, and when there is none, the
/// nearest items.
#[derive(Debug, Default)]
pub struct Found {
    /// The matching items, most relevant first.
    pub items: Vec<ItemSummary>,
    /// When nothing matched: items that share a word or a character with the search.
    pub suggestions: Vec<ItemSummary>,
}

struct Entry {
    summary: ItemSummary,
    theme: String,
    department: String,
}

impl Entry {
    fn passes(&self, f: &Filters<'_>) -> bool {
        f.object.is_none_or(|o| o == self.summary.service_object)
            && f.theme.is_none_or(|t| t == self.theme)
            && f.department.is_none_or(|d| d == self.department)
    }
}

/// One build of the index, for one catalogue revision.
struct Built {
    revision: i64,
    index: Index,
    reader: IndexReader,
    fields: Vec<(Field, Kind, f32)>,
    code: Field,
    entries: HashMap<String, Entry>,
}

/// The index of the published catalogue, shared by every request of a server.
#[derive(Default)]
pub struct SearchIndex {
    built: RwLock<Option<Arc<Built>>>,
}

/// Why the index could not be built or searched.
#[derive(Debug, thiserror::Error)]
#[error("search index: {0}")]
pub struct SearchError(#[from] tantivy::TantivyError);

impl SearchIndex {
    /// Whether the index is of `revision` (and need not be rebuilt).
    pub fn is_at(&self, revision: i64) -> bool {
        self.current().is_some_and(|b| b.revision == revision)
    }

    /// Rebuilds the index from the published `items` and the `synonyms` of `revision`.
    pub fn rebuild(&self, revision: i64, items: &[ServiceItem], synonyms: &[Synonym]) -> Result<(), SearchError> {
        let built = Arc::new(build(revision, items, synonyms)?);
        *self.built.write().unwrap_or_else(|p| p.into_inner()) = Some(built);
        Ok(())
    }

    fn current(&self) -> Option<Arc<Built>> {
        self.built.read().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// The published items that match every word of `text` and pass the filters, most relevant
    /// first. An index never built finds nothing.
    pub fn search(&self, text: &str, filters: &Filters<'_>) -> Result<Found, SearchError> {
        let Some(b) = self.current() else { return Ok(Found::default()) };
        let words: Vec<String> = text.split_whitespace().take(MAX_SEARCH_TERMS).map(str::to_lowercase).collect();
        let clauses: Vec<Box<dyn Query>> = words.iter().filter_map(|w| b.word_query(w)).collect();
        // A word that cannot match anywhere (a lone punctuation mark) makes the search match nothing.
        let items = if clauses.len() == words.len() && !clauses.is_empty() {
            b.run(BooleanQuery::new(clauses.into_iter().map(|q| (Occur::Must, q)).collect()), filters)?
        } else {
            Vec::new()
        };
        let suggestions = if items.is_empty() {
            let mut near = b.run(b.nearest_query(&words), filters)?;
            near.truncate(SUGGESTIONS);
            near
        } else {
            Vec::new()
        };
        Ok(Found { items, suggestions })
    }
}

fn schema() -> (Schema, Vec<(Field, Kind, f32)>, Field) {
    let mut sb = Schema::builder();
    let code = sb.add_text_field("item_code", tantivy::schema::STRING | tantivy::schema::STORED);
    let fields = FIELDS
        .iter()
        .map(|&(name, kind, weight)| {
            let tokenizer = match kind {
                Kind::Chinese => ZH,
                Kind::English => EN,
                Kind::Pinyin => PY,
            };
            let options = TextOptions::default().set_indexing_options(
                TextFieldIndexing::default()
                    .set_tokenizer(tokenizer)
                    .set_index_option(IndexRecordOption::WithFreqsAndPositions),
            );
            (sb.add_text_field(name, options), kind, weight)
        })
        .collect();
    (sb.build(), fields, code)
}

fn register_analyzers(index: &Index) -> Result<(), SearchError> {
    index
        .tokenizers()
        .register(ZH, TextAnalyzer::builder(NgramTokenizer::new(1, 2, false)?).filter(LowerCaser).build());
    index
        .tokenizers()
        .register(PY, TextAnalyzer::builder(NgramTokenizer::new(2, 3, false)?).filter(LowerCaser).build());
    Ok(())
}

/// The pinyin of the Chinese characters of `text`, in full ("shehuibaoxian") and as initials
/// ("shbx"); other characters are left out.
pub fn pinyin_of(text: &str) -> (String, String) {
    let (mut full, mut initials) = (String::new(), String::new());
    for p in text.to_pinyin().flatten() {
        full.push_str(p.plain());
        initials.push_str(p.first_letter());
    }
    (full, initials)
}

/// The values of each field for one item.
fn document(f: &[(Field, Kind, f32)], code: Field, item: &ServiceItem, synonyms: &[Synonym]) -> TantivyDocument {
    let mut doc = TantivyDocument::default();
    doc.add_text(code, item.code.as_str());
    let field = |name: &str| f[FIELDS.iter().position(|(n, _, _)| *n == name).expect("a field of FIELDS")].0;
    doc.add_text(field("code"), item.code.as_str());
    doc.add_text(field("name_zh"), &item.name.zh);
    doc.add_text(field("name_en"), &item.name.en);
    for words in [&item.department.name, &item.theme.name] {
        doc.add_text(field("about_zh"), &words.zh);
        doc.add_text(field("about_en"), &words.en);
    }
    for m in &item.materials {
        doc.add_text(field("materials_zh"), &m.name.zh);
        doc.add_text(field("materials_en"), &m.name.en);
    }
    for law in &item.legal_basis {
        doc.add_text(field("legal"), law);
    }
    let name = format!("{}\n{}", item.name.zh, item.name.en.to_lowercase());
    let materials: String =
        item.materials.iter().map(|m| format!("{}\n{}\n", m.name.zh, m.name.en.to_lowercase())).collect();
    let mut spoken = vec![item.name.zh.clone()];
    for s in synonyms {
        if s.means.iter().any(|m| name.contains(m.as_str())) {
            doc.add_text(field("alias"), &s.term);
            spoken.push(s.term.clone());
        } else if s.means.iter().any(|m| materials.contains(m.as_str())) {
            doc.add_text(field("materials_zh"), &s.term);
        }
    }
    for words in spoken {
        let (full, initials) = pinyin_of(&words);
        for value in [full, initials].into_iter().filter(|v| !v.is_empty()) {
            doc.add_text(field("pinyin"), &value);
        }
    }
    doc
}

fn build(revision: i64, items: &[ServiceItem], synonyms: &[Synonym]) -> Result<Built, SearchError> {
    let (schema, fields, code) = schema();
    let index = Index::create_in_ram(schema);
    register_analyzers(&index)?;
    let mut writer: tantivy::IndexWriter = index.writer_with_num_threads(1, WRITER_ARENA_BYTES)?;
    let mut entries = HashMap::with_capacity(items.len());
    for item in items {
        writer.add_document(document(&fields, code, item, synonyms))?;
        let entry =
            Entry { summary: item.summary(), theme: item.theme.key.clone(), department: item.department.code.clone() };
        entries.insert(item.code.as_str().to_owned(), entry);
    }
    writer.commit()?;
    let reader = index.reader()?;
    reader.reload()?;
    Ok(Built { revision, index, reader, fields, code, entries })
}

impl Built {
    /// The tokens `analyzer` cuts `text` into.
    fn tokens(&self, field: Field, text: &str) -> Vec<String> {
        let Ok(mut analyzer) = self.index.tokenizer_for_field(field) else { return Vec::new() };
        let mut stream = analyzer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            out.push(stream.token().text.clone());
        }
        out
    }

    /// The grams of `word` a field must hold for the word to match in it: for Chinese and
    /// pinyin, the longest grams the analyzer makes (a two-character word needs its bigram,
    /// not only its characters); for English, every stemmed word.
    fn needed(&self, field: Field, kind: Kind, word: &str) -> Vec<String> {
        let mut tokens = self.tokens(field, word);
        if kind != Kind::English {
            let longest = tokens.iter().map(|t| t.chars().count()).max().unwrap_or(0);
            tokens.retain(|t| t.chars().count() == longest);
        }
        tokens.sort();
        tokens.dedup();
        tokens
    }

    /// One word of the search: it matches when some field holds all its grams; the field's
    /// weight scales its score.
    fn word_query(&self, word: &str) -> Option<Box<dyn Query>> {
        let chinese = !word.is_ascii();
        let letters = word.chars().all(|c| c.is_ascii_alphabetic());
        let mut per_field: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for &(field, kind, weight) in &self.fields {
            let applies = match kind {
                Kind::Chinese => chinese,
                Kind::English => !chinese,
                Kind::Pinyin => letters,
            };
            let needed = if applies { self.needed(field, kind, word) } else { Vec::new() };
            if needed.is_empty() {
                continue;
            }
            let all: Vec<(Occur, Box<dyn Query>)> = needed
                .iter()
                .map(|t| {
                    let q: Box<dyn Query> =
                        Box::new(TermQuery::new(Term::from_field_text(field, t), IndexRecordOption::WithFreqs));
                    (Occur::Must, q)
                })
                .collect();
            per_field.push((Occur::Should, Box::new(BoostQuery::new(Box::new(BooleanQuery::new(all)), weight))));
        }
        (!per_field.is_empty()).then(|| Box::new(BooleanQuery::new(per_field)) as Box<dyn Query>)
    }

    /// For suggestions: any single character or word of the search in a name, synonym or
    /// material.
    fn nearest_query(&self, words: &[String]) -> Box<dyn Query> {
        let mut any: Vec<(Occur, Box<dyn Query>)> = Vec::new();
        for &(field, kind, weight) in &self.fields {
            for word in words {
                let chinese = !word.is_ascii();
                let tokens = match kind {
                    Kind::Chinese if chinese => self.tokens(field, word),
                    Kind::English if !chinese => self.tokens(field, word),
                    _ => Vec::new(),
                };
                for t in tokens {
                    let q = TermQuery::new(Term::from_field_text(field, &t), IndexRecordOption::WithFreqs);
                    any.push((Occur::Should, Box::new(BoostQuery::new(Box::new(q), weight))));
                }
            }
        }
        Box::new(BooleanQuery::new(any))
    }

    /// Every item `query` matches that passes the filters, by score then code.
    fn run(&self, query: impl Query, filters: &Filters<'_>) -> Result<Vec<ItemSummary>, SearchError> {
        let searcher = self.reader.searcher();
        let limit = self.entries.len().max(1);
        let hits = searcher.search(&query, &TopDocs::with_limit(limit).order_by_score())?;
        let mut found: Vec<(f32, &Entry)> = Vec::with_capacity(hits.len());
        for (score, address) in hits {
            let doc: TantivyDocument = searcher.doc(address)?;
            let entry = doc.get_first(self.code).and_then(|v| v.as_str()).and_then(|c| self.entries.get(c));
            if let Some(entry) = entry.filter(|e| e.passes(filters)) {
                found.push((score, entry));
            }
        }
        found.sort_by(|(sa, a), (sb, b)| sb.total_cmp(sa).then_with(|| a.summary.code.cmp(&b.summary.code)));
        Ok(found.into_iter().map(|(_, e)| e.summary.clone()).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::pinyin_of;

    #[test]
    fn pinyin_is_given_in_full_and_as_initials_without_other_characters() {
        assert_eq!(pinyin_of("社保"), ("shebao".to_owned(), "sb".to_owned()));
        assert_eq!(pinyin_of("就业创业证（A类）"), ("jiuyechuangyezhenglei".to_owned(), "jycyzl".to_owned()));
    }
}
