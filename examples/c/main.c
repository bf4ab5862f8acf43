/* The C API from C11: compile an expression for a float32 array, run it and check the values;
 * update an array in place in a loop through a bound program; read a syntax error.
 *   gcc -std=c11 main.c $(pkg-config --cflags --libs exprvm)   (or CMake: CMakeLists.txt)
 * Exits non-zero when a value is wrong or a call fails unexpectedly. */
#include <exprvm/exprvm.h>

#include <stdint.h>
#include <stdio.h>

#define N 6

/* Prints the error, frees it and returns 1 (for `return fail(err)`). */
static int fail(exprvm_error *err) {
  fprintf(stderr, "unexpected %s: %s\n", exprvm_error_kind_name(exprvm_error_kind(err)),
          exprvm_error_message(err));
  exprvm_error_free(err);
  return 1;
}

int main(void) {
  printf("exprvm %s\n", exprvm_version());
  exprvm_error *err = NULL;

  /* 1. A result into a caller buffer. */
  float a[N] = {0.0f, 1.0f, 2.0f, 3.0f, 0.5f, -4.0f};
  const float expected[N] = {-0.0f, -1.0f, 4.0f, 6.0f, -0.5f, 4.0f};
  float result[N] = {0};
  const int64_t shape[1] = {N};
  const exprvm_param params[] = {{"a", EXPRVM_FLOAT32, 0}};
  exprvm_program *where = exprvm_compile("where(a > 1, a*2, -a)", params, 1, &err);
  if (!where) return fail(err);
  const exprvm_array args[] = {{a, EXPRVM_FLOAT32, 1, shape, NULL}};
  exprvm_array out = {result, EXPRVM_FLOAT32, 1, shape, NULL};
  if (exprvm_run(where, args, 1, &out, &err) != 0) return fail(err);
  exprvm_program_free(where);
  printf("where(a > 1, a*2, -a) =");
  int wrong = 0;
  for (int i = 0; i < N; ++i) {
    printf(" %g", result[i]);
    wrong += result[i] != expected[i];
  }
  printf("\n%s\n", wrong ? "values WRONG" : "values OK");

  /* 2. In place, in a loop: bind once, run many times; the scalar `lr` is re-read each run. */
  double p[N] = {1, 2, 3, 4, 5, 6}, g[N] = {1, 1, 1, 1, 1, 1}, lr = 0.5;
  const exprvm_param sgd_params[] = {{"p", EXPRVM_FLOAT64, 0}, {"g", EXPRVM_FLOAT64, 0},
                                     {"lr", EXPRVM_FLOAT64, 1}};
  exprvm_program *sgd = exprvm_compile("p = p - lr * g", sgd_params, 3, &err);
  if (!sgd) return fail(err);
  const exprvm_array sgd_args[] = {{p, EXPRVM_FLOAT64, 1, shape, NULL},
                                   {g, EXPRVM_FLOAT64, 1, shape, NULL},
                                   {&lr, EXPRVM_FLOAT64, 0, NULL, NULL}};
  exprvm_bound *step = exprvm_bind(sgd, sgd_args, 3, NULL, &err);
  exprvm_program_free(sgd); /* the bound program keeps what it needs */
  if (!step) return fail(err);
  for (int i = 0; i < 4; ++i) {
    if (exprvm_bound_run(step, &err) != 0) return fail(err);
    lr = 0.25;
  }
  exprvm_bound_free(step);
  printf("sgd: p[0] = %g (expected %g)\n", p[0], 1 - 0.5 - 3 * 0.25);
  wrong += p[0] != 1 - 0.5 - 3 * 0.25;

  /* 3. A syntax error: message, position and caret. */
  exprvm_program *bad = exprvm_compile("a * (a + ", params, 1, &err);
  if (bad || !err || exprvm_error_kind(err) != EXPRVM_ERROR_SYNTAX) {
    fprintf(stderr, "expected a syntax error\n");
    return 1;
  }
  printf("%s at line %u, column %u:\n%s\n", exprvm_error_kind_name(exprvm_error_kind(err)),
         exprvm_error_line(err), exprvm_error_column(err), exprvm_error_message(err));
  exprvm_error_free(err);
  return wrong ? 1 : 0;
}
