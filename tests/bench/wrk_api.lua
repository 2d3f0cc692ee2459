-- wrk script for tests/bench/bench_api.py: a bearer token on every request, or (with
-- WRK_REFRESH set) POST /api/v1/auth/token/refresh rotating each thread's own refresh token.
-- Prints one RESULT line: requests, duration (us), p50, p95, p99 (us), errors.
local access = os.getenv("WRK_ACCESS") or ""
local refresh_tokens = {}
for token in string.gmatch(os.getenv("WRK_REFRESH") or "", "[^,]+") do
  table.insert(refresh_tokens, token)
end
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("refresh", refresh_tokens[counter] or "")
end

function init(args)
  if access ~= "" then
    wrk.headers["Authorization"] = "Bearer " .. access
  end
end

-- Only for refresh runs: with `request` or `response` defined, wrk calls into Lua for every
-- request and hands it every response's headers and body.
if #refresh_tokens > 0 then
  function request()
    return wrk.format("POST", "/api/v1/auth/token/refresh",
      {["Content-Type"] = "application/json"}, '{"refresh": "' .. refresh .. '"}')
  end

  function response(status, headers, body)
    if status == 200 then
      refresh = string.match(body, '"refresh"%s*:%s*"([^"]+)"') or refresh
    end
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("RESULT %d %d %d %d %d %d\n", summary.requests, summary.duration,
    latency:percentile(50), latency:percentile(95), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
