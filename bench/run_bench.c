/*
 * bench/run_bench.c — `make bench`'s driver. Times blobc as a user runs it (fork + exec, wall
 * clock around the child, its peak RSS from wait4's rusage) and prints/writes the figures.
 *
 *   run_bench --blobc B --floor F --zoo DIR --work DIR [--runs N] [--json OUT] [--svg OUT]
 *
 * DIR is what bench/gen_zoo.c wrote (index.tsv, zoo.yaml, small.yaml, many100.yaml).
 *   1. per model (big + small): `blobc convert` vs bench/io_floor.c (read + FP16 + fsync'd
 *      write of the blob's size), interleaved run by run; median wall time, ratio, peak RSS
 *   2. `blobc build zoo.yaml` at -j1 and -j2 (each run into an empty folder), the same for
 *      small.yaml, then unchanged re-runs (same folder again); many100.yaml full + re-run
 *   3. the scaling family: convert time vs parameters, least-squares line + R², SVG plot
 *   4. hostile scaling (with --hostile GEN, tests/fixtures/gen_hostile.c): chains of 10k, 50k and
 *      100k nodes of each op kind (Relu, Concat of constants, Add): time and peak RSS, a line
 *      and a power law over N; and how long a running 100k-node convert takes to stop after
 *      SIGTERM, at nine points of its run
 * Every figure is the median of N runs (default 5) after one untimed warm-up run.
 * No timed assertions: targets are printed as "met"/"MISSED", the exit status is 0 unless
 * blobc could not convert a model that should convert (then 1).
 */
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_MODELS 128
#define MAX_RUNS   51

typedef struct {
  char name[64], file[128], group[16];
  long long params;
  long long bytes;
  /* results */
  int ok;
  long long blob_bytes, ir_bytes;
  double t_conv, t_floor, t_floor_ir; /* medians of wall time, s */
  double c_conv, c_floor;             /* medians of CPU time (user + sys), s */
  long rss_conv_kb, rss_floor_kb;     /* max over runs */
} Model;

typedef struct {
  double wall; /* s */
  double cpu;  /* user + sys of the child, s */
  long maxrss_kb;
  int status; /* exit code, or 128 + signal */
} RunResult;

static const char *g_blobc, *g_floor, *g_zoo, *g_work, *g_hostile;
static int g_runs = 5;

static double now(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Runs argv with stdout/stderr to /dev/null; wall time and the child's own peak RSS. */
static RunResult run(char *const argv[]) {
  RunResult r = {0, 0, 0, 127};
  sync(); /* no dirty pages of earlier runs in flight: each run pays for its own writes only */
  double t0 = now();
  pid_t pid = fork();
  if (pid < 0) {
    perror("run_bench: fork");
    exit(1);
  }
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
      close(fd);
    }
    execv(argv[0], argv);
    _exit(127);
  }
  int st = 0;
  struct rusage ru;
  while (wait4(pid, &st, 0, &ru) < 0)
    if (errno != EINTR) {
      perror("run_bench: wait4");
      exit(1);
    }
  r.wall = now() - t0;
  r.maxrss_kb = ru.ru_maxrss;
  r.cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec * 1e-6 +
          (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec * 1e-6;
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return r;
}

static int cmp_d(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

static double median(double *v, int n) {
  qsort(v, (size_t)n, sizeof *v, cmp_d);
  return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int rm_one(const char *p, const struct stat *sb, int flag, struct FTW *f) {
  (void)sb;
  (void)flag;
  (void)f;
  return remove(p);
}

static void rm_rf(const char *path) { nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS); }

static long long file_size(const char *path) {
  struct stat sb;
  return stat(path, &sb) == 0 ? (long long)sb.st_size : -1;
}

static char *read_text(const char *path) {
  FILE *f = fopen(path, "rb");
  if (!f) return NULL;
  fseek(f, 0, SEEK_END);
  long n = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *s = malloc((size_t)n + 1);
  if (s && fread(s, 1, (size_t)n, f) != (size_t)n) n = 0;
  if (s) s[n] = 0;
  fclose(f);
  return s;
}

/* How many models report.json says were served from the incremental cache: per-model
 * "cached": true (the summary's "cached": N is not counted), or a "status": "cached". */
static int count_cached(const char *out_dir) {
  char path[4096];
  snprintf(path, sizeof path, "%s/report.json", out_dir);
  char *s = read_text(path);
  int n = 0;
  for (const char *p = s; p && (p = strstr(p, "\"cached\": true")); p += 8) n++;
  for (const char *p = s; p && (p = strstr(p, "\"status\": \"cached\"")); p += 8) n++;
  free(s);
  return n;
}

/* ---- 1. per-model convert vs floor ---- */

static void bench_model(Model *m) {
  char model[4096], out[4096], blob[4096], xml[4096], bin[4096], fout[4096], fout2[4096], sz[32],
      xsz[32], bsz[32];
  snprintf(model, sizeof model, "%s/%s", g_zoo, m->file);
  snprintf(out, sizeof out, "%s/convert", g_work);
  snprintf(blob, sizeof blob, "%s/%s/%s_openvino_2022.1_6shave.blob", out, m->name, m->name);
  snprintf(xml, sizeof xml, "%s/%s/%s.xml", out, m->name, m->name);
  snprintf(bin, sizeof bin, "%s/%s/%s.bin", out, m->name, m->name);
  snprintf(fout, sizeof fout, "%s/floor/%s.blob", g_work, m->name);
  snprintf(fout2, sizeof fout2, "%s/floor/%s.ir.blob", g_work, m->name);
  char *conv[] = {(char *)g_blobc,
                  "convert",
                  model,
                  "--mean_values",
                  "[123.675,116.28,103.53]",
                  "--scale_values",
                  "[58.395,57.12,57.375]",
                  "-o",
                  out,
                  NULL};
  RunResult w = run(conv); /* warm-up: page cache, output folders, the blob size */
  m->ok = w.status == 0;
  m->blob_bytes = file_size(blob);
  m->ir_bytes = file_size(xml) + file_size(bin);
  if (!m->ok || m->blob_bytes < 0) {
    fprintf(stderr, "run_bench: blobc convert %s failed (exit %d)\n", m->file, w.status);
    m->ok = 0;
    return;
  }
  snprintf(sz, sizeof sz, "%lld", m->blob_bytes);
  snprintf(xsz, sizeof xsz, "%lld", file_size(xml));
  snprintf(bsz, sizeof bsz, "%lld", file_size(bin));
  char *flo[] = {(char *)g_floor, model, sz, fout, NULL};
  char *flo_ir[] = {(char *)g_floor, model, sz, fout2, xsz, bsz, NULL};
  RunResult fw = run(flo);
  if (fw.status != 0)
    fprintf(stderr, "run_bench: io_floor %s failed (exit %d)\n", m->file, fw.status);
  run(flo_ir);
  double tc[MAX_RUNS], tf[MAX_RUNS], tfi[MAX_RUNS], cc[MAX_RUNS], cf[MAX_RUNS];
  for (int r = 0; r < g_runs; r++) {
    RunResult a = run(conv), b = run(flo), c = run(flo_ir);
    tc[r] = a.wall;
    tf[r] = b.wall;
    tfi[r] = c.wall;
    cc[r] = a.cpu;
    cf[r] = b.cpu;
    if (a.maxrss_kb > m->rss_conv_kb) m->rss_conv_kb = a.maxrss_kb;
    if (b.maxrss_kb > m->rss_floor_kb) m->rss_floor_kb = b.maxrss_kb;
    if (a.status != 0) m->ok = 0;
  }
  m->t_conv = median(tc, g_runs);
  m->t_floor = median(tf, g_runs);
  m->t_floor_ir = median(tfi, g_runs);
  m->c_conv = median(cc, g_runs);
  m->c_floor = median(cf, g_runs);
}

static void print_head(void) {
  printf("%-13s %10s %9s %8s %8s %8s %8s %7s %8s %7s %8s %8s\n", "model", "params", "file",
         "convert", "cpu", "floor", "cpu", "ratio", "floor+IR", "ratio", "RSS MB", "RSS/file");
}

static void print_row(const Model *m) {
  char fsz[32];
  if (m->bytes >= 1 << 20)
    snprintf(fsz, sizeof fsz, "%.1f MB", (double)m->bytes / 1048576.0);
  else
    snprintf(fsz, sizeof fsz, "%.0f KB", (double)m->bytes / 1024.0);
  printf("%-13s %10lld %9s %8.1f %8.1f %8.1f %8.1f %6.2fx %8.1f %6.2fx %8.1f %7.2fx\n", m->name,
         m->params, fsz, m->t_conv * 1e3, m->c_conv * 1e3, m->t_floor * 1e3, m->c_floor * 1e3,
         m->t_conv / m->t_floor, m->t_floor_ir * 1e3, m->t_conv / m->t_floor_ir,
         (double)m->rss_conv_kb / 1024, (double)m->rss_conv_kb * 1024 / (double)m->bytes);
  fflush(stdout);
}

/* ---- 2. builds ---- */

typedef struct {
  double full_j1, full_j2, rerun;
  int cached;
  int status;
} BuildFig;

/* Median over runs of `blobc build manifest -jJ` into an emptied out folder. */
static double build_full(const char *manifest, int j, const char *out, int *status) {
  char mpath[4096], jj[8];
  snprintf(mpath, sizeof mpath, "%s/%s", g_zoo, manifest);
  snprintf(jj, sizeof jj, "%d", j);
  char *argv[] = {(char *)g_blobc, "build", mpath, "-j", jj, "-o", (char *)out, "--quiet", NULL};
  double t[MAX_RUNS];
  rm_rf(out);
  RunResult w = run(argv);
  *status = w.status;
  for (int r = 0; r < g_runs; r++) {
    rm_rf(out);
    RunResult x = run(argv);
    t[r] = x.wall;
    if (x.status > *status) *status = x.status;
  }
  return median(t, g_runs);
}

/* Median over runs of the same build again over its own untouched output. */
static double build_rerun(const char *manifest, int j, const char *out, int *cached) {
  char mpath[4096], jj[8];
  snprintf(mpath, sizeof mpath, "%s/%s", g_zoo, manifest);
  snprintf(jj, sizeof jj, "%d", j);
  char *argv[] = {(char *)g_blobc, "build", mpath, "-j", jj, "-o", (char *)out, "--quiet", NULL};
  double t[MAX_RUNS];
  run(argv); /* ensure the folder holds this manifest's full output */
  for (int r = 0; r < g_runs; r++) t[r] = run(argv).wall;
  *cached = count_cached(out);
  return median(t, g_runs);
}

/* ---- 3. scaling: fit + SVG ---- */

typedef struct {
  double a, b, r2; /* y = a + b x */
} Fit;

static Fit fit_line(const double *x, const double *y, int n) {
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (int i = 0; i < n; i++) sx += x[i], sy += y[i], sxx += x[i] * x[i], sxy += x[i] * y[i];
  Fit f = {0, 0, 0};
  double d = n * sxx - sx * sx;
  if (n < 2 || d == 0) return f;
  f.b = (n * sxy - sx * sy) / d;
  f.a = (sy - f.b * sx) / n;
  double my = sy / n, ss_tot = 0, ss_res = 0;
  for (int i = 0; i < n; i++) {
    double e = y[i] - (f.a + f.b * x[i]);
    ss_res += e * e;
    ss_tot += (y[i] - my) * (y[i] - my);
  }
  f.r2 = ss_tot > 0 ? 1 - ss_res / ss_tot : 1;
  return f;
}

static double nice_step(double range, int ticks) {
  double raw = range / ticks, p = pow(10, floor(log10(raw))), m = raw / p;
  return (m < 1.5 ? 1 : m < 3 ? 2 : m < 7 ? 5 : 10) * p;
}

/* A self-contained SVG: time (s) vs parameters (M) for blobc and the floor, with fit lines. */
static void write_svg(const char *path, const double *xm, const double *yc, const double *ycpu,
                      const double *yf, int n, Fit fc, Fit fcpu, Fit ff) {
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    return;
  }
  const double W = 720, H = 440, L = 70, R = 20, T = 50, B = 60;
  double xmax = 0, ymax = 0;
  for (int i = 0; i < n; i++) {
    if (xm[i] > xmax) xmax = xm[i];
    if (yc[i] > ymax) ymax = yc[i];
    if (yf[i] > ymax) ymax = yf[i];
  }
  double xs = nice_step(xmax, 6), ys = nice_step(ymax, 5);
  xmax = ceil(xmax / xs) * xs;
  ymax = ceil(ymax / ys) * ys;
#define PX(v) (L + (v) / xmax * (W - L - R))
#define PY(v) (H - B - (v) / ymax * (H - T - B))
  fprintf(f,
          "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
          "font-family=\"sans-serif\" font-size=\"12\">\n",
          W, H);
  fprintf(f, "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n");
  fprintf(f,
          "<text x=\"%.0f\" y=\"22\" font-size=\"15\" text-anchor=\"middle\">blobc convert: wall "
          "time vs "
          "parameters (ResNet-50 width x0.25 .. x1.5, median of %d)</text>\n",
          W / 2, g_runs);
  for (double v = 0; v <= xmax + 1e-9; v += xs) {
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", PX(v),
            PY(0), PX(v), PY(ymax));
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n", PX(v), PY(0) + 18,
            v);
  }
  for (double v = 0; v <= ymax + 1e-9; v += ys) {
    fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>\n", PX(0),
            PY(v), PX(xmax), PY(v));
    fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", PX(0) - 6, PY(v) + 4,
            v);
  }
  fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", PX(0),
          PY(0), PX(xmax), PY(0));
  fprintf(f, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"black\"/>\n", PX(0),
          PY(0), PX(0), PY(ymax));
  fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">parameters (millions)</text>\n",
          (L + W - R) / 2, H - 18);
  fprintf(
      f,
      "<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\">seconds</text>\n",
      (T + H - B) / 2);
  const struct {
    const double *y;
    Fit fit;
    const char *color, *label;
  } series[3] = {{yc, fc, "#d62728", "blobc convert (wall)"},
                 {ycpu, fcpu, "#ff7f0e", "blobc convert (CPU)"},
                 {yf, ff, "#1f77b4", "I/O floor (wall)"}};
  for (int s = 0; s < 3; s++) {
    double y0 = series[s].fit.a, y1 = series[s].fit.a + series[s].fit.b * xmax;
    fprintf(f,
            "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"%s\" "
            "stroke-dasharray=\"5,4\"/>\n",
            PX(0), PY(y0 > 0 ? y0 : 0), PX(xmax), PY(y1), series[s].color);
    for (int i = 0; i < n; i++)
      fprintf(f, "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\"/>\n", PX(xm[i]),
              PY(series[s].y[i]), series[s].color);
    fprintf(f, "<rect x=\"%.0f\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"%s\"/>\n", L + 16,
            T + 6 + 20.0 * s, series[s].color);
    fprintf(f,
            "<text x=\"%.0f\" y=\"%.0f\">%s: t = %.4f + %.4f s/M params, R&#178; = %.4f</text>\n",
            L + 34, T + 16 + 20.0 * s, series[s].label, series[s].fit.a, series[s].fit.b,
            series[s].fit.r2);
  }
  fprintf(f, "</svg>\n");
#undef PX
#undef PY
  fclose(f);
}

/* ---- 4. hostile scaling ---- */

typedef struct {
  const char *kind;
  int n[3];
  double t[3], cpu[3]; /* medians, s */
  long rss_kb[3];      /* max over the runs */
  int status[3];
  Fit fit, fit_rss; /* CPU time and peak RSS against N */
  double k;         /* power law exponent of the CPU time above the fit's intercept */
  double doubling;  /* CPU time of 100k nodes over 50k: 2 linear, 4 quadratic */
} Hostile;

/* Median wall and CPU time and the largest peak RSS of g_runs runs of argv (plus a warm-up). */
static void time_runs(char *const argv[], double *t, double *cpu, long *rss, int *status) {
  double tw[MAX_RUNS], tc[MAX_RUNS];
  *rss = 0;
  *status = run(argv).status; /* warm-up */
  for (int r = 0; r < g_runs; r++) {
    RunResult x = run(argv);
    tw[r] = x.wall, tc[r] = x.cpu;
    if (x.maxrss_kb > *rss) *rss = x.maxrss_kb;
    if (x.status) *status = x.status;
  }
  *t = median(tw, g_runs);
  *cpu = median(tc, g_runs);
}

/* Exponent k of y - a ~ x^k (a: the linear fit's intercept, the fixed cost per run). */
static double power_law(const double *x, const double *y, int n, double a) {
  double lx[8], ly[8];
  int m = 0;
  for (int i = 0; i < n && m < 8; i++)
    if (y[i] - a > 0) lx[m] = log(x[i]), ly[m++] = log(y[i] - a);
  return m >= 2 ? fit_line(lx, ly, m).b : 0;
}

/* How long `blobc convert model` takes to exit after SIGTERM sent delay s into its run. */
static double stop_latency(const char *model, const char *out, double delay, int *status) {
  pid_t pid = fork();
  if (pid < 0) {
    perror("run_bench: fork");
    exit(1);
  }
  if (pid == 0) {
    int fd = open("/dev/null", O_WRONLY);
    if (fd >= 0) dup2(fd, 1), dup2(fd, 2), close(fd);
    execl(g_blobc, g_blobc, "convert", model, "--max-nodes", "200000", "-o", out, (char *)NULL);
    _exit(127);
  }
  struct timespec ts = {(time_t)delay, (long)((delay - (double)(time_t)delay) * 1e9)};
  nanosleep(&ts, NULL);
  double t0 = now();
  kill(pid, SIGTERM);
  int st = 0;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return now() - t0;
}

static void hostile_scaling(Hostile *hs, int nk, double *lat_med, double *lat_max, int *lat_n) {
  static const char *const KINDS[] = {"relu", "concat", "add"};
  static const int NS[] = {10000, 50000, 100000};
  char dir[4096], cmd[8192], model[4096], out[4096];
  snprintf(dir, sizeof dir, "%s/hostile", g_work);
  snprintf(cmd, sizeof cmd, "mkdir -p '%s'", dir);
  if (system(cmd) != 0) exit(1);
  printf("hostile scaling: chains of N nodes (tests/fixtures/gen_hostile.c), `blobc convert "
         "--max-nodes 200000`\n");
  printf("  %-7s %9s %10s %10s %9s   %s\n", "kind", "N", "wall ms", "CPU ms", "RSS MB", "exit");
  for (int k = 0; k < nk; k++) {
    Hostile *h = &hs[k];
    h->kind = KINDS[k];
    double x[3], y[3], r[3];
    for (int i = 0; i < 3; i++) {
      h->n[i] = NS[i];
      snprintf(model, sizeof model, "%s/%s_%d.onnx", dir, h->kind, NS[i]);
      snprintf(cmd, sizeof cmd, "'%s' %s %d '%s'", g_hostile, h->kind, NS[i], model);
      if (system(cmd) != 0) {
        fprintf(stderr, "run_bench: %s failed\n", cmd);
        exit(1);
      }
      snprintf(out, sizeof out, "%s/out", dir);
      char *argv[] = {(char *)g_blobc, "convert", model, "--max-nodes", "200000", "-o", out, NULL};
      time_runs(argv, &h->t[i], &h->cpu[i], &h->rss_kb[i], &h->status[i]);
      x[i] = NS[i], y[i] = h->cpu[i], r[i] = (double)h->rss_kb[i];
      printf("  %-7s %9d %10.1f %10.1f %9.1f   %d\n", h->kind, NS[i], h->t[i] * 1e3,
             h->cpu[i] * 1e3, (double)h->rss_kb[i] / 1024, h->status[i]);
    }
    h->fit = fit_line(x, y, 3);
    h->fit_rss = fit_line(x, r, 3);
    h->k = power_law(x, y, 3, h->fit.a > 0 ? h->fit.a : 0); /* a < 0 is no fixed cost */
    /* the doubling ratio of the two largest chains is the robust part: 2x linear, 4x quadratic
     * (the smallest chain runs with a warmer cache, which tilts a 3-point power law) */
    h->doubling = h->cpu[1] > 0 ? h->cpu[2] / h->cpu[1] : 0;
    printf("  %-7s CPU t = %.1f ms + %.2f us/node (R^2 %.4f), above the fixed cost ~ N^%.2f, "
           "100k/50k = %.2fx -> %s; "
           "RSS = %.1f MB + %.2f KB/node (R^2 %.4f)\n",
           h->kind, h->fit.a * 1e3, h->fit.b * 1e6, h->fit.r2, h->k, h->doubling,
           h->doubling < 2.6 && h->k < 1.3 && h->fit.r2 > 0.98 ? "linear" : "NOT linear",
           h->fit_rss.a / 1024, h->fit_rss.b, h->fit_rss.r2);
  }
  /* stop latency: SIGTERM at 10%..90% of the 100k Relu chain's run */
  snprintf(model, sizeof model, "%s/relu_100000.onnx", dir);
  snprintf(out, sizeof out, "%s/stop", dir);
  double lat[9], total = hs[0].t[2];
  *lat_n = 0;
  for (int i = 0; i < 9; i++) {
    int st = 0;
    double l = stop_latency(model, out, total * (i + 1) / 10.0, &st);
    if (st == 143) lat[(*lat_n)++] = l; /* 0: it finished before the signal came */
    rm_rf(out);
  }
  *lat_max = 0;
  for (int i = 0; i < *lat_n; i++)
    if (lat[i] > *lat_max) *lat_max = lat[i];
  *lat_med = *lat_n ? median(lat, *lat_n) : 0;
  printf("  SIGTERM during the 100k Relu chain's convert (at 10%%..90%% of its %.0f ms): exits 143 "
         "after %.1f ms median, "
         "%.1f ms at most (%d of 9 stopped; the rest had finished) -> %s\n\n",
         total * 1e3, *lat_med * 1e3, *lat_max * 1e3, *lat_n,
         *lat_max <= 0.100 ? "within 100 ms" : "over 100 ms");
}

/* ---- main ---- */

static int load_index(Model *ms) {
  char path[4096], line[1024];
  snprintf(path, sizeof path, "%s/index.tsv", g_zoo);
  FILE *f = fopen(path, "r");
  if (!f) {
    perror(path);
    exit(1);
  }
  int n = 0;
  while (n < MAX_MODELS && fgets(line, sizeof line, f)) {
    Model *m = &ms[n];
    memset(m, 0, sizeof *m);
    if (sscanf(line, "%63[^\t]\t%127[^\t]\t%15[^\t]\t%lld\t%lld", m->name, m->file, m->group,
               &m->params, &m->bytes) == 5)
      n++;
  }
  fclose(f);
  return n;
}

/* The 1-minute load average: other processes on a 2-core machine inflate wall times. */
static double loadavg(void) {
  double l = -1;
  FILE *f = fopen("/proc/loadavg", "r");
  if (f) {
    if (fscanf(f, "%lf", &l) != 1) l = -1;
    fclose(f);
  }
  return l;
}

static const char *verdict(bool met) { return met ? "met" : "MISSED"; }

int main(int argc, char **argv) {
  const char *json_path = NULL, *svg_path = NULL;
  bool only_hostile = false; /* --only hostile: section 4 alone (make bench-hostile) */
  for (int i = 1; i + 1 < argc; i += 2) {
    if (!strcmp(argv[i], "--blobc"))
      g_blobc = argv[i + 1];
    else if (!strcmp(argv[i], "--floor"))
      g_floor = argv[i + 1];
    else if (!strcmp(argv[i], "--zoo"))
      g_zoo = argv[i + 1];
    else if (!strcmp(argv[i], "--work"))
      g_work = argv[i + 1];
    else if (!strcmp(argv[i], "--runs"))
      g_runs = atoi(argv[i + 1]);
    else if (!strcmp(argv[i], "--json"))
      json_path = argv[i + 1];
    else if (!strcmp(argv[i], "--svg"))
      svg_path = argv[i + 1];
    else if (!strcmp(argv[i], "--hostile"))
      g_hostile = argv[i + 1];
    else if (!strcmp(argv[i], "--only") && !strcmp(argv[i + 1], "hostile"))
      only_hostile = true;
  }
  if (!g_blobc || !g_floor || !g_zoo || !g_work) {
    fprintf(stderr, "usage: run_bench --blobc B --floor F --zoo DIR --work DIR [--runs N] [--json "
                    "OUT] [--svg OUT] [--hostile GEN]\n");
    return 2;
  }
  if (g_runs < 1) g_runs = 1;
  if (g_runs > MAX_RUNS) g_runs = MAX_RUNS;
  double t_start = now();
  char dir[4096];
  snprintf(dir, sizeof dir, "mkdir -p '%s/floor' '%s/convert'", g_work, g_work);
  if (system(dir) != 0) return 1;

  if (only_hostile && g_hostile) {
    Hostile hs[3];
    double lat_med = 0, lat_max = 0;
    int lat_n = 0, bad = 0;
    printf("blobc bench (hostile graphs only): every figure the median of %d runs (+1 warm-up); "
           "load average %.2f\n\n",
           g_runs, loadavg());
    hostile_scaling(hs, 3, &lat_med, &lat_max, &lat_n);
    for (int k = 0; k < 3; k++)
      for (int i = 0; i < 3; i++) bad += hs[k].status[i] != 0;
    printf("load average %.2f at the end\n", loadavg());
    return bad ? 1 : 0;
  }
  static Model ms[MAX_MODELS];
  int n = load_index(ms), failures = 0;
  double load0 = loadavg();
  printf("blobc bench: %d models from %s, every figure the median of %d runs (+1 warm-up); load "
         "average %.2f on %ld CPUs\n\n",
         n, g_zoo, g_runs, load0, sysconf(_SC_NPROCESSORS_ONLN));

  /* 1. convert vs floor */
  print_head();
  double small_conv = 0, small_floor = 0, small_floor_ir = 0, small_cc = 0, small_cf = 0;
  for (int i = 0; i < n; i++) {
    Model *m = &ms[i];
    if (!strcmp(m->group, "scale")) continue;
    bench_model(m);
    if (!m->ok) {
      failures++;
      printf("%-13s FAILED\n", m->name);
      continue;
    }
    if (!strcmp(m->group, "small")) {
      small_conv += m->t_conv, small_floor += m->t_floor, small_floor_ir += m->t_floor_ir;
      small_cc += m->c_conv, small_cf += m->c_floor;
    }
    print_row(m);
  }
  printf("%-13s %10s %9s %8.1f %8.1f %8.1f %8.1f %6.2fx %8.1f %6.2fx\n", "small (sum)", "", "",
         small_conv * 1e3, small_cc * 1e3, small_floor * 1e3, small_cf * 1e3,
         small_conv / small_floor, small_floor_ir * 1e3, small_conv / small_floor_ir);
  printf("  ms: median wall (and CPU = user+sys) of `blobc convert` and of the floor "
         "(bench/io_floor.c: read the file,\n"
         "  FP16 of its weights, fsync'd write of the blob's size); ratio = convert/floor. "
         "floor+IR also writes files of\n"
         "  the .xml and .bin sizes, as convert does. RSS = the child's peak (wait4), RSS/file = "
         "peak RSS / model file.\n\n");

  /* 2. builds */
  char out[4096];
  int st1, st2, cached_zoo = 0, cached_many = 0, st_s1, st_s2, st_m;
  snprintf(out, sizeof out, "%s/zoo", g_work);
  double zoo_j1 = build_full("zoo.yaml", 1, out, &st1);
  double zoo_j2 = build_full("zoo.yaml", 2, out, &st2);
  double zoo_re = build_rerun("zoo.yaml", 2, out, &cached_zoo);
  snprintf(out, sizeof out, "%s/small", g_work);
  double sm_j1 = build_full("small.yaml", 1, out, &st_s1);
  double sm_j2 = build_full("small.yaml", 2, out, &st_s2);
  snprintf(out, sizeof out, "%s/many100", g_work);
  double many_j2 = build_full("many100.yaml", 2, out, &st_m);
  double many_re = build_rerun("many100.yaml", 2, out, &cached_many);
  int n_zoo = 0, n_small = 0;
  for (int i = 0; i < n; i++)
    n_zoo += strcmp(ms[i].group, "scale") != 0, n_small += !strcmp(ms[i].group, "small");
  printf("blobc build (wall, each full run into an empty -o folder)\n");
  printf("  whole zoo (%d models)   -j1 %8.1f ms   -j2 %8.1f ms   speed-up %.2fx   (exit %d/%d)\n",
         n_zoo, zoo_j1 * 1e3, zoo_j2 * 1e3, zoo_j1 / zoo_j2, st1, st2);
  printf("  small zoo (%d models)   -j1 %8.1f ms   -j2 %8.1f ms   speed-up %.2fx   (exit %d/%d)\n",
         n_small, sm_j1 * 1e3, sm_j2 * 1e3, sm_j1 / sm_j2, st_s1, st_s2);
  printf("  whole zoo unchanged re-run -j2 %8.1f ms (%s; %d of %d models reported \"cached\")\n",
         zoo_re * 1e3,
         cached_zoo ? "incremental cache active" : "no incremental cache yet: a full rebuild",
         cached_zoo, n_zoo);
  printf("  100 models: full -j2 %8.1f ms, unchanged re-run %8.1f ms (%d reported \"cached\")\n\n",
         many_j2 * 1e3, many_re * 1e3, cached_many);

  /* 3. scaling */
  double xm[16] = {0}, yc[16] = {0}, yf[16] = {0}, ycpu[16] = {0};
  int ns = 0;
  printf("scaling (ResNet-50 family, width multiplier 0.25 .. 1.5)\n");
  print_head();
  for (int i = 0; i < n && ns < 16; i++) {
    Model *m = &ms[i];
    if (strcmp(m->group, "scale")) continue;
    bench_model(m);
    if (!m->ok) {
      failures++;
      printf("  %-9s FAILED\n", m->name);
      continue;
    }
    xm[ns] = (double)m->params / 1e6;
    yc[ns] = m->t_conv;
    yf[ns] = m->t_floor;
    ycpu[ns] = m->c_conv;
    ns++;
    print_row(m);
  }
  Fit fc = fit_line(xm, yc, ns), ff = fit_line(xm, yf, ns), fcpu = fit_line(xm, ycpu, ns);
  double max_resid = 0, ymax = 0, lx[16], ly[16];
  int nl = 0;
  for (int i = 0; i < ns; i++)
    if (yc[i] > ymax) ymax = yc[i];
  for (int i = 0; i < ns; i++) {
    double e = fabs(yc[i] - (fc.a + fc.b * xm[i])) / ymax;
    if (e > max_resid) max_resid = e;
    /* the power law is fitted to the time above the fixed per-run cost (the CPU fit's
     * intercept): a + b*x itself has a log-log slope below 1 whenever a > 0 */
    if (ycpu[i] - fcpu.a > 0) {
      lx[nl] = log(xm[i]);
      ly[nl++] = log(ycpu[i] - fcpu.a);
    }
  }
  Fit fl = fit_line(lx, ly, nl); /* t - t0 ~ params^k: k = 1 is linear */
  printf(
      "  fit convert: t = %.1f ms + %.2f ms per M params (%.1f MB/s of FP32 weights), R^2 = %.4f, "
      "largest residual %.1f%% of the largest time\n",
      fc.a * 1e3, fc.b * 1e3, 4.0 / 1.048576 / fc.b, fc.r2, 100 * max_resid);
  printf(
      "  power law on CPU time above the fixed %.1f ms: t - t0 ~ params^%.3f (R^2 = %.4f) -> %s\n",
      fcpu.a * 1e3, fl.b, fl.r2,
      fl.b < 1.1 && fl.b > 0.9 ? "linear in the parameter count" : "NOT linear");
  printf("  fit convert CPU (user+sys): t = %.1f ms + %.2f ms per M params, R^2 = %.4f\n",
         fcpu.a * 1e3, fcpu.b * 1e3, fcpu.r2);
  printf("  fit floor:   t = %.1f ms + %.2f ms per M params, R^2 = %.4f\n", ff.a * 1e3, ff.b * 1e3,
         ff.r2);
  if (svg_path && ns >= 2) {
    write_svg(svg_path, xm, yc, ycpu, yf, ns, fc, fcpu, ff);
    printf("  plot: %s\n", svg_path);
  }

  /* 3b. hostile graphs */
  Hostile hs[3];
  int nh = g_hostile ? 3 : 0, lat_n = 0;
  double lat_med = 0, lat_max = 0;
  if (nh) {
    printf("\n");
    hostile_scaling(hs, nh, &lat_med, &lat_max, &lat_n);
    for (int k = 0; k < nh; k++)
      for (int i = 0; i < 3; i++) failures += hs[k].status[i] != 0;
  }

  /* 4. targets */
  const Model *big = NULL;
  long long max_file = 0;
  double worst_rss = 0;
  const Model *worst = NULL;
  for (int i = 0; i < n; i++) {
    const Model *m = &ms[i];
    if (!m->ok || !strcmp(m->group, "scale")) continue;
    if (m->bytes >= 50ll << 20 && (!big || m->bytes > big->bytes)) big = m;
    if (m->bytes > max_file) max_file = m->bytes;
    double lim = 2.0 * (double)m->bytes + 32.0 * 1048576, r = (double)m->rss_conv_kb * 1024 / lim;
    if (r > worst_rss) worst_rss = r, worst = m;
  }
  printf("\ntargets (reported, not asserted)\n");
  if (big)
    printf("  %-52s %6.2fx  (%s: %.0f ms vs floor %.0f ms) %s\n",
           "convert <= 2x I/O floor for the >= 50 MB model", big->t_conv / big->t_floor, big->name,
           big->t_conv * 1e3, big->t_floor * 1e3, verdict(big->t_conv <= 2 * big->t_floor));
  printf("  %-52s %6.2fx  %s\n", "-j2 >= 1.8x over -j1 on the small-model zoo", sm_j1 / sm_j2,
         verdict(sm_j1 / sm_j2 >= 1.8));
  if (worst)
    printf("  %-52s %6.2fx of the limit (%s: %.0f MB vs 2 x %.1f MB + 32 MB) %s\n",
           "peak RSS <= 2x model file + 32 MB (worst model)", worst_rss, worst->name,
           (double)worst->rss_conv_kb / 1024, (double)worst->bytes / 1048576,
           verdict(worst_rss <= 1));
  printf("  %-52s %6.1f ms %s\n", "unchanged re-run of 100 models <= 50 ms", many_re * 1e3,
         verdict(many_re <= 0.050));
  double load1 = loadavg();
  printf("\nbench took %.0f s; load average %.2f at the start, %.2f at the end%s\n",
         now() - t_start, load0, load1,
         load0 > 1.0 || load1 > 2.5
             ? " (other work was running: wall times are inflated, the CPU columns are not)"
             : "");

  /* JSON */
  if (json_path) {
    FILE *j = fopen(json_path, "w");
    if (!j) {
      perror(json_path);
      return 1;
    }
    fprintf(j,
            "{\n  \"runs\": %d,\n  \"statistic\": \"median\",\n  \"loadavg_start\": %.2f,\n  "
            "\"loadavg_end\": %.2f,\n  \"models\": [\n",
            g_runs, load0, load1);
    for (int i = 0, first = 1; i < n; i++) {
      const Model *m = &ms[i];
      fprintf(j,
              "%s    {\"name\": \"%s\", \"group\": \"%s\", \"params\": %lld, \"file_bytes\": %lld, "
              "\"ok\": %s, "
              "\"blob_bytes\": %lld, \"ir_bytes\": %lld, \"convert_ms\": %.3f, \"floor_ms\": %.3f, "
              "\"ratio\": %.4f, \"convert_cpu_ms\": %.3f, \"floor_cpu_ms\": %.3f, \"floor_ir_ms\": "
              "%.3f, \"peak_rss_kb\": %ld, \"floor_peak_rss_kb\": %ld, \"rss_over_file\": %.4f}",
              first ? "" : ",\n", m->name, m->group, m->params, m->bytes, m->ok ? "true" : "false",
              m->blob_bytes, m->ir_bytes, m->t_conv * 1e3, m->t_floor * 1e3,
              m->t_floor > 0 ? m->t_conv / m->t_floor : 0, m->c_conv * 1e3, m->c_floor * 1e3,
              m->t_floor_ir * 1e3, m->rss_conv_kb, m->rss_floor_kb,
              m->bytes > 0 ? (double)m->rss_conv_kb * 1024 / (double)m->bytes : 0);
      first = 0;
    }
    fprintf(j, "\n  ],\n  \"build\": {\n");
    fprintf(j,
            "    \"zoo\": {\"models\": %d, \"j1_ms\": %.3f, \"j2_ms\": %.3f, \"speedup\": %.4f, "
            "\"rerun_ms\": %.3f, \"rerun_cached\": %d},\n",
            n_zoo, zoo_j1 * 1e3, zoo_j2 * 1e3, zoo_j1 / zoo_j2, zoo_re * 1e3, cached_zoo);
    fprintf(
        j,
        "    \"small\": {\"models\": %d, \"j1_ms\": %.3f, \"j2_ms\": %.3f, \"speedup\": %.4f},\n",
        n_small, sm_j1 * 1e3, sm_j2 * 1e3, sm_j1 / sm_j2);
    fprintf(j,
            "    \"many100\": {\"models\": 100, \"full_j2_ms\": %.3f, \"rerun_ms\": %.3f, "
            "\"rerun_cached\": %d}\n  },\n",
            many_j2 * 1e3, many_re * 1e3, cached_many);
    fprintf(
        j,
        "  \"scaling\": {\"convert_cpu\": {\"intercept_ms\": %.3f, \"ms_per_mparam\": %.4f, "
        "\"r2\": %.5f},\n              \"convert\": {\"intercept_ms\": %.3f, \"ms_per_mparam\": "
        "%.4f, \"r2\": %.5f, \"max_residual_of_max\": %.4f, \"loglog_exponent_cpu\": %.4f},\n"
        "              \"floor\": {\"intercept_ms\": %.3f, \"ms_per_mparam\": %.4f, \"r2\": "
        "%.5f}},\n",
        fcpu.a * 1e3, fcpu.b * 1e3, fcpu.r2, fc.a * 1e3, fc.b * 1e3, fc.r2, max_resid, fl.b,
        ff.a * 1e3, ff.b * 1e3, ff.r2);
    if (nh) {
      fprintf(j, "  \"hostile\": {\n    \"chains\": [\n");
      for (int k = 0; k < nh; k++) {
        const Hostile *h = &hs[k];
        for (int i = 0; i < 3; i++)
          fprintf(j,
                  "      {\"kind\": \"%s\", \"nodes\": %d, \"wall_ms\": %.3f, \"cpu_ms\": %.3f, "
                  "\"peak_rss_kb\": %ld, \"exit\": %d},\n",
                  h->kind, h->n[i], h->t[i] * 1e3, h->cpu[i] * 1e3, h->rss_kb[i], h->status[i]);
      }
      fprintf(j, "      null\n    ],\n    \"fits\": {");
      for (int k = 0; k < nh; k++)
        fprintf(j,
                "%s\n      \"%s\": {\"cpu_intercept_ms\": %.3f, \"cpu_us_per_node\": %.4f, "
                "\"cpu_r2\": %.5f, \"cpu_exponent\": %.4f, "
                "\"doubling_ratio\": %.4f, \"rss_intercept_kb\": %.1f, \"rss_kb_per_node\": %.4f, "
                "\"rss_r2\": %.5f}",
                k ? "," : "", hs[k].kind, hs[k].fit.a * 1e3, hs[k].fit.b * 1e6, hs[k].fit.r2,
                hs[k].k, hs[k].doubling, hs[k].fit_rss.a, hs[k].fit_rss.b, hs[k].fit_rss.r2);
      fprintf(j,
              "\n    },\n    \"sigterm_stop_ms\": {\"median\": %.3f, \"max\": %.3f, "
              "\"stopped_of_9\": %d}\n  },\n",
              lat_med * 1e3, lat_max * 1e3, lat_n);
    }
    fprintf(j, "  \"targets\": {\n");
    fprintf(
        j,
        "    \"convert_over_floor_50mb\": {\"model\": \"%s\", \"value\": %.4f, \"limit\": 2.0},\n",
        big ? big->name : "", big ? big->t_conv / big->t_floor : 0);
    fprintf(j, "    \"small_j2_speedup\": {\"value\": %.4f, \"limit\": 1.8},\n", sm_j1 / sm_j2);
    fprintf(j,
            "    \"peak_rss_over_limit\": {\"model\": \"%s\", \"value\": %.4f, \"limit\": 1.0},\n",
            worst ? worst->name : "", worst_rss);
    fprintf(j, "    \"rerun_100_ms\": {\"value\": %.3f, \"limit\": 50}\n  }\n}\n", many_re * 1e3);
    fclose(j);
    printf("json: %s\n", json_path);
  }
  return failures ? 1 : 0;
}
