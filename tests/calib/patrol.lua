-- patrol.lua: a town where the only thing that happens is arrests, so that
-- the number of arrests in a run is Poisson(patrol_rate * days) exactly.
-- Used by tests/test_calibrate.py to hold calibration against a posterior
-- known in closed form.
--
-- One police unit on patrol at "post", next to "den", which a gang of a
-- hundred thousand members holds. Every patrol tick (a Poisson clock of rate
-- patrol_rate) visits den (the only gang-held node in reach) and arrests
-- with probability 1 - exp(-k_arrest * officers / members present): with
-- k_arrest = 1e9 that is 1 to machine precision. Arrested members are a
-- drop in a hundred thousand. No attacks (lambda0 = 0), no recruitment, no
-- desertion, no flight hazard at baseline, so nothing else moves.
scenario { name = "patrol", start = "2024-01-01", days = 100, sample_every = 10 }

model {
  lambda0 = 0, k_arrest = 1e9, recruit_rate = 0, delta0 = 0, h0 = 0,
  n_retaliation = 0, vigilante_share = 0,
}

node { id = "den",  residents = 1000, owner = "crew" }
node { id = "post", residents = 1000, x = 1 }
road("den", "post", 1)

gang { id = "crew", members = 100000, base = "den" }
unit { id = "patrol", kind = "police", officers = 100, at = "post", posture = "patrol" }
