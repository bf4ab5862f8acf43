-- ev.compile and program:run with typed signatures, in-place updates and reused buffers.
local ev = require("exprvm")
local h = require("helpers")

return {
  {"typed signature: float32, int32, bool", function()
    local prog = ev.compile("where(m, a * 2.0, b + 1)",
                            {{"a", "float32"}, {"b", "int32"}, {"m", "bool"}})
    h.equal(prog:result_dtype(), "float64") -- float32 with int32 promotes to float64
    h.equal(prog:run({a = {1.5, 2.5}, b = {10, 20}, m = {true, false}}), {3, 21})
    local f32 = ev.compile("a * 2.0 + 1.0", {{"a", "float32"}})
    h.equal(f32:result_dtype(), "float32")
    h.equal(f32:run({a = ev.array("float32", {0.5, 1})}), {2, 3})
    local i32 = ev.compile("a // 2", {{"a", "int32"}})
    h.equal(i32:result_dtype(), "int32")
    h.equal(i32:run({a = {7, -7}}), {3, -4})
  end},
  {"scalar parameters", function()
    local prog = ev.compile("a * lr", {{"a", "float64"}, {"lr", "float64", scalar = true}})
    h.equal(prog:run({a = {1, 2}, lr = 0.5}), {0.5, 1})
    h.equal(prog:run({a = {1, 2}, lr = ev.array("float64", {2})}), {2, 4})
  end},
  {"in-place p = p - 0.1*g on exprvm.arrays, in a loop", function()
    local n = 1000
    local p, g = ev.array("float64", n), ev.array("float64", n)
    local expected = {}
    for i = 1, n do
      p[i] = i / n
      g[i] = (i % 7) - 3
      expected[i] = i / n
    end
    local step = ev.compile("p = p - 0.1*g", {{"p", "float64"}, {"g", "float64"}})
    local vars = {p = p, g = g}
    for _ = 1, 50 do
      h.check(step:run(vars) == nil)
      for i = 1, n do expected[i] = expected[i] - 0.1 * g[i] end
    end
    h.equal(p:totable(), expected, 1e-12)
  end},
  {"in-place update in float32", function()
    local p = ev.array("float32", {1, 2, 3})
    local g = ev.array("float32", {1, 1, 1})
    ev.compile("p = p - 0.1*g", {{"p", "float32"}, {"g", "float32"}}):run({p = p, g = g})
    h.equal(p:totable(), {0.9, 1.9, 2.9}, 1e-6)
  end},
  {"out is reused and returned", function()
    local prog = ev.compile("a + b", {{"a", "float64"}, {"b", "float64"}})
    local a, b, out = ev.array("float64", {1, 2}), ev.array("float64", {10, 20}), ev.array("float64", 2)
    h.check(prog:run({a = a, b = b}, out) == out)
    h.equal(out:totable(), {11, 22})
    a[1] = 5 -- the program reads the buffer as it is now
    prog:run({a = a, b = b}, out)
    h.equal(out:totable(), {15, 22})
  end},
  {"reductions through a program", function()
    local prog = ev.compile("sum(a * a)", {{"a", "float32"}})
    h.equal(prog:run({a = {1, 2, 3}}), 14)
    local out = ev.array("float32", 1)
    prog:run({a = {1, 2}}, out)
    h.equal(out[1], 5)
  end},
  {"disassemble and tostring", function()
    local prog = ev.compile("a * 2.0 + b", {{"a", "float64"}, {"b", "float64"}})
    local text = prog:disassemble()
    h.check(text:find("instruction", 1, true), "listing: " .. text)
    h.check(tostring(prog):find("a float64, b float64", 1, true), tostring(prog))
  end},
  {"__close frees the program early", function()
    local closed
    do
      local prog <close> = ev.compile("a + 1", {{"a", "int64"}})
      h.equal(prog:run({a = {1}}), {2})
      closed = prog
    end
    h.raises("closed", closed.run, closed, {a = {1}})
    h.check(tostring(closed):find("closed", 1, true))
  end},
  {"threads and version", function()
    local before = ev.get_num_threads()
    h.check(before >= 1)
    h.equal(ev.set_num_threads(1), before)
    h.equal(ev.get_num_threads(), 1)
    local n = 100000
    local a = ev.array("float64", n)
    for i = 1, n do a[i] = i end
    h.equal(ev.evaluate("sum(a)", {a = a}), n * (n + 1) / 2)
    ev.set_num_threads(before)
    h.equal(ev.evaluate("sum(a)", {a = a}), n * (n + 1) / 2)
    h.check(ev.version:match("^%d+%.%d+%.%d+$"), ev.version)
  end},
}
