-- thread t of T sends addresses offset + t, offset + t + T, ...: every request a new address
local counter = 0
local threads = tonumber(os.getenv("FLOOD_THREADS"))
local offset = tonumber(os.getenv("FLOOD_OFFSET"))
local id = 0
local ids = 0
function setup(thread) thread:set("id", ids); ids = ids + 1 end
function init(args) counter = offset + id end
function request()
  local n = counter
  counter = counter + threads
  local a = 10 + math.floor(n / 16777216) % 200
  return wrk.format("GET", "/x", {["X-Forwarded-For"] = a .. "." .. math.floor(n / 65536) % 256 .. "."
    .. math.floor(n / 256) % 256 .. "." .. n % 256})
end
