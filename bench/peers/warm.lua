-- Warm-up before the rounds (`wrk -s warm.lua URL -- FILE`): every Authorization value of the
-- file in turn, so that scenario 2 measures credentials in use (verified once, then cached)
-- rather than how long a random pick takes to reach all 30,000 of them.
local values = {}
local next_value = 0

init = function(args)
  for line in io.lines(args[1]) do
    if #line > 0 then values[#values + 1] = line end
  end
  if #values == 0 then error("warm.lua: no Authorization values in " .. tostring(args[1])) end
end

request = function()
  next_value = next_value % #values + 1
  return wrk.format(nil, nil, { ["Authorization"] = values[next_value] })
end
