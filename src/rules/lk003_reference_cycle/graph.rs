//! The references between the names of one scope, and the cycles they close.

use super::scope::{compatible, Arm};

/// A name in one of its lives: rebinding a name starts a new one, whose object may be
/// a different one.
pub type Vertex<'a> = (&'a str, u32);

/// One stored reference, `from` → `to`, made by the link numbered `link`.
struct Edge<'a> {
    from: Vertex<'a>,
    to: Vertex<'a>,
    link: usize,
    arms: Vec<Arm>,
}

#[derive(Default)]
pub struct Graph<'a> {
    edges: Vec<Edge<'a>>,
}

impl<'a> Graph<'a> {
    /// Adds `from` → `to` and returns the links of the cycle it closes, the new one last,
    /// when `to` already reaches `from` through links that can all run together.
    pub fn add(
        &mut self,
        from: Vertex<'a>,
        to: Vertex<'a>,
        link: usize,
        arms: Vec<Arm>,
    ) -> Option<Vec<usize>> {
        let mut path = Vec::new();
        let mut seen = vec![to];
        let closed = self.search(to, from, &arms, &mut path, &mut seen);
        self.edges.push(Edge {
            from,
            to,
            link,
            arms,
        });
        closed.then(|| {
            let mut links: Vec<usize> = path.iter().map(|&e| self.edges[e].link).collect();
            links.push(link);
            links
        })
    }

    /// Depth-first search for a path `at` → `goal` whose edges are compatible with
    /// `closing` and with each other.
    fn search(
        &self,
        at: Vertex<'a>,
        goal: Vertex<'a>,
        closing: &[Arm],
        path: &mut Vec<usize>,
        seen: &mut Vec<Vertex<'a>>,
    ) -> bool {
        if at == goal {
            return true;
        }
        for (index, edge) in self.edges.iter().enumerate() {
            if edge.from != at || seen.contains(&edge.to) {
                continue;
            }
            let fits = compatible(&edge.arms, closing)
                && path
                    .iter()
                    .all(|&other| compatible(&edge.arms, &self.edges[other].arms));
            if !fits {
                continue;
            }
            path.push(index);
            seen.push(edge.to);
            if self.search(edge.to, goal, closing, path, seen) {
                return true;
            }
            path.pop();
        }
        false
    }
}
