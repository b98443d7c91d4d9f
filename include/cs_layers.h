/* cs_layers.h: the layers of conflictsim, lowest first. Each library is
** compiled with CS_LAYER set to its own number (CMakeLists.txt), and the public
** header of a layer refuses, with #error, to be included from a layer that
** may not know it. Lua and HDF5 headers need no guard: their include paths
** are given only to the layers that use them (script, and io/batch/cli).
**
**   engine  <- model <- script
**                    <- io      <- batch <- cli
**
** Code outside the libraries (tests, benchmarks) leaves CS_LAYER undefined. */
#ifndef CS_LAYERS_H
#define CS_LAYERS_H

#define CS_LAYER_ENGINE 1 /* sim/engine: clock, event queue, streams */
#define CS_LAYER_MODEL 2  /* sim/model: the world and its processes, plain C */
#define CS_LAYER_SCRIPT 3 /* sim/script: the Lua sandbox and the scenario API */
#define CS_LAYER_IO 4     /* sim/io: HDF5 files */
#define CS_LAYER_BATCH 5  /* sim/batch: sweeps, comparisons, statistics */
#define CS_LAYER_CLI 6    /* sim/cli: the conflictsim executable */

#endif
