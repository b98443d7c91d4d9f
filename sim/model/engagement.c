/* engagement.c: an engagement at a node, from the forces that meet to its
** aftermath (sim/README.md, engagement.c and lanchester.c).
**
** Forces. A gang g attacking node j commits A0 = phi * R_g(j) fighters of
** lethality q_g (Sa = q_g A0), R_g(j) its members weighted by their distance
** to j, exp(-d / ell) (reach.c: all at its base, version 1; all at the
** nearest node it holds; or spread over the nodes it holds); in a joint
** offensive its coalition partners add theirs (joint.c). The defenders are the
** officers of the units at j, the holding gang's committed fighters by the
** same reach rule, and, at a STATE or CONTESTED node, vigilantes
** (vigilante_share of the residents, or the self-defence brigade of
** brigade.c; lethality_vigilante); the node's
** fortification F multiplies their lethality: Sd = F * (sum of headcount *
** lethality), aD = Sd / D0. In a police operation (attacker CS_PARTY_STATE)
** the officers at j attack the holding gang's fighters, and the gang's fire
** on them is divided by police_armour (armoured vehicles and cover: the HNP's
** specialised units raid in armoured cars), which lowers both the gang's
** chance to hold (p) and the officers' losses per gang loss; 1 (the
** default) is version 1's fight.
**
** Resolution, chosen per kind of engagement by the string parameters
** engagement_state (gang on a STATE or CONTESTED node), engagement_rival
** (gang on gang) and engagement_police (police operation):
** - "fast": the attacker wins with p = Sa^m / (Sa^m + Sd^m) (contest success
**   function). Losses are the expected ones of a square-law fight run until
**   the loser has lost its breakpoint share of its strength (the invariant
**   aA A^2 - aD D^2 gives the winner's losses in closed form), capped at the
**   winner's own breakpoint; stochastic rounding makes them integers. It
**   takes no time.
** - "square", "linear": the stochastic Lanchester chain of lanchester.c with
**   integer forces (rounded), the two breakpoints and time limit T_max. A fight
**   that reaches T_max changes no owner. Its effects land when it ends.
** Frontage (frontage W > 0): of the committed forces, at most W a side are
** in contact at once (Ae = min(A0, W), De = min(D0, W)); the casualties are
** theirs. In fast mode the winner is still drawn from the whole forces' p
** (those behind the front relieve it and decide who can hold), and the
** losses above are computed on Ae and De; the chain modes fight Ae against
** De. Who is exposed to the fight (exposure.c) is still A0 + D0.
** Breakpoints: gang fighters and vigilantes break at beta, officers (police,
** army, international) at beta_police; a defence of several kinds breaks at
** their headcount-weighted mean. The usual rule has a single beta; beta_police
** (default equal to beta's) lets a scenario say that police units withdraw
** after lighter losses than gangs.
** Civilian deaths are c_civ per combatant death, at most the residents.
** Defender losses fall on officers, vigilantes and the holding gang in
** proportion to their headcounts (vigilantes are residents: their deaths are
** civilian deaths). Draws come from the node's engagement stream.
**
** While a timed engagement is under way at a node, no other starts there.
**
** Aftermath (cs_engagement_finish): the attacker takes the node if it won
** (a police win returns it to the STATE; with control_model "shares" the
** winner takes part of the loser's share and the node changes hands only if
** its majority holder changes: control.c); a beaten police force falls back;
** intra-coalition incidents and retaliation urges are recorded; the node's
** violence intensity rises by deaths + 1; a police response is called when a
** STATE node is lost or a node of value >= V_c is attacked; the log gets an
** engagement record and, if the node changed hands, a takeover record right
** after it; rows the aftermath logs (units falling back, a recall by the
** recall rule) are held and follow them (cs__log_hold). */
#include "model_int.h"

#include <assert.h>
#include <math.h>
#include <stdlib.h>

#include "lanchester.h"

void cs_engagement_forces(const cs_world *w, int attacker, int j, cs_engagement *en) {
  int owner = w->owner[j];
  double off_n = (double)cs_security_officers_at(w, j), off_s = cs_security_strength_at(w, j);
  double gn = 0, gs = 0, vn = 0, vs = 0;
  if (CS_PARTY_IS_GANG(owner)) {
    const cs_gang_s *o = &w->gangs[CS_PARTY_GANG_INDEX(owner)];
    gn = cs_reach_fighters(w, CS_PARTY_GANG_INDEX(owner), j);
    gs = gn * o->q;
  } else {
    vn = cs_brigade_defenders(w, j, cs__now(w)); /* v1 vigilantes, or the grown brigade */
    vs = vn * PV(w, P_LETH_VIG);
  }
  double beta = PV(w, P_BETA), beta_p = PV(w, P_BETA_POLICE);
  en->attacker = attacker;
  en->node = j;
  if (attacker == CS_PARTY_STATE) { /* police operation: officers against the gang */
    en->bA = beta_p;
    en->bD = beta;
    en->A0 = off_n;
    en->aA = off_n > 0 ? off_s / off_n : 0;
    en->joint_n = 0;
    en->off_n = 0;
    en->vig_n = 0;
    en->gang_n = gn;
    en->D0 = gn;
    en->Sd = w->fort[j] * gs / PV(w, P_POLICE_ARMOUR); /* armour: the gang's fire tells less */
    en->mode = cs_params_mode(w, P_MODE_POLICE);
  } else {
    int g = CS_PARTY_GANG_INDEX(attacker);
    const cs_gang_s *gg = &w->gangs[g];
    double own = cs_reach_fighters(w, g, j), jn, js, cn, cs;
    cs_cover_forces(w, j, &cn, &cs); /* officers of nearby STATE nodes (cover.c); 0 in version 1 */
    if (cn > 0) {
      off_n += cn;
      off_s += cs;
    }
    cs_joint_forces(w, g, j, &jn, &js); /* partners' fighters in a joint offensive; 0 in version 1 */
    en->joint_n = jn;
    en->A0 = own + jn;
    en->aA = jn > 0 ? (own * gg->q + js) / en->A0 : gg->q; /* without partners exactly q, as in version 1 */
    en->off_n = off_n;
    en->gang_n = gn;
    en->vig_n = vn;
    en->D0 = off_n + gn + vn;
    en->Sd = w->fort[j] * (off_s + gs + vs);
    en->bA = beta;
    /* a mixed defence breaks at its kinds' breakpoints weighted by headcount
    ** (computed only when they differ: a mean of equal shares can round away
    ** from them) */
    en->bD = beta_p != beta && en->D0 > 0 ? (off_n * beta_p + (gn + vn) * beta) / en->D0 : beta;
    en->mode = cs_params_mode(w, CS_PARTY_IS_GANG(owner) ? P_MODE_RIVAL : P_MODE_STATE);
  }
  en->Sa = en->aA * en->A0;
  en->aD = en->D0 > 0 ? en->Sd / en->D0 : 0;
  double front = PV(w, P_FRONTAGE);
  en->Ae = front > 0 && en->A0 > front ? front : en->A0;
  en->De = front > 0 && en->D0 > front ? front : en->D0;
  double m = PV(w, P_M);
  if (en->Sa <= 0) en->p = 0;
  else if (en->Sd <= 0) en->p = 1;
  else en->p = 1.0 / (1.0 + pow(en->Sd / en->Sa, m));
  en->outcome = 0;
  en->att_deaths = en->def_deaths = en->civ_deaths = 0;
  en->duration = 0;
}

/* Winner's expected losses while the loser goes from L0 to (1 - bL) L0,
** capped at its own breakpoint bW. */
static double winner_losses(double W0, double aW, double bW, double L0, double aL, double bL) {
  double cap = bW * W0;
  if (aW <= 0) return cap;
  double L1 = (1 - bL) * L0;
  double rest = W0 * W0 - (aL / aW) * (L0 * L0 - L1 * L1);
  if (rest <= 0) return cap;
  double loss = W0 - sqrt(rest);
  return loss < cap ? loss : cap;
}

void cs_engagement_fast(const cs_world *w, cs_pcg32 *r, cs_engagement *en, int64_t residents) {
  double la, ld;
  int won = cs_rng_bernoulli(r, en->p);
  en->outcome = won ? 1 : -1;
  if (won) {
    ld = en->bD * en->De;
    la = winner_losses(en->Ae, en->aA, en->bA, en->De, en->aD, en->bD);
  } else {
    la = en->bA * en->Ae;
    ld = winner_losses(en->De, en->aD, en->bD, en->Ae, en->aA, en->bA);
  }
  en->att_deaths = cs_rng_round(r, la);
  en->def_deaths = cs_rng_round(r, ld);
  int64_t civ = cs_rng_round(r, PV(w, P_C_CIV) * (double)(en->att_deaths + en->def_deaths));
  en->civ_deaths = civ < residents ? civ : residents;
  en->duration = 0;
}

static int chain(cs_world *w, cs_pcg32 *r, cs_engagement *en) {
  cs_lanchester_in in = {0};
  in.A0 = llround(en->Ae); /* the fighters in contact fight the chain (frontage) */
  in.D0 = llround(en->De);
  in.aA = en->aA;
  in.aD = en->aD;
  in.law = en->mode == CS_MODE_LINEAR ? CS_LAW_LINEAR : CS_LAW_SQUARE;
  in.beta_A = en->bA;
  in.beta_D = en->bD;
  in.t_max = PV(w, P_T_MAX);
  cs_lanchester_out out;
  int rc = cs_lanchester_run(&w->ctx, r, &in, &out);
  if (rc != CS_OK) return rc;
  en->outcome = out.outcome;
  en->att_deaths = out.A_loss;
  en->def_deaths = out.D_loss;
  en->duration = out.duration;
  int64_t civ = cs_rng_round(r, PV(w, P_C_CIV) * (double)(out.A_loss + out.D_loss));
  en->civ_deaths = civ < w->residents[en->node] ? civ : w->residents[en->node];
  return CS_OK;
}

static int64_t gang_losses(cs_world *w, int g, int64_t n) {
  cs_gang_s *gg = &w->gangs[g];
  if (n > gg->members) n = gg->members;
  if (n < 0) n = 0;
  gg->members -= n;
  gg->dead += n;
  return n;
}

static int64_t civilian_losses(cs_world *w, int j, int64_t n) {
  if (n > w->residents[j]) n = w->residents[j];
  w->residents[j] -= n;
  w->civ_dead[j] += n;
  w->civ_dead_total += n;
  return n;
}

/* Apply the losses of en in the state as it is now; returns all deaths. */
static int64_t apply_losses(cs_world *w, const cs_engagement *en) {
  int j = en->node, owner = w->owner[j];
  int64_t dead = 0;
  if (en->attacker == CS_PARTY_STATE) {
    int64_t off = en->att_deaths < cs_security_officers_at(w, j) ? en->att_deaths : cs_security_officers_at(w, j);
    cs_security_casualties(w, j, off);
    dead += off;
    if (CS_PARTY_IS_GANG(owner)) dead += gang_losses(w, CS_PARTY_GANG_INDEX(owner), en->def_deaths);
  } else {
    /* on the attacker, and on its partners in a joint offensive (joint.c) */
    dead += cs_joint_losses(w, CS_PARTY_GANG_INDEX(en->attacker), j, en->att_deaths, en->A0 - en->joint_n, en->joint_n,
                            gang_losses);
    if (en->D0 > 0 && en->def_deaths > 0) {
      /* by headcount: officers, then vigilantes, the rest on the holding gang */
      int64_t off = (int64_t)floor((double)en->def_deaths * en->off_n / en->D0 + 0.5);
      int64_t vig = (int64_t)floor((double)en->def_deaths * en->vig_n / en->D0 + 0.5);
      if (off > en->def_deaths) off = en->def_deaths;
      off = cs_cover_losses(w, j, off); /* on the officers at j, and on those covering it (cover.c) */
      if (vig > en->def_deaths - off) vig = en->def_deaths - off;
      dead += off + civilian_losses(w, j, vig);
      if (CS_PARTY_IS_GANG(owner)) dead += gang_losses(w, CS_PARTY_GANG_INDEX(owner), en->def_deaths - off - vig);
    }
  }
  dead += civilian_losses(w, j, en->civ_deaths);
  w->deaths[j] += dead;
  return dead;
}

/* Everything an engagement changes, in this order; returns its deaths in
** *dead. Rows logged meanwhile (units falling back, a recall) are held by
** the caller and come after the engagement's own. */
static int aftermath(cs_world *w, const cs_engagement *en, int from, int ag, int og, int *to, int64_t *dead) {
  int j = en->node, att = en->attacker, rc;
  double t = cs__now(w);
  *dead = apply_losses(w, en);
  cs__intensity_add(w, j, t, (double)*dead + 1.0);
  cs_observe_threat(w, j);
  if (ag >= 0 && og >= 0) cs_coalition_incident(w, ag, og);
  double moved;
  if ((rc = cs_control_settle(w, en, from, to, &moved)) != CS_OK) return rc; /* version 1: a win hands over j */
  if (*to != from && (rc = cs_takeover(w, j, *to)) != CS_OK) return rc;
  if ((rc = cs_exposure_engagement(w, j, *dead, *to != from, moved, en->A0 + en->D0)) != CS_OK) return rc;
  if (att == CS_PARTY_STATE && en->outcome < 0 && (rc = cs_security_fall_back(w, j)) != CS_OK) return rc;
  if ((rc = cs_notify_engagement_over(w, j, from, w->owner[j], ag, og)) != CS_OK) return rc;
  if (ag >= 0 && og >= 0 && (rc = cs_retaliate_excite(w, og, ag)) != CS_OK) return rc;
  if (ag >= 0 && ((*to != from && from == CS_PARTY_STATE) || w->value[j] >= PV(w, P_V_C)))
    if ((rc = cs_response_call(w, j)) != CS_OK) return rc;
  return CS_OK;
}

/* The engagement row, then its takeover row, then whatever its aftermath
** logged: a takeover row always follows its engagement row directly. */
int cs_engagement_finish(cs_world *w, const cs_engagement *en) {
  int j = en->node, from = w->owner[j], att = en->attacker;
  double t = cs__now(w);
  int ag = CS_PARTY_IS_GANG(att) ? CS_PARTY_GANG_INDEX(att) : -1;
  int og = CS_PARTY_IS_GANG(from) ? CS_PARTY_GANG_INDEX(from) : -1;
  int to = from;
  int64_t dead = 0;
  cs__log_hold(w);
  int rc = aftermath(w, en, from, ag, og, &to, &dead);
  cs_event_rec rows[2] = {{t, CS_EK_ENGAGEMENT, j, att, from, dead, 0, 0, NAN, -1},
                          {t, CS_EK_TAKEOVER, j, to, from, 0, 0, 0, NAN, -1}};
  if (rc != CS_OK) {
    w->held_on = 0; /* the run ends with rc: the held rows are dropped */
    w->n_held = 0;
    return rc;
  }
  return cs__log_release(w, rows, to != from ? 2 : 1);
}

int cs_engagement_begin(cs_world *w, int attacker, int j) {
  double t = cs__now(w);
  if (t < w->engaged_until[j]) return CS_OK; /* one fight at a time per node */
  cs_engagement en;
  cs_engagement_forces(w, attacker, j, &en);
  if (en.mode == CS_MODE_FAST) {
    cs_engagement_fast(w, &w->engage_rng[j], &en, w->residents[j]);
    return cs_engagement_finish(w, &en);
  }
  int rc = chain(w, &w->engage_rng[j], &en);
  if (rc != CS_OK) return rc;
  if (en.duration <= 0) return cs_engagement_finish(w, &en);
  w->engaged_until[j] = t + en.duration;
  w->pending[j] = en;
  cs_event ev = {.kind = EV_ENGAGE_END, .a = j};
  rc = cs_engine_schedule(w->eng, t + en.duration, PRIO_PROCESS, &ev, NULL);
  return rc == CS_OK ? CS_OK : cs_err(&w->ctx, rc, "%s", cs_errmsg(cs_engine_ctx(w->eng)));
}

int cs_engagement_on_end(cs_engine *e, const cs_event *ev, void *ud) {
  cs_world *w = ud;
  int j = ev->a;
  cs_engagement en = w->pending[j];
  assert(w->engaged_until[j] == cs_engine_now(e) && "an engagement ends when it said it would");
  w->engaged_until[j] = -INFINITY;
  /* The attacker may have lost the means to win meanwhile (a gang wiped out,
  ** a police force gone): the fight then ends without a change of hands. */
  if (en.attacker == CS_PARTY_STATE ? cs_security_officers_at(w, j) == 0
                                    : w->gangs[CS_PARTY_GANG_INDEX(en.attacker)].members == 0)
    if (en.outcome > 0) en.outcome = 0;
  return cs_engagement_finish(w, &en);
}

int cs_engagement_alloc(cs_world *w) {
  size_t n = (size_t)w->n;
  w->engage_rng = calloc(n + 1, sizeof *w->engage_rng);
  w->engaged_until = malloc((n + 1) * sizeof *w->engaged_until);
  w->pending = calloc(n + 1, sizeof *w->pending);
  w->joint_x = calloc((size_t)w->n_gangs + 1, sizeof *w->joint_x); /* joint.c's scratch */
  if (cs_cover_alloc(w) != CS_OK) return CS_ENOMEM;                /* cover.c's scratch */
  w->joint_d = calloc((size_t)w->n_gangs + 1, sizeof *w->joint_d);
  if (!w->engage_rng || !w->engaged_until || !w->pending || !w->joint_x || !w->joint_d)
    return cs_err(&w->ctx, CS_ENOMEM, "out of memory starting the run");
  for (size_t j = 0; j < n; j++) w->engaged_until[j] = -INFINITY;
  return CS_OK;
}

void cs_engagement_start(cs_world *w) {
  for (int j = 0; j < w->n; j++)
    cs__stream(w, &w->engage_rng[j], CS_ENT_NODE, (uint64_t)j, PU_ENGAGE);
}

void cs_engagement_free(cs_world *w) {
  free(w->engage_rng);
  free(w->engaged_until);
  free(w->pending);
  free(w->joint_x);
  free(w->joint_d);
  cs_cover_free(w);
  w->joint_x = NULL;
  w->joint_d = NULL;
  w->engage_rng = NULL;
  w->engaged_until = NULL;
  w->pending = NULL;
}
