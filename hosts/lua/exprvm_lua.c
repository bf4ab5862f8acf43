/* The `exprvm` Lua 5.4 module (require("exprvm")), built on exprvm's C API only:
 *   ev.evaluate(source [, vars [, out]]) compile and run once; vars maps names to values
 *   ev.compile(source, signature)       a program: prog:run(vars [, out]), prog:disassemble()
 *   ev.array(dtype, n | table)          a typed buffer, zero-copy argument and destination
 *   ev.set_num_threads(n), ev.get_num_threads(), ev.version, ev.dtypes
 * Every library error becomes a Lua error carrying exprvm_error_message (with the source line
 * and the caret). Temporary buffers are Lua userdata, so a Lua error never leaks them, and the
 * program handle is freed by __gc (or early by __close). */
#include <stdlib.h>
#include <string.h>

#include <lauxlib.h>
#include <lua.h>

#include "ev_array.h"

#define PROGRAM_METATABLE "exprvm.program"

/* A compiled program. params[i].name points into the names table held as user value 1. */
typedef struct ev_program {
  exprvm_program *handle; /* NULL once closed */
  size_t nparams;
  exprvm_param params[];
} ev_program;

/* Raises a Lua error with the library's message (prefixed by the Lua position of the caller),
 * freeing err first. */
static int raise_exprvm_error(lua_State *L, exprvm_error *err) {
  lua_pushstring(L, exprvm_error_message(err));
  exprvm_error_free(err);
  luaL_where(L, 1);
  lua_insert(L, -2);
  lua_concat(L, 2);
  return lua_error(L);
}

/* -------------------------------------------------------------------------- compiling */

/* Pushes a program userdata with room for nparams parameters and an empty names table as its
 * user value; the caller fills params and then compiles. */
static ev_program *new_program(lua_State *L, size_t nparams) {
  ev_program *p = lua_newuserdatauv(L, sizeof(ev_program) + nparams * sizeof(exprvm_param), 1);
  p->handle = NULL;
  p->nparams = nparams;
  luaL_setmetatable(L, PROGRAM_METATABLE);
  lua_createtable(L, (int)nparams, 0);
  lua_setiuservalue(L, -2, 1);
  return p;
}

/* Sets parameter i of the program at stack index prog (the name string is at the top of the
 * stack and is popped into the names table, which keeps it alive). */
static void set_param(lua_State *L, int prog, ev_program *p, size_t i, exprvm_dtype dtype,
                      int scalar) {
  p->params[i].name = lua_tostring(L, -1);
  p->params[i].dtype = dtype;
  p->params[i].scalar = scalar;
  lua_getiuservalue(L, prog, 1);
  lua_insert(L, -2);
  lua_seti(L, -2, (lua_Integer)i + 1);
  lua_pop(L, 1);
}

static void compile_program(lua_State *L, ev_program *p, const char *source) {
  exprvm_error *err = NULL;
  p->handle = exprvm_compile(source, p->params, p->nparams, &err);
  if (!p->handle) raise_exprvm_error(L, err);
}

/* ev.compile(source, {{"a", "float32"}, {"s", "float64", scalar = true}, ...}) */
static int ev_compile(lua_State *L) {
  const char *source = luaL_checkstring(L, 1);
  luaL_checktype(L, 2, LUA_TTABLE);
  const size_t n = (size_t)luaL_len(L, 2);
  ev_program *p = new_program(L, n);
  const int prog = lua_gettop(L);
  for (size_t i = 0; i < n; ++i) {
    if (lua_geti(L, 2, (lua_Integer)i + 1) != LUA_TTABLE)
      return luaL_error(L, "exprvm.compile: signature[%d] is a %s; expected {name, dtype [, scalar = true]}",
                        (int)i + 1, luaL_typename(L, -1));
    const int entry = lua_gettop(L);
    lua_geti(L, entry, 2);
    const char *dtype_name = lua_tostring(L, -1);
    if (lua_type(L, -1) != LUA_TSTRING)
      return luaL_error(L, "exprvm.compile: signature[%d][2] (the dtype) is a %s; expected a string",
                        (int)i + 1, luaL_typename(L, -1));
    const exprvm_dtype dtype = ev_check_dtype_name(L, dtype_name, "exprvm.compile");
    lua_getfield(L, entry, "scalar");
    const int scalar = lua_toboolean(L, -1);
    lua_pop(L, 2);
    if (lua_geti(L, entry, 1) != LUA_TSTRING)
      return luaL_error(L, "exprvm.compile: signature[%d][1] (the name) is a %s; expected a string",
                        (int)i + 1, luaL_typename(L, -1));
    set_param(L, prog, p, i, dtype, scalar);
    lua_pop(L, 1); /* entry */
  }
  compile_program(L, p, source);
  return 1;
}

/* -------------------------------------------------------------------------------- running */

/* What run_program keeps per argument (in one userdata on the stack). */
typedef struct arg_slot {
  exprvm_array array;
  int64_t length;           /* shape[0] of a 1-D argument */
  unsigned char scalar[16]; /* storage of a number passed as a 0-d value */
} arg_slot;

/* Fills slot from the value at the top of the stack for parameter `param`; may push (and leave
 * on the stack) a converted copy of a table, which must stay alive until the run ends. */
static void bind_argument(lua_State *L, const exprvm_param *param, arg_slot *slot, const char *who) {
  const ev_codec *codec = ev_codec_of(param->dtype);
  slot->array.dtype = param->dtype;
  slot->array.strides = NULL;
  slot->array.shape = &slot->length;
  const int type = lua_type(L, -1);
  ev_array *a = ev_array_test(L, -1);
  if (a) {
    if (a->dtype != param->dtype)
      luaL_error(L, "%s: variable '%s' is an exprvm.array of %s; the program takes %s", who,
                 param->name, a->codec->name, codec->name);
    if (param->scalar && a->length != 1)
      luaL_error(L, "%s: variable '%s' is a scalar, but its exprvm.array has %I elements", who,
                 param->name, (lua_Integer)a->length);
    slot->array.data = a->data;
    slot->array.ndim = param->scalar ? 0 : 1;
    slot->length = a->length;
  } else if (type == LUA_TNUMBER || type == LUA_TBOOLEAN) {
    const char *why = codec->store(L, -1, slot->scalar);
    if (why)
      luaL_error(L, "%s: variable '%s' (%s) does not fit %s: %s", who, param->name,
                 luaL_tolstring(L, -1, NULL), codec->name, why);
    slot->array.data = slot->scalar;
    slot->array.ndim = 0;
  } else if (type == LUA_TTABLE) {
    if (param->scalar)
      luaL_error(L, "%s: variable '%s' is a scalar; expected a number or boolean, got a table",
                 who, param->name);
    lua_pushfstring(L, "%s: variable '%s'", who, param->name);
    ev_array *copy = ev_array_new(L, param->dtype, (int64_t)luaL_len(L, -2));
    ev_array_fill_from_table(L, -3, copy, lua_tostring(L, -2));
    lua_remove(L, -2); /* the label; the copy stays on the stack */
    slot->array.data = copy->data;
    slot->array.ndim = 1;
    slot->length = copy->length;
  } else {
    luaL_error(L, "%s: variable '%s' is a %s; expected a number, boolean, table or exprvm.array",
               who, param->name, luaL_typename(L, -1));
  }
}

/* The broadcast length of the 1-D arguments (equal, or 1), or -1 when all are 0-d. */
static int64_t broadcast_length(lua_State *L, const ev_program *p, const arg_slot *slots,
                                const char *who) {
  int64_t length = -1;
  size_t from = 0;
  for (size_t i = 0; i < p->nparams; ++i) {
    if (slots[i].array.ndim == 0) continue;
    if (length == -1 || length == 1) {
      length = slots[i].length;
      from = i;
    } else if (slots[i].length != length && slots[i].length != 1) {
      luaL_error(L, "%s: variables '%s' (length %I) and '%s' (length %I) have mismatched lengths",
                 who, p->params[from].name, (lua_Integer)length, p->params[i].name,
                 (lua_Integer)slots[i].length);
    }
  }
  return length;
}

/* Runs with out as a 1-D array of `length` (0-d when length is -1) and, when the library
 * rejects that shape and may_reduce is set (the program reduces: the C API does not tell the
 * result's shape), as a 0-d array over the same data. Returns the ndim that worked; raises the
 * first error when neither does. */
static int run_into(lua_State *L, const ev_program *p, const exprvm_array *args, void *data,
                    exprvm_dtype dtype, int64_t length, int may_reduce) {
  exprvm_array out = {data, dtype, length >= 0 ? 1 : 0, &length, NULL};
  exprvm_error *err = NULL;
  if (exprvm_run(p->handle, args, p->nparams, &out, &err) == 0) return out.ndim;
  if (out.ndim == 1 && may_reduce && exprvm_error_kind(err) == EXPRVM_ERROR_SHAPE) {
    out.ndim = 0;
    exprvm_error *second = NULL;
    if (exprvm_run(p->handle, args, p->nparams, &out, &second) == 0) {
      exprvm_error_free(err);
      return 0;
    }
    exprvm_error_free(second);
  }
  return raise_exprvm_error(L, err);
}

/* Runs the program at stack index prog with the variables table at vars; out_idx is the stack
 * index of an exprvm.array destination, or 0. Pushes the results: nothing for a program that
 * only assigns, out when given, otherwise a table, or a number/boolean for a 0-d result. */
static int run_program(lua_State *L, int prog, int vars, int out_idx, const char *who) {
  const ev_program *p = lua_touserdata(L, prog);
  if (!p->handle) return luaL_error(L, "%s: the program is closed", who);
  luaL_checkstack(L, (int)p->nparams * 3 + 8, "too many variables");
  /* Small programs keep their argument descriptors on the C stack (no garbage per run). */
  enum { STACK_PARAMS = 8 };
  arg_slot stack_slots[STACK_PARAMS];
  exprvm_array stack_args[STACK_PARAMS];
  arg_slot *slots = stack_slots;
  exprvm_array *args = stack_args;
  if (p->nparams > STACK_PARAMS) {
    slots = lua_newuserdatauv(L, p->nparams * sizeof(arg_slot), 0);
    args = lua_newuserdatauv(L, p->nparams * sizeof(exprvm_array), 0);
  }
  for (size_t i = 0; i < p->nparams; ++i) {
    if (lua_getfield(L, vars, p->params[i].name) == LUA_TNIL)
      return luaL_error(L, "%s: variable '%s' is missing from the variables table", who,
                        p->params[i].name);
    bind_argument(L, &p->params[i], &slots[i], who);
    args[i] = slots[i].array;
  }
  const int64_t length = broadcast_length(L, p, slots, who);

  exprvm_dtype result;
  const int has_result = exprvm_program_result_dtype(p->handle, &result);
  if (out_idx) {
    ev_array *out = luaL_checkudata(L, out_idx, EV_ARRAY_METATABLE);
    if (!has_result)
      return luaL_error(L, "%s: an out array was given, but the program has no result (it only assigns)", who);
    const int one = out->length == 1;
    run_into(L, p, args, out->data, out->dtype, one && length == -1 ? -1 : out->length, one);
    lua_pushvalue(L, out_idx);
    return 1;
  }
  if (!has_result) {
    exprvm_error *err = NULL;
    if (exprvm_run(p->handle, args, p->nparams, NULL, &err) != 0) return raise_exprvm_error(L, err);
    return 0;
  }
  if (!ev_codec_of(result))
    return luaL_error(L, "%s: the Lua module cannot hold the result's dtype %s", who,
                      exprvm_dtype_name(result));
  ev_array *r = ev_array_new(L, result, length > 1 ? length : 1);
  if (run_into(L, p, args, r->data, result, length, length >= 0) == 0) {
    r->codec->push(L, r->data);
    return 1;
  }
  r->length = length;
  ev_array_push_table(L, r);
  return 1;
}

/* ---------------------------------------------------------------------------- evaluate */

/* The dtype ev.evaluate gives a Lua table: bool when every element is a boolean, int64 when
 * every element is a Lua integer, float64 otherwise (and for an empty table). */
static exprvm_dtype infer_table_dtype(lua_State *L, int idx, const char *name) {
  const lua_Integer n = luaL_len(L, idx);
  lua_Integer booleans = 0, integers = 0;
  for (lua_Integer i = 1; i <= n; ++i) {
    const int type = lua_geti(L, idx, i);
    if (type == LUA_TBOOLEAN) ++booleans;
    else if (type == LUA_TNUMBER) integers += lua_isinteger(L, -1);
    else
      return luaL_error(L, "exprvm.evaluate: variable '%s': element %I is a %s; expected a number or boolean",
                        name, i, luaL_typename(L, -1));
    lua_pop(L, 1);
    if (booleans && booleans != i)
      return luaL_error(L, "exprvm.evaluate: variable '%s' mixes booleans and numbers (element %I)",
                        name, i);
  }
  if (n > 0 && booleans == n) return EXPRVM_BOOL;
  return n > 0 && integers == n ? EXPRVM_INT64 : EXPRVM_FLOAT64;
}

static int compare_names(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* ev.evaluate(source [, vars [, out]]): the variables become the program's parameters, in name
 * order: exprvm.arrays keep their dtype; tables get infer_table_dtype; a number is an int64
 * (Lua integer) or float64 scalar, a boolean a bool scalar. */
static int ev_evaluate(lua_State *L) {
  const char *source = luaL_checkstring(L, 1);
  if (!lua_isnoneornil(L, 2)) luaL_checktype(L, 2, LUA_TTABLE);
  if (!lua_isnoneornil(L, 3)) luaL_checkudata(L, 3, EV_ARRAY_METATABLE);
  lua_settop(L, 3); /* index 3 is out or nil */
  if (lua_isnil(L, 2)) { /* no variables */
    lua_newtable(L);
    lua_replace(L, 2);
  }
  size_t n = 0;
  for (lua_pushnil(L); lua_next(L, 2); lua_pop(L, 1)) {
    if (lua_type(L, -2) != LUA_TSTRING)
      return luaL_error(L, "exprvm.evaluate: the variables table has a %s key; names must be strings",
                        luaL_typename(L, -2));
    ++n;
  }
  const char **names = lua_newuserdatauv(L, (n ? n : 1) * sizeof(char *), 0);
  size_t k = 0;
  for (lua_pushnil(L); lua_next(L, 2); lua_pop(L, 1)) names[k++] = lua_tostring(L, -2);
  qsort(names, n, sizeof(char *), compare_names);

  ev_program *p = new_program(L, n);
  const int prog = lua_gettop(L);
  for (size_t i = 0; i < n; ++i) {
    const int type = lua_getfield(L, 2, names[i]);
    const ev_array *a = ev_array_test(L, -1);
    exprvm_dtype dtype;
    int scalar = 0;
    if (a) {
      dtype = a->dtype;
    } else if (type == LUA_TNUMBER) {
      dtype = lua_isinteger(L, -1) ? EXPRVM_INT64 : EXPRVM_FLOAT64;
      scalar = 1;
    } else if (type == LUA_TBOOLEAN) {
      dtype = EXPRVM_BOOL;
      scalar = 1;
    } else if (type == LUA_TTABLE) {
      dtype = infer_table_dtype(L, -1, names[i]);
    } else {
      return luaL_error(L, "exprvm.evaluate: variable '%s' is a %s; expected a number, boolean, table or exprvm.array",
                        names[i], luaL_typename(L, -1));
    }
    lua_pop(L, 1);
    lua_pushstring(L, names[i]);
    set_param(L, prog, p, i, dtype, scalar);
  }
  compile_program(L, p, source);
  return run_program(L, prog, 2, lua_isnoneornil(L, 3) ? 0 : 3, "exprvm.evaluate");
}

/* ----------------------------------------------------------------------- program methods */

static ev_program *check_open_program(lua_State *L) {
  ev_program *p = luaL_checkudata(L, 1, PROGRAM_METATABLE);
  if (!p->handle) luaL_error(L, "exprvm.program: the program is closed");
  return p;
}

/* prog:run(vars [, out]) */
static int program_run(lua_State *L) {
  check_open_program(L);
  luaL_checktype(L, 2, LUA_TTABLE);
  if (!lua_isnoneornil(L, 3)) luaL_checkudata(L, 3, EV_ARRAY_METATABLE);
  lua_settop(L, 3); /* index 3 is out or nil */
  return run_program(L, 1, 2, lua_isnoneornil(L, 3) ? 0 : 3, "exprvm.program:run");
}

static int program_disassemble(lua_State *L) {
  const ev_program *p = check_open_program(L);
  exprvm_error *err = NULL;
  char *text = exprvm_disassemble(p->handle, &err);
  if (!text) return raise_exprvm_error(L, err);
  lua_pushstring(L, text);
  exprvm_string_free(text);
  return 1;
}

/* prog:result_dtype() -> "float64", or nil when the program only assigns. */
static int program_result_dtype(lua_State *L) {
  const ev_program *p = check_open_program(L);
  exprvm_dtype dtype;
  if (exprvm_program_result_dtype(p->handle, &dtype)) lua_pushstring(L, exprvm_dtype_name(dtype));
  else lua_pushnil(L);
  return 1;
}

/* __gc and __close: frees the handle (once). */
static int program_free(lua_State *L) {
  ev_program *p = luaL_checkudata(L, 1, PROGRAM_METATABLE);
  exprvm_program_free(p->handle);
  p->handle = NULL;
  return 0;
}

static int program_tostring(lua_State *L) {
  const ev_program *p = luaL_checkudata(L, 1, PROGRAM_METATABLE);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  luaL_addstring(&b, p->handle ? "exprvm.program(" : "exprvm.program(closed; ");
  for (size_t i = 0; i < p->nparams; ++i) {
    lua_pushfstring(L, "%s%s %s%s", i ? ", " : "", p->params[i].name,
                    exprvm_dtype_name(p->params[i].dtype), p->params[i].scalar ? " scalar" : "");
    luaL_addvalue(&b);
  }
  luaL_addstring(&b, ")");
  luaL_pushresult(&b);
  return 1;
}

/* --------------------------------------------------------------------------------- module */

static int ev_set_num_threads(lua_State *L) {
  const lua_Integer n = luaL_checkinteger(L, 1);
  if (n < 1 || n > 1 << 20) return luaL_argerror(L, 1, "the thread count must be in [1, 1048576]");
  exprvm_error *err = NULL;
  const int previous = exprvm_set_num_threads((int)n, &err);
  if (previous < 0) return raise_exprvm_error(L, err);
  lua_pushinteger(L, previous);
  return 1;
}

static int ev_get_num_threads(lua_State *L) {
  lua_pushinteger(L, exprvm_get_num_threads());
  return 1;
}

__attribute__((visibility("default"))) int luaopen_exprvm(lua_State *L) {
  static const luaL_Reg program_methods[] = {{"run", program_run},
                                             {"disassemble", program_disassemble},
                                             {"result_dtype", program_result_dtype},
                                             {NULL, NULL}};
  luaL_newmetatable(L, PROGRAM_METATABLE);
  lua_pushcfunction(L, program_free);
  lua_setfield(L, -2, "__gc");
  lua_pushcfunction(L, program_free);
  lua_setfield(L, -2, "__close");
  lua_pushcfunction(L, program_tostring);
  lua_setfield(L, -2, "__tostring");
  luaL_newlib(L, program_methods);
  lua_setfield(L, -2, "__index");
  lua_pop(L, 1);

  static const luaL_Reg functions[] = {{"evaluate", ev_evaluate},
                                       {"compile", ev_compile},
                                       {"set_num_threads", ev_set_num_threads},
                                       {"get_num_threads", ev_get_num_threads},
                                       {NULL, NULL}};
  luaL_newlib(L, functions);
  ev_array_register(L);
  lua_pushstring(L, exprvm_version());
  lua_setfield(L, -2, "version");
  return 1;
}
