//! The care network: areas, groups, doctors, hospitals and specialists as a graph
//! (membership, adjacency, location, service), with the searches the cover lookup's
//! fallback and the audit need. petgraph stays inside this module.

use petgraph::graph::{NodeIndex, UnGraph};
use petgraph::visit::{Bfs, EdgeRef};

use crate::dataset::Dataset;
use crate::domain::{Area, Doctor, Group, Hospital, HospitalFunction, Idx, LatLon, Specialist};

/// What a node stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Node {
    Area(Idx<Area>),
    Group(Idx<Group>),
    Doctor(Idx<Doctor>),
    Hospital(Idx<Hospital>),
    Specialist(Idx<Specialist>),
}

/// How two nodes are linked.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Link {
    /// A group belongs to an area.
    InArea,
    /// A doctor is a member of a group.
    Member,
    /// Two areas are neighbours, `km` apart (centre to centre).
    Adjacent { km: f64 },
    /// A hospital lies in an area.
    LocatedIn,
    /// A specialist serves an area.
    Serves,
}

/// A nearby group, for fallback cover.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NearbyGroup {
    /// The group.
    pub group: Idx<Group>,
    /// Area hops from the first group's area: 0 for the same area, 1 for a neighbour.
    pub hops: u32,
}

/// The care network of a dataset.
#[derive(Debug, Clone)]
pub struct CareNetwork {
    graph: UnGraph<Node, Link>,
    area_nodes: Vec<NodeIndex>,
    group_nodes: Vec<NodeIndex>,
    doctor_nodes: Vec<NodeIndex>,
}

impl CareNetwork {
    /// Builds the network of `dataset`.
    pub fn new(dataset: &Dataset) -> Self {
        let mut graph = UnGraph::new_undirected();
        let area_nodes: Vec<NodeIndex> = dataset.areas.indices().map(|a| graph.add_node(Node::Area(a))).collect();
        let group_nodes: Vec<NodeIndex> = dataset.groups.indices().map(|g| graph.add_node(Node::Group(g))).collect();
        let doctor_nodes: Vec<NodeIndex> = dataset.doctors.indices().map(|d| graph.add_node(Node::Doctor(d))).collect();
        for (a, area) in dataset.areas.enumerate() {
            for &neighbour in area.neighbours.iter().filter(|&&n| n > a) {
                let km = area.location.distance_km(dataset.areas[neighbour].location);
                graph.add_edge(area_nodes[a.index()], area_nodes[neighbour.index()], Link::Adjacent { km });
            }
        }
        for (g, group) in dataset.groups.enumerate() {
            graph.add_edge(group_nodes[g.index()], area_nodes[group.area.index()], Link::InArea);
            for member in &group.members {
                graph.add_edge(doctor_nodes[member.index()], group_nodes[g.index()], Link::Member);
            }
        }
        for (h, hospital) in dataset.hospitals.enumerate() {
            let node = graph.add_node(Node::Hospital(h));
            graph.add_edge(node, area_nodes[hospital.area.index()], Link::LocatedIn);
        }
        for (s, specialist) in dataset.specialists.enumerate() {
            let node = graph.add_node(Node::Specialist(s));
            for area in &specialist.areas {
                graph.add_edge(node, area_nodes[area.index()], Link::Serves);
            }
        }
        Self { graph, area_nodes, group_nodes, doctor_nodes }
    }

    /// Areas by hops from `area` (itself first, hops 0), up to `max_hops`, in breadth
    /// order; ties in order of the areas' ids in the graph (deterministic).
    pub fn areas_within(&self, area: Idx<Area>, max_hops: u32) -> Vec<(Idx<Area>, u32)> {
        let start = self.area_nodes[area.index()];
        let mut hops = vec![u32::MAX; self.graph.node_count()];
        hops[start.index()] = 0;
        let mut found = Vec::new();
        let mut bfs = Bfs::new(&self.graph, start);
        while let Some(node) = bfs.next(&self.graph) {
            let Node::Area(this) = self.graph[node] else { continue };
            let here = hops[node.index()];
            if here > max_hops {
                continue;
            }
            found.push((this, here));
            for edge in self.graph.edges(node) {
                if matches!(edge.weight(), Link::Adjacent { .. }) {
                    let next = edge.target();
                    hops[next.index()] = hops[next.index()].min(here + 1);
                }
            }
        }
        found.sort_by_key(|&(area, hops)| (hops, area));
        found
    }

    /// The groups of an area.
    pub fn groups_of_area(&self, area: Idx<Area>) -> Vec<Idx<Group>> {
        let mut groups: Vec<Idx<Group>> = self
            .graph
            .edges(self.area_nodes[area.index()])
            .filter(|edge| matches!(edge.weight(), Link::InArea))
            .filter_map(|edge| match self.graph[edge.target()] {
                Node::Group(group) => Some(group),
                _ => None,
            })
            .collect();
        groups.sort_unstable();
        groups
    }

    /// Other groups for fallback cover: those of the same area (hops 0), then of
    /// neighbouring areas (1), up to `max_hops`.
    pub fn nearby_groups(&self, group: Idx<Group>, max_hops: u32) -> Vec<NearbyGroup> {
        let area = self
            .graph
            .edges(self.group_nodes[group.index()])
            .find_map(|edge| match (edge.weight(), self.graph[edge.target()]) {
                (Link::InArea, Node::Area(area)) => Some(area),
                _ => None,
            })
            .expect("every group is in an area");
        self.areas_within(area, max_hops)
            .into_iter()
            .flat_map(|(area, hops)| self.groups_of_area(area).into_iter().map(move |g| NearbyGroup { group: g, hops }))
            .filter(|nearby| nearby.group != group)
            .collect()
    }

    /// Hospitals of an area with `function`.
    pub fn hospitals_with(&self, dataset: &Dataset, area: Idx<Area>, function: HospitalFunction) -> Vec<Idx<Hospital>> {
        let mut hospitals: Vec<Idx<Hospital>> = self
            .graph
            .edges(self.area_nodes[area.index()])
            .filter_map(|edge| match (edge.weight(), self.graph[edge.target()]) {
                (Link::LocatedIn, Node::Hospital(hospital)) => Some(hospital),
                _ => None,
            })
            .filter(|&hospital| dataset.hospitals[hospital].has(function))
            .collect();
        hospitals.sort_unstable();
        hospitals
    }

    /// 急性期 hospitals for severe cases: of the area and its neighbours, nearest to
    /// `from` first.
    pub fn acute_hospitals_near(&self, dataset: &Dataset, area: Idx<Area>, from: LatLon) -> Vec<(Idx<Hospital>, f64)> {
        let mut hospitals: Vec<(Idx<Hospital>, f64)> = self
            .areas_within(area, 1)
            .into_iter()
            .flat_map(|(area, _)| self.hospitals_with(dataset, area, HospitalFunction::Acute))
            .map(|hospital| (hospital, dataset.hospitals[hospital].location.distance_km(from)))
            .collect();
        hospitals.sort_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)));
        hospitals
    }

    /// Specialists serving an area.
    pub fn specialists_serving(&self, area: Idx<Area>) -> Vec<Idx<Specialist>> {
        let mut specialists: Vec<Idx<Specialist>> = self
            .graph
            .edges(self.area_nodes[area.index()])
            .filter_map(|edge| match (edge.weight(), self.graph[edge.target()]) {
                (Link::Serves, Node::Specialist(specialist)) => Some(specialist),
                _ => None,
            })
            .collect();
        specialists.sort_unstable();
        specialists
    }

    /// The groups a doctor is a member of.
    pub fn groups_of_doctor(&self, doctor: Idx<Doctor>) -> Vec<Idx<Group>> {
        let node = self.doctor_nodes[doctor.index()];
        let mut groups: Vec<Idx<Group>> = self
            .graph
            .edges(node)
            .filter_map(|edge| match (edge.weight(), self.graph[edge.target()]) {
                (Link::Member, Node::Group(group)) => Some(group),
                _ => None,
            })
            .collect();
        groups.sort_unstable();
        groups
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::generate::{GeneratorConfig, generate};

    #[test]
    fn the_demo_city_network_answers_membership_adjacency_and_service() {
        let dataset = generate(&GeneratorConfig::okayama());
        let network = CareNetwork::new(&dataset);
        let naka = dataset.areas.lookup("naka").unwrap();
        let within = network.areas_within(naka, 1);
        assert_eq!(within[0], (naka, 0));
        assert_eq!(within.len(), 1 + dataset.areas[naka].neighbours.len());
        assert!(within[1..].iter().all(|&(area, hops)| hops == 1 && dataset.areas[naka].neighbours.contains(&area)));
        let naka_1 = dataset.groups.lookup("G-NAKA-1").unwrap();
        let nearby = network.nearby_groups(naka_1, 1);
        assert_eq!(nearby[0].group, dataset.groups.lookup("G-NAKA-2").unwrap());
        assert_eq!(nearby[0].hops, 0);
        assert!(nearby[1..].iter().all(|n| n.hops == 1));
        assert_eq!(network.groups_of_area(naka).len(), 2);
        assert_eq!(network.specialists_serving(naka).len(), 31);
        for doctor in dataset.doctors.indices() {
            assert_eq!(network.groups_of_doctor(doctor), dataset.groups_of_doctor(doctor));
        }
        let home = dataset.areas[naka].location;
        let acute = network.acute_hospitals_near(&dataset, naka, home);
        assert!(!acute.is_empty());
        assert!(acute.windows(2).all(|w| w[0].1 <= w[1].1));
        assert!(acute.iter().all(|&(h, _)| dataset.hospitals[h].has(HospitalFunction::Acute)));
    }
}
