-- Bad inputs raise Lua errors with specific messages (the library's text, with the caret).
local ev = require("exprvm")
local h = require("helpers")

return {
  {"syntax error: message, source line and caret", function()
    local message = h.raises("a + * 2", ev.evaluate, "a + * 2", {a = {1}})
    local lines = {}
    for line in (message .. "\n"):gmatch("(.-)\n") do lines[#lines + 1] = line end
    h.check(#lines >= 3, message)
    h.check(lines[#lines]:match("^%s*%^+%s*$"), "last line should be the caret line:\n" .. message)
    h.raises({"\n", "^"}, ev.compile, "sin(a", {{"a", "float64"}})
  end},
  {"unknown name", function()
    h.raises({"name 'b' is not defined", "a + b", "^"}, ev.evaluate, "a + b", {a = {1.0}})
    h.raises("name 'c' is not defined", ev.compile, "a * c", {{"a", "float64"}})
  end},
  {"unknown function and type errors come from the library", function()
    h.raises("^", ev.evaluate, "frobnicate(a)", {a = {1.0}})
    h.raises("^", ev.evaluate, "a & b", {a = {1.5}, b = {2.5}})
    h.raises("the Lua module cannot hold the result's dtype complex128",
             ev.evaluate, "complex(a, a)", {a = {1.0}})
  end},
  {"wrong type in a table", function()
    h.raises("variable 'a': element 2 is a string; expected a number or boolean",
             ev.evaluate, "a + 1", {a = {1, "two"}})
    h.raises("variable 'a' mixes booleans and numbers (element 2)",
             ev.evaluate, "a", {a = {true, 1}})
    local f32 = ev.compile("a", {{"a", "float32"}})
    h.raises({"variable 'a'", "element 2 (true) does not fit float32", "expected a number"},
             f32.run, f32, {a = {1, true}})
    h.raises({"variable 'a'", "element 1 (0.5) does not fit int32", "not an integer"},
             function() return ev.compile("a", {{"a", "int32"}}):run({a = {0.5}}) end)
  end},
  {"wrong kind of variable", function()
    h.raises("variable 's' is a string; expected a number, boolean, table or exprvm.array",
             ev.evaluate, "s", {s = "x"})
    h.raises("has a number key; names must be strings", ev.evaluate, "1", {5})
    local prog = ev.compile("a + s", {{"a", "float64"}, {"s", "float64", scalar = true}})
    h.raises("variable 's' is a scalar; expected a number or boolean, got a table",
             prog.run, prog, {a = {1}, s = {1}})
    h.raises("variable 's' is a scalar, but its exprvm.array has 2 elements",
             prog.run, prog, {a = {1}, s = ev.array("float64", 2)})
    h.raises("variable 'a' is an exprvm.array of float32; the program takes float64",
             prog.run, prog, {a = ev.array("float32", 1), s = 1})
    h.raises("variable 's' is missing", prog.run, prog, {a = {1}})
    h.raises("variable 's' (true) does not fit float64", prog.run, prog, {a = {1}, s = true})
  end},
  {"mismatched lengths", function()
    h.raises("variables 'a' (length 3) and 'b' (length 2) have mismatched lengths",
             ev.evaluate, "a + b", {a = {1, 2, 3}, b = {1, 2}})
    local prog = ev.compile("p = p - g", {{"p", "float64"}, {"g", "float64"}})
    h.raises("mismatched lengths", prog.run, prog, {p = ev.array("float64", 2), g = {1, 2, 3}})
    h.raises("out has shape (2,) but the result has shape (3,)",
             ev.evaluate, "a * 2.0", {a = ev.array("float64", 3)}, ev.array("float64", 2))
  end},
  {"bad dtype name in a signature", function()
    h.raises({"exprvm.compile: unknown dtype 'float63'", "float64"},
             ev.compile, "a", {{"a", "float63"}})
    h.raises("the Lua module cannot hold dtype 'complex64'", ev.compile, "a", {{"a", "complex64"}})
    h.raises("signature[1] is a string; expected {name, dtype [, scalar = true]}",
             ev.compile, "a", {"a"})
    h.raises("signature[1][2] (the dtype) is a nil", ev.compile, "a", {{"a"}})
    h.raises("signature[1][1] (the name) is a number", ev.compile, "a", {{1, "float64"}})
  end},
  {"bad arguments", function()
    h.raises("bad argument #2 to 'exprvm.evaluate' (table expected, got string)", ev.evaluate, "a", "x")
    h.raises("bad argument #1 to", ev.evaluate, nil, {})
    h.raises("exprvm.array expected", ev.evaluate, "a", {a = {1}}, {})
    h.raises("bad argument #1", ev.set_num_threads, 0)
    local assign = ev.compile("p = p * 2", {{"p", "float64"}})
    h.raises("the program has no result (it only assigns)",
             assign.run, assign, {p = ev.array("float64", 1)}, ev.array("float64", 1))
    local identity = ev.compile("a", {{"a", "float64"}})
    h.raises("cannot write the float64 result into out (int32)",
             identity.run, identity, {a = {1.5}}, ev.array("int32", 1))
  end},
}
