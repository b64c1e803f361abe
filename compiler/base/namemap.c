/* compiler/base/namemap.c — see NameMap in base.h. */
#include <stdlib.h>
#include <string.h>

#include "base.h"

/* FNV-1a of a NUL-terminated string. */
static uint64_t hash_str(const char *s) {
  uint64_t h = 1469598103934665603ull;
  for (; *s; s++) h = (h ^ (uint8_t)*s) * 1099511628211ull;
  return h;
}

void namemap_init(NameMap *m, size_t expect) {
  size_t cap = 64;
  while (cap < expect * 2 + 16 && cap < ((size_t)1 << 40)) cap *= 2;
  m->key = calloc(cap, sizeof *m->key);
  m->val = calloc(cap, sizeof *m->val);
  if (!m->key || !m->val) base__assert_fail(__FILE__, __LINE__, "out of memory");
  m->cap = cap;
  m->n = 0;
}

void namemap_free(NameMap *m) {
  free(m->key);
  free(m->val);
  m->key = NULL;
  m->val = NULL;
  m->cap = m->n = 0;
}

int namemap_get(const NameMap *m, const char *name) {
  if (!m->cap) return -1;
  for (size_t i = hash_str(name) & (m->cap - 1);; i = (i + 1) & (m->cap - 1)) {
    if (!m->key[i]) return -1;
    if (strcmp(m->key[i], name) == 0) return m->val[i];
  }
}

void namemap_put(NameMap *m, const char *name, int val) {
  if (!m->cap) namemap_init(m, 16);
  if ((m->n + 1) * 2 > m->cap) { /* keep the load under 1/2 */
    NameMap big;
    namemap_init(&big, m->cap);
    for (size_t i = 0; i < m->cap; i++)
      if (m->key[i]) namemap_put(&big, m->key[i], m->val[i]);
    namemap_free(m);
    *m = big;
  }
  size_t i = hash_str(name) & (m->cap - 1);
  while (m->key[i] && strcmp(m->key[i], name) != 0) i = (i + 1) & (m->cap - 1);
  if (!m->key[i]) m->n++;
  m->key[i] = name;
  m->val[i] = val;
}
