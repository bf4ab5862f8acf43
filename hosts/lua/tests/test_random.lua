-- Random expressions over random float64 tables, checked against the same expression computed
-- element by element in plain Lua. Set EXPRVM_LUA_SEED to replay a run; the seed is printed.
local ev = require("exprvm")
local h = require("helpers")

local seed = tonumber(os.getenv("EXPRVM_LUA_SEED") or "") or (os.time() % 1000000)
print("test_random: seed " .. seed .. " (EXPRVM_LUA_SEED=" .. seed .. " replays it)")
math.randomseed(seed)

-- Returns the exprvm source and the equivalent Lua expression of a random expression tree
-- over a, b, c (depth at most `depth`).
local function random_expression(depth)
  local choice = math.random(depth > 0 and 9 or 2)
  if choice == 1 then
    local name = ({"a", "b", "c"})[math.random(3)]
    return name, name
  elseif choice == 2 then
    local k = string.format("%.3f", math.random() * 4 - 2)
    return k, "(" .. k .. ")"
  end
  local x, lx = random_expression(depth - 1)
  local y, ly = random_expression(depth - 1)
  if choice <= 5 then
    local op = ({"+", "-", "*"})[choice - 2]
    return "(" .. x .. " " .. op .. " " .. y .. ")", "(" .. lx .. " " .. op .. " " .. ly .. ")"
  elseif choice == 6 then
    return "where(" .. x .. " > " .. y .. ", " .. x .. ", " .. y .. ")",
           "math.max(" .. lx .. ", " .. ly .. ")"
  elseif choice == 7 then
    return "abs(" .. x .. ")", "math.abs(" .. lx .. ")"
  elseif choice == 8 then
    return "sqrt(abs(" .. x .. "))", "math.sqrt(math.abs(" .. lx .. "))"
  end
  return "sin(" .. x .. ")", "math.sin(" .. lx .. ")"
end

local function random_table(n)
  local t = {}
  for i = 1, n do t[i] = math.random() * 10 - 5 end
  return t
end

local tests = {}
for case = 1, 40 do
  tests[#tests + 1] = {"random expression " .. case .. " (seed " .. seed .. ")", function()
    local source, lua_source = random_expression(3)
    local f = assert(load("return function(a, b, c) return " .. lua_source .. " end"))()
    local n = math.random(0, 40)
    local a, b, c = random_table(n), random_table(n), random_table(n)
    local expected = {}
    for i = 1, n do expected[i] = f(a[i], b[i], c[i]) end
    local actual = ev.evaluate(source, {a = a, b = b, c = c})
    h.equal(actual, expected, 1e-12, source)
    local sum = 0
    for i = 1, n do sum = sum + expected[i] end
    h.equal(ev.evaluate("sum(" .. source .. ")", {a = a, b = b, c = c}), sum, 1e-9,
            "sum(" .. source .. ")")
  end}
end
return tests
