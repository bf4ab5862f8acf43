-- ev.array: typed 1-based buffers.
local ev = require("exprvm")
local h = require("helpers")

return {
  {"zeros, indexing, length, dtype, totable", function()
    local a = ev.array("int32", 3)
    h.equal(#a, 3)
    h.equal(a:dtype(), "int32")
    h.equal(a:totable(), {0, 0, 0})
    a[2] = -7
    a[3] = 4.0 -- an integral float is accepted
    h.equal(a[2], -7)
    h.check(math.type(a[3]) == "integer")
    h.equal(a:totable(), {0, -7, 4})
    h.equal(#ev.array("float64", 0), 0)
  end},
  {"from a table, every supported dtype round-trips", function()
    for _, dtype in ipairs(ev.dtypes) do
      local values = dtype == "bool" and {true, false, true} or {1, 0, 2}
      local a = ev.array(dtype, values)
      h.equal(a:dtype(), dtype)
      h.equal(a:totable(), values, 0, dtype)
    end
  end},
  {"float32 rounds, bool holds booleans", function()
    local f = ev.array("float32", {0.1})
    h.equal(f[1], 0.1, 1e-7)
    h.check(f[1] ~= 0.1, "float32 storage rounds")
    local b = ev.array("bool", 2)
    b[1] = true
    h.equal(b:totable(), {true, false})
  end},
  {"fill and tostring", function()
    local a = ev.array("float64", 12):fill(1.5)
    h.equal(a[12], 1.5)
    local text = tostring(a)
    h.check(text:find("exprvm.array(float64, 12)", 1, true) and text:find("...", 1, true), text)
  end},
  {"bad indices and values", function()
    local a = ev.array("int32", 2)
    h.raises("index 3 is out of range [1, 2]", function() return a[3] end)
    h.raises("index 0 is out of range [1, 2]", function() a[0] = 1 end)
    h.raises({"element 1 (1.5) does not fit int32", "not an integer"}, function() a[1] = 1.5 end)
    h.raises("out of range", function() a[1] = 2^40 // 1 end)
    h.raises("expected a number", function() a[1] = "x" end)
    h.raises("expected a boolean", function() ev.array("bool", 1)[1] = 1 end)
    h.raises({"exprvm.array", "element 2 (-1) does not fit uint8", "out of range"},
             ev.array, "uint8", {1, -1})
    h.raises("expected a number", ev.array, "float64", {1, true})
  end},
  {"bad dtype names and lengths", function()
    h.raises({"unknown dtype 'flaot32'", "float32"}, ev.array, "flaot32", 3)
    h.raises("length must not be negative", ev.array, "float64", -1)
    h.raises("length (integer) or table", ev.array, "float64", "3")
  end},
}
