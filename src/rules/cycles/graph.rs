//! The references between the names of one scope, and the cycles they close.
//!
//! Linear in the links of a scope for all but pathological input: the links of the whole
//! scope are known before the first is added, so their strongly connected components are
//! computed once (Tarjan), and a link whose two ends are in different components (most
//! links) closes no cycle and is never searched from. A search follows only the links
//! within one component, through an adjacency list, and checks a link's branches against
//! the path's in constant time ([`ArmsOnPath`]). What search is left is bounded by a
//! budget proportional to the scope's links: a scope that exhausts it reports no further
//! cycle rather than take quadratic time.

use std::collections::{HashMap, HashSet};

use super::scope::{compatible, Arm, ArmsOnPath};

/// A name in one of its lives: rebinding a name starts a new one, whose object may be
/// a different one.
pub type Vertex<'a> = (&'a str, u32);

/// One stored reference, `from` → `to`, made by the link numbered `link`.
struct Edge<'a> {
    to: Vertex<'a>,
    link: usize,
    arms: Vec<Arm>,
}

/// Links examined per planned link, plus a floor, before the searches give up.
const BUDGET_PER_LINK: usize = 64;
const BUDGET_FLOOR: usize = 100_000;

pub struct Graph<'a> {
    edges: Vec<Edge<'a>>,
    /// The edges leaving each vertex, in the order they were added.
    out: HashMap<Vertex<'a>, Vec<usize>>,
    /// The strongly connected component of each vertex of the planned links.
    component: HashMap<Vertex<'a>, usize>,
    /// Links the searches may still examine.
    budget: usize,
}

impl<'a> Graph<'a> {
    /// A graph to which only links among `planned` (`from`, `to`) will be added, in any
    /// number and order: a cycle can only be closed within their components.
    pub fn new(planned: &[(Vertex<'a>, Vertex<'a>)]) -> Self {
        Graph {
            edges: Vec::new(),
            out: HashMap::new(),
            component: components(planned),
            budget: BUDGET_FLOOR + BUDGET_PER_LINK * planned.len(),
        }
    }

    /// Adds `from` → `to` and returns the links of the cycle it closes, the new one last,
    /// when `to` already reaches `from` through links that can all run together.
    pub fn add(
        &mut self,
        from: Vertex<'a>,
        to: Vertex<'a>,
        link: usize,
        arms: Vec<Arm>,
    ) -> Option<Vec<usize>> {
        let component = self.component.get(&from).copied();
        let closable = component.is_some() && component == self.component.get(&to).copied();
        let path = closable.then(|| self.search(to, from, &arms)).flatten();
        self.out.entry(from).or_default().push(self.edges.len());
        self.edges.push(Edge { to, link, arms });
        path.map(|path| {
            let mut links: Vec<usize> = path.iter().map(|&e| self.edges[e].link).collect();
            links.push(link);
            links
        })
    }

    /// Depth-first search, within `start`'s component, for a path `start` → `goal` whose
    /// edges are compatible with `closing` and with each other; the path's edges.
    fn search(
        &mut self,
        start: Vertex<'a>,
        goal: Vertex<'a>,
        closing: &[Arm],
    ) -> Option<Vec<usize>> {
        if start == goal {
            return Some(Vec::new());
        }
        let component = self.component.get(&start).copied();
        let mut seen: HashSet<Vertex<'a>> = HashSet::from([start]);
        let mut path: Vec<usize> = Vec::new();
        let mut on_path = ArmsOnPath::default();
        // The vertices being visited, each with the position of its next edge.
        let mut stack: Vec<(Vertex<'a>, usize)> = vec![(start, 0)];
        while let Some(&(at, next)) = stack.last() {
            let Some(&index) = self.out.get(&at).and_then(|edges| edges.get(next)) else {
                stack.pop();
                if let Some(edge) = path.pop() {
                    on_path.remove(&self.edges[edge].arms);
                }
                continue;
            };
            if let Some(top) = stack.last_mut() {
                top.1 += 1;
            }
            if self.budget == 0 {
                return None;
            }
            self.budget -= 1;
            crate::work::add(1);
            let edge = &self.edges[index];
            if seen.contains(&edge.to) || self.component.get(&edge.to).copied() != component {
                continue;
            }
            if !compatible(&edge.arms, closing) || !on_path.admits(&edge.arms) {
                continue;
            }
            path.push(index);
            on_path.add(&edge.arms);
            seen.insert(edge.to);
            if edge.to == goal {
                return Some(path);
            }
            stack.push((edge.to, 0));
        }
        None
    }
}

/// The strongly connected component of each vertex of `edges`, by Tarjan's algorithm
/// (iterative: a chain of links may be as long as the scope).
fn components<'a>(edges: &[(Vertex<'a>, Vertex<'a>)]) -> HashMap<Vertex<'a>, usize> {
    let mut ids: HashMap<Vertex<'a>, usize> = HashMap::new();
    let mut vertices: Vec<Vertex<'a>> = Vec::new();
    let mut id = |vertex: Vertex<'a>, vertices: &mut Vec<Vertex<'a>>| {
        *ids.entry(vertex).or_insert_with(|| {
            vertices.push(vertex);
            vertices.len() - 1
        })
    };
    let mut adjacency: Vec<Vec<usize>> = Vec::new();
    for &(from, to) in edges {
        let (from, to) = (id(from, &mut vertices), id(to, &mut vertices));
        adjacency.resize(vertices.len(), Vec::new());
        adjacency[from].push(to);
    }
    let count = vertices.len();
    crate::work::add(count + edges.len());
    let mut state = Tarjan {
        index: vec![UNVISITED; count],
        low: vec![0; count],
        on_stack: vec![false; count],
        stack: Vec::new(),
        calls: Vec::new(),
        next_index: 0,
    };
    let mut component = vec![0; count];
    let mut next_component = 0;
    for root in 0..count {
        if state.index[root] != UNVISITED {
            continue;
        }
        state.visit(root);
        while let Some(&(v, next)) = state.calls.last() {
            if let Some(&w) = adjacency[v].get(next) {
                if let Some(top) = state.calls.last_mut() {
                    top.1 += 1;
                }
                if state.index[w] == UNVISITED {
                    state.visit(w);
                } else if state.on_stack[w] {
                    state.low[v] = state.low[v].min(state.index[w]);
                }
                continue;
            }
            state.calls.pop();
            if let Some(&(parent, _)) = state.calls.last() {
                state.low[parent] = state.low[parent].min(state.low[v]);
            }
            if state.low[v] == state.index[v] {
                while let Some(w) = state.stack.pop() {
                    state.on_stack[w] = false;
                    component[w] = next_component;
                    if w == v {
                        break;
                    }
                }
                next_component += 1;
            }
        }
    }
    vertices.into_iter().zip(component).collect()
}

const UNVISITED: usize = usize::MAX;

/// Tarjan's bookkeeping, with the call stack of the recursive version made explicit.
struct Tarjan {
    index: Vec<usize>,
    low: Vec<usize>,
    on_stack: Vec<bool>,
    stack: Vec<usize>,
    /// The vertices being visited, each with the position of its next edge.
    calls: Vec<(usize, usize)>,
    next_index: usize,
}

impl Tarjan {
    fn visit(&mut self, v: usize) {
        self.index[v] = self.next_index;
        self.low[v] = self.next_index;
        self.next_index += 1;
        self.stack.push(v);
        self.on_stack[v] = true;
        self.calls.push((v, 0));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_of_a_ring_a_chain_and_a_pair() {
        let v = |name: &'static str| (name, 0u32);
        let edges = [
            (v("a"), v("b")),
            (v("b"), v("c")),
            (v("c"), v("a")),
            (v("c"), v("d")),
            (v("d"), v("e")),
            (v("x"), v("y")),
            (v("y"), v("x")),
        ];
        let component = components(&edges);
        assert_eq!(component[&v("a")], component[&v("b")]);
        assert_eq!(component[&v("a")], component[&v("c")]);
        assert_ne!(component[&v("a")], component[&v("d")]);
        assert_ne!(component[&v("d")], component[&v("e")]);
        assert_eq!(component[&v("x")], component[&v("y")]);
        assert_ne!(component[&v("x")], component[&v("a")]);
    }

    #[test]
    fn searches_stop_at_the_budget_on_a_ring_linked_twice() {
        // The second round of links closes a cycle with every link, each found by a
        // walk around the whole ring: quadratic without the budget.
        let names: Vec<String> = (0..3_000).map(|i| format!("n{i}")).collect();
        let ring: Vec<(Vertex, Vertex)> = (0..names.len())
            .map(|i| {
                (
                    (names[i].as_str(), 0),
                    (names[(i + 1) % names.len()].as_str(), 0),
                )
            })
            .collect();
        let planned: Vec<(Vertex, Vertex)> = ring.iter().chain(&ring).copied().collect();
        let mut graph = Graph::new(&planned);
        crate::work::take();
        let closed = planned
            .iter()
            .enumerate()
            .filter(|(link, &(from, to))| graph.add(from, to, *link, Vec::new()).is_some())
            .count();
        let steps = crate::work::take() as usize;
        assert!(closed >= 2, "{closed}");
        assert!(
            steps <= BUDGET_FLOOR + (BUDGET_PER_LINK + 2) * planned.len(),
            "{steps}"
        );
    }

    #[test]
    fn a_long_ring_closes_once_at_its_last_link() {
        let names: Vec<String> = (0..50_000).map(|i| format!("n{i}")).collect();
        let planned: Vec<(Vertex, Vertex)> = (0..names.len())
            .map(|i| {
                (
                    (names[i].as_str(), 0),
                    (names[(i + 1) % names.len()].as_str(), 0),
                )
            })
            .collect();
        let mut graph = Graph::new(&planned);
        let closed: Vec<Option<Vec<usize>>> = planned
            .iter()
            .enumerate()
            .map(|(link, &(from, to))| graph.add(from, to, link, Vec::new()))
            .collect();
        assert!(closed[..names.len() - 1].iter().all(Option::is_none));
        let cycle = closed.last().unwrap().as_ref().unwrap();
        assert_eq!(cycle.len(), names.len());
        assert_eq!(cycle.last(), Some(&(names.len() - 1)));
    }
}
