-- wrk: POST /verify with the bodies prepared for this phase (one per line in $BODIES), each thread
-- taking its own share of the lines, so that no body is sent twice unless the file runs out. A line
-- that starts with a path ("/recover {...}") is POSTed there instead. With $RATE (requests a second
-- in all, over $CONNECTIONS connections) each connection paces itself, for a soak at a steady rate.
local threads = {}

function setup(thread)
  thread:set("id", #threads)
  table.insert(threads, thread)
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
  statuses = {}
  local rate = tonumber(os.getenv("RATE") or "0")
  pause = rate > 0 and 1000 * tonumber(os.getenv("CONNECTIONS")) / rate or 0
  headers = { ["Content-Type"] = "application/json", ["Authorization"] = "Bearer " .. os.getenv("API_KEY") }
end

local function post(line)
  local path, body = line:match("^(/%S+) (.*)$")
  return wrk.format("POST", path or "/verify", headers, body or line)
end

function request()
  -- wrk calls this once on the first thread to check the script and never sends that request; it
  -- must not use up a line, or the replay mix would send that line for the first time.
  if id == 0 and not checked then
    checked = true
    return post(bodies[1])
  end
  index = index % #bodies + 1
  return post(bodies[index])
end

function delay()
  return pause
end

-- Every answer's status, so that errors are counted from what came back, not from wrk's totals.
function response(status)
  statuses[status] = (statuses[status] or 0) + 1
end

function done()
  local total = {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      total[status] = (total[status] or 0) + count
    end
  end
  local line = "statuses:"
  for status, count in pairs(total) do
    line = line .. " " .. status .. "=" .. count
  end
  print(line)
  -- Threads take every n-th line and do not keep pace with each other: the lines a phase used up are
  -- as many as the fastest thread reached times the threads, which can be more than it sent in all.
  local reached = 0
  for _, thread in ipairs(threads) do
    reached = math.max(reached, thread:get("index") or 0)
  end
  print("lines: " .. reached * #threads)
end
