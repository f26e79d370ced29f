-- wrk script: GET /patients/{random id}/cover?at={random instant in December 2026 JST}.
-- PATIENTS (a file of ids, one per line) and TOKEN come from the environment.
local ids = {}
for line in io.lines(os.getenv("PATIENTS")) do
  if #line > 0 then ids[#ids + 1] = line end
end
local token = os.getenv("TOKEN")
math.randomseed(2026)

request = function()
  local id = ids[math.random(#ids)]
  local day = math.random(1, 31)
  local hour = math.random(0, 23)
  local minute = math.random(0, 59)
  local path = string.format("/patients/%s/cover?at=2026-12-%02dT%02d:%02d", id, day, hour, minute)
  return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end
