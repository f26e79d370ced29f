-- wrk script: GET /patients/{random id}/cover?at={random instant in December 2026 JST}.
-- PATIENTS (a file of ids, one per line) and TOKEN come from the environment. The
-- requests are made once, up front. With ROUTE=static every request is GET /healthz
-- with the same header, through the same script, so wrk does the same work per
-- request for both routes and the ratio measures the service alone.
local ids = {}
for line in io.lines(os.getenv("PATIENTS")) do
  if #line > 0 then ids[#ids + 1] = line end
end
local token = os.getenv("TOKEN")
local requests = {}
local next_request = 1

init = function(args)
  math.randomseed(2026 + #requests)
  for i = 1, 20000 do
    local id = ids[math.random(#ids)]
    local path = string.format("/patients/%s/cover?at=2026-12-%02dT%02d:%02d", id,
      math.random(1, 31), math.random(0, 23), math.random(0, 59))
    if os.getenv("ROUTE") == "static" then path = "/healthz" end
    requests[i] = wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
  end
end

request = function()
  local r = requests[next_request]
  next_request = next_request % #requests + 1
  return r
end
