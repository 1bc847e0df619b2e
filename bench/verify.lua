-- wrk: POST /verify with the bodies prepared for this phase (one per line in $BODIES), each thread
-- taking its own share of the lines, so that no body is sent twice unless the file runs out.
local threads = 0

function setup(thread)
  thread:set("id", threads)
  threads = threads + 1
end

function init(args)
  bodies = {}
  local share = tonumber(os.getenv("THREADS"))
  local n = 0
  for line in io.lines(os.getenv("BODIES")) do
    if n % share == id then
      bodies[#bodies + 1] = line
    end
    n = n + 1
  end
  -- Replays: only lines this thread surely sent in the phase before (half of its share of them).
  local replay = tonumber(os.getenv("REPLAY_LINES") or "0")
  if replay > 0 then
    for i = #bodies, replay + 1, -1 do
      bodies[i] = nil
    end
  end
  index = 0
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("API_KEY") }
end

function request()
  index = index % #bodies + 1
  return wrk.format("POST", "/verify", headers, bodies[index])
end
