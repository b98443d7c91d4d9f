/* replay.c: run a fuzz target's function over files, without libFuzzer, so
** that ctest replays the seeds and every crash ever found (tests/fuzz/regress/
** TARGET/) in the normal and the sanitizer builds. Arguments are files or
** directories (their regular files, sorted by name). A crash or sanitizer
** report fails the test; the function's own checks abort on a finding. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replay_file(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) {
    fprintf(stderr, "replay: cannot open %s\n", path);
    return 1;
  }
  size_t cap = 1 << 16, n = 0;
  uint8_t *buf = malloc(cap);
  while (buf) {
    n += fread(buf + n, 1, cap - n, f);
    if (n < cap) break;
    uint8_t *nb = realloc(buf, cap *= 2);
    if (!nb) free(buf);
    buf = nb;
  }
  fclose(f);
  if (!buf) return 1;
  LLVMFuzzerTestOneInput(buf, n);
  free(buf);
  fprintf(stderr, "replayed %s (%zu bytes)\n", path, n);
  return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b) { return strcmp((*a)->d_name, (*b)->d_name); }

int main(int argc, char **argv) {
  int bad = 0, files = 0;
  for (int i = 1; i < argc; i++) {
    struct stat st;
    if (stat(argv[i], &st) != 0) continue; /* a directory not there yet */
    if (!S_ISDIR(st.st_mode)) {
      bad |= replay_file(argv[i]);
      files++;
      continue;
    }
    struct dirent **ents = NULL;
    int k = scandir(argv[i], &ents, NULL, by_name);
    for (int j = 0; j < k; j++) {
      char p[4096];
      snprintf(p, sizeof p, "%s/%s", argv[i], ents[j]->d_name);
      if (stat(p, &st) == 0 && S_ISREG(st.st_mode)) {
        bad |= replay_file(p);
        files++;
      }
      free(ents[j]);
    }
    free(ents);
  }
  fprintf(stderr, "%d files replayed\n", files);
  return bad || files == 0;
}
