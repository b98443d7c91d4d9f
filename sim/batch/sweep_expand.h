/* sweep_expand.h: growing a finished sweep (`conflictsim sweep BIG.lua
** --expand OLD.h5`), for sim/ only.
**
** A bigger sweep BIG keeps the runs of a finished sweep file OLD (a whole
** file, a merged one or a shard) when OLD's sweep is BIG with fewer
** replicates per point or fewer design points:
** - the same scenario (SHA-256, and that of its modules and data files), the
**   same conflictsim version, master seed, `set` table, metrics (names, in
**   order; a Lua metric's units), trajectories and swept parameters (names,
**   in order);
** - replicates(OLD) <= replicates(BIG); the same --branch-at (or none in
**   both) and branches(OLD) <= branches(BIG);
** - every design point of OLD is a design point of BIG with bit-identical
**   values (grid values added, or design points appended; a random design
**   with more samples draws other values and is refused).
** Run k_old = p_old * R_old + r of OLD is then run p_new * R_new + r of BIG,
** where p_new is the point of BIG with p_old's values (branched: run
** (p_old R_old + r) K_old + b is (p_new R_new + r) K_new + b): the same scenario,
** overrides and streams (seed, r), so the same record. Only completed runs
** are kept: a run that failed is run again (its message names its run and
** point numbers, which change). As a guard against what the checks cannot
** see (a Lua metric's code), the first kept run is run again and its record
** must equal OLD's bit for bit.
** Invariant: the file BIG writes equals, byte for byte, BIG run from scratch,
** because the journal then holds exactly the records BIG's own runs give. */
#ifndef CS_SWEEP_EXPAND_H
#define CS_SWEEP_EXPAND_H

#include "sweep_journal.h"

/* Check that the sweep file `from` can be grown into sw (the rules above,
** including the re-run of its first kept run in this process); with j
** (the journal of shard (j->index, j->count) of sw), also append every kept
** run of that shard that j lacks, counting them in *kept. Nothing is
** written when j is NULL or on an error before the copy. CS_EINVAL with a
** message naming `from` and what differs if it is not a smaller sweep of
** sw; CS_EIO if it cannot be read. */
int cs_sweep_expand(cs_ctx *ctx, const cs_sweep *sw, const char *from, cs_journal *j, uint64_t *kept);

#endif
