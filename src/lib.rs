//! # cnkg
//!
//! A knowledge-graph builder for China–North Korea relations. It reads English
//! news articles, finds people, organisations, countries, places and meetings
//! with editable rules (`graph_rules/*.toml`), links them into a petgraph
//! graph, and writes it as NetworkX node-link JSON, Graphviz DOT, GraphML,
//! Neo4j CSV, Cytoscape.js JSON, SVG, PNG or a self-contained HTML page.
//!
//! The flow runs one way:
//! `corpus` (read, normalise, split) -> `rules` (load, validate, compile) ->
//! `extract` (mentions, facts) -> `graph` (merge across documents) ->
//! `export` (filters, then JSON, DOT, GraphML, CSV, Cytoscape.js, SVG, PNG, HTML).
//!
//! ```no_run
//! use std::path::Path;
//! let rules = cnkg::rules::RuleSet::load_dir(Path::new("graph_rules"))?;
//! let extractor = cnkg::extract::Extractor::new(&rules)?;
//! let docs = cnkg::corpus::read_inputs(&[Path::new("seeds").to_path_buf()])?;
//! let graph = cnkg::graph::KnowledgeGraph::build(&extractor, &docs);
//! println!("{}", cnkg::export::json::to_string(&graph));
//! # Ok::<(), cnkg::error::Error>(())
//! ```

/// The hash maps of extraction and merging, keyed by names and numbers
/// looked up at every mention: a fast hash, seeded at random per process.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// A set with the hash of [`FastMap`].
pub(crate) type FastSet<T> = std::collections::HashSet<T, foldhash::fast::RandomState>;

pub mod bench;
pub mod cli;
pub mod corpus;
pub mod dates;
pub mod error;
pub mod export;
pub mod extract;
pub mod facts;
pub mod gate;
pub mod graph;
pub mod names;
pub mod pattern;
pub mod query;
pub mod report;
pub mod rules;
pub mod synth;
pub mod text;
