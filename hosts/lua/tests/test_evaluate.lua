-- ev.evaluate: dtype inference from Lua values, results as tables or numbers/booleans.
local ev = require("exprvm")
local h = require("helpers")

return {
  {"the issue's example: where(a > 1, a*2, -a)", function()
    h.equal(ev.evaluate("where(a > 1, a*2, -a)", {a = {0, 1, 2, 3}}), {0, -1, 4, 6})
    -- floats: -a of 0.0 is -0.0, numerically equal to 0
    h.equal(ev.evaluate("where(a > 1, a*2, -a)", {a = {0.0, 1.0, 2.0, 3.0}}), {0, -1, 4, 6})
  end},
  {"integer tables are int64, results Lua integers", function()
    local r = ev.evaluate("a * 3 - 1", {a = {1, 2, -5}})
    h.equal(r, {2, 5, -16})
    h.check(math.type(r[1]) == "integer", "int64 result should be a Lua integer")
    h.check(math.type(ev.evaluate("a / 2", {a = {1, 2}})[1]) == "float", "/ gives float64")
  end},
  {"float tables are float64", function()
    local r = ev.evaluate("a * 0.5 + 1", {a = {1, 2.5, 3}})
    h.equal(r, {1.5, 2.25, 2.5})
    h.check(math.type(r[1]) == "float")
    h.equal(ev.evaluate("sqrt(a)", {a = {4.0, 9.0}}), {2, 3})
  end},
  {"boolean tables are bool", function()
    h.equal(ev.evaluate("a & ~b", {a = {true, true, false}, b = {false, true, false}}),
            {true, false, false})
    h.equal(ev.evaluate("a > 1.5", {a = {1, 2}}), {false, true})
  end},
  {"scalars: numbers and booleans are 0-d and broadcast", function()
    h.equal(ev.evaluate("x * 2 + 1", {x = 3}), 7)
    h.check(math.type(ev.evaluate("x * 2 + 1", {x = 3})) == "integer")
    h.equal(ev.evaluate("x * 2", {x = 1.25}), 2.5)
    h.equal(ev.evaluate("x & True", {x = true}), true)
    h.equal(ev.evaluate("a * s", {a = {1.0, 2.0}, s = 0.5}), {0.5, 1.0})
    h.equal(ev.evaluate("2 * 3", {}), 6)
    h.equal(ev.evaluate("2.5 * 2"), 5)
  end},
  {"many variables (more than fit the C stack buffers)", function()
    local vars, terms = {}, {}
    for i = 1, 12 do
      local name = "v" .. i
      vars[name] = {i, 2 * i}
      terms[i] = name
    end
    h.equal(ev.evaluate(table.concat(terms, " + "), vars), {78, 156})
  end},
  {"length-1 tables broadcast", function()
    h.equal(ev.evaluate("a + b", {a = {1.0, 2.0, 3.0}, b = {10.0}}), {11, 12, 13})
  end},
  {"reductions give numbers", function()
    h.equal(ev.evaluate("sum(a)", {a = {1.5, 2, 3}}), 6.5)
    h.equal(ev.evaluate("sum(a * b)", {a = {1, 2, 3}, b = {4, 5, 6}}), 32)
    h.equal(ev.evaluate("prod(a)", {a = {1, 2, 3, 4}}), 24)
    h.equal(ev.evaluate("min(a)", {a = {3.0, -1.0, 2.0}}), -1)
    h.equal(ev.evaluate("max(a)", {a = {3.0, -1.0, 2.0}}), 3)
    h.equal(ev.evaluate("mean(a)", {a = {1, 2, 3, 4}}), 2.5)
    h.equal(ev.evaluate("any(a > 3)", {a = {1, 2, 3, 4}}), true)
    h.equal(ev.evaluate("sum(a, axis=0)", {a = {1.0, 2.0}}), 3)
    h.equal(ev.evaluate("sum(a)", {a = {1.0}}), 1)
    h.equal(ev.evaluate("sum(a)", {a = {}}), 0)
  end},
  {"empty tables give empty results", function()
    h.equal(ev.evaluate("a + 1", {a = {}}), {})
  end},
  {"exprvm.arrays keep their dtype; out receives the result", function()
    local a = ev.array("float32", {1, 2, 3})
    local out = ev.array("float32", 3)
    h.check(ev.evaluate("a * 2.0", {a = a}, out) == out, "evaluate returns out")
    h.equal(out:totable(), {2, 4, 6})
    h.equal(ev.evaluate("a * 2.0", {a = a}), {2, 4, 6})
    local total = ev.array("float64", 1)
    ev.evaluate("sum(a)", {a = a}, total)
    h.equal(total[1], 6)
  end},
  {"several statements update arrays in place", function()
    local x = ev.array("float64", {1, 2, 3})
    local y = ev.array("float64", 3)
    h.check(ev.evaluate("t = x * 2; y = t + 1; x = t", {x = x, y = y}) == nil,
            "a program that only assigns returns nothing")
    h.equal(x:totable(), {2, 4, 6})
    h.equal(y:totable(), {3, 5, 7})
  end},
}
