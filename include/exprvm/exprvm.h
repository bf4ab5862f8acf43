/* exprvm's public C API (C11; also usable from C++). Compile an expression program once, run
 * it many times on caller buffers.
 *
 *   exprvm_param params[] = {{"a", EXPRVM_FLOAT32, 0}};
 *   exprvm_error *err = NULL;
 *   exprvm_program *prog = exprvm_compile("where(a > 1, a*2, -a)", params, 1, &err);
 *   if (!prog) { fprintf(stderr, "%s\n", exprvm_error_message(err)); exprvm_error_free(err); }
 *   int64_t n = 4;
 *   exprvm_array a = {a_data, EXPRVM_FLOAT32, 1, &n, NULL};
 *   exprvm_array out = {out_data, EXPRVM_FLOAT32, 1, &n, NULL};
 *   if (exprvm_run(prog, &a, 1, &out, &err) != 0) { ... }
 *   exprvm_program_free(prog);
 *
 * Errors. Every function that can fail takes `exprvm_error **err` last. On failure it returns
 * NULL (or a non-zero int) and, when err is not NULL, stores a new exprvm_error in *err, which
 * the caller frees with exprvm_error_free; on success it sets *err to NULL. *err is
 * overwritten either way, so free an earlier error before reusing its variable. err may be NULL
 * (the details are then dropped). No C++ exception ever leaves the library: running out of
 * memory is EXPRVM_ERROR_OUT_OF_MEMORY. Invalid arguments (NULL pointers, a bad dtype, ndim
 * outside [0, 32], the wrong number of arguments, mismatched shapes) are reported as errors
 * before any caller buffer is written.
 *
 * Ownership and thread-safety of the handles:
 *   exprvm_program  created by exprvm_compile, freed by exprvm_program_free. Immutable: one
 *                   program may be run (exprvm_run, exprvm_bind, exprvm_disassemble) from many
 *                   threads at once. It does not keep the source or the params arrays.
 *   exprvm_bound    created by exprvm_bind, freed by exprvm_bound_free (before or after its
 *                   program: it holds its own reference). It reads the bound buffers' data
 *                   pointers, shapes and strides once, at bind time (the exprvm_array structs
 *                   and their shape/stride arrays may be freed after exprvm_bind returns); the
 *                   buffers themselves must stay alive and in place for as long as it runs. Not
 *                   thread-safe: run one exprvm_bound on one thread at a time (bind one per
 *                   thread).
 *   exprvm_error    created by a failing call, freed by exprvm_error_free. Owned by the caller,
 *                   independent of every other handle; its strings live as long as it does.
 *   strings         exprvm_disassemble returns a string the caller frees with
 *                   exprvm_string_free; exprvm_dtype_name, exprvm_error_kind_name and
 *                   exprvm_version return static strings (never freed).
 * The thread count (exprvm_set_num_threads) and the JIT mode (exprvm_set_jit) are process-wide.
 */
#ifndef EXPRVM_EXPRVM_H
#define EXPRVM_EXPRVM_H
#if defined(EXPRVM_LAYER) && EXPRVM_LAYER < 4  /* layers: core 1 <- compiler 2 <- vm 3 <- runtime 4 */
#error "upward include: runtime/ may be included by runtime/ and code above the library"
#endif

#include <stddef.h>
#include <stdint.h>

#include "core/export.hpp"

#ifdef __cplusplus
extern "C" {
#endif

/* Element types, generated from core/dtypes.def (X(Name, UPPER, ...) -> EXPRVM_UPPER, in row
 * order, starting at 0): EXPRVM_BOOL, EXPRVM_INT8, EXPRVM_INT16, EXPRVM_INT32, EXPRVM_INT64,
 * EXPRVM_UINT8, EXPRVM_UINT16, EXPRVM_UINT32, EXPRVM_UINT64, EXPRVM_FLOAT32, EXPRVM_FLOAT64,
 * EXPRVM_COMPLEX64, EXPRVM_COMPLEX128, EXPRVM_FLOAT16. The values are fixed within one SONAME
 * (tests/test_c_api.cpp pins them). Element layouts: a bool is one byte holding 0 or 1 (other
 * byte values are undefined behaviour); integers and floats are the C types of that width in
 * native byte order; float16 is IEEE 754 binary16 bits in a uint16_t; complex values are
 * (real, imaginary) pairs, like C's float _Complex / double _Complex. */
#pragma push_macro("X")
#undef X
#define X(NAME, UPPER, CXX, KIND, SIZE, NPY, SPELLING, SUFFIX, COMPUTE) EXPRVM_##UPPER,
typedef enum exprvm_dtype {
#include "core/dtypes.def"
  EXPRVM_DTYPE_COUNT /* the number of dtypes, not a dtype */
} exprvm_dtype;
#undef X
#pragma pop_macro("X")

/* NumPy's name of a dtype ("float32", "bool", ...); NULL for a value that is not a dtype. */
EXPRVM_API const char *exprvm_dtype_name(exprvm_dtype dtype);

/* The library's version, "MAJOR.MINOR.PATCH" (static string). */
EXPRVM_API const char *exprvm_version(void);

/* ------------------------------------------------------------------------------- errors */

/* What went wrong (mirrors exprvm::ErrorKind; OUT_OF_MEMORY is the C API's own). */
typedef enum exprvm_error_code {
  EXPRVM_ERROR_SYNTAX,    /* the text is not in the language */
  EXPRVM_ERROR_NAME,      /* unknown variable */
  EXPRVM_ERROR_FUNCTION,  /* unknown function, or wrong arity / keyword */
  EXPRVM_ERROR_LITERAL,   /* bad literal (e.g. integer too large) */
  EXPRVM_ERROR_TYPE,      /* operation not defined for the operand dtypes */
  EXPRVM_ERROR_REDUCTION, /* reduction not outermost, or bad axis */
  EXPRVM_ERROR_CAST,      /* the result cannot be written into out under the casting rule */
  EXPRVM_ERROR_SHAPE,     /* shapes do not broadcast, or out has the wrong shape */
  EXPRVM_ERROR_ARGUMENT,  /* a NULL pointer, a missing / malformed argument, a wrong dtype */
  EXPRVM_ERROR_INTERNAL,  /* a bug in exprvm */
  EXPRVM_ERROR_OUT_OF_MEMORY = 100
} exprvm_error_code;

typedef struct exprvm_error exprvm_error;

/* The full message: for an error in the source text, the message, then the source line and a
 * line of carets under the culprit:
 *     name 'gradd' is not defined
 *       param - gradd
 *               ^^^^^
 * Valid until exprvm_error_free(error). "" for a NULL error. */
EXPRVM_API const char *exprvm_error_message(const exprvm_error *error);
/* The kind of error; EXPRVM_ERROR_INTERNAL for a NULL error. */
EXPRVM_API exprvm_error_code exprvm_error_kind(const exprvm_error *error);
/* "syntax error", "name error", ..., "out of memory error" (static string); NULL for a value
 * that is not an error code. */
EXPRVM_API const char *exprvm_error_kind_name(exprvm_error_code code);
/* 1-based line and column in the source of the error's position; 0 when it has none (errors
 * about arguments, and a NULL error). */
EXPRVM_API unsigned exprvm_error_line(const exprvm_error *error);
EXPRVM_API unsigned exprvm_error_column(const exprvm_error *error);
/* Frees an error; NULL is ignored. */
EXPRVM_API void exprvm_error_free(exprvm_error *error);

/* ------------------------------------------------------------------------------ programs */

/* One parameter of a program: its name in the source, its dtype, and whether it is a scalar
 * (a single value broadcast to every element, passed as a 0-d array). */
typedef struct exprvm_param {
  const char *name;
  exprvm_dtype dtype;
  int scalar;
} exprvm_param;

/* A view of caller memory: dtype, shape[0..ndim) and strides in BYTES (NULL = C-contiguous;
 * strides may be 0 or negative). ndim is 0..32; ndim 0 is a single value (shape and strides
 * may then be NULL). data may be NULL only for an array with no elements. */
typedef struct exprvm_array {
  void *data;
  exprvm_dtype dtype;
  int ndim;
  const int64_t *shape;
  const int64_t *strides;
} exprvm_array;

typedef struct exprvm_program exprvm_program;

/* Compiles `source` (statements separated by ';' or newlines; `name = expr` writes a
 * parameter in place, a final bare expression is the result) for the parameters
 * params[0..nparams). Names, dtypes and the expression are checked here. Returns NULL on
 * error. params may be NULL when nparams is 0. */
EXPRVM_API exprvm_program *exprvm_compile(const char *source, const exprvm_param *params,
                                          size_t nparams, exprvm_error **err);
/* Frees a program; NULL is ignored. Bound programs made from it stay valid. */
EXPRVM_API void exprvm_program_free(exprvm_program *program);

/* Returns 1 and stores the result's dtype in *dtype when the program ends in a bare expression
 * (a result), 0 when it only assigns. */
EXPRVM_API int exprvm_program_result_dtype(const exprvm_program *program, exprvm_dtype *dtype);

/* Runs the program. args[i] is the i-th parameter (params order at compile time, nargs must
 * equal nparams; 0-d arrays for scalars). Arguments broadcast against each other (NumPy
 * rules). A program with a result writes it into *out, which must have the broadcast shape
 * and a dtype the result casts to under NumPy's same_kind rule; out must be NULL when the
 * program only assigns, and must NOT be NULL when it has a result (EXPRVM_ERROR_ARGUMENT:
 * the library never allocates results; exprvm_program_result_dtype gives the dtype).
 * Assigned parameters are updated in place. Returns 0 on success; on error nothing has been
 * written. */
EXPRVM_API int exprvm_run(const exprvm_program *program, const exprvm_array *args, size_t nargs,
                          exprvm_array *out, exprvm_error **err);

/* A one-line-per-instruction listing of the bytecode, or NULL on error. Free it with
 * exprvm_string_free. */
EXPRVM_API char *exprvm_disassemble(const exprvm_program *program, exprvm_error **err);
/* Frees a string returned by the library; NULL is ignored. */
EXPRVM_API void exprvm_string_free(char *string);

/* ------------------------------------------------------------------- bound programs (hot loop) */

typedef struct exprvm_bound exprvm_bound;

/* Binds a program to fixed buffers, with the checks of exprvm_run (nothing is written), for
 * running again and again with exprvm_bound_run, which skips them: in a loop over the same
 * arrays a run then costs little more than the kernels. The buffers' contents (including 0-d
 * scalars) are read afresh on every run; their addresses, shapes and strides must not change.
 * Same rules for args and out as exprvm_run. Returns NULL on error. */
EXPRVM_API exprvm_bound *exprvm_bind(const exprvm_program *program, const exprvm_array *args,
                                     size_t nargs, exprvm_array *out, exprvm_error **err);
/* Runs a bound program; returns 0 on success. */
EXPRVM_API int exprvm_bound_run(exprvm_bound *bound, exprvm_error **err);
/* Frees a bound program; NULL is ignored. */
EXPRVM_API void exprvm_bound_free(exprvm_bound *bound);

/* -------------------------------------------------------------------------------- threads */

/* Threads used for large arrays (default: all cores). Returns the previous value, or -1 (and
 * an error) when n < 1. */
EXPRVM_API int exprvm_set_num_threads(int n, exprvm_error **err);
EXPRVM_API int exprvm_get_num_threads(void);

/* ------------------------------------------------------------------------------------ JIT */

/* The JIT tier (mirrors exprvm::JitMode; the values are fixed within one SONAME): TIERED, the
 * default, compiles a program's loop to native code on its first run of at least 4096
 * elements or on its 16th run; ALWAYS on its first run; OFF interprets everything. Results are
 * the same bits in every mode. The environment variable EXPRVM_JIT (0 or off / 1 / always)
 * sets the initial mode. */
typedef enum exprvm_jit_mode {
  EXPRVM_JIT_OFF,
  EXPRVM_JIT_TIERED,
  EXPRVM_JIT_ALWAYS
} exprvm_jit_mode;

/* Sets the JIT mode (process-wide; from the next run on, bound programs included). Returns the
 * previous mode, or -1 (and an EXPRVM_ERROR_ARGUMENT error) for a value that is not an
 * exprvm_jit_mode. */
EXPRVM_API int exprvm_set_jit(exprvm_jit_mode mode, exprvm_error **err);
EXPRVM_API exprvm_jit_mode exprvm_get_jit(void);

/* ------------------------------------------------------------------------ untrusted strings */

/* Returns 0 when every parameter the program assigns (`name = ...` with `name` a parameter,
 * updated in place by exprvm_run) is one of names[0..nnames); otherwise -1 and an
 * EXPRVM_ERROR_ARGUMENT error with a caret under the assignment. nnames 0 (names may then be
 * NULL) allows no assignment to a parameter. Call it after exprvm_compile and before running a
 * program compiled from a string the application does not trust. */
EXPRVM_API int exprvm_check_writable(const exprvm_program *program, const char *const *names,
                                     size_t nnames, exprvm_error **err);

#ifdef __cplusplus
}
#endif

#endif /* EXPRVM_EXPRVM_H */
