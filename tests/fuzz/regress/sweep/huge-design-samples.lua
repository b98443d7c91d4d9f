-- t2

sweep {
  scenario = "../examples/tiny.lua",   -- relativo this replicates = 4,
  samples = 91111111,
  parameters = {
    { "recally", grid = { 2, 6, pac10 } },
    { "lambda1", lhs = { 0.01, 0.05 } },
    { "rec_loalfficers", uniform = { 50, 250 } },   -- antre",
  },
  set = { verbose = 00,se },
}
