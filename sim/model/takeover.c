/* takeover.c: a node changes hands. Keeps the frontier counts (own_cnt) and
** the gangs' held counts right, records the time (which starts the flight
** pulse, h_T for tau_T days), and sends the units at the node back to the
** nearest STATE node when a gang takes it (when the state takes it, its
** units are the winners and stay; with control_model "shares" a node may
** also become CONTESTED, and its units stay). The rates the change touches are
** redrawn by the caller through notify.c. */
#include "model_int.h"

void cs_takeover_count(cs_world *w, int j, int party, int delta) {
  if (!CS_PARTY_IS_GANG(party)) return;
  int g = CS_PARTY_GANG_INDEX(party);
  w->gangs[g].held += delta;
  int *cnt = &w->own_cnt[(size_t)g * w->n];
  for (int k = w->adj_start[j]; k < w->adj_start[j + 1]; k++) cnt[w->adj_node[k]] += delta;
}

int cs_takeover(cs_world *w, int j, int to) {
  int from = w->owner[j], rc;
  if (from == to) return CS_OK;
  cs_takeover_count(w, j, from, -1);
  w->owner[j] = to;
  cs_takeover_count(w, j, to, +1);
  w->t_takeover[j] = cs__now(w);
  if ((rc = cs_reach_takeover(w, j, from, to)) != CS_OK) return rc; /* reach "territory" */
  /* a node left CONTESTED (control_model "shares") keeps its units */
  if (CS_PARTY_IS_GANG(to) && (rc = cs_security_fall_back(w, j)) != CS_OK) return rc;
  return CS_OK;
}
