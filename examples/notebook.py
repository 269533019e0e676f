"""A cnkg graph in NetworkX and pandas: who met whom, and one person's ego
network drawn with matplotlib.

    python3 examples/notebook.py [GRAPH.json] [--person NAME] [--png FILE]

GRAPH.json defaults to graph.json (write it with `cnkg build -o graph.json`).
The person defaults to the one with the most meetings, the picture to
ego-network.png. examples/notebook.ipynb holds the same cells (each `# %%`
below is one cell); in Jupyter the defaults apply, so edit them there.
"""

# %%
import argparse
import json
import sys
from collections import Counter

import matplotlib

matplotlib.use("Agg")  # draw to files, no window
import matplotlib.pyplot as plt  # noqa: E402
import networkx as nx  # noqa: E402
import pandas as pd  # noqa: E402

# %%
parser = argparse.ArgumentParser(description="Who met whom in a cnkg graph, and one person's ego network.")
parser.add_argument("graph", nargs="?", default="graph.json", help="graph JSON written by `cnkg build` (default: graph.json)")
parser.add_argument("--person", help="name, alias or id of the person to draw (default: the one with the most meetings)")
parser.add_argument("--png", default="ego-network.png", help="where to write the picture (default: ego-network.png)")
args = parser.parse_args([] if "ipykernel" in sys.modules else None)

# %%
# The node-link JSON as a NetworkX MultiDiGraph: node and edge attributes are the JSON fields.
with open(args.graph, encoding="utf-8") as f:
    G = nx.node_link_graph(json.load(f), edges="edges")
meetings = [(a, b, d) for a, b, d in G.edges(data=True) if d["relation"] == "MET"]
print(f"{G.number_of_nodes()} nodes, {G.number_of_edges()} edges, {len(meetings)} meetings")

# %%
# The same graph as two pandas tables.
nodes = pd.DataFrame([{"id": n, **d} for n, d in G.nodes(data=True)])
edges = pd.DataFrame([{"source": a, "target": b, **d} for a, b, d in G.edges(data=True)])
print(nodes["type"].value_counts().to_string())
print(edges["relation"].value_counts().to_string())


# %%
# Who met whom: one row per meeting, with its date, place and evidence.
def label(node_id):
    return G.nodes[node_id]["label"] if node_id in G else node_id


met = pd.DataFrame(
    [
        {
            "person": label(a),
            "met": label(b),
            "date": d.get("date") or "undated",
            "place": label(d["place"]) if d.get("place") else "",
            "sentences": len(d["evidence"]),
            "first sentence": d["evidence"][0]["sentence"] if d["evidence"] else "",
        }
        for a, b, d in meetings
    ],
    columns=["person", "met", "date", "place", "sentences", "first sentence"],
)
met = met.sort_values(["date", "person", "met"]).reset_index(drop=True)
print("Who met whom")
print(met.drop(columns="first sentence").to_string(index=False) if len(met) else "(no meetings)")


# %%
# The person to draw: the one asked for, else the one with the most meetings.
def key(s):
    return "".join(ch for ch in s.lower() if ch.isalnum())


def find_person(name):
    for n, d in sorted(G.nodes(data=True)):
        names = [n, d.get("label", "")] + list(d.get("aliases", []))
        if d.get("type") == "Person" and key(name) in {key(x) for x in names}:
            return n
    sys.exit(f"no person called {name!r} in {args.graph}")


if args.person:
    person = find_person(args.person)
else:
    count = Counter()
    for a, b, _ in meetings:
        count[a] += 1
        count[b] += 1
    if not count:  # no meeting: the best linked person
        count = Counter({n: G.degree(n) for n, d in G.nodes(data=True) if d.get("type") == "Person"})
    if not count:
        sys.exit(f"no person in {args.graph}")
    person = min(count, key=lambda n: (-count[n], label(n)))
print(f"{label(person)}: {sum(1 for a, b, _ in meetings if person in (a, b))} meetings")

# %%
# The ego network: the person, every entity one link away, and the links among them.
entities = G.subgraph(n for n, d in G.nodes(data=True) if d.get("type") != "Event")
ego = nx.ego_graph(entities.to_undirected(), person, radius=1)
colours = {"Person": "#9cc3ff", "Organization": "#ffd08a", "Country": "#9fdf9f", "Place": "#e3b8f0"}
edge_colours = {"MET": "#c0392b", "HOLDS_ROLE": "#2c6fbb", "MEMBER_OF": "#2c6fbb", "AFFILIATED_WITH": "#2c6fbb", "VISITED": "#7d3c98"}
pos = nx.spring_layout(ego, seed=7, k=1.2)
fig, ax = plt.subplots(figsize=(10, 7.5))
nx.draw_networkx_edges(ego, pos, ax=ax, width=1.5, edge_color=[edge_colours.get(d["relation"], "#999999") for _, _, d in ego.edges(data=True)])
nx.draw_networkx_nodes(ego, pos, ax=ax, node_size=[1400 if n == person else 700 for n in ego], node_color=[colours.get(ego.nodes[n].get("type"), "#dddddd") for n in ego], edgecolors="#333333")
nx.draw_networkx_labels(ego, pos, ax=ax, labels={n: label(n) for n in ego}, font_size=9, bbox={"facecolor": "white", "edgecolor": "none", "alpha": 0.7, "pad": 1})
ax.set_title(f"Ego network of {label(person)}: red met, blue role, purple visited")
ax.axis("off")
fig.tight_layout()
fig.savefig(args.png, dpi=100)
plt.close(fig)
print(f"wrote {args.png}: ego network of {label(person)}, {ego.number_of_nodes()} nodes, {ego.number_of_edges()} edges")
