-- capital_priors.lua: the parameters `conflictsim calibrate capital.lua` calibrates,
-- with their prior ranges. They are the five that calibrate.sh searched one or two at
-- a time (capital.lua's model{} block, tagged [P]); the ranges are the ranges it
-- searched, widened where its best value sat on an edge. Every other parameter keeps
-- the value capital.lua gives it. Log-uniform for rates and scales that span an order
-- of magnitude or more.
priors {
  lambda0      = loguniform(0.01, 0.3),    -- base attack rate per (gang, frontier node), 1/day
  Theta_c      = uniform(0.1, 0.5),        -- threat at the midpoint of the cohesion response
  chi_rate     = loguniform(0.003, 0.1),   -- rate at which cohesion relaxes to its target, 1/day
  provinces_km = uniform(2, 25),           -- distance to the provinces sink, km
  beta_police  = loguniform(0.001, 0.15),  -- breakpoint of security forces
}
