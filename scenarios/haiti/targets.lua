-- targets.lua: what was observed in Port-au-Prince, as targets for capital.lua
-- (`conflictsim validate scenarios/haiti/capital.lua` reads this file; the language:
-- scenarios/README.md, "Targets files"). solino.lua has its own, solino_targets.lua.
--
-- One entry per row of data/observed.csv that the capital scenario can compare like with
-- like; each entry's `source` names its row (quantity and date) and who published it. The
-- rows left out, and why, are listed at the end of this file.
--
-- Three rules decide what is a target:
-- - Like with like. Counts published by ACLED, BINUH or OHCHR are of reported events:
--   they are compared with the model's observed log (log = "observed"), never its true one.
--   IOM counts people: its counts are compared with flows of people (fled{}) or stocks of
--   people (value{}) over the same window and area.
-- - A model input is never a target: control in Sep 2023 (the scenario starts from the
--   Oct 2024 controllers), the MSS's strength (the timeline), the site capacity (88,743,
--   from the idp_metro_sites row) and the police's size are the scenario's inputs.
-- - The rows dated 2025 are held out (holdout = true): `validate` reports them in a block
--   of their own, as a forecast; a calibration never reads them.
--
-- Errors: a count IOM or BINUH reports is given a relative tolerance (rel = R: observed
-- +- R x observed, sd = R x observed / 2); an IOM flash count of people displaced, a
-- factor (observed / 1.5 to observed x 1.5); a share, +-0.05 (sd = 0.025).

-- Reported killings in the metro: BINUH's national count x the metro's share of
-- casualties, 0.8 ("80% of casualties in Port-au-Prince area", BINUH Q1 2024, the
-- kidnapped_quarter_national row of 2024-03-31 [S]; 0.7-0.9 is the range it could take).
local METRO_SHARE = 0.8

-- IOM's national stock of displaced people on 1 Sep 2023, the scenario's start: the
-- idp_national rows of 2023-06-30 (200,000) and 2023-12-31 (315,000) interpolated
-- linearly (63 of 184 days), 239,375. The model counts people displaced since its start,
-- so the target is IOM's stock minus this. It is an upper bound: part of the rise after
-- Sep 2023 fled places outside the capital, and IOM's stock is national.
local IDP_SEP_2023 = 200000 + (315000 - 200000) * 63 / 184

local function factor(x, f) return { x / f, x * f } end

local T = {}
local function add(t) T[#T + 1] = t end

-- ---- reported violence (the observed log) -------------------------------------------------

add { name = "inter_gang_clashes_mar_aug_2024",
      source = "observed.csv inter_gang_clash_change 2024-08-31: -78%, ACLED quoted by AP, 21 Oct 2024",
      -- reported clashes between gangs, Mar-Aug 2024 over the six months before
      statistic = ratio(
        count { log = "observed", kinds = { "engagement" }, parties = { "gang", "gang" },
                from = "2024-03-01", to = "2024-09-01" },
        count { log = "observed", kinds = { "engagement" }, parties = { "gang", "gang" },
                from = "2023-09-01", to = "2024-03-01" }),
      observed = 0.22, interval = { 0.12, 0.32 } }

-- BINUH's quarterly counts of people killed (killed_quarter_national), as reported deaths
-- in the observed log. Q3 2023 (1,239) is an HNP homicide count, another series, and its
-- quarter starts before the run: left out.
for _, q in ipairs {
  { "2023q4", "2023-10-01", "2024-01-01", 1104, "2023-12-31", "BINUH via AFP, 19 Apr 2024" },
  { "2024q1", "2024-01-01", "2024-04-01", 1660, "2024-03-31", "BINUH quarterly report Q1 2024 via AFP" },
  { "2024q2", "2024-04-01", "2024-07-01", 945, "2024-06-30", "BINUH Q2 2024 via Le Filet Info" },
  { "2024q3", "2024-07-01", "2024-10-01", 1223, "2024-09-30", "BINUH via Le Nouvelliste, Oct 2024" },
  { "2024q4", "2024-10-01", "2025-01-01", 1732, "2024-12-31", "BINUH communique 4 Feb 2025 via Le Nouvelliste" },
} do
  add { name = "killed_metro_" .. q[1],
        source = string.format("observed.csv killed_quarter_national %s: %d nationally, %s; x %.1f for the metro",
                               q[5], q[4], q[6], METRO_SHARE),
        statistic = count { log = "observed", kinds = { "engagement" }, sum = "deaths", from = q[2], to = q[3] },
        observed = q[4] * METRO_SHARE, rel = 0.25 }
end

-- ---- control ------------------------------------------------------------------------------
-- "Gangs control 80% (85%) of Port-au-Prince": the basis, area or population, is not
-- stated (data/README.md, weakness 1); the one figure with a stated basis (DPC, 2023) is
-- by population, so the share of the population is used.

add { name = "gang_share_2024_10_21",
      source = "observed.csv gang_control_share_capital 2024-10-21: 80%, AP via TRT World",
      statistic = gang_share { by = "population", date = "2024-10-21" },
      observed = 0.80, sd = 0.025 }
add { name = "gang_share_2024_10_29",
      source = "observed.csv gang_control_share_capital 2024-10-29: 85%, BINUH Q3 2024 report via AP",
      statistic = gang_share { by = "population", date = "2024-10-29" },
      observed = 0.85, sd = 0.025 }

-- ---- people displaced (IOM) ---------------------------------------------------------------

-- The stock displaced since 1 Sep 2023 at IOM's rounds (idp_national rows), against
-- city_displaced (hosted in the city, on the road and in the provinces). +-30% each.
add { name = "displaced_since_sep_2023",
      source = "observed.csv idp_national 2023-12-31, 2024-03-01, 2024-06-30, 2024-09-04, 2024-12-31 "
               .. "(IOM DTM rounds 6-9 and IOM releases) minus the 1 Sep 2023 level, 239,375",
      statistic = value { var = "city_displaced",
                          dates = { "2023-12-31", "2024-03-01", "2024-06-30", "2024-09-04", "2024-12-31" } },
      observed = { 315000 - IDP_SEP_2023, 362551 - IDP_SEP_2023, 578074 - IDP_SEP_2023,
                   700000 - IDP_SEP_2023, 1041000 - IDP_SEP_2023 },
      rel = 0.3 }

-- People who left the capital for the provinces (IOM's bus-station counts): flights
-- and moves on of displaced people, into the PROVINCES.
add { name = "to_provinces_mar_8_27_2024",
      source = "observed.csv outflow_metro_to_provinces 2024-03-27: 53,125, IOM bus-station counts via AFP",
      statistic = fled { into = "provinces", from = "2024-03-08", to = "2024-03-28" },
      observed = 53125, interval = factor(53125, 1.5) }
add { name = "to_provinces_mar_8_apr_9_2024",
      source = "observed.csv outflow_metro_to_provinces 2024-04-09: ~95,000, IOM DTM Round 7 report",
      statistic = fled { into = "provinces", from = "2024-03-08", to = "2024-04-10" },
      observed = 95000, interval = factor(95000, 1.5) }

-- The Solino and Tabarre 27 raids from 17 Oct 2024: people who fled those nodes.
add { name = "fled_solino_tabarre27_oct_17_20",
      source = "observed.csv displaced_event 2024-10-21 (solino): more than 4,200, IOM cited by AP",
      statistic = fled { nodes = { "solino", "tabarre_27" }, from = "2024-10-17", to = "2024-10-21" },
      observed = 4200, interval = factor(4200, 1.5) }
add { name = "fled_solino_oct_17_23",
      source = "observed.csv displaced_event 2024-10-23 (solino): 8,361, IOM via Juno7",
      statistic = fled { nodes = { "solino" }, from = "2024-10-17", to = "2024-10-24" },
      observed = 8361, interval = factor(8361, 1.5) }
add { name = "fled_tabarre27_oct_17_23",
      source = "observed.csv displaced_event 2024-10-23 (tabarre_27): 1,695, IOM via Juno7",
      statistic = fled { nodes = { "tabarre_27" }, from = "2024-10-17", to = "2024-10-24" },
      observed = 1695, interval = factor(1695, 1.5) }

-- The November offensive, and the early-December surge, over the whole capital.
add { name = "fled_capital_nov_11_20_2024",
      source = "observed.csv displaced_event 2024-11-20 (metro): 40,965, IOM, 25 Nov 2024",
      statistic = fled { from = "2024-11-11", to = "2024-11-21" },
      observed = 40965, interval = factor(40965, 1.5) }
add { name = "fled_capital_dec_8_9_2024",
      source = "observed.csv displaced_event 2024-12-10 (metro): more than 4,500 in 48 hours, UN spokesperson (IOM)",
      statistic = fled { from = "2024-12-08", to = "2024-12-10" },
      observed = 4500, interval = factor(4500, 1.5) }

-- ---- held out: the rows dated 2025 --------------------------------------------------------

add { name = "gang_share_2025_01_14", holdout = true,
      source = "observed.csv gang_control_share_capital 2025-01-14 (metro): 85%, IOM, 14 Jan 2025",
      statistic = gang_share { by = "population", date = "2025-01-14" },
      observed = 0.85, sd = 0.025 }
add { name = "fled_capital_feb_14_28_2025", holdout = true,
      source = "observed.csv displaced_event 2025-02-28 (metro): 24,155, IOM DTM via Le Quotidien d'Haiti",
      statistic = fled { from = "2025-02-14", to = "2025-03-01" },
      observed = 24155, interval = factor(24155, 1.5) }

targets(T)

-- Rows of observed.csv not used, and why:
-- - before the run (1 Sep 2023) or after it (1 Mar 2025): population, HNP strength, the
--   2022-2023 IDP rounds, kidnappings and killings of 2022-2023, gang control in 2023,
--   ACLED's 2023-vs-2021 change and exposure share; in 2025, the 42,538 displaced by 6 Mar,
--   the killings of Q1 2025 onwards (their quarters end after the run), 1.3 and 1.4 M IDPs,
--   control 0.9 (Jul 2025), the GSF;
-- - model inputs: the MSS's strength (mss_personnel*), HNP officers, the site capacity
--   (idp_metro_sites), population;
-- - not in the model: injured, kidnapped, victims (killed + injured + kidnapped), lynchings
--   and self-defence killings, drone strikes, police stations attacked, the Wharf Jeremie
--   massacre (killed_event: a gang killing residents it already rules is no engagement);
-- - not like with like: idp_metro and idp_share_* (stocks and shares of everyone displaced
--   in the metro or nationally, including people displaced before Sep 2023 or from the
--   provinces), idp_metro_change_yoy (a change in the same stock), returnees (since when is
--   not stated), killed_year_national 2024 (the sum of the quarters above);
-- - outside the scenario's nodes: the Gressier, Arcahaie, Kenscoff and Mirebalais events;
-- - per-attack displacement at one node on one date (Carrefour and Cite Soleil, Feb 2024;
--   lower Delmas, Jun 2024; Boston and Saint-Martin, Sep 2024; Delmas 24, Oct 2024): the
--   model's attacks on those nodes are not forced on those dates, so a run's flight from a
--   node in such a window says whether an attack fell there, not how many one displaces;
--   the Delmas 24 count may also overlap the Solino count, and the Boston one names where
--   people went, not where they fled.
