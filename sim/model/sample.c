/* sample.c: periodic sampling. Every sample_every days (t = 0 included) the
** model fills one row of every trajectory and hands it to the sink. The
** variable table below is the whole list; the writer knows nothing else. */
#include "model_int.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

enum {
  V_CITY_RESIDENTS, V_CITY_DISPLACED, V_CITY_HOSTED, V_CITY_SITES, V_CITY_RETURNED, V_CITY_TRANSIT, V_CITY_PROVINCES,
  V_CITY_CIV_DEAD, V_CITY_SHARE_NODES, V_CITY_SHARE_POP, V_CITY_OFFICERS, V_CITY_PROTECTION, V_CITY_OFF_DEAD, V_CITY_OFF_DESERTED, V_CITY_MEMBERS, V_CITY_RECRUITED,
  V_OWNER, V_RESIDENTS, V_HOSTED, V_SITE, V_ORIGIN, V_DEATHS, V_CIV_DEAD, V_OFFICERS, V_PRESENT, V_INTENSITY, V_MEDIA, V_BRIGADE, V_STATE_SHARE, V_GANG_SHARE,
  V_G_MEMBERS, V_G_NODES, V_G_JAILED, V_G_DEAD, V_G_RECRUITS, V_G_CHI, V_G_THETA, V_G_ACTIVE,
  V_COUNT
};

static const cs_var VARS[V_COUNT] = {
  {"city_residents", "persons", "residents in their home neighbourhood, whole city", CS_DIM_CITY, 1},
  {"city_displaced", "persons", "displaced people: hosted in the city, in transit and in the provinces", CS_DIM_CITY, 1},
  {"city_displaced_hosted", "persons", "displaced people hosted in a city neighbourhood", CS_DIM_CITY, 1},
  {"city_displaced_in_sites", "persons", "displaced people in displacement sites in the city", CS_DIM_CITY, 1},
  {"city_returned", "persons", "displaced people who went home since t = 0 (cumulative)", CS_DIM_CITY, 1},
  {"city_in_transit", "persons", "displaced people on the road", CS_DIM_CITY, 1},
  {"city_displaced_provinces", "persons", "displaced people gone to the PROVINCES sink outside the city", CS_DIM_CITY, 1},
  {"city_civilian_deaths", "persons", "civilians killed since t = 0 (cumulative)", CS_DIM_CITY, 1},
  {"city_gang_share_nodes", "1", "share of neighbourhoods held by a gang", CS_DIM_CITY, 0},
  {"city_gang_share_population", "1", "share of the initial population living in gang-held neighbourhoods", CS_DIM_CITY, 0},
  {"city_officers", "persons", "security officers in all units (on the map, on the road or on protection duty)", CS_DIM_CITY, 1},
  {"city_protection_officers", "persons", "officers on protection duty (off the map): a recall opens a protection gap", CS_DIM_CITY, 1},
  {"city_officers_dead", "persons", "security officers killed since t = 0 (cumulative)", CS_DIM_CITY, 1},
  {"city_officers_deserted", "persons", "security officers who deserted since t = 0 (cumulative)", CS_DIM_CITY, 1},
  {"city_gang_members", "persons", "active gang members, all gangs", CS_DIM_CITY, 1},
  {"city_recruited", "persons", "residents recruited into gangs since t = 0 (cumulative)", CS_DIM_CITY, 1},
  {"owner", "party", "who holds the neighbourhood: an index into the party coordinate", CS_DIM_NODE, 1},
  {"residents", "persons", "residents in their home neighbourhood", CS_DIM_NODE, 1},
  {"displaced_hosted", "persons", "displaced people now hosted in this neighbourhood (from anywhere)", CS_DIM_NODE, 1},
  {"displaced_in_sites", "persons", "displaced people now in displacement sites in this neighbourhood", CS_DIM_NODE, 1},
  {"displaced_origin", "persons", "people from this neighbourhood now displaced (anywhere)", CS_DIM_NODE, 1},
  {"deaths", "persons", "all deaths in engagements here since t = 0: combatants and civilians (cumulative)", CS_DIM_NODE, 1},
  {"civilian_deaths", "persons", "civilians killed here since t = 0 (cumulative)", CS_DIM_NODE, 1},
  {"officers", "persons", "security officers of units stationed here", CS_DIM_NODE, 1},
  {"gang_members_present", "persons", "members of the holding gang here: its members spread evenly over the nodes it holds", CS_DIM_NODE, 1},
  {"intensity", "1", "violence intensity I (decaying sum of deaths + 1 per event, time constant tau_I)", CS_DIM_NODE, 0},
  {"media_reach", "1", "media reach r: the chance a witness's report gets out (drops when journalists are threatened)", CS_DIM_NODE, 0},
  {"brigade", "persons", "residents who defend the neighbourhood (0 where a gang holds it): vigilante_share of residents, or the self-defence brigade when brigade_model is grown", CS_DIM_NODE, 0},
  {"state_share", "1", "share of the neighbourhood the state controls: 1 or 0 (the owner) with control_model whole, its control share with shares", CS_DIM_NODE, 0},
  {"gang_share", "1", "largest share of the neighbourhood one gang controls: 1 or 0 (the owner) with control_model whole, the largest gang's control share with shares", CS_DIM_NODE, 0},
  {"gang_members", "persons", "active members of the gang", CS_DIM_GANG, 1},
  {"gang_nodes", "nodes", "neighbourhoods the gang holds", CS_DIM_GANG, 1},
  {"gang_jailed", "persons", "members of the gang in prison", CS_DIM_GANG, 1},
  {"gang_dead", "persons", "members of the gang killed since t = 0 (cumulative)", CS_DIM_GANG, 1},
  {"gang_recruits", "persons", "residents the gang recruited since t = 0 (cumulative)", CS_DIM_GANG, 1},
  {"coalition_cohesion", "1", "cohesion chi of the gang's coalition (NaN if it has none)", CS_DIM_GANG, 0},
  {"coalition_threat", "1", "threat Theta faced by the gang's coalition at its last update (NaN if none)", CS_DIM_GANG, 0},
  {"coalition_formed", "1", "1 if the gang's coalition is formed, else 0", CS_DIM_GANG, 1},
};

const cs_var *cs_world_vars(int *n) {
  if (n) *n = V_COUNT;
  return VARS;
}

int cs_var_is_code(const cs_var *v) { return !strcmp(v->units, "party"); }

/* Layout of sample_buf: one slot of max(n, n_gangs, 1) 8-byte values per variable. */
static size_t slot_len(const cs_world *w) {
  size_t m = (size_t)w->n > (size_t)w->n_gangs ? (size_t)w->n : (size_t)w->n_gangs;
  return m > 0 ? m : 1;
}

int cs_sample_on_event(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  double t = cs_engine_now(e);
#ifdef CS_DEBUG
  cs__check_world_or_abort(w);
#endif
  size_t L = slot_len(w);
  if (!w->sample_buf && !(w->sample_buf = malloc(V_COUNT * L * 8)))
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory sampling");
  int64_t *I[V_COUNT];
  double *D[V_COUNT];
  const void *data[V_COUNT];
  for (int v = 0; v < V_COUNT; v++) {
    I[v] = (int64_t *)((char *)w->sample_buf + (size_t)v * L * 8);
    D[v] = (double *)I[v];
    data[v] = I[v];
  }
  int64_t res = 0, hosted = 0, officers = 0, members = 0, sites = 0;
  for (int j = 0; j < w->n; j++) {
    int o = w->owner[j];
    I[V_OWNER][j] = o;
    I[V_RESIDENTS][j] = w->residents[j];
    I[V_HOSTED][j] = w->hosted[j];
    I[V_SITE][j] = w->hosted_site ? w->hosted_site[j] : 0;
    sites += I[V_SITE][j];
    I[V_ORIGIN][j] = w->origin_disp[j];
    I[V_DEATHS][j] = w->deaths[j];
    I[V_CIV_DEAD][j] = w->civ_dead[j];
    I[V_OFFICERS][j] = w->off_n[j];
    const cs_gang_s *og = CS_PARTY_IS_GANG(o) ? &w->gangs[CS_PARTY_GANG_INDEX(o)] : NULL;
    I[V_PRESENT][j] = og && og->held > 0 ? og->members / og->held : 0;
    D[V_INTENSITY][j] = cs__intensity(w, j, t);
    D[V_MEDIA][j] = cs_observe_media(w, j, t);
    D[V_BRIGADE][j] = CS_PARTY_IS_GANG(o) ? 0 : cs_brigade_defenders(w, j, t);
    D[V_STATE_SHARE][j] = cs_control_share(w, j, CS_PARTY_STATE);
    D[V_GANG_SHARE][j] = cs_control_top(w, j, 1);
    res += w->residents[j];
    hosted += w->hosted[j];
  }
  int64_t protection = 0;
  for (int u = 0; u < w->n_units; u++) {
    officers += w->units[u].officers;
    if (w->units[u].kind == CS_UNIT_PROTECTION && w->units[u].loc == CS_NODE_NONE) protection += w->units[u].officers;
  }
  for (int g = 0; g < w->n_gangs; g++) {
    I[V_G_MEMBERS][g] = w->gangs[g].members;
    I[V_G_NODES][g] = w->gangs[g].held;
    I[V_G_JAILED][g] = w->gangs[g].jailed;
    I[V_G_DEAD][g] = w->gangs[g].dead;
    I[V_G_RECRUITS][g] = w->gangs[g].recruits;
    int c = w->gangs[g].coalition;
    D[V_G_CHI][g] = c >= 0 ? w->coal[c].chi : NAN;
    D[V_G_THETA][g] = c >= 0 ? w->coal[c].theta : NAN;
    I[V_G_ACTIVE][g] = c >= 0 && w->coal[c].active;
    members += w->gangs[g].members;
  }
  I[V_CITY_RESIDENTS][0] = res;
  I[V_CITY_DISPLACED][0] = hosted + w->in_transit + w->provinces;
  I[V_CITY_HOSTED][0] = hosted;
  I[V_CITY_SITES][0] = sites;
  I[V_CITY_RETURNED][0] = w->returned;
  I[V_CITY_TRANSIT][0] = w->in_transit;
  I[V_CITY_PROVINCES][0] = w->provinces;
  I[V_CITY_CIV_DEAD][0] = w->civ_dead_total;
  D[V_CITY_SHARE_NODES][0] = cs_world_gang_share(w, 0);
  D[V_CITY_SHARE_POP][0] = cs_world_gang_share(w, 1);
  I[V_CITY_OFFICERS][0] = officers;
  I[V_CITY_OFF_DEAD][0] = w->officers_dead;
  I[V_CITY_OFF_DESERTED][0] = w->officers_deserted;
  I[V_CITY_PROTECTION][0] = protection;
  I[V_CITY_MEMBERS][0] = members;
  I[V_CITY_RECRUITED][0] = w->recruited;

  cs_sample s = {t, ev->a, VARS, V_COUNT, data};
  int rc = w->sink && w->sink->sample ? w->sink->sample(w->sink->ud, &s) : CS_OK;
  if (rc != CS_OK) return rc;
  int next = ev->a + 1;
  if (next < w->n_samples) {
    cs_event nx = {.kind = EV_SAMPLE, .a = next};
    rc = cs_engine_schedule(e, cs_sample_time(next, w->sample_every, w->days), PRIO_SAMPLE, &nx, NULL);
    if (rc != CS_OK) return cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(e)));
  }
  return CS_OK;
}

void cs_sample_free(cs_world *w) {
  free(w->sample_buf);
  w->sample_buf = NULL;
}
