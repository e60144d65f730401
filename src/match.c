/* Nearest-neighbour k:1 matching on a scalar distance (the propensity score
 * or its linear index), for the ATT: every treated unit receives up to k
 * controls.
 *
 * The rules (documented in ?psm and mirrored by the R reference in the
 * tests):
 * - all units are sorted by the distance, ascending, ties kept in data order
 *   (a stable sort); the controls keep that order;
 * - a treated unit's nearest control is the nearest available control to its
 *   left or to its right in that order; on equal absolute distance the left
 *   one (smaller distance) wins;
 * - a match is accepted when its absolute distance is <= the caliper;
 * - without replacement the treated units are visited in the given order, in
 *   k rounds (everyone's first control, then everyone's second, ...), and a
 *   matched control leaves the pool; the pool is a pair of "next available"
 *   union-find arrays, so each search costs amortised O(alpha(n)) instead of
 *   a scan;
 * - with replacement each treated unit takes its k nearest controls, found by
 *   walking outwards from its position (order does not matter).
 * Total cost: the O(n log n) sort plus O(n * alpha(n) + n1 * k) searches. */
#include "smartdid.h"
#include <math.h>
#include <limits.h>

#define SD_CHUNK 65536

/* Stable bottom-up merge sort of idx[0..n) by x[idx] ascending. */
static void sort_by_value(const double *x, int *idx, int *tmp, int n)
{
  for (int i = 0; i < n; i++) idx[i] = i;
  int *a = idx, *b = tmp;
  for (int width = 1; width < n; width *= 2) {
    for (int lo = 0; lo < n; lo += 2 * width) {
      int mid = lo + width < n ? lo + width : n;
      int hi = lo + 2 * width < n ? lo + 2 * width : n;
      int i = lo, j = mid, k = lo;
      while (i < mid && j < hi) b[k++] = (x[a[j]] < x[a[i]]) ? a[j++] : a[i++];
      while (i < mid) b[k++] = a[i++];
      while (j < hi) b[k++] = a[j++];
    }
    int *t = a; a = b; b = t;
  }
  if (a != idx) for (int i = 0; i < n; i++) idx[i] = a[i];
}

/* The nearest available slot at or above j (right) or at or below j (left,
 * stored shifted by one so that slot 0 means "none"); path halving. */
static int find_root(int *parent, int j)
{
  while (parent[j] != j) {
    parent[j] = parent[parent[j]];
    j = parent[j];
  }
  return j;
}

typedef struct {
  int nc;            /* available controls, in sorted order */
  const double *cs;  /* their distances */
  const int *crow;   /* their 0-based rows */
  int *right;        /* nc + 1 entries, right[nc] = nc is "none" */
  int *left;         /* nc + 1 entries, shifted: left[0] = 0 is "none" */
} sd_pool;

static void pool_remove(sd_pool *p, int k)
{
  p->right[k] = k + 1;
  p->left[k + 1] = k;
}

/* Choose between the candidate slots l (< 0: none) and r (>= nc: none) for
 * a unit at distance d; returns the slot or -1 when none is within cal. */
static int pick(const sd_pool *p, int l, int r, double d, double cal)
{
  double dl = l >= 0 ? fabs(p->cs[l] - d) : R_PosInf;
  double dr = r < p->nc ? fabs(p->cs[r] - d) : R_PosInf;
  int k;
  double dk;
  if (l >= 0 && dl <= dr) { k = l; dk = dl; }
  else if (r < p->nc) { k = r; dk = dr; }
  else return -1;
  if (cal >= 0 && !(dk <= cal)) return -1;
  return k;
}

/* One round without replacement over treated units ord[from..to). */
static void round_noreplace(sd_pool *p, const double *dist, const int *ord,
                            const int *cut, const int *trank, int from, int to,
                            int round, int n1, double cal, int *nmatch, int *mm)
{
  for (int i = from; i < to; i++) {
    int t = ord[i];
    if (cut[t] < 0 || nmatch[t] < round) continue;   /* off support, or failed */
    int l = find_root(p->left, cut[t]) - 1;          /* slot cut-1, shifted */
    int r = find_root(p->right, cut[t]);
    int k = pick(p, l, r, dist[t], cal);
    if (k < 0) continue;
    mm[trank[t] + (size_t) round * n1] = p->crow[k] + 1;
    nmatch[t]++;
    pool_remove(p, k);
  }
}

/* With replacement: the k nearest controls of each treated unit. */
static void match_replace(const sd_pool *p, const double *dist, const int *ord,
                          const int *cut, const int *trank, int from, int to,
                          int ratio, int n1, double cal, int *mm)
{
  for (int i = from; i < to; i++) {
    int t = ord[i];
    if (cut[t] < 0) continue;
    int l = cut[t] - 1, r = cut[t];
    for (int j = 0; j < ratio; j++) {
      int k = pick(p, l, r, dist[t], cal);
      if (k < 0) break;
      mm[trank[t] + (size_t) j * n1] = p->crow[k] + 1;
      if (k == l) l--; else r++;
    }
  }
}

/* .Call entry: dist (double n), treat (int 0/1 n), discarded (logical n),
 * ord (int, 1-based rows of the treated units in matching order), ratio,
 * replace, caliper (absolute; NA or < 0 for none). Returns an n1 x ratio
 * integer matrix of 1-based control rows (NA: no match); row i belongs to
 * the i-th treated unit in data order. */
SEXP sd_nn_match(SEXP dist, SEXP treat, SEXP discarded, SEXP ord, SEXP ratio,
                 SEXP replace, SEXP caliper)
{
  if (!Rf_isReal(dist)) Rf_error("'dist' must be a double vector");
  R_xlen_t nx = XLENGTH(dist);
  if (nx > INT_MAX / 2) Rf_error("too many units to match");
  int n = (int) nx;
  if (TYPEOF(treat) != INTSXP || XLENGTH(treat) != n)
    Rf_error("'treat' must be an integer vector of length %d", n);
  if (TYPEOF(discarded) != LGLSXP || XLENGTH(discarded) != n)
    Rf_error("'discarded' must be a logical vector of length %d", n);
  if (TYPEOF(ord) != INTSXP) Rf_error("'ord' must be an integer vector");
  int k = Rf_asInteger(ratio), rep = Rf_asLogical(replace);
  double cal = Rf_asReal(caliper);
  if (k == NA_INTEGER || k < 1) Rf_error("'ratio' must be a positive integer");
  if (rep == NA_LOGICAL) Rf_error("'replace' must be TRUE or FALSE");
  if (ISNAN(cal)) cal = -1;
  const double *d = REAL(dist);
  const int *tr = INTEGER(treat), *disc = LOGICAL(discarded), *o = INTEGER(ord);
  int n1 = 0;
  for (int i = 0; i < n; i++) {
    if (tr[i] != 0 && tr[i] != 1) Rf_error("'treat' must be 0 or 1");
    if (!R_FINITE(d[i])) Rf_error("'dist' must be finite");
    if (disc[i] == NA_LOGICAL) Rf_error("'discarded' must not be NA");
    n1 += tr[i];
  }
  if (XLENGTH(ord) != n1) Rf_error("'ord' must list the %d treated units", n1);

  int *trank = (int *) R_alloc((size_t) n + 1, sizeof(int));
  int *seen = (int *) R_alloc((size_t) n + 1, sizeof(int));
  int *ord0 = (int *) R_alloc((size_t) n1 + 1, sizeof(int));
  for (int i = 0, r = 0; i < n; i++) {
    seen[i] = 0;
    trank[i] = tr[i] ? r++ : -1;
  }
  for (int i = 0; i < n1; i++) {
    int t = o[i] - 1;
    if (o[i] == NA_INTEGER || t < 0 || t >= n || !tr[t] || seen[t])
      Rf_error("'ord' must be a permutation of the treated rows");
    seen[t] = 1;
    ord0[i] = t;
  }

  /* sort everyone; collect the available controls; locate the treated */
  int *idx = (int *) R_alloc((size_t) n + 1, sizeof(int));
  int *tmp = (int *) R_alloc((size_t) n + 1, sizeof(int));
  sort_by_value(d, idx, tmp, n);
  int *crow = tmp;                 /* reuse: rows of the controls */
  int *cut = seen;                 /* reuse: controls before each treated */
  double *cs = (double *) R_alloc((size_t) n + 1, sizeof(double));
  int nc = 0;
  for (int s = 0; s < n; s++) {
    int i = idx[s];
    if (tr[i]) {
      cut[i] = disc[i] ? -1 : nc;
    } else if (!disc[i]) {
      crow[nc] = i;
      cs[nc++] = d[i];
    }
  }
  sd_pool p = {nc, cs, crow, NULL, NULL};
  p.right = (int *) R_alloc((size_t) nc + 1, sizeof(int));
  p.left = (int *) R_alloc((size_t) nc + 1, sizeof(int));
  for (int j = 0; j <= nc; j++) p.right[j] = p.left[j] = j;
  int *nmatch = idx;               /* reuse: matches so far per row */
  for (int i = 0; i < n; i++) nmatch[i] = 0;

  SEXP out = PROTECT(Rf_allocMatrix(INTSXP, n1, k));
  int *mm = INTEGER(out);
  for (R_xlen_t j = 0; j < (R_xlen_t) n1 * k; j++) mm[j] = NA_INTEGER;
  if (rep) {
    for (int from = 0; from < n1; from += SD_CHUNK) {
      int to = from + SD_CHUNK < n1 ? from + SD_CHUNK : n1;
      match_replace(&p, d, ord0, cut, trank, from, to, k, n1, cal, mm);
      R_CheckUserInterrupt();
    }
  } else {
    for (int r = 0; r < k; r++) {
      for (int from = 0; from < n1; from += SD_CHUNK) {
        int to = from + SD_CHUNK < n1 ? from + SD_CHUNK : n1;
        round_noreplace(&p, d, ord0, cut, trank, from, to, r, n1, cal, nmatch, mm);
        R_CheckUserInterrupt();
      }
    }
  }
  UNPROTECT(1);
  return out;
}
