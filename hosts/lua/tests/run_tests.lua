-- Runs the Lua host's tests against the built module: lua5.4 run_tests.lua, with LUA_CPATH
-- finding exprvm.so (CTest's `lua` test and `./run lua` set it). Each test_*.lua below returns
-- a list of {name, function}; a test fails when its function raises. Prints each failure and
-- "N passed, N failed"; exits non-zero when any test failed.
local dir = arg[0]:match("^(.*)/[^/]*$") or "."
package.path = dir .. "/?.lua;" .. package.path

local files = {"test_evaluate", "test_program", "test_array", "test_errors", "test_random"}
local passed, failed = 0, 0
for _, file in ipairs(files) do
  for _, test in ipairs(require(file)) do
    local ok, message = xpcall(test[2], debug.traceback)
    if ok then
      passed = passed + 1
    else
      failed = failed + 1
      print(string.format("FAIL %s: %s\n%s", file, test[1], message))
    end
  end
end
print(string.format("%d passed, %d failed", passed, failed))
os.exit(failed == 0 and 0 or 1, true) -- true: close the state, running every __gc
