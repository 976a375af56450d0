-- Each request carries an Authorization value picked at random from a file of them
-- (`wrk -s pick.lua URL -- FILE`): scenario 2 spreads requests over every user and
-- application password; scenario 4 sends a different wrong password each time.
local values = {}

init = function(args)
  for line in io.lines(args[1]) do
    if #line > 0 then values[#values + 1] = line end
  end
  if #values == 0 then error("pick.lua: no Authorization values in " .. tostring(args[1])) end
  math.randomseed(os.time() + math.floor(os.clock() * 1000000))
end

request = function()
  return wrk.format(nil, nil, { ["Authorization"] = values[math.random(#values)] })
end
