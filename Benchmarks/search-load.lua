-- wrk script: each request is a random path from $HAVEN_BENCH_PATHS (one per line, made by
-- `haven bench paths`), sent with the API token in $HAVEN_BENCH_TOKEN. wrk counts every 4xx and
-- 5xx answer itself, and they are reported, so an error can never hide inside a latency figure.
-- (No `response` callback: wrk would hand every body to Lua, on the same two cores as the server.)
local paths = {}
local token = os.getenv("HAVEN_BENCH_TOKEN")

init = function(args)
    for line in io.lines(os.getenv("HAVEN_BENCH_PATHS")) do
        paths[#paths + 1] = line
    end
    math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
end

request = function()
    local path = paths[math.random(#paths)]
    return wrk.format("GET", path, { ["Authorization"] = "Bearer " .. token })
end

done = function(summary, latency, requests)
    io.write(string.format("requests %d  errors(4xx/5xx) %d  socket errors %d\n", summary.requests,
        summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
    io.write(string.format("throughput %.0f req/s\n", summary.requests / (summary.duration / 1e6)))
    for _, p in pairs({ 50, 95, 99 }) do
        io.write(string.format("p%d %.2f ms\n", p, latency:percentile(p) / 1000))
    end
end
