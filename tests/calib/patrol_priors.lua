priors { patrol_rate = uniform(0.1, 1.0) }
