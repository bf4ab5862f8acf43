-- Assertions shared by the Lua tests.
local helpers = {}

local function show(value)
  if type(value) ~= "table" then return tostring(value) end
  local parts = {}
  for i = 1, #value do parts[i] = tostring(value[i]) end
  return "{" .. table.concat(parts, ", ") .. "}"
end
helpers.show = show

-- Numbers equal within tol (relative to the larger magnitude; 0 means exact, so -0 == 0);
-- other values by ==.
local function close(a, b, tol)
  if type(a) ~= "number" or type(b) ~= "number" then return a == b end
  if a ~= a and b ~= b then return true end -- both NaN
  if a == b then return true end
  return math.abs(a - b) <= (tol or 0) * math.max(math.abs(a), math.abs(b), 1)
end

-- Checks actual == expected (numbers or lists of numbers/booleans), element by element.
function helpers.equal(actual, expected, tol, what)
  local label = what and (what .. ": ") or ""
  if type(expected) == "table" then
    if type(actual) ~= "table" then
      error(label .. "expected a table " .. show(expected) .. ", got " .. show(actual), 2)
    end
    if #actual ~= #expected then
      error(label .. "expected " .. show(expected) .. ", got " .. show(actual), 2)
    end
    for i = 1, #expected do
      if not close(actual[i], expected[i], tol) then
        error(string.format("%selement %d: expected %s, got %s (%s vs %s)", label, i,
                            tostring(expected[i]), tostring(actual[i]), show(expected), show(actual)), 2)
      end
    end
  elseif not close(actual, expected, tol) then
    error(label .. "expected " .. show(expected) .. ", got " .. show(actual), 2)
  end
end

-- Checks that fn(...) raises an error whose message contains every one of the plain strings
-- in `fragments` (a string or a list); returns the message.
function helpers.raises(fragments, fn, ...)
  local ok, message = pcall(fn, ...)
  if ok then error("expected an error containing " .. show(fragments) .. ", got none", 2) end
  message = tostring(message)
  if type(fragments) == "string" then fragments = {fragments} end
  for _, fragment in ipairs(fragments) do
    if not message:find(fragment, 1, true) then
      error("error message lacks '" .. fragment .. "':\n" .. message, 2)
    end
  end
  return message
end

function helpers.check(condition, message)
  if not condition then error(message or "check failed", 2) end
end

return helpers
