/* ev.array: a typed, 1-based, fixed-length buffer that exprvm reads and writes in place. */
#include "ev_array.h"

#include <string.h>

#include <lauxlib.h>

/* ------------------------------------------------------------------------------- codecs */

static const char *store_bool(lua_State *L, int idx, void *p) {
  if (lua_type(L, idx) != LUA_TBOOLEAN) return "expected a boolean";
  *(uint8_t *)p = (uint8_t)lua_toboolean(L, idx);
  return NULL;
}
static void push_bool(lua_State *L, const void *p) { lua_pushboolean(L, *(const uint8_t *)p); }

/* Signed integers: a Lua integer, or a float with an integral value, within the type's range. */
#define SIGNED_CODEC(T, LOW, HIGH)                                                 \
  static const char *store_##T(lua_State *L, int idx, void *p) {                \
    if (lua_type(L, idx) != LUA_TNUMBER) return "expected a number";            \
    int exact = 0;                                                               \
    const lua_Integer v = lua_tointegerx(L, idx, &exact);                        \
    if (!exact) return "not an integer";                                         \
    if (v < (LOW) || v > (HIGH)) return "out of range";                          \
    *(T *)p = (T)v;                                                              \
    return NULL;                                                                 \
  }                                                                              \
  static void push_##T(lua_State *L, const void *p) { lua_pushinteger(L, *(const T *)p); }
SIGNED_CODEC(int8_t, INT8_MIN, INT8_MAX)
SIGNED_CODEC(int16_t, INT16_MIN, INT16_MAX)
SIGNED_CODEC(int32_t, INT32_MIN, INT32_MAX)
SIGNED_CODEC(int64_t, INT64_MIN, INT64_MAX)

/* Unsigned integers: as above, from 0. */
#define UNSIGNED_STORE(T, HIGH)                                                    \
  static const char *store_##T(lua_State *L, int idx, void *p) {                \
    if (lua_type(L, idx) != LUA_TNUMBER) return "expected a number";            \
    int exact = 0;                                                               \
    const lua_Integer v = lua_tointegerx(L, idx, &exact);                        \
    if (!exact) return "not an integer";                                         \
    if (v < 0 || (uint64_t)v > (uint64_t)(HIGH)) return "out of range";          \
    *(T *)p = (T)v;                                                              \
    return NULL;                                                                 \
  }
#define UNSIGNED_CODEC(T, HIGH)                                                    \
  UNSIGNED_STORE(T, HIGH)                                                        \
  static void push_##T(lua_State *L, const void *p) { lua_pushinteger(L, *(const T *)p); }
UNSIGNED_CODEC(uint8_t, UINT8_MAX)
UNSIGNED_CODEC(uint16_t, UINT16_MAX)
UNSIGNED_CODEC(uint32_t, UINT32_MAX)
UNSIGNED_STORE(uint64_t, UINT64_MAX)
/* A uint64 above 2^63-1 comes back as a float: Lua integers are signed 64-bit. */
static void push_uint64_t(lua_State *L, const void *p) {
  const uint64_t v = *(const uint64_t *)p;
  if (v > (uint64_t)INT64_MAX) lua_pushnumber(L, (lua_Number)v);
  else lua_pushinteger(L, (lua_Integer)v);
}

#define FLOAT_CODEC(T)                                                             \
  static const char *store_##T(lua_State *L, int idx, void *p) {                \
    if (lua_type(L, idx) != LUA_TNUMBER) return "expected a number";            \
    *(T *)p = (T)lua_tonumber(L, idx);                                           \
    return NULL;                                                                 \
  }                                                                              \
  static void push_##T(lua_State *L, const void *p) { lua_pushnumber(L, *(const T *)p); }
FLOAT_CODEC(float)
FLOAT_CODEC(double)

/* Matched to the library's dtypes by name, so the order and number of exprvm's dtypes do not
 * matter here; dtypes without a row (complex, ...) are not available from Lua. */
static const ev_codec codecs[] = {
    {"bool", 1, push_bool, store_bool},
    {"int8", 1, push_int8_t, store_int8_t},
    {"int16", 2, push_int16_t, store_int16_t},
    {"int32", 4, push_int32_t, store_int32_t},
    {"int64", 8, push_int64_t, store_int64_t},
    {"uint8", 1, push_uint8_t, store_uint8_t},
    {"uint16", 2, push_uint16_t, store_uint16_t},
    {"uint32", 4, push_uint32_t, store_uint32_t},
    {"uint64", 8, push_uint64_t, store_uint64_t},
    {"float32", 4, push_float, store_float},
    {"float64", 8, push_double, store_double},
};
#define CODEC_COUNT (sizeof codecs / sizeof codecs[0])

const ev_codec *ev_codec_of(exprvm_dtype dtype) {
  const char *name = exprvm_dtype_name(dtype);
  if (!name) return NULL;
  for (size_t i = 0; i < CODEC_COUNT; ++i)
    if (strcmp(codecs[i].name, name) == 0) return &codecs[i];
  return NULL;
}

/* Pushes "bool, int8, ..." (the dtypes both the library and this module know). */
static void push_supported_names(lua_State *L) {
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  int first = 1;
  for (int d = 0; d < EXPRVM_DTYPE_COUNT; ++d) {
    if (!ev_codec_of((exprvm_dtype)d)) continue;
    if (!first) luaL_addstring(&b, ", ");
    luaL_addstring(&b, exprvm_dtype_name((exprvm_dtype)d));
    first = 0;
  }
  luaL_pushresult(&b);
}

exprvm_dtype ev_check_dtype_name(lua_State *L, const char *name, const char *who) {
  const char *problem = "unknown dtype";
  for (int d = 0; d < EXPRVM_DTYPE_COUNT; ++d) {
    const char *candidate = exprvm_dtype_name((exprvm_dtype)d);
    if (candidate && strcmp(candidate, name) == 0) {
      if (ev_codec_of((exprvm_dtype)d)) return (exprvm_dtype)d;
      problem = "the Lua module cannot hold dtype";
      break;
    }
  }
  push_supported_names(L);
  luaL_error(L, "%s: %s '%s' (the Lua module supports %s)", who, problem, name,
             lua_tostring(L, -1));
  return EXPRVM_FLOAT64; /* not reached */
}

/* -------------------------------------------------------------------------------- arrays */

/* The elements start at this offset in the userdata, aligned for every element type. */
#define DATA_OFFSET ((sizeof(ev_array) + 15) / 16 * 16)

ev_array *ev_array_new(lua_State *L, exprvm_dtype dtype, int64_t length) {
  const ev_codec *codec = ev_codec_of(dtype);
  if (!codec) {
    luaL_error(L, "exprvm: dtype %s is not supported by the Lua module", exprvm_dtype_name(dtype));
    return NULL; /* not reached */
  }
  if (length < 0 || (uint64_t)length > (SIZE_MAX - DATA_OFFSET) / codec->size / 2)
    luaL_error(L, "exprvm.array: length %I is out of range", (lua_Integer)length);
  const size_t bytes = (size_t)length * codec->size;
  unsigned char *block = lua_newuserdatauv(L, DATA_OFFSET + bytes, 0);
  ev_array *a = (ev_array *)block;
  a->dtype = dtype;
  a->codec = codec;
  a->length = length;
  a->data = block + DATA_OFFSET;
  memset(a->data, 0, bytes);
  luaL_setmetatable(L, EV_ARRAY_METATABLE);
  return a;
}

ev_array *ev_array_test(lua_State *L, int idx) {
  return (ev_array *)luaL_testudata(L, idx, EV_ARRAY_METATABLE);
}

/* Raises "<who>: element <i> (<value>) does not fit <dtype>: <why>"; the value is at idx. */
static void element_error(lua_State *L, int idx, const char *who, lua_Integer i,
                          const char *dtype, const char *why) {
  const char *shown = luaL_tolstring(L, idx, NULL);
  luaL_error(L, "%s: element %I (%s) does not fit %s: %s", who, i, shown, dtype, why);
}

void ev_array_fill_from_table(lua_State *L, int idx, ev_array *a, const char *who) {
  idx = lua_absindex(L, idx);
  unsigned char *p = a->data;
  for (int64_t i = 0; i < a->length; ++i, p += a->codec->size) {
    lua_geti(L, idx, i + 1);
    const char *why = a->codec->store(L, -1, p);
    if (why) element_error(L, -1, who, i + 1, a->codec->name, why);
    lua_pop(L, 1);
  }
}

void ev_array_push_table(lua_State *L, const ev_array *a) {
  lua_createtable(L, a->length > INT32_MAX ? 0 : (int)a->length, 0);
  const unsigned char *p = a->data;
  for (int64_t i = 0; i < a->length; ++i, p += a->codec->size) {
    a->codec->push(L, p);
    lua_seti(L, -2, i + 1);
  }
}

/* The element index at stack 2 as a 0-based offset, checked against the length. */
static int64_t check_index(lua_State *L, const ev_array *a) {
  const lua_Integer i = luaL_checkinteger(L, 2);
  if (i < 1 || i > a->length)
    luaL_error(L, "exprvm.array: index %I is out of range [1, %I]", i, (lua_Integer)a->length);
  return i - 1;
}

/* ev.array(dtype, n) -> n zeros; ev.array(dtype, table) -> a copy of the table. */
static int array_constructor(lua_State *L) {
  const exprvm_dtype dtype = ev_check_dtype_name(L, luaL_checkstring(L, 1), "exprvm.array");
  if (lua_type(L, 2) == LUA_TTABLE) {
    ev_array *a = ev_array_new(L, dtype, (int64_t)luaL_len(L, 2));
    ev_array_fill_from_table(L, 2, a, "exprvm.array");
    return 1;
  }
  if (lua_type(L, 2) != LUA_TNUMBER)
    return luaL_typeerror(L, 2, "length (integer) or table of values");
  const lua_Integer n = luaL_checkinteger(L, 2);
  if (n < 0) return luaL_argerror(L, 2, "length must not be negative");
  ev_array_new(L, dtype, n);
  return 1;
}

static int array_index(lua_State *L) {
  const ev_array *a = luaL_checkudata(L, 1, EV_ARRAY_METATABLE);
  if (lua_type(L, 2) == LUA_TSTRING) { /* a method */
    lua_getmetatable(L, 1);
    lua_getfield(L, -1, "methods");
    lua_pushvalue(L, 2);
    lua_rawget(L, -2);
    return 1;
  }
  const int64_t i = check_index(L, a);
  a->codec->push(L, (const unsigned char *)a->data + i * (int64_t)a->codec->size);
  return 1;
}

static int array_newindex(lua_State *L) {
  ev_array *a = luaL_checkudata(L, 1, EV_ARRAY_METATABLE);
  const int64_t i = check_index(L, a);
  const char *why = a->codec->store(L, 3, (unsigned char *)a->data + i * (int64_t)a->codec->size);
  if (why) element_error(L, 3, "exprvm.array", i + 1, a->codec->name, why);
  return 0;
}

static int array_len(lua_State *L) {
  const ev_array *a = luaL_checkudata(L, 1, EV_ARRAY_METATABLE);
  lua_pushinteger(L, a->length);
  return 1;
}

static int array_totable(lua_State *L) {
  ev_array_push_table(L, luaL_checkudata(L, 1, EV_ARRAY_METATABLE));
  return 1;
}

static int array_dtype(lua_State *L) {
  const ev_array *a = luaL_checkudata(L, 1, EV_ARRAY_METATABLE);
  lua_pushstring(L, a->codec->name);
  return 1;
}

/* a:fill(value) sets every element. */
static int array_fill(lua_State *L) {
  ev_array *a = luaL_checkudata(L, 1, EV_ARRAY_METATABLE);
  luaL_checkany(L, 2);
  unsigned char *p = a->data;
  for (int64_t i = 0; i < a->length; ++i, p += a->codec->size) {
    const char *why = a->codec->store(L, 2, p);
    if (why) element_error(L, 2, "exprvm.array:fill", i + 1, a->codec->name, why);
  }
  lua_settop(L, 1);
  return 1;
}

/* "exprvm.array(float32, 3): {1.0, 2.0, 3.0}", eliding the middle of long arrays. */
static int array_tostring(lua_State *L) {
  const ev_array *a = luaL_checkudata(L, 1, EV_ARRAY_METATABLE);
  luaL_Buffer b;
  luaL_buffinit(L, &b);
  lua_pushfstring(L, "exprvm.array(%s, %I): {", a->codec->name, (lua_Integer)a->length);
  luaL_addvalue(&b);
  for (int64_t i = 0; i < a->length; ++i) {
    if (a->length > 10 && i == 5) {
      luaL_addstring(&b, ", ...");
      i = a->length - 5;
    }
    if (i > 0) luaL_addstring(&b, ", ");
    a->codec->push(L, (const unsigned char *)a->data + i * (int64_t)a->codec->size);
    luaL_tolstring(L, -1, NULL);
    lua_remove(L, -2);
    luaL_addvalue(&b);
  }
  luaL_addstring(&b, "}");
  luaL_pushresult(&b);
  return 1;
}

void ev_array_register(lua_State *L) {
  static const luaL_Reg metamethods[] = {{"__index", array_index},
                                         {"__newindex", array_newindex},
                                         {"__len", array_len},
                                         {"__tostring", array_tostring},
                                         {NULL, NULL}};
  static const luaL_Reg methods[] = {{"totable", array_totable},
                                     {"dtype", array_dtype},
                                     {"fill", array_fill},
                                     {NULL, NULL}};
  luaL_newmetatable(L, EV_ARRAY_METATABLE);
  luaL_setfuncs(L, metamethods, 0);
  luaL_newlib(L, methods);
  lua_setfield(L, -2, "methods");
  lua_pop(L, 1);

  lua_pushcfunction(L, array_constructor);
  lua_setfield(L, -2, "array");
  lua_newtable(L); /* ev.dtypes: the supported names, in the library's order */
  lua_Integer n = 0;
  for (int d = 0; d < EXPRVM_DTYPE_COUNT; ++d) {
    if (!ev_codec_of((exprvm_dtype)d)) continue;
    lua_pushstring(L, exprvm_dtype_name((exprvm_dtype)d));
    lua_seti(L, -2, ++n);
  }
  lua_setfield(L, -2, "dtypes");
}
