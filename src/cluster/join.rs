//! Joining units into clusters without chaining: pairs are taken from the best score down, and
//! two clusters join only when the pair is strong enough and the two clusters, taken whole,
//! are alike on average (every pair between them counted, a pair never found counting 0).
//! "Jon Smith" ~ "John Smith" ~ "John Smyth" join; "John Smyth" ~ "Joan Smyth" then brings no
//! "Joan" into the cluster, since she is like only one of its members.

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
            for i in 0..ns {
                let x = members[small as usize][i];
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

/// After joining, a unit left alone whose words all stand in the names of other units joins
/// their cluster when those names are all in one cluster and one of them scored at least
/// `min_score` from it: "Lombardi" joins "Rosa Lombardi" when no other Lombardi is in the
/// column, and stays alone beside "Rosa Lombardi" and "Julia Lombardi". `is_part(u, v)` says
/// whether the words of unit `u` all stand in unit `v`'s name; `directed` holds each unit's
/// neighbours, best first.
pub(crate) fn attach_parts(
    joined: &mut Joined,
    directed: &[Vec<(u32, f32)>],
    min_score: f32,
    is_part: impl Fn(u32, u32) -> bool,
) {
    let n = joined.root.len();
    let mut size = vec![0u32; n];
    for &r in &joined.root {
        size[r as usize] += 1;
    }
    let mut parent: Vec<u32> = joined.root.clone();
    for u in 0..n as u32 {
        if size[joined.root[u as usize] as usize] != 1 {
            continue;
        }
        let mut containing = directed[u as usize]
            .iter()
            .filter(|&&(v, _)| is_part(u, v));
        let Some(&(best, score)) = containing.next() else {
            continue;
        };
        let cluster = joined.root[best as usize];
        if score >= min_score && containing.all(|&(v, _)| joined.root[v as usize] == cluster) {
            parent[u as usize] = cluster;
            joined.joins.push((u, best, score));
        }
    }
    // A part of a part follows it to where it went.
    for u in 0..n as u32 {
        joined.root[u as usize] = find(&mut parent, u);
    }
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
        // 0-1-2-3 a chain, 0-1-2 a triangle.
        let pairs = symmetric(&[(0, 1, 0.95), (1, 2, 0.93), (0, 2, 0.9), (2, 3, 0.92)], 4);
        let joined = join(&pairs, 0.85, 0.8);
        assert_eq!(joined.root[0], joined.root[1]);
        assert_eq!(joined.root[1], joined.root[2]);
        assert_ne!(joined.root[2], joined.root[3]);
        assert_eq!(joined.joins.len(), 2);
    }

    #[test]
    fn weak_pairs_do_not_join() {
        let pairs = symmetric(&[(0, 1, 0.5)], 2);
        let joined = join(&pairs, 0.85, 0.8);
        assert_ne!(joined.root[0], joined.root[1]);
    }
}
