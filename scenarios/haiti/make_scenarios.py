#!/usr/bin/python3
"""make_scenarios.py: generate the Port-au-Prince scenarios from the data.

    /usr/bin/python3 scenarios/haiti/make_scenarios.py [--data DIR] [--out DIR]

writes capital.lua and solino.lua into scenarios/haiti/ (or --out DIR). The Lua
sandbox has no require/dofile, so the city both files share (nodes, roads,
gangs, coalition, security units, helper functions) is written into each of
them from this one generator: edit the rules here, never the .lua files.

Input: scenarios/haiti/data/neighbourhoods.csv (82 rows; read data/README.md).
Standard library only.

Tags on numbers: [S] sourced, [U] uncertain or second-hand, [P] a prior to
calibrate. Where each number comes from: scenarios/haiti/README.md, "Where the
numbers come from".
"""
import csv
import datetime as dt
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")
if "--data" in sys.argv:
    DATA = sys.argv[sys.argv.index("--data") + 1]
OUT = HERE
if "--out" in sys.argv:
    OUT = sys.argv[sys.argv.index("--out") + 1]
CSV = os.path.join(DATA, "neighbourhoods.csv")

# The capital's communes (IHSI 2015, data/README.md). Kenscoff, Gressier and Cabaret
# (6 rows) are outside them and are left out: they are 8-25 km from the core
# and would hang on the graph by single long roads.
COMMUNES = ["Port-au-Prince", "Delmas", "Petion-Ville", "Tabarre", "Cite Soleil",
            "Croix-des-Bouquets", "Carrefour"]

DETOUR = 1.3   # road km per straight-line km [P] (a detour factor, no source)
K_NEAREST = 4  # each node is joined to its 4 nearest neighbours [P]
R_EARTH = 6371.0  # km, mean Earth radius

# Nodes whose owner in the CSV (Oct 2024, "CONTESTED") reflects the attacks of
# 17 Oct 2024 onwards (CSV notes: "attacked from 17 Oct 2024", "Attacked with
# Solino in Oct-Nov 2024", "Contested from mid-Nov 2024"): before those attacks
# they were held by the state. Both scenarios start them at P.solino_area_owner
# (default "STATE").
SOLINO_AREA = ["solino", "nazon", "delmas_24", "tabarre_27"]


def ascii_fold(s):
    import unicodedata
    return "".join(c for c in unicodedata.normalize("NFKD", s) if not unicodedata.combining(c))


# ---- gangs (sizes [P] within the prior ranges of README.md) ------------------
# (id, name, members, base node, comment on the size, in coalition?)
GANGS = [
    ("g9", "G9 an Fanmi e Alye", 2000, "delmas_6",
     "size prior G9 1,500-3,000 [P]; ~2,000 as briefed; base Delmas 6 = HQ of Barbecue (CSV delmas_6)", True),
    ("gpep", "G-Pep", 700, "brooklyn",
     "size prior G-Pep 500-1,000 [P]; base Brooklyn (CSV brooklyn: G-Pep 'Nan Brooklyn')", True),
    ("mawozo", "400 Mawozo", 900, "croix_des_bouquets_centre",
     "size prior 400 Mawozo 500-1,500 [P]; base Croix-des-Bouquets (CSV)", True),
    ("segonn", "5 Segonn", 500, "village_de_dieu",
     "size prior 5 Segonn 300-800 [P]; base Village de Dieu (CSV: base of 5 Segonn)", True),
    ("grand_ravine", "Grand Ravine", 300, "grand_ravine",
     "size prior Grand Ravine 200-500 [P]; base Grand Ravine (CSV)", True),
    ("kraze_barye", "Kraze Barye", 300, "torcelle",
     "size prior Kraze Barye (Tabarre) 200-500 [P]; base Torcelle, Tabarre (CSV: Kraze Barye)", True),
    ("canaan", "Canaan gang (Jeff Larose)", 150, "canaan",
     "size prior Canaan 50-300 [P]; base Canaan (CSV)", True),
    ("ti_bwa", "Ti Bwa (Chrisla)", 150, "fontamara",
     "no size prior of its own: named by the CSV (fontamara); size in the small-gang range 50-300 [P]", True),
    ("ti_makak", "Ti Makak", 150, "laboule",
     "size prior Ti Makak 50-300 [P]; base Laboule [U]; the CSV gives it no node in Oct 2024, "
     "so it holds none and has no frontier: inert unless a script gives it a node", False),
    ("chen_mechan", "Chen Mechan", 200, "santo",
     "size prior Chen Mechan 100-300, rival of 400 Mawozo [P]; base Santo [U]; holds no node "
     "in the CSV, so inert (no frontier)", False),
]
GANG_IDS = [g[0] for g in GANGS]
COALITION = [g[0] for g in GANGS if g[5]]
BASE = {g[0]: g[3] for g in GANGS}


def map_controller(row, xy):
    """The CSV's controller_oct_2024 -> (owner, why)."""
    c = row["controller_oct_2024"]
    if c == "STATE":
        return "STATE", "CSV: STATE"
    if c == "CONTESTED":
        return "CONTESTED", "CSV: CONTESTED"
    rules = [("Kraze", "kraze_barye"), ("400 Mawozo", "mawozo"), ("Canaan", "canaan"),
             ("Ti Bwa", "ti_bwa"), ("5 Segonn", "segonn"), ("Grand Ravine gang", "grand_ravine"),
             ("G-Pep \"Nan Brooklyn\"", "gpep"), ("G9:", "g9"), ("Barbecue", "g9"),
             ("Bel Air gang", "g9"), ("G9-aligned", "g9")]
    for key, g in rules:
        if key in c:
            return g, "CSV: '%s' -> %s" % (c, g)
    # "Viv Ansanm (faction unverified)", "(G9 + G-Pep)", local gangs (Boston,
    # Simon Pele, Wharf Jeremie): the coalition gang whose base is nearest [P].
    cands = COALITION
    if "G9 + G-Pep" in c:
        cands = ["g9", "gpep"]
    x, y = xy[row["id"]]
    best = min(cands, key=lambda g: (math.hypot(x - xy[BASE[g]][0], y - xy[BASE[g]][1]), g))
    d = math.hypot(x - xy[BASE[best]][0], y - xy[BASE[best]][1])
    return best, "CSV: '%s' -> nearest coalition base, %s (%.1f km) [P rule]" % (c, best, d)


def density_class(row):
    m = row["population_method"]
    for k in ("facility", "low", "mixed", "dense"):
        if "weight class '%s'" % k in m:
            return k
    return "mixed"


RESIDENTIAL = {"low": 0.2, "mixed": 0.3, "dense": 0.4, "facility": 0.2}


def value_of(row):
    """Strategic value V from strategic_note, by the value priors of README.md."""
    note, nid = row["strategic_note"], row["id"]
    cls = density_class(row)
    res = RESIDENTIAL[cls]
    if note.startswith("airport"):
        return 1.0, "airport: value prior 1.0 [P]"
    if note == "port":
        return 1.0, "port: value prior 1.0 [P]"
    if note.startswith("fuel terminal"):
        return 1.0, "fuel terminal: value prior 1.0 [P]"
    if note == "palace":
        return 0.9, "National Palace: value prior 0.9 [P]"
    if nid in ("martissant", "croix_des_bouquets_centre") or "chokepoint" in note:
        return 0.8, "road chokepoint (%s): value prior 0.8 [P]" % note
    if nid == "solino":
        return 0.6, "Solino: value prior 0.6 [P]"
    if note.startswith("hospital"):
        return 0.6, "hospital: value prior 0.6 [P]"
    if note.startswith(("US Embassy", "police academy")) or "courts" in note or "diplomatic" in note:
        return 0.6, "state/diplomatic site (%s): set at the hospital tier 0.6 [P, no prior of its own]" % note[:40]
    if note.startswith(("national road", "road junction", "road to")):
        return 0.5, "road (%s), not marked a chokepoint: 0.5 [P, between residential and chokepoint]" % note[:40]
    why = "residential, CSV density class '%s': %.1f (residential value prior 0.2-0.4 [P])" % (cls, res)
    if note.startswith("port (small wharf"):
        why += "; small wharf, not the APN port"
    return res, why


# Displacement sites. The CSV flags three places as IDP sites or refuges
# (clercine, delmas_33, canape_vert). Their total capacity is the number of
# people in the metro's sites on 22 Mar 2024, 88,743 in 86 sites (observed.csv
# idp_metro_sites, IOM, [S]), used as a capacity and split equally [P].
SITE_TOTAL = 88743
SITES = ["canape_vert", "delmas_33", "clercine"]

STRONGHOLD_F = 2.0  # fortification prior 2.0 at strongholds [P]


def load():
    rows = [r for r in csv.DictReader(open(CSV, encoding="utf-8"))
            if ascii_fold(r["commune"]) in COMMUNES]
    lat0 = sum(float(r["lat"]) for r in rows) / len(rows)
    lon0 = sum(float(r["lon"]) for r in rows) / len(rows)
    k = math.pi / 180 * R_EARTH
    xy = {r["id"]: ((float(r["lon"]) - lon0) * k * math.cos(math.radians(lat0)),
                    (float(r["lat"]) - lat0) * k) for r in rows}
    return rows, xy, lat0, lon0


def roads(rows, xy):
    ids = [r["id"] for r in rows]

    def d(a, b):
        return math.hypot(xy[a][0] - xy[b][0], xy[a][1] - xy[b][1])
    edges = set()
    for a in ids:
        near = sorted((x for x in ids if x != a), key=lambda b: (d(a, b), b))[:K_NEAREST]
        for b in near:
            edges.add(tuple(sorted((a, b))))
    # Connectivity: join components by their closest pair until one is left.
    added = []
    while True:
        comp, seen = {}, 0
        adj = {i: [] for i in ids}
        for a, b in edges:
            adj[a].append(b)
            adj[b].append(a)
        for i in ids:
            if i in comp:
                continue
            stack = [i]
            comp[i] = seen
            while stack:
                u = stack.pop()
                for v in adj[u]:
                    if v not in comp:
                        comp[v] = seen
                        stack.append(v)
            seen += 1
        if seen == 1:
            break
        a, b = min(((a, b) for a in ids for b in ids if comp[a] == 0 and comp[b] != 0),
                   key=lambda e: (d(*e), e))
        edges.add(tuple(sorted((a, b))))
        added.append((a, b))
    order = {i: n for n, i in enumerate(ids)}
    out = sorted(edges, key=lambda e: (order[e[0]], order[e[1]]))
    return [(a, b, round(d(a, b) * DETOUR, 3)) for a, b in out], added


def day_of(start, date):
    return (dt.date.fromisoformat(date) - dt.date.fromisoformat(start)).days


def lua_str(s):
    return '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'


def city_block(rows, xy, lat0, lon0, which):
    """The shared city. which = 'capital' (Sep 2023) or 'solino' (Oct 2024)."""
    L = []
    w = L.append
    w("-- ===================== CITY (shared by capital.lua and solino.lua) =====================")
    w("-- %d neighbourhoods of neighbourhoods.csv in the capital's communes (%s);" % (len(rows), ", ".join(COMMUNES)))
    w("-- left out: the Kenscoff, Gressier and Cabaret rows (outside those communes, 8-25 km out).")
    w("-- x, y: km on a local plane, equirectangular projection around the centroid of these")
    w("-- nodes (lat0 = %.5f, lon0 = %.5f): x = R (lon - lon0) cos(lat0), y = R (lat - lat0)," % (lat0, lon0))
    w("-- R = 6371 km. Coordinates are the CSV's (+-0.2-4 km, see its README).")
    w("-- residents = population_estimate: a model allocation of the 2015 commune totals [U]")
    w("-- (rows of a commune sum exactly to its IHSI 2015 total; heavy depopulation since 2023 is")
    w("-- not reflected, CSV README weakness 7).")
    w("-- media = 0.5 everywhere: reach of reporting [P, no source; calibrate].")
    w("-- fortification: 2.0 at gang bases (stronghold prior [P]); else the model's F_urban 1.2.")
    w("-- site_capacity: the three places the CSV flags as IDP sites/refuges share 88,743 places,")
    w("-- the people in the metro's 86 sites on 22 Mar 2024 (observed.csv idp_metro_sites, IOM [S]),")
    w("-- equally [P]; P.site_capacity_scale multiplies the site named by P.scaled_site (or all).")
    w("local SITE_BASE = { %s }" % ", ".join("%s = %d" % (s, SITE_TOTAL // 3 + (1 if i < SITE_TOTAL % 3 else 0))
                                             for i, s in enumerate(SITES)))
    w("if P.scaled_site ~= \"all\" and not SITE_BASE[P.scaled_site] then")
    w("  error(\"scaled_site must be 'all' or one of: %s\")" % ", ".join(SITES))
    w("end")
    w("local function site(id)")
    w("  local scale = (P.scaled_site == \"all\" or P.scaled_site == id) and P.site_capacity_scale or 1.0")
    w("  return math.floor(SITE_BASE[id] * scale + 0.5)")
    w("end")
    w("")
    owners = {}
    for r in rows:
        nid = r["id"]
        owner, why = map_controller(r, xy)
        if nid in SOLINO_AREA:
            why = "CSV Oct 2024 '%s' describes the attacks from 17 Oct 2024; starts P.solino_area_owner" % r["controller_oct_2024"]
            owner_lua = "P.solino_area_owner"
        else:
            if which == "capital" and owner not in ("STATE", "CONTESTED"):
                why += "; Oct 2024 control used as a proxy for Sep 2023 [U]"
            owner_lua = lua_str(owner)
        owners[nid] = owner
        v, vwhy = value_of(r)
        x, y = xy[nid]
        fields = ["id = %s" % lua_str(nid), "name = %s" % lua_str(r["name"]),
                  "commune = %s" % lua_str(r["commune"]), "x = %.3f, y = %.3f" % (x, y),
                  "residents = %s" % r["population_estimate"], "value = %.1f" % v,
                  "owner = %s" % owner_lua, "media = 0.5"]
        if nid in BASE.values() and owner not in ("STATE", "CONTESTED"):
            fields.append("fortification = %.1f" % STRONGHOLD_F)
        if nid in SITES:
            fields.append("site_capacity = site(%s)" % lua_str(nid))
        w("-- %s: V %s. Owner: %s." % (nid, vwhy, why))
        w("node { " + ", ".join(fields) + " }")
    w("")
    rd, added = roads(rows, xy)
    w("-- Roads: each node to its %d nearest neighbours (straight line), length = straight-line km" % K_NEAREST)
    w("-- x %.1f, a detour factor [P, no source]. %s" % (DETOUR, (
        "Joined after the nearest-neighbour pass to make the graph connected: %s." %
        ", ".join("%s-%s" % e for e in added)) if added else "The nearest-neighbour graph is connected."))
    for a, b, km in rd:
        w("road(%s, %s, %.3f)" % (lua_str(a), lua_str(b), km))
    w("")
    w("-- Gangs (sizes [P], priors of scenarios/haiti/README.md); firepower and aggression: the model's defaults.")
    total = sum(g[2] for g in GANGS)
    jailed_total = 4700 if which == "capital" else 0
    alloc = [g[2] * jailed_total // total for g in GANGS]
    for i in sorted(range(len(GANGS)), key=lambda i: -(GANGS[i][2] * jailed_total % total))[:jailed_total - sum(alloc)]:
        alloc[i] += 1
    if which == "capital":
        w("-- jailed: the gang members among the ~4,700 freed in the prison breaks of 2-3 Mar 2024")
        w("-- ([S]; BINUH Q1 2024: >4,600): prison_gang_share of them [P], split over the gangs in proportion to")
        w("-- members [P]. The other inmates are not modelled (they do not join a gang).")
    else:
        w("-- jailed: 0 (Oct 2024: after the prison breaks of Mar 2024).")
    for (gid, name, m, base, why, _), j in zip(GANGS, alloc):
        w("-- %s: %s" % (gid, why))
        jailed = "math.floor(%d * P.prison_gang_share + 0.5)" % j if which == "capital" else "%d" % j
        w("gang { id = %s, name = %s, members = %d, jailed = %s, base = %s }" % (
            lua_str(gid), lua_str(name), m, jailed, lua_str(base)))
    w("-- Viv Ansanm: G9, G-Pep and the gangs reported allied with them (press reports [S]; membership of")
    w("-- the smaller gangs from press reports [U]); cohesion at the start: the cohesion0 parameter above.")
    w("coalition { id = \"viv_ansanm\", members = { %s }, cohesion = P.cohesion0 }" % ", ".join(lua_str(g) for g in COALITION))
    w("")
    w("-- Security forces. Police: ~3,000 on duty in the metro [P] (13,196 on the books, end 2023, BINUH [S]) in six units of 500")
    w("-- [P] at state-held places of high value or population; garrison at the airport and the US")
    w("-- Embassy area, patrol elsewhere [P].")
    police = [("hnp_airport", "airport_toussaint_louverture", "garrison"),
              ("hnp_downtown", "lalue", "patrol"),
              ("hnp_canape_vert", "canape_vert", "patrol"),
              ("hnp_delmas", "delmas_33", "patrol"),
              ("hnp_petion_ville", "petion_ville_centre", "patrol"),
              ("hnp_tabarre", "tabarre_centre", "garrison")]
    for uid, at, post in police:
        assert owners[at] == "STATE", at
        w("unit { id = %s, kind = \"police\", officers = 500, posture = \"%s\", at = %s }" % (
            lua_str(uid), post, lua_str(at)))
    w("-- Elite protection pool: 600 officers off the map [P], of whom 300 are recalled [P] for the")
    w("-- 'several hundred' recalled on 21 Oct 2024 (press reports, AP [S]).")
    w("unit { id = \"elite\", kind = \"protection\", officers = 600 }")
    w("")
    # Helper functions
    w("-- ---- helpers ----")
    w("local POS = {  -- node positions, km, as above")
    for r in rows:
        x, y = xy[r["id"]]
        w("  %s = { %.3f, %.3f }," % (r["id"], x, y))
    w("}")
    w("local NODES = { %s }  -- declaration order" % ", ".join(lua_str(r["id"]) for r in rows))
    w("local BASE = { %s }" % ", ".join("%s = %s" % (g, lua_str(BASE[g])) for g in GANG_IDS))
    w("local COALITION = { %s }  -- in declaration order" % ", ".join(lua_str(g) for g in COALITION))
    w("""local function km(a, b)
  local p, q = POS[a], POS[b]
  return math.sqrt((p[1] - q[1])^2 + (p[2] - q[2])^2)
end
-- The coalition gang whose base is nearest to node (straight line), among those that
-- do not hold it and have active members; ties by declaration order.
local function nearest_gang(sim, node)
  local best, bd = nil, math.huge
  for _, g in ipairs(COALITION) do
    if sim:owner(node) ~= g and sim:members(g) > 0 and km(BASE[g], node) < bd then
      best, bd = g, km(BASE[g], node)
    end
  end
  return best
end
-- The state-held node nearest to node (node itself if the state holds it), or nil.
local function nearest_state(sim, node)
  local best, bd = nil, math.huge
  for _, j in ipairs(NODES) do
    if sim:owner(j) == "STATE" and km(j, node) < bd then best, bd = j, km(j, node) end
  end
  return best
end
local IN_COALITION = {}
for _, g in ipairs(COALITION) do IN_COALITION[g] = true end
-- Attack node with the nearest coalition gang, unless a coalition gang already holds it.
local function coalition_attack(sim, node, why)
  if IN_COALITION[sim:owner(node)] then
    sim:log("%s: %s already held by %s, no attack", why, node, sim:owner(node)); return
  end
  local g = nearest_gang(sim, node)
  if not g then sim:log("%s: no coalition gang can attack %s", why, node); return end
  sim:log("%s: %s attacks %s (held by %s)", why, g, node, sim:owner(node))
  sim:attack(g, node)
end
-- Day d of the assault on Solino and Tabarre 27 (17 Oct 2024 is day 0).
local function raid(sim, d)
  coalition_attack(sim, "solino", "Solino attack, day " .. (d + 1))
  coalition_attack(sim, "tabarre_27", "Tabarre 27 attack, day " .. (d + 1))
end
-- Recall n elite officers (at most what the pool still holds: desertion shrinks it) to
-- the state-held node nearest to node.
local function elite_recall(sim, n, node)
  local have = sim:unit_officers("elite")
  if n > have then sim:log("recall: %d asked, the pool holds %d", n, have); n = have end
  if n <= 0 then sim:log("recall: none"); return end
  local to = nearest_state(sim, node)
  if not to then sim:log("recall: no state-held node left"); return end
  local id = sim:recall("elite", n, { to = to })
  sim:log("recall: %d elite officers to %s as unit %s", n, to, id)
end""")
    w("-- =================== END CITY ===================")
    return "\n".join(L)


HEADER = """-- {name}.lua: {title}
--
-- GENERATED by scenarios/haiti/make_scenarios.py from scenarios/haiti/data/neighbourhoods.csv:
-- do not edit by hand. Regenerate with
--   /usr/bin/python3 scenarios/haiti/make_scenarios.py
-- Variants are --set command lines: see scenarios/haiti/README.md.
--
-- Tags: [S] sourced, [U] uncertain or second-hand, [P] a prior to calibrate; sources and
-- prior ranges: scenarios/haiti/README.md, "Where the numbers come from".
-- Day offsets below are computed by the generator from the calendar dates.
"""


# Model parameters set by the calibration search (scenarios/haiti/calibrate.sh):
# a documented grid over model parameters tagged [P] in sim/README.md (Parameters),
# scored with `conflictsim validate`. Every other parameter keeps its default.
PRISON_GANG_SHARE = "1"
MODEL_BLOCK = [
    "-- Calibrated priors (scenarios/haiti/calibrate.sh searched these [P] values with",
    "-- `conflictsim validate`; every other model parameter keeps its default, sim/README.md):",
    "model {",
    "  lambda0 = 0.15,      -- [P] default 0.01; searched 0.01-0.17 (calibrate.sh stages 1-6): 0.15 brings gang control to ~0.8 in Oct-Dec 2024 and 2024 deaths to ~4,000-4,500",
    "  Theta_c = 0.2,       -- [P] default 0.4; searched 0.2-0.42: above ~0.3 the coalition loosens after the March 2024 prison breaks double the gangs",
    "  chi_rate = 0.01,     -- [P] default 1/30 a day; searched 0.005-1/30: slower cohesion delays the coalition's formation (1/30: within a month of the start)",
    "  provinces_km = 5,    -- [P] default 20; searched 5-20: 5 brings the share of IDPs in the provinces to ~0.75 (20: ~0.4)",
    "  beta_police = 0.005, -- [P] default beta's 0.15; searched 0.002-0.15: police units of 500 withdraw after ~3 killed, not 75;",
    "                       -- officers killed fall from ~2,000 to ~300 a year (HNP: 48 killed in 2023, observed.csv [S]; 0.002: ~130 a year, but 2024 deaths drop below 4,000)",
    "}",
]


def common_params(L, cohesion0, why):
    L.append('param("cohesion0", %s, "cohesion of Viv Ansanm at the start")  -- %s' % (cohesion0, why))
    L.append('param("site_capacity_scale", 1.0, "multiplier on the capacity of the displacement site(s) named by scaled_site")  -- 1.0 = as observed [P]')
    L.append('param("scaled_site", "all", "site scaled by site_capacity_scale: all, canape_vert, delmas_33 or clercine")')
    L.append('param("solino_area_owner", "STATE", "owner at the start of solino, nazon, delmas_24, tabarre_27 (CSV: CONTESTED after 17 Oct 2024)")')
    L.append('param("assault_days", 5, "days of the Solino / Tabarre 27 assault from 17 Oct 2024, one attack a day on each")  -- 5: from Thursday 17 to Monday 21 Oct (press reports [S])')
    L.append('param("verbose", true, "log the monthly situation and key takeovers")')


def capital(rows, xy, lat0, lon0):
    start = "2023-09-01"
    D = lambda s: day_of(start, s)
    L = [HEADER.format(name="capital", title="Port-au-Prince metro, Sep 2023 - Feb 2025 (Viv Ansanm, MSS, Solino).")]
    w = L.append
    w('scenario { name = "haiti-capital", start = "%s", days = 548, sample_every = 1 }  -- 548 days: to 1 Mar 2025; daily samples' % start)
    w("")
    w('param("recall_officers", 300, "elite officers recalled")  -- 300 of 600 [P] for "several hundred" (AP, 21 Oct 2024 [S])')
    w('param("recall_day", %d, "day of the elite recall")  -- %d = 21 Oct 2024 (AP, 21 Oct 2024 [S])' % (D("2024-10-21"), D("2024-10-21")))
    w('param("mss_scale", 1.0, "multiplier on the MSS: announced size and every arrival")  -- 1.0 = as happened')
    w('param("mss_shift_days", 0, "days added to every MSS arrival date (negative = earlier)")  -- 0 = as happened')
    w('param("prison_freed", 4700, "inmates freed by the prison breaks of 2-3 Mar 2024")  -- ~4,700 [S] (observed.csv: >4,600, BINUH Q1 2024)')
    w('param("prison_gang_share", %s, "share of the inmates freed in Mar 2024 who join a gang")  -- [P] no source; calibrate.sh searched 0.25-1 (1 = every escapee a gang member, an upper bound)' % PRISON_GANG_SHARE)
    common_params(L, "0.2", "[P] calibrate.sh searched 0.1-0.55: alliance announced Sep 2023 but not yet acting as one (joint offensive from 29 Feb 2024, BINUH Q1 2024 [S]); below chi_form 0.5, so it starts unformed")
    w("")
    for line in MODEL_BLOCK:
        w(line)
    w("")
    w(city_block(rows, xy, lat0, lon0, "capital"))
    w("")
    w("-- ======================= TIMELINE (sources: README.md) ====================")
    w("local MSS = 0  -- international units added so far")
    w("local function mss_arrive(sim, n, why)")
    w("  n = math.floor(n * P.mss_scale + 0.5)")
    w("  if n <= 0 then return end")
    w("  MSS = MSS + 1")
    w("  -- lands at the airport [S: first Kenyans landed there], or the state-held node nearest it")
    w("  local at = nearest_state(sim, \"airport_toussaint_louverture\") or \"airport_toussaint_louverture\"")
    w("  sim:add_force{ id = \"mss\" .. MSS, kind = \"international\", officers = n, posture = \"guard\", at = at }")
    w("  sim:log(\"MSS: +%d at %s (%s)\", n, at, why)")
    w("end")
    w("local function shifted(day) return math.max(0, day + P.mss_shift_days) end")
    w("")
    w("-- 2 Oct 2023 (day %d): UN resolution 2699 authorises the MSS, 2,500 [S]: from now on the" % D("2023-10-02"))
    w("-- announced mission counts in the coalition's threat (weight w_ann).")
    w("at(%d, function(sim) sim:announce(math.floor(2500 * P.mss_scale + 0.5)) end)" % D("2023-10-02"))
    w("-- Arrivals, as dated in the press: 25 Jun 2024 ~400 [U] (observed.csv: 400 [S]);")
    w("-- 12 Sep 2024: 426 in all [S], so +26 (the 'about 600 in July' of observed.csv is DERIVED and")
    w("-- inconsistent with the 430 of 11 Oct 2024 [S]: not used); 18 Jan 2025 +217; 6 Feb 2025 +144.")
    for date, n, why in [("2024-06-25", 400, "25 Jun 2024, first Kenyans [U]"),
                         ("2024-09-12", 26, "12 Sep 2024, 426 in all [S]"),
                         ("2025-01-18", 217, "18 Jan 2025 [S]"),
                         ("2025-02-06", 144, "6 Feb 2025 [S]")]:
        w("at(shifted(%d), function(sim) mss_arrive(sim, %d, %s) end)  -- %s" % (D(date), n, lua_str(why), date))
    w("")
    off = D("2024-02-29")
    w("-- 29 Feb 2024 (day %d): the coalition's joint offensive. Modelled as forced attacks, no change" % off)
    w("-- of lambda0: each coalition gang attacks the state-held node nearest its base, and the nearest")
    w("-- gang attacks the airport (attacked early Mar 2024; closed 3 Mar - 20 May [S]; the closure itself")
    w("-- is not modelled). Attacks from far bases are weak (reach decays with ell) and mostly fail.")
    w("at(%d, function(sim)" % off)
    w("  for _, g in ipairs(COALITION) do")
    w("    local j = nearest_state(sim, BASE[g])")
    w("    if j and sim:members(g) > 0 then sim:log(\"offensive: %s attacks %s\", g, j); sim:attack(g, j) end")
    w("  end")
    w("  if sim:owner(\"airport_toussaint_louverture\") == \"STATE\" then")
    w("    coalition_attack(sim, \"airport_toussaint_louverture\", \"offensive\")")
    w("  end")
    w("end)")
    pb = D("2024-03-02")
    w("-- 2-3 Mar 2024 (day %d): prison breaks (National Penitentiary, Croix-des-Bouquets) [S]." % pb)
    w("at(%d, function(sim) sim:log(\"prison break: %%d freed\", sim:prison_break(math.floor(P.prison_freed * P.prison_gang_share + 0.5))) end)" % pb)
    a = D("2024-10-17")
    w("-- 17 Oct 2024 (day %d): Viv Ansanm attacks Solino, and Tabarre 27 the same week (IOM counts the" % a)
    w("-- two together: IOM, 25 Oct 2024 [S]); each by the coalition's nearest gang that does not hold it.")
    w("-- The assault lasted from Thursday to Monday (press reports [S]): one attack a day on each node")
    w("-- for P.assault_days days, skipped once a coalition gang holds it.")
    w("for d = 0, P.assault_days - 1 do")
    w("  at(%d + d, function(sim) raid(sim, d) end)" % a)
    w("end")
    w("-- 21 Oct 2024 (P.recall_day): the elite recall, to Solino (or the state-held node nearest it).")
    w("at(P.recall_day, function(sim) elite_recall(sim, P.recall_officers, \"solino\") end)")
    n1, n2 = D("2024-11-11"), D("2024-11-14")
    w("-- 11-17 Nov 2024 (days %d-%d): second wave on Solino, Nazon, Delmas 24 (press, IOM [S]): a round" % (n1, D("2024-11-17")))
    w("-- of attacks on 11 Nov and another on 14 Nov [P: spread over the week].")
    w("for _, day in ipairs({ %d, %d }) do" % (n1, n2))
    w("  at(day, function(sim)")
    w("    for _, j in ipairs({ \"solino\", \"nazon\", \"delmas_24\" }) do coalition_attack(sim, j, \"second wave\") end")
    w("  end)")
    w("end")
    L.append(REPORTING)
    return "\n".join(L) + "\n"


REPORTING = """
-- ======================= REPORTING (log only) =======================
every(30, function(sim)
  if P.verbose then
    sim:log("gangs hold %.0f%% of the population, %.0f%% of the nodes; Solino: %s, %d displaced from it",
            100 * sim:gang_share(true), 100 * sim:gang_share(), sim:owner("solino"), sim:displaced_from("solino"))
  end
end)
local WATCH = { solino = true, nazon = true, delmas_24 = true, tabarre_27 = true,
                airport_toussaint_louverture = true, port_autonome_pap = true,
                champ_de_mars_palais_national = true, varreux_terminal = true }
on("takeover", function(sim, ev)
  if P.verbose and WATCH[ev.node] then sim:log("%s took %s from %s", ev.actor, ev.node, ev.target) end
end)"""


def solino(rows, xy, lat0, lon0):
    start = "2024-10-10"
    D = lambda s: day_of(start, s)
    L = [HEADER.format(name="solino", title="the Solino offensive of October 2024, 60 days from 10 Oct 2024.")]
    w = L.append
    w("-- The same city as capital.lua in its Oct 2024 state (owners: controller_oct_2024 of the CSV,")
    w("-- with Solino, Nazon, Delmas 24 and Tabarre 27 held by the state before the attacks), for quick")
    w("-- 'what if' runs on the attack of 17 Oct and the elite recall of 21 Oct.")
    w("")
    w('scenario { name = "haiti-solino", start = "%s", days = 60, sample_every = 1 }  -- 60 days: to 9 Dec 2024' % start)
    w("")
    a = D("2024-10-17")
    w('param("attack_day", %d, "day of the attack on Solino")  -- %d = Thu 17 Oct 2024 (AP, 21 Oct 2024 [S])' % (a, a))
    w('param("recall_officers", 300, "elite officers recalled")  -- 300 of 600 [P] for "several hundred" (AP, 21 Oct 2024 [S])')
    w('param("recall_delay_days", %d, "days from the attack to the elite recall")  -- %d: 21 Oct 2024 (AP, 21 Oct 2024 [S])' % (D("2024-10-21") - a, D("2024-10-21") - a))
    w('param("mss_scale", 1.0, "multiplier on the MSS present and announced")  -- 1.0 = as happened')
    w('param("second_wave", true, "the attacks of 11-17 Nov 2024 on Solino, Nazon, Delmas 24")')
    common_params(L, "0.55", "[P] Oct 2024: Viv Ansanm acting as one since Feb 2024 (BINUH Q1 2024 [S]); just above the formation threshold chi_form 0.5")
    w("")
    for line in MODEL_BLOCK:
        w(line)
    w("")
    w(city_block(rows, xy, lat0, lon0, "solino"))
    w("")
    w("-- ======================= TIMELINE =======================")
    w("-- Day 0: the MSS present, 426 (12 Sep 2024 [S]; observed.csv: ~430 on 11 Oct [S]), at the airport;")
    w("-- the rest of the 2,500 authorised [S] still announced.")
    w("at(0, function(sim)")
    w("  local here = math.floor(426 * P.mss_scale + 0.5)")
    w("  if here > 0 then")
    w("    sim:add_force{ id = \"mss1\", kind = \"international\", officers = here, posture = \"guard\",")
    w("                   at = \"airport_toussaint_louverture\" }")
    w("  end")
    w("  sim:announce(math.max(0, math.floor(2500 * P.mss_scale + 0.5) - here))")
    w("end)")
    w("-- 17 Oct 2024: Solino, and Tabarre 27 the same week (AP, IOM [S]), by the nearest coalition gang;")
    w("-- the assault lasted from Thursday to Monday (press reports [S]): one attack a day on each node for")
    w("-- P.assault_days days, skipped once a coalition gang holds it.")
    w("for d = 0, P.assault_days - 1 do")
    w("  at(P.attack_day + d, function(sim) raid(sim, d) end)")
    w("end")
    w("-- 21 Oct 2024: the elite recall, P.recall_delay_days after the attack.")
    w("at(P.attack_day + P.recall_delay_days, function(sim) elite_recall(sim, P.recall_officers, \"solino\") end)")
    n1, n2 = D("2024-11-11"), D("2024-11-14")
    w("-- 11-17 Nov 2024 (days %d-%d): the second wave (press, IOM [S]), rounds on 11 and 14 Nov [P]." % (n1, D("2024-11-17")))
    w("if P.second_wave then")
    w("  for _, day in ipairs({ %d, %d }) do" % (n1, n2))
    w("    at(day, function(sim)")
    w("      for _, j in ipairs({ \"solino\", \"nazon\", \"delmas_24\" }) do coalition_attack(sim, j, \"second wave\") end")
    w("    end)")
    w("  end")
    w("end")
    L.append(REPORTING.replace("every(30,", "every(5,"))
    return "\n".join(L) + "\n"


def main():
    rows, xy, lat0, lon0 = load()
    for name, fn in (("capital.lua", capital), ("solino.lua", solino)):
        path = os.path.join(OUT, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(fn(rows, xy, lat0, lon0))
        print("wrote %s (%d nodes)" % (path, len(rows)))


if __name__ == "__main__":
    main()
