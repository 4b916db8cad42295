//! The shape of the code, checked: in every crate of the workspace no two modules import
//! each other, directly or through others (dependencies run one way: runtime, model,
//! naming, label, metric kinds, families, registry, encoders), and no source file holds
//! more than 600 lines of code before its tests.
//!
//! Imports are read from the source text: `use crate::...` items (braces expanded) and
//! `crate::` paths in code, each resolved to the deepest module that exists. A module may
//! use its ancestors (a parent module declares its children and what they share); test
//! modules are left out.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

const MAX_LINES: usize = 600;

fn crates() -> Vec<PathBuf> {
    let core = Path::new(env!("CARGO_MANIFEST_DIR"));
    let root = core.parent().expect("metrics-core sits in the workspace");
    ["metrics-core", "metrics-http", "metrics-macros"]
        .iter()
        .map(|c| root.join(c).join("src"))
        .collect()
}

/// Every source file of a crate with its module path (`metric::native::maths`).
fn modules(src: &Path) -> BTreeMap<String, PathBuf> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("a readable source directory") {
            let path = entry.expect("a directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let mut files = Vec::new();
    walk(src, &mut files);
    files
        .into_iter()
        .filter(|f| !matches!(file_stem(f), "tests" | "loom_tests"))
        .map(|f| {
            let rel = f.strip_prefix(src).expect("under src").with_extension("");
            let mut parts: Vec<String> = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(parts.last().map(String::as_str), Some("mod" | "lib")) {
                parts.pop();
            }
            (parts.join("::"), f)
        })
        .collect()
}

fn file_stem(path: &Path) -> &str {
    path.file_stem().and_then(|s| s.to_str()).unwrap_or("")
}

/// The code of a file before its inline test modules, without comments.
fn code(path: &Path) -> Vec<String> {
    let text = fs::read_to_string(path).expect("a readable source file");
    let lines: Vec<&str> = text.lines().collect();
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let is_test_cfg = line.starts_with("#[cfg(test)]") || line.starts_with("#[cfg(all(test");
        let opens_module = lines
            .get(i + 1)
            .is_some_and(|next| next.starts_with("mod ") && next.ends_with('{'));
        if is_test_cfg && opens_module {
            break;
        }
        let line = line.trim_start();
        if line.starts_with("//") {
            continue;
        }
        out.push(line.split(" // ").next().unwrap_or("").to_owned());
    }
    out
}

/// Expands `a::{b, c::{d, e}}` into `a::b`, `a::c::d`, `a::c::e`.
fn expand(tree: &str) -> Vec<String> {
    let tree = tree.trim();
    let Some(open) = tree.find('{') else {
        let path = tree.split(" as ").next().unwrap_or("").trim();
        return vec![path.to_owned()];
    };
    let prefix = tree[..open].trim_end_matches("::");
    let inner = &tree[open + 1..tree.rfind('}').unwrap_or(tree.len())];
    let mut items = Vec::new();
    let (mut depth, mut start) = (0, 0);
    for (i, c) in inner.char_indices() {
        match c {
            '{' => depth += 1,
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&inner[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&inner[start..]);
    items
        .into_iter()
        .filter(|item| !item.trim().is_empty())
        .flat_map(expand)
        .map(|rest| match (prefix.is_empty(), rest.as_str()) {
            (true, _) => rest,
            (false, "self") => prefix.to_owned(),
            (false, _) => format!("{prefix}::{rest}"),
        })
        .collect()
}

/// The `crate::` paths a file's code names.
fn paths(code: &[String]) -> BTreeSet<String> {
    let text = code.join("\n");
    let mut paths = BTreeSet::new();
    let mut rest = text.as_str();
    while let Some(at) = rest.find("use crate::") {
        let after = &rest[at + "use crate::".len()..];
        let end = after.find(';').unwrap_or(after.len());
        paths.extend(expand(&after[..end]));
        rest = &after[end..];
    }
    let mut rest = text.as_str();
    while let Some(at) = rest.find("crate::") {
        let after = &rest[at + "crate::".len()..];
        let end = after
            .find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':'))
            .unwrap_or(after.len());
        paths.insert(after[..end].trim_end_matches(':').to_owned());
        rest = &after[end..];
    }
    paths
}

/// Module -> the modules it imports (not itself, not its ancestors).
fn graph(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let modules = modules(src);
    modules
        .iter()
        .map(|(module, file)| {
            let targets = paths(&code(file))
                .into_iter()
                .filter_map(|path| {
                    let mut parts: Vec<&str> = path
                        .split("::")
                        .filter(|p| !p.is_empty() && *p != "self")
                        .collect();
                    while !parts.is_empty() && !modules.contains_key(&parts.join("::")) {
                        parts.pop();
                    }
                    let target = parts.join("::");
                    let ancestor = target.is_empty()
                        || *module == target
                        || module.starts_with(&format!("{target}::"));
                    (!ancestor).then_some(target)
                })
                .collect();
            (module.clone(), targets)
        })
        .collect()
}

/// The groups of two or more modules that reach each other (Tarjan's algorithm).
fn cycles(graph: &BTreeMap<String, BTreeSet<String>>) -> Vec<Vec<String>> {
    struct Walk<'g> {
        graph: &'g BTreeMap<String, BTreeSet<String>>,
        index: BTreeMap<&'g str, usize>,
        low: BTreeMap<&'g str, usize>,
        stack: Vec<&'g str>,
        on_stack: BTreeSet<&'g str>,
        found: Vec<Vec<String>>,
    }
    impl<'g> Walk<'g> {
        fn visit(&mut self, v: &'g str) {
            let n = self.index.len();
            self.index.insert(v, n);
            self.low.insert(v, n);
            self.stack.push(v);
            self.on_stack.insert(v);
            for w in self.graph.get(v).into_iter().flatten() {
                let w = w.as_str();
                if !self.index.contains_key(w) {
                    self.visit(w);
                    let low = self.low[v].min(self.low[w]);
                    self.low.insert(v, low);
                } else if self.on_stack.contains(w) {
                    let low = self.low[v].min(self.index[w]);
                    self.low.insert(v, low);
                }
            }
            if self.low[v] == self.index[v] {
                let mut group = Vec::new();
                while let Some(w) = self.stack.pop() {
                    self.on_stack.remove(w);
                    group.push(w.to_owned());
                    if w == v {
                        break;
                    }
                }
                if group.len() > 1 {
                    group.sort();
                    self.found.push(group);
                }
            }
        }
    }
    let mut walk = Walk {
        graph,
        index: BTreeMap::new(),
        low: BTreeMap::new(),
        stack: Vec::new(),
        on_stack: BTreeSet::new(),
        found: Vec::new(),
    };
    for v in graph.keys() {
        if !walk.index.contains_key(v.as_str()) {
            walk.visit(v);
        }
    }
    walk.found
}

#[test]
fn no_two_modules_import_each_other() {
    for src in crates() {
        let graph = graph(&src);
        assert!(graph.len() > 3, "read the modules of {}", src.display());
        let found = cycles(&graph);
        let described: Vec<String> = found
            .iter()
            .map(|group| {
                let edges: Vec<String> = group
                    .iter()
                    .map(|m| {
                        let inside: Vec<&String> =
                            graph[m].iter().filter(|t| group.contains(t)).collect();
                        format!("{m} -> {inside:?}")
                    })
                    .collect();
                edges.join("; ")
            })
            .collect();
        assert!(
            found.is_empty(),
            "import cycles in {}: {described:#?}",
            src.display()
        );
    }
}

#[test]
fn the_checker_finds_a_cycle() {
    let graph: BTreeMap<String, BTreeSet<String>> = [
        ("a", vec!["b"]),
        ("b", vec!["c"]),
        ("c", vec!["a"]),
        ("d", vec!["a"]),
    ]
    .into_iter()
    .map(|(m, to)| (m.into(), to.into_iter().map(String::from).collect()))
    .collect();
    assert_eq!(cycles(&graph), vec![vec!["a", "b", "c"]]);
    assert_eq!(
        expand("metric::{family::{Family, Overflow}, self, Metric}"),
        [
            "metric::family::Family",
            "metric::family::Overflow",
            "metric",
            "metric::Metric"
        ]
    );
    let code = vec!["use crate::model::{Sink, Scratch};".to_owned()];
    assert!(paths(&code).contains("model::Sink"));
}

#[test]
fn no_file_holds_more_than_600_lines_of_code() {
    for src in crates() {
        for file in modules(&src).values() {
            let text = fs::read_to_string(file).expect("a readable source file");
            let lines: Vec<&str> = text.lines().collect();
            let before_tests = lines
                .iter()
                .enumerate()
                .position(|(i, line)| {
                    (line.starts_with("#[cfg(test)]") || line.starts_with("#[cfg(all(test"))
                        && lines
                            .get(i + 1)
                            .is_some_and(|n| n.starts_with("mod ") && n.ends_with('{'))
                })
                .unwrap_or(lines.len());
            assert!(
                before_tests <= MAX_LINES,
                "{} has {before_tests} lines before its tests: it holds two jobs",
                file.display()
            );
        }
    }
}
