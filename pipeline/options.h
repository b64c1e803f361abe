/*
 * pipeline/options.h — the one table of blobc's options (pipeline/options.def) and everything
 * generated from it: the value parsers shared by the manifest and the command line, the
 * command-line parser, --help, the man page, and the canonical text of a value (the resolved
 * manifest and the cache key).
 *
 * The manifest (pipeline/manifest.c) and the command line accept and reject the same values
 * because both hand the text they read to opt_value_parse(); a value's error message is the same
 * in both (`'scale_values' must be positive, got -1`), prefixed with `file:line: model 'm': ` by
 * the manifest and with `blobc convert: --scale_values '[1,-1]': ` by the command line.
 *
 * Usage (command line):
 *   OptArgs a;
 *   Err err = {0};
 *   if (opt_cli_parse(&a, CMD_CONVERT, argc - 2, argv + 2, arena, &err) < 0) ... err.msg
 *   if (a.help) { opt_help(&buf, CMD_CONVERT); ... }
 *   int shaves = opt_int(&a.model, OPT_SHAVES);   // set values only: check opt_isset() first
 *
 * Everything a parse allocates comes from the caller's Arena.
 */
#ifndef PIPELINE_OPTIONS_H
#define PIPELINE_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler/base/base.h"
#include "compiler/base/types.h"

/* The commands, as bits (OptRow.cmds). */
enum {
  CMD_BUILD = 1 << 0,
  CMD_CHECK = 1 << 1,
  CMD_CONVERT = 1 << 2,
  CMD_INSPECT = 1 << 3,
  CMD_VERIFY = 1 << 4,
  CMD_RUN = 1 << 5,
  CMD_MERGE = 1 << 6,   /* report merge */
  CMD_IMPORT = 1 << 7,  /* import-omz */
  CMD_ARCHIVE = 1 << 8, /* archive verify */
  CMD_VERSION = 1 << 9,
  CMD_OPS = 1 << 10, /* ops: the coverage table */
};
#define CMD_COMPILE (CMD_BUILD | CMD_CHECK | CMD_CONVERT)

typedef enum {
  OL_MODEL, /* manifest key of a model (or defaults); overrides on build/check */
  OL_INPUT, /* manifest key of an input; per input name on the command line */
  OL_RUN,   /* command line only */
} OptLevel;

typedef enum {
  OT_BOOL,            /* true/false/yes/no/on/off; a switch on the command line */
  OT_INT,             /* decimal integer in lo..hi */
  OT_PREC,            /* U8/FP16/FP32 and their mo spellings, limited to the mask in lo */
  OT_CHOICE,          /* one of .choices, any case */
  OT_LAYOUT,          /* NCHW, or NCHW->NHWC (model layout -> frame layout) */
  OT_VALUES,          /* one number, or a list of 1..8 finite numbers */
  OT_POSITIVE_VALUES, /* the same, every value > 0 */
  OT_SHAPE,           /* a list of 1..8 dims, each 1..INT32_MAX */
  OT_STR,             /* any text (paths, names) */
  OT_SHARD,           /* I/N with 0 <= I < N */
  OT_IGNORED,         /* accepted and ignored (compile_tool config keys with no effect) */
} OptType;

typedef enum {
#define OPT(id, key, level, type, ...) OPT_##id,
#include "options.def"
#undef OPT
  OPT_COUNT
} OptId;

typedef struct {
  const char *key; /* manifest key, canonical name (--key on the command line too) */
  OptLevel level;
  OptType type;
  long long lo, hi;    /* INT range; PREC: allowed mask */
  const char *choices; /* CHOICE values, space separated */
  const char *what;    /* noun for messages ("openvino version"); NULL = key */
  const char *def;     /* default as written; "" = none */
  const char *flags, *switches, *on, *off, *config;
  unsigned cmds;
  bool repeat; /* STR: every occurrence is kept, in order */
  const char *metavar, *help;
} OptRow;

extern const OptRow OPT_ROWS[OPT_COUNT];

/* One option's value. line: where it was set (manifest line; OPT_LINE_CLI for the command line,
 * OPT_LINE_DEFAULT for the table's default); 0 = not set. */
#define OPT_LINE_CLI     (-1)
#define OPT_LINE_DEFAULT (-2)
typedef struct {
  int line;
  int n; /* VALUES: count; SHAPE: rank; SHARD: N; repeated STR: count */
  union {
    long long i; /* INT, BOOL (0/1), PREC (a Precision), SHARD (I) */
    struct {
      Layout model, frame;
    } layout;
    double *v;       /* VALUES */
    int64_t *dims;   /* SHAPE */
    const char *s;   /* STR, CHOICE (the canonical spelling) */
    const char **sv; /* repeated STR */
  } u;
} OptVal;

typedef struct {
  OptVal v[OPT_COUNT];
} OptSet;

static inline bool opt_isset(const OptSet *s, OptId id) { return s->v[id].line != 0; }
static inline long long opt_int(const OptSet *s, OptId id) { return s->v[id].u.i; }
static inline const char *opt_str(const OptSet *s, OptId id) {
  return s->v[id].line ? s->v[id].u.s : NULL;
}

/* ---- values ------------------------------------------------------------------------------ */

/* A value as the user wrote it: a scalar, or a list of scalars (a YAML sequence, or `[a,b]` on
 * the command line). items[i] NULL = an element that is not a scalar (a nested list). */
typedef struct {
  const char *text; /* the scalar (NULL for a list or a mapping) */
  bool null;        /* a YAML null (empty plain scalar, ~, null) */
  bool has_nul;     /* a YAML scalar holding a NUL byte */
  bool is_list;
  bool is_map; /* a YAML mapping: always the wrong type */
  int n;
  const char **items;
} OptText;

/* Parses t as option id's value into *out (allocating from a; out->line is left to the caller).
 * On failure returns -1 with the message in msg (`'shaves' must be between 1 and 16, got 40`)
 * and *bad_item = the index of the offending list element, -1 when it is the whole value. */
int opt_value_parse(OptVal *out, OptId id, const OptText *t, Arena *a, int *bad_item, char *msg,
                    size_t size);
/* The table's default of id parsed into *out (line OPT_LINE_DEFAULT); false when there is none. */
bool opt_default(OptVal *out, OptId id, Arena *a);
/* The canonical text of a set value, as the resolved manifest writes it (YAML flow syntax):
 * `6`, `true`, `FP16`, `"2022.1"`, `NCHW->NHWC`, `[123.675, 116.28, 103.53]`, `[1, 3, 224, 224]`. */
void opt_format(Buf *b, OptId id, const OptVal *v);
/* Sets s[id] = *v; a repeated STR appends v's strings instead (a is the arena of s). */
void opt_put(OptSet *s, OptId id, const OptVal *v, Arena *a);
/* The key of a manifest level (MODEL/INPUT), or OPT_COUNT. */
OptId opt_by_key(const char *key, OptLevel level);

/* ---- command line ------------------------------------------------------------------------ */

typedef struct {
  const char *name; /* model input name */
  OptSet set;       /* its INPUT values */
} OptInput;

typedef struct {
  unsigned cmd;
  bool help;        /* -h / --help was given (nothing else is checked) */
  OptSet run;       /* RUN values */
  OptSet model;     /* MODEL values */
  OptSet in_all;    /* INPUT values given without an input name: every input */
  OptInput *inputs; /* INPUT values per named input, in first-seen order */
  int n_inputs, cap_inputs;
  const char **input_order; /* names from mo's --input, in order (for [..],[..] lists) */
  int n_order;
  const char **pos; /* positional arguments */
  int n_pos;
  Buf notes; /* lines to show the user (ignored config keys), each ending in '\n' */
  Arena *a;
} OptArgs;

/* Parses argv[0..argc) for command cmd (one CMD_* bit). Returns 0, or -1 with err (ERR_USAGE,
 * msg without any prefix: `unknown option '--shaevs' (did you mean '--shaves'?)`). Free nothing:
 * everything is in a; call opt_args_free for the notes buffer. */
int opt_cli_parse(OptArgs *out, unsigned cmd, int argc, char **argv, Arena *a, Err *err);
void opt_args_free(OptArgs *o);
/* The INPUT set of a named input of o, created when absent. */
OptSet *opt_args_input(OptArgs *o, const char *name);

/* ---- documentation ----------------------------------------------------------------------- */

/* The name of a command bit ("convert"), its synopsis and one line about it. */
const char *opt_cmd_name(unsigned cmd);
/* The command bit of a name, 0 when there is none. */
unsigned opt_cmd_by_name(const char *name);
/* `blobc CMD --help`: usage line, what it does, every option of the table for cmd. cmd 0: the
 * overview of every command. */
void opt_help(Buf *b, unsigned cmd);
/* The man page blobc.1 (roff, man macros), generated from the table. */
void opt_man(Buf *b);

#endif
