//! Compiling a command spec (see `grammars/spec.pest`) into a small NFA.

use crate::param::ParamKind;
use pest::Parser;
use pest::iterators::Pair;
use pest_derive::Parser;

#[derive(Parser)]
#[grammar = "grammars/spec.pest"]
struct SpecParser;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SpecError {
    Syntax(String),
    HelpCount { spec: String, atoms: usize, helps: usize },
}

impl std::fmt::Display for SpecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SpecError::Syntax(s) => write!(f, "bad command spec: {s}"),
            SpecError::HelpCount { spec, atoms, helps } => {
                write!(f, "command spec `{spec}` has {atoms} atoms but {helps} help strings")
            }
        }
    }
}
impl std::error::Error for SpecError {}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AtomKind {
    Keyword(String),
    Param(ParamKind),
}

#[derive(Clone, Debug)]
pub struct Atom {
    pub kind: AtomKind,
    /// The key a handler looks a binding up by (see [`Atom::compute_key`]).
    pub key: String,
    pub label: Option<String>,
    pub raw: String,
    pub help: String,
}

impl Atom {
    /// The key a handler looks a binding up by.
    pub fn compute_key(&self) -> String {
        match (&self.kind, &self.label) {
            (_, Some(l)) => l.clone(),
            (AtomKind::Keyword(k), None) => k.clone(),
            (AtomKind::Param(_), None) => self.raw.clone(),
        }
    }
    /// How the atom shows in the `?` listing.
    pub fn display(&self) -> String {
        match &self.kind {
            AtomKind::Keyword(k) => k.clone(),
            AtomKind::Param(_) => self.raw.clone(),
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct State {
    pub edges: Vec<(usize, usize)>,
    pub eps: Vec<usize>,
    pub accept: bool,
}

#[derive(Clone, Debug, Default)]
pub struct Nfa {
    pub states: Vec<State>,
    pub start: usize,
    /// `closure(s)` for every state, computed once at build time.
    closures: Vec<Vec<usize>>,
}

impl Nfa {
    fn new_state(&mut self) -> usize {
        self.states.push(State::default());
        self.states.len() - 1
    }
    /// States reachable from `s` by epsilon moves that have edges or accept.
    pub fn closure(&self, s: usize) -> &[usize] {
        &self.closures[s]
    }

    fn compute_closure(&self, s: usize) -> Vec<usize> {
        let mut seen = vec![false; self.states.len()];
        let mut stack = vec![s];
        let mut out = Vec::new();
        while let Some(x) = stack.pop() {
            if seen[x] {
                continue;
            }
            seen[x] = true;
            let st = &self.states[x];
            if !st.edges.is_empty() || st.accept {
                out.push(x);
            }
            stack.extend(st.eps.iter().copied());
        }
        out.sort_unstable();
        out
    }
}

enum Ast {
    Atom(usize),
    Seq(Vec<Ast>),
    Alt(Vec<Ast>, bool),
}

fn build_ast(pair: Pair<'_, Rule>, atoms: &mut Vec<Atom>) -> Ast {
    match pair.as_rule() {
        Rule::seq => Ast::Seq(pair.into_inner().map(|p| build_ast(p, atoms)).collect()),
        Rule::alt => Ast::Alt(pair.into_inner().map(|p| build_ast(p, atoms)).collect(), false),
        Rule::opt => Ast::Alt(pair.into_inner().map(|p| build_ast(p, atoms)).collect(), true),
        Rule::atom => {
            let raw = pair.as_str();
            let (body, label) = split_label(raw);
            let label = label.map(str::to_string);
            let kind = match ParamKind::from_spec(body) {
                Some(p) => AtomKind::Param(p),
                None => AtomKind::Keyword(body.to_ascii_lowercase()),
            };
            let mut a = Atom { kind, label, raw: body.to_string(), help: String::new(), key: String::new() };
            a.key = a.compute_key();
            atoms.push(a);
            Ast::Atom(atoms.len() - 1)
        }
        _ => Ast::Seq(Vec::new()),
    }
}

/// An atom's parameter kind and label: `A.B.C.D:addr` → (`A.B.C.D`, `addr`).
/// The IPv6 atoms `X:X:X:X::X` and `X:X:X:X::X/M` hold colons of their own, so they are taken whole.
fn split_label(raw: &str) -> (&str, Option<&str>) {
    for v6 in ["X:X:X:X::X/M", "X:X:X:X::X"] {
        if raw == v6 {
            return (raw, None);
        }
        if let Some(l) = raw.strip_prefix(v6).and_then(|r| r.strip_prefix(':')) {
            return (v6, Some(l));
        }
    }
    match raw.split_once(':') {
        Some((b, l)) if ParamKind::from_spec(b).is_some() => (b, Some(l)),
        _ => (raw, None),
    }
}

/// Thompson construction: returns the end state of the fragment starting at `from`.
fn emit(nfa: &mut Nfa, ast: &Ast, from: usize) -> usize {
    match ast {
        Ast::Atom(a) => {
            let to = nfa.new_state();
            nfa.states[from].edges.push((*a, to));
            to
        }
        Ast::Seq(items) => items.iter().fold(from, |s, it| emit(nfa, it, s)),
        Ast::Alt(branches, optional) => {
            let end = nfa.new_state();
            for b in branches {
                let s = nfa.new_state();
                nfa.states[from].eps.push(s);
                let e = emit(nfa, b, s);
                nfa.states[e].eps.push(end);
            }
            if *optional {
                nfa.states[from].eps.push(end);
            }
            end
        }
    }
}

/// The atoms of a spec as written (`<1-16>:slot`), in order, and how many
/// of them are the leading keywords (before the first parameter or group).
pub fn atom_texts(spec: &str) -> Result<(Vec<String>, usize), SpecError> {
    fn walk(pair: Pair<'_, Rule>, out: &mut Vec<String>) {
        match pair.as_rule() {
            Rule::atom => out.push(pair.as_str().to_string()),
            _ => pair.into_inner().for_each(|p| walk(p, out)),
        }
    }
    let mut pairs = SpecParser::parse(Rule::spec, spec).map_err(|e| SpecError::Syntax(e.to_string()))?;
    let seq = pairs.next().and_then(|p| p.into_inner().next()).ok_or_else(|| SpecError::Syntax(spec.to_string()))?;
    let lead = seq
        .clone()
        .into_inner()
        .take_while(|p| p.as_rule() == Rule::atom && ParamKind::from_spec(split_label(p.as_str()).0).is_none())
        .count();
    let mut out = Vec::new();
    walk(seq, &mut out);
    Ok((out, lead))
}

pub fn compile(spec: &str, helps: &[&str]) -> Result<(Vec<Atom>, Nfa), SpecError> {
    let mut pairs = SpecParser::parse(Rule::spec, spec).map_err(|e| SpecError::Syntax(e.to_string()))?;
    let spec_pair = pairs.next().ok_or_else(|| SpecError::Syntax(spec.to_string()))?;
    let seq = spec_pair.into_inner().next().ok_or_else(|| SpecError::Syntax(spec.to_string()))?;
    let mut atoms = Vec::new();
    let ast = build_ast(seq, &mut atoms);
    if atoms.len() != helps.len() {
        return Err(SpecError::HelpCount { spec: spec.to_string(), atoms: atoms.len(), helps: helps.len() });
    }
    for (a, h) in atoms.iter_mut().zip(helps) {
        a.help = h.to_string();
    }
    let mut nfa = Nfa::default();
    nfa.start = nfa.new_state();
    let start = nfa.start;
    let end = emit(&mut nfa, &ast, start);
    nfa.states[end].accept = true;
    nfa.closures = (0..nfa.states.len()).map(|s| nfa.compute_closure(s)).collect();
    Ok((atoms, nfa))
}
