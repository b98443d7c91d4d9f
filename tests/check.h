/* check.h: a minimal test harness. CHECK(cond) records a failure with its
** location and goes on; CHECK_NEAR(a, b, tol) compares doubles; the test's
** main ends with `return check_report();`. */
#ifndef CS_CHECK_H
#define CS_CHECK_H

#include <math.h>
#include <stdio.h>

static int check_failures_ = 0;
static int check_count_ = 0;

#define CHECK(cond)                                                              \
  do {                                                                           \
    check_count_++;                                                              \
    if (!(cond)) {                                                               \
      check_failures_++;                                                         \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond);   \
    }                                                                            \
  } while (0)

#define CHECK_NEAR(a, b, tol)                                                    \
  do {                                                                           \
    double ca_ = (double)(a), cb_ = (double)(b), ct_ = (double)(tol);            \
    check_count_++;                                                              \
    if (!(fabs(ca_ - cb_) <= ct_)) {                                             \
      check_failures_++;                                                         \
      fprintf(stderr, "%s:%d: %s = %.10g, expected %s = %.10g within %.3g\n",    \
              __FILE__, __LINE__, #a, ca_, #b, cb_, ct_);                        \
    }                                                                            \
  } while (0)

static int check_report(void) {
  fprintf(stderr, "%d checks, %d failed\n", check_count_, check_failures_);
  return check_failures_ ? 1 : 0;
}

#endif
