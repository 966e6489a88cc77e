//! Joining units into clusters without chaining: pairs are taken from the best score down, and
//! two clusters join only when the pair is strong enough and the two clusters, taken whole,
//! are alike on average (every pair between them counted, a pair never found counting 0).
//! Three spellings a typo apart in a row join ("Qazaqstan", "Kazakstan", "Kazakhstan"); a
//! fourth that is like only the last of them does not, so a chain of near spellings cannot
//! carry a cluster from one name to another.

/// Which unit belongs to which cluster, and the pairs that joined them (for explaining).
pub(crate) struct Joined {
    /// For each unit, its cluster's representative unit.
    pub root: Vec<u32>,
    /// The pairs that joined two clusters, with their score: a spanning tree of each cluster.
    pub joins: Vec<(u32, u32, f32)>,
}

fn find(parent: &mut [u32], mut x: u32) -> u32 {
    while parent[x as usize] != x {
        let up = parent[parent[x as usize] as usize];
        parent[x as usize] = up;
        x = up;
    }
    x
}

/// Joins units whose pair scores `threshold` or more, when the average score between the two
/// clusters is at least `cohesion` times the threshold. `pairs` holds each unit's neighbours,
/// sorted by neighbour, symmetric.
pub(crate) fn join(pairs: &[Vec<(u32, f32)>], threshold: f32, cohesion: f32) -> Joined {
    let n = pairs.len();
    let mut edges: Vec<(f32, u32, u32)> = pairs
        .iter()
        .enumerate()
        .flat_map(|(u, list)| {
            list.iter()
                .filter(move |&&(v, s)| (u as u32) < v && s >= threshold)
                .map(move |&(v, s)| (s, u as u32, v))
        })
        .collect();
    edges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)).then(a.2.cmp(&b.2)));

    let mut parent: Vec<u32> = (0..n as u32).collect();
    let mut members: Vec<Vec<u32>> = (0..n as u32).map(|u| vec![u]).collect();
    let mut joins = Vec::new();
    let needed = threshold * cohesion;
    for (s, u, v) in edges {
        let (ru, rv) = (find(&mut parent, u), find(&mut parent, v));
        if ru == rv {
            continue;
        }
        let (small, big) = if members[ru as usize].len() <= members[rv as usize].len() {
            (ru, rv)
        } else {
            (rv, ru)
        };
        let (ns, nb) = (members[small as usize].len(), members[big as usize].len());
        if ns * nb > 1 {
            let mut sum = 0.0f32;
            for &x in &members[small as usize] {
                for &(y, sy) in &pairs[x as usize] {
                    if find(&mut parent, y) == big {
                        sum += sy;
                    }
                }
            }
            if sum < needed * (ns * nb) as f32 {
                continue;
            }
        }
        parent[small as usize] = big;
        let moved = std::mem::take(&mut members[small as usize]);
        members[big as usize].extend(moved);
        joins.push((u, v, s));
    }
    let root = (0..n as u32).map(|u| find(&mut parent, u)).collect();
    Joined { root, joins }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn symmetric(edges: &[(u32, u32, f32)], n: usize) -> Vec<Vec<(u32, f32)>> {
        let mut pairs = vec![Vec::new(); n];
        for &(u, v, s) in edges {
            pairs[u as usize].push((v, s));
            pairs[v as usize].push((u, s));
        }
        for list in &mut pairs {
            list.sort_by_key(|e| e.0);
        }
        pairs
    }

    #[test]
    fn a_chain_does_not_join_its_ends() {
        // 0-1-2-3-4 a chain, 0-1-2 a triangle.
        let pairs = symmetric(
            &[
                (0, 1, 0.95),
                (1, 2, 0.93),
                (0, 2, 0.9),
                (2, 3, 0.92),
                (3, 4, 0.91),
            ],
            5,
        );
        let joined = join(&pairs, 0.85, 0.55);
        assert_eq!(joined.root[0], joined.root[1]);
        assert_eq!(joined.root[1], joined.root[2]);
        assert_ne!(joined.root[2], joined.root[3]);
        assert_eq!(joined.root[3], joined.root[4]);
        assert_eq!(joined.joins.len(), 3);
    }

    #[test]
    fn weak_pairs_do_not_join() {
        let pairs = symmetric(&[(0, 1, 0.5)], 2);
        let joined = join(&pairs, 0.85, 0.55);
        assert_ne!(joined.root[0], joined.root[1]);
    }
}
