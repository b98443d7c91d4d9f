-- capital_v2_priors.lua: the parameters calibrated for version 2 of the model
-- (`capital.lua --set v2=true`), with their prior ranges:
--
--   conflictsim calibrate scenarios/haiti/capital.lua --set v2=true \
--     --priors scenarios/haiti/capital_v2_priors.lua
--
-- Three of version 1's (the attack rate and the two breakpoints) and, for each
-- version-2 mechanism, the parameters its defaults are least sure of (every one is
-- tagged [P] in `conflictsim params`). The ranges span what the sources leave open
-- (sim/README.md, section 7 and the parameter table); log-uniform for rates and scales
-- that span an order of magnitude or more. beta (added on 5 Dec 2026, for the second
-- calibration): at its default 0.15 an engagement killed 29 people on average under the
-- first posterior, so the quarterly killings allowed few engagements and the inter-gang
-- clash counts behind the ratio target were a handful per half-year; the range lets the
-- calibration choose fewer deaths per engagement and more engagements (0.15 stays inside).
-- joint_share (added on 6 Dec 2026 with joint.c): the sources say the coalition attacked
-- together from 29 Feb 2024 but not with how much of each federation; 0 (no joint
-- attacks) to 1 (each partner adds all it would commit to its own attack there).
-- Every other parameter keeps the value capital.lua gives it, or the model's default.
priors {
  lambda0        = loguniform(0.01, 0.3),    -- base attack rate per (gang, frontier node), 1/day
  beta_police    = loguniform(0.001, 0.15),  -- breakpoint of security forces
  beta           = loguniform(0.01, 0.15),   -- breakpoint of gangs and brigades: sets the deaths of an engagement
  brigade_share  = loguniform(0.002, 0.05),  -- largest share of residents in a brigade
  brigade_growth = uniform(0.05, 0.8),       -- gap to full mobilisation closed by an attack
  h_exposed      = loguniform(0.02, 0.5),    -- flight hazard of the exposed at saturation, 1/day
  D_ref          = loguniform(0.05, 2),      -- felt-violence scale, deaths per 1,000 residents
  stayer_share   = uniform(0.1, 0.7),        -- share of the exposed who stay
  expose_per_fighter = loguniform(0.2, 20),  -- residents each fighter engaged exposes (expose_by = "fighters")
  expose_takeover = uniform(0.05, 0.5),      -- share of the unexposed a change of hands exposes
  h0             = loguniform(3e-5, 1e-3),   -- baseline flight hazard per resident, 1/day
  r0             = loguniform(3e-4, 1e-2),   -- return rate of displaced people to a safe origin, 1/day
  control_step   = uniform(0.1, 0.9),        -- share of the loser's hold an engagement can move
  bargain_rate   = loguniform(0.005, 0.2),   -- pact formation rate at high threat, 1/day
  bargain_ratio  = loguniform(0.3, 3),       -- threat ratio above which a pact can form
  joint_share    = uniform(0, 1),            -- share of their own commitment partners add to a joint attack
  consolidate_rate = loguniform(0.002, 0.2), -- rate at which a node's majority holder takes over its other shares, 1/day
  ell_police     = loguniform(0.2, 3),       -- decay length of police cover around a post, km
  -- the balance of forces (added on 6 Dec 2026, evening, for calibration 5): a probe wave
  -- with these free met the Oct 2024 control targets two to three times as often
  -- (scenarios/haiti/README.md, "Why control does not move"); the ranges span the
  -- defaults' sources (sim/README.md, parameter table)
  phi            = uniform(0.1, 0.8),        -- share of a gang's members committed to an attack
  lethality_gang = loguniform(0.02, 0.2),    -- fighting strength per gang member
  lethality_vigilante = loguniform(0.005, 0.05), -- fighting strength per brigade member
  F_urban        = uniform(1, 2),            -- defender's advantage in built-up terrain
  brigade_m0     = uniform(0.02, 0.5),       -- a brigade's mobilisation before any attack
  -- the STATE's presence (control.c, added on 6 Dec 2026 for calibration 5): a hold with
  -- few officers within reach wears down to nobody's
  presence_half  = loguniform(10, 500),      -- officers at or covering a node that make half a presence
  erode_rate     = loguniform(0.002, 0.1),   -- rate at which an unattended STATE hold wears down, 1/day
  -- rivalries (attack.c, added on 7 Dec 2026 for calibration 8): the wars gangs.csv names
  -- before Mar 2024 weigh w_rival times wR; 1 (no more than any other gang) to 30 (a
  -- standing feud draws most of a gang's attacks on other gangs) [P]
  w_rival        = loguniform(1, 30),        -- multiplier of wR between declared rivals
  -- talks in stages (bargain.c, added on 7 Dec 2026 for calibration 8): 1 (a memoryless
  -- wait, as before) to 6 stages (a wait of the same mean with a coefficient of variation
  -- of 0.41) [P]; with one stage the two coalition-timing targets need the hazard in a 2%
  -- window (sim/README.md, "Talks in stages")
  bargain_stages = uniform(1, 6),            -- stages of talks before the pact is struck
  -- exposure by the fight's scope (exposure.c, expose_by = "fighters", set by capital.lua's
  -- version 2 since 7 Dec 2026, calibration 8) replaced expose_attack (0.002-0.1), which
  -- that rule does not read: expose_per_fighter above, 0.2 to 20 residents per fighter [P]
  -- (a look under calibration 7's posterior: 2 kept the city's displacement, 8 gave the
  -- Solino week)
  -- police operations (raid.c and police_armour in engagement.c, added on 7 Dec 2026 for
  -- calibration 9, with the target killed_police_share_2024q1): BINUH counts at least 36%
  -- of Q1 2024's dead killed in police operations, calibration 8's runs 1%. A look under
  -- calibration 8's posterior (20 draws, seed 1001): raids at 0.05 a day alone gave 9%
  -- (a raid of 20 officers breaks at its first casualty and kills about one); with armour
  -- 30, 44%. Ranges [P]: a raid on a frontier node every 500 to 5 days; armour from none
  -- to 300 (BINUH's exchange, about 30 killed per officer killed or injured, is what a
  -- square-law fight of a team against a gang's fighters gives with armour in the tens
  -- to hundreds, depending on the sizes)
  raid_rate      = loguniform(0.002, 0.2),   -- police raids per day on a gang-held node on the STATE's frontier
  police_armour  = loguniform(1, 300),       -- divisor of the gang's fire on officers in a police operation
  -- the front (engagement.c, frontage, added on 7 Dec 2026 for calibration 9): calibration
  -- 8's Solino assault killed about 400 in a week, 43 an engagement, every committed fighter
  -- fighting to a breakpoint. A look under calibration 8's posterior (20 draws, seed 1001):
  -- a front of 30 gave 6 an engagement in the Solino week (54 in all) and cut Q1 2024's
  -- deaths from 1,320 to 392, so the quarterly killings will ask for more engagements.
  -- Range [P]: 10 a side (a street corner) to 1,000 (no cap for any force the city has)
  frontage       = loguniform(10, 1000),     -- fighters a side in contact at once in an engagement
  -- the provinces' travel cost (added on 7 Dec 2026 for calibration 10): until then
  -- version 2 kept capital.lua's provinces_km = 5, which version 1's grid chose to bring the
  -- share of the displaced in the provinces to ~0.75, a share, not the bus-station counts;
  -- calibration 9 left both provinces windows (8 Mar - 9 Apr 2024) uncovered at about half
  -- of IOM's counts. The range is version 1's prior (capital_priors.lua) [P]: the provinces
  -- from 2 km (as near as a neighbouring quartier) to 25 km (a long trip across the city)
  provinces_km   = uniform(2, 25),           -- distance that stands for the cost of leaving for the provinces, km
  -- the shape of the flight hazard (exposure.c, D_shape, built on 7 Dec 2026), given a
  -- prior for calibration 12 (7 Dec 2026, decided before its result): 1 - exp(-(D / D_ref)^k)
  -- reads as Weibull tolerance thresholds (Granovetter 1978); k = 1, the form every
  -- calibration before 12 used, is the exponential, under which the first deaths nearby
  -- move the most; k > 1 moves fewer of the exposed under light violence and more under
  -- heavy. No source measures it [P]: 0.5 to 4 spans a shape more spread than the
  -- exponential to thresholds gathered near D_ref. It trades off with D_ref and h_exposed.
  -- Calibration 11 (k = 1) left the Solino week short where Solino held (5,130 fled in 7
  -- days against 10,056).
  D_shape        = uniform(0.5, 4),          -- shape of the residents' tolerance of felt violence
  -- felt violence per person reached (exposure.c, felt_per = "exposed", built on 7 Dec 2026)
  -- is not used: on the same prior design (640 points of wave 1, 2 replicates, seed 7;
  -- scenarios/haiti/joint_shares.py; scenarios/haiti/README.md, "Built after calibration
  -- 11") it met all five displacement rounds in 5.0% of the points against 7.2% per
  -- resident (3.8% against 6.2% with D_shape), and the Solino week no more often (10.2%
  -- against 11.9%), with D_ref's range made per person reached (0.1 to 20) and
  -- expose_per_fighter's grown to 100. Calibration 12 keeps the per-resident reading,
  -- returns to calibration 11's ranges of these two, and adds D_shape.
}
