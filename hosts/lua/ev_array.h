/* The Lua module's typed buffers (`ev.array`) and the conversions between Lua values and
 * exprvm's element types. Built on the C API only (include/exprvm/exprvm.h). */
#ifndef EXPRVM_LUA_EV_ARRAY_H
#define EXPRVM_LUA_EV_ARRAY_H

#include <stddef.h>
#include <stdint.h>

#include <lua.h>

#include <exprvm/exprvm.h>

/* How one element type is read from and written to Lua. */
typedef struct ev_codec {
  const char *name; /* NumPy's name, as exprvm_dtype_name spells it */
  size_t size;      /* bytes per element */
  /* Pushes the element at p. */
  void (*push)(lua_State *L, const void *p);
  /* Converts the Lua value at stack index idx and stores it at p; returns NULL on success, or
   * a static description of why the value does not fit ("not an integer", ...). */
  const char *(*store)(lua_State *L, int idx, void *p);
} ev_codec;

/* The codec of a dtype, or NULL when the Lua module cannot hold that dtype (complex, ...). */
const ev_codec *ev_codec_of(exprvm_dtype dtype);

/* The dtype named `name` ("float32", ...) that the module supports; raises a Lua error naming
 * `who` and listing the supported names otherwise. */
exprvm_dtype ev_check_dtype_name(lua_State *L, const char *name, const char *who);

/* A 1-D typed buffer; its elements follow the header in the same userdata block, so the Lua
 * garbage collector owns them (no __gc needed) and they never move. */
typedef struct ev_array {
  exprvm_dtype dtype;
  const ev_codec *codec;
  int64_t length;
  void *data;
} ev_array;

#define EV_ARRAY_METATABLE "exprvm.array"

/* Pushes a new zero-filled array of `length` elements. */
ev_array *ev_array_new(lua_State *L, exprvm_dtype dtype, int64_t length);
/* The array at idx, or NULL when the value is not an ev.array. */
ev_array *ev_array_test(lua_State *L, int idx);
/* Fills a (already sized to the table's length) from the Lua table at idx; raises an error
 * naming `who` and the element on a value that does not fit the dtype. */
void ev_array_fill_from_table(lua_State *L, int idx, ev_array *a, const char *who);
/* Pushes a new Lua table with a copy of the array's elements. */
void ev_array_push_table(lua_State *L, const ev_array *a);
/* Registers the metatable and sets `array` and `dtypes` in the module table at the top. */
void ev_array_register(lua_State *L);

#endif /* EXPRVM_LUA_EV_ARRAY_H */
